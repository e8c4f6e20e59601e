"""`mkdocs serve` with a bad record: every page says which file and field are wrong, and the
site comes back when the file is fixed (MkDocs alone would leave every request hanging)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bench.site.watch import ArchiveWatch
from tests.support.records import synthetic_record, write_run
from tests.support.sitebuild import SEED_RUN, ServeLog, make_project, mkdocs_build

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
    with _serving(project) as (root, log):
        yield root, record, log
        record.write_text(good, encoding="utf-8")


@contextlib.contextmanager
def _serving(project: Path) -> Iterator[tuple[str, ServeLog]]:
    """`mkdocs serve` of `project` on a free loopback port: its address and its log."""
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
        yield f"http://127.0.0.1:{port}/", log
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
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()  # as it ends: MkDocs keeps the plugin for the next config

    home = (Path(config.site_dir) / "index.html").read_text(encoding="utf-8")
    assert "bench-archive-error" in home
    assert "holds no runs yet" not in home


_LIVERELOAD = re.compile(r"<script>\s*var livereload = .*?</script>", re.S)


def test_serve_shows_the_pages_the_build_publishes_from_a_site_kept_for_the_next_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MkDocs serves pages made for its own address from an empty temporary folder: every page
    drawn again, every run file copied. Ours are the published pages, byte for byte (but for
    the server's reload script), from the build cache; the served site is kept for the next."""
    monkeypatch.setenv("SITE_URL", "https://example.org/bench/")
    project = make_project(tmp_path)
    assert mkdocs_build(project).returncode == 0
    built = (project / "site" / SEED_RUN / "report.html").read_text(encoding="utf-8")
    assert 'rel="canonical" href="https://example.org/bench/' in built
    kept = project / ".cache" / "bench" / "serve-site"
    for start in ("first", "second"):
        with _serving(project) as (address, log):
            log.wait_for("Serving on", BOUND_S)
            root = f"{address}bench/"
            served = _page(f"{root}{SEED_RUN}/report.html")
            assert _LIVERELOAD.sub("", served) == built, start
            with pytest.raises(urllib.error.HTTPError) as missing:
                _page(f"{root}no-such-page.html")
            assert missing.value.code == 404
            not_found = _LIVERELOAD.sub("", missing.value.read().decode("utf-8"))
            assert not_found == (project / "site" / "404.html").read_text(encoding="utf-8")
        assert (kept / SEED_RUN / "report.html").is_file(), start


def test_a_run_moved_into_the_archive_while_serving_is_served_after_the_rebuild(
    tmp_path: Path,
) -> None:
    """The archive is watched through the system's file events (`bench.site.watch`), not by
    listing its every folder twice a second: a run moved in starts one rebuild that serves it."""
    project = make_project(tmp_path)
    record, sources = synthetic_record(0, 1, seed=7)
    staged = write_run(tmp_path / "staging", record, sources)
    with _serving(project) as (root, log):
        log.wait_for("Serving on", BOUND_S)
        page = f"{record.benchmark_id}/{record.run_id}/report.html"
        with pytest.raises(urllib.error.HTTPError):
            _page(root + page)
        (project / "archive" / record.benchmark_id).mkdir(exist_ok=True)
        staged.rename(project / "archive" / record.benchmark_id / record.run_id)
        log.wait_for("Reloading browsers", BOUND_S)
        assert record.run_id in _page(root + page)


def test_an_archive_the_system_cannot_watch_is_left_to_the_server_to_poll(
    tmp_path: Path,
) -> None:
    polled: list[bool] = []
    watch = ArchiveWatch(tmp_path / "no-such-archive", tmp_path / "signal")
    watch.start(unwatched=lambda: polled.append(True))
    watch.stop()  # once it has started
    assert polled == [True]
