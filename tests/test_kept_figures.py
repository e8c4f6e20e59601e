"""A leaderboard's pooled figures and the filters' data files kept between builds: the same
rows and files as made afresh, from a kept file, after a run was added or renamed, and when
the file was damaged."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from bench.record.analysis import RunAnalysis
from bench.record.schema import RunRecord
from bench.site.browse import data_files, with_marks
from bench.site.figures import Figures
from bench.site.index import IndexEntry
from bench.site.leaderboard import LeaderboardRow, leaderboard, model_entries, model_runs
from bench.site.report import report_path
from tests.support.records import BENCHMARK, START, make_record

TASKS = [f"t{i}" for i in range(5)]


def records(count: int) -> list[RunRecord]:
    return [
        make_record(
            started_at=START + dt.timedelta(days=n),
            host=("lab-1", "lab-2")[n % 2],
            tasks=TASKS[: 1 + n % 5],
            repeats=1 + n % 3,
        )
        for n in range(count)
    ]


def rows(runs: list[RunRecord], folder: Path | None) -> list[LeaderboardRow]:
    analyses = [RunAnalysis(r) for r in runs]
    models = model_runs((a.record.benchmark_id, model_entries(a)) for a in analyses)[BENCHMARK]
    sources = {report_path(r): f"digest-of-{r.run_id}" for r in runs}
    figures = Figures(folder, "code", sources) if folder is not None else None
    found = leaderboard(BENCHMARK, models, figures)
    if figures is not None:
        figures.save()
    return found


def test_kept_figures_give_the_rows_computed_afresh(tmp_path: Path) -> None:
    runs = records(7)
    fresh = rows(runs, None)
    assert rows(runs, tmp_path) == fresh  # computed, and kept
    assert list(tmp_path.iterdir())
    assert rows(runs, tmp_path) == fresh  # read back


def test_a_run_added_changes_its_rows_figures(tmp_path: Path) -> None:
    runs = records(8)
    rows(runs[:7], tmp_path)
    assert rows(runs, tmp_path) == rows(runs, None)


def _damage(folder: Path, field: bytes) -> None:
    """Each kept file edited after its digest: `field` given a value it never had."""
    for path in folder.iterdir():
        path.chmod(0o644)
        path.write_bytes(path.read_bytes().replace(field, field + b"1"))


def test_a_damaged_file_of_figures_is_computed_again(tmp_path: Path) -> None:
    runs = records(6)
    rows(runs, tmp_path)
    _damage(tmp_path, b'"point":')
    assert rows(runs, tmp_path) == rows(runs, None)


def files(entries: list[IndexEntry], folder: Path | None) -> dict[str, str]:
    sources = {e.href: f"digest-of-{e.run_id}" for e in entries}
    kept = Figures(folder, "code", sources, name="data") if folder is not None else None
    found = data_files(BENCHMARK, entries, kept)
    if kept is not None:
        kept.save()
    return found


def entries(count: int) -> list[IndexEntry]:
    return [IndexEntry.of(RunAnalysis(r)) for r in records(count)]


def test_kept_data_files_are_those_made_afresh(tmp_path: Path) -> None:
    runs = entries(40)
    fresh = files(runs, None)
    assert files(runs, tmp_path) == fresh
    assert [p.name for p in tmp_path.iterdir()] == ["data-v1.json"]
    assert files(runs, tmp_path) == fresh


def test_a_run_added_renamed_or_marked_changes_its_months_data(tmp_path: Path) -> None:
    runs = entries(41)
    files(runs[:40], tmp_path)
    assert files(runs, tmp_path) == files(runs, None)
    renamed = [runs[0].named({runs[0].model_tags[0]: "Another name"}), *runs[1:]]
    assert renamed[0] != runs[0]
    assert files(renamed, tmp_path) == files(renamed, None)
    marked = [with_marks(runs[0], ()), dataclasses.replace(runs[1], marks="score up"), *runs[2:]]
    assert files(marked, tmp_path) == files(marked, None) != files(runs, None)


def test_a_damaged_file_of_data_is_made_again(tmp_path: Path) -> None:
    runs = entries(30)
    files(runs, tmp_path)
    _damage(tmp_path, b'\\"run\\":')
    assert files(runs, tmp_path) == files(runs, None)
