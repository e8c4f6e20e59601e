"""`mkdocs serve` with a bad record: every page says which file and field are wrong, and the
site comes back when the file is fixed (MkDocs alone would leave every request hanging)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.sitebuild import SEED_RUN, make_project

if TYPE_CHECKING:
    from playwright.sync_api import Browser

BOUND_S = 90.0  # the whole wait for a (re)build; the test ends by itself


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    project = make_project(tmp_path)
    record = project / "archive" / SEED_RUN / "run.json"
    good = record.read_text(encoding="utf-8")
    record.write_text(good.replace('"host": "vps-81"', '"host": ""'), encoding="utf-8")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}/", record
        record.write_text(good, encoding="utf-8")
    finally:
        process.terminate()
        process.wait(timeout=30)


def _page_when(url: str, ready: str) -> str:
    """The page at `url` once it holds `ready`, within BOUND_S; fails the test otherwise."""
    deadline = time.monotonic() + BOUND_S
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                last = answer.read().decode("utf-8")
            if ready in last:
                return last
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} never showed {ready!r}; last page: {last[:300]!r}")


def test_a_bad_record_is_named_on_the_page_and_the_site_recovers(
    served: tuple[str, Path], browser: Browser
) -> None:
    root, record = served

    page = _page_when(root, "bench-archive-error")
    assert f"{record.name}: host: expected " in page.replace("\n", " ")
    assert SEED_RUN.split("/")[0] in page  # the file is named with its folder
    tab = browser.new_page()
    tab.goto(root + "methodology.html")  # every page says so, not only the index
    alert = tab.locator(".bench-archive-error")
    assert alert.is_visible() and "host: expected" in alert.inner_text()
    tab.close()

    record.write_text(
        record.read_text(encoding="utf-8").replace('"host": ""', '"host": "vps-81"'),
        encoding="utf-8",
    )
    recovered = _page_when(root, f'href="{SEED_RUN}/report.html"')  # the run is listed again
    assert "bench-archive-error" not in recovered


def test_the_bad_record_page_does_not_also_say_the_archive_is_empty(tmp_path: Path) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project = make_project(tmp_path)
    record = project / "archive" / SEED_RUN / "run.json"
    good = record.read_text(encoding="utf-8")
    record.write_text(good.replace('"host": "vps-81"', '"host": ""'), encoding="utf-8")
    config = load_config(str(project / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)  # as `mkdocs serve` starts it

    build(config)

    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert "bench-archive-error" in home
    assert "holds no runs yet" not in home
