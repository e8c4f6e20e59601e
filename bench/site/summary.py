"""A run's headline figures as text: KPI cards, the best direct model and pair, chart labels.

Figures come from `bench.record.analysis`; this only words and formats them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.record.analysis import CascadeSummary, DirectSummary, RunAnalysis
from bench.record.handoff import (
    StageShares,
    baseline_transitions,
    draft_transitions,
    stage_shares,
)
from bench.record.hosts import GIB
from bench.record.safety import printable
from bench.record.schema import RunStatus
from bench.record.setup import truncated_count
from bench.record.stats import Interval, PairedComparison, ScoreSummary
from bench.site import fmt
from bench.site.sure import difference, mean_score, pass_at_k


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    note: str
    tooltip: str | None = None  # e.g. the tag of a model shown by its label


def kpis(run: RunAnalysis) -> list[Kpi]:
    """The run's KPI cards; a run with error bars gives the best direct model's mean score
    with its 95% CI and its pass rate with its Wilson interval, over n answers."""
    best = run.best_direct
    pairs = len(run.cascades)
    tax = run.avg_latency_tax_s
    if best is None:
        score = "No direct model finished"
    elif run.error_bars:
        score = f"Score {mean_score(best.summary)}"
    else:
        score = f"Score {fmt.stat(best.score)}"
    return [
        Kpi(
            "Best Direct",
            best.name if best else fmt.DASH,
            score,
            best.tag if best and best.tag != best.name else None,
        ),
        *([pass_rate_kpi(best.summary)] if best and run.error_bars else []),
        Kpi("Models", str(len(run.direct)), "Direct baselines in this run"),
        Kpi("Pairs", str(pairs), "Smaller -> larger handoff comparisons"),
        Kpi(
            "Cascade Quality Wins",
            f"{run.quality_wins}/{pairs}",
            "Pairs that beat direct larger-model quality",
        ),
        Kpi(
            "Cascade Speed Wins",
            f"{run.speed_wins}/{pairs}",
            "Pairs faster than direct larger-model prompts",
        ),
        Kpi(
            "Avg Latency Tax",
            fmt.DASH if tax is None else _tax(tax),
            "Extra wall time added by the cascade pipeline",
        ),
    ]


def pass_rate_kpi(summary: ScoreSummary) -> Kpi:
    """`45.0%`, `Best direct, 95% CI 30.1%–60.2% (Wilson), n = 20 tasks × 2 repeats = 40`."""
    low, high = summary.pass_interval.low, summary.pass_interval.high
    if summary.tasks == 1:
        n = f"{summary.n} repeats of one task"
    elif summary.tasks * summary.repeats == summary.n:
        n = f"{summary.tasks} tasks × {summary.repeats} repeats = {summary.n}"
    else:
        n = f"{summary.n} answers over {summary.tasks} tasks"
    return Kpi(
        "Pass Rate",
        fmt.percent(summary.pass_rate),
        f"Best direct, every check passed; 95% CI {fmt.percent(low)}–{fmt.percent(high)} "
        f"(Wilson), n = {n}; {pass_at_k(summary)}",
    )


def best_direct_text(run: RunAnalysis) -> str:
    best = run.best_direct
    return f"{best.name} ({score_text(run, best)})" if best else fmt.DASH


def best_cascade_text(run: RunAnalysis) -> str:
    best = run.best_cascade
    return f"{best.best_name} ({score_text(run, best)})" if best else fmt.DASH


def score_text(run: RunAnalysis, who: DirectSummary | CascadeSummary) -> str:
    """A score as the pages give it: `62.5 (mean of 20 tasks, 95% CI 51 to 74)` in a run with
    error bars, else the one sample's score, `87.5`."""
    return mean_score(who.summary) if run.error_bars else fmt.stat(who.score)


def delta_text(run: RunAnalysis, c: PairedComparison, one_sample_pts: float) -> str:
    """A difference as Paired comparisons gives it, `+4.3 pts (mean of 20 tasks, 95% CI -2
    to +10 pts)`, in a run with error bars; else the one pair's, `+12.5 pts`."""
    return difference(c) if run.error_bars else fmt.signed_pts(one_sample_pts)


