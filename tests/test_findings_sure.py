"""Findings say how sure they are: over several tasks a winner is named only when the paired
95% interval of the difference leaves out 0; a run of one task asked once says, once, that its
figures have no error bars."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from bench.cli.progress import print_summary
from bench.record.analysis import RunAnalysis
from bench.record.stats import paired
from bench.record.suite import paired_table
from bench.site import fmt
from bench.site.findings import findings_for
from bench.site.sure import NO_ERROR_BARS, difference, mean_score
from tests.support.records import make_record, write_archive
from tests.support.sitebuild import SEED_RUN, build_site, make_project, page_text

TASKS = tuple(f"humaneval-{i}" for i in range(12))
ALL = ("parses_input", "merges_windows", "reports_metrics", "writes_output")  # 40 pts left


def finding(run: RunAnalysis, title: str) -> str:
    return next(f.text for f in findings_for(run) if f.title == title)


def _run(failed: dict[str, object], repeats: int = 1) -> RunAnalysis:
    record = make_record(
        models=("tiny:0.5b", "big:8b"),
        pairs=(("tiny:0.5b", "big:8b"),),
        tasks=TASKS,
        repeats=repeats,
        failed=failed,  # type: ignore[arg-type]
    )
    return RunAnalysis(record)


def test_a_clear_lead_over_many_tasks_is_called_clear_with_its_interval() -> None:
    # big passes every task; tiny fails all but one: a difference no interval can hide
    run = _run({"tiny:0.5b": {t: ALL for t in TASKS[1:]}, "big:8b": (), "tiny:0.5b -> big:8b": ()})
    big, tiny = sorted(run.direct, key=lambda d: -d.summary.mean_pts)
    c = paired(big.observations, tiny.observations)
    assert c.clear() and c.tasks == 12

    text = finding(run, "Direct quality leader")

    assert text.startswith(
        f"{big.name} led this run with a score of 100 (the same on all 12 tasks)"
    )
    lead = (
        f"Its lead over {tiny.name} is clear: {fmt.signed_pts(c.mean_diff_pts)} (mean of 12 tasks"
    )
    assert lead in text
    scale = finding(run, "Scale payoff")
    assert "a clear change" in scale and "mean of 12 tasks, 95% CI" in scale


def test_a_difference_the_interval_holds_0_for_is_not_a_winner() -> None:
    # each model fails a different third of the tasks: means apart, the paired interval holds 0
    tiny_fails = {t: ALL for t in TASKS[0:3]}
    big_fails = {t: ALL for t in TASKS[3:5]}
    run = _run({"tiny:0.5b": tiny_fails, "big:8b": big_fails, "tiny:0.5b -> big:8b": big_fails})
    big = next(d for d in run.direct if d.tag == "big:8b")
    tiny = next(d for d in run.direct if d.tag == "tiny:0.5b")
    c = paired(big.observations, tiny.observations)
    assert not c.clear() and c.interval is not None and c.interval.contains(0)

    text = finding(run, "Direct quality leader")

    assert f"Its lead over {tiny.name} is not clear: {fmt.signed_pts(c.mean_diff_pts)}" in text
    assert (
        f"95% CI {fmt.signed_number(c.interval.low)} to {fmt.signed_pts(c.interval.high)})" in text
    )
    assert "not a clear change" in finding(run, "Scale payoff")
    verdict = finding(run, "Cascade verdict")
    assert verdict.startswith("No cascade clearly beat its direct larger-model baseline")


def test_a_handoff_that_clearly_beats_its_large_model_is_named() -> None:
    fails = {t: ALL for t in TASKS[:8]}
    run = _run({"tiny:0.5b": fails, "big:8b": fails, "tiny:0.5b -> big:8b": ()})
    [pair] = run.cascades
    assert pair.versus_large.winner() == "a" and run.quality_wins == 1

    assert finding(run, "Cascade verdict").startswith(
        f"{pair.name} clearly beat its direct larger-model baseline in this run, at "
        f"{fmt.signed_pts(pair.versus_large.mean_diff_pts)} (mean of 12 tasks, 95% CI"
    )
    assert "a clear gain" in finding(run, "Small-model salvage")


def test_a_higher_mean_the_interval_does_not_support_is_no_quality_win() -> None:
    run = _run(
        {
            "tiny:0.5b": {t: ALL for t in TASKS[:6]},
            "big:8b": {t: ALL for t in TASKS[2:5]},  # 3 tasks failed
            "tiny:0.5b -> big:8b": {t: ALL for t in TASKS[:2]},  # 2 others failed
        }
    )
    [pair] = run.cascades
    assert pair.versus_large.mean_diff_pts > 0 and not pair.versus_large.clear()
    assert run.quality_wins == 0


@pytest.mark.slow
def test_one_task_asked_once_says_once_that_it_has_no_error_bars(tmp_path: Path) -> None:
    one = make_record(models=("tiny:0.5b", "big:8b"), pairs=())
    suite = make_record(
        models=("tiny:0.5b", "big:8b"), pairs=(), tasks=TASKS[:3], run_id="suite-run"
    )
    assert not RunAnalysis(one).error_bars and RunAnalysis(suite).error_bars
    project = make_project(tmp_path)  # the repo's archive: the seed, a one-task run asked once
    write_archive(project / "archive", [one, suite])

    site = build_site(project)

    def text(page: Path) -> str:
        return page_text(page.read_text(encoding="utf-8"))

    [one_page] = site.glob(f"*/{one.run_id}/report.html")
    [suite_page] = site.glob("*/suite-run/report.html")
    assert text(one_page).count(NO_ERROR_BARS) == 1
    assert text(site / SEED_RUN / "report.html").count(NO_ERROR_BARS) == 1
    assert NO_ERROR_BARS not in text(suite_page)


def test_the_runners_summary_gives_intervals_and_the_paired_comparisons(tmp_path: Path) -> None:
    record = make_record(tasks=TASKS[:4], repeats=2, failed={"tiny:0.5b": {TASKS[0]: ALL}})
    run = RunAnalysis(record)
    console = Console(width=300, record=True)

    print_summary(console, record, tmp_path / "run.json")

    out = console.export_text()
    assert "Mean score (95% CI)" in out and "Pass rate (95% CI)" in out
    tiny = next(d for d in run.direct if d.tag == "tiny:0.5b")
    assert mean_score(tiny.summary) in out
    k1, k2 = tiny.summary.pass_at_k[1], tiny.summary.pass_at_k[2]
    assert f"pass@1 {fmt.percent(k1)}, pass@2 {fmt.percent(k2)}" in out
    lines = [f"{v.a} vs {v.b}: {difference(v.comparison)}" for v in paired_table(run)]
    assert len(lines) == 2 * len(run.cascades) + len(run.direct) - 1
    assert all(line in out for line in lines)
    assert NO_ERROR_BARS not in out


def test_a_suite_runs_trend_point_is_its_mean_with_its_interval() -> None:
    from bench.site.trends import METRICS

    run = _run({"tiny:0.5b": {t: ALL for t in TASKS[:5]}, "big:8b": ()})
    tiny = next(d for d in run.direct if d.tag == "tiny:0.5b")
    score = next(m for m in METRICS if m.name == "score")

    point = score.of(tiny)

    assert point is not None and tiny.summary.interval is not None
    assert point.median == tiny.summary.mean_pts == pytest.approx(100 - 5 * 60 / 12)
    assert (point.low, point.high) == (tiny.summary.interval.low, tiny.summary.interval.high)
