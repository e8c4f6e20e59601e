"""`bench compare RUN_A RUN_B`: what changed from run A to run B.

Per direct model: score and call wall in A and in B, and the change; per handoff pair: score
and pipeline wall, likewise; and every check that flipped between passed and failed, per model
or pair. Every figure is `RunAnalysis`'s, the one the run pages show. A check counts as failed
for a candidate when any of its samples failed it (as in the failure hotspots), as passed when
every sample that ran it passed it.
"""

from __future__ import annotations

import argparse
import glob
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench import fmt
from bench.analysis import Outcomes, RunAnalysis, Stat
from bench.archive import ArchiveError, load_record
from bench.schema import RECORD_FILENAME, CheckOutcome

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
DEFAULT_ARCHIVE = Path("archive")
FORMATS = ("table", "markdown")


class RunNotFound(Exception):
    """A RUN argument that names no run record."""


@dataclass(frozen=True)
class Change:
    """One model or pair in run A and in run B; None where a run does not have it."""

    label: str
    score_a: Stat | None
    score_b: Stat | None
    wall_a_s: Stat | None
    wall_b_s: Stat | None

    @property
    def score_delta_pts(self) -> float | None:
        return _delta(self.score_a, self.score_b)

    @property
    def wall_delta_s(self) -> float | None:
        return _delta(self.wall_a_s, self.wall_b_s)


@dataclass(frozen=True)
class Flip:
    """A check whose outcome for one model or pair went from passed to failed, or back."""

    candidate: str
    check: str
    before: CheckOutcome
    after: CheckOutcome


@dataclass(frozen=True)
class Comparison:
    a: RunAnalysis
    b: RunAnalysis
    models: tuple[Change, ...]
    pairs: tuple[Change, ...]
    flips: tuple[Flip, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        ra, rb = self.a.record, self.b.record
        found = []
        if ra.benchmark_id != rb.benchmark_id:
            found.append(
                f"The runs are of different benchmarks ({ra.benchmark_id}, {rb.benchmark_id})."
            )
        if ra.task_id != rb.task_id:
            found.append(f"The runs asked for different tasks ({ra.task_id}, {rb.task_id}).")
        if ra.methodology_version != rb.methodology_version:
            found.append(
                f"The runs used different methodology versions (v{ra.methodology_version}, "
                f"v{rb.methodology_version}): their figures may not be comparable."
            )
        return tuple(found)


def compare_runs(a: RunAnalysis, b: RunAnalysis) -> Comparison:
    models_a = {d.tag: d for d in a.direct}
    models_b = {d.tag: d for d in b.direct}
    pairs_a = {c.tags: c for c in a.cascades}
    pairs_b = {c.tags: c for c in b.cascades}
    models = tuple(
        Change(
            tag,
            models_a[tag].score if tag in models_a else None,
            models_b[tag].score if tag in models_b else None,
            models_a[tag].call_wall_s if tag in models_a else None,
            models_b[tag].call_wall_s if tag in models_b else None,
        )
        for tag in _union(models_a, models_b)
    )
    pairs = tuple(
        Change(
            tags,
            pairs_a[tags].score if tags in pairs_a else None,
            pairs_b[tags].score if tags in pairs_b else None,
            pairs_a[tags].pipeline_wall_s if tags in pairs_a else None,
            pairs_b[tags].pipeline_wall_s if tags in pairs_b else None,
        )
        for tags in _union(pairs_a, pairs_b)
    )
    outcomes_a = {d.tag: d.outcomes for d in a.direct} | {c.tags: c.outcomes for c in a.cascades}
    outcomes_b = {d.tag: d.outcomes for d in b.direct} | {c.tags: c.outcomes for c in b.cascades}
    flips = tuple(
        flip
        for name in _union(outcomes_a, outcomes_b)
        if name in outcomes_a and name in outcomes_b
        for flip in _flips(name, outcomes_a[name], outcomes_b[name])
    )
    return Comparison(a, b, models, pairs, flips)


def _union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """Keys of A in A's order, then the ones only B has, in B's order."""
    return list(dict.fromkeys([*a, *b]))


def _delta(a: Stat | None, b: Stat | None) -> float | None:
    return None if a is None or b is None else b.median - a.median


def _flips(candidate: str, a: Outcomes, b: Outcomes) -> list[Flip]:
    before, after = a.check_states, b.check_states
    return [
        Flip(candidate, name, before[name], after[name])
        for name in b.check_order
        if name in before and name in after and before[name] is not after[name]
    ]


# Reading the runs


def resolve_run(argument: str, archive: Path) -> Path:
    """A run.json path, a run folder, or a run id (`RUN` or `BENCHMARK/RUN`) in `archive`."""
    path = Path(argument)
    if path.is_file():
        return path
    if (path / RECORD_FILENAME).is_file():
        return path / RECORD_FILENAME
    pattern = f"{glob.escape(argument)}/{RECORD_FILENAME}"
    found = sorted(archive.glob(pattern if "/" in argument else f"*/{pattern}"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise RunNotFound(
            f"{argument}: expected a run.json, a run folder or a run id in {archive}/, "
            "found none of these"
        )
    where = ", ".join(str(p.parent) for p in found)
    raise RunNotFound(
        f"{argument}: expected one run with this id in {archive}/, found {len(found)} "
        f"({where}); name it as BENCHMARK/RUN"
    )


# Output


def _stat(value: Stat | None, render: str = "score") -> str:
    return fmt.stat(value, render)


def _signed(value: float | None, render: Callable[[float], str]) -> str:
    return fmt.DASH if value is None else render(value)


def _model_rows(changes: Sequence[Change]) -> list[list[str]]:
    return [
        [
            c.label,
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
            "Checks that flipped",
            ["Model or pair", "Check", "A", "B"],
            flips,
            "No check flipped between passed and failed.",
            figures=False,
        ),
    ]


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


# The command


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
        a = RunAnalysis(load_record(resolve_run(args.run_a, args.archive)))
        b = RunAnalysis(load_record(resolve_run(args.run_b, args.archive)))
    except RunNotFound as error:
        print(f"bench compare: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ArchiveError as error:
        print(f"bench compare: {error}", file=sys.stderr)
        return EXIT_INVALID
    comparison = compare_runs(a, b)
    if args.format == "markdown":
        sys.stdout.write(render_markdown(comparison))
    else:
        print_tables(comparison, Console())
    return EXIT_OK


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="bench")
    add_parser(_parser.add_subparsers(required=True))
    _args = _parser.parse_args(["compare", *sys.argv[1:]])
    sys.exit(_args.handler(_args))