def pair_size_label(cascade: CascadeSummary) -> str | None:
    """`0.6->1.5B`, when both sizes are known."""
    small, large = cascade.small.model.params_b, cascade.large.model.params_b
    if small is None or large is None:
        return None
    return f"{fmt.number(small, 2)}->{fmt.size_label(large)}"


def axis_labels(run: RunAnalysis) -> dict[str, str]:
    """Direct model tag -> chart label: its size (`0.6B`) when sizes tell models apart,
    else its name (`DirectSummary.name`), else its tag; control characters shown
    (`printable`), as the spec's data is read by any Vega viewer."""
    sizes = [
        fmt.size_label(d.model.params_b) if d.model.params_b is not None else None
        for d in run.direct
    ]
    labels = [d.name for d in run.direct]
    tags = [d.tag for d in run.direct]
    return dict(zip(tags, map(printable, _distinct(sizes, labels, tags)), strict=True))


def pair_labels(run: RunAnalysis) -> dict[str, str]:
    """Pair (`small -> large` tags) -> chart label: sizes (`0.6->1.5B`) when they tell
    pairs apart, else the pair's name, else tags."""
    tags = [c.tags for c in run.cascades]
    sizes = [pair_size_label(c) for c in run.cascades]
    labels = [c.label for c in run.cascades]
    return dict(zip(tags, map(printable, _distinct(sizes, labels, tags)), strict=True))


def _distinct(*choices: list[str | None] | list[str]) -> list[str]:
    """The first of `choices` (lists of labels, one per item) whose labels are all known and
    all different; else the last."""
    for labels in choices:
        if None not in labels and len(set(labels)) == len(labels):
            return [label for label in labels if label is not None]
    return [str(label) for label in choices[-1]]


def _tax(seconds: float) -> str:
    return f"{seconds:.1f}s" if round(seconds, 1) >= 0 else f"-{abs(seconds):.1f}s"


def host_line(run: RunAnalysis) -> str | None:
    """`on AMD Ryzen 9 7950X, 16 cores (32 threads), 62.5 GiB[, NVIDIA RTX 4090 24.0 GiB]`: the
    machine the run ran on, as the banner's first line ends; None for a record without it."""
    host = run.host
    if host is None:
        return None
    parts = [host.cpu_model or "an unnamed CPU"]
    if host.physical_cores is not None or host.logical_cores is not None:
        cores = f"{host.physical_cores or host.logical_cores} cores"
        if host.logical_cores and host.physical_cores and host.logical_cores != host.physical_cores:
            cores += f" ({host.logical_cores} threads)"
        parts.append(cores)
    if host.memory_gib is not None:
        parts.append(fmt.gib(host.memory_gib))
    for name, memory_gib in zip(host.gpu_names, host.gpu_memory_gib, strict=True):
        parts.append(name + (f" {fmt.gib(memory_gib)}" if memory_gib is not None else ""))
    return "on " + ", ".join(parts)


def host_facts(run: RunAnalysis) -> list[tuple[str, str]]:
    """The Host block of the provenance section: (fact, value) rows; none for an old record."""
    info = run.record.provenance.host
    if info is None:
        return []
    load = [
        f"{label} {avg.one_min:.2f} / {avg.five_min:.2f} / {avg.fifteen_min:.2f}"
        for label, avg in (("start", info.load_avg_start), ("end", info.load_avg_end))
        if avg is not None
    ]
    gpus = "; ".join(
        g.name + (f", {fmt.gib(g.memory_bytes / GIB)}" if g.memory_bytes else "") for g in info.gpus
    )
    looked = ", ".join(str(p.value) for p in info.gpu_probes)
    servers = "; ".join(
        f"{s.backend} {s.url}: {s.version or 'version not reported'}" for s in info.servers
    )
    rows = [
        ("Host CPU", info.cpu_model or "not reported"),
        (
            "Host cores",
            f"{info.physical_cores or '?'} physical, {info.logical_cores or '?'} logical",
        ),
        (
            "Host memory",
            fmt.gib(info.memory_bytes / GIB) if info.memory_bytes else "not reported",
        ),
        ("Host GPUs", gpus or f"none found (looked with: {looked})"),
        ("Host OS", f"{info.os or '?'}, kernel {info.kernel or '?'}, {info.machine or '?'}"),
        ("Host Python", info.python or "not reported"),
        ("Model servers", servers or "none recorded"),
        ("Load average (1 / 5 / 15 min)", "; ".join(load) or "not recorded"),
    ]
    return rows


