"""What changed from run A to run B: the data `bench compare` and the site show.

Per direct model: score and call wall in A and in B, and the change; per handoff pair: score
and pipeline wall, likewise; and every check that flipped between passed and failed, per model
or pair; and, where both runs measured the same (task, repeat) samples, the paired change
in score and wall time with its interval (`bench.record.history`). Every figure is
`RunAnalysis`'s, the one the run pages show. A check counts as failed for a candidate when any
of its samples failed it (as in the failure hotspots), as passed when every sample that ran it
passed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bench.record.analysis import Outcomes, RunAnalysis, Stat
from bench.record.history import PairedChange, paired_changes
from bench.record.schema import CheckOutcome
from bench.record.setup import SetupDifference, difference_text, setup_differences
from bench.record.stats import Estimate


@dataclass(frozen=True)
class Change:
    """One model or pair in run A and in run B; None where a run does not have it."""

    key: str  # the model's tag, or the pair's `small -> large` tags: what matches A with B
    name: str  # its display name (run B's, when B has it)
    score_a: Estimate | None  # the mean score over tasks with its interval, as the run page's
    score_b: Estimate | None
    wall_a_s: Stat | None
    wall_b_s: Stat | None

    @property
    def score_delta_pts(self) -> float | None:
        """B's mean score minus A's (not paired: `Comparison.paired` pairs the samples)."""
        if self.score_a is None or self.score_b is None:
            return None
        return self.score_b.point - self.score_a.point

    @property
    def wall_delta_s(self) -> float | None:
        return _delta(self.wall_a_s, self.wall_b_s)


@dataclass(frozen=True)
class Flip:
    """A check whose outcome for one model or pair went from passed to failed, or back."""

    candidate: str
    check: str
    before: CheckOutcome
    after: CheckOutcome


@dataclass(frozen=True)
class Comparison:
    a: RunAnalysis
    b: RunAnalysis
    models: tuple[Change, ...]
    pairs: tuple[Change, ...]
    flips: tuple[Flip, ...]
    paired: tuple[PairedChange, ...] = ()  # the candidates both runs measured, sample by sample

    @property
    def reproduces(self) -> bool:
        """Run B was made by `bench reproduce` of run A."""
        setup = self.b.record.setup
        return setup is not None and setup.reproduces == self.a.record.run_id

    @property
    def setup_differences(self) -> tuple[SetupDifference, ...]:
        """Where the two runs' setups differ (model digest, template, context, ...)."""
        return setup_differences(self.a.record, self.b.record)

    @property
    def warnings(self) -> tuple[str, ...]:
        ra, rb = self.a.record, self.b.record
        found = []
        differences = self.setup_differences
        if any(d.aspect != "host" for d in differences):
            found.append(
                "The runs' setups differ, so a change in score may be the setup's, not the "
                "model's: " + "; ".join(difference_text(d) for d in differences) + "."
            )
        if ra.benchmark_id != rb.benchmark_id:
            found.append(
                f"The runs are of different benchmarks ({ra.benchmark_id}, {rb.benchmark_id})."
            )
        if ra.task_ids != rb.task_ids:
            found.append(
                f"The runs asked for different tasks ({_tasks(ra.task_ids)}; "
                f"{_tasks(rb.task_ids)}): only the tasks both asked are paired."
            )
        if ra.methodology_version != rb.methodology_version:
            found.append(
                f"The runs used different methodology versions (v{ra.methodology_version}, "
                f"v{rb.methodology_version}): their figures may not be comparable."
            )
        return tuple(found)


def compare_runs(a: RunAnalysis, b: RunAnalysis) -> Comparison:
    models_a = {d.tag: d for d in a.direct}
    models_b = {d.tag: d for d in b.direct}
    pairs_a = {c.tags: c for c in a.cascades}
    pairs_b = {c.tags: c for c in b.cascades}
    names = {d.tag: d.name for d in (*a.direct, *b.direct)}
    names |= {c.tags: c.name for c in (*a.cascades, *b.cascades)}
    models = tuple(
        Change(
            tag,
            names[tag],
            models_a[tag].summary.estimate if tag in models_a else None,
            models_b[tag].summary.estimate if tag in models_b else None,
            models_a[tag].call_wall_s if tag in models_a else None,
            models_b[tag].call_wall_s if tag in models_b else None,
        )
        for tag in _union(models_a, models_b)
    )
    pairs = tuple(
        Change(
            tags,
            names[tags],
            pairs_a[tags].summary.estimate if tags in pairs_a else None,
            pairs_b[tags].summary.estimate if tags in pairs_b else None,
            pairs_a[tags].pipeline_wall_s if tags in pairs_a else None,
            pairs_b[tags].pipeline_wall_s if tags in pairs_b else None,
        )
        for tags in _union(pairs_a, pairs_b)
    )
    outcomes_a = {d.tag: d.outcomes for d in a.direct} | {c.tags: c.outcomes for c in a.cascades}
    outcomes_b = {d.tag: d.outcomes for d in b.direct} | {c.tags: c.outcomes for c in b.cascades}
    flips = tuple(
        flip
        for name in _union(outcomes_a, outcomes_b)
        if name in outcomes_a and name in outcomes_b
        for flip in _flips(names[name], outcomes_a[name], outcomes_b[name])
    )
    return Comparison(a, b, models, pairs, flips, paired_changes(a, b))


def _tasks(ids: tuple[str, ...], most: int = 3) -> str:
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown} and {len(ids) - most} more"


def _union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """Keys of A in A's order, then the ones only B has, in B's order."""
    return list(dict.fromkeys([*a, *b]))


def _delta(a: Stat | None, b: Stat | None) -> float | None:
    return None if a is None or b is None else b.median - a.median


def _flips(candidate: str, a: Outcomes, b: Outcomes) -> list[Flip]:
    before, after = a.check_states, b.check_states
    return [
        Flip(candidate, name, before[name], after[name])
        for name in b.check_order
        if name in before and name in after and before[name] is not after[name]
    ]
