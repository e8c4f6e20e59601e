"""Everything a report shows that is not stored: medians, deltas, bests, hotspots.

Each figure is computed here, once, and used by the run page, the index and the tests.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from bench.record.hosts import HostSummary, record_host
from bench.record.models import ModelIdentity, run_name
from bench.record.power import Method, sequential_paired
from bench.record.schema import (
    CandidateFile,
    CascadeResult,
    CascadeSample,
    CheckOutcome,
    DirectResult,
    Evaluation,
    Generation,
    ModelInfo,
    RunRecord,
    Sample,
    ThroughputSource,
    TimingSource,
)
from bench.record.stats import Observation, PairedComparison, ScoreSummary, paired, score_summary

TOP_FAILED_CHECKS = 3
HOTSPOT_EXAMPLES = 3
TimingFigure = Literal["generation_tok_s", "prompt_tok_s", "ttft_s", "load_s"]
TIMING_FIGURES: tuple[TimingFigure, ...] = ("generation_tok_s", "prompt_tok_s", "ttft_s", "load_s")
Stage = Literal["draft", "refine"]
_FIELDS: dict[TimingFigure, tuple[str, str]] = {  # figure -> (Generation field, its source)
    "generation_tok_s": ("throughput_tok_s", "throughput_source"),
    "prompt_tok_s": ("prompt_tok_s", "prompt_tok_s_source"),
    "ttft_s": ("ttft_s", "ttft_source"),
    "load_s": ("load_s", "load_source"),
}


@dataclass(frozen=True)
class Stat:
    """Median of a figure over a candidate's samples, with its range."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Stat | None:
        if not values:
            return None
        return cls(statistics.median(values), min(values), max(values), len(values))

    def overlaps(self, other: Stat) -> bool:
        """True when repeated samples leave the two ranges touching: not a clear difference."""
        repeated = self.n > 1 or other.n > 1
        return repeated and self.low <= other.high and other.low <= self.high


def timing_stat(generations: Iterable[Generation], figure: TimingFigure) -> Stat | None:
    """Median and range of one timing figure over the calls that answered and recorded it."""
    name = _FIELDS[figure][0]
    values = [getattr(g, name) for g in generations if g.error is None]
    return Stat.of([v for v in values if v is not None])


def timing_sources(
    generations: Iterable[Generation], figure: TimingFigure
) -> tuple[ThroughputSource | TimingSource, ...]:
    """Where the figure's values came from, each source once, sorted."""
    name = _FIELDS[figure][1]
    found = {getattr(g, name) for g in generations if g.error is None}
    return tuple(sorted(source for source in found if source is not None))


@dataclass(frozen=True)
class Outcomes:
    """What a candidate's evaluations say, over all its samples."""

    evaluations: tuple[Evaluation, ...]
    check_order: tuple[str, ...]

    @cached_property
    def score(self) -> Stat:
        stat = Stat.of([e.score for e in self.evaluations])
        assert stat is not None  # a result has at least one sample
        return stat

    @cached_property
    def failures(self) -> Counter[str]:
        return Counter(
            c.name for e in self.evaluations for c in e.checks if c.outcome is CheckOutcome.FAILED
        )

    @cached_property
    def check_states(self) -> dict[str, CheckOutcome]:
        """Each check's outcome over the samples: failed if any sample failed it, passed if
        every sample that ran it passed it; a check only ever skipped has no state."""
        ran: dict[str, list[CheckOutcome]] = {}
        for evaluation in self.evaluations:
            for check in evaluation.checks:
                ran.setdefault(check.name, []).append(check.outcome)
        states: dict[str, CheckOutcome] = {}
        for name in self.check_order:
            if self.failures[name]:
                states[name] = CheckOutcome.FAILED
            elif ran.get(name) and all(o is CheckOutcome.PASSED for o in ran[name]):
                states[name] = CheckOutcome.PASSED
        return states

    @property
    def failed_checks(self) -> tuple[str, ...]:
        """Failed checks in the task's order (the seed's 'Top Failed Checks' order)."""
        return tuple(name for name in self.check_order if self.failures[name])

    @property
    def top_failed_checks(self) -> tuple[str, ...]:
        return self.failed_checks[:TOP_FAILED_CHECKS]

    @property
    def eval_wall_s(self) -> Stat | None:
        return Stat.of([e.eval_wall_s for e in self.evaluations if e.eval_wall_s is not None])

    @property
    def candidates(self) -> tuple[CandidateFile | None, ...]:
        return tuple(e.candidate for e in self.evaluations)


