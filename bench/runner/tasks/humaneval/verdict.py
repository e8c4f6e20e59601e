"""A HumanEval problem's checks, runner side: record the calls its `check` makes, then judge
a candidate's answers to them by replaying `check` in a sandbox of its own.

`check` is code (loops, random inputs, helpers from the prompt), so its calls are found by
running it: once per problem, in a sandbox, with the canonical solution as `candidate`
(`record_calls`). The candidate's sandbox answers exactly those calls, through the shared
driver. Then `check` runs again in a fresh sandbox where `candidate` is a table of the
answers, as plain data (`passes_tests`). Neither pass ever holds the candidate's code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.runner import sandbox
from bench.runner.tasks._answers import (
    Answers,
    CheckFailed,
    Instance,
    plain_text,
    python_value,
    short,
    strict_json,
)
from bench.runner.tasks._harness import Call
from bench.runner.tasks.humaneval.problems import Problem

__all__ = ["Recording", "passes_tests", "python_compile", "record_calls"]

_PROGRAM = Path(__file__).with_name("check_program.py")
_PROGRAM_NAME = "bench_check.py"
_PROBLEM_NAME = "problem.json"
_ANSWERS_NAME = "answers.json"


@dataclass(frozen=True)
class Recording:
    """The distinct calls the problem's `check` makes, and each one's key (its arguments)."""

    calls: tuple[Call, ...]
    keys: Mapping[str, str]  # call id -> key
    shown: Mapping[str, str]  # call id -> its arguments as written, for a check's detail


def record_calls(problem: Problem, limits: sandbox.Limits) -> Recording:
    """Run `check` on the canonical solution, in a sandbox, and keep the calls it made.

    Raises:
        RuntimeError: the canonical solution fails its own check (the data is not HumanEval's).
    """
    result = _run_check(problem, "record", None, limits)
    try:
        entries = strict_json(result.stdout) if result.exit_code == 0 else None
    except ValueError:
        entries = None
    if not isinstance(entries, list):
        raise RuntimeError(
            f"{problem.task_id}: recording the calls of check() failed: {_why(result)}"
        )
    calls, keys, shown = [], {}, {}
    for number, entry in enumerate(entries):
        call_id = f"call_{number}"
        calls.append(Call(call_id, problem.entry_point, tuple(entry["args"]), entry["kwargs"]))
        keys[call_id], shown[call_id] = str(entry["key"]), str(entry["shown"])
    return Recording(tuple(calls), keys, shown)


def python_compile(answers: Answers) -> None:
    error = answers.static()["compile_error"]
    if error is not None:
        raise CheckFailed(plain_text(error))


def passes_tests(
    problem: Problem, recording: Recording, answers: Answers, limits: sandbox.Limits
) -> None:
    """Every answer came back as plain data and `check`'s asserts hold for them all.

    Raises:
        CheckFailed: a call did not return, returned something other than plain data, or the
            test failed (the detail says where).
    """
    table: dict[str, Any] = {}
    for call in recording.calls:
        called = f"{problem.entry_point}({recording.shown[call.id]})"
        answer = answers.call(call.id)
        try:
            value = answer.value()
        except CheckFailed as failure:
            raise CheckFailed(f"{called}: {failure}") from None
        odd = _not_plain(python_value(value))
        if odd:
            raise CheckFailed(f"{called} returned {odd}, not plain data")
        table[recording.keys[call.id]] = value
    result = _run_check(problem, "replay", table, limits)
    if result.exit_code != 0 or result.stdout.strip() != b'"passed"':
        raise CheckFailed(_why(result))


def _not_plain(value: Any) -> str | None:
    """What in an answer `check` could not compare as a built-in value, if anything."""
    if isinstance(value, Instance):
        return f"an instance of {value.type_name}"
    if isinstance(value, date):
        return "a date or datetime"
    if isinstance(value, dict):
        if "$unencodable" in value:
            return f"a {plain_text(value['$unencodable'])} object"
        return next(filter(None, map(_not_plain, value.values())), None)
    if isinstance(value, list | tuple | set):
        return next(filter(None, map(_not_plain, value)), None)
    return None


def _run_check(
    problem: Problem, mode: str, table: Mapping[str, Any] | None, limits: sandbox.Limits
) -> sandbox.SandboxResult:
    files: dict[str, str | bytes] = {
        _PROGRAM_NAME: _PROGRAM.read_bytes(),
        _PROBLEM_NAME: json.dumps(
            {
                "prompt": problem.prompt,
                "canonical_solution": problem.canonical_solution,
                "test": problem.test,
                "entry_point": problem.entry_point,
            }
        ),
    }
    args = [_PROGRAM_NAME, mode, _PROBLEM_NAME]
    if table is not None:
        files[_ANSWERS_NAME] = json.dumps(table, allow_nan=False)
        args.append(_ANSWERS_NAME)
    return sandbox.run(sandbox.python_command(*args), files=files, limits=limits)


def _why(result: sandbox.SandboxResult) -> str:
    lines = [line for line in result.stderr.decode(errors="replace").splitlines() if line.strip()]
    if lines and not result.timed_out:
        return short(lines[-1])
    return f"the test's process {result.describe()}"
