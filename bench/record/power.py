"""How many tasks and repeats tell a difference, and when repeats may stop: the one module.

Power. A paired comparison's interval is taken over per-task mean differences (`stats.paired`),
so what sets its width is the spread of one task's mean difference over `repeats` repeats:

    sd(task mean) = sqrt(between_sd**2 + within_sd**2 / repeats)

where `between_sd` is the spread of the true per-task differences and `within_sd` that of one
repeat around its task's own mean (Miller 2024, "Adding Error Bars to Evals": clustered
errors). Power is that of the two-sided paired t test over tasks (the noncentral t, as
`statsmodels.stats.power.TTestPower` computes it); the smallest detectable difference is the
one that test finds with `POWER` at `LEVEL`.

Stopping. `repeats: auto` adds repeats while a comparison is undecided. Looking after every
repeat and stopping when an interval leaves out 0 would, with a fixed-sample interval, call
chance differences real far more often than 5%; so the stopping rule reads a group-sequential
design: at most `max_repeats` looks, one after each repeat, each with a two-sided boundary from
Lan & DeMets's O'Brien-Fleming-type alpha-spending function (equal information per repeat),
read as repeated confidence intervals (Jennison & Turnbull) over the same unit as the fixed
design's bootstrap: each task's mean difference, so that answers to one task, which are not
independent across repeats, count as one. Their intervals cover the mean difference at every
look at once with at least 95%, so the run may stop at any of them. Between-task spread of the
true differences makes successive looks more alike than the boundaries assume, which only
makes them conservative. With under `MIN_TASKS` tasks (or no spread between task means) the
normal theory over tasks is not trusted and the rule reads instead the predictable plug-in
empirical Bernstein confidence sequence of Waudby-Smith & Ramdas (2023, "Estimating means of
bounded random variables by betting", Theorem 2) over the paired differences one by one
(each -100..+100), valid at every stopping time without any model of their spread.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

from bench.record.stats import LEVEL, Interval, Observation, PairedComparison, paired

POWER = 0.8
MOST_REPEATS = 10  # the planner suggests no more repeats than this per task
MOST_TASKS = 100_000
RANGE_PTS = 200.0  # a paired difference lies in -100..+100
Settled = Literal["differs", "within", "undecided"]
Method = Literal["wsr-prpl-eb", "obf-rci"]
METHOD: Method = "obf-rci"  # what `repeats: auto` reads now (`AutoRepeats.method`)
VarianceSource = Literal["archive", "default"]


@dataclass(frozen=True)
class Variance:
    """The two spreads of a paired difference, in points: between the tasks' true differences
    and between the repeats of one task."""

    between_sd_pts: float
    within_sd_pts: float
    tasks: int = 0  # what they were measured on; 0 for the stated default
    repeats: int = 0  # the most repeats a task had
    source: VarianceSource = "archive"

    def task_sd_pts(self, repeats: int) -> float:
        """The spread of one task's mean difference over `repeats` repeats."""
        if repeats < 1:
            raise ValueError(f"repeats: expected 1 or more, found {repeats}")
        return math.sqrt(self.between_sd_pts**2 + self.within_sd_pts**2 / repeats)


# Two models that disagree on about a third of pass/fail tasks, and at sampling temperature
# answer a task differently every third repeat: used when the archive has nothing to go by.
DEFAULT_VARIANCE = Variance(between_sd_pts=35.0, within_sd_pts=30.0, source="default")


@dataclass(frozen=True)
class Plan:
    """Tasks and repeats that tell `difference_pts` with `power` at `level`."""

    difference_pts: float
    tasks: int
    repeats: int
    power: float
    level: float = LEVEL

    @property
    def samples(self) -> int:
        """Samples per candidate: tasks x repeats."""
        return self.tasks * self.repeats


