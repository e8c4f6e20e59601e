"""Figures that tell a real difference from noise: intervals, pass@k and paired comparisons.

One module for the page, the index, trends, compare, the runner's summary and the tests. It
works on plain `Observation`s (a task, a repeat, a score, passed or not), not on the record
classes, so a record that holds one task per run and one that holds many feed it alike.

Tasks are the unit: repeats of one task are not independent draws (their errors cluster by
task), so they are averaged within the task first and intervals are taken over task means.
The quantiles and tests come from `scipy.stats`; nothing here is hand-rolled where it has one.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

LEVEL = 0.95
Key = tuple[str, int]  # (task, repeat): what pairs two observations
Side = Literal["a", "b"]


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
class ScoreSummary:
    """A direct model's or a pair's score and pass figures over its observations."""

    mean_pts: float  # mean of task means: every task weighs the same
    interval: Interval | None  # t interval of `mean_pts`; None with one task and one sample
    tasks: int
    repeats: int  # the most samples any task has
    n: int  # samples, as counted (tasks × repeats when every task has them all)
    pass_rate: float  # share of samples that passed every check
    pass_interval: Interval  # Wilson, over samples
    pass_at_k: dict[int, float]  # k = 1 .. the fewest samples any task has


@dataclass(frozen=True)
class PairedComparison:
    """Candidate a against candidate b on the same (task, repeat) pairs."""

    pairs: int  # matched (task, repeat) pairs; unmatched observations are left out
    tasks: int
    wins: int  # pairs where a scored higher than b
    losses: int
    ties: int
    mean_diff_pts: float  # a - b: mean within each task, then over tasks; 0.0 with no pairs
    interval: Interval | None  # paired t interval of `mean_diff_pts`; None with under 2 pairs
    mcnemar_p: float | None  # exact McNemar on pass/fail; None with no pairs
    discordant: tuple[int, int]  # (a passed and b failed, b passed and a failed)

    def clear(self) -> bool:
        """True when the interval of the difference leaves out 0: a real difference."""
        return self.interval is not None and self.interval.excludes_zero()

    def winner(self) -> Side | None:
        """The side that scored higher, only when the difference is clear."""
        if self.interval is None or not self.clear():
            return None
        return "a" if self.interval.low > 0 else "b"


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

    The interval is a t interval over task means (df = tasks - 1), each task's repeats averaged
    first. With one task and several repeats there are no task means to spread, so it falls back
    to a t interval over the repeats (df = repeats - 1): it speaks of that task alone.
    """
    _check_level(level)
    by_task = _by_task(_keyed(observations).values())
    if not by_task:
        raise ValueError("observations: expected at least one, found none")
    task_means = [statistics.mean(o.score for o in group) for group in by_task.values()]
    if len(by_task) == 1:
        (only,) = by_task.values()
        interval = _t_interval([o.score for o in only], level)
    else:
        interval = _t_interval(task_means, level)
    n = sum(len(group) for group in by_task.values())
    passed = sum(o.passed for group in by_task.values() for o in group)
    counts = [(len(group), sum(o.passed for o in group)) for group in by_task.values()]
    fewest = min(samples for samples, _ in counts)
    return ScoreSummary(
        mean_pts=statistics.mean(task_means),
        interval=interval,
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

    The interval is a paired t interval over per-task mean differences (df = tasks - 1); with
    one task it falls back to the pairs (df = pairs - 1), and with one pair there is none.
    McNemar's exact test is the two-sided binomial test of the discordant pairs at one half.
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
        interval = _t_interval(only, level)
    else:
        interval = _t_interval(task_diffs, level)
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
        mean_diff_pts=statistics.mean(task_diffs) if task_diffs else 0.0,
        interval=interval,
        mcnemar_p=_mcnemar_p(*discordant) if matched else None,
        discordant=discordant,
    )


def _t_interval(values: Sequence[float], level: float) -> Interval | None:
    """Student's t interval of the mean; zero width, not NaN, when every value is the same."""
    if len(values) < 2:
        return None
    mean = statistics.mean(values)
    quantile = _t_quantile(level, len(values) - 1)
    half = quantile * statistics.stdev(values, mean) / math.sqrt(len(values))
    return Interval(mean - half, mean + half, level)


@cache
def _t_quantile(level: float, df: int) -> float:
    """`scipy.stats.t.ppf((1 + level) / 2, df)`, which is this."""
    return float(_special().stdtrit(df, (1 + level) / 2))


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
def _median_rank(level: float, n: int) -> int:
    """`scipy.stats.binom.ppf((1 - level) / 2, n, 0.5)`, computed as scipy computes it, from
    scipy.special: a leaderboard needs only this, and scipy.special imports in 0.4 s where
    scipy.stats takes 2 s (tests/test_stats.py checks both agree)."""
    special = _special()
    q = (1 - level) / 2
    rank = max(math.ceil(special.bdtrik(q, n, 0.5)), 0)
    below = max(rank - 1, 0)
    return below if float(special.bdtr(below, n, 0.5)) >= q else int(rank)


@cache
def _special() -> Any:
    """scipy.special, imported when first asked (0.4 s): a site build that reads every
    figure from its cache never asks."""
    from scipy import special  # type: ignore[import-untyped]  # scipy ships no type information

    return special


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level: expected a confidence level between 0 and 1, found {level}")


def mean_interval(values: Sequence[float], level: float = LEVEL) -> Interval | None:
    """Student's t interval of the mean of `values`; None with fewer than two."""
    _check_level(level)
    return _t_interval(values, level)


def median_interval_least_n(level: float = LEVEL) -> int:
    """The fewest values `median_interval` gives an interval from (6 at 95%): the widest one,
    from the least to the greatest value, holds the median with chance 1 - 2 * 0.5**n. Plain
    arithmetic, so that a page can say it without importing scipy."""
    _check_level(level)
    n = 1
    while 0.5**n >= (1 - level) / 2:
        n += 1
    return n


def median_interval(values: Sequence[float], level: float = LEVEL) -> Interval | None:
    """A distribution-free interval of the median: order statistics from the binomial at one
    half; None when too few values give one at `level` (under six at 95%)."""
    _check_level(level)
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    rank = _median_rank(level, n)
    if rank < 1:
        return None
    return Interval(ordered[rank - 1], ordered[n - rank], level)
