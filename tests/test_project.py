"""What a well-kept project carries: a licence that matches its metadata, a changelog entry
for the version it installs as, the version in one place."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

import bench
from tests.support.sitebuild import REPO


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
