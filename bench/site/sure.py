"""How sure a finding is: the paired figures behind a claim, in words.

A run of several tasks or repeats names a winner only when the paired 95% interval of the
difference leaves out 0 (`PairedComparison.winner`); otherwise it says the difference is not
clear, with the figures: "+3 pts (mean of 20 tasks, 95% CI -4 to +10 pts)". Every mean with
its interval, on every page and in the CLI, reads as `estimate` writes it. A run of one task
asked once has no error bars, and says so once (`NO_ERROR_BARS`).
"""

from __future__ import annotations

from collections.abc import Callable

from bench.record.analysis import RunAnalysis
from bench.record.power import sensitivity
from bench.record.stats import Estimate, PairedComparison, ScoreSummary
from bench.site import fmt

NO_ERROR_BARS = (
    "These figures come from one task asked once per model and pair, so they have no error "
    "bars: no difference between them can be told from chance."
)


_STOPPED = {
    "settled": "every paired comparison was settled",
    "cap": "the cap was reached with a comparison still undecided",
    "nothing-to-compare": "the run makes no paired comparison",
}


def auto_repeats_note(run: RunAnalysis) -> str | None:
    """`Repeats stopped by repeats: auto after 3 of at most 10: every paired comparison was
    settled. ...`; None for a run of fixed repeats."""
    auto = run.record.auto_repeats
    if auto is None:
        return None
    return (
        f"Repeats stopped by repeats: auto after {run.record.repeats} of at most "
        f"{auto.max_repeats}: {_STOPPED[auto.stopped]}. Its paired intervals are the ones the "
        "stopping rule read, valid at whichever repeat it stopped (see the methodology)."
    )


def error_bars_note(run: RunAnalysis) -> str | None:
    """The one plain sentence of a run whose figures have no error bars; None otherwise."""
    return None if run.error_bars else NO_ERROR_BARS


_UNITS = {
    "task": ("task", "tasks"),
    "sample": ("sample", "samples"),
    "pair": ("paired repeat", "paired repeats"),
}


def count(e: Estimate) -> str:
    """`20 tasks`, `1 sample`, `3 paired repeats`: what the mean is over."""
    one, many = _UNITS[e.unit]
    return f"{e.n} {one if e.n == 1 else many}"


def estimate(e: Estimate, render: Callable[[float], str] = fmt.score, unit: str = "") -> str:
    """How every mean with its interval reads, the statistic named:
    `62.5 (mean of 20 tasks, 95% CI 51 to 74)`, `+3 pts (mean of 20 tasks, 95% CI -4 to +10
    pts)`; without one, why: `100 (the same on all 3 samples)`, `70 (2 samples: too few for an
    interval)`.
    """
    return f"{render(e.point)}{unit} ({interval(e, render, unit)})"


def interval(e: Estimate, render: Callable[[float], str] = fmt.score, unit: str = "") -> str:
    """The part in brackets of `estimate`: the statistic and its interval, or why none."""
    if e.interval is not None:
        low, high = render(e.interval.low), render(e.interval.high)
        return f"mean of {count(e)}, {fmt.number(100 * e.level)}% CI {low} to {high}{unit}"
    if e.all_same:
        return (
            f"the same on both {_UNITS[e.unit][1]}" if e.n == 2 else f"the same on all {count(e)}"
        )
    if e.n == 0:
        return f"no {_UNITS[e.unit][1]} to compare"
    return f"{count(e)}: too few for an interval"


def difference(c: PairedComparison) -> str:
    """`+3 pts (mean of 20 tasks, 95% CI -4 to +10 pts)`: a paired difference, as `estimate`."""
    return estimate(c.estimate, fmt.signed_number, " pts")


def can_tell(c: PairedComparison, lead: str = "this run can tell ") -> str | None:
    """`this run can tell ±12 pts; about 60 tasks × 2 repeats would tell ±5`: the smallest
    difference the comparison finds with 80% power, and, when more than 5 points, what would
    tell 5 (`bench.record.power.sensitivity`). None under 2 tasks or paired repeats."""
    found = sensitivity(c)
    if found is None:
        return None
    text = f"{lead}±{fmt.number(found.detectable_pts, 0)} pts"
    design = found.to_tell_target
    if design is not None:
        repeats = f"{design.repeats} repeat{'s' if design.repeats != 1 else ''}"
        text += (
            f"; about {design.tasks} tasks × {repeats} would tell "
            f"±{fmt.number(found.target_pts, 0)}"
        )
    return text


def unclear_note(c: PairedComparison) -> str:
    """`; this run can tell ±12 pts; ...` after a difference that is not clear; else ``."""
    if c.clear():
        return ""
    told = can_tell(c)
    return f"; {told}" if told else ""


def clarity(c: PairedComparison) -> str:
    """`clear` or `not clear`, as the interval says."""
    return "clear" if c.clear() else "not clear"


def wins(c: PairedComparison) -> str:
    """`9 wins, 2 losses, 9 ties; McNemar p = 0.065`."""
    p = "" if c.mcnemar_p is None else f"; McNemar p = {c.mcnemar_p:.3g}"
    return f"{c.wins} wins, {c.losses} losses, {c.ties} ties{p}"


def pass_rate(summary: ScoreSummary) -> str:
    """`45% (95% CI 31% to 60%)`: the share of samples that passed every check, Wilson's."""
    i = summary.pass_interval
    return (
        f"{fmt.percent(summary.pass_rate)} (95% CI {fmt.percent(i.low)} to {fmt.percent(i.high)})"
    )


def pass_at_k(summary: ScoreSummary) -> str:
    """`pass@1 45%, pass@2 60%`: for k up to the repeats (Chen et al.'s unbiased estimator)."""
    return ", ".join(f"pass@{k} {fmt.percent(v)}" for k, v in summary.pass_at_k.items())


def mean_score(summary: ScoreSummary) -> str:
    """`62.5 (mean of 20 tasks, 95% CI 51 to 74)`: a mean score, as `estimate`."""
    return estimate(summary.estimate)
