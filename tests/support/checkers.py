"""The markup checkers over a built site: the W3C Nu HTML Checker and axe-core.

scripts/test installs both from npm into .cache/npm at pinned versions (and Java from Debian
when it is missing). Outside CI a test skips when one is absent; with CI=true it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from tests.support.sitebuild import REPO

if TYPE_CHECKING:
    from playwright.sync_api import Page

NPM_MODULES = REPO / ".cache" / "npm" / "node_modules"
VNU_JAR = NPM_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NPM_MODULES / "axe-core" / "axe.min.js"
INSTALL = "scripts/test installs it"


def missing(reason: str) -> NoReturn:
    """Skip the test outside CI; fail it in CI, where every checker must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def required(path: Path) -> Path:
    if not path.is_file():
        missing(f"{path.relative_to(REPO)} is missing ({INSTALL})")
    return path


@dataclass(frozen=True)
class NuError:
    """One error the Nu HTML Checker reports: the page, the line, what it says."""

    page: str
    line: int
    message: str
    extract: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.message} [{self.extract.strip()[:120]}]"


def nu_errors(site: Path, pages: list[str]) -> list[NuError]:
    """Every error the Nu HTML Checker finds in `pages` (paths in `site`), in one run."""
    java = shutil.which("java")
    if java is None:
        missing(f"no java on PATH ({INSTALL}: apt-get install default-jre-headless)")
    jar = required(VNU_JAR)
    options = ["--format", "json", "--errors-only", "--exit-zero-always"]
    done = subprocess.run(
        [str(java), "-jar", str(jar), *options, *pages],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    found = []
    for m in json.loads(done.stderr)["messages"]:
        assert m["type"] == "error", m  # anything else (a file it could not read) is a fault
        page = Path(m["url"].removeprefix("file:")).resolve().relative_to(site.resolve())
        found.append(NuError(page.as_posix(), m.get("lastLine", 0), m["message"], m["extract"]))
    return found


def article_lines(html: str) -> range:
    """The lines (1-based) of a page's <article>: the part of the page this project writes."""
    lines = html.splitlines()
    first = next(n for n, line in enumerate(lines, 1) if "<article" in line)
    last = next(n for n, line in enumerate(lines, 1) if "</article>" in line)
    return range(first, last + 1)


def axe_violations(page: Page, rules: list[str] | None = None) -> list[str]:
    """What axe-core finds inside the page's <article>: `rule: target (summary)`, one per node.

    `rules` narrows the run to those rules; by default every rule axe runs by default.
    """
    page.add_script_tag(path=str(required(AXE_JS)))
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    violations = page.evaluate(
        "async (options) => (await axe.run({include: [['article']]}, options)).violations",
        options,
    )
    return [
        f"{v['id']}: {' '.join(n['target'])} ({n['failureSummary'].splitlines()[-1].strip()})"
        for v in violations
        for n in v["nodes"]
    ]
