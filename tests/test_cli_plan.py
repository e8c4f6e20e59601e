"""`bench plan CONFIG --difference PTS`: the tasks and repeats each comparison of a run needs,
from the spreads earlier runs of its benchmark measured (or a stated default), and the wall
time their call times give."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import cli
from bench.record.analysis import RunAnalysis
from bench.record.planning import PlannedComparison, measured_variance, planned_comparisons
from bench.record.power import DEFAULT_VARIANCE, plan
from tests.support.records import BENCHMARK, make_record, write_archive
from tests.support.runs import REPO, bench, write_config

TASKS = tuple(f"t{n}" for n in range(12))
MODELS = [
    {"tag": tag, "backend": "ollama", "url": "http://127.0.0.1:9", "params_b": size}
    for tag, size in (("tiny:0.5b", 0.5), ("mid:3b", 3.0), ("big:8b", 8.0))
]
WALLS = {"tiny:0.5b": 10.0, "mid:3b": 20.0, "big:8b": 40.0}


def earlier_run(**kw: object) -> RunAnalysis:
    """A run of the benchmark on 12 tasks, twice each, whose candidates fail on some tasks."""
    failed = {
        "tiny:0.5b": {t: ("merges_windows", "writes_output") for t in TASKS[::2]},
        "mid:3b": {t: ("writes_output",) for t in TASKS[::3]},
        "big:8b": {t: ("writes_output",) for t in TASKS[:2]},
        "tiny:0.5b -> big:8b": {t: ("parses_input",) for t in TASKS[::4]},
    }
    record = make_record(
        tasks=TASKS,
        repeats=2,
        models=tuple(WALLS),
        pairs=(("tiny:0.5b", "big:8b"),),
        failed=failed,  # type: ignore[arg-type]
        call_wall_s=WALLS,
        **kw,  # type: ignore[arg-type]
    )
    return RunAnalysis(record)


def config(folder: Path, pairs: tuple[tuple[str, str], ...] = (("tiny:0.5b", "big:8b"),)) -> Path:
    return write_config(folder, MODELS, pairs, benchmark=BENCHMARK, repeats=2)


def run_plan(path: Path, difference: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["plan", str(path), "--difference", difference])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_comparisons_are_the_run_pages(tmp_path: Path) -> None:
    found = planned_comparisons(
        [("big:8b", 8.0), ("tiny:0.5b", 0.5), ("odd", None), ("mid:3b", 3.0)],
        [("tiny:0.5b", "big:8b")],
    )

    assert found == [
        PlannedComparison(("tiny:0.5b", "big:8b"), "big:8b"),
        PlannedComparison("tiny:0.5b", "mid:3b"),
        PlannedComparison("mid:3b", "big:8b"),
    ]


def test_with_earlier_runs_it_uses_their_spreads_and_call_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = earlier_run()
    write_archive(tmp_path / "archive", [run.record])

    code, out = run_plan(config(tmp_path), "10", capsys)

    assert code == cli.EXIT_OK, out
    assert out.count("measured on this comparison in the archive (12 tasks, up to 2 repeats)") == 3
    assert "1 earlier run of synthetic-codegen" in out
    for comparison, names in [
        (PlannedComparison(("tiny:0.5b", "big:8b"), "big:8b"), "tiny:0.5b → big:8b vs big:8b"),
        (PlannedComparison("tiny:0.5b", "mid:3b"), "tiny:0.5b vs mid:3b"),
    ]:
        variance = measured_variance([run], comparison)
        assert variance is not None
        needs = plan(variance, 10, most_tasks=1)
        block = out.split(names + "\n", 1)[1]
        assert block.startswith("  spread: measured on this comparison")
        expected = (
            "more than the 1 tasks" if needs is None else f"{needs.tasks} tasks × {needs.repeats}"
        )
        assert f"  needs: {expected}" in block.splitlines()[1]
    # one server: every call one after another, at the median call time of each model
    # (a repeat's calls take 0.5 s longer in the factory: the median is 0.25 s above)
    per_sample_s = sum(w + 0.25 for w in WALLS.values()) + (WALLS["big:8b"] + 0.25)
    assert "Wall time as configured: about" in out
    assert f"about {round(per_sample_s * 2 / 60)} min of model calls" in out
    assert "median call time of each model and handoff" in out


def test_a_comparison_no_earlier_run_made_uses_the_benchmarks_pooled_spread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_archive(tmp_path / "archive", [earlier_run().record])

    code, out = run_plan(config(tmp_path, pairs=(("mid:3b", "big:8b"),)), "10", capsys)

    assert code == cli.EXIT_OK, out
    assert "mid:3b → big:8b vs big:8b\n  spread: measured on this benchmark's comparisons" in out


def test_without_earlier_runs_it_says_it_used_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_plan(config(tmp_path), "20", capsys)

    assert code == cli.EXIT_OK, out
    assert out.count("spread: default (no earlier run of this benchmark)") == 3
    assert "between tasks 35 pts, between repeats 30 pts" in out
    assert "0 earlier runs" in out
    assert "no call times in the archive" in out


def test_a_suite_large_enough_gets_a_design_and_its_wall_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path, MODELS[:2], benchmark=BENCHMARK, task=None, tasks=["humaneval"], repeats=1
    )
    write_archive(tmp_path / "archive", [earlier_run().record])

    code, out = run_plan(path, "30", capsys)

    assert code == cli.EXIT_OK, out
    assert "The config asks 164 of 164 tasks × 1 repeat" in out
    assert "The run needs " in out and "samples per candidate), the most any" in out
    assert "Wall time so: about" in out


def test_without_a_design_in_reach_it_says_what_the_config_can_tell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_plan(config(tmp_path), "5", capsys)

    assert code == cli.EXIT_OK, out
    assert DEFAULT_VARIANCE.source == "default"
    assert "needs: more than the 1 tasks × 10 repeats the suite allows" in out
    assert "At least one comparison cannot tell 5 pts within the suite's 1 tasks" in out
    assert "as configured, the run can tell ±" in out


@pytest.mark.parametrize("difference", ["0", "-3", "150"])
def test_a_difference_out_of_range_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], difference: str
) -> None:
    code, out = run_plan(config(tmp_path), difference, capsys)

    assert code == cli.EXIT_USAGE
    assert f"--difference: expected points above 0 and up to 100, found {difference}" in out


def test_a_bad_config_is_refused_with_its_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, MODELS, repeats="sometimes")

    code, out = run_plan(path, "5", capsys)

    assert code == cli.EXIT_USAGE
    assert f"{path}:" in out and "repeats" in out


def test_bench_plan_runs_as_a_command(tmp_path: Path) -> None:
    done = bench("plan", str(config(tmp_path)), "--difference", "10", cwd=REPO)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Plan for synthetic-codegen: to tell a difference of 10 pts")