def variance_components(diffs_by_task: Mapping[str, Sequence[float]]) -> Variance | None:
    """The between-task and within-task spreads of paired differences (one list of repeat
    differences per task), by the one-way random-effects analysis of variance (method of
    moments; the between part is 0 when the task means spread no more than repeats alone
    would make them). None with fewer than 2 tasks. Without any task asked twice, the
    within-task part cannot be told apart: all of the spread is counted between tasks."""
    groups = [list(d) for d in diffs_by_task.values() if d]
    if len(groups) < 2:
        return None
    repeated = [g for g in groups if len(g) > 1]
    df_within = sum(len(g) - 1 for g in repeated)
    within_var = (
        sum((x - statistics.fmean(g)) ** 2 for g in repeated for x in g) / df_within
        if df_within
        else 0.0
    )
    means = [statistics.fmean(g) for g in groups]
    mean_inverse_repeats = statistics.fmean(1 / len(g) for g in groups)
    between_var = max(0.0, statistics.variance(means) - within_var * mean_inverse_repeats)
    return Variance(
        math.sqrt(between_var),
        math.sqrt(within_var),
        tasks=len(groups),
        repeats=max(len(g) for g in groups),
    )


def pooled(variances: Sequence[Variance]) -> Variance | None:
    """Several comparisons' spreads as one: each variance averaged, weighted by tasks."""
    measured = [v for v in variances if v.tasks > 0]
    if not measured:
        return None
    weights = [v.tasks for v in measured]
    total = sum(weights)
    between = sum(w * v.between_sd_pts**2 for w, v in zip(weights, measured, strict=True))
    within = sum(w * v.within_sd_pts**2 for w, v in zip(weights, measured, strict=True))
    return Variance(
        math.sqrt(between / total),
        math.sqrt(within / total),
        tasks=total,
        repeats=max(v.repeats for v in measured),
    )


def paired_power(difference_pts: float, sd_pts: float, tasks: int, level: float = LEVEL) -> float:
    """The power of the two-sided paired t test over `tasks` task differences of spread
    `sd_pts` to find a true difference of `difference_pts` at `level`: as
    `TTestPower().power(difference / sd, tasks, 1 - level)` gives it."""
    _check(level, tasks)
    if sd_pts <= 0:
        return 1.0 if difference_pts != 0 else 1 - level
    special = _special()
    df = tasks - 1
    critical = float(special.stdtrit(df, 0.5 + 0.5 * level))
    shift = abs(difference_pts) / sd_pts * math.sqrt(tasks)
    upper = 1 - _tail(special.nctdtr(df, shift, critical))
    lower = _tail(special.nctdtr(df, shift, -critical))
    return min(1.0, upper + lower)


def tasks_needed(
    difference_pts: float, sd_pts: float, power: float = POWER, level: float = LEVEL
) -> int:
    """The fewest tasks (2 or more) whose paired t test finds `difference_pts` with `power`."""
    if difference_pts == 0:
        raise ValueError("difference_pts: expected a difference other than 0, found 0")
    if not 0 < power < 1:
        raise ValueError(f"power: expected between 0 and 1, found {power}")
    low, high = 2, 2
    while paired_power(difference_pts, sd_pts, high, level) < power:
        low, high = high, high * 2
        if high > MOST_TASKS:
            return MOST_TASKS
    while low < high:
        middle = (low + high) // 2
        if paired_power(difference_pts, sd_pts, middle, level) >= power:
            high = middle
        else:
            low = middle + 1
    return high


def detectable_pts(sd_pts: float, tasks: int, power: float = POWER, level: float = LEVEL) -> float:
    """The smallest difference the paired t test over `tasks` tasks of spread `sd_pts` finds
    with `power` at `level` (capped at the 200 points a difference can span)."""
    _check(level, tasks)
    if sd_pts <= 0:
        return 0.0
    low, high = 0.0, RANGE_PTS
    if paired_power(high, sd_pts, tasks, level) < power:
        return RANGE_PTS
    for _ in range(60):
        middle = (low + high) / 2
        if paired_power(middle, sd_pts, tasks, level) >= power:
            high = middle
        else:
            low = middle
    return high