def passed(evaluation: Evaluation) -> bool:
    """Every check of the answer passed (an answer with no checks did not pass)."""
    return bool(evaluation.checks) and all(
        c.outcome is CheckOutcome.PASSED for c in evaluation.checks
    )


def observations(samples: Iterable[Sample | CascadeSample]) -> tuple[Observation, ...]:
    """What `bench.record.stats` works on: each sample's task, repeat, score and pass."""
    return tuple(
        Observation(s.task, s.repeat, s.evaluation.score, passed(s.evaluation)) for s in samples
    )


@dataclass(frozen=True)
class DirectSummary:
    result: DirectResult
    outcomes: Outcomes
    legacy_names: bool = False  # a re-hosted run names models by tag, as its old page did
    sequential: int = 0  # its run's `max_repeats` under `repeats: auto`; 0: fixed repeats
    sequential_method: Method = "obf-rci"  # the interval that run's rule read
    site_name: str | None = None  # the model's name across the site, where one is given

    @property
    def name(self) -> str:
        """The model's one display name (`bench.record.models.run_name`): the site's, else
        this run's label; a re-hosted run keeps its old page's words (the tag)."""
        if self.site_name is not None and not self.legacy_names:
            return self.site_name
        return run_name(self.result.model, self.legacy_names)

    @property
    def label_name(self) -> str:
        """The name in a pair's name: the site's, else the label (a re-hosted page's too)."""
        return run_name(self.result.model) if self.legacy_names else self.name

    @property
    def identity(self) -> ModelIdentity:
        return ModelIdentity.of(self.result.model)

    @property
    def model(self) -> ModelInfo:
        return self.result.model

    @property
    def tag(self) -> str:
        return self.result.model.tag

    @property
    def score(self) -> Stat:
        return self.outcomes.score

    @cached_property
    def observations(self) -> tuple[Observation, ...]:
        return observations(self.result.samples)

    @cached_property
    def summary(self) -> ScoreSummary:
        """Mean score and pass rate with their intervals, tasks as the unit."""
        return score_summary(self.observations)

    @cached_property
    def call_wall_s(self) -> Stat | None:
        return Stat.of([s.generation.call_wall_s for s in self._answered])

    @cached_property
    def throughput_tok_s(self) -> Stat | None:
        return Stat.of(
            [
                s.generation.throughput_tok_s
                for s in self._answered
                if s.generation.throughput_tok_s is not None
            ]
        )

    @property
    def throughput_sources(self) -> tuple[ThroughputSource, ...]:
        found = {s.generation.throughput_source for s in self.result.samples}
        return tuple(sorted(source for source in found if source is not None))

    def timing(self, figure: TimingFigure) -> Stat | None:
        """A timing figure's median and spread over the answered samples (never a warm-up)."""
        return timing_stat(self._generations, figure)

    def timing_sources(self, figure: TimingFigure) -> tuple[ThroughputSource | TimingSource, ...]:
        return timing_sources(self._generations, figure)

    @cached_property
    def prompt_tok_s(self) -> Stat | None:
        return self.timing("prompt_tok_s")

    @cached_property
    def ttft_s(self) -> Stat | None:
        return self.timing("ttft_s")

    @cached_property
    def load_s(self) -> Stat | None:
        return self.timing("load_s")

    @property
    def _generations(self) -> list[Generation]:
        return [s.generation for s in self.result.samples]

    @property
    def _answered(self) -> list[Sample]:
        return [s for s in self.result.samples if s.generation.error is None]


