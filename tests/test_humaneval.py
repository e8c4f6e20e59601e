"""The `humaneval` suite: HumanEval's 164 problems as tasks `humaneval-0` … `humaneval-163`,
scored all or nothing by each problem's own check, run where the candidate cannot reach."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.record.schema import CheckOutcome
from bench.runner.config import load_config
from bench.runner.tasks import get_task, task_ids
from bench.runner.tasks.humaneval import CHECKS, PROBLEM_COUNT, HumanEvalTask
from bench.runner.tasks.humaneval.problems import load_problems

PROBLEMS = load_problems()
GENEROUS_TIMEOUT_S = 10.0  # per call: a busy 2-core machine is slow, never wrong


def _task(index: int) -> HumanEvalTask:
    return HumanEvalTask(PROBLEMS[index], check_timeout_s=GENEROUS_TIMEOUT_S)


def test_the_suite_has_the_164_problems_with_their_ids_and_titles() -> None:
    assert len(PROBLEMS) == PROBLEM_COUNT == 164
    ids = [f"humaneval-{n}" for n in range(164)]
    assert set(ids) <= set(task_ids())
    assert "deployment_window_analyzer" in task_ids()
    for n, problem in enumerate(PROBLEMS):
        task = get_task(ids[n])
        assert isinstance(task, HumanEvalTask)
        assert (task.id, task.title, task.candidate_name) == (
            ids[n],
            f"HumanEval/{n}",
            f"humaneval_{n}.py",
        )
        assert problem.task_id == f"HumanEval/{n}"


def test_the_checks_are_a_gate_and_the_test_all_or_nothing() -> None:
    assert [(spec.name, spec.weight, spec.gate) for spec in CHECKS] == [
        ("python_compile", 0, True),
        ("passes_tests", 100, False),
    ]


def test_the_prompt_asks_for_the_completed_function_and_the_refine_prompt_holds_the_draft() -> None:
    task = get_task("humaneval-0")
    prompt = task.prompt()
    assert "```python\n" + PROBLEMS[0].prompt.strip("\n") + "\n```" in prompt
    assert "whole function" in prompt and "one ```python block" in prompt
    refine = task.refine_prompt("def has_close_elements(numbers, threshold):\n    return 1\n")
    assert prompt.strip() in refine and "return 1" in refine and "{{" not in refine


def test_the_reference_is_the_prompt_completed_by_the_canonical_solution() -> None:
    problem = PROBLEMS[7]
    assert get_task("humaneval-7").reference_source() == (
        problem.prompt + problem.canonical_solution
    )


@pytest.mark.parametrize("index", range(164), ids=lambda n: f"HumanEval/{n}")
def test_every_canonical_solution_scores_100_through_evaluate(index: int) -> None:
    task = _task(index)
    evaluation = task.evaluate(task.reference_source(), None)
    assert evaluation.score == 100, evaluation.checks
    assert evaluation.candidate.name == f"humaneval_{index}.py"


ADD = 53  # add(x, y): its check makes 105 calls, 100 of them with random arguments
WRONG = {
    "empty": "",
    "does-not-compile": "def add(x: int, y: int) -> int:\n    return x +\n",
    "wrong": "def add(x: int, y: int) -> int:\n    return x - y\n",
    "no-such-function": "def plus(x, y):\n    return x + y\n",
    "always-equal": (
        "class X:\n    __eq__ = lambda s, o: True\n\ndef add(x, y):\n    return X()\n"
    ),
    "patched-assertion-error": (
        "import builtins\n"
        "builtins.AssertionError = type('Quiet', (BaseException,), {})\n"
        "builtins.__dict__['assert'] = None\n"
        "def add(x, y):\n    return 0\n"
    ),
    "exits-early": "import sys\n\ndef add(x, y):\n    sys.exit(0)\n",
    "right-for-the-literals-only": (
        "def add(x, y):\n    return {(0, 1): 1, (1, 0): 1, (5, 7): 12, (7, 5): 12, (2, 3): 5}"
        ".get((x, y), 0)\n"
    ),
}


@pytest.mark.parametrize("source", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_or_hostile_solution_scores_0(source: str) -> None:
    evaluation = _task(ADD).evaluate(source, None)
    assert evaluation.score == 0, evaluation.checks
    gate, test = evaluation.checks
    assert gate.outcome is CheckOutcome.PASSED or test.outcome is CheckOutcome.SKIPPED
    assert CheckOutcome.FAILED in (gate.outcome, test.outcome)


def test_a_check_over_helpers_of_the_prompt_is_replayed_with_the_candidate_s_answers() -> None:
    task = _task(38)  # decode_cyclic: check encodes random strings with the prompt's helper
    assert len(task.recording().calls) == 100
    assert task.evaluate(task.reference_source(), None).score == 100
    wrong = PROBLEMS[38].prompt + "    return s\n"
    evaluation = task.evaluate(wrong, None)
    assert evaluation.score == 0
    assert "the test failed at `assert candidate(encoded_str) == str`" in str(
        evaluation.checks[1].detail
    )


def test_a_task_named_in_a_config_is_a_humaneval_problem(tmp_path: Path) -> None:
    path = tmp_path / "he.yaml"
    path.write_text(
        "benchmark: he\ntitle: HumanEval 0\ntask: humaneval-0\nmodels:\n"
        "  - tag: a\n    backend: ollama\n    url: http://127.0.0.1:11434\n",
        encoding="utf-8",
    )
    config = load_config(path).config
    task = get_task(config.task)
    assert task.id == "humaneval-0"
    assert task.evaluate(task.reference_source(), None).score == 100
