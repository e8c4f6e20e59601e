"""What a handoff's refiner did with the draft it was handed, sample by sample.

For each handoff sample, the draft's outcome (the small model's direct answer of the same
repeat, which the handoff reuses) against the refined one: **kept** (both pass), **fixed** (the
draft fails, the refined answer passes), **broke** (the draft passes, the refined answer fails),
or both fail. And the same against the large model's own direct answer of that repeat: did the
draft help the refiner or hurt it? An answer passes when every one of its checks passed. Only
measured samples count (a call that failed on the server is missing data).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.record.analysis import CascadeSummary, passed
from bench.record.stats import Interval, wilson


@dataclass(frozen=True)
class Transitions:
    """Pass/fail before and after, over matched samples: before is the draft (or the large
    model's own answer), after is the refined answer."""

    both_pass: int
    fixed: int  # before failed, after passed
    broke: int  # before passed, after failed
    both_fail: int

    @property
    def n(self) -> int:
        return self.both_pass + self.fixed + self.broke + self.both_fail

    @property
    def failing_before(self) -> int:
        return self.fixed + self.both_fail

    @property
    def passing_before(self) -> int:
        return self.both_pass + self.broke

    def fixed_interval(self) -> Interval | None:
        """95% Wilson interval of the share of failing answers the refiner fixed."""
        return wilson(self.fixed, self.failing_before) if self.failing_before else None

    def broke_interval(self) -> Interval | None:
        """95% Wilson interval of the share of passing answers the refiner broke."""
        return wilson(self.broke, self.passing_before) if self.passing_before else None


def draft_transitions(pair: CascadeSummary) -> Transitions | None:
    """Draft against refined answer, per handoff sample that holds its draft's evaluation;
    None when no sample does (a re-hosted record, for one)."""
    matched = [
        (passed(s.draft.evaluation), passed(s.evaluation))
        for s in pair.result.samples
        if s.draft is not None and s.draft.evaluation.checks
    ]
    return _count(matched)


def baseline_transitions(pair: CascadeSummary) -> Transitions | None:
    """The large model's own direct answer against the refined one, on the same task and
    repeat; None when no (task, repeat) has both."""
    own = {(s.task, s.repeat): s.evaluation for s in pair.large.result.samples}
    matched = [
        (passed(own[(s.task, s.repeat)]), passed(s.evaluation))
        for s in pair.result.samples
        if (s.task, s.repeat) in own and s.draft is not None
    ]
    return _count(matched)


def _count(matched: list[tuple[bool, bool]]) -> Transitions | None:
    if not matched:
        return None
    return Transitions(
        both_pass=sum(b and a for b, a in matched),
        fixed=sum(not b and a for b, a in matched),
        broke=sum(b and not a for b, a in matched),
        both_fail=sum(not b and not a for b, a in matched),
    )


@dataclass(frozen=True)
class StageShares:
    """The draft's share of a handoff, over the samples that hold both stages: of the wall
    time (draft call wall / (draft + refine call walls)) and of the generated tokens."""

    draft_wall: float
    draft_tokens: float | None  # None when a stage did not report its tokens
    n: int


def stage_shares(pair: CascadeSummary) -> StageShares | None:
    """None when no sample holds both its draft and its refine call."""
    both = [
        (s.draft.generation, s.refine)
        for s in pair.result.samples
        if s.draft is not None and s.refine is not None
    ]
    walls = sum(d.call_wall_s for d, _ in both), sum(r.call_wall_s for _, r in both)
    if not both or sum(walls) == 0:
        return None
    counted = [
        (d.generated_tokens, r.generated_tokens)
        for d, r in both
        if d.generated_tokens is not None and r.generated_tokens is not None
    ]
    draft_tokens = sum(d for d, _ in counted)
    all_tokens = draft_tokens + sum(r for _, r in counted)
    complete = len(counted) == len(both) and all_tokens > 0
    return StageShares(
        draft_wall=walls[0] / sum(walls),
        draft_tokens=draft_tokens / all_tokens if complete else None,
        n=len(both),
    )
