"""A leaderboard's order, with the contenders the data cannot tell apart grouped as tied.

A contender (a model on a host, over its runs) is its samples, keyed by run, task and repeat.
Its score is the mean over tasks of its samples on each task (every task weighs the same);
with one task, the mean of the samples. The interval is `stats.estimate`'s, as on run pages.

Two contenders are told apart by a paired comparison where they have something to pair:
the per-task differences on the tasks both answered (three or more), else their samples of
the same run, task and repeat (three or more: two models of one run). With neither, by their
intervals: tied when the intervals overlap, or when either has too few samples for one.
Ranking walks down the order by score: a contender the data cannot tell from the top of the
current group joins it (the same rank); the first one clearly below starts the next group.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from bench.record.stats import MIN_UNITS, Estimate, estimate

SampleKey = tuple[str, str, int]  # (run id, task, repeat)
Basis = Literal["tasks", "samples", "intervals"]


def task_means(samples: Mapping[SampleKey, float]) -> dict[str, float]:
    """Each task's mean over every sample of it, whatever run it came from."""
    by_task: dict[str, list[float]] = {}
    for (_, task, _), score in sorted(samples.items()):
        by_task.setdefault(task, []).append(score)
    return {task: statistics.fmean(scores) for task, scores in by_task.items()}


def pooled_score(samples: Mapping[SampleKey, float]) -> Estimate:
    """The mean over tasks of each task's samples, with its interval over tasks; with one
    task, the mean of its samples with their interval."""
    means = task_means(samples)
    if len(means) == 1:
        return estimate([samples[k] for k in sorted(samples)], "sample")
    return estimate(list(means.values()), "task")


@dataclass(frozen=True)
class Versus:
    """How a contender compares with the top of its group."""

    basis: Basis
    difference: Estimate | None  # this minus the top, paired; None when told by intervals
    tied: bool


def versus(
    a: Mapping[SampleKey, float], b: Mapping[SampleKey, float], a_score: Estimate, b_score: Estimate
) -> Versus:
    """a against b: paired on shared tasks, else on shared samples, else by intervals."""
    means_a, means_b = task_means(a), task_means(b)
    shared_tasks = sorted(means_a.keys() & means_b.keys())
    if len(shared_tasks) >= MIN_UNITS:
        diffs = [means_a[t] - means_b[t] for t in shared_tasks]
        return _paired("tasks", estimate(diffs, "task"))
    shared = sorted(a.keys() & b.keys())
    if len(shared) >= MIN_UNITS:
        return _paired("samples", estimate([a[k] - b[k] for k in shared], "pair"))
    return Versus("intervals", None, overlap(a_score, b_score))


def _paired(basis: Basis, difference: Estimate) -> Versus:
    return Versus(basis, difference, not difference.excludes_zero())


def overlap(a: Estimate, b: Estimate) -> bool:
    """True when the two cannot be told apart by their intervals: they overlap, or either has
    too few values for one (values all the same stand for an interval of that one value)."""
    if a.n < MIN_UNITS or b.n < MIN_UNITS:
        return True
    a_low, a_high = _ends(a)
    b_low, b_high = _ends(b)
    return a_low <= b_high and b_low <= a_high


def _ends(e: Estimate) -> tuple[float, float]:
    return (e.point, e.point) if e.interval is None else (e.interval.low, e.interval.high)


@dataclass(frozen=True)
class Ranked:
    """A contender's place: its rank (shared within a group) and how it was decided."""

    rank: int  # 1-based; tied contenders share the rank of their group's top
    against: int | None  # the top it was compared with (its index); None for the first
    versus: Versus | None  # against that top: tied, or clearly below and a new group's top

    @property
    def tied(self) -> bool:
        return self.versus is not None and self.versus.tied


def rank(scores: Sequence[Estimate], samples: Sequence[Mapping[SampleKey, float]]) -> list[Ranked]:
    """The places of contenders given best score first: each is compared with the top of the
    current group (`versus`), joins it when tied, else starts the next group."""
    return rank_by(scores, lambda i, top: versus(samples[i], samples[top], scores[i], scores[top]))


def rank_by(scores: Sequence[Estimate], compare: Callable[[int, int], Versus]) -> list[Ranked]:
    """`rank`, contender i compared with the top of its group by `compare(i, top)`: `versus`,
    or its answer kept from an earlier build."""
    if any(x.point < y.point for x, y in pairwise(scores)):
        raise ValueError("contenders: expected best score first")
    ranked: list[Ranked] = []
    top = 0
    for i in range(len(scores)):
        if i == 0:
            ranked.append(Ranked(1, None, None))
            continue
        v = compare(i, top)
        ranked.append(Ranked(ranked[top].rank if v.tied else i + 1, top, v))
        if not v.tied:
            top = i
    return ranked
