"""The seventh finding, "Handoff verdict": what the refiner fixed and broke, where the handoff
sits against the frontier, and whether it pays against the large model alone, claimed only
when the paired interval leaves out 0."""

from __future__ import annotations

from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.schema import RunRecord
from bench.record.stats import estimate
from bench.site import fmt
from bench.site.cache import BuildCache
from bench.site.charts.model import charts_for
from bench.site.report import report_page
from bench.site.verdict import handoff_verdict
from tests.support.records import handoff_run
from tests.support.sitebuild import REPO, SEED_RUN

YES, NO = True, False


def ci(diffs: list[float]) -> str:
    """`95% CI -15.1 to -1.6 pts`: the paired repeats' interval, as every page words it."""
    found = estimate(diffs, "pair").interval
    assert found is not None
    return f"95% CI {fmt.signed_number(found.low)} to {fmt.signed_number(found.high)} pts"


def verdict(record: RunRecord) -> str:
    finding = handoff_verdict(RunAnalysis(record))
    assert finding is not None and finding.title == "Handoff verdict"
    return finding.text


def test_a_handoff_that_fixes_every_draft_pays_and_sits_on_the_frontier() -> None:
    # The large model alone fails every repeat, and takes twice the handoff's time.
    fixes = handoff_run([YES] * 6, [NO] * 6, [YES] * 6, large_wall_s=60.0)

    assert verdict(fixes) == (
        "small:1b -> big:7b: the refiner fixed 6 of 6 drafts, all of them failing. On mean score "
        "and median time the handoff sits on the frontier, at 100 pts in 30.2s. Against big:7b "
        "alone it pays: +12.5 pts (the same on all 6 paired repeats)."
    )


def test_a_handoff_that_breaks_passing_drafts_sits_below_the_frontier_and_does_not_pay() -> None:
    breaks = handoff_run([NO] * 6, [NO, YES, YES, NO, YES, YES], [NO] * 6)

    assert verdict(breaks) == (
        "small:1b -> big:7b: none of its 6 drafts failed, and the refiner broke 4 of them. On "
        "mean score and median time it sits 8.3 pts below the frontier, at 91.7 pts in 30.2s: "
        "small:1b scored 100 pts in 5.2s. It does not pay: big:7b alone beats it by 8.3 pts "
        f"(mean of 6 paired repeats, {ci([0, -12.5, -12.5, 0, -12.5, -12.5])})."
    )


def test_a_difference_the_interval_does_not_support_is_said_not_clear() -> None:
    mixed = handoff_run(
        [YES, YES, NO, YES], [NO, NO, NO, YES], [YES, NO, NO, YES], large_wall_s=40.0
    )

    text = verdict(mixed)

    assert "the refiner fixed 2 of 3 failing drafts and broke 0 of 1 passing ones." in text
    assert "the handoff sits on the frontier, at 96.9 pts in 30.1s." in text
    assert text.endswith(
        "Whether it pays against big:7b alone is not clear: +3.1 pts (mean of 4 paired "
        f"repeats, {ci([0, 12.5, 0, 0])}, which holds 0)."
    )
    assert "it pays:" not in text and "beats" not in text


def test_one_repeat_is_too_few_for_an_interval_so_nothing_is_claimed() -> None:
    text = verdict(handoff_run([NO], [YES], [NO]))

    assert text.endswith(
        "Whether it pays against big:7b alone is not clear: -12.5 pts (1 paired repeat: too "
        "few for an interval)."
    )


def test_a_handoff_off_the_frontier_by_no_points_is_beaten_on_time() -> None:
    # Every answer passes; the large model alone is quicker than the handoff.
    text = verdict(handoff_run([NO] * 3, [NO] * 3, [NO] * 3, large_wall_s=20.0))

    assert (
        "On mean score and median time it sits off the frontier, at 100 pts in 30.1s: small:1b "
        "scored 100 pts in 5.1s."
    ) in text


def test_the_seed_run_keeps_its_six_findings_and_has_no_verdict() -> None:
    seed = RunAnalysis(load_record(REPO / "archive" / SEED_RUN / "run.json"))

    assert handoff_verdict(seed) is None
    page = report_page(seed, charts_for(seed, BuildCache()))
    assert [f.title for f in page.findings] == [
        "Direct quality leader",
        "Speed frontier",
        "Scale payoff",
        "Cascade verdict",
        "Latency tax",
        "Small-model salvage",
    ]


def test_the_verdict_is_the_pages_seventh_finding() -> None:
    run = RunAnalysis(handoff_run([YES] * 2, [NO] * 2, [YES] * 2))

    page = report_page(run, charts_for(run, BuildCache()))

    assert [f.title for f in page.findings][6:] == ["Handoff verdict"]
