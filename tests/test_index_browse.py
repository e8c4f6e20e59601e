"""Browsing the runs index: newest first by benchmark, filters and sorting, all offline."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.schema import RunRecord
from bench.site import fmt
from bench.site.index import IndexEntry, render_index
from bench.site.minify import strip_script
from bench.site.render import environment
from tests.support.browser import BrowserLog, settled_cells
from tests.support.html import with_end_tags
from tests.support.records import make_record, two_benchmarks, write_archive
from tests.support.sitebuild import REPO, build_site, make_project

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

RECORDS = two_benchmarks()
SCRIPT = "assets/bench/index.js"
# A URL that leaves the machine; XML namespace names are identifiers, never fetched.
EXTERNAL = re.compile(r"""(?:https?:)?//(?!www\.w3\.org/)[A-Za-z0-9.-]+\.[A-Za-z]{2,}""")
RESOURCE = re.compile(
    r"""<(?:script|img|link|iframe|object|source)\b[^>]*?(?:src|href|data)="([^"]+)"""
)


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)


@dataclass
class Section:
    benchmark: str
    rows: list[Row] = field(default_factory=list)


class IndexParser(HTMLParser):
    """The index's benchmark sections and their table rows, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[Section] = []
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "section" and "data-benchmark" in found:
            self.sections.append(Section(found["data-benchmark"]))
        elif tag == "tr" and "data-benchmark" in found:
            self.sections[-1].rows.append(Row(found))
        elif tag == "td" and self.sections and self.sections[-1].rows:
            self._cell = []
        elif tag == "select":
            self._select = found["name"]
            self.options[self._select] = []
        elif tag == "option" and self._select is not None:
            self.options[self._select].append(found["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.sections[-1].rows[-1].cells.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse_index(html: str) -> IndexParser:
    parser = IndexParser()
    parser.feed(with_end_tags(html))  # the cells a browser reads
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("index")
    return build_site(make_project(tmp, write_archive(tmp / "archive", RECORDS)))


@pytest.fixture(scope="module")
def index_html(site: Path) -> str:
    return (site / "index.html").read_text(encoding="utf-8")


def _newest_first(records: list[RunRecord]) -> list[str]:
    return [r.run_id for r in sorted(records, key=lambda r: r.started_at, reverse=True)]


def test_runs_are_grouped_by_benchmark_newest_first(index_html: str) -> None:
    sections = parse_index(index_html).sections

    assert [s.benchmark for s in sections] == ["synthetic-codegen", "other-codegen"]
    for section in sections:
        mine = [r for r in RECORDS if r.benchmark_id == section.benchmark]
        shown = [row.cells[1] for row in section.rows]
        assert shown == _newest_first(mine)


def test_rows_carry_what_the_filters_read(index_html: str) -> None:
    rows = {row.cells[1]: row for s in parse_index(index_html).sections for row in s.rows}

    assert len(rows) == len(RECORDS)
    for record in RECORDS:
        attrs = rows[record.run_id].attrs
        assert attrs["data-benchmark"] == record.benchmark_id
        assert attrs["data-host"] == record.host
        assert json.loads(attrs["data-models"]) == [d.model.label for d in record.direct]
        assert json.loads(attrs["data-tags"]) == [d.model.tag for d in record.direct]
        assert attrs["data-date"] == record.started_at.strftime("%Y-%m-%d %H:%M")


def test_filter_choices_list_every_benchmark_model_and_host(index_html: str) -> None:
    options = parse_index(index_html).options

    assert options["benchmark"] == ["", "other-codegen", "synthetic-codegen"]
    assert options["model"] == ["", "Big 8B", "Huge 14B", "Mid 3B", "Tiny 0.5B"]
    assert '<option value="Huge 14B" title="huge:14b">Huge 14B</option>' in index_html
    assert options["host"] == ["", "gpu-box", "lab-1", "lab-2"]
    assert re.search(r"<form class=\"bench-filters\" hidden", index_html), "no JS: no dead form"


def test_sort_values_are_the_run_pages_figures(index_html: str) -> None:
    rows = {row.cells[1]: row for s in parse_index(index_html).sections for row in s.rows}
    record = RECORDS[5]
    entry = IndexEntry.of(RunAnalysis(record))

    assert rows[record.run_id].cells[3] == entry.best_direct
    assert entry.best_direct_score is not None
    value = fmt.number(entry.best_direct_score, 3)
    cell = f'<td data-value="{value}" title="{entry.best_direct_tag}">{entry.best_direct}</td>'
    assert cell in with_end_tags(index_html), "the name is shown, the tag in its title"


def test_the_script_is_shipped_and_linked(site: Path, index_html: str) -> None:
    shipped = site / SCRIPT
    source = (REPO / "bench" / "site" / "assets" / "index.js").read_text(encoding="utf-8")
    assert shipped.read_text(encoding="utf-8") == strip_script(source)  # comments and indents out
    assert len(shipped.read_bytes()) < 0.8 * len(source.encode())
    assert f'<script src="{SCRIPT}"></script>' in index_html


def test_index_links_trends_and_feed(site: Path, index_html: str) -> None:
    for benchmark in ("synthetic-codegen", "other-codegen"):
        assert f'<a href="{benchmark}/trends.html">Trends per model</a>' in index_html
        assert (site / benchmark / "trends.html").is_file()
    assert 'rel="alternate" type="application/atom+xml" href="feed.xml"' in index_html


def test_nothing_the_site_makes_points_off_the_machine(site: Path) -> None:
    ours = [site / SCRIPT, site / "assets/bench/bench.css", site / "feed.xml"]
    ours += [*site.glob("*/trends*.svg"), *site.glob("*/*/charts/*.svg")]
    ours += [*site.glob("*/trends.html"), *site.glob("*/*/report.html")]
    for path in ours:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            text = text[text.find("<article") : text.find("</article>")]
        assert not EXTERNAL.findall(text), path
    for page in site.rglob("*.html"):
        resources = RESOURCE.findall(page.read_text(encoding="utf-8"))
        assert resources
        assert not [r for r in resources if EXTERNAL.match(r)], page


def test_an_index_of_ten_thousand_runs_renders_quickly() -> None:
    one = IndexEntry.of(RunAnalysis(make_record()))
    many = [
        IndexEntry(**{**one.__dict__, "run_id": f"run-{n}", "sort_key": f"{n:06d}"})
        for n in range(10_000)
    ]

    html = render_index(environment(), many)  # its time is benchmarks/bench_site_scale.py's

    assert html.count("<tr data-benchmark=") == 10_000
    assert html.index('href="synthetic-codegen/') > 0
    assert html.index(">run-9999<") < html.index(">run-0<"), "newest first"


# In a real browser, from the file system: no server, no network.


@pytest.fixture
def index_page(browser: Browser, site: Path) -> Iterator[tuple[Page, BrowserLog]]:
    context = browser.new_context()
    log = BrowserLog().watch(context)
    page = context.new_page()
    page.goto((site / "index.html").as_uri())
    yield page, log
    context.close()


RUN_CELLS = "table.bench-index tbody tr td:nth-child(2)"


def _visible_runs(page: Page) -> list[str]:
    return page.locator(RUN_CELLS).filter(visible=True).all_inner_texts()


def test_filters_narrow_the_tables_offline(index_page: tuple[Page, BrowserLog], site: Path) -> None:
    page, log = index_page
    form = page.locator("form.bench-filters")
    assert form.is_visible()
    assert form.locator("output").inner_text() == "11 runs"

    form.locator("select[name=model]").select_option("Huge 14B")
    with_huge = [r.run_id for r in RECORDS if "huge:14b" in [d.model.tag for d in r.direct]]
    # The filter loads its data file when first set: the count settles once the rows have.
    page.wait_for_function(
        "n => document.querySelector('form.bench-filters output').textContent === n",
        arg=f"{len(with_huge)} of 11 runs",
    )
    assert sorted(_visible_runs(page)) == sorted(with_huge)

    form.locator("select[name=benchmark]").select_option("other-codegen")
    assert _visible_runs(page) == [r for r in with_huge if r.startswith("other-codegen")]
    assert not page.locator("section#synthetic-codegen").is_visible()

    form.locator("button[type=reset]").click()
    form.locator("select[name=host]").select_option("gpu-box")
    form.locator("input[name=from]").fill("2026-03-03")
    form.locator("input[name=to]").fill("2026-03-06")
    form.locator("input[name=to]").dispatch_event("change")
    expected = [
        r.run_id
        for r in RECORDS
        if r.host == "gpu-box" and "2026-03-03" <= r.started_at.date().isoformat() <= "2026-03-06"
    ]
    assert expected and sorted(_visible_runs(page)) == sorted(expected)

    form.locator("button[type=reset]").click()
    form.locator("input[name=q]").fill("2026-03-07")
    page.wait_for_function("document.querySelector('output').value === '1 of 11 runs'")
    assert _visible_runs(page) == ["synthetic-codegen-2026-03-07_09-00-00"]

    assert [u for u in log.requests if not u.startswith(site.as_uri())] == []
    assert [e for e in log.errors if e.startswith("page error")] == []


def test_a_filtered_view_can_be_linked(browser: Browser, site: Path) -> None:
    page = browser.new_page()
    page.goto((site / "index.html").as_uri() + "?host=lab-2&benchmark=synthetic-codegen")
    expected = [
        r.run_id for r in RECORDS if r.host == "lab-2" and r.benchmark_id == "synthetic-codegen"
    ]
    settled_cells(page, RUN_CELLS, expected)  # the data loads on demand
    assert sorted(_visible_runs(page)) == sorted(expected)
    assert page.locator("select[name=host]").input_value() == "lab-2"
    page.close()


def test_a_header_click_sorts_its_table(index_page: tuple[Page, BrowserLog]) -> None:
    page, _ = index_page
    table = page.locator("section#synthetic-codegen table")
    header = table.locator("th", has_text="Best direct")

    header.click()
    scores = [
        float(v)
        for v in table.locator("tbody td:nth-child(4)").evaluate_all(
            "cells => cells.map(c => c.dataset.value)"
        )
    ]
    assert scores == sorted(scores, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"

    table.locator("th", has_text="Run").first.click()
    runs = table.locator("tbody td:nth-child(2)").all_inner_texts()
    assert runs == sorted(runs)

    date = table.locator("th", has_text="Date")
    date.click()
    dates = table.locator("tbody td:nth-child(1)").all_inner_texts()
    assert dates == sorted(dates, reverse=True), "a date sorts newest first on the first click"
    date.click()
    assert table.locator("tbody td:nth-child(1)").all_inner_texts() == sorted(dates)


def test_without_javascript_every_run_is_listed(browser: Browser, site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((site / "index.html").as_uri())
    assert len(_visible_runs(page)) == len(RECORDS)
    assert not page.locator("form.bench-filters").is_visible()
    context.close()
