"""Every run says what it could have told: the smallest difference each paired comparison finds
with 80% power, on the run page, in the runner's summary and in `bench compare`; a finding
that is not clear adds it, with about how many tasks and repeats would tell 5 points."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from rich.console import Console

from bench.cli.progress import print_summary
from bench.record.analysis import RunAnalysis
from bench.record.compare import compare_runs
from bench.record.power import TARGET_PTS, detectable_pts, plan, sensitivity, variance_components
from bench.record.suite import paired_table
from bench.site import fmt
from bench.site.comparison import comparison_sections
from bench.site.findings import findings_for
from bench.site.sure import can_tell
from tests.support.records import make_record, write_archive
from tests.support.sitebuild import build_site, make_project, page_text

TASKS = tuple(f"humaneval-{i}" for i in range(12))
ALL = ("parses_input", "merges_windows", "reports_metrics", "writes_output")  # 40 pts left


def _unclear_run() -> RunAnalysis:
    """Each model and the handoff fail a different few tasks: the paired intervals hold 0."""
    record = make_record(
        models=("tiny:0.5b", "big:8b"),
        pairs=(("tiny:0.5b", "big:8b"),),
        tasks=TASKS,
        failed={  # type: ignore[arg-type]
            "tiny:0.5b": {t: ALL for t in TASKS[0:3]},
            "big:8b": {t: ALL for t in TASKS[3:5]},
            "tiny:0.5b -> big:8b": {t: ALL for t in TASKS[5:7]},
        },
    )
    return RunAnalysis(record)


def test_the_sensitivity_is_the_power_of_the_comparisons_task_spread() -> None:
    run = _unclear_run()
    big, tiny = (next(d for d in run.direct if d.tag == t) for t in ("big:8b", "tiny:0.5b"))
    row = next(r for r in paired_table(run) if r.against == "larger")
    c = row.comparison
    task_diffs = [statistics.fmean(d) for _, d in c.by_task]

    found = sensitivity(c)

    assert found is not None and not c.clear()
    assert found.detectable_pts == detectable_pts(statistics.stdev(task_diffs), 12)
    variance = variance_components(dict(c.by_task))
    assert variance is not None
    assert found.to_tell_target == plan(variance, TARGET_PTS)
    assert (big.tag, tiny.tag) == ("big:8b", "tiny:0.5b")


def test_a_finding_that_is_not_clear_says_what_the_run_could_tell() -> None:
    run = _unclear_run()
    lead = next(f.text for f in findings_for(run) if f.title == "Direct quality leader")
    [pair] = run.cascades
    c = next(r.comparison for r in paired_table(run) if r.against == "larger")
    found = sensitivity(c)
    assert found is not None and found.to_tell_target is not None
    design = found.to_tell_target

    told = (
        f"; this run can tell ±{fmt.number(found.detectable_pts, 0)} pts; about {design.tasks} "
        f"tasks × {design.repeats} repeat"
    )
    assert told in lead and lead.endswith("would tell ±5.")
    assert "this run can tell ±" in next(
        f.text for f in findings_for(run) if f.title == "Cascade verdict"
    )
    assert can_tell(pair.versus_large) is not None


def test_a_clear_finding_says_nothing_more() -> None:
    record = make_record(
        models=("tiny:0.5b", "big:8b"),
        pairs=(),
        tasks=TASKS,
        failed={"tiny:0.5b": {t: ALL for t in TASKS[1:]}, "big:8b": ()},  # type: ignore[arg-type]
    )
    lead = next(f.text for f in findings_for(RunAnalysis(record)) if f.title.endswith("leader"))

    assert "is clear" in lead and "can tell" not in lead


def test_the_runners_summary_says_what_each_comparison_could_tell(tmp_path: Path) -> None:
    run = _unclear_run()
    console = Console(width=400, record=True)

    print_summary(console, run.record, tmp_path / "run.json")

    out = console.export_text()
    for row in paired_table(run):
        told = can_tell(row.comparison)
        assert told is not None and f"{row.a} vs {row.b}: " in out
        assert told in out


def test_bench_compare_says_what_each_paired_change_could_tell() -> None:
    a = _unclear_run()
    b = RunAnalysis(make_record(models=("tiny:0.5b", "big:8b"), pairs=(), tasks=TASKS))
    comparison = compare_runs(a, b)

    [section] = [s for s in comparison_sections(comparison) if s.title == "Paired changes"]

    assert section.header[-1] == "Score change it can tell"
    by_name = {row[0]: row for row in section.rows}
    tiny = next(c for c in comparison.paired if c.key == "tiny:0.5b")
    assert by_name[tiny.name][-1] == can_tell(tiny.score, lead="")
    assert by_name[tiny.name][-1].startswith("±")


@pytest.mark.slow  # builds a site
def test_the_run_page_has_a_can_tell_column(tmp_path: Path) -> None:
    run = _unclear_run()
    project = make_project(tmp_path)
    write_archive(project / "archive", [run.record])

    site = build_site(project)

    [page] = site.glob(f"*/{run.record.run_id}/report.html")
    text = page_text(page.read_text(encoding="utf-8"))
    assert "Can tell" in text
    for row in paired_table(run):
        told = can_tell(row.comparison, lead="")
        assert told is not None and told in text
