"""The seventh finding, "Handoff verdict": what the refiner did with its drafts, where the
handoff sits against the frontier, and whether it pays against the large model alone.

It claims nothing its figures do not support: "on the frontier" is a fact of mean scores and
median times, and "pays" or "beats" needs the paired 95% interval against the large model to
leave out 0; otherwise the sentence says the difference is not clear and gives the figures.
"""

from __future__ import annotations

from bench.record.analysis import CascadeSummary, RunAnalysis
from bench.record.frontier import Frontier, Point, run_frontier
from bench.record.handoff import Transitions, draft_transitions
from bench.record.stats import PairedComparison, paired
from bench.site import fmt
from bench.site.findings import Finding
from bench.site.sure import interval

TITLE = "Handoff verdict"


def handoff_verdict(run: RunAnalysis) -> Finding | None:
    """None when no pair's samples hold their drafts' outcomes (a re-hosted record)."""
    judged = [(c, t) for c in run.cascades if (t := draft_transitions(c)) is not None]
    if not judged:
        return None
    figures = run_frontier(run)
    pair, drafts = max(judged, key=lambda ct: _rank(figures, ct[0]))
    who = (
        pair.name if len(judged) == 1 else f"Of {len(judged)} handoffs, the strongest, {pair.name}"
    )
    text = f"{who}: {_drafts(drafts)}"
    point = figures.point(pair.tags)
    if point is not None:
        text += f" {_frontier(point, figures)}"
    text += f" {_pays(pair, _against_large(run, pair))}"
    return Finding(TITLE, text)


def _rank(figures: Frontier, pair: CascadeSummary) -> tuple[float, float]:
    point = figures.point(pair.tags)
    return (-1.0, 0.0) if point is None else (point.score_pts, -point.wall_s)


def _drafts(t: Transitions) -> str:
    if t.failing_before == 0:
        return f"none of its {t.n} drafts failed, and the refiner broke {t.broke} of them."
    if t.passing_before == 0:
        return f"the refiner fixed {t.fixed} of {t.failing_before} drafts, all of them failing."
    return (
        f"the refiner fixed {t.fixed} of {t.failing_before} failing drafts and broke "
        f"{t.broke} of {t.passing_before} passing ones."
    )


def _frontier(point: Point, figures: Frontier) -> str:
    where = f"at {_pts(point.score_pts)} in {fmt.seconds(point.wall_s)}"
    best = None if point.beaten_by is None else figures.point(point.beaten_by)
    if best is None:  # on the frontier: only a point off it is beaten
        return f"On mean score and median time the handoff sits on the frontier, {where}."
    faster = f"{best.name} scored {_pts(best.score_pts)} in {fmt.seconds(best.wall_s)}"
    if point.below_frontier_pts > 0:
        gap = _pts(point.below_frontier_pts)
        return f"On mean score and median time it sits {gap} below the frontier, {where}: {faster}."
    return f"On mean score and median time it sits off the frontier, {where}: {faster}."


def _against_large(run: RunAnalysis, pair: CascadeSummary) -> PairedComparison:
    handoff, large = pair.observations, pair.large.observations
    return paired(handoff, large)


def _pays(pair: CascadeSummary, c: PairedComparison) -> str:
    large = pair.large.name
    if c.pairs == 0:
        return f"It shares no repeat with {large} alone, so whether it pays is not clear."
    diff = fmt.signed_pts(c.mean_diff_pts)
    figures = interval(c.estimate, fmt.signed_number, " pts")
    unclear = f"Whether it pays against {large} alone is not clear: {diff}"
    winner = c.winner()
    if winner == "a":
        return f"Against {large} alone it pays: {diff} ({figures})."
    if winner == "b":
        return f"It does not pay: {large} alone beats it by {_pts(-c.mean_diff_pts)} ({figures})."
    if c.interval is None:
        return f"{unclear} ({figures})."
    return f"{unclear} ({figures}, which holds 0)."


def _pts(value: float) -> str:
    return f"{fmt.score(value)} pts"
