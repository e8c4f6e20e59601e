"""A run's headline figures as text: KPI cards, the best direct model and pair, chart labels.

Figures come from `bench.record.analysis`; this only words and formats them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.record.analysis import CascadeSummary, RunAnalysis
from bench.site import fmt


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    note: str


def kpis(run: RunAnalysis) -> list[Kpi]:
    best = run.best_direct
    pairs = len(run.cascades)
    tax = run.avg_latency_tax_s
    return [
        Kpi(
            "Best Direct",
            best.name if best else fmt.DASH,
            f"Score {fmt.stat(best.score)}" if best else "No direct model finished",
        ),
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


def best_direct_text(run: RunAnalysis) -> str:
    best = run.best_direct
    return f"{best.name} ({fmt.stat(best.score)})" if best else fmt.DASH


def best_cascade_text(run: RunAnalysis) -> str:
    best = run.best_cascade
    return f"{best.best_name} ({fmt.stat(best.score)})" if best else fmt.DASH


def pair_size_label(cascade: CascadeSummary) -> str | None:
    """`0.6->1.5B`, when both sizes are known."""
    small, large = cascade.small.model.params_b, cascade.large.model.params_b
    if small is None or large is None:
        return None
    return f"{fmt.number(small, 2)}->{fmt.size_label(large)}"


def axis_labels(run: RunAnalysis) -> dict[str, str]:
    """Direct model tag -> chart label: its size (`0.6B`) when sizes tell models apart,
    else its label, else its tag."""
    sizes = [
        fmt.size_label(d.model.params_b) if d.model.params_b is not None else None
        for d in run.direct
    ]
    labels = [d.model.label for d in run.direct]
    tags = [d.tag for d in run.direct]
    return dict(zip(tags, _distinct(sizes, labels, tags), strict=True))


def pair_labels(run: RunAnalysis) -> dict[str, str]:
    """Pair (`small -> large` tags) -> chart label: sizes (`0.6->1.5B`) when they tell
    pairs apart, else model labels, else tags."""
    tags = [c.tags for c in run.cascades]
    sizes = [pair_size_label(c) for c in run.cascades]
    labels = [c.label for c in run.cascades]
    return dict(zip(tags, _distinct(sizes, labels, tags), strict=True))


def _distinct(*choices: list[str | None] | list[str]) -> list[str]:
    """The first of `choices` (lists of labels, one per item) whose labels are all known and
    all different; else the last."""
    for labels in choices:
        if None not in labels and len(set(labels)) == len(labels):
            return [label for label in labels if label is not None]
    return [str(label) for label in choices[-1]]


def _tax(seconds: float) -> str:
    return f"{seconds:.1f}s" if round(seconds, 1) >= 0 else f"-{abs(seconds):.1f}s"
