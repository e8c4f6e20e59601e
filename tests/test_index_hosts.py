"""The runs index by host: each host's fingerprint beside its name, filters by CPU and GPU,
and failed or partial runs noted."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.schema import (
    ErrorKind,
    Evaluation,
    Gpu,
    GpuProbe,
    HostInfo,
    RunRecord,
    RunStatus,
    Sample,
)
from bench.site.index import IndexEntry, render_index
from bench.site.render import environment
from tests.support.browser import BrowserLog, settled_cells
from tests.support.records import START, make_record, write_archive
from tests.support.sitebuild import build_site, make_project
from tests.test_index_browse import parse_index

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

GIB = 2**30
RYZEN = "AMD Ryzen 9 7950X"
INTEL = "Intel Core i7-12700"
RTX_4090 = Gpu(name="NVIDIA GeForce RTX 4090", memory_bytes=24 * GIB, probe=GpuProbe.NVIDIA_SMI)
RTX_3090 = Gpu(name="NVIDIA GeForce RTX 3090", memory_bytes=24 * GIB, probe=GpuProbe.NVIDIA_SMI)
HOSTILE_CPU = 'Evil <b>"CPU"</b> & co'


def host_info(cpu: str, physical: int, logical: int, memory_gib: float, *gpus: Gpu) -> HostInfo:
    return HostInfo(
        cpu_model=cpu,
        physical_cores=physical,
        logical_cores=logical,
        memory_bytes=int(memory_gib * GIB),
        gpus=gpus,
        gpu_probes=(GpuProbe.NVIDIA_SMI,) if gpus else (GpuProbe.NO_TOOL,),
    )


def on_host(record: RunRecord, host: HostInfo) -> RunRecord:
    provenance = record.provenance.model_copy(update={"host": host})
    return record.model_copy(update={"provenance": provenance})


def failed_call(sample: Sample, kind: ErrorKind) -> Sample:
    generation = sample.generation.model_copy(
        update={"error": "connection refused", "error_kind": kind}
    )
    return sample.model_copy(update={"generation": generation, "evaluation": Evaluation(score=0)})


def with_failures(record: RunRecord, kinds: dict[str, ErrorKind], status: RunStatus) -> RunRecord:
    """`record` with each named model's calls failed (by tag) and the given status."""
    direct = tuple(
        d.model_copy(
            update={"samples": tuple(failed_call(s, kinds[d.model.tag]) for s in d.samples)}
        )
        if d.model.tag in kinds
        else d
        for d in record.direct
    )
    return record.model_copy(update={"direct": direct, "status": status})


def day(n: int) -> dt.datetime:
    return START + dt.timedelta(days=n)


LAB_1 = host_info(RYZEN, 16, 32, 62.5, RTX_4090)
LAB_2 = host_info(INTEL, 12, 20, 31.25)
GPU_BOX = host_info(RYZEN, 16, 32, 125.0, RTX_4090, RTX_3090)

RYZEN_4090 = on_host(make_record(started_at=day(0), host="lab-1"), LAB_1)
INTEL_NO_GPU = on_host(make_record(started_at=day(1), host="lab-2"), LAB_2)
TWO_GPUS = on_host(make_record(started_at=day(2), host="gpu-box"), GPU_BOX)
NO_PRINT = make_record(started_at=day(3), host="old-box")  # recorded before fingerprints
FAILED = with_failures(
    on_host(make_record(started_at=day(4), host="lab-2", pairs=()), LAB_2),
    {tag: ErrorKind.INFRASTRUCTURE for tag in ("tiny:0.5b", "mid:3b", "big:8b")},
    RunStatus.FAILED,
)
PARTIAL = with_failures(
    on_host(
        make_record(started_at=day(5), host="lab-3", pairs=()), host_info(HOSTILE_CPU, 4, 8, 8)
    ),
    {"tiny:0.5b": ErrorKind.MODEL, "mid:3b": ErrorKind.INFRASTRUCTURE},
    RunStatus.PARTIAL,
)
RECORDS = [RYZEN_4090, INTEL_NO_GPU, TWO_GPUS, NO_PRINT, FAILED, PARTIAL]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("index-hosts")
    return build_site(make_project(tmp, write_archive(tmp / "archive", RECORDS)))


@pytest.fixture(scope="module")
def index_html(site: Path) -> str:
    return (site / "index.html").read_text(encoding="utf-8")


