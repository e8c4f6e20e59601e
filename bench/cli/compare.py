"""`bench compare RUN_A RUN_B`: what changed from run A to run B, as tables or Markdown.

The figures are `bench.record.compare`'s and the tables `bench.site.comparison`'s: the site's
comparison pages show the same. They are imported when the command runs, so that `bench`
starts at once.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bench.cli._common import DEFAULT_ARCHIVE, ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from bench.record.compare import Comparison

FORMATS = ("table", "markdown")


def render_markdown(comparison: Comparison) -> str:
    from bench.site.comparison import comparison_sections, run_line

    lines = [
        f"# Compare {comparison.a.record.run_id} → {comparison.b.record.run_id}",
        "",
        f"- {_md(run_line('A', comparison.a))}",
        f"- {_md(run_line('B', comparison.b))}",
        *(f"- **Note:** {_md(w)}" for w in comparison.warnings),
        *(f"- {_md(line)}" for line in _reproduction(comparison)),
    ]
    for section in comparison_sections(comparison):
        lines += ["", f"## {section.title}", ""]
        if not section.rows:
            lines.append(section.empty)
            continue
        lines.append("| " + " | ".join(section.header) + " |")
        lines.append("|" + "|".join(" --- " for _ in section.header) + "|")
        lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in section.rows]
    return "\n".join(lines) + "\n"


def _reproduction(comparison: Comparison) -> tuple[str, ...]:
    """The verdict and its lines when run B reran run A (`bench reproduce`)."""
    from bench.record.reproduce import reproduction
    from bench.site.reproduce import reproduction_lines

    if not comparison.reproduces:
        return ()
    return reproduction_lines(reproduction(comparison.a, comparison.b))


_HTML_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _md(text: str) -> str:
    """Text safe in a Markdown table cell: no pipe, no line break, no HTML tag."""
    flat = " ".join(text.splitlines()).replace("|", "\\|")
    return _HTML_TAG_START.sub("&lt;", flat)


def print_tables(comparison: Comparison, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    from bench.cli.tables import fit
    from bench.site.comparison import comparison_sections, run_line

    console.print(Text(run_line("A", comparison.a)))
    console.print(Text(run_line("B", comparison.b)))
    for warning in comparison.warnings:
        console.print(Text(f"Note: {warning}", style="yellow"))
    for line in _reproduction(comparison):
        console.print(Text(line))
    for section in comparison_sections(comparison):
        if not section.rows:
            console.print(Text(f"\n{section.title}: {section.empty}"))
            continue
        table = Table(title=section.title, title_justify="left")
        for n, name in enumerate(section.header):
            justify: Literal["left", "right"] = "right" if section.figures and n else "left"
            table.add_column(name, justify=justify)
        for row in section.rows:
            table.add_row(*(Text(cell, style=_style(cell)) for cell in row))
        console.print(fit(table, console))


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
    from rich.console import Console

    from bench.record.analysis import RunAnalysis
    from bench.record.archive import ArchiveError, RunNotFound, find_run, load_record
    from bench.record.compare import compare_runs

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
