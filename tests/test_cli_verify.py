"""`bench verify RUN` evaluates every archived candidate of a run again and vouches for each
verdict and score in the record, or names the samples that differ: a record edited by hand,
or made by an older harness that scored differently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakes.ollama_server import FakeModel, FakeOllama

from bench import cli
from bench.record.schema import RECORD_FILENAME
from bench.runner.tasks import get_task
from tests.support.runs import fenced, ollama_model, run_dirs, write_config

TASK = get_task("humaneval-0")  # has_close_elements(numbers: List[float], threshold)
# Uses `List` without importing it: the prompt, which stands before it, imports it.
RELIES_ON_THE_PROMPT = (
    "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
    "    return any(abs(a - b) < threshold for i, a in enumerate(numbers)"
    " for b in numbers[i + 1 :])\n"
)
WRONG = "def has_close_elements(numbers, threshold):\n    return False\n"


@pytest.fixture
def run_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    models = [
        FakeModel(name="right:1b", reply=fenced(RELIES_ON_THE_PROMPT)),
        FakeModel(name="wrong:1b", reply=fenced(WRONG)),
    ]
    with FakeOllama.running(*models) as server:
        config = write_config(
            tmp_path, [ollama_model(m.name, server.url) for m in models], task=TASK.id
        )
        assert cli.main(["run", str(config)]) == cli.EXIT_OK, capsys.readouterr().out
    [found] = run_dirs(tmp_path / "archive")
    capsys.readouterr()
    return found


def _edit(run_dir: Path, model: int, passed: bool) -> None:
    """Set a direct sample's test verdict and score by hand, keeping the record valid."""
    path = run_dir / RECORD_FILENAME
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    evaluation = record["direct"][model]["samples"][0]["evaluation"]
    test = evaluation["checks"][1]
    test["outcome"], test["detail"] = ("passed", None) if passed else ("failed", "the test failed")
    evaluation["score"] = 100.0 if passed else 0.0
    path.write_text(json.dumps(record), encoding="utf-8")


def test_a_run_as_recorded_is_vouched_for(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["verify", str(run_dir)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "2 archived candidates evaluated again: 2 agree with the record, 0 differ" in out


def test_a_score_edited_by_hand_is_named(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(run_dir, model=1, passed=True)
    assert cli.main(["verify", str(run_dir)]) == cli.EXIT_INVALID
    out = capsys.readouterr().out
    assert "direct[1].samples[0].evaluation (humaneval-0, " in out
    assert "passes_tests: recorded passed, earns failed" in out
    assert "score: recorded 100, earns 0" in out
    assert "1 agree with the record, 1 differ" in out


def test_a_record_of_an_older_harness_that_scored_differently_is_named(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(run_dir, model=0, passed=False)  # as the harness before methodology v4 scored it
    assert cli.main(["verify", str(run_dir)]) == cli.EXIT_INVALID
    out = capsys.readouterr().out
    assert "passes_tests: recorded failed, earns passed" in out
    assert "score: recorded 0, earns 100" in out


def test_a_run_that_is_not_there_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["verify", str(tmp_path / "nowhere")]) == cli.EXIT_USAGE
    assert "found none of these" in capsys.readouterr().err