@dataclass(frozen=True)
class CascadeSummary:
    result: CascadeResult
    small: DirectSummary
    large: DirectSummary
    outcomes: Outcomes
    sequential: int = 0  # its run's `max_repeats` under `repeats: auto`; 0: fixed repeats

    @property
    def label(self) -> str:
        return f"{self.small.label_name} -> {self.large.label_name}"

    @property
    def name(self) -> str:
        """The pair's one display name: its models' labels."""
        return self.label

    @property
    def best_name(self) -> str:
        """The name the header's "Best cascade" uses: the pair's name; a legacy run's page
        gave its tags there."""
        return self.tags if self.small.legacy_names else self.label

    @property
    def tags(self) -> str:
        return f"{self.small.tag} -> {self.large.tag}"

    @property
    def score(self) -> Stat:
        return self.outcomes.score

    @cached_property
    def observations(self) -> tuple[Observation, ...]:
        return observations(self.result.samples)

    @cached_property
    def summary(self) -> ScoreSummary:
        """Mean score and pass rate with their intervals, tasks as the unit."""
        return score_summary(self.observations)

    @cached_property
    def pipeline_wall_s(self) -> Stat:
        stat = Stat.of([s.pipeline_wall_s for s in self.result.samples])
        assert stat is not None
        return stat

    @cached_property
    def refine_tok_s(self) -> Stat | None:
        """The refine call's throughput over the samples that recorded one."""
        return Stat.of(
            [
                s.refine.throughput_tok_s
                for s in self.result.samples
                if s.refine is not None and s.refine.throughput_tok_s is not None
            ]
        )

    def stage_timing(self, stage: Stage, figure: TimingFigure) -> Stat | None:
        """A timing figure of one stage of the handoff (the draft, the refine call)."""
        return timing_stat(self._stage(stage), figure)

    def stage_timing_sources(
        self, stage: Stage, figure: TimingFigure
    ) -> tuple[ThroughputSource | TimingSource, ...]:
        return timing_sources(self._stage(stage), figure)

    def _stage(self, stage: Stage) -> list[Generation]:
        samples = self.result.samples
        if stage == "refine":
            return [s.refine for s in samples if s.refine is not None]
        return [s.draft.generation for s in samples if s.draft is not None]

    @cached_property
    def versus_large(self) -> PairedComparison:
        """The handoff against its large model's direct answers, on the same tasks and repeats."""
        return versus(self, self.large)

    @cached_property
    def versus_small(self) -> PairedComparison:
        """The handoff against its small model's direct answers (its drafts' own scores)."""
        return versus(self, self.small)

    @property
    def delta_vs_large_pts(self) -> float:
        return self.score.median - self.large.score.median

    @property
    def delta_vs_small_pts(self) -> float:
        return self.score.median - self.small.score.median

    @property
    def delta_wall_s(self) -> float | None:
        """Latency tax: pipeline wall minus the large model's direct call wall."""
        if self.large.call_wall_s is None:
            return None
        return self.pipeline_wall_s.median - self.large.call_wall_s.median

    @property
    def quality_win(self) -> bool:
        return self.delta_vs_large_pts > 0

    @property
    def speed_win(self) -> bool:
        return self.delta_wall_s is not None and self.delta_wall_s < 0


@dataclass(frozen=True)
class Hotspot:
    check: str
    failures: int
    share: float
    examples: tuple[str, ...]


@dataclass(frozen=True)
class CallFailure:
    """A call that failed: who was asked, which sample, why, and whether it is missing data
    (the infrastructure's fault, kept out of every figure) or the model's (scores 0)."""

    who: str  # the model's or the pair's display name
    number: int  # the sample, from 1
    error: str
    missing: bool


@dataclass(frozen=True)
class Unmeasured:
    """A model or pair with no call that measured it: every one failed on the infrastructure
    (or, for a pair, its draft or its baseline did). It is in no figure."""

    who: str
    missing: int  # its calls that failed on the infrastructure
    calls: int


