"""What a reader sees of a run whose calls failed, and where its numbers came from: a notice at
the top of the page, missing data kept apart from the model's failures, the host, the timing
columns, one display name with the tag as a tooltip, and the benchmark's trends a link away."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bench.record.schema import RunRecord
from bench.site.report import report_path
from tests.support.browser import serve_site
from tests.support.html import with_end_tags
from tests.support.records import cascade, direct, record, sample, write_archive
from tests.support.sitebuild import build_in_process, make_project, page_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

LONG_LABEL = "hf.co/bartowski/Qwen2.5-Coder-14B-Instruct-GGUF:Q4_K_M"
HOST = {
    "cpu_model": "AMD Ryzen 7 5800X 8-Core Processor",
    "physical_cores": 8,
    "logical_cores": 16,
    "memory_bytes": 32 * 2**30,
    "gpus": [
        {"name": "NVIDIA GeForce RTX 3090", "memory_bytes": 24 * 2**30, "probe": "nvidia-smi"}
    ],
    "gpu_probes": ["nvidia-smi"],
    "os": "Debian GNU/Linux 13",
    "kernel": "6.12.0",
    "machine": "x86_64",
    "python": "3.11.7",
    "servers": [{"backend": "ollama", "url": "http://gpu-box:11434", "version": "0.6.8"}],
    "load_avg_start": {"one_min": 0.5, "five_min": 0.4, "fifteen_min": 0.3},
    "load_avg_end": {"one_min": 1.5, "five_min": 0.9, "fifteen_min": 0.5},
}


def _timed(wall_s: float, **extra: Any) -> dict[str, Any]:
    s = sample(wall_s, **extra)
    s["generation"] |= {"ttft_s": 0.42, "ttft_source": "client_stream", "prompt_tok_s": 310.5}
    s["generation"]["prompt_tok_s_source"] = "server_counters"
    return s


def _refused(kind: str) -> dict[str, Any]:
    s = sample(0.01, error="http://gpu-box:11434: connection refused")
    s["generation"]["error_kind"] = kind
    return s


def mixed() -> RunRecord:
    """Three models: one measured, one that timed out once, one whose server was down."""
    return record(
        [
            direct("qwen2.5-coder:14b", 14, _timed(20.0), _timed(22.0), label=LONG_LABEL),
            direct("small:1b", 1, _timed(5.0), _refused("model"), label="Small One"),
            direct("gone:7b", 7, _refused("infrastructure"), _refused("infrastructure")),
        ],
        [cascade("small:1b", "qwen2.5-coder:14b", (30.0, ()), (31.0, ()))],
        run_id="bench-2026-05-01_10-00-00",
        repeats=2,
        provenance={"tool_version": "0.2.0", "host": HOST},
    )


def failed() -> RunRecord:
    return record(
        [direct("gone:7b", 7, _refused("infrastructure"))],
        run_id="bench-2026-05-02_10-00-00",
        status="failed",
        provenance={"tool_version": "0.2.0"},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("failed")
    return build_in_process(make_project(tmp, write_archive(tmp / "archive", [mixed(), failed()])))


def _page(site: Path, run: RunRecord) -> str:
    return (site / report_path(run)).read_text(encoding="utf-8")


def test_failed_calls_are_said_at_the_top_and_missing_data_kept_apart(site: Path) -> None:
    html = _page(site, mixed())
    text = page_text(html)

    banner = text[: text.index("Prompt Handoff Benchmark")]
    assert (
        "Failed calls: 3 of 6 calls failed. 2 failed on the model server (missing data): they are "
        "left out of every figure and finding, and gone:7b could not be measured. 1 was the "
        "model's failure (a timeout or an unusable reply) and scored 0."
    ) in banner
    assert "gone:7b (missing data) : http://gpu-box:11434: connection refused" in text
    assert "Small One : http://gpu-box:11434: connection refused" in text  # the model's failure
    assert "Not measured (every call failed on the server): gone:7b." in text
    assert "gone:7b" not in text[text.index("Direct Models") : text.index("Handoff Pairs")]


def test_a_run_with_no_successful_call_says_it_has_no_figures(site: Path) -> None:
    text = page_text(_page(site, failed()))

    assert "Failed run: 1 of 1 call failed. No call succeeded: this run has no figures." in text
    assert "No direct model finished in this run." in text


def test_the_host_is_in_the_banner_and_in_the_provenance(site: Path) -> None:
    text = page_text(_page(site, mixed()))

    assert (
        "Archive · lab-1 telemetry on AMD Ryzen 7 5800X 8-Core Processor, 8 cores (16 threads), "
        "32.0 GiB, NVIDIA GeForce RTX 3090 24.0 GiB · bench/bench-2026-05-01_10-00-00/report.html."
    ) in text
    host = text[text.index("Host Host CPU") :]
    assert "Host GPUs NVIDIA GeForce RTX 3090, 24.0 GiB" in host
    assert "Model servers ollama http://gpu-box:11434: 0.6.8" in host
    assert "Load average (1 / 5 / 15 min) start 0.50 / 0.40 / 0.30; end 1.50 / 0.90 / 0.50" in host
    assert "Host" not in page_text(_page(site, failed())).split("Provenance")[-1]


def test_the_direct_table_shows_prompt_speed_and_first_token(site: Path) -> None:
    html = with_end_tags(_page(site, mixed()))
    table = html[html.index('id="direct-models"') : html.index('id="handoff-pairs"')]

    assert "<th>Prompt tok/s</th><th>First Token</th>" in table
    row = re.search(r"<tr><td title=\"qwen2.5-coder:14b\">(.*?)</tr>", table)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0))
    assert cells[0] == LONG_LABEL  # the label, with the tag as its tooltip
    assert cells[5:7] == ["310.50 tok/s", "0.42s"]


def test_a_long_name_in_a_kpi_card_breaks_at_its_punctuation(site: Path) -> None:
    html = _page(site, mixed())
    card = re.search(r'<div class="bench-kpi-value" title="qwen2.5-coder:14b">(.*?)</div>', html)

    assert card is not None
    assert card.group(1) == LONG_LABEL.replace("/", "/<wbr>").replace(":", ":<wbr>").replace(
        "-", "-<wbr>"
    ).replace("_", "_<wbr>").replace(".", ".<wbr>")


def test_a_run_page_links_its_benchmarks_trends(site: Path) -> None:
    html = _page(site, mixed())
    link = re.search(r'<a class="bench-trends" href="([^"]+)">trends of this benchmark</a>', html)

    assert link is not None
    assert (site / report_path(mixed())).parent.joinpath(link.group(1)).resolve().is_file()


def test_a_reader_sees_the_failure_first_and_the_kpi_fits_its_card(
    browser: Browser, site: Path
) -> None:
    with serve_site(site) as root:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(root + report_path(mixed()))
        notice = page.locator(".bench-failed-calls")
        box = notice.bounding_box()
        assert box is not None and box["y"] < 450  # above the fold, before any figure
        assert "3 of 6 calls failed" in notice.inner_text()
        overflow = page.eval_on_selector_all(
            ".bench-kpi-value", "els => els.map(e => e.scrollWidth - e.clientWidth)"
        )
        assert overflow and max(overflow) <= 0
        page.click("a.bench-trends")
        assert page.url.endswith("/bench/trends.html")
        page.close()


def test_long_check_names_wrap_at_their_underscores_not_mid_word(site: Path) -> None:
    html = with_end_tags(_page(site, mixed()))
    matrix = html[html.index('id="check-matrix"') :]

    assert "<th><code>parse_<wbr>events_<wbr>rejects_<wbr>invalid_<wbr>window</code>" in matrix
    assert "<th><code>python_<wbr>compile</code> (40)</th>" in matrix
