"""`bench compare RUN_A RUN_B`: what changed from run A to run B, as tables or Markdown.

The figures are `bench.record.compare`'s, the ones the site shows.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.cli._common import DEFAULT_ARCHIVE, ExitCode
from bench.record.analysis import RunAnalysis, Stat
from bench.record.archive import ArchiveError, RunNotFound, find_run, load_record
from bench.record.compare import Change, Comparison, compare_runs
from bench.site import fmt
from bench.site.summary import handoff_outcomes

FORMATS = ("table", "markdown")


def _stat(value: Stat | None, render: fmt.Render = "score") -> str:
    return fmt.stat(value, render)


def _signed(value: float | None, render: Callable[[float], str]) -> str:
    return fmt.DASH if value is None else render(value)


def _model_rows(changes: Sequence[Change]) -> list[list[str]]:
    return [
        [
            c.name,
            _stat(c.score_a),
            _stat(c.score_b),
            _signed(c.score_delta_pts, fmt.signed_pts),
            _stat(c.wall_a_s, "seconds"),
            _stat(c.wall_b_s, "seconds"),
            _signed(c.wall_delta_s, fmt.signed_seconds),
        ]
        for c in changes
    ]


def _headers(first: str, wall: str) -> list[str]:
    return [first, "Score A", "Score B", "Δ score", f"{wall} A", f"{wall} B", f"Δ {wall.lower()}"]


def _run_line(name: str, run: RunAnalysis) -> str:
    r = run.record
    started = r.started_at.strftime("%Y-%m-%d %H:%M")
    return (
        f"{name}: {r.benchmark_id}/{r.run_id} · started {started} UTC · host {r.host} · "
        f"methodology v{r.methodology_version}"
    )


@dataclass(frozen=True)
class Section:
    """One table of the comparison, as text cells."""

    title: str
    header: list[str]
    rows: list[list[str]]
    empty: str  # what to say when there are no rows
    figures: bool  # cells after the first are figures, aligned right


def _sections(comparison: Comparison) -> list[Section]:
    flips = [[f.candidate, f.check, f.before.value, f.after.value] for f in comparison.flips]
    return [
        Section(
            "Direct models",
            _headers("Model", "Call wall"),
            _model_rows(comparison.models),
            "Neither run has a direct model.",
            figures=True,
        ),
        Section(
            "Handoff pairs",
            _headers("Pair", "Pipeline wall"),
            _model_rows(comparison.pairs),
            "Neither run has a handoff pair.",
            figures=True,
        ),
        Section(
            "Handoff outcomes",
            ["Pair", "A: against its drafts", "B: against its drafts"],
            _handoff_rows(comparison),
            "Neither run holds its handoffs' drafts.",
            figures=False,
        ),
        Section(
            "Checks that flipped",
            ["Model or pair", "Check", "A", "B"],
            flips,
            "No check flipped between passed and failed.",
            figures=False,
        ),
    ]


def _handoff_rows(comparison: Comparison) -> list[list[str]]:
    """Per pair, what its refiner kept, fixed and broke in run A and in run B."""
    a = {h.pair: h.drafts for h in handoff_outcomes(comparison.a)}
    b = {h.pair: h.drafts for h in handoff_outcomes(comparison.b)}
    return [[pair, a.get(pair, fmt.DASH), b.get(pair, fmt.DASH)] for pair in {**a, **b}]


def render_markdown(comparison: Comparison) -> str:
    lines = [
        f"# Compare {comparison.a.record.run_id} → {comparison.b.record.run_id}",
        "",
        f"- {_md(_run_line('A', comparison.a))}",
        f"- {_md(_run_line('B', comparison.b))}",
        *(f"- **Note:** {_md(w)}" for w in comparison.warnings),
    ]
    for section in _sections(comparison):
        lines += ["", f"## {section.title}", ""]
        if not section.rows:
            lines.append(section.empty)
            continue
        lines.append("| " + " | ".join(section.header) + " |")
        lines.append("|" + "|".join(" --- " for _ in section.header) + "|")
        lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in section.rows]
    return "\n".join(lines) + "\n"


_HTML_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _md(text: str) -> str:
    """Text safe in a Markdown table cell: no pipe, no line break, no HTML tag."""
    flat = " ".join(text.splitlines()).replace("|", "\\|")
    return _HTML_TAG_START.sub("&lt;", flat)


def print_tables(comparison: Comparison, console: Console) -> None:
    console.print(Text(_run_line("A", comparison.a)))
    console.print(Text(_run_line("B", comparison.b)))
    for warning in comparison.warnings:
        console.print(Text(f"Note: {warning}", style="yellow"))
    for section in _sections(comparison):
        if not section.rows:
            console.print(Text(f"\n{section.title}: {section.empty}"))
            continue
        table = Table(title=section.title, title_justify="left")
        for n, name in enumerate(section.header):
            justify: Literal["left", "right"] = "right" if section.figures and n else "left"
            table.add_column(name, justify=justify, overflow="fold")
        for row in section.rows:
            table.add_row(*(Text(cell, style=_style(cell)) for cell in row))
        console.print(table)


def _style(cell: str) -> str:
    return {"failed": "red", "passed": "green"}.get(cell, "")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="what changed between two runs: scores, wall times, flipped checks",
        description="Compare run B with run A: per model and per pair, score and wall time in "
        "A, in B and the change; and the checks that flipped between passed and failed.",
    )
    for name in ("run_a", "run_b"):
        parser.add_argument(
            name,
            metavar=name.upper(),
            help="a run.json, a run folder, or a run id (RUN or BENCHMARK/RUN) in the archive",
        )
    parser.add_argument(
        "--archive",
        type=Path,
        default=DEFAULT_ARCHIVE,
        help="archive folder where run ids are looked up (default: archive/)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="a terminal table or Markdown"
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    try:
        a = RunAnalysis(load_record(find_run(args.run_a, args.archive)))
        b = RunAnalysis(load_record(find_run(args.run_b, args.archive)))
    except RunNotFound as error:
        print(f"bench compare: {error}", file=sys.stderr)
        return ExitCode.USAGE
    except ArchiveError as error:
        print(f"bench compare: {error}", file=sys.stderr)
        return ExitCode.INVALID
    comparison = compare_runs(a, b)
    if args.format == "markdown":
        sys.stdout.write(render_markdown(comparison))
    else:
        print_tables(comparison, Console())
    return ExitCode.OK
