"""The shared task harness: the candidate's side answers with plain data, the runner decodes
it strictly, and a second task, HumanEval-style (a function and a `check(candidate)` of
asserts), is scored without running its asserts in the candidate's process."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pytest

from bench.record.schema import CheckOutcome, CheckSpec
from bench.runner import sandbox
from bench.runner.tasks._answers import (
    Answers,
    CheckFailed,
    Opaque,
    decode_lines,
    strict_json,
)
from bench.runner.tasks._harness import Call, ProbedTask, Verdict


@pytest.mark.parametrize(
    "text",
    ['{"a": NaN}', '{"a": Infinity}', '{"a": 1, "a": 2}', "[" * 100_000 + "]" * 100_000],
    ids=["nan", "infinity", "duplicate-keys", "too-deep"],
)
def test_strict_json_refuses_what_plain_data_is_not(text: str) -> None:
    with pytest.raises(ValueError):
        strict_json(text)


def test_decode_lines_keeps_the_first_strict_object_per_id() -> None:
    stdout = b'junk\n{"id": "a", "returned": 1}\n{"id": "a", "returned": 2}\n{"id": 3}\n[1]\n'
    assert decode_lines(stdout) == {"a": {"id": "a", "returned": 1}}


HUMANEVAL_PROMPT = "Write `add(a, b)`.\n"
HUMANEVAL_TEST = """
def check(candidate):
    assert candidate(1, 2) == 3
    assert candidate((1,), (2,)) == (1, 2)
    assert candidate([1], [2]) == [1, 2]
"""


def literal_calls(test: str, entry_point: str) -> tuple[Call, ...]:
    """Each `candidate(...)` call with literal arguments in the test, as a harness Call."""
    found = []
    for node in ast.walk(ast.parse(test)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "candidate":
            args = [ast.literal_eval(arg) for arg in node.args]
            found.append(Call(repr(args), entry_point, tuple(args)))
    return tuple(found)


def run_check_on_answers(answers: Answers) -> None:
    """`check(candidate)` in a sandbox of its own that receives only data: the candidate
    there is a table of the answers (plain built-in values, as Python literals)."""
    table = {}
    for call in HUMANEVAL.calls:
        value = answers.call(call.id).value()
        if isinstance(value, Opaque):
            raise CheckFailed(f"candidate{call.id} returned an instance of {value.type_name}")
        table[call.id] = repr(value)
    program = (
        "import ast, json, sys\n"
        f"answers = json.loads({json.dumps(table)!r})\n"
        "table = {k: ast.literal_eval(v) for k, v in answers.items()}\n"
        "def candidate(*args):\n    return table[repr(list(args))]\n"
        f"{HUMANEVAL_TEST}\ncheck(candidate)\n"
    )
    result = sandbox.run(sandbox.python_command("-c", program))
    if result.exit_code != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise CheckFailed(lines[-1] if lines else result.describe())


class HumanEvalLike(ProbedTask):
    id = "humaneval_like"
    candidate_name = "solution.py"
    checks = (
        CheckSpec(name="python_compile", weight=10, gate=True, description="It compiles."),
        CheckSpec(name="check_passes", weight=90, description="The problem's check passes."),
    )
    folder = Path(__file__).parent
    calls = literal_calls(HUMANEVAL_TEST, "add")
    cli_runs = ()
    verdicts: ClassVar[Mapping[str, Verdict]] = {
        "python_compile": lambda answers: _compiles(answers),
        "check_passes": run_check_on_answers,
    }


def _compiles(answers: Answers) -> None:
    if answers.static()["compile_error"] is not None:
        raise CheckFailed(str(answers.static()["compile_error"]))


HUMANEVAL = HumanEvalLike()


def test_a_humaneval_style_solution_scores_100() -> None:
    evaluation = HUMANEVAL.evaluate("def add(a, b):\n    return a + b\n", None)
    assert evaluation.score == 100, evaluation.checks


@pytest.mark.parametrize(
    "source",
    [
        "def add(a, b):\n    return list(a) + list(b) if not isinstance(a, int) else a + b\n",
        "class Same:\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return Same()\n",
        "class L(list):\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return L([0])\n",
        "import builtins\nbuiltins.AssertionError = type('Quiet', (BaseException,), {})\n"
        "def add(a, b):\n    return 0\n",
    ],
    ids=["tuple-is-not-a-list", "always-equal", "always-equal-list", "patched-assert"],
)
def test_a_humaneval_style_check_cannot_be_fooled_from_the_candidate_s_process(
    source: str,
) -> None:
    evaluation = HUMANEVAL.evaluate(source, None)
    check = evaluation.checks[1]
    assert check.outcome is CheckOutcome.FAILED, evaluation.checks
    assert evaluation.score == 10
