"""What a person watching `bench run` sees: a progress bar with ETA, then a summary table.

The summary's figures come from `bench.record.analysis`, the functions the report site uses.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from bench.record.analysis import CascadeSummary, DirectSummary, RunAnalysis
from bench.record.schema import RunRecord, RunStatus
from bench.runner.orchestrator import Call, call_error
from bench.site import fmt


class RichProgress:
    """The orchestrator's observer: one bar over all calls of the run, with ETA."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("calls"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def planned(self, total: int, done: int) -> None:
        self._task = self._progress.add_task("running", total=total, completed=done)

    def finished(self, call: Call, error: str | None) -> None:
        if self._task is None:
            return
        if error is not None:
            self._console.print(f"[red]call failed[/red] {call.label}: {error}", highlight=False)
        self._progress.update(self._task, advance=1, description=call.label)


def print_summary(console: Console, record: RunRecord, record_path: Path) -> None:
    """The table of results, every failed call, and where the record is."""
    analysis = RunAnalysis(record)
    console.print(summary_table(analysis))
    errors = error_lines(analysis)
    if errors:
        console.print(f"[red]{len(errors)} failed call(s):[/red]")
        for line in errors:
            console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    state = "complete" if record.status is RunStatus.COMPLETE else "PARTIAL"
    console.print(f"Record ({state}): {record_path}", highlight=False, soft_wrap=True)


def summary_table(analysis: RunAnalysis) -> Table:
    record = analysis.record
    table = Table(title=f"{record.title} — {record.run_id}", title_justify="left")
    table.add_column("Model / pair")
    for column in ("Size (B)", "Score", "Wall", "Throughput", "Errors"):
        table.add_column(column, justify="right")
    for direct in analysis.direct:
        table.add_row(*_direct_row(direct))
    if analysis.cascades:
        table.add_section()
    for cascade in analysis.cascades:
        table.add_row(*_cascade_row(cascade))
    table.caption = "Wall: call wall (direct), pipeline wall (pairs); medians (min-max)."
    return table


def _direct_row(direct: DirectSummary) -> tuple[str, ...]:
    return (
        f"{direct.model.label} ({direct.tag})",
        fmt.size_b(direct.model.params_b),
        fmt.stat(direct.score),
        fmt.stat(direct.call_wall_s, "seconds"),
        fmt.stat(direct.throughput_tok_s, "tok_s"),
        _errors(len(direct.errors), len(direct.result.samples)),
    )


def _cascade_row(cascade: CascadeSummary) -> tuple[str, ...]:
    failed = sum(1 for s in cascade.result.samples if call_error(s) is not None)
    return (
        cascade.label,
        fmt.DASH,
        fmt.stat(cascade.score),
        fmt.stat(cascade.pipeline_wall_s, "seconds"),
        fmt.stat(cascade.refine_tok_s, "tok_s"),
        _errors(failed, len(cascade.result.samples)),
    )


def _errors(failed: int, samples: int) -> str:
    return f"[red]{failed}/{samples}[/red]" if failed else f"0/{samples}"


def error_lines(analysis: RunAnalysis) -> list[str]:
    """`WHO #REPEAT: ERROR` for every failed call, direct models first."""
    lines: list[str] = []
    for direct in analysis.direct:
        for number, sample in enumerate(direct.result.samples, start=1):
            if sample.generation.error is not None:
                lines.append(f"{direct.tag} #{number}: {sample.generation.error}")
    for cascade in analysis.cascades:
        for number, cascade_sample in enumerate(cascade.result.samples, start=1):
            error = call_error(cascade_sample)
            if error is not None:
                lines.append(f"{cascade.tags} #{number}: {error}")
    return lines
