"""The findings of a run with error bars (several tasks or repeats): the six templates, with
mean scores and paired intervals, naming a winner only when the interval leaves out 0.

`bench.site.findings` picks these for such a run; the wording follows its templates.
"""

from __future__ import annotations

from bench.record.analysis import CascadeSummary, DirectSummary, RunAnalysis
from bench.record.suite import versus
from bench.site import fmt
from bench.site.sure import difference, mean_score, unclear_note


def leader(run: RunAnalysis) -> str | None:
    best = run.best_direct
    if best is None:
        return None
    text = (
        f"{best.name} led this run with a score of {mean_score(best.summary)} out of 100, "
        f"at {fmt.stat(best.call_wall_s, 'seconds')} of wall time."
    )
    others = [d for d in run.direct if d is not best]
    runner_up = max(others, key=lambda d: d.summary.mean_pts, default=None)
    if runner_up is not None:
        c = versus(best, runner_up)
        sure = "clear" if c.winner() == "a" else "not clear"
        text += f" Its lead over {runner_up.name} is {sure}: {difference(c)}{unclear_note(c)}."
    return text


def only_direct(run: RunAnalysis) -> str | None:
    """The speed finding of a run with one timed direct model: there is nothing to be quicker
    than, so it is not called the quickest (nor the best)."""
    timed = [d for d in run.direct if d.call_wall_s is not None]
    if len(timed) != 1:
        return None
    [only] = timed
    wall = fmt.stat(only.call_wall_s, "seconds")
    return (
        f"{only.name} was the only direct model, at {wall}, so there is no speed frontier:"
        " no other model to be quicker or better than."
    )


def speed(run: RunAnalysis) -> str | None:
    fastest, best = run.fastest_direct, run.best_direct
    if fastest is None or best is None or fastest.call_wall_s is None:
        return None
    if (alone := only_direct(run)) is not None:
        return alone
    wall = fmt.stat(fastest.call_wall_s, "seconds")
    text = f"{fastest.name} was the quickest direct model at {wall}."
    if fastest is best:
        return text + " It also had the top direct score."
    c = versus(fastest, best)
    sure = "a clear" if c.clear() else "not a clear"
    return text + (
        f" Its quality landed {difference(c)} against the top direct score, {sure} difference"
        f"{unclear_note(c)}."
    )


def scale(run: RunAnalysis) -> str | None:
    ladder = _best_per_size(run)
    if len(ladder) < 2:
        return None
    (low_b, low), (high_b, high) = ladder[0], ladder[-1]
    c = versus(high, low)
    sure = "a clear" if c.clear() else "not a clear"
    return (
        f"Across the direct ladder, mean quality moved from {fmt.score(low.summary.mean_pts)} at "
        f"{fmt.size_label(low_b)} to {fmt.score(high.summary.mean_pts)} at "
        f"{fmt.size_label(high_b)}: {difference(c)}, {sure} change{unclear_note(c)}."
    )


def verdict(run: RunAnalysis) -> str | None:
    if not run.cascades:
        return None
    winners = [c for c in run.cascades if c.versus_large.winner() == "a"]
    best = max(run.cascades, key=lambda c: c.versus_large.mean_diff_pts)
    versus_direct = f"{difference(best.versus_large)} versus direct"
    n = len(run.cascades)
    if not winners:
        return (
            "No cascade clearly beat its direct larger-model baseline in this run. "
            f"The closest result was {best.name} at {versus_direct}"
            f"{unclear_note(best.versus_large)}."
        )
    strongest = max(winners, key=lambda c: c.versus_large.mean_diff_pts)
    if len(winners) == 1:
        text = (
            f"{strongest.name} clearly beat its direct larger-model baseline in this run, at "
            f"{difference(strongest.versus_large)} versus direct."
        )
        return text + (f" It was the only one of {n} cascades to do so." if n > 1 else "")
    return (
        f"{len(winners)} of {n} cascades clearly beat their direct larger-model baselines in "
        f"this run. The strongest was {strongest.name} at "
        f"{difference(strongest.versus_large)} versus direct."
    )


def salvage(run: RunAnalysis) -> str | None:
    if not run.cascades:
        return None
    best: CascadeSummary = max(run.cascades, key=lambda c: c.versus_small.mean_diff_pts)
    gain = difference(best.versus_small)
    if best.versus_small.winner() == "a":
        return (
            f"The biggest gain over the smaller model's own draft was {best.name} with {gain} "
            "relative to the smaller direct score, a clear gain."
        )
    return (
        "No cascade clearly improved on the smaller model's own direct score; the best was "
        f"{best.name} at {gain} relative to the smaller direct score"
        f"{unclear_note(best.versus_small)}."
    )


def _best_per_size(run: RunAnalysis) -> list[tuple[float, DirectSummary]]:
    best: dict[float, DirectSummary] = {}
    for direct in run.direct:
        size = direct.model.params_b
        if size is not None and (
            size not in best or direct.summary.mean_pts > best[size].summary.mean_pts
        ):
            best[size] = direct
    return sorted(best.items())
