"""Our markup passes the real checkers: the W3C Nu HTML Checker finds no error in it and
axe-core no violation inside the article, on every kind of page of a built synthetic site.

What mkdocs-material's own frame (outside the article) makes the Nu checker say is listed
here and in the README; anything else outside the article fails the test too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import BrowserLog, serve_site
from tests.support.checkers import NuError, article_lines, axe_violations, nu_errors
from tests.support.sitebuild import PAGE_KINDS, every_kind_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# mkdocs-material 9's frame, on every page: its drawer and search toggles are checkboxes with
# autocomplete="off", and the table of contents' title is a label for a hidden checkbox.
FRAME_ERRORS = (
    re.compile(r"Attribute “autocomplete” is only allowed when the input type is"),
    re.compile(r"The value of the “for” attribute of the “label” element must be the ID of a"),
)

pytestmark = pytest.mark.slow  # builds sites or drives Chromium: not in `scripts/test --fast`


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return every_kind_site(tmp_path_factory.mktemp("checkers"))


@pytest.fixture(scope="module")
def root(built: tuple[Path, dict[str, str]]) -> Iterator[str]:
    with serve_site(built[0]) as served:
        yield served


def test_the_site_has_every_kind_of_page(built: tuple[Path, dict[str, str]]) -> None:
    assert set(built[1].values()) == set(PAGE_KINDS)


def _ours(site: Path, error: NuError) -> bool:
    """An error in the article, or one outside it that is not the theme's known frame."""
    html = (site / error.page).read_text(encoding="utf-8")
    if error.line in article_lines(html):
        return True
    return not any(known.search(error.message) for known in FRAME_ERRORS)


def test_the_nu_html_checker_finds_no_error_in_our_markup(
    built: tuple[Path, dict[str, str]],
) -> None:
    site, kinds = built
    errors = nu_errors(site, list(kinds))
    ours = [e for e in errors if _ours(site, e)]
    assert not ours, "\n".join(map(str, ours))
    # the frame's errors were seen, on every page: the checker read them all
    assert {e.page for e in errors} == set(kinds)


def test_axe_finds_no_violation_inside_the_article(
    browser: Browser, built: tuple[Path, dict[str, str]], root: str
) -> None:
    kinds = built[1]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found = {}
    for name in kinds:
        page.goto(root + name)
        if violations := axe_violations(page):
            found[name] = violations
    context.close()
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


IMAGE = re.compile(r'<img src="(?P<src>[^"]+)"[^>]*?>')
SIZE = re.compile(r'\bwidth="(\d+)" height="(\d+)"')


def test_every_chart_image_says_the_size_it_is_drawn_at(
    built: tuple[Path, dict[str, str]],
) -> None:
    """Lighthouse's rule: an image says its width and height, so the page does not move as it
    loads; they are the SVG's own."""
    site, kinds = built
    seen = 0
    for name in kinds:
        html = (site / name).read_text(encoding="utf-8")
        for image in IMAGE.finditer(html[html.find("<article") : html.find("</article>")]):
            said = SIZE.search(image[0])
            assert said, f"{name}: {image[0]}"
            svg = (site / name).parent / image["src"]
            drawn = SIZE.search(svg.read_text(encoding="utf-8"))
            assert drawn and drawn.groups() == said.groups(), (name, image[0])
            seen += 1
    assert seen > 0


def test_without_site_url_the_404_page_is_styled_and_no_sitemap_is_empty(
    browser: Browser, built: tuple[Path, dict[str, str]], root: str
) -> None:
    """A sitemap lists absolute addresses: without site_url there is none rather than an empty
    one; 404.html links from the site's root folder, not the host's (a project path's)."""
    site = built[0]
    assert not (site / "sitemap.xml").exists() and not (site / "sitemap.xml.gz").exists()
    context = browser.new_context()
    log = BrowserLog().watch(context)
    page = context.new_page()
    page.goto(root + "404.html", wait_until="networkidle")
    styled = page.evaluate("getComputedStyle(document.querySelector('.md-header')).position")
    context.close()
    assert styled == "sticky", "the theme's stylesheet applies"
    assert not log.errors and not log.off_site(root), (log.errors, log.off_site(root))
