"""Figures that tell a real difference from noise: intervals, pass@k and paired comparisons.

One module for the page, the index, trends, compare, the runner's summary and the tests. It
works on plain `Observation`s (a task, a repeat, a score, passed or not), not on the record
classes, so a record that holds one task per run and one that holds many feed it alike.

Tasks are the unit: repeats of one task are not independent draws (their errors cluster by
task), so they are averaged within the task first and intervals are taken over task means.

One interval method for every mean on every page (`estimate`): the percentile bootstrap of
the mean, seeded, as `scipy.stats.bootstrap(method="percentile")` computes it. Its ends are
means of resampled values, so a score's interval stays within 0-100 and a paired difference's
within -100..+100 (a t interval of a few bounded values reaches far past both), and it is the
interval of the mean the page shows as the point. Under `MIN_UNITS` values, or when every
value is the same, there is no interval: the page says so rather than print a zero-width or
a two-point one. Wilson's interval is kept for pass rates; the tests compare with scipy.stats.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

LEVEL = 0.95
MIN_UNITS = 3  # fewer values than this give no interval: too few to say anything
RESAMPLES = 1999  # Efron & Tibshirani: 1,000-2,000 for a percentile interval
EXACT_UP_TO = 32  # values resampled one by one, as scipy does, up to this many; then by counts
BY_COUNTS_UP_TO = 64  # distinct values drawn by counts; more (wall times) go one by one again
SEED = 22  # the bootstrap's seed: the same archive gives the same pages
Key = tuple[str, int]  # (task, repeat): what pairs two observations
Side = Literal["a", "b"]
Unit = Literal["task", "sample", "pair"]  # what an estimate's values are


@dataclass(frozen=True)
class Observation:
    """One sample: the task it answered, which repeat, its score and whether every check passed."""

    task: str
    repeat: int  # 0-based
    score: float  # 0-100 points
    passed: bool

    def __post_init__(self) -> None:
        if self.repeat < 0:
            raise ValueError(f"repeat: expected 0 or more, found {self.repeat}")
        if not 0 <= self.score <= 100:  # also refuses NaN
            raise ValueError(f"score: expected 0 to 100 points, found {self.score}")


@dataclass(frozen=True)
class Interval:
    """A confidence interval [low, high] at `level`."""

    low: float
    high: float
    level: float = LEVEL

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high


@dataclass(frozen=True)
class Estimate:
    """The mean of some values with its percentile-bootstrap interval, or why it has none.

    `interval` is None when there are fewer than `MIN_UNITS` values (`too_few`) or when they
    are all the same (`all_same`, which a zero-width interval would show as certainty)."""

    point: float  # the mean; 0.0 of no values
    n: int  # values the mean is over
    unit: Unit
    interval: Interval | None
    all_same: bool = False  # two or more values, every one equal to `point`
    level: float = LEVEL

    @property
    def too_few(self) -> bool:
        return self.interval is None and not self.all_same

    def excludes_zero(self) -> bool:
        """The values tell their mean from 0: the interval leaves 0 out, or, with no interval
        because they are all the same non-zero value, there are enough of them for the exact
        sign test (all n on one side: p = 2 / 2^n) to leave 0 out at `level`."""
        if self.interval is not None:
            return self.interval.excludes_zero()
        return self.all_same and self.point != 0 and 2 * 0.5**self.n < 1 - self.level


@dataclass(frozen=True)
class ScoreSummary:
    """A direct model's or a pair's score and pass figures over its observations."""

    estimate: Estimate  # mean of task means (every task weighs the same); one task: its samples
    tasks: int
    repeats: int  # the most samples any task has
    n: int  # samples, as counted (tasks × repeats when every task has them all)
    pass_rate: float  # share of samples that passed every check
    pass_interval: Interval  # Wilson, over samples
    pass_at_k: dict[int, float]  # k = 1 .. the fewest samples any task has

    @property
    def mean_pts(self) -> float:
        return self.estimate.point

    @property
    def interval(self) -> Interval | None:
        """The 95% interval of `mean_pts`, within 0-100; None when too few or all the same."""
        return self.estimate.interval


@dataclass(frozen=True)
class PairedComparison:
    """Candidate a against candidate b on the same (task, repeat) pairs."""

    pairs: int  # matched (task, repeat) pairs; unmatched observations are left out
    tasks: int
    wins: int  # pairs where a scored higher than b
    losses: int
    ties: int
    estimate: Estimate  # a - b: mean within each task, then over tasks; one task: its pairs
    mcnemar_p: float | None  # exact McNemar on pass/fail; None with no pairs
    discordant: tuple[int, int]  # (a passed and b failed, b passed and a failed)
    # each task's a - b differences, repeat by repeat: what `bench.record.power` reads
    by_task: tuple[tuple[str, tuple[float, ...]], ...] = ()

    @property
    def mean_diff_pts(self) -> float:
        """a - b in points; 0.0 with no pairs."""
        return self.estimate.point

    @property
    def interval(self) -> Interval | None:
        """The 95% interval of `mean_diff_pts`, within -100..+100; None when too few pairs
        (or tasks) or every difference the same."""
        return self.estimate.interval

    def clear(self) -> bool:
        """True when the difference's estimate leaves out 0: a real difference."""
        return self.estimate.excludes_zero()

    def winner(self) -> Side | None:
        """The side that scored higher, only when the difference is clear."""
        if not self.clear():
            return None
        return "a" if self.mean_diff_pts > 0 else "b"


