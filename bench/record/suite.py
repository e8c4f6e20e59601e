"""A suite run task by task: which candidates to compare, each task's outcome per candidate,
the tasks that fail most, and what every candidate did on one task, repeat by repeat.

The run page, its task pages, the runner's summary and `bench compare` use these alike; the
figures come from `bench.record.stats`, the words from the site or the CLI.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from bench.record.analysis import (
    HOTSPOT_EXAMPLES,
    CascadeSummary,
    DirectSummary,
    RunAnalysis,
    passed,
)
from bench.record.analysis import versus as analysis_versus
from bench.record.schema import CascadeSample, Evaluation, Sample, TaskSpec
from bench.record.stats import PairedComparison

Candidate = DirectSummary | CascadeSummary
# a handoff's large or small model, or its one model (it refines its own draft); the next size
Against = Literal["large", "small", "own", "larger"]


@dataclass(frozen=True)
class PairedRow:
    """Candidate `a` against `b` on the tasks and repeats both answered."""

    a: str  # display names
    b: str
    against: Against
    comparison: PairedComparison


def paired_table(run: RunAnalysis) -> list[PairedRow]:
    """Each handoff against its large model's direct answer and against its small model's
    (once, when one model refines its own draft), then each direct model of known size
    against the first model of the next size up."""
    rows = []
    for c in run.cascades:
        if c.small.tag == c.large.tag:
            rows.append(PairedRow(c.name, c.large.name, "own", c.versus_large))
            continue
        rows.append(PairedRow(c.name, c.large.name, "large", c.versus_large))
        rows.append(PairedRow(c.name, c.small.name, "small", c.versus_small))
    ladder = [d for d in run.by_size() if d.model.params_b is not None]
    for k, low in enumerate(ladder):
        size = low.model.params_b or 0.0
        high = next((d for d in ladder[k + 1 :] if (d.model.params_b or 0.0) > size), None)
        if high is not None:
            rows.append(PairedRow(low.name, high.name, "larger", versus(low, high)))
    return rows


def versus(a: Candidate, b: Candidate) -> PairedComparison:
    """a against b on the tasks and repeats both answered (`analysis.versus`)."""
    return analysis_versus(a, b)


class TaskState(StrEnum):
    PASS = "pass"  # every repeat passed every check
    PARTIAL = "partial"  # some repeats passed, some did not
    FAIL = "fail"  # no repeat passed
    MISSING = "missing"  # no measured answer (every call failed on the server, or none made)


@dataclass(frozen=True)
class TaskCell:
    """One candidate on one task, over its repeats."""

    state: TaskState
    mean_pts: float | None  # None: missing
    passes: int
    repeats: int  # measured repeats


@dataclass(frozen=True)
class TaskRow:
    task: TaskSpec
    cells: tuple[TaskCell, ...]  # in `candidate_names(run)` order

    @property
    def failures(self) -> int:
        """Measured answers that did not pass, over every candidate."""
        return sum(c.repeats - c.passes for c in self.cells)

    @property
    def answers(self) -> int:
        return sum(c.repeats for c in self.cells)


def candidates(run: RunAnalysis) -> list[Candidate]:
    """Direct models, then pairs: the columns of the task table."""
    return [*run.direct, *run.cascades]


def task_table(run: RunAnalysis) -> list[TaskRow]:
    """Every task of the suite, in the record's order, with each candidate's outcome on it."""
    by_candidate = [_by_task(c.result.samples) for c in candidates(run)]
    return [
        TaskRow(task, tuple(_cell(found.get(task.id, [])) for found in by_candidate))
        for task in run.record.tasks
    ]


def _by_task(samples: Sequence[Sample | CascadeSample]) -> dict[str, list[Evaluation]]:
    found: dict[str, list[Evaluation]] = {}
    for s in sorted(samples, key=lambda s: s.repeat):
        found.setdefault(s.task, []).append(s.evaluation)
    return found


def _cell(evaluations: Sequence[Evaluation]) -> TaskCell:
    if not evaluations:
        return TaskCell(TaskState.MISSING, None, 0, 0)
    passes = sum(passed(e) for e in evaluations)
    if passes == len(evaluations):
        state = TaskState.PASS
    elif passes:
        state = TaskState.PARTIAL
    else:
        state = TaskState.FAIL
    mean = statistics.mean(e.score for e in evaluations)
    return TaskCell(state, mean, passes, len(evaluations))


@dataclass(frozen=True)
class TaskHotspot:
    task: TaskSpec
    failures: int  # answers that did not pass, over every candidate and repeat
    answers: int
    examples: tuple[str, ...]  # candidates that failed it, the first few


def task_hotspots(run: RunAnalysis) -> list[TaskHotspot]:
    """The tasks some answer failed, most failures first, then in the record's order."""
    names = [c.name for c in candidates(run)]
    found = []
    for row in task_table(run):
        if row.failures:
            failing = [n for n, c in zip(names, row.cells, strict=True) if c.passes < c.repeats]
            found.append(
                TaskHotspot(row.task, row.failures, row.answers, tuple(failing[:HOTSPOT_EXAMPLES]))
            )
    order = {t.id: k for k, t in enumerate(run.record.tasks)}
    return sorted(found, key=lambda h: (-h.failures, order[h.task.id]))


@dataclass(frozen=True)
class Attempt:
    """One repeat of a candidate on a task."""

    repeat: int
    evaluation: Evaluation
    passed: bool


@dataclass(frozen=True)
class TaskAnswers:
    """What one candidate did on one task, repeat by repeat."""

    name: str
    attempts: tuple[Attempt, ...]

    @property
    def changed(self) -> bool:
        """The outcome differed between repeats (one passed, another did not)."""
        return len({a.passed for a in self.attempts}) > 1


def task_answers(run: RunAnalysis, task_id: str) -> list[TaskAnswers]:
    """Each candidate's measured answers to `task_id`, repeats in order; a candidate with
    none is left out."""
    found = []
    for c in candidates(run):
        samples = sorted((s for s in _samples(c) if s.task == task_id), key=lambda s: s.repeat)
        if samples:
            attempts = (Attempt(s.repeat, s.evaluation, passed(s.evaluation)) for s in samples)
            found.append(TaskAnswers(c.name, tuple(attempts)))
    return found


def _samples(c: Candidate) -> Sequence[Sample | CascadeSample]:
    return c.result.samples
