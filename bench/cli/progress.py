"""What a person watching `bench run` sees: a progress bar with ETA, then a summary table.

The summary's figures come from `bench.record.analysis`, the functions the report site uses.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichBar
from rich.table import Table
from rich.text import Text

from bench.cli._common import shown_path
from bench.cli.tables import fit
from bench.record.analysis import CascadeSummary, DirectSummary, RunAnalysis
from bench.record.errors import shorten
from bench.record.schema import RunRecord, RunStatus
from bench.record.stats import PairedComparison
from bench.record.suite import paired_table
from bench.runner.progress import Call, Progress
from bench.site import fmt, sure
from bench.site.summary import handoff_outcomes

BAR_WIDTH = 10
_FIXED_WIDTH = 46  # the bar, "123/456 calls", elapsed, "ETA 0:00:00" and the gaps between


class RichProgress:
    """The orchestrator's observer: one bar over all calls of the run, the call in progress,
    and the time left (`Progress.remaining_s`); fits the terminal's width (80 too)."""

    def __init__(self, console: Console, progress: Progress | None = None) -> None:
        self._console = console
        self._model = progress or Progress()
        self._bar = RichBar(
            TextColumn("{task.description}"),
            BarColumn(bar_width=BAR_WIDTH),
            MofNCompleteColumn(),
            TextColumn("calls"),
            TimeElapsedColumn(),
            _EtaColumn(self._model),
            console=console,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def planned(self, total: int, pending: Sequence[Call]) -> None:
        self._model.planned(total, pending)
        self._task = self._bar.add_task(self._describe(), total=total, completed=self._model.done)

    def started(self, call: Call) -> None:
        self._model.started(call)
        self._refresh()

    def finished(self, call: Call, error: str | None) -> None:
        self._model.finished(call)
        if error is not None:
            self._console.print(
                Text.assemble(("call failed ", "red"), f"{self._model.name(call)}: {error}"),
                soft_wrap=True,
            )
        self._refresh()

    def _refresh(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=self._model.done, description=self._describe())

    def _describe(self) -> str:
        """The call in progress (`Label humaneval-55, repeat 1 of 2 (+1 more running)`), its
        models' names shortened first to leave the rest of the line room."""
        current = self._model.current
        if current is None:
            return "waiting"
        running = len(self._model.running)
        more = f" (+{running - 1} more running)" if running > 1 else ""
        where = self._model.where(current)
        room = max(12, self._console.width - _FIXED_WIDTH)
        who = shorten(self._model.who(current), max(12, room - len(where) - len(more)))
        return shorten(who + where + more, room)


class _EtaColumn(ProgressColumn):
    """`ETA 0:02:30`, from `Progress.remaining_s`; `ETA -:--:--` until a call's wall is known."""

    def __init__(self, model: Progress) -> None:
        super().__init__()
        self._model = model

    def render(self, task: Task) -> Text:
        left = self._model.remaining_s()
        if left is None:
            return Text("ETA -:--:--", style="progress.remaining")
        return Text(f"ETA {dt.timedelta(seconds=round(left))}", style="progress.remaining")


def print_summary(console: Console, record: RunRecord, record_path: Path) -> None:
    """The table of results, every failed call, and where the record is."""
    analysis = RunAnalysis(record)
    console.print(fit(summary_table(analysis), console))
    note = sure.error_bars_note(analysis)
    if note is not None:
        console.print(note, highlight=False, markup=False, soft_wrap=True)
    for line in paired_lines(analysis):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    stopped = auto_repeats_line(analysis)
    if stopped is not None:
        console.print(stopped, highlight=False, markup=False, soft_wrap=True)
    for outcome in handoff_outcomes(analysis):
        console.print(
            f"{outcome.pair}: {outcome.drafts}; {outcome.baseline}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    errors = error_lines(analysis)
    if errors:
        console.print(f"[red]{len(errors)} failed call(s):[/red]")
        for line in errors:
            console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    state = {
        RunStatus.COMPLETE: "complete",
        RunStatus.PARTIAL: "PARTIAL",
        RunStatus.FAILED: "FAILED: no call succeeded",
    }[record.status]
    console.print(f"Record ({state}): {shown_path(record_path)}", highlight=False, soft_wrap=True)


def paired_lines(analysis: RunAnalysis) -> list[str]:
    """`A vs B: +3 pts, 95% CI -4 to +10 pts over 20 tasks (not clear); 9 wins, ...` for each
    paired comparison of a run with error bars."""
    if not analysis.error_bars:
        return []
    return [
        f"{v.a} vs {v.b}: {sure.difference(v.comparison)} ({sure.clarity(v.comparison)}); "
        f"{sure.wins(v.comparison)}{_told(v.comparison)}"
        for v in paired_table(analysis)
    ]


def auto_repeats_line(analysis: RunAnalysis) -> str | None:
    """`sure.auto_repeats_note`, and what each comparison's sequence said when it stopped."""
    note = sure.auto_repeats_note(analysis)
    auto = analysis.record.auto_repeats
    if note is None or auto is None:
        return None
    read = "; ".join(
        f"{c.a} vs {c.b}: {c.verdict}, {fmt.signed_number(c.low_pts)} to "
        f"{fmt.signed_pts(c.high_pts)}"
        for c in auto.comparisons
    )
    return note + (f" When it stopped: {read}." if read else "")


def _told(c: PairedComparison) -> str:
    told = sure.can_tell(c)
    return f"; {told}" if told else ""


def summary_table(analysis: RunAnalysis) -> Table:
    record = analysis.record
    table = Table(title=f"{record.title} — {record.run_id}", title_justify="left")
    table.add_column("Model / pair")
    suite = analysis.error_bars
    score_columns = (
        ("Mean score (95% CI)", "Pass rate (95% CI)", "pass@k", "n") if suite else ("Score",)
    )
    for column in ("Size (B)", *score_columns, "Wall", "Throughput", "Errors"):
        table.add_column(column, justify="right")
    failed = Counter(f.who for f in analysis.call_failures)
    samples = {d.model.tag: len(d.samples) for d in record.direct}
    samples |= {f"{c.small} -> {c.large}": len(c.samples) for c in record.cascades}
    for direct in analysis.direct:
        row = _direct_row(direct, suite)
        table.add_row(*row, _errors(failed[direct.tag], samples[direct.tag]))
    if analysis.cascades:
        table.add_section()
    for cascade in analysis.cascades:
        row = _cascade_row(cascade, suite)
        table.add_row(*row, _errors(failed[cascade.tags], samples[cascade.tags]))
    if analysis.unmeasured:
        table.add_section()
    for gone in analysis.unmeasured:
        nothing = ("not measured", *([fmt.DASH] * (len(score_columns) - 1)))
        table.add_row(
            gone.who, fmt.DASH, *nothing, fmt.DASH, fmt.DASH, _errors(gone.calls, gone.calls)
        )
    table.caption = (
        "Wall: call wall (direct), pipeline wall (pairs); medians (min-max). Calls that failed "
        "on the server are missing data, in no figure."
    )
    if suite:
        table.caption += (
            " Mean score: tasks weigh the same, repeats averaged within a task, 95% interval a"
            " percentile bootstrap over tasks (one task: over its samples), none when too few;"
            " pass rate: samples that passed every check, Wilson interval; n: samples."
        )
    return table


def _scores(who: DirectSummary | CascadeSummary, suite: bool) -> tuple[str, ...]:
    if not suite:
        return (fmt.stat(who.score),)
    s = who.summary
    return (sure.mean_score(s), sure.pass_rate(s), sure.pass_at_k(s), str(s.n))


def _direct_row(direct: DirectSummary, suite: bool) -> tuple[str, ...]:
    return (
        direct.name,
        fmt.size_b(direct.model.params_b),
        *_scores(direct, suite),
        fmt.stat(direct.call_wall_s, "seconds"),
        fmt.stat(direct.throughput_tok_s, "tok_s"),
    )


def _cascade_row(cascade: CascadeSummary, suite: bool) -> tuple[str, ...]:
    return (
        cascade.name,
        fmt.DASH,
        *_scores(cascade, suite),
        fmt.stat(cascade.pipeline_wall_s, "seconds"),
        fmt.stat(cascade.refine_tok_s, "tok_s"),
    )


def _errors(failed: int, samples: int) -> str:
    return f"[red]{failed}/{samples}[/red]" if failed else f"0/{samples}"


def error_lines(analysis: RunAnalysis) -> list[str]:
    """`WHO #N: ERROR` for every failed call, direct models first; missing data said so."""
    return [
        f"{f.who} #{f.number}: {f.error}" + (" (missing data: left out)" if f.missing else "")
        for f in analysis.call_failures
    ]