class RunAnalysis:
    """The derived view of one run record.

    A sample whose call failed on the infrastructure (`Generation.missing`) measured nothing:
    it is left out of every figure, and a model or pair left with no sample is `unmeasured`.
    """

    def __init__(self, record: RunRecord, names: Mapping[str, str] | None = None) -> None:
        """`names`: tag -> the model's name across the site (`bench.record.models`)."""
        self.record = record
        self.names = dict(names or {})
        order = record.check_order
        measured = [_measured(d) for d in record.direct]
        legacy = record.provenance.legacy is not None
        auto = record.auto_repeats
        sequential = auto.max_repeats if auto is not None else 0
        method: Method = auto.method if auto is not None else "obf-rci"
        self.direct = tuple(
            DirectSummary(
                d,
                Outcomes(tuple(s.evaluation for s in d.samples), order),
                legacy,
                sequential=sequential,
                sequential_method=method,
                site_name=self.names.get(d.model.tag),
            )
            for d in measured
            if d.samples
        )
        by_tag = {d.tag: d for d in self.direct}
        pairs = [_measured_pair(c) for c in record.cascades]
        self.cascades = tuple(
            CascadeSummary(
                c,
                by_tag[c.small],
                by_tag[c.large],
                Outcomes(tuple(s.evaluation for s in c.samples), order),
                sequential,
            )
            for c in pairs
            if c.samples and c.small in by_tag and c.large in by_tag
        )
        kept = {d.name for d in self.direct} | {c.name for c in self.cascades}
        self.unmeasured = tuple(
            Unmeasured(who, sum(f.missing for f in fails), calls)
            for who, calls, fails in self._candidates_and_failures()
            if who not in kept
        )

    @cached_property
    def call_failures(self) -> tuple[CallFailure, ...]:
        """Every failed call, direct models first, in record order."""
        return tuple(f for _, _, fails in self._candidates_and_failures() for f in fails)

    @property
    def missing_calls(self) -> int:
        return sum(f.missing for f in self.call_failures)

    @property
    def calls(self) -> int:
        return len(self.record.generations())

    def _candidates_and_failures(self) -> list[tuple[str, int, list[CallFailure]]]:
        """(display name, samples, failed calls) of every model and pair in the record."""
        legacy = self.record.provenance.legacy is not None
        labels = {
            d.model.tag: self.names.get(d.model.tag, d.model.label) for d in self.record.direct
        }
        if legacy:
            labels = {d.model.tag: run_name(d.model) for d in self.record.direct}
        found = []
        for d in self.record.direct:
            name = run_name(d.model, legacy) if legacy else labels[d.model.tag]
            fails = [
                CallFailure(name, n, s.generation.error, s.generation.missing)
                for n, s in enumerate(d.samples, start=1)
                if s.generation.error is not None
            ]
            found.append((name, len(d.samples), fails))
        for c in self.record.cascades:
            who = f"{labels[c.small]} -> {labels[c.large]}"
            fails = []
            for n, s in enumerate(c.samples, start=1):
                failure = _handoff_failure(s)
                if failure is not None:
                    fails.append(CallFailure(who, n, *failure))
            found.append((who, len(c.samples), fails))
        return found

    @property
    def error_bars(self) -> bool:
        """True for a run of several tasks or repeats: its figures have intervals, and its
        findings name a winner only when the paired interval leaves out 0."""
        return len(self.record.tasks) > 1 or self.record.repeats > 1

    def headline_pts(self, who: DirectSummary | CascadeSummary) -> float:
        """A model's or pair's one score: the mean over tasks in a run with error bars, else
        the median of its samples (the same thing for one sample)."""
        return who.summary.mean_pts if self.error_bars else who.score.median

    @cached_property
    def host(self) -> HostSummary | None:
        """The short fingerprint of the machine the run ran on; None in older records."""
        return record_host(self.record)

    @cached_property
    def best_direct(self) -> DirectSummary | None:
        """The highest score (a suite's: the mean over tasks), then the quickest."""
        return min(self.direct, key=lambda d: (-self.headline_pts(d), _wall(d)), default=None)

    @cached_property
    def best_cascade(self) -> CascadeSummary | None:
        return min(
            self.cascades,
            key=lambda c: (-self.headline_pts(c), c.pipeline_wall_s.median),
            default=None,
        )

    @cached_property
    def fastest_direct(self) -> DirectSummary | None:
        timed = [d for d in self.direct if d.call_wall_s is not None]
        return min(timed, key=lambda d: (_wall(d), -d.score.median), default=None)

    @property
    def quality_wins(self) -> int:
        """Pairs that beat their large model's direct score; in a run with error bars, only
        those whose paired interval of the difference leaves out 0."""
        if self.error_bars:
            return sum(c.versus_large.winner() == "a" for c in self.cascades)
        return sum(c.quality_win for c in self.cascades)

    @property
    def speed_wins(self) -> int:
        return sum(c.speed_win for c in self.cascades)

    @property
    def latency_taxes_s(self) -> list[float]:
        return [c.delta_wall_s for c in self.cascades if c.delta_wall_s is not None]

    @property
    def avg_latency_tax_s(self) -> float | None:
        taxes = self.latency_taxes_s
        return statistics.fmean(taxes) if taxes else None

    @property
    def candidates(self) -> list[tuple[str, Outcomes]]:
        """Every evaluated candidate group by its display name: direct models, then pairs."""
        return [(d.name, d.outcomes) for d in self.direct] + [
            (c.name, c.outcomes) for c in self.cascades
        ]

    @cached_property
    def hotspots(self) -> list[Hotspot]:
        counts: Counter[str] = Counter()
        examples: dict[str, list[str]] = {}
        for name, outcomes in self.candidates:
            for check, failures in outcomes.failures.items():
                counts[check] += failures
                examples.setdefault(check, []).append(name)
        total = sum(counts.values())
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [
            Hotspot(check, n, n / total, tuple(examples[check][:HOTSPOT_EXAMPLES]))
            for check, n in ranked
        ]

    def by_size(self) -> list[DirectSummary]:
        return sorted(self.direct, key=lambda d: (d.model.params_b or 0.0, d.model.label))