class DuplicateObservation(ValueError):
    """Two observations of one side share a (task, repeat): they cannot be paired or counted."""

    def __init__(self, key: Key, side: Side | None = None) -> None:
        where = f" in {side}" if side else ""
        super().__init__(f"duplicate observation{where}: task {key[0]!r}, repeat {key[1]}")
        self.key = key
        self.side = side


def has_error_bars(observations: Sequence[Observation]) -> bool:
    """False for one task and one repeat (or nothing): its figures have no error bars."""
    return len(_keyed(observations)) >= 2


def score_summary(observations: Sequence[Observation], level: float = LEVEL) -> ScoreSummary:
    """Mean score with its interval, pass rate with Wilson's, and pass@k, tasks as the unit.

    The interval is `estimate`'s over task means, each task's repeats averaged first. With one
    task there are no task means to spread, so it is taken over that task's samples: it speaks
    of that task alone.
    """
    _check_level(level)
    by_task = _by_task(_keyed(observations).values())
    if not by_task:
        raise ValueError("observations: expected at least one, found none")
    task_means = [statistics.mean(o.score for o in group) for group in by_task.values()]
    if len(by_task) == 1:
        (only,) = by_task.values()
        mean = estimate([o.score for o in only], "sample", level)
    else:
        mean = estimate(task_means, "task", level)
    n = sum(len(group) for group in by_task.values())
    passed = sum(o.passed for group in by_task.values() for o in group)
    counts = [(len(group), sum(o.passed for o in group)) for group in by_task.values()]
    fewest = min(samples for samples, _ in counts)
    return ScoreSummary(
        estimate=mean,
        tasks=len(by_task),
        repeats=max(samples for samples, _ in counts),
        n=n,
        pass_rate=passed / n,
        pass_interval=wilson(passed, n, level),
        pass_at_k={
            k: statistics.mean(pass_at_k(samples, c, k) for samples, c in counts)
            for k in range(1, fewest + 1)
        },
    )


def wilson(k: int, n: int, level: float = LEVEL) -> Interval:
    """The Wilson interval of a proportion: `k` of `n` (n > 0), e.g. passed of samples."""
    _check_level(level)
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"expected 0 <= k <= n and n > 0, found k={k}, n={n}")
    return _wilson(k, n, level)


# scipy.stats takes 2 s to import, which a build that adds one run would spend on a few
# quantiles: these are computed from scipy.special (0.4 s) as scipy.stats computes them, and
# tests/test_stats.py checks them against scipy.stats. A site build asks the same few (counts
# of samples, degrees of freedom) thousands of times: each answer is kept, a pure function's.
@cache
def _wilson(k: int, n: int, level: float) -> Interval:
    """`scipy.stats.binomtest(k, n).proportion_ci(level, method="wilson")`: Newcombe's
    formula, as `scipy.stats._binomtest._binom_wilson_conf_int` writes it."""
    z = float(_special().ndtri(0.5 + 0.5 * level))
    p = k / n
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z**2)
    return Interval(0.0 if k == 0 else center - delta, 1.0 if k == n else center + delta, level)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chance that at least one of k samples, drawn from n of which c passed, passes.

    The unbiased estimator of Chen et al. (2021, HumanEval): 1 - C(n-c, k) / C(n, k).
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k: expected 0 <= c <= n and 1 <= k <= n, found {n=}, {c=}, {k=}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def paired(
    a: Sequence[Observation], b: Sequence[Observation], level: float = LEVEL
) -> PairedComparison:
    """a against b on the (task, repeat) pairs both have: wins, the difference, McNemar's p.

    The interval is `estimate`'s over per-task mean differences; with one task it is taken
    over the pairs. McNemar's exact test is the two-sided binomial test of the discordant
    pairs at one half.
    """
    _check_level(level)
    keyed_a, keyed_b = _keyed(a, "a"), _keyed(b, "b")
    matched = [(keyed_a[key], keyed_b[key]) for key in sorted(keyed_a.keys() & keyed_b.keys())]
    diffs: dict[str, list[float]] = {}
    for x, y in matched:
        diffs.setdefault(x.task, []).append(x.score - y.score)
    task_diffs = [statistics.mean(d) for d in diffs.values()]
    if len(diffs) == 1:
        (only,) = diffs.values()
        difference = estimate(only, "pair", level)
    else:
        difference = estimate(task_diffs, "task", level)
    discordant = (
        sum(x.passed and not y.passed for x, y in matched),
        sum(y.passed and not x.passed for x, y in matched),
    )
    return PairedComparison(
        pairs=len(matched),
        tasks=len(diffs),
        wins=sum(x.score > y.score for x, y in matched),
        losses=sum(x.score < y.score for x, y in matched),
        ties=sum(x.score == y.score for x, y in matched),
        estimate=difference,
        mcnemar_p=_mcnemar_p(*discordant) if matched else None,
        discordant=discordant,
        by_task=tuple((task, tuple(d)) for task, d in diffs.items()),
    )