def failed_calls_notice(run: RunAnalysis) -> str | None:
    """What the top of a run page says when calls failed: how many, and what they count for;
    None when every call went through."""
    failures = run.call_failures
    if not failures:
        return None
    missing = run.missing_calls
    calls = len(failures)
    total = run.calls
    text = f"{calls} of {total} call{'s' if total != 1 else ''} failed."
    truncated = truncated_count(run.record)
    cut = ""
    if truncated:
        were = "was" if truncated == 1 else "were"
        cut = (
            f" {truncated} of them {were} truncated: the prompt did not fit the context in "
            "effect (the setup's failure; see Reproduce)."
        )
    if run.record.status is RunStatus.FAILED:
        return text + " No call succeeded: this run has no figures." + cut
    if missing:
        text += (
            f" {missing} failed on the model server (missing data): they are left out of every "
            "figure and finding"
        )
        gone = [u.who for u in run.unmeasured]
        text += f", and {', '.join(gone)} could not be measured." if gone else "."
        text += cut
    if calls - missing:
        theirs = calls - missing
        text += f" {theirs} {'was' if theirs == 1 else 'were'} the model's failure (a timeout or"
        text += " an unusable reply) and scored 0."
    return text + " The list is under Calls that failed."


@dataclass(frozen=True)
class HandoffOutcome:
    """One pair's handoff outcomes, worded: against its drafts, and against its large model."""

    pair: str
    drafts: str
    baseline: str
    stages: str = fmt.DASH  # the draft's share of the handoff's wall time and tokens


def handoff_outcomes(run: RunAnalysis) -> list[HandoffOutcome]:
    """Per pair whose samples hold their drafts' outcomes: what the refiner kept, fixed and
    broke, with 95% Wilson intervals; none for a record without drafts (the seed)."""
    found = []
    for pair in run.cascades:
        drafts = draft_transitions(pair)
        if drafts is None:
            continue
        baseline = baseline_transitions(pair)
        against = (
            fmt.DASH
            if baseline is None
            else (
                f"the draft helped on {baseline.fixed} of {baseline.failing_before} repeats the "
                f"large model failed alone{_share(baseline.fixed_interval())}, and hurt on "
                f"{baseline.broke} of {baseline.passing_before} it passed alone"
                f"{_share(baseline.broke_interval())}"
            )
        )
        found.append(
            HandoffOutcome(
                pair.name,
                f"fixed {drafts.fixed} of {drafts.failing_before} failing drafts"
                f"{_share(drafts.fixed_interval())}, broke {drafts.broke} of "
                f"{drafts.passing_before} passing ones{_share(drafts.broke_interval())}; "
                f"kept {drafts.both_pass}, both failed {drafts.both_fail} (n = {drafts.n})",
                against,
                _stages(stage_shares(pair)),
            )
        )
    return found


def _stages(shares: StageShares | None) -> str:
    if shares is None:
        return fmt.DASH
    tokens = (
        f", {fmt.percent(shares.draft_tokens)} of the generated tokens"
        if shares.draft_tokens is not None
        else ""
    )
    return (
        f"the draft took {fmt.percent(shares.draft_wall)} of the wall time{tokens} (n = {shares.n})"
    )


def _share(interval: Interval | None) -> str:
    if interval is None:
        return ""
    return f" (95% CI {fmt.percent(interval.low)}–{fmt.percent(interval.high)})"
