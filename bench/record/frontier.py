"""Score against time: every direct model and every handoff pair as a point, and the frontier.

A point is a candidate's mean score (tasks as the unit, with its 95% interval) against its
median wall time per task: each task's samples give a median, and the point sits at the median
of those, with their middle half (with one task, the range of its samples) as its spread. The
**frontier** is the points no other point dominates: none scores at least as much in at most
as much time, and better on one of the two. Between it and a point off it, the distance at
equal time is how many points more the best candidate that took no longer scored.

Each handoff pair also has its **mixing line**: the straight line from its small model's point
to its large model's, which is what asking one or the other at random would give.

The figures work on plain data (`Candidate`: a name, a kind, a `ScoreSummary`, wall times per
task); `observed` is the one place that reads them from a run's samples.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bench.record.analysis import CascadeSummary, DirectSummary, RunAnalysis
from bench.record.stats import Estimate, ScoreSummary

Kind = Literal["direct", "handoff"]
WallsByTask = Mapping[str, Sequence[float]]  # task -> wall time of each of its samples, seconds


@dataclass(frozen=True)
class Candidate:
    key: str  # unique in a run: a direct model's tag, a pair's "small -> large" tags
    name: str  # as the page shows it
    kind: Kind
    summary: ScoreSummary
    walls_s: WallsByTask


@dataclass(frozen=True)
class WallSpread:
    """Median wall time per task, and its spread: the middle half of the per-task medians, or
    with one task the range of its samples."""

    median_s: float
    low_s: float
    high_s: float
    tasks: int

    @classmethod
    def of(cls, walls_s: WallsByTask) -> WallSpread | None:
        """None when no task has a timed sample."""
        timed = {task: list(walls) for task, walls in sorted(walls_s.items()) if walls}
        if not timed:
            return None
        medians = [statistics.median(walls) for walls in timed.values()]
        if len(timed) == 1:
            (only,) = timed.values()
            low, high = min(only), max(only)
        else:
            low, _, high = statistics.quantiles(medians, n=4, method="inclusive")
        return cls(statistics.median(medians), low, high, len(timed))


@dataclass(frozen=True)
class Point:
    key: str
    name: str
    kind: Kind
    score_pts: float  # mean score, tasks as the unit
    score_low_pts: float  # its 95% interval (within 0-100); the mean itself when there is none
    score_high_pts: float
    score: Estimate  # the mean score with its interval, or why it has none
    wall: WallSpread
    on_frontier: bool
    below_frontier_pts: float  # 0 on the frontier
    beaten_by: str | None  # key of the best point that took no longer, when this is off it

    @property
    def wall_s(self) -> float:
        return self.wall.median_s


@dataclass(frozen=True)
class MixLine:
    """A pair's small and large model: mixing them at random lands on the line between."""

    pair: str  # the handoff's key
    small: Point
    large: Point

    def score_at(self, wall_s: float) -> float | None:
        """The line's score at `wall_s`; None outside the span of the two models' times."""
        (t0, s0), (t1, s1) = sorted(
            ((p.wall_s, p.score_pts) for p in (self.small, self.large)), key=lambda ts: ts[0]
        )
        if not t0 <= wall_s <= t1:
            return None
        if t1 == t0:
            return max(s0, s1)
        return s0 + (s1 - s0) * (wall_s - t0) / (t1 - t0)


@dataclass(frozen=True)
class Frontier:
    points: tuple[Point, ...]  # in the candidates' order; a candidate with no timed sample has none
    mixes: tuple[MixLine, ...]

    @property
    def frontier(self) -> tuple[Point, ...]:
        """The points on the frontier, quickest first."""
        return tuple(sorted((p for p in self.points if p.on_frontier), key=_by_time))

    def point(self, key: str) -> Point | None:
        return next((p for p in self.points if p.key == key), None)


def frontier(candidates: Sequence[Candidate], pairs: Sequence[tuple[str, str, str]]) -> Frontier:
    """The points of `candidates` and the mixing line of each pair (handoff, small, large
    keys) whose three candidates have points."""
    placed = [(c, wall) for c in candidates if (wall := WallSpread.of(c.walls_s)) is not None]
    points = tuple(
        _point(c, wall, [(o.summary.mean_pts, w.median_s) for o, w in placed]) for c, wall in placed
    )
    beaten = {p.key: _best_within(points, p) for p in points}
    points = tuple(_placed(p, beaten[p.key]) for p in points)
    by_key = {p.key: p for p in points}
    mixes = tuple(
        MixLine(pair, by_key[small], by_key[large])
        for pair, small, large in pairs
        if pair in by_key and small in by_key and large in by_key
    )
    return Frontier(points, mixes)


def _point(c: Candidate, wall: WallSpread, others: list[tuple[float, float]]) -> Point:
    score, interval = c.summary.mean_pts, c.summary.interval
    t = wall.median_s
    dominated = any(s >= score and w <= t and (s > score or w < t) for s, w in others)
    return Point(
        key=c.key,
        name=c.name,
        kind=c.kind,
        score_pts=score,
        score_low_pts=score if interval is None else interval.low,
        score_high_pts=score if interval is None else interval.high,
        score=c.summary.estimate,
        wall=wall,
        on_frontier=not dominated,
        below_frontier_pts=0.0,
        beaten_by=None,
    )


def _best_within(points: Sequence[Point], p: Point) -> Point | None:
    """The best-scoring point on the frontier that took no longer than `p` (quickest on ties)."""
    within = [q for q in points if q.on_frontier and q.wall_s <= p.wall_s]
    return min(within, key=lambda q: (-q.score_pts, q.wall_s), default=None)


def _placed(p: Point, best: Point | None) -> Point:
    if p.on_frontier or best is None:
        return p
    return replace(p, below_frontier_pts=best.score_pts - p.score_pts, beaten_by=best.key)


def _by_time(p: Point) -> tuple[float, float]:
    return (p.wall_s, -p.score_pts)


def walls_by_task(who: DirectSummary | CascadeSummary) -> dict[str, list[float]]:
    """A candidate's wall times by task, from its measured samples: a direct answer's call wall
    (answered calls only, as the page's), a handoff's pipeline wall."""
    walls: dict[str, list[float]] = {}
    if isinstance(who, DirectSummary):
        for s in who.result.samples:
            if s.generation.error is None:
                walls.setdefault(s.task, []).append(s.generation.call_wall_s)
    else:
        for c in who.result.samples:
            walls.setdefault(c.task, []).append(c.pipeline_wall_s)
    return walls


def run_frontier(run: RunAnalysis) -> Frontier:
    """The run's direct models and handoff pairs, on score against time."""
    candidates = [_candidate(run, d, d.tag, "direct") for d in run.direct]
    candidates += [_candidate(run, c, _pair_key(c), "handoff") for c in run.cascades]
    pairs = [(_pair_key(c), c.small.tag, c.large.tag) for c in run.cascades]
    return frontier(candidates, pairs)


def _candidate(
    run: RunAnalysis, who: DirectSummary | CascadeSummary, key: str, kind: Kind
) -> Candidate:
    return Candidate(key, who.name, kind, who.summary, walls_by_task(who))


def _pair_key(pair: CascadeSummary) -> str:
    return pair.tags