def _rows(index_html: str) -> dict[str, tuple[dict[str, str], list[str]]]:
    """Run id -> (its row's attributes, its cells' text)."""
    return {
        row.cells[1]: (row.attrs, row.cells)
        for section in parse_index(index_html).sections
        for row in section.rows
    }


def test_the_fingerprint_is_shown_beside_the_host(index_html: str) -> None:
    rows = _rows(index_html)

    host = rows[RYZEN_4090.run_id][1][2]
    assert host == "lab-1 · AMD Ryzen 9 7950X, 16 cores, 62.5 GiB, NVIDIA GeForce RTX 4090"
    assert rows[TWO_GPUS.run_id][1][2] == (
        "gpu-box · AMD Ryzen 9 7950X, 16 cores, 125.0 GiB, NVIDIA GeForce RTX 4090, "
        "NVIDIA GeForce RTX 3090"
    )
    assert rows[INTEL_NO_GPU.run_id][1][2] == "lab-2 · Intel Core i7-12700, 12 cores, 31.2 GiB"
    assert rows[NO_PRINT.run_id][1][2] == "old-box", "an older record: the host name only"
    assert '<td>lab-1 <span class="bench-host-print">· AMD Ryzen 9 7950X, ' in index_html


def test_rows_carry_their_cpu_and_gpus(index_html: str) -> None:
    rows = _rows(index_html)

    assert rows[RYZEN_4090.run_id][0]["data-cpu"] == RYZEN
    assert json.loads(rows[RYZEN_4090.run_id][0]["data-gpus"]) == [RTX_4090.name]
    assert json.loads(rows[TWO_GPUS.run_id][0]["data-gpus"]) == [RTX_4090.name, RTX_3090.name]
    assert json.loads(rows[INTEL_NO_GPU.run_id][0]["data-gpus"]) == [], "no GPU: an empty list"
    old = rows[NO_PRINT.run_id][0]
    assert "data-cpu" not in old and "data-gpus" not in old, "no fingerprint: no CPU, no GPU"


def test_cpu_and_gpu_choices_are_the_archives_hosts(index_html: str) -> None:
    options = parse_index(index_html).options

    assert options["cpu"] == ["", RYZEN, HOSTILE_CPU, INTEL]
    assert options["gpu"] == ["", RTX_3090.name, RTX_4090.name, "none"]
    assert '<option value="none" data-no-gpu>No GPU</option>' in index_html


def test_without_fingerprints_there_is_no_cpu_or_gpu_filter() -> None:
    html = render_index(environment(), [IndexEntry.of(RunAnalysis(NO_PRINT))])

    assert 'name="host"' in html
    assert 'name="cpu"' not in html and 'name="gpu"' not in html


def test_failed_and_partial_runs_are_noted(index_html: str) -> None:
    rows = _rows(index_html)

    failed_attrs, failed_cells = rows[FAILED.run_id]
    assert failed_cells[-1] == "failed, 3 calls missing (server)"
    assert failed_attrs["class"] == "bench-failed"
    assert rows[PARTIAL.run_id][1][-1] == "partial, 1 call failed, 1 call missing (server)"
    assert "class" not in rows[PARTIAL.run_id][0], "only a failed run's row is marked"
    assert rows[RYZEN_4090.run_id][1][-1] == ""


def test_a_failed_run_is_still_found_by_its_models(index_html: str) -> None:
    attrs = _rows(index_html)[FAILED.run_id][0]

    assert json.loads(attrs["data-models"]) == ["Tiny 0.5B", "Mid 3B", "Big 8B"]
    assert json.loads(attrs["data-tags"]) == ["tiny:0.5b", "mid:3b", "big:8b"]


def test_host_text_is_escaped(index_html: str) -> None:
    assert HOSTILE_CPU not in index_html
    escaped = "Evil &lt;b&gt;&#34;CPU&#34;&lt;/b&gt; &amp; co"
    assert f'data-cpu="{escaped}"' in index_html
    assert f'<option value="{escaped}">{escaped}</option>' in index_html
    assert f'<span class="bench-host-print">· {escaped}, 4 cores' in index_html


# In a real browser, from the file system.


