"""Browsing a large archive: a small home page, benchmark leaderboards, month and model pages,
comparisons with the previous run, regression marks, filters over every run, page cache."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bench.site.sitepages import HOME_RUNS
from tests.support.browser import BrowserLog, serve_site
from tests.support.records import START, make_record, make_series, write_archive
from tests.support.sitebuild import build_site, filter_data, make_project, page_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

BENCH = "synthetic-codegen"
# 60 runs over three months, more than the home page lists; the last one, on lab-1 like the
# one before it, has mid:3b pass every check on each of six repeats: a clear rise (+30 on all
# six: the sign test's p = 2 / 2^6).
SERIES = make_series(59, every=dt.timedelta(days=1, hours=13))
BEFORE = make_record(started_at=START + dt.timedelta(days=100), host="lab-9", repeats=6)
AFTER = make_record(
    started_at=START + dt.timedelta(days=101),
    host="lab-9",
    repeats=6,
    failed={"mid:3b": ()},
)
RECORDS = [*SERIES, BEFORE, AFTER]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browse")
    return make_project(tmp, write_archive(tmp / "archive", RECORDS))


@pytest.fixture(scope="module")
def site(project: Path) -> Path:
    return build_site(project)


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_the_home_page_lists_the_newest_runs_and_links_the_rest(site: Path) -> None:
    home = read(site, "index.html")

    assert home.count("<tr data-benchmark=") == HOME_RUNS
    assert f"{len(RECORDS)} runs (newest {HOME_RUNS} shown)" in page_text(home)
    assert f'<a href="{BENCH}/index.html">Leaderboard and all runs</a>' in home
    oldest = min(RECORDS, key=lambda r: r.started_at)
    assert oldest.run_id not in home


def test_every_run_is_two_links_from_home_without_javascript(site: Path) -> None:
    bench = read(site, f"{BENCH}/index.html")
    months = sorted({r.started_at.strftime("%Y-%m") for r in RECORDS}, reverse=True)
    listed: set[str] = set()
    for month in months:
        assert f'href="archive/{month}.html"' in bench
        listed |= {
            r.run_id for r in RECORDS if r.run_id in read(site, f"{BENCH}/archive/{month}.html")
        }
    assert listed == {r.run_id for r in RECORDS}


def test_the_leaderboard_has_every_model_on_every_host(site: Path) -> None:
    text = page_text(read(site, f"{BENCH}/index.html"))
    board = text.split("Newest runs")[0].split("Leaderboard", 1)[1]

    pairs = {(d.model.tag, r.host) for r in RECORDS for d in r.direct}
    assert board.count(" tok/s ") == len(pairs)
    # big:8b passes every check in odd runs of the series: on lab-2 its best is 100, its
    # latest (run 58, even) 85.
    assert re.search(r"Big 8B big:8b lab-2 85 \([^)]*\) 100 \(", board)


def test_a_model_page_holds_its_history_and_charts(site: Path) -> None:
    bench = read(site, f"{BENCH}/index.html")
    start = bench.index('href="models/mid-3b-')
    href = bench[start + 6 : bench.index('"', start + 6)]
    page = read(site, f"{BENCH}/{href}")

    runs = [r for r in RECORDS if "mid:3b" in [d.model.tag for d in r.direct]]
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="bench-model-chart"') == 2
    for record in runs:
        assert f'href="../../{BENCH}/{record.run_id}/report.html"' in page
    assert f"Mid 3B (mid:3b) in {len(runs)} runs of this benchmark on 4 hosts" in page_text(page)


def test_a_run_links_its_comparison_with_the_previous_run_on_its_host(site: Path) -> None:
    report = read(site, f"{BENCH}/{AFTER.run_id}/report.html")
    assert f"compared with the previous run, {BEFORE.run_id}" in page_text(report)
    assert 'href="#compare"' in report and '<a href="#compare"' in report  # and in the contents

    text = page_text(report).split("Against the previous run")[-1]  # the page's last section
    assert "previous run on the same host" in text
    paired = text.split("Paired changes", 1)[1]
    assert "Mid 3B 6 +30 pts the same on all 6 paired repeats" in paired
    assert "score up" in paired
    flipped = text.split("Checks that flipped", 1)[1]
    assert "Mid 3B merges_windows failed passed" in flipped
    first = min(RECORDS, key=lambda r: r.started_at)
    assert "Against the previous run" not in read(site, f"{BENCH}/{first.run_id}/report.html")
    assert not list(site.rglob("compare.html")), "a section of the report, not a page"


def test_a_clear_change_is_marked_on_the_index_and_the_leaderboard(site: Path) -> None:
    mark = "▲ score +30 pts (Mid 3B)"
    home = page_text(read(site, "index.html"))
    assert f"{AFTER.run_id} lab-9" in home and mark in home
    board = page_text(read(site, f"{BENCH}/index.html")).split("Newest runs")[0]
    # latest and best: 100 on all six repeats; over both runs' twelve samples (70 before): 85
    same = "100 (the same on all 6 samples)"
    assert f"Mid 3B mid:3b lab-9 {same} {same} 85 (mean of 12 samples, 95% CI" in board
    assert mark in board


def test_the_filters_data_files_list_every_run_a_file_a_month(site: Path) -> None:
    rows = filter_data(site, BENCH)
    assert sorted(r["run"] for r in rows) == sorted(r.run_id for r in RECORDS)
    months = {f"{r.started_at:%Y-%m}.js" for r in RECORDS}
    assert {p.name for p in (site / BENCH / "runs").iterdir()} == months
    for path in (site / BENCH / "runs").iterdir():
        script = path.read_text(encoding="utf-8")
        assert script.isascii() and "<" not in script.split("=", 1)[1].replace("\\u003c", "")


def test_a_run_added_renders_only_its_own_pages(project: Path, tmp_path: Path) -> None:
    project = Path(shutil.copytree(project, tmp_path / "project"))  # the cache comes along
    site = build_site(project)  # warm: every page in the cache
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    pages = project / ".cache" / "bench" / "pages"
    cached = {p.name for p in pages.rglob("*.html")}
    added = make_record(started_at=START + dt.timedelta(days=102), host="lab-9", repeats=3)
    write_archive(project / "archive", [added])

    again = build_site(project)

    new = {p.read_bytes() for p in pages.rglob("*.html") if p.name not in cached}
    rendered = {
        p.relative_to(again).as_posix() for p in again.rglob("*.html") if p.read_bytes() in new
    }
    own = f"{BENCH}/{added.run_id}"
    assert {p for p in rendered if p.startswith(own)} == {f"{own}/report.html"}
    month = f"{BENCH}/archive/{added.started_at:%Y-%m}.html"
    listing = {p for p in rendered if not p.startswith(own)}
    assert month in listing, "the month page that lists it"
    assert all(p.startswith(f"{BENCH}/") for p in listing), "its benchmark's pages alone"
    old = {p.relative_to(site).as_posix(): html for p, html in before.items()}
    for name, html in old.items():  # every other page is the same file as before
        if name not in rendered and name != "index.html" and not name.endswith("/index.html"):
            assert (again / name).read_bytes() == html, name
    kept = f"{BENCH}/{AFTER.run_id}/report.html"
    assert (again / kept).read_bytes() == before[site / kept]
    shutil.rmtree(project / ".cache")
    assert (build_site(project) / kept).read_bytes() == before[site / kept], "same when cold"


# In a real browser.


@pytest.fixture
def served(browser: Browser, site: Path) -> Iterator[tuple[Page, BrowserLog, str]]:
    context = browser.new_context()
    log = BrowserLog().watch(context)
    with serve_site(site) as root:
        yield context.new_page(), log, root
    context.close()


def _months() -> set[str]:
    return {f"{r.started_at:%Y-%m}" for r in RECORDS}


def _visible_runs(page: Page) -> list[str]:
    return page.locator("table.bench-index tbody tr:visible td:nth-child(2)").all_inner_texts()


def test_filters_find_runs_the_home_page_does_not_list(
    served: tuple[Page, BrowserLog, str],
) -> None:
    page, log, root = served
    page.goto(root + "index.html")
    form = page.locator("form.bench-filters")
    assert form.locator("output").inner_text() == f"{len(RECORDS)} runs"
    assert not [u for u in log.requests if "/runs/" in u], "loaded only when asked"

    oldest = min(RECORDS, key=lambda r: r.started_at)
    first = f"{oldest.started_at:%Y-%m}"  # a date range loads the data of its months alone
    in_first = [r.started_at for r in RECORDS if f"{r.started_at:%Y-%m}" == first]
    form.locator("input[name=to]").fill(f"{max(in_first):%Y-%m-%d}")  # (from alone: every month)
    form.locator("input[name=from]").fill(f"{first}-01")
    page.wait_for_function(
        f"document.querySelector('output').value === '{len(in_first)} of 61 runs'"
    )
    assert [u for u in log.requests if "/runs/" in u] == [root + f"{BENCH}/runs/{first}.js"]

    form.locator("button[type=reset]").click()
    form.locator("input[name=q]").fill(oldest.run_id)
    page.wait_for_function("document.querySelector('output').value === '1 of 61 runs'")
    assert _visible_runs(page) == [oldest.run_id]
    loaded = [u for u in log.requests if "/runs/" in u]
    assert sorted(loaded) == sorted(root + f"{BENCH}/runs/{m}.js" for m in _months())
    assert len(loaded) == len(set(loaded)), "each file loaded once"

    href = page.locator("section.bench-results a", has_text=oldest.run_id).get_attribute("href")
    assert href == f"{BENCH}/{oldest.run_id}/report.html"
    page.goto(root + href)
    assert page.locator("h1").first.inner_text() == oldest.title
    assert log.off_site(root) == [] and log.errors == []


def test_the_leaderboard_sorts_and_links_model_pages(served: tuple[Page, BrowserLog, str]) -> None:
    page, log, root = served
    page.goto(root + f"{BENCH}/index.html")
    table = page.locator("table.bench-leaderboard")
    table.get_by_role("columnheader", name="Runs", exact=True).click()
    counts = [int(c) for c in table.locator("tbody td:nth-child(9)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)

    table.locator("tbody tr").first.locator("a").first.click()
    assert "/models/" in page.url
    assert page.locator("svg.bench-model-chart").count() == 2
    page.locator("svg.bench-model-chart a").first.click()
    assert page.url.endswith("/report.html")
    assert log.off_site(root) == [] and log.errors == []


def test_a_comparison_and_month_pages_work_without_javascript(browser: Browser, site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    with serve_site(site) as root:
        page.goto(root + f"{BENCH}/{AFTER.run_id}/report.html")
        page.locator("a.bench-compare-link").click()
        assert page.url.endswith("report.html#compare")
        paired = page.locator("section#compare h3#compare-paired-changes + div tbody tr")
        assert paired.count() >= 3

        page.goto(root + "index.html")
        assert not page.locator("form.bench-filters").is_visible()
        page.locator("text=Leaderboard and all runs").first.click()
        month = page.locator("ul.bench-months a").last
        label = month.inner_text()
        month.click()
        runs = _visible_runs(page)
        assert runs and all(r.startswith(f"{BENCH}-{label}") for r in runs)
    context.close()


def test_the_seed_page_tables_fit_a_desktop_window(browser: Browser, tmp_path: Path) -> None:
    from tests.support.sitebuild import SEED_RUN

    seed = build_site(make_project(tmp_path))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    with serve_site(seed) as root:
        page.goto(root + f"{SEED_RUN}/report.html")
        scrolling = page.evaluate(
            """() => [...document.querySelectorAll("section .bench-table")]
                .filter(t => t.scrollWidth > t.clientWidth)
                .map(t => t.closest("section").id)"""
        )
    page.close()
    for section in ("direct-models", "handoff-pairs", "check-matrix", "failure-hotspots"):
        assert section not in scrolling


def test_a_section_heading_does_not_touch_the_table_above_it(
    browser: Browser, tmp_path: Path
) -> None:
    from tests.support.sitebuild import SEED_RUN

    seed = build_site(make_project(tmp_path))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    with serve_site(seed) as root:
        page.goto(root + f"{SEED_RUN}/report.html")
        gaps = page.evaluate(
            """() => [...document.querySelectorAll("section.bench-section + section.bench-section")]
                .map(s => [s.id, s.firstElementChild.getBoundingClientRect().top
                    - s.previousElementSibling.lastElementChild.getBoundingClientRect().bottom])"""
        )
    page.close()
    assert "direct-models" in dict(gaps)
    assert all(gap >= 16 for _, gap in gaps), gaps  # "DIRECT MODELS" touched the table above
