"""Build the real site with MkDocs into a temporary folder, as a user would."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from html import unescape
from pathlib import Path
from typing import TextIO

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED_RUN = "prompt-handoff-codegen/prompt-handoff-codegen-2026-04-20_13-08-27"


def make_project(tmp_path: Path, archive: Path | None = None) -> Path:
    """A copy of the project's site config with `archive` (default: the repo's archive)."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(REPO / "site_src", project / "site_src")
    shutil.copytree(archive or REPO / "archive", project / "archive")
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    return project


def mkdocs_build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def build_site(project: Path) -> Path:
    """The site of `project`, built in this process (a child process adds nothing here: the
    tests that check the command's exit code and messages call `mkdocs_build`)."""
    return build_in_process(project)


def page_text(html: str) -> str:
    """What a reader sees of a page's article: tags dropped, entities decoded, spaces folded."""
    start = html.find("<article")
    end = html.find("</article>")
    body = html[start:end] if start >= 0 else html
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = body.replace("<wbr>", "")  # a line-break opportunity: nothing a reader sees
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def filter_data(site: Path, benchmark: str) -> list[dict[str, object]]:
    """Every run of a benchmark in the filters' data files (`<benchmark>/runs/*.js`): each
    file's JSON, assigned to one global under the file's path."""
    rows: list[dict[str, object]] = []
    for path in sorted((site / benchmark / "runs").glob("*.js")):
        script = path.read_text(encoding="utf-8")
        stem = path.relative_to(site).as_posix().removesuffix(".js")
        head = f'(window.benchRunData = window.benchRunData || {{}})["{stem}"] = '
        assert script.startswith(head) and script.endswith(";\n"), path
        rows += json.loads(script[len(head) : -2])
    return rows


def downloaded_spec(site: Path, page: Path, chart: str) -> str:
    """The Vega-Lite spec a reader downloads from a run page's chart, made as the page's
    script makes it: the page's JSON after the chart's button, put into the template of that
    name in `assets/bench/specs.js` (tests/test_browser.py clicks the button for real)."""
    html = page.read_text(encoding="utf-8")
    found = re.search(
        rf'<button type="button" class="bench-spec" data-file="{re.escape(chart)}\.vl\.json" '
        r'hidden>Vega-Lite spec \(JSON\)</button><script type="application/json">(.*?)</script>',
        html,
    )
    assert found, f"{page}: no spec download for {chart}"
    data = json.loads(found[1])
    script = (site / "assets" / "bench" / "specs.js").read_text(encoding="utf-8")
    head = "window.benchSpecs = "
    assert script.startswith(head) and script.endswith(";\n")
    text = str(json.loads(script[len(head) : -2])[data["template"]])
    tables = data["tables"]  # each [fields, rows]: a row's values in its fields' order
    rows = [dict(zip(fields, row, strict=True)) for fields, table in tables for row in table]
    text = text.replace('"__bench_values__"', json.dumps(rows))
    if "order" in data:
        text = text.replace('"__bench_order__"', json.dumps(data["order"]))
    return text + "\n"


def build_in_process(project: Path) -> Path:
    """`mkdocs build --strict` of `project` in this process: the same build, no interpreter
    start-up; a failure raises with MkDocs' own message."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(project / "mkdocs.yml"), strict=True)
    build(config)
    return project / "site"


class ServeLog:
    """The log of a `mkdocs serve` child (its stderr, `text=True`), read as it is written: a
    test waits for the line that says a (re)build is served, never for a guessed delay."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(process.stderr,), daemon=True)
        self._reader.start()

    def _read(self, stream: TextIO) -> None:
        with stream:
            for line in stream:
                self._lines.put(line)
        self._lines.put(None)  # the process closed its stderr: it ended

    def close(self, timeout_s: float = 20) -> None:
        """Once the process has ended: its log read to the end and closed."""
        self._reader.join(timeout_s)

    def wait_for(self, text: str, timeout_s: float = 90) -> str:
        """The next line holding `text`; fails the test when the process ends or
        `timeout_s` passes first."""
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"mkdocs serve ended before {text!r}: {self.seen[-5:]}")
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"mkdocs serve said no {text!r} in {timeout_s} s: {self.seen[-5:]}")


# Every kind of page a site has, by the path of one page of that kind.
PAGE_KINDS = (
    "home",
    "methodology",
    "404",
    "leaderboard",
    "month",
    "model",
    "trends",
    "run",
    "suite run",
    "task",
)


def every_kind_site(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A built site with a page of every kind, about thirty pages: three runs of the synthetic
    archive's generator (one partial, one re-hosted legacy run, failed calls, archived
    candidates) and a suite run of two tasks, with site_url unset; and each page's kind, by its
    path in the site."""
    from tests.support.records import make_record, synthetic_record, write_archive, write_run

    archive = tmp_path / "archive"
    for i in range(3):
        write_run(archive, *synthetic_record(i, 3, seed=179))
    suite = make_record(
        tasks=("parse_log", "merge_windows"),
        repeats=2,
        models=("tiny:0.5b", "big:8b"),
        pairs=(("tiny:0.5b", "big:8b"),),
    )
    write_archive(archive, [suite])
    with pytest.MonkeyPatch.context() as env:
        env.delenv("SITE_URL", raising=False)  # as a local build has it: site_url unset
        site = build_in_process(make_project(tmp_path, archive))
    kinds = {}
    for path in sorted(site.rglob("*.html")):
        name = path.relative_to(site).as_posix()
        if not name.startswith(("assets/", "search/")):
            kinds[name] = _page_kind(name, suite.benchmark_id)
    return site, kinds


def _page_kind(name: str, suite_benchmark: str) -> str:
    top = {"index.html": "home", "methodology.html": "methodology", "404.html": "404"}
    if name in top:
        return top[name]
    for part, kind in (("/tasks/", "task"), ("/models/", "model"), ("/archive/", "month")):
        if part in name:
            return kind
    for page, kind in (("/index.html", "leaderboard"), ("/trends.html", "trends")):
        if name.endswith(page):
            return kind
    return "suite run" if name.startswith(suite_benchmark + "/") else "run"
