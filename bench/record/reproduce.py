"""Was a run reproduced? Run B against run A, paired on the same tasks and repeats.

A model is reproduced when its mean score in B, over the (task, repeat) samples both runs
measured, lies within A's 95% interval over the same samples (`stats.estimate`, the one
interval method; tasks are the unit). Without an interval (under three tasks, or every task
alike), only the same mean is within. The runs are the same experiment when no aspect of their
setup differs (`setup.setup_differences`; the host aside, since a reproduction may run on
another machine).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from bench.record.analysis import RunAnalysis
from bench.record.setup import SetupDifference, setup_differences
from bench.record.stats import Estimate, estimate

SampleKey = tuple[str, int]  # (task, repeat)


@dataclass(frozen=True)
class ModelReproduction:
    """One model of run A run again in B."""

    tag: str
    name: str
    tasks: int  # tasks with a sample both runs measured
    original: Estimate | None  # A's mean over the shared samples, with its interval
    new_pts: float | None  # B's mean over the same samples

    @property
    def within(self) -> bool:
        """B's mean lies within A's interval (no interval: equals A's mean)."""
        if self.original is None or self.new_pts is None:
            return False
        if self.original.interval is None:
            return abs(self.new_pts - self.original.point) < 1e-9
        return self.original.interval.contains(self.new_pts)


@dataclass(frozen=True)
class Reproduction:
    original_run: str
    new_run: str
    models: tuple[ModelReproduction, ...]
    differences: tuple[SetupDifference, ...]  # the host's among them, which does not count

    @property
    def setup_differs(self) -> tuple[SetupDifference, ...]:
        return tuple(d for d in self.differences if d.aspect != "host")

    @property
    def reproduced(self) -> bool:
        """Every model of A measured again within A's interval, under the same setup."""
        return bool(self.models) and all(m.within for m in self.models) and not self.setup_differs


def reproduction(original: RunAnalysis, new: RunAnalysis) -> Reproduction:
    """Run `new` judged as a reproduction of `original`."""
    again = {d.tag: d for d in new.direct}
    models = []
    for d in original.direct:
        if d.tag not in again:
            models.append(ModelReproduction(d.tag, d.name, 0, None, None))
            continue
        a = {(o.task, o.repeat): o.score for o in d.observations}
        b = {(o.task, o.repeat): o.score for o in again[d.tag].observations}
        shared = a.keys() & b.keys()
        means_a, means_b = _task_means(a, shared), _task_means(b, shared)
        models.append(
            ModelReproduction(
                d.tag,
                d.name,
                len(means_a),
                estimate(list(means_a.values()), "task") if means_a else None,
                statistics.fmean(means_b.values()) if means_b else None,
            )
        )
    differences = setup_differences(original.record, new.record)
    return Reproduction(original.record.run_id, new.record.run_id, tuple(models), differences)


def _task_means(scores: Mapping[SampleKey, float], keys: set[SampleKey]) -> dict[str, float]:
    """Each task's mean over its repeats among `keys`, in task order."""
    by_task: dict[str, list[float]] = defaultdict(list)
    for key in sorted(keys):
        by_task[key[0]].append(scores[key])
    return {task: statistics.fmean(values) for task, values in by_task.items()}