def plan(
    variance: Variance,
    difference_pts: float,
    most_tasks: int | None = None,
    most_repeats: int = MOST_REPEATS,
    power: float = POWER,
    level: float = LEVEL,
) -> Plan | None:
    """The tasks and repeats that tell `difference_pts` in the fewest samples, no more than
    `most_tasks` (the suite's) tasks and `most_repeats` repeats; fewer repeats on a tie. None
    when no such design reaches `power`."""
    best: Plan | None = None
    for repeats in range(1, most_repeats + 1):
        tasks = tasks_needed(difference_pts, variance.task_sd_pts(repeats), power, level)
        if most_tasks is not None and tasks > most_tasks:
            continue
        reached = paired_power(difference_pts, variance.task_sd_pts(repeats), tasks, level)
        found = Plan(abs(difference_pts), tasks, repeats, reached, level)
        if best is None or found.samples < best.samples:
            best = found
    return best


def observed_detectable_pts(
    task_diffs: Sequence[float], power: float = POWER, level: float = LEVEL
) -> float | None:
    """The smallest difference a run's paired comparison could tell, from the spread of its
    per-task mean differences (or, of one task, its paired repeats); None under 2 values or
    when they are all the same."""
    if len(task_diffs) < 2:
        return None
    spread = statistics.stdev(task_diffs)
    if spread == 0:  # every difference the same: no spread to say what it could tell
        return None
    return detectable_pts(spread, len(task_diffs), power, level)


def observed_variance(pairs: Sequence[tuple[Observation, Observation]]) -> Variance | None:
    """`variance_components` of matched (a, b) observations."""
    by_task: dict[str, list[float]] = {}
    for a, b in pairs:
        by_task.setdefault(a.task, []).append(a.score - b.score)
    return variance_components(by_task)


TARGET_PTS = 5.0  # the difference a run that cannot tell it is told how to tell


@dataclass(frozen=True)
class Sensitivity:
    """What a paired comparison could tell: the smallest difference it finds with `POWER`,
    and, when that is more than `target_pts`, a design that would tell `target_pts`."""

    detectable_pts: float
    target_pts: float
    to_tell_target: Plan | None  # None: it tells the target already, or no spread to plan on


def sensitivity(c: PairedComparison, target_pts: float = TARGET_PTS) -> Sensitivity | None:
    """The smallest difference `c` could tell, from the spread of its per-task mean
    differences (one task: of its paired repeats), and the tasks and repeats that would tell
    `target_pts` from its between- and within-task spreads. None under 2 values."""
    groups = {task: diffs for task, diffs in c.by_task if diffs}
    values = (
        [statistics.fmean(d) for d in groups.values()]
        if len(groups) > 1
        else [x for d in groups.values() for x in d]
    )
    detectable = observed_detectable_pts(values)
    if detectable is None:
        return None
    variance = variance_components(groups)
    to_tell = (
        plan(variance, target_pts) if variance is not None and detectable > target_pts else None
    )
    return Sensitivity(detectable, target_pts, to_tell)


def confidence_sequence(diffs_pts: Sequence[float], level: float = LEVEL) -> Interval:
    """The anytime-valid interval of the mean of paired differences (each -100..+100) seen in
    this order: the running intersection of Waudby-Smith & Ramdas's predictable plug-in
    empirical Bernstein sequence (Theorem 2, c = 1/2). Before any value: -100..+100."""
    if not 0 < level < 1:
        raise ValueError(f"level: expected between 0 and 1, found {level}")
    alpha = 1 - level
    log_term = math.log(2 / alpha)
    low, high = -100.0, 100.0
    mean_hat, var_hat = 0.5, 0.25  # the running estimates before the first value
    total, total_x, total_sq = 0.0, 0.0, 0.0
    weighted, penalty = 0.0, 0.0
    for t, d in enumerate(diffs_pts, start=1):
        if not -100 <= d <= 100:
            raise ValueError(f"difference: expected -100 to +100 points, found {d}")
        x = (float(d) + 100) / RANGE_PTS
        lam = min(math.sqrt(2 * log_term / (var_hat * t * math.log(1 + t))), 0.5)
        penalty += 4 * (x - mean_hat) ** 2 * (-math.log(1 - lam) - lam) / 4
        weighted += lam * x
        total += lam
        total_x += x
        mean_hat = (0.5 + total_x) / (t + 1)
        total_sq += (x - mean_hat) ** 2
        var_hat = (0.25 + total_sq) / (t + 1)
        centre, half = weighted / total, (log_term + penalty) / total
        low = max(low, (centre - half) * RANGE_PTS - 100)
        high = min(high, (centre + half) * RANGE_PTS - 100)
    if low > high:  # the running intersection emptied: its estimate sits where the ends met
        low = high = (low + high) / 2
    return Interval(low, high, level)


