"""How sure a finding is: the paired figures behind a claim, in words.

A run of several tasks or repeats names a winner only when the paired 95% interval of the
difference leaves out 0 (`PairedComparison.winner`); otherwise it says the difference is not
clear, with the figures: "+3 pts, 95% CI −4 to +10 over 20 tasks". A run of one task asked once
has no error bars, and says so once (`NO_ERROR_BARS`).
"""

from __future__ import annotations

from bench.record.analysis import RunAnalysis
from bench.record.stats import PairedComparison, ScoreSummary
from bench.site import fmt

NO_ERROR_BARS = (
    "These figures come from one task asked once per model and pair, so they have no error "
    "bars: no difference between them can be told from chance."
)


def error_bars_note(run: RunAnalysis) -> str | None:
    """The one plain sentence of a run whose figures have no error bars; None otherwise."""
    return None if run.error_bars else NO_ERROR_BARS


def over(c: PairedComparison) -> str:
    """`20 tasks`, or `3 paired repeats` for one task."""
    if c.tasks > 1:
        return f"{c.tasks} tasks"
    return f"{c.pairs} paired repeat{'s' if c.pairs != 1 else ''}"


def difference(c: PairedComparison) -> str:
    """`+3 pts, 95% CI -4 to +10 pts over 20 tasks`; without an interval when too few pairs."""
    if c.interval is None:
        return f"{fmt.signed_pts(c.mean_diff_pts)} on {over(c)}, too few for an interval"
    low, high = fmt.signed_number(c.interval.low), fmt.signed_pts(c.interval.high)
    return f"{fmt.signed_pts(c.mean_diff_pts)}, 95% CI {low} to {high} over {over(c)}"


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
    """`62.5 (95% CI 51.0 to 74.0)`: a mean score with its interval, clamped to 0-100."""
    if summary.interval is None:
        return fmt.score(summary.mean_pts)
    low, high = max(0.0, summary.interval.low), min(100.0, summary.interval.high)
    return f"{fmt.score(summary.mean_pts)} (95% CI {fmt.score(low)} to {fmt.score(high)})"
