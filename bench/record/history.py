"""A run against the run before it: observations keyed by (task, repeat), paired changes in
score and wall time, and which changes are clear (their paired interval leaves out 0).

The figures are `bench.record.stats`'; the site's comparison pages, its regression marks and
`bench compare` all take them from here.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from bench.record.analysis import CascadeSummary, DirectSummary, RunAnalysis
from bench.record.schema import CascadeSample, RunRecord, Sample
from bench.record.stats import Estimate, Interval, Key, PairedComparison, estimate, paired

Direction = Literal["up", "down"]
_S = TypeVar("_S", Sample, CascadeSample)
Figure = Literal["score", "wall"]


def walls_s(summary: DirectSummary | CascadeSummary) -> dict[Key, float]:
    """Each measured sample's wall time (a direct call's, a handoff's pipeline), by key."""
    if isinstance(summary, DirectSummary):
        return {
            (s.task, s.repeat): s.generation.call_wall_s
            for s in summary.result.samples
            if s.generation.error is None
        }
    return {(s.task, s.repeat): s.pipeline_wall_s for s in summary.result.samples}


@dataclass(frozen=True)
class PairedWall:
    """Wall time of b minus a on the pairs both measured: mean of per-task means."""

    pairs: int
    estimate: Estimate  # over tasks; one task: over its pairs

    @property
    def mean_diff_s(self) -> float:
        return self.estimate.point

    @property
    def interval(self) -> Interval | None:
        """`stats.estimate`'s 95% interval; None when too few or every difference the same."""
        return self.estimate.interval

    def clear(self) -> bool:
        return self.estimate.excludes_zero()


def paired_walls(a: Mapping[Key, float], b: Mapping[Key, float]) -> PairedWall:
    """b - a per (task, repeat) both have; tasks are the unit, as in `stats.paired`."""
    keys = sorted(a.keys() & b.keys())
    by_task: dict[str, list[float]] = {}
    for key in keys:
        by_task.setdefault(key[0], []).append(b[key] - a[key])
    means = [statistics.mean(d) for d in by_task.values()]
    if len(by_task) == 1:
        return PairedWall(len(keys), estimate(next(iter(by_task.values())), "pair"))
    return PairedWall(len(keys), estimate(means, "task"))


@dataclass(frozen=True)
class PairedChange:
    """One model or pair in run A and run B, on the samples both measured."""

    key: str  # tag, or `small -> large` tags
    name: str
    score: PairedComparison  # B against A: mean_diff_pts is B - A
    wall: PairedWall  # B - A

    def clear_changes(self) -> tuple[tuple[Figure, Direction], ...]:
        found: list[tuple[Figure, Direction]] = []
        if self.score.clear():
            found.append(("score", "up" if self.score.mean_diff_pts > 0 else "down"))
        if self.wall.clear():
            found.append(("wall", "up" if self.wall.mean_diff_s > 0 else "down"))
        return tuple(found)


def paired_changes(a: RunAnalysis, b: RunAnalysis) -> tuple[PairedChange, ...]:
    """Per direct model, then per pair, that both runs measured: B against A, paired."""
    found = []
    for summaries_a, summaries_b in (
        ({d.tag: d for d in a.direct}, {d.tag: d for d in b.direct}),
        ({c.tags: c for c in a.cascades}, {c.tags: c for c in b.cascades}),
    ):
        for key, sb in summaries_b.items():
            sa = summaries_a.get(key)
            if sa is None:
                continue
            obs_a, obs_b = sa.observations, sb.observations
            found.append(
                PairedChange(
                    key,
                    sb.name,
                    paired(obs_b, obs_a),
                    paired_walls(walls_s(sa), walls_s(sb)),
                )
            )
    return tuple(found)


def previous_run(run: RunAnalysis, runs: Iterable[RunAnalysis]) -> RunAnalysis | None:
    """The run of the same benchmark just before `run`: on the same host if there is one,
    else on any host."""
    same_host, any_host = _previous(run, runs)
    return same_host or any_host


def previous_on_host(run: RunAnalysis, runs: Iterable[RunAnalysis]) -> RunAnalysis | None:
    return _previous(run, runs)[0]


def _previous(
    run: RunAnalysis, runs: Iterable[RunAnalysis]
) -> tuple[RunAnalysis | None, RunAnalysis | None]:
    r = run.record
    earlier = [
        x for x in runs if x.record.benchmark_id == r.benchmark_id and _order(x.record) < _order(r)
    ]
    latest = max(earlier, key=lambda x: _order(x.record), default=None)
    on_host = max(
        (x for x in earlier if x.record.host == r.host),
        key=lambda x: _order(x.record),
        default=None,
    )
    return on_host, latest


def _order(record: RunRecord) -> tuple[str, str]:
    return record.started_at.isoformat(), record.run_id


@dataclass(frozen=True)
class Mark:
    """A clear change of one model or pair against the previous run on the same host."""

    name: str
    figure: Figure
    direction: Direction
    diff: float  # points for a score, seconds for a wall time


def marks(changes: Sequence[PairedChange]) -> tuple[Mark, ...]:
    return tuple(
        Mark(
            c.name,
            figure,
            direction,
            c.score.mean_diff_pts if figure == "score" else c.wall.mean_diff_s,
        )
        for c in changes
        for figure, direction in c.clear_changes()
    )