# Group-sequential looks: one after each repeat, at most `max_repeats`

MIN_TASKS = 10  # fewer tasks than this: the normal theory over tasks is not trusted
_GRID = 401  # points over the continuation region in the boundaries' recursive integration


@cache
def obrien_fleming_bounds(looks: int, level: float = LEVEL) -> tuple[float, ...]:
    """The two-sided z boundaries of `looks` equally spaced looks that spend 1 - `level` by
    Lan & DeMets's O'Brien-Fleming-type spending function, alpha(t) = 2 - 2 Phi(z / sqrt(t))
    at information fraction t = k / looks: look k's boundary is the one the standardised
    statistic crosses, having crossed none before, with chance alpha(k/looks) - alpha((k-1)/looks)
    when there is no difference (Brownian motion, Cov(Z_j, Z_k) = sqrt(j / k)), by the
    recursive numerical integration of Armitage, McPherson & Rowe (1969)."""
    if looks < 1:
        raise ValueError(f"looks: expected 1 or more, found {looks}")
    if not 0 < level < 1:
        raise ValueError(f"level: expected between 0 and 1, found {level}")
    import numpy as np
    from scipy import optimize, stats  # type: ignore[import-untyped]  # scipy ships no types

    norm = stats.norm
    z = float(norm.ppf(0.5 + 0.5 * level))

    def spent(k: int) -> float:
        return float(2 - 2 * norm.cdf(z / math.sqrt(k / looks))) if k else 0.0

    bounds: list[float] = []
    # the density of S_k = Z_k sqrt(k) (information k) over the region no look has crossed
    grid = np.zeros(1)
    density = np.ones(1)  # S_0 = 0: a point mass, weight 1
    weights = np.ones(1)
    for k in range(1, looks + 1):
        target = spent(k) - spent(k - 1)
        mass = density * weights
        c = float(optimize.brentq(_crossed, 0.0, 40.0, args=(k, grid, mass, target), xtol=1e-10))
        bounds.append(c)
        edge = c * math.sqrt(k)
        new_grid = np.linspace(-edge, edge, _GRID)
        new_weights = np.full(_GRID, 1.0)  # Simpson's rule over the new grid
        new_weights[1:-1:2], new_weights[2:-1:2] = 4.0, 2.0
        new_weights *= (new_grid[1] - new_grid[0]) / 3
        kernel = norm.pdf(new_grid[:, None] - grid[None, :])
        density = kernel @ (density * weights)
        grid, weights = new_grid, new_weights
    return tuple(bounds)


def _crossed(c: float, k: int, grid: Any, mass: Any, target: float) -> float:
    """The chance of first crossing ±`c` at look `k` (S_k = S_(k-1) + N(0, 1)), from the
    density `mass` of S_(k-1) over `grid`, less `target`."""
    import numpy as np
    from scipy import stats

    edge = c * math.sqrt(k)
    tails = stats.norm.sf(edge - grid) + stats.norm.cdf(-edge - grid)
    return float(np.sum(mass * tails)) - target


def repeated_interval(
    pairs: Sequence[tuple[Observation, Observation]], max_repeats: int, level: float = LEVEL
) -> Interval | None:
    """The repeated confidence interval (Jennison & Turnbull 1989) of the mean over tasks of
    the paired differences, at the look after as many repeats as `pairs` hold of at most
    `max_repeats`: the mean of the per-task mean differences ± the look's O'Brien-Fleming
    boundary (on the t scale, tasks - 1 degrees of freedom) times its standard error over
    tasks. Every look's interval covers the true mean at once with `level`, so any stopping
    rule that reads them may stop where it likes. None under `MIN_TASKS` tasks, or when the
    task means do not spread (no standard error to go by)."""
    by_task: dict[str, list[float]] = {}
    for a, b in pairs:
        by_task.setdefault(a.task, []).append(a.score - b.score)
    if len(by_task) < MIN_TASKS:
        return None
    repeats = len({a.repeat for a, _ in pairs})
    if repeats > max_repeats:
        raise ValueError(f"repeats: expected at most max_repeats {max_repeats}, found {repeats}")
    means = [statistics.fmean(d) for d in by_task.values()]
    error = statistics.stdev(means) / math.sqrt(len(means))
    if error == 0:
        return None
    from scipy import stats

    z = obrien_fleming_bounds(max_repeats, level)[repeats - 1]
    t = float(stats.t.ppf(stats.norm.cdf(z), len(means) - 1))
    centre = statistics.fmean(means)
    return Interval(max(-100.0, centre - t * error), min(100.0, centre + t * error), level)


