"""The seed run's report page, built by the real MkDocs, shows what the old page showed."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.schema import METHODOLOGY_VERSION
from bench.site.cache import BuildCache
from bench.site.charts.model import charts_for
from tests.support.html import with_end_tags
from tests.support.sitebuild import (
    REPO,
    SEED_RUN,
    build_site,
    downloaded_spec,
    make_project,
    page_text,
)

SEED_TEXT = (Path(__file__).parent / "data" / "seed_report.txt").read_text(encoding="utf-8")
NOT_ARCHIVED = " (source not archived)"
# The old page's chart axes, flattened to text ("503825120 0.6B1.5B"): drawn as SVG here.
AXIS_LINE = re.compile(r"^[\d.s]+ [\d.>-]+B")


class Tables(HTMLParser):
    """Each table row's cells, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(make_project(tmp_path_factory.mktemp("seed")))


@pytest.fixture(scope="module")
def report_html(site: Path) -> str:
    return (site / SEED_RUN / "report.html").read_text(encoding="utf-8")


def seed_lines() -> list[str]:
    return [line.strip() for line in SEED_TEXT.splitlines() if line.strip()]


def joined_rows(html: str) -> set[str]:
    parser = Tables()
    parser.feed(with_end_tags(html))  # the cells a browser reads
    return {"".join(row).replace(NOT_ARCHIVED, "") for row in parser.rows}


def sentences(line: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?])\s+(?=[A-Z←])", line) if s]


@pytest.mark.slow
def test_page_is_at_the_old_path(site: Path) -> None:
    assert (site / SEED_RUN / "report.html").is_file()


@pytest.mark.slow
def test_every_sentence_and_figure_of_the_seed_is_on_the_page(report_html: str) -> None:
    text = page_text(report_html)
    rows = joined_rows(report_html)
    missing = []
    for line in seed_lines():
        if AXIS_LINE.match(line):
            continue
        if line in rows:
            continue
        missing += [s for s in sentences(line) if s not in text]
    assert missing == []


@pytest.mark.slow
def test_table_rows_match_the_seed_cell_for_cell(report_html: str) -> None:
    rows = joined_rows(report_html)
    for expected in (
        "build_report_expected_metrics220.0%qwen2.5-coder:1.5b, Qwen3 0.6b -> Qwen2.5-C 1.5b",
        "python_compile110.0%qwen3:0.6b",
        "qwen3:0.6b0.6050.9s47.13 tok/s0.12spython_compiledeployment_window_analyzer.py",
        "Qwen3 0.6b -> Qwen2.5-C 1.5b05040-10 pts+40 pts95.1s49.5s+45.6snoparse_events_rejects_"
        "invalid_window, merge_overlaps_expected_windows, build_report_expected_metrics"
        "deployment_window_analyzer.py",
    ):
        assert expected in rows


@pytest.mark.slow
def test_sections_come_in_the_seed_order(report_html: str) -> None:
    text = page_text(report_html)
    order = [
        "Archive · vps-81 historical telemetry",
        "Prompt Handoff Benchmark",
        "Started: 2026-04-20T13:08:27Z",
        "Cascade Quality Wins",
        "What this run actually says",
        "Direct quality by model size",
        "Direct latency by model size",
        "Cascade score vs direct refiner score",
        "Cascade pipeline wall vs direct refiner wall",
        "What kept breaking",
        "Direct baseline breakdown",
        "Cascade breakdown",
        "Check matrix",
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)


@pytest.mark.slow
def test_unknown_candidate_sources_are_said_not_linked(report_html: str) -> None:
    assert "deployment_window_analyzer.py (source not archived)" in page_text(report_html)
    assert 'href="deployment_window_analyzer.py"' not in report_html


@pytest.mark.slow
def test_banner_links_methodology_and_index(site: Path, report_html: str) -> None:
    assert 'href="../../methodology.html">/methodology.html</a>' in report_html
    assert 'href="../../index.html">← back to all benchmarks</a>' in report_html
    current = f"the current version is v{METHODOLOGY_VERSION}."
    assert f"This run used methodology v1; {current}" in page_text(report_html)
    methodology = page_text((site / "methodology.html").read_text(encoding="utf-8"))
    assert f"Current methodology version: {METHODOLOGY_VERSION}." in methodology
    assert "python_compile" in methodology and "inferred" in methodology.lower()


@pytest.mark.slow
def test_charts_are_svg_files_with_downloadable_specs(site: Path, report_html: str) -> None:
    charts = site / SEED_RUN / "charts"
    page = site / SEED_RUN / "report.html"
    run = RunAnalysis(load_record(REPO / "archive" / SEED_RUN / "run.json"))
    drawn = {chart.name: chart for chart in charts_for(run, BuildCache())}
    for name in ("direct-score", "direct-wall", "cascade-score", "cascade-wall"):
        assert f'src="charts/{name}.svg"' in report_html
        svg = (charts / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "<text" in svg
        spec = json.loads(downloaded_spec(site, page, name))
        assert "vega-lite" in spec["$schema"]
        assert spec == drawn[name].spec  # altair's spec of the chart drawn
    assert not list(charts.glob("*.vl.json"))  # made in the browser, not a file of each run
    wall = json.loads(downloaded_spec(site, page, "cascade-wall"))
    values = {(row["series"], row["value"]) for row in wall["data"]["values"]}
    assert values == {("Cascade pipeline wall", 95.1), ("Direct refiner wall", 49.5)}
    axis = (charts / "direct-score.svg").read_text(encoding="utf-8")
    assert "0.6B" in axis and "1.5B" in axis


@pytest.mark.slow
def test_raw_record_is_published_and_linked(site: Path, report_html: str) -> None:
    assert 'href="run.json" download' in report_html
    published = json.loads((site / SEED_RUN / "run.json").read_text(encoding="utf-8"))
    archived = json.loads((REPO / "archive" / SEED_RUN / "run.json").read_text(encoding="utf-8"))
    assert published == archived


@pytest.mark.slow
def test_check_matrix_shows_skipped_after_failed_gate(report_html: str) -> None:
    rows = {row[0]: row[1:] for row in _rows(report_html) if row}
    assert rows["qwen3:0.6b"][:2] == ["✗ failed", "– skipped"]
    assert rows["qwen2.5-coder:1.5b"][-1] == "50"


@pytest.mark.slow
def test_index_lists_and_links_the_seed_run(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="{SEED_RUN}/report.html"' in index
    text = page_text(index)
    # The listing names models as the whole site does (their labels); the seed's own page
    # keeps its old words, tags included.
    for figure in (
        "2026-04-20 13:08",
        "vps-81",
        "Qwen2.5-C 1.5b (50)",
        "Qwen3 0.6b -> Qwen2.5-C 1.5b (40)",
    ):
        assert figure in text
    assert 'href="methodology.html"' in index


@pytest.mark.slow
def test_run_pages_stay_out_of_the_sidebar(site: Path) -> None:
    methodology = (site / "methodology.html").read_text(encoding="utf-8")
    assert "report.html" not in methodology


def _rows(html: str) -> list[list[str]]:
    parser = Tables()
    parser.feed(with_end_tags(html))  # the cells a browser reads
    return parser.rows
