"""Publishing to GitHub Pages: the Actions workflow, and `mkdocs gh-deploy` to a gh-pages branch."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import mkdocs
import pytest
from mkdocs.config import load_config
from ruamel.yaml import YAML

from tests.support.sitebuild import REPO, SEED_RUN, build_site, make_project

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"
# Git reads only the test repository's own config: no global or system settings, no prompts.
GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "NO_MKDOCS_2_WARNING": "1",
}


def _load_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _action(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def test_the_pages_workflow_builds_strictly_and_deploys_with_the_pages_actions() -> None:
    workflow = _load_yaml(WORKFLOW)

    assert "main" in workflow["on"]["push"]["branches"]
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    assert workflow["concurrency"]["cancel-in-progress"] is False

    build = workflow["jobs"]["build"]["steps"]
    actions = [_action(step) for step in build]
    runs = [str(step.get("run", "")) for step in build]
    assert "actions/checkout" in actions
    assert "actions/setup-python" in actions
    install = runs.index("pip install -e .")
    build_step = runs.index("mkdocs build --strict")
    configure = actions.index("actions/configure-pages")
    upload = actions.index("actions/upload-pages-artifact")
    assert install < build_step < upload
    assert configure < upload
    site_dir = Path(load_config(str(REPO / "mkdocs.yml")).site_dir)
    assert build[upload]["with"]["path"] == site_dir.relative_to(REPO).as_posix()

    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [_action(step) for step in deploy["steps"]] == ["actions/deploy-pages"]
    deployment = deploy["steps"][0]
    assert deploy["environment"]["url"] == f"${{{{ steps.{deployment['id']}.outputs.page_url }}}}"

    every_action = [
        step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step
    ]
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@v\d+", uses) for uses in every_action), every_action


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def _repository(tmp_path: Path) -> tuple[Path, Path]:
    """The project as its own git repository, with a local bare repository as `origin`."""
    project = make_project(tmp_path)
    (project / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    _git(project, "init", "--quiet", "--initial-branch=main")
    _git(project, "config", "user.name", "Bench Tests")
    _git(project, "config", "user.email", "bench-tests@example.invalid")
    _git(project, "add", "mkdocs.yml", "site_src", "archive", ".gitignore")
    _git(project, "commit", "--quiet", "-m", "The archive site")
    origin = tmp_path / "origin.git"
    _git(tmp_path, "init", "--quiet", "--bare", str(origin))
    _git(project, "remote", "add", "origin", str(origin))
    return project, origin


def _gh_deploy(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, "-m", "mkdocs", "gh-deploy",
            "--force", "--no-history",
            "--remote-name", "origin", "--remote-branch", "gh-pages",
            "-m", "Deploy {sha} with MkDocs {version}",
        ],
        cwd=project, env=GIT_ENV, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_gh_deploy_pushes_the_built_site_to_the_gh_pages_branch(tmp_path: Path) -> None:
    project, origin = _repository(tmp_path)
    head = _git(project, "rev-parse", "--short", "HEAD").strip()

    for _ in range(2):  # a second deploy replaces the first: --force with --no-history
        result = _gh_deploy(project)
        assert result.returncode == 0, result.stderr

    files = set(_git(origin, "ls-tree", "-r", "--name-only", "gh-pages").split())
    assert {".nojekyll", "index.html", "methodology.html", f"{SEED_RUN}/report.html"} <= files
    assert f"{SEED_RUN}/run.json" in files
    assert any(f.startswith(f"{SEED_RUN}/charts/") and f.endswith(".svg") for f in files)
    assert not any(f.startswith(("site_src/", "archive/")) for f in files), "only the site"

    report = _git(origin, "show", f"gh-pages:{SEED_RUN}/report.html")
    assert SEED_RUN.split("/")[1] in report
    history = _git(origin, "log", "--format=%s", "gh-pages").splitlines()
    assert history == [f"Deploy {head} with MkDocs {mkdocs.__version__}"]


def test_the_not_found_page_links_under_the_published_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub Pages answers any missing address with 404.html, so its links start from /REPO/."""
    monkeypatch.setenv("SITE_URL", "https://owner.github.io/bench-archive/")
    site = build_site(make_project(tmp_path))
    rooted = re.findall(r'(?:href|src)="(/[^"/][^"]*)"', (site / "404.html").read_text())
    assert rooted, "404.html links its stylesheets and the index"
    assert [url for url in rooted if not url.startswith("/bench-archive/")] == []
