"""Every page reads on a phone and in the dark scheme: at 390 px no page scrolls sideways and
no cell cuts its value off (wide tables scroll in their own box); in mkdocs-material's slate
scheme the article passes axe-core's contrast rules and the charts are drawn dark."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import draw_images, screenshot, serve_site
from tests.support.checkers import axe_violations
from tests.support.sitebuild import every_kind_site

pytestmark = pytest.mark.slow  # builds sites or drives Chromium: not in `scripts/test --fast`

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PHONE = {"width": 390, "height": 844}
# Elements in the article whose content is wider than their box and cut off (not scrolled).
CUT = """() => [...document.querySelectorAll('article *')].filter(e => {
  const x = getComputedStyle(e).overflowX;
  // a box of 1 px is hidden on purpose: text for screen readers and search
  return (x === 'hidden' || x === 'clip') && e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 1;
}).map(e => e.tagName.toLowerCase() + '.' + e.className + ': ' + e.textContent.slice(0, 40))"""
# The mean luminance (0-255) of a PNG's pixels, decoded by the browser.
LUMINANCE = """async (png) => {
  const image = await createImageBitmap(await (await fetch('data:image/png;base64,' + png)).blob());
  const canvas = new OffscreenCanvas(image.width, image.height);
  const g = canvas.getContext('2d');
  g.drawImage(image, 0, 0);
  const d = g.getImageData(0, 0, image.width, image.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) {
    sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
  }
  return sum / (d.length / 4);
}"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return every_kind_site(tmp_path_factory.mktemp("devices"))


@pytest.fixture(scope="module")
def root(built: tuple[Path, dict[str, str]]) -> Iterator[str]:
    with serve_site(built[0]) as served:
        yield served


def _pages(built: tuple[Path, dict[str, str]]) -> list[str]:
    return list(built[1])


def _dark(page: Page) -> None:
    """The slate scheme, as the theme's toggle sets it, once its colours' transitions end."""
    page.evaluate(
        """async () => {
          document.body.setAttribute('data-md-color-scheme', 'slate');
          await Promise.all(document.getAnimations().map(a => a.finished));
        }"""
    )


def test_no_page_scrolls_sideways_or_cuts_a_value_on_a_phone(
    browser: Browser, built: tuple[Path, dict[str, str]], root: str
) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    page = context.new_page()
    wide, cut = {}, {}
    for name in _pages(built):
        page.goto(root + name)
        draw_images(page)
        width = page.evaluate(
            "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
        )
        if width[0] > width[1]:
            wide[name] = width
        if found := page.evaluate(CUT):
            cut[name] = found
        if built[1][name] in ("run", "suite run", "task", "leaderboard"):
            screenshot(page, f"phone-{built[1][name].replace(' ', '-')}")
    context.close()
    assert not wide, f"scroll width and client width at 390 px: {wide}"
    assert not cut, f"values cut off: {cut}"


def test_the_dark_scheme_passes_contrast_and_draws_charts_dark(
    browser: Browser, built: tuple[Path, dict[str, str]], root: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found, light_charts, charts = {}, [], 0
    for name in _pages(built):
        page.goto(root + name)
        _dark(page)
        if violations := axe_violations(page, ["color-contrast", "link-in-text-block"]):
            found[name] = violations
        draw_images(page)
        images = page.locator(".bench-chart img, .bench-trends object")
        for n in range(images.count()):
            image = images.nth(n)
            png = base64.b64encode(image.screenshot()).decode()
            luminance = page.evaluate(LUMINANCE, png)
            charts += 1
            if luminance > 100:
                light_charts.append(f"{name}: {image.get_attribute('src') or ''} {luminance:.0f}")
        if built[1][name] in ("run", "trends", "model"):
            screenshot(page, f"dark-{built[1][name]}")
    context.close()
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
    assert charts > 0
    assert not light_charts, light_charts
