"""A real browser over the built site: Debian's Chromium, driven by Playwright, on loopback.

Chromium is the system package (`apt-get install chromium`), never a Playwright download.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, WebError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Every request to another host goes to a closed port on loopback and fails there: a page
    # that asks the internet for something is caught by the tests without reaching it.
    # Loopback itself always bypasses a proxy in Chromium.
    "--proxy-server=http://127.0.0.1:9",
]
# GitHub Pages serves a project site under /<repository>/, so the test server does too:
# a link that climbs to the host's root leaves the site and is caught.
SITE_PREFIX = "/bench-archive/"
IMAGE_TIMEOUT_S = 10.0
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves `directory` under `prefix` only; anything else is a 404, as on GitHub Pages."""

    def __init__(self, *args: Any, prefix: str, **kwargs: Any) -> None:
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / ".not-in-the-site")
        return super().translate_path("/" + path[len(self.prefix) :])

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_site(site: Path, prefix: str = SITE_PREFIX) -> Iterator[str]:
    """Serve `site` over HTTP on loopback; yields the site's root URL (ends with `/`)."""
    handler = partial(_SiteHandler, directory=str(site), prefix=prefix)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class BrowserLog:
    """What a browser context did: every request it made and every error it reported."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserLog:
        context.on("request", self._on_request)
        context.on("console", self._on_console)
        context.on("weberror", self._on_web_error)
        return self

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.errors.append(f"console error at {where}: {message.text}")

    def _on_web_error(self, error: WebError) -> None:
        self.errors.append(f"page error: {error.error}")

    def off_site(self, site_root: str) -> list[str]:
        """Requests that left the site: anything outside `site_root`'s tree but data: and blob:.

        data: and blob: URLs are made in the page itself and never leave the machine.
        """
        return [u for u in self.requests if not u.startswith((site_root, "data:", "blob:"))]


def draw_images(page: Page) -> dict[str, int]:
    """Scroll every image into view, wait for it, and map its src to its natural width."""
    widths: dict[str, int] = {}
    images = page.locator("img")
    for n in range(images.count()):
        image = images.nth(n)
        image.scroll_into_view_if_needed()
        with contextlib.suppress(_playwright_timeout()):  # then its naturalWidth says 0
            page.wait_for_function(
                "i => i.complete", arg=image.element_handle(), timeout=IMAGE_TIMEOUT_S * 1000
            )
        src = str(image.get_attribute("src"))
        widths[src] = int(image.evaluate("i => i.naturalWidth"))
    return widths


def screenshot(page: Page, name: str) -> Path:
    """Keep a full-page screenshot in test-artifacts/ (gitignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-picture
    # mkdocs-material swaps the header's title back at the top; the transition is finished
    # at once by `animations="disabled"`.
    page.wait_for_function(
        "!document.querySelector('.md-header__title--active')", timeout=IMAGE_TIMEOUT_S * 1000
    )
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright; the test skips when either is missing (and
    fails, with CI=true)."""
    from tests.support.checkers import missing

    try:
        from playwright import sync_api
    except ImportError:
        missing("Playwright is not installed: pip install playwright")
    if not CHROMIUM.exists():
        missing(f"no system Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


VISIBLE_CELLS = """([selector, expected]) => {
    const found = [...document.querySelectorAll(selector)]
        .filter(cell => cell.getClientRects().length > 0)
        .map(cell => cell.innerText.trim())
        .sort();
    return JSON.stringify(found) === JSON.stringify(expected);
}"""


def settled_cells(page: Page, selector: str, expected: list[str], timeout_s: float = 10.0) -> None:
    """Wait (Playwright retries the check on each frame) until the visible cells matching
    `selector` hold `expected`, in any order; on a time-out the caller's own assertion shows
    what they hold."""
    with contextlib.suppress(_playwright_timeout()):
        page.wait_for_function(
            VISIBLE_CELLS, arg=[selector, sorted(expected)], timeout=timeout_s * 1000
        )


def _playwright_timeout() -> type[Exception]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    return PlaywrightTimeoutError