def estimate(values: Sequence[float], unit: Unit, level: float = LEVEL) -> Estimate:
    """The mean of `values` with its percentile-bootstrap interval at `level`: the one
    interval of a mean on every page, the CLI and the runner's summary.

    The ends are the `(1 - level) / 2` and `(1 + level) / 2` quantiles of the means of
    `RESAMPLES` resamples (with replacement, seeded with `SEED`), as
    `scipy.stats.bootstrap((values,), numpy.mean, method="percentile")` gives them with the
    same generator (over `EXACT_UP_TO` values, the resamples are drawn by counts: the same
    distribution, not the same draws). Without an interval under `MIN_UNITS` values or when
    all are equal."""
    _check_level(level)
    if not values:
        return Estimate(0.0, 0, unit, None, level=level)
    point = statistics.fmean(values)
    same = len(values) > 1 and all(v == values[0] for v in values)
    if same or len(values) < MIN_UNITS:
        return Estimate(values[0] if same else point, len(values), unit, None, same, level)
    low, high = _bootstrap(tuple(values), level)
    # The quantiles of resampled means can miss the mean by a rounding error: never more.
    interval = Interval(min(low, point), max(high, point), level)
    return Estimate(point, len(values), unit, interval, level=level)


@cache
def _bootstrap(values: tuple[float, ...], level: float) -> tuple[float, float]:
    """The percentile bootstrap's ends; a build asks the same few thousand times, so each
    answer is kept (a pure function's)."""
    np = _numpy()
    rng = np.random.default_rng(SEED)
    if len(values) <= EXACT_UP_TO or len(set(values)) > BY_COUNTS_UP_TO:
        means = _means_one_by_one(np, rng, values)
    else:
        means = _means_by_counts(np, rng, values)
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def _means_one_by_one(np: Any, rng: Any, values: tuple[float, ...]) -> Any:
    """The means of `RESAMPLES` resamples of `values`, drawn as scipy draws them, a block of
    rows at a time (the same draws as at once) so that memory stays small."""
    n = len(values)
    data = np.asarray(values, dtype=float)
    rows = max(1, (1 << 20) // n)
    means = [
        data[rng.integers(0, n, (min(rows, RESAMPLES - start), n))].mean(axis=-1)
        for start in range(0, RESAMPLES, rows)
    ]
    return np.concatenate(means)


def _means_by_counts(np: Any, rng: Any, values: tuple[float, ...]) -> Any:
    """The means of `RESAMPLES` resamples drawn as how many times each distinct value comes up
    (a multinomial, drawn value by value as binomials of what is left): the same distribution
    as drawing the values one by one, in time and memory that grow with the distinct values,
    not with RESAMPLES x n. A leaderboard row of 1,000 runs pools thousands of samples of a
    few distinct scores: one by one, that is 2 s and 160 MB; by counts, a millisecond."""
    levels, counts = np.unique(np.asarray(values, dtype=float), return_counts=True)
    n = len(values)
    left = np.full(RESAMPLES, n)
    share_left = 1.0
    total = np.zeros(RESAMPLES)
    for level, count in zip(levels[:-1], counts[:-1], strict=True):
        share = count / n
        drawn = rng.binomial(left, min(1.0, share / share_left))
        total += drawn * level
        left -= drawn
        share_left -= share
    return (total + left * levels[-1]) / n


@cache
def _mcnemar_p(a_only: int, b_only: int) -> float:
    """`scipy.stats.binomtest(a_only, a_only + b_only, 0.5).pvalue`: the exact two-sided
    test, which at p = 1/2 sums the two tails as far in as the smaller count."""
    n = a_only + b_only
    if 2 * a_only == n:
        return 1.0
    return min(1.0, 2 * float(_special().bdtr(min(a_only, b_only), n, 0.5)))


def _keyed(observations: Iterable[Observation], side: Side | None = None) -> dict[Key, Observation]:
    keyed: dict[Key, Observation] = {}
    for o in observations:
        key = (o.task, o.repeat)
        if key in keyed:
            raise DuplicateObservation(key, side)
        keyed[key] = o
    return keyed


def _by_task(observations: Iterable[Observation]) -> dict[str, list[Observation]]:
    """Observations grouped by task, tasks and repeats in order, so sums come out the same."""
    groups: dict[str, list[Observation]] = {}
    for o in sorted(observations, key=lambda o: (o.task, o.repeat)):
        groups.setdefault(o.task, []).append(o)
    return groups


@cache
def _numpy() -> Any:
    """numpy, imported when a figure is first computed."""
    import numpy

    return numpy


@cache
def _special() -> Any:
    """scipy.special, imported when first asked (0.4 s): a site build that reads every
    figure from its cache never asks."""
    from scipy import special  # type: ignore[import-untyped]  # scipy ships no type information

    return special


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level: expected a confidence level between 0 and 1, found {level}")
