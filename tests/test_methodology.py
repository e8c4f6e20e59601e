"""The methodology page documents the current task: every check, its weight, the gate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.record.schema import METHODOLOGY_VERSION
from bench.runner.tasks import get_task
from tests.support.sitebuild import build_site, make_project, page_text


@pytest.fixture(scope="module")
def methodology(tmp_path_factory: pytest.TempPathFactory) -> str:
    site: Path = build_site(make_project(tmp_path_factory.mktemp("methodology")))
    return (site / "methodology.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_every_check_of_the_task_is_documented_with_its_weight(methodology: str) -> None:
    task = get_task("deployment_window_analyzer")
    section = methodology[methodology.index("deployment_window_analyzer</code> (methodology") :]
    for check in task.checks:
        row = re.search(
            rf"<td><code>{check.name}</code>(?: \(gate\))?</td>\s*<td>([\d.]+)</td>", section
        )
        assert row is not None, f"{check.name} is not in the methodology's check table"
        assert float(row.group(1)) == check.weight
    assert sum(c.weight for c in task.checks) == 100
    assert [c.name for c in task.checks if c.gate] == ["python_compile"]


@pytest.mark.slow
def test_page_states_the_current_version_and_its_changelog(methodology: str) -> None:
    text = page_text(methodology)
    assert f"Current methodology version: {METHODOLOGY_VERSION}." in text
    assert re.search(rf"Changelog.*\b{METHODOLOGY_VERSION} 20\d\d-\d\d-\d\d", text)
    for term in ("Call wall", "Pipeline wall", "Throughput", "Eval wall", "gate"):
        assert term in text
