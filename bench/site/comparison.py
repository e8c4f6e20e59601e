"""A comparison of two runs as text: the tables `bench compare` prints and the site publishes.

One set of functions: `comparison_sections` makes every table's cells from
`bench.record.compare.Comparison`; the CLI prints them as a terminal table or Markdown, and a
run's report page ends with them (this run against the previous one), laid out in
`bench/compare.html`: a section of the page, not a page of its own, whose frame would cost as
much as the tables (~10 kB a run, 100 MB of a site of 10,000).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jinja2 import Environment

from bench.record.analysis import RunAnalysis, Stat
from bench.record.compare import Change, Comparison
from bench.record.history import PairedChange
from bench.record.reproduce import reproduction
from bench.site import fmt, sure
from bench.site.report import REPORT_NAME
from bench.site.reproduce import reproduction_lines
from bench.site.summary import handoff_outcomes

TEMPLATE = "bench/compare.html"
COMPARE_SECTION = "compare"  # the report page's section: `report.html#compare`


@dataclass(frozen=True)
class Section:
    """One table of the comparison, as text cells."""

    title: str
    header: list[str]
    rows: list[list[str]]
    empty: str  # what to say when there are no rows
    figures: bool  # cells after the first are figures, aligned right
    id: str = ""


def run_line(name: str, run: RunAnalysis) -> str:
    r = run.record
    started = r.started_at.strftime("%Y-%m-%d %H:%M")
    return (
        f"{name}: {r.benchmark_id}/{r.run_id} · started {started} UTC · host {r.host} · "
        f"methodology v{r.methodology_version}"
    )


def comparison_sections(comparison: Comparison) -> list[Section]:
    flips = [[f.candidate, f.check, f.before.value, f.after.value] for f in comparison.flips]
    return [
        Section(
            "Direct models",
            _headers("Model", "Call wall"),
            _model_rows(comparison.models),
            "Neither run has a direct model.",
            figures=True,
            id="direct-models",
        ),
        Section(
            "Handoff pairs",
            _headers("Pair", "Pipeline wall"),
            _model_rows(comparison.pairs),
            "Neither run has a handoff pair.",
            figures=True,
            id="handoff-pairs",
        ),
        Section(
            "Paired changes",
            [
                "Model or pair",
                "Pairs",
                "Δ score, paired",
                "Over, with its 95% interval",
                "Δ wall, paired",
                "Over, with its 95% interval",
                "Clear change",
                "Score change it can tell",
            ],
            _paired_rows(comparison.paired),
            "The runs share no measured sample of the same task and repeat.",
            figures=True,
            id="paired-changes",
        ),
        Section(
            "Handoff outcomes",
            ["Pair", "A: against its drafts", "B: against its drafts"],
            _handoff_rows(comparison),
            "Neither run holds its handoffs' drafts.",
            figures=False,
            id="handoff-outcomes",
        ),
        Section(
            "Checks that flipped",
            ["Model or pair", "Check", "A", "B"],
            flips,
            "No check flipped between passed and failed.",
            figures=False,
            id="checks-that-flipped",
        ),
    ]


def clear_change_text(change: PairedChange) -> str:
    """`score up, wall down`: what changed clearly (the paired interval leaves out 0)."""
    found = [f"{figure} {direction}" for figure, direction in change.clear_changes()]
    return ", ".join(found) or "none"


def _paired_rows(changes: Sequence[PairedChange]) -> list[list[str]]:
    return [
        [
            c.name,
            str(c.score.pairs),
            fmt.signed_pts(c.score.mean_diff_pts) if c.score.pairs else fmt.DASH,
            sure.interval(c.score.estimate, fmt.signed_number, " pts")
            if c.score.pairs
            else fmt.DASH,
            fmt.signed_seconds(c.wall.mean_diff_s) if c.wall.pairs else fmt.DASH,
            sure.interval(c.wall.estimate, fmt.signed_seconds) if c.wall.pairs else fmt.DASH,
            clear_change_text(c),
            sure.can_tell(c.score, lead="") or fmt.DASH,
        ]
        for c in changes
    ]


def _stat(value: Stat | None, render: fmt.Render = "score") -> str:
    return fmt.stat(value, render)


def _signed(value: float | None, render: Callable[[float], str]) -> str:
    return fmt.DASH if value is None else render(value)


def _model_rows(changes: Sequence[Change]) -> list[list[str]]:
    return [
        [
            c.name,
            fmt.DASH if c.score_a is None else sure.estimate(c.score_a),
            fmt.DASH if c.score_b is None else sure.estimate(c.score_b),
            _signed(c.score_delta_pts, fmt.signed_pts),
            _stat(c.wall_a_s, "seconds"),
            _stat(c.wall_b_s, "seconds"),
            _signed(c.wall_delta_s, fmt.signed_seconds),
        ]
        for c in changes
    ]


def _headers(first: str, wall: str) -> list[str]:
    return [
        first,
        "Score A",
        "Score B",
        "Δ mean score",
        f"{wall} A",
        f"{wall} B",
        f"Δ {wall.lower()}",
    ]


def _handoff_rows(comparison: Comparison) -> list[list[str]]:
    """Per pair, what its refiner kept, fixed and broke in run A and in run B."""
    a = {h.pair: h.drafts for h in handoff_outcomes(comparison.a)}
    b = {h.pair: h.drafts for h in handoff_outcomes(comparison.b)}
    return [[pair, a.get(pair, fmt.DASH), b.get(pair, fmt.DASH)] for pair in {**a, **b}]


@dataclass(frozen=True)
class RunLink:
    line: str
    href: str  # the run's report, relative to run B's


@dataclass(frozen=True)
class ComparePage:
    """A run against the previous run of its benchmark, as the run's report page shows it."""

    intro: str
    a: RunLink
    b: RunLink
    warnings: tuple[str, ...]
    sections: tuple[Section, ...]
    reproduction: tuple[str, ...] = ()  # B reran A: the verdict, then a line per model
    id: str = COMPARE_SECTION
    title: str = "Against the previous run"


def compare_page(comparison: Comparison, same_host: bool) -> ComparePage:
    """The section's model, on run B's report page."""
    a = comparison.a.record
    where = "the previous run on the same host" if same_host else "the previous run (any host)"
    return ComparePage(
        intro=(
            f"This run, B, against {where} of this benchmark, A. Paired figures match the two "
            "runs' samples of the same task and repeat; a change is clear when its 95% "
            "interval leaves out 0."
        ),
        a=RunLink(run_line("A", comparison.a), f"../{a.run_id}/{REPORT_NAME}"),
        b=RunLink(run_line("B", comparison.b), f"#{COMPARE_SECTION}"),
        warnings=comparison.warnings,
        sections=tuple(comparison_sections(comparison)),
        reproduction=(
            reproduction_lines(reproduction(comparison.a, comparison.b))
            if comparison.reproduces
            else ()
        ),
    )


def render_compare(env: Environment, page: ComparePage) -> str:
    return env.get_template(TEMPLATE).render(compare=page)
