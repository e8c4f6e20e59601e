"""`repeats: auto`: after each repeat, whether to ask another.

Each comparison the run makes (`bench.record.planning.planned_comparisons`: each handoff
against its large model, each model against the next size up) is read by its group-sequential
interval, valid at every look up to `max_repeats` (`bench.record.power.sequential_verdict`);
the run stops once every one differs or lies within ±`settle_within_pts`, or at
`max_repeats`. What it read is recorded (`RunRecord.auto_repeats`).
"""

from __future__ import annotations

from bench.record.analysis import RunAnalysis
from bench.record.planning import candidate_key, comparison_pairs, planned_comparisons
from bench.record.power import METHOD, sequential_verdict
from bench.record.schema import AutoRepeats, RunRecord, SettledComparison
from bench.runner.config import RunConfig


def verdicts(
    record: RunRecord, within_pts: float, max_repeats: int
) -> tuple[SettledComparison, ...]:
    """Every comparison the record's candidates make, as the stopping rule reads it now."""
    run = RunAnalysis(record)
    models = [(d.tag, d.model.params_b) for d in run.direct]
    pairs = [(c.small.tag, c.large.tag) for c in run.cascades]
    found = []
    for comparison in planned_comparisons(models, pairs):
        matched = comparison_pairs(run, comparison)
        if not matched:
            continue
        verdict, sequence = sequential_verdict(matched, within_pts, max_repeats)
        found.append(
            SettledComparison(
                a=candidate_key(comparison.a),
                b=candidate_key(comparison.b),
                verdict=verdict,
                low_pts=sequence.low,
                high_pts=sequence.high,
            )
        )
    return tuple(found)


def after_repeat(config: RunConfig, record: RunRecord, repeats: int) -> AutoRepeats | None:
    """Why the run stops after `repeats` repeats (all asked and kept in `record`); None: ask
    another."""
    found = verdicts(record, config.settle_within_pts, config.max_repeats)
    if not found:
        stopped = "nothing-to-compare"
    elif all(c.verdict != "undecided" for c in found):
        stopped = "settled"
    elif repeats >= config.max_repeats:
        stopped = "cap"
    else:
        return None
    return AutoRepeats(
        method=METHOD,
        max_repeats=config.max_repeats,
        settle_within_pts=config.settle_within_pts,
        stopped=stopped,
        comparisons=found,
    )
