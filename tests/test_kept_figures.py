"""A leaderboard's pooled figures kept between builds: the same rows as computed afresh, from
a kept file, after a run was added, and when the file was damaged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bench.record.analysis import RunAnalysis
from bench.record.schema import RunRecord
from bench.site.figures import Figures
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


def test_a_damaged_file_of_figures_is_computed_again(tmp_path: Path) -> None:
    runs = records(6)
    rows(runs, tmp_path)
    for path in tmp_path.iterdir():
        path.chmod(0o644)
        path.write_bytes(path.read_bytes().replace(b'"point":', b'"point":1'))
    assert rows(runs, tmp_path) == rows(runs, None)
