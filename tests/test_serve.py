"""`mkdocs serve` with a bad record: every page says which file and field are wrong, and the
site comes back when the file is fixed (MkDocs alone would leave every request hanging)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.sitebuild import SEED_RUN, ServeLog, make_project

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

BOUND_S = 90.0  # the whole wait for a (re)build; the test ends by itself


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, ServeLog]]:
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
        stderr=subprocess.PIPE,
        text=True,
    )
    log = ServeLog(process)
    try:
        yield f"http://127.0.0.1:{port}/", record, log
        record.write_text(good, encoding="utf-8")
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=BOUND_S) as answer:
        return str(answer.read().decode("utf-8"))


def _replace(path: Path, text: str) -> None:
    """`path` holds `text` at once (one change for the watcher, not a truncate then a write)."""
    landing = path.with_name(path.name + ".new")
    landing.write_text(text, encoding="utf-8")
    landing.replace(path)


def test_a_bad_record_is_named_on_the_page_and_the_site_recovers(
    served: tuple[str, Path, ServeLog], browser: Browser
) -> None:
    root, record, log = served
    log.wait_for("Serving on", BOUND_S)  # after the first build

    page = _page(root)
    assert "bench-archive-error" in page
    assert f"{record.name}: host: expected " in page.replace("\n", " ")
    assert SEED_RUN.split("/")[0] in page  # the file is named with its folder
    tab = browser.new_page()
    tab.goto(root + "methodology.html")  # every page says so, not only the index
    alert = tab.locator(".bench-archive-error")
    assert alert.is_visible() and "host: expected" in alert.inner_text()
    tab.close()

    _replace(record, record.read_text(encoding="utf-8").replace('"host": ""', '"host": "vps-81"'))
    log.wait_for("Detected file changes", BOUND_S)
    log.wait_for("Reloading browsers", BOUND_S)  # the rebuild is served

    recovered = _page(root)
    assert f'href="{SEED_RUN}/report.html"' in recovered  # the run is listed again
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