@pytest.fixture
def page(browser: Browser, site: Path) -> Iterator[tuple[Page, BrowserLog]]:
    context = browser.new_context()
    log = BrowserLog().watch(context)
    opened = context.new_page()
    opened.goto((site / "index.html").as_uri())
    yield opened, log
    context.close()


RUN_CELLS = "table.bench-index tbody tr td:nth-child(2)"


def _visible_runs(page: Page) -> list[str]:
    return sorted(page.locator(RUN_CELLS).filter(visible=True).all_inner_texts())


def _settled_runs(page: Page, expected: list[str], timeout_s: float = 10.0) -> list[str]:
    """The visible runs once they are `expected`, or after `timeout_s`: a filter may load its
    benchmark's data file first (on demand), and shows the runs when it has."""
    settled_cells(page, RUN_CELLS, expected, timeout_s)
    return _visible_runs(page)


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _runs(*records: RunRecord) -> list[str]:
    return sorted(r.run_id for r in records)


def test_picking_a_cpu_shows_only_its_runs(page: tuple[Page, BrowserLog], site: Path) -> None:
    opened, log = page
    form = opened.locator("form.bench-filters")

    form.locator("select[name=cpu]").select_option(INTEL)
    assert _settled_runs(opened, _runs(INTEL_NO_GPU, FAILED)) == _runs(INTEL_NO_GPU, FAILED)
    assert _query(opened) == {"cpu": [INTEL]}

    form.locator("select[name=cpu]").select_option(HOSTILE_CPU)
    assert _settled_runs(opened, _runs(PARTIAL)) == _runs(PARTIAL)

    form.locator("select[name=cpu]").select_option(RYZEN)
    assert _settled_runs(opened, _runs(RYZEN_4090, TWO_GPUS)) == _runs(RYZEN_4090, TWO_GPUS)
    assert form.locator("output").inner_text() == "2 of 6 runs"

    assert [u for u in log.requests if not u.startswith(site.as_uri())] == []
    assert [e for e in log.errors if e.startswith("page error")] == []


def test_picking_a_gpu_shows_only_its_runs(page: tuple[Page, BrowserLog]) -> None:
    opened, log = page
    form = opened.locator("form.bench-filters")

    form.locator("select[name=gpu]").select_option(RTX_4090.name)
    assert _settled_runs(opened, _runs(RYZEN_4090, TWO_GPUS)) == _runs(RYZEN_4090, TWO_GPUS)
    assert _query(opened) == {"gpu": [RTX_4090.name]}

    form.locator("select[name=gpu]").select_option(RTX_3090.name)
    assert _settled_runs(opened, _runs(TWO_GPUS)) == _runs(TWO_GPUS)

    form.locator("select[name=gpu]").select_option(label="No GPU")
    assert _settled_runs(opened, _runs(INTEL_NO_GPU, FAILED, PARTIAL)) == _runs(
        INTEL_NO_GPU, FAILED, PARTIAL
    )
    assert _query(opened) == {"gpu": ["none"]}

    form.locator("button[type=reset]").click()
    opened.wait_for_function("document.querySelector('output').value === '6 runs'")
    all_runs = _runs(*RECORDS)
    assert _settled_runs(opened, all_runs) == all_runs, "All: runs without a fingerprint too"
    assert [e for e in log.errors if e.startswith("page error")] == []


def test_a_cpu_and_gpu_view_can_be_linked(browser: Browser, site: Path) -> None:
    opened = browser.new_page()
    opened.goto((site / "index.html").as_uri() + "?cpu=AMD+Ryzen+9+7950X&gpu=none")
    assert _settled_runs(opened, []) == []
    opened.goto(
        (site / "index.html").as_uri() + "?cpu=AMD+Ryzen+9+7950X&gpu=NVIDIA+GeForce+RTX+3090"
    )
    assert _settled_runs(opened, _runs(TWO_GPUS)) == _runs(TWO_GPUS)
    assert opened.locator("select[name=cpu]").input_value() == RYZEN
    assert opened.locator("select[name=gpu]").input_value() == RTX_3090.name
    opened.close()


def test_without_javascript_every_run_is_listed(browser: Browser, site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    opened = context.new_page()
    opened.goto((site / "index.html").as_uri() + "?cpu=AMD+Ryzen+9+7950X")
    assert _settled_runs(opened, _runs(*RECORDS)) == _runs(*RECORDS)
    assert not opened.locator("form.bench-filters").is_visible()
    context.close()
