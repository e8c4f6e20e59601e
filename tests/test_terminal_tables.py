"""Terminal tables (the run's summary, `bench compare`) fit the terminal's width, 80 columns
too, without cutting a word: a model's name is never split (`qwen3:0.6` / `b`) nor ellipsed
(`(10.0s–132.1…`), and nothing is cropped."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from bench.cli.compare import print_tables
from bench.cli.progress import summary_table
from bench.cli.tables import fit
from bench.record.analysis import RunAnalysis
from bench.record.compare import compare_runs
from bench.record.schema import RunRecord
from bench.site import fmt
from tests.support.records import make_record

MODELS = ("qwen2.5-coder:1.5b", "qwen3:0.6b", "deepseek-coder-v2:16b")
PAIRS = (("qwen3:0.6b", "qwen2.5-coder:1.5b"),)
BORDERS = re.compile(r"[\s│┃║|]+")


def _record(repeats: int, tasks: tuple[str, ...], **kw: object) -> RunRecord:
    return make_record(models=MODELS, pairs=PAIRS, repeats=repeats, tasks=tasks, **kw)  # type: ignore[arg-type]


def _words(record: RunRecord) -> set[str]:
    """The words of every model's and pair's name and of their walls (`(11.0s–12.0s)`)."""
    analysis = RunAnalysis(record)
    texts = [d.name for d in analysis.direct] + [c.name for c in analysis.cascades]
    texts += [fmt.stat(d.call_wall_s, "seconds") for d in analysis.direct]
    texts += [fmt.stat(c.pipeline_wall_s, "seconds") for c in analysis.cascades]
    return {word for text in texts for word in text.split()}


def _drawn(width: int, draw: object) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    draw(console)  # type: ignore[operator]
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def _assert_fits(out: str, width: int, words: set[str]) -> None:
    assert all(len(line) <= width for line in out.splitlines())
    assert "…" not in out
    shown = set(BORDERS.split(out))
    assert words <= shown, f"cut: {sorted(words - shown)}"


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize(
    ("repeats", "tasks"), [(1, ("window_report",)), (3, ("window_report", "t2", "t3"))]
)
def test_the_run_summary_fits_without_cutting_a_word(
    width: int, repeats: int, tasks: tuple[str, ...]
) -> None:
    record = _record(repeats, tasks)

    # The table print_summary prints; the lines after it are one line each, to copy whole.
    table = summary_table(RunAnalysis(record))
    out = _drawn(width, lambda console: console.print(fit(table, console)))

    _assert_fits(out, width, _words(record))


@pytest.mark.parametrize("width", [80, 120])
def test_compare_fits_without_cutting_a_word(width: int) -> None:
    a = _record(1, ("window_report",))
    b = _record(1, ("window_report",), run_id="later", call_wall_s=dict.fromkeys(MODELS, 132.1))
    comparison = compare_runs(RunAnalysis(a), RunAnalysis(b))

    out = _drawn(width, lambda console: print_tables(comparison, console))

    _assert_fits(out, width, _words(a) | _words(b))
