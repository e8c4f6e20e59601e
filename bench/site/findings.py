"""The six findings of a report, written from the data.

The seed report's sentences are the templates: the seed's data gives them word for word,
other data gives the sentence that fits it (a cascade that wins, several pairs, ties, spread).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.record.analysis import DirectSummary, RunAnalysis
from bench.site import findings_paired as paired
from bench.site import fmt


@dataclass(frozen=True)
class Finding:
    title: str
    text: str


def findings_for(run: RunAnalysis) -> list[Finding]:
    """The six findings. A run with error bars (several tasks or repeats) gives mean scores
    and paired intervals, and names a winner only when the interval leaves out 0
    (`findings_paired`); where it has nothing to pair, the one-sample sentence stands."""
    sure = run.error_bars
    return [
        Finding("Direct quality leader", (sure and paired.leader(run)) or _leader(run)),
        Finding("Speed frontier", (sure and paired.speed(run)) or _speed(run)),
        Finding("Scale payoff", (sure and paired.scale(run)) or _scale(run)),
        Finding("Cascade verdict", (sure and paired.verdict(run)) or _verdict(run)),
        Finding("Latency tax", _latency(run)),
        Finding("Small-model salvage", (sure and paired.salvage(run)) or _salvage(run)),
    ]


_NO_DIRECT = "No direct model finished in this run."
_NO_PAIRS = "This run has no handoff pairs, so there is no cascade to compare."


def _leader(run: RunAnalysis) -> str:
    best = run.best_direct
    if best is None:
        return _NO_DIRECT
    tied = [d for d in run.direct if d is not best and d.score.median == best.score.median]
    where = f"at {fmt.stat(best.call_wall_s, 'seconds')} of wall time"
    if tied:
        others = _join([d.name for d in tied])
        text = (
            f"{best.name} and {others} shared the lead with a score of "
            f"{fmt.score(best.score.median)} out of 100; {best.name} got there fastest, {where}."
        )
    else:
        text = (
            f"{best.name} led this run with a score of {fmt.stat(best.score)} out of 100, {where}."
        )
    runner_up = _runner_up(run, best)
    if runner_up is not None and not tied and best.score.overlaps(runner_up.score):
        text += (
            f" Across repeats its score range overlaps {runner_up.name}'s, "
            "so the lead is not clear."
        )
    return text


def _speed(run: RunAnalysis) -> str:
    fastest, best = run.fastest_direct, run.best_direct
    if fastest is None or best is None or fastest.call_wall_s is None:
        return "No direct model answered in this run, so there is no speed frontier."
    if (alone := paired.only_direct(run)) is not None:
        return alone
    gap = fastest.score.median - best.score.median
    wall = fmt.stat(fastest.call_wall_s, "seconds")
    return (
        f"{fastest.name} was the quickest direct model at {wall}."
        f" Its quality landed {fmt.signed_pts(gap)} against the top direct score."
    )


def _scale(run: RunAnalysis) -> str:
    ladder = _best_per_size(run)
    if len(ladder) < 2:
        return "Only one model size was measured, so this run says nothing about scaling."
    (low_b, low), (high_b, high) = ladder[0], ladder[-1]
    change = high.score.median - low.score.median
    text = (
        f"Across the direct ladder, quality moved from {fmt.score(low.score.median)} at "
        f"{fmt.size_label(low_b)} to {fmt.score(high.score.median)} at {fmt.size_label(high_b)}, "
        f"which is a {fmt.signed_number(change)} pt change."
    )
    peak_b, peak = max(ladder, key=lambda step: step[1].score.median)
    if peak.score.median > max(low.score.median, high.score.median):
        text += f" The peak was {fmt.score(peak.score.median)} at {fmt.size_label(peak_b)}."
    return text


def _verdict(run: RunAnalysis) -> str:
    if not run.cascades:
        return _NO_PAIRS
    winners = [c for c in run.cascades if c.quality_win]
    best = max(run.cascades, key=lambda c: c.delta_vs_large_pts)
    versus = f"{best.name} at {fmt.signed_pts(best.delta_vs_large_pts)} versus direct"
    n = len(run.cascades)
    if not winners:
        text = (
            f"No cascade beat its direct larger-model baseline in this run. "
            f"The closest result was {versus}."
        )
    elif len(winners) == 1:
        text = f"{best.name} beat its direct larger-model baseline in this run, at "
        text += f"{fmt.signed_pts(best.delta_vs_large_pts)} versus direct."
        if n > 1:
            text += f" It was the only one of {n} cascades to do so."
    else:
        text = (
            f"{len(winners)} of {n} cascades beat their direct larger-model baselines in this "
            f"run. The strongest was {versus}."
        )
    if best.score.overlaps(best.large.score):
        text += (
            " Across repeats the score ranges of that cascade and its direct baseline overlap, "
            "so the difference is not clear."
        )
    return text


def _latency(run: RunAnalysis) -> str:
    if not run.cascades:
        return _NO_PAIRS
    taxes = run.latency_taxes_s
    average = run.avg_latency_tax_s
    if average is None:
        return "No larger refiner answered directly, so the latency tax cannot be measured."
    if round(average, 1) >= 0:
        text = (
            f"The average cascade pipeline added {fmt.seconds(average)} over asking the larger "
            "refiner directly."
        )
    else:
        text = (
            f"The average cascade pipeline saved {fmt.seconds(-average)} versus asking the "
            "larger refiner directly."
        )
    worst = max(taxes)
    if round(worst, 1) >= 0:
        return f"{text} The worst penalty was {fmt.seconds(worst)}."
    return f"{text} Even the slowest pair saved {fmt.seconds(-worst)}."


def _salvage(run: RunAnalysis) -> str:
    if not run.cascades:
        return _NO_PAIRS
    best = max(run.cascades, key=lambda c: c.delta_vs_small_pts)
    gain = fmt.signed_pts(best.delta_vs_small_pts)
    if best.delta_vs_small_pts > 0:
        return (
            f"The biggest gain over the smaller model's own draft was {best.name} with {gain} "
            "relative to the smaller direct score."
        )
    return (
        "No cascade improved on the smaller model's own direct score; the best was "
        f"{best.name} at {gain} relative to the smaller direct score."
    )


def _best_per_size(run: RunAnalysis) -> list[tuple[float, DirectSummary]]:
    best: dict[float, DirectSummary] = {}
    for direct in run.direct:
        size = direct.model.params_b
        if size is not None and (size not in best or _better(direct, best[size])):
            best[size] = direct
    return sorted(best.items())


def _better(a: DirectSummary, b: DirectSummary) -> bool:
    return a.score.median > b.score.median


def _runner_up(run: RunAnalysis, best: DirectSummary) -> DirectSummary | None:
    others = [d for d in run.direct if d is not best]
    return max(others, key=lambda d: d.score.median, default=None)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
