"""What a planned run will compare, and what earlier runs measured of it: the spreads of each
paired difference and the wall time of each call. `bench plan` reads these; the power
arithmetic is `bench.record.power`'s.

A candidate is a direct model (its tag) or a handoff (its small and large tags). The
comparisons are the run page's (`bench.record.suite.paired_table`): each handoff against its
large model, and each direct model of known size against the first model of the next size up.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bench.record.analysis import RunAnalysis
from bench.record.power import Variance, observed_variance, pooled
from bench.record.stats import Observation

Candidate = str | tuple[str, str]  # a model's tag, or a handoff's (small, large) tags


@dataclass(frozen=True)
class PlannedComparison:
    a: Candidate
    b: Candidate


def planned_comparisons(
    models: Sequence[tuple[str, float | None]], pairs: Sequence[tuple[str, str]]
) -> list[PlannedComparison]:
    """`models` as (tag, size in billions or None), `pairs` as (small, large), in config order."""
    found = [PlannedComparison(pair, pair[1]) for pair in pairs]
    ladder = sorted(
        ((size, n, tag) for n, (tag, size) in enumerate(models) if size is not None),
    )
    for k, (size, _, tag) in enumerate(ladder):
        higher = next((t for s, _, t in ladder[k + 1 :] if s > size), None)
        if higher is not None:
            found.append(PlannedComparison(tag, higher))
    return found


def measured_variance(
    runs: Iterable[RunAnalysis], comparison: PlannedComparison
) -> Variance | None:
    """The spreads of this comparison's paired differences, pooled over the runs that made it."""
    found = []
    for run in runs:
        pairs = comparison_pairs(run, comparison)
        if pairs is not None and (variance := observed_variance(pairs)) is not None:
            found.append(variance)
    return pooled(found)


def benchmark_variance(runs: Iterable[RunAnalysis]) -> Variance | None:
    """The spreads of every paired comparison the runs made, pooled: for a comparison no
    earlier run made."""
    found = []
    for run in runs:
        models = [(d.tag, d.model.params_b) for d in run.direct]
        pairs = [(c.small.tag, c.large.tag) for c in run.cascades]
        for comparison in planned_comparisons(models, pairs):
            if (variance := measured_variance([run], comparison)) is not None:
                found.append(variance)
    return pooled(found)


def call_wall_s(runs: Iterable[RunAnalysis], tag: str) -> float | None:
    """The median wall time of a model's direct calls over the runs (None if none)."""
    walls = [
        s.generation.call_wall_s
        for run in runs
        for d in run.direct
        if d.tag == tag
        for s in d.result.samples
        if s.generation.error is None
    ]
    return statistics.median(walls) if walls else None


def refine_wall_s(runs: Iterable[RunAnalysis], pair: tuple[str, str]) -> float | None:
    """The median wall time of a handoff's refine calls over the runs (None if none)."""
    walls = [
        s.refine.call_wall_s
        for run in runs
        for c in run.cascades
        if (c.small.tag, c.large.tag) == pair
        for s in c.result.samples
        if s.refine is not None and s.refine.error is None
    ]
    return statistics.median(walls) if walls else None


def any_call_wall_s(runs: Iterable[RunAnalysis]) -> float | None:
    """The median wall time of every direct call the runs made: for a model none made."""
    walls = [
        s.generation.call_wall_s
        for run in runs
        for d in run.direct
        for s in d.result.samples
        if s.generation.error is None
    ]
    return statistics.median(walls) if walls else None


def comparison_pairs(
    run: RunAnalysis, comparison: PlannedComparison
) -> list[tuple[Observation, Observation]] | None:
    """The comparison's matched (a, b) observations in `run`; None when it lacks a side."""
    a, b = _observations(run, comparison.a), _observations(run, comparison.b)
    if a is None or b is None:
        return None
    return _matched(a, b)


def candidate_key(who: Candidate) -> str:
    """A tag, or `small -> large`: how a record names a candidate in words."""
    return who if isinstance(who, str) else f"{who[0]} -> {who[1]}"


def _observations(run: RunAnalysis, who: Candidate) -> tuple[Observation, ...] | None:
    if isinstance(who, str):
        return next((d.observations for d in run.direct if d.tag == who), None)
    return next(
        (c.observations for c in run.cascades if (c.small.tag, c.large.tag) == who),
        None,
    )


def _matched(
    a: Sequence[Observation], b: Sequence[Observation]
) -> list[tuple[Observation, Observation]]:
    by_key = {(o.task, o.repeat): o for o in b}
    return [(o, by_key[(o.task, o.repeat)]) for o in a if (o.task, o.repeat) in by_key]
