"""The built site in a real browser: served on loopback as on GitHub Pages, and from disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.site.cache import BuildCache
from bench.site.charts.frontier import frontier_chart
from tests.support.browser import (
    BrowserLog,
    draw_images,
    screenshot,
    serve_site,
)
from tests.support.sitebuild import REPO, SEED_RUN, build_site, downloaded_spec, make_project

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

SEED_REPORT = f"{SEED_RUN}/report.html"
BACK_LINK = "back to all benchmarks"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(make_project(tmp_path_factory.mktemp("browser")))


@pytest.fixture(scope="module")
def http_root(site: Path) -> Iterator[str]:
    with serve_site(site) as root:
        yield root


@pytest.fixture(params=["http", "file"])
def root(request: pytest.FixtureRequest, site: Path) -> str:
    """The site's root URL, served over loopback HTTP or opened from the file system."""
    if request.param == "http":
        return str(request.getfixturevalue("http_root"))
    return site.as_uri() + "/"


def _origin(root: str) -> str:
    return "file" if root.startswith("file:") else "http"


def _home(root: str) -> str:
    """Where a reader lands: the site's root URL on a server, index.html on disk."""
    return root if root.startswith("http") else root + "index.html"


def _pages(site: Path) -> list[str]:
    """Every page of the site but 404.html, whose links follow site_url (see test_publish)."""
    return sorted(
        p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html"
    )


def _problems(page: Page, log: BrowserLog, root: str) -> list[str]:
    blank = [src for src, width in draw_images(page).items() if width == 0]
    return (
        [f"image not drawn: {src}" for src in blank]
        + log.errors
        + [f"request outside the site: {url}" for url in log.off_site(root)]
    )


def test_a_reader_opens_a_run_from_the_index_and_comes_back(browser: Browser, root: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    log = BrowserLog().watch(context)
    page = context.new_page()

    page.goto(_home(root))
    assert page.locator(f'a[href="{SEED_REPORT}"]').count() >= 1, "the index lists the seed run"
    screenshot(page, f"index-{_origin(root)}")

    page.locator(f'a[href="{SEED_REPORT}"]').first.click()
    page.wait_for_load_state("load")
    assert page.url == root + SEED_REPORT
    assert page.locator("article h1").first.is_visible()
    charts = page.locator("figure.bench-chart img")
    assert charts.count() >= 1, "the seed run's page shows charts"
    widths = draw_images(page)
    assert len([src for src in widths if src.startswith("charts/")]) == charts.count()
    assert all(width > 0 for width in widths.values()), widths
    screenshot(page, f"run-{_origin(root)}")

    page.get_by_role("link", name=BACK_LINK).click()
    page.wait_for_load_state("load")
    assert page.url == root + "index.html"
    assert page.locator(f'a[href="{SEED_REPORT}"]').count() >= 1

    assert not log.errors, "\n".join(log.errors)
    assert not log.off_site(root), "\n".join(log.off_site(root))
    context.close()


def test_every_page_loads_cleanly(browser: Browser, site: Path, root: str) -> None:
    """Each page draws its images, logs no error and asks nothing of any other host."""
    problems: dict[str, list[str]] = {}
    for path in _pages(site):
        context = browser.new_context()
        log = BrowserLog().watch(context)
        page = context.new_page()
        page.goto(root + path, wait_until="networkidle")  # late fetches count too
        if found := _problems(page, log, root):
            problems[path] = found
        context.close()
    assert not problems, "\n".join(f"{p}: {m}" for p, found in problems.items() for m in found)


def test_charts_and_run_links_show_without_javascript(browser: Browser, root: str) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    log = BrowserLog().watch(context)
    page = context.new_page()

    page.goto(_home(root))
    assert page.locator(f'a[href="{SEED_REPORT}"]').first.is_visible()

    page.goto(root + SEED_REPORT)
    charts = page.locator("figure.bench-chart img")
    assert charts.count() >= 1
    widths = draw_images(page)
    assert widths and all(width > 0 for width in widths.values()), widths
    assert page.locator("button.bench-spec").count() >= 1
    assert not page.locator("button.bench-spec").first.is_visible()  # it needs the script
    screenshot(page, f"run-no-js-{_origin(root)}")
    assert not log.off_site(root), "\n".join(log.off_site(root))
    context.close()


def test_a_chart_spec_downloads_as_its_file(browser: Browser, site: Path, root: str) -> None:
    """The page's script makes the spec from the site's template and the page's data: the
    file saved is the chart's spec, as altair builds it, under the chart's file name."""
    context = browser.new_context(accept_downloads=True)
    log = BrowserLog().watch(context)
    page = context.new_page()
    page.goto(root + SEED_REPORT)
    button = page.locator('button.bench-spec[data-file="frontier.vl.json"]')
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "frontier.vl.json"
    saved = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    run = RunAnalysis(load_record(REPO / "archive" / SEED_RUN / "run.json"))
    assert saved == frontier_chart(run, BuildCache()).spec
    assert saved == json.loads(downloaded_spec(site, site / SEED_REPORT, "frontier"))
    assert not log.errors, "\n".join(log.errors)
    context.close()


def test_a_run_page_reads_on_a_phone(browser: Browser, http_root: str) -> None:
    """On a narrow screen nothing sticks out past the right edge; wide tables scroll in a box."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto(http_root + SEED_REPORT)
    draw_images(page)
    overflow_px = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    screenshot(page, "run-phone-http")
    assert overflow_px <= 0
    context.close()
