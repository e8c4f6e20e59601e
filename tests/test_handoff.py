"""What a handoff's refiner did with the draft it was handed: kept, fixed, broke, or both
failed; and whether the draft helped or hurt the large model. On the page, in the runner's
summary and in `bench compare`, from one function."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from bench.cli import compare
from bench.cli.progress import print_summary
from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.compare import compare_runs
from bench.record.handoff import (
    StageShares,
    Transitions,
    baseline_transitions,
    draft_transitions,
    stage_shares,
)
from bench.site import summary
from bench.site.cache import BuildCache
from bench.site.charts.model import charts_for
from bench.site.report import report_page, report_path
from tests.support.records import (
    direct,
    handoff,
    handoff_run,
    record,
    sample,
    write_archive,
)
from tests.support.sitebuild import REPO, SEED_RUN, build_in_process, make_project, page_text

FIXES = handoff_run(
    [True, True, False, True], [False, False, False, True], [True, False, False, True]
)
BREAKS = handoff_run([False, False], [True, False], [False, False])


def test_a_refiner_that_fixes_drafts_is_counted_so() -> None:
    [pair] = RunAnalysis(FIXES).cascades

    drafts = draft_transitions(pair)
    assert drafts == Transitions(both_pass=1, fixed=2, broke=0, both_fail=1)
    assert (drafts.fixed, drafts.failing_before) == (2, 3)
    interval = drafts.fixed_interval()
    assert interval is not None and interval.low == pytest.approx(0.208, abs=1e-3)
    assert interval.high == pytest.approx(0.939, abs=1e-3)
    assert drafts.broke_interval() is not None and drafts.broke == 0


def test_the_large_models_own_answer_tells_whether_the_draft_helped() -> None:
    [pair] = RunAnalysis(FIXES).cascades

    # big:7b alone failed repeats 0 and 3; the handoff passed repeat 0, failed repeat 3.
    assert baseline_transitions(pair) == Transitions(both_pass=2, fixed=1, broke=0, both_fail=1)


def test_a_refiner_that_breaks_a_passing_draft_is_counted_so() -> None:
    [pair] = RunAnalysis(BREAKS).cascades

    assert draft_transitions(pair) == Transitions(both_pass=1, fixed=0, broke=1, both_fail=0)
    assert summary.handoff_outcomes(RunAnalysis(BREAKS))[0].drafts == (
        "fixed 0 of 0 failing drafts, broke 1 of 2 passing ones (95% CI 9.5%–90.5%); "
        "kept 1, both failed 0 (n = 2)"
    )


def test_a_record_without_drafts_has_no_handoff_outcomes() -> None:
    seed = RunAnalysis(load_record(REPO / "archive" / SEED_RUN / "run.json"))

    assert summary.handoff_outcomes(seed) == []
    page = report_page(seed, charts_for(seed, BuildCache()))
    assert "handoff-outcomes" not in [s.id for s in page.sections]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("handoff")
    return build_in_process(make_project(tmp, write_archive(tmp / "archive", [FIXES])))


@pytest.mark.slow
def test_the_page_shows_the_outcomes_and_the_seed_page_does_not(site: Path) -> None:
    html = (site / report_path(FIXES)).read_text(encoding="utf-8")
    text = page_text(html)

    assert "Handoff Outcomes What the refiner did with the draft" in text
    assert (
        "small:1b -> big:7b fixed 2 of 3 failing drafts (95% CI 20.8%–93.9%), broke 0 of 1 "
        "passing ones (95% CI 0.0%–79.3%); kept 1, both failed 1 (n = 4) the draft helped on "
        "1 of 2 repeats the large model failed alone (95% CI 9.5%–90.5%), and hurt on 0 of 2 it "
        "passed alone (95% CI 0.0%–65.8%)"
    ) in text
    assert '<a href="#handoff-outcomes"' in html  # in the contents too


def test_the_runners_summary_and_compare_say_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    print_summary(Console(file=out, width=200), FIXES, Path("run.json"))
    line = summary.handoff_outcomes(RunAnalysis(FIXES))[0]

    assert f"small:1b -> big:7b: {line.drafts}; {line.baseline}" in out.getvalue()
    markdown = compare.render_markdown(compare_runs(RunAnalysis(BREAKS), RunAnalysis(FIXES)))
    section = markdown.split("## Handoff outcomes\n", 1)[1].split("\n## ", 1)[0]
    assert f"| small:1b -> big:7b | {summary.handoff_outcomes(RunAnalysis(BREAKS))[0].drafts}" in (
        section
    )
    assert line.drafts in section


def test_the_drafts_share_of_a_handoffs_wall_time_and_tokens() -> None:
    draft = sample(5.0, seed=0)
    draft["generation"]["generated_tokens"] = 100
    both_stages = handoff(draft, (), seed=0) | {
        "refine": {"call_wall_s": 15.0, "generated_tokens": 300}
    }
    run = RunAnalysis(
        record(
            [direct("small:1b", 1, draft), direct("big:7b", 7, sample(20.0, seed=0))],
            [{"small": "small:1b", "large": "big:7b", "samples": [both_stages]}],
        )
    )
    [pair] = run.cascades

    assert stage_shares(pair) == StageShares(draft_wall=0.25, draft_tokens=0.25, n=1)
    assert summary.handoff_outcomes(run)[0].stages == (
        "the draft took 25.0% of the wall time, 25.0% of the generated tokens (n = 1)"
    )
    assert stage_shares(RunAnalysis(FIXES).cascades[0]) is None  # no refine call recorded
