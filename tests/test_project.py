"""What a well-kept project carries: a licence that matches its metadata, a changelog entry
for the version it installs as, the version in one place."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import bench
from tests.support.sitebuild import REPO, make_project


def test_the_licence_file_is_the_one_the_package_declares() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = (REPO / project["license"]["file"]).read_text(encoding="utf-8")

    assert licence.startswith("MIT License\n")
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]


def test_the_version_lives_in_pyproject_only_and_the_changelog_has_it() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")

    assert bench.__version__ == importlib.metadata.version("bench-archive") == project["version"]
    newest = re.search(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, re.M)
    assert newest is not None and newest.group(1) == project["version"]
    literal = re.compile(rf"['\"]{re.escape(project['version'])}['\"]")
    assert not [p for p in (REPO / "bench").rglob("*.py") if literal.search(p.read_text("utf-8"))]


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_starts_with_the_two_commands_ci_runs() -> None:
    install, test = _readme_commands()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")

    assert install in ci.splitlines()
    assert test == "scripts/test" and "scripts/test" in ci
    assert "NO_MKDOCS_2_WARNING=1" in install  # no end-of-life banner on the user's first build


def test_the_readme_build_prints_no_end_of_life_banner(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    install, _ = _readme_commands()
    build = install.split("&&")[-1].strip()  # NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build
    env_assignment, command = build.split(" ", 1)
    name, value = env_assignment.split("=", 1)
    mkdocs = Path(sys.executable).with_name("mkdocs")
    plain = {k: v for k, v in os.environ.items() if k != name}

    def build_with(env: dict[str, str]) -> str:
        argv = [str(mkdocs), *command.split()[1:]]
        done = subprocess.run(
            argv, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    assert "end of life" in build_with(plain)  # what the README's setting silences
    assert "end of life" not in build_with(plain | {name: value})