def sequential_interval(
    pairs: Sequence[tuple[Observation, Observation]], max_repeats: int, level: float = LEVEL
) -> Interval:
    """The interval `repeats: auto` reads after each repeat: the group-sequential repeated
    confidence interval over tasks (`repeated_interval`), or, with under `MIN_TASKS` tasks
    or no spread between their means, the empirical Bernstein confidence sequence over the
    paired differences one by one (`confidence_sequence`), which needs neither."""
    found = repeated_interval(pairs, max_repeats, level)
    return found if found is not None else confidence_sequence(stream(pairs), level)


def settled(sequence: Interval, within_pts: float) -> Settled:
    """What a comparison's confidence sequence says: `differs` when it leaves out 0, `within`
    when it lies inside ±`within_pts` (no difference that large), else `undecided`."""
    if sequence.excludes_zero():
        return "differs"
    if -within_pts < sequence.low and sequence.high < within_pts:
        return "within"
    return "undecided"


def sequential_verdict(
    pairs: Sequence[tuple[Observation, Observation]],
    within_pts: float,
    max_repeats: int,
    level: float = LEVEL,
) -> tuple[Settled, Interval]:
    """The stopping rule's reading of one comparison's matched (a, b) observations after a
    repeat of at most `max_repeats`: its interval valid at every look (`sequential_interval`),
    and what that says (`settled`)."""
    sequence = sequential_interval(pairs, max_repeats, level)
    return settled(sequence, within_pts), sequence


def sequential_paired(
    a: Sequence[Observation],
    b: Sequence[Observation],
    max_repeats: int,
    level: float = LEVEL,
    method: Method = METHOD,
) -> PairedComparison:
    """`stats.paired(a, b)` with the interval a run with `repeats: auto` (at most
    `max_repeats`) may show: the one its stopping rule read (`sequential_interval`), valid at
    the look it stopped at (the bootstrap's is not). The point stays the mean over tasks,
    inside the interval. A record made with the `wsr-prpl-eb` rule shows its sequence."""
    c = paired(a, b, level)
    if c.pairs == 0:
        return c
    by_key = {(o.task, o.repeat): o for o in b}
    matched = [(o, by_key[(o.task, o.repeat)]) for o in a if (o.task, o.repeat) in by_key]
    repeats = len({o.repeat for o, _ in matched})
    sequence = (
        sequential_interval(matched, max(max_repeats, repeats), level)
        if method == "obf-rci"
        else confidence_sequence(stream(matched), level)
    )
    point = c.estimate.point
    interval = Interval(min(sequence.low, point), max(sequence.high, point), level)
    return replace(c, estimate=replace(c.estimate, interval=interval, all_same=False))


def stream(pairs: Sequence[tuple[Observation, Observation]]) -> list[float]:
    """Matched (a, b) observations as the differences a sequence reads: repeat by repeat, task
    by task, an order fixed before any score is seen."""
    ordered = sorted(pairs, key=lambda p: (p[0].repeat, p[0].task))
    return [a.score - b.score for a, b in ordered]


def _check(level: float, tasks: int) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level: expected between 0 and 1, found {level}")
    if tasks < 2:
        raise ValueError(f"tasks: expected 2 or more for a paired t test, found {tasks}")


def _tail(p: Any) -> float:
    """A noncentral t tail; scipy gives NaN for one too small to hold (a shift of 20 or so)."""
    value = float(p)
    return 0.0 if math.isnan(value) else value


@cache
def _special() -> Any:
    from scipy import special

    return special
