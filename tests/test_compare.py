"""`bench compare RUN_A RUN_B`: score and wall changes per model and pair, and flipped checks."""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import compare
from bench.record.analysis import RunAnalysis
from bench.record.compare import compare_runs
from bench.record.schema import METHODOLOGY_VERSION
from tests.support.records import START, make_record, write_archive
from tests.support.sitebuild import REPO

RUN_A = make_record(started_at=START, methodology_version=1)
RUN_B = make_record(
    started_at=START + dt.timedelta(days=1),
    models=("tiny:0.5b", "mid:3b", "big:8b", "huge:14b"),
    # mid:3b now passes writes_output (+15 pts); the first pair's compile now fails.
    failed={"mid:3b": ("merges_windows",), "tiny:0.5b -> big:8b": ("python_compile",)},
    call_wall_s={"big:8b": 30.0},
    repeats=2,
)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive", [RUN_A, RUN_B])


def run_compare(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    compare.add_parser(parser.add_subparsers())
    args = parser.parse_args(["compare", *argv])
    code: int = args.handler(args)
    return code


def _markdown_rows(text: str, section: str) -> dict[str, list[str]]:
    """The rows of one Markdown table, by first cell."""
    lines = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0].splitlines()
    rows = [line.strip("|").split(" | ") for line in lines if line.startswith("| ")]
    rows = [row for row in rows if row[0].strip() != "---"]
    return {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows[1:]}


def test_markdown_shows_changes_and_flipped_checks(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run_compare(RUN_A.run_id, RUN_B.run_id, "--archive", str(archive), "--format", "markdown")
        == 0
    )
    out = capsys.readouterr().out

    models = _markdown_rows(out, "Direct models")  # by display name: the config's label
    # A asked once, B twice: mean scores, and why neither has an interval
    once, twice = "(1 sample: too few for an interval)", "(the same on both samples)"
    assert models["Mid 3B"] == [
        f"70 {once}",
        f"85 {twice}",
        "+15 pts",
        "17.0s",
        "17.2s (17.0s–17.5s)",
        "+0.2s",
    ]
    assert models["Big 8B"] == [
        f"85 {once}",
        f"85 {twice}",
        "+0 pts",
        "37.0s",
        "30.2s (30.0s–30.5s)",
        "-6.8s",
    ]
    assert models["Huge 14B"] == ["—", f"85 {twice}", "—", "—", "61.2s (61.0s–61.5s)", "—"]
    pairs = _markdown_rows(out, "Handoff pairs")
    assert pairs["Tiny 0.5B -> Big 8B"][:3] == [f"85 {once}", f"0 {twice}", "-85 pts"]
    flips = _markdown_rows(out, "Checks that flipped")
    assert flips == {
        "Mid 3B": ["writes_output", "failed", "passed"],
        "Tiny 0.5B -> Big 8B": ["python_compile", "passed", "failed"],
    }
    assert f"different methodology versions (v1, v{METHODOLOGY_VERSION})" in out


def test_the_terminal_table_shows_the_same_figures(
    archive: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    run_a = archive / RUN_A.benchmark_id / RUN_A.run_id  # a run folder
    run_b = run_a.parent / RUN_B.run_id / "run.json"  # a run.json
    assert run_compare(str(run_a), str(run_b)) == 0
    out = capsys.readouterr().out

    lines: dict[str, str] = {}  # the first row of each name: the models and pairs tables
    for line in out.splitlines():
        if line.count("│") > 3:
            lines.setdefault(line.split("│")[1].strip(), line)
    once, twice = "(1 sample: too few for an interval)", "(the same on both samples)"
    assert [cell.strip() for cell in lines["Mid 3B"].split("│")[2:-1]] == [
        f"70 {once}", f"85 {twice}", "+15 pts", "17.0s", "17.2s (17.0s–17.5s)", "+0.2s",
    ]  # fmt: skip
    assert [cell.strip() for cell in lines["Tiny 0.5B -> Big 8B"].split("│")[2:-1]][:3] == [
        f"85 {once}", f"0 {twice}", "-85 pts",
    ]  # fmt: skip
    flipped = [line for line in out.splitlines() if "writes_output" in line]
    assert len(flipped) == 1 and "failed" in flipped[0] and "passed" in flipped[0]
    assert "Checks that flipped" in out


def test_same_run_twice_flips_nothing() -> None:
    a = RunAnalysis(RUN_A)
    comparison = compare_runs(a, a)
    assert comparison.flips == ()
    assert all(c.score_delta_pts == 0 for c in comparison.models)
    assert "No check flipped between passed and failed." in compare.render_markdown(comparison)


def test_an_unknown_or_ambiguous_run_is_named(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_compare("no-such-run", RUN_B.run_id, "--archive", str(archive)) == 2
    err = capsys.readouterr().err
    assert "no-such-run: expected a run.json, a run folder or a run id" in err

    twin = RUN_A.model_copy(update={"benchmark_id": "other-codegen"})
    write_archive(archive, [twin])
    assert run_compare(RUN_A.run_id, RUN_B.run_id, "--archive", str(archive)) == 2
    err = capsys.readouterr().err
    assert "found 2" in err and "BENCHMARK/RUN" in err
    code = run_compare(f"other-codegen/{RUN_A.run_id}", RUN_B.run_id, "--archive", str(archive))
    assert code == 0


def test_an_invalid_record_is_reported(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = archive / RUN_A.benchmark_id / RUN_A.run_id / "run.json"
    path.write_text('{"schema_version": 1}', encoding="utf-8")
    assert run_compare(str(path), RUN_B.run_id, "--archive", str(archive)) == 1
    assert "benchmark_id: expected a value" in capsys.readouterr().err


def test_runs_as_a_command(archive: Path) -> None:
    argv = [RUN_A.run_id, RUN_B.run_id, "--archive", str(archive), "--format", "markdown"]
    result = subprocess.run(
        [sys.executable, "-m", "bench.cli", "compare", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"# Compare {RUN_A.run_id} → {RUN_B.run_id}")
