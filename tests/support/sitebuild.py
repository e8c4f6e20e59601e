"""Build the real site with MkDocs into a temporary folder, as a user would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

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


def build_in_process(project: Path) -> Path:
    """`mkdocs build --strict` of `project` in this process: the same build, no interpreter
    start-up; a failure raises with MkDocs' own message."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(project / "mkdocs.yml"), strict=True)
    build(config)
    return project / "site"