def versus(
    a: DirectSummary | CascadeSummary, b: DirectSummary | CascadeSummary
) -> PairedComparison:
    """a against b on the tasks and repeats both answered; in a run whose repeats stopped by
    `repeats: auto`, with the interval valid for its stopping rule (`power.sequential_paired`)."""
    if a.sequential or b.sequential:
        one = a.small if isinstance(a, CascadeSummary) else a
        return sequential_paired(
            a.observations,
            b.observations,
            max(a.sequential, b.sequential),
            method=one.sequential_method,
        )
    return paired(a.observations, b.observations)


def _measured(result: DirectResult) -> DirectResult:
    """The result with only the samples that measured the model."""
    kept = tuple(s for s in result.samples if not s.generation.missing)
    if len(kept) == len(result.samples):
        return result
    return result.model_copy(update={"samples": kept})


def _measured_pair(result: CascadeResult) -> CascadeResult:
    kept = tuple(s for s in result.samples if not _handoff_missing(s))
    if len(kept) == len(result.samples):
        return result
    return result.model_copy(update={"samples": kept})


def _handoff_missing(sample: CascadeSample) -> bool:
    failure = _handoff_failure(sample)
    return failure is not None and failure[1]


def _handoff_failure(sample: CascadeSample) -> tuple[str, bool] | None:
    """Why a handoff failed and whether that is missing data: its draft's call, else its
    refine call; None when both went through."""
    draft = sample.draft.generation if sample.draft is not None else None
    if draft is not None and draft.error is not None:
        return f"draft failed: {draft.error}", draft.missing
    refine = sample.refine
    if refine is not None and refine.error is not None:
        return refine.error, refine.missing
    return None


def _wall(direct: DirectSummary) -> float:
    return direct.call_wall_s.median if direct.call_wall_s else float("inf")
