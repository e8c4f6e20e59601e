"""A run against the one before it: paired changes, clear changes and the previous run."""

from __future__ import annotations

import datetime as dt

from bench.record.analysis import RunAnalysis
from bench.record.compare import compare_runs
from bench.record.history import marks, paired_changes, previous_on_host, previous_run
from bench.site.comparison import comparison_sections
from tests.support.records import START, make_record

BEFORE = make_record(started_at=START, repeats=6, call_wall_s={"big:8b": 40.0})
# mid:3b now passes writes_output on every repeat (+15 pts each), big:8b is 10 s faster: the
# same change on all 6 repeats, enough for the sign test (p = 2 / 2^6) to call it clear.
AFTER = make_record(
    started_at=START + dt.timedelta(days=1),
    repeats=6,
    failed={"mid:3b": ("merges_windows",)},
    call_wall_s={"big:8b": 30.0},
)


def test_paired_changes_match_samples_of_the_same_repeat() -> None:
    changes = {c.key: c for c in paired_changes(RunAnalysis(BEFORE), RunAnalysis(AFTER))}

    mid = changes["mid:3b"]
    assert mid.score.pairs == 6 and mid.score.mean_diff_pts == 15
    assert mid.clear_changes() == (("score", "up"),)
    big = changes["big:8b"]
    assert big.wall.pairs == 6 and big.wall.mean_diff_s == -10
    assert big.clear_changes() == (("wall", "down"),)
    assert changes["tiny:0.5b"].clear_changes() == ()
    assert "tiny:0.5b -> big:8b" in changes, "pairs are compared too"


def test_marks_name_the_clear_changes_only() -> None:
    found = marks(paired_changes(RunAnalysis(BEFORE), RunAnalysis(AFTER)))

    assert {(m.name, m.figure, m.direction, m.diff) for m in found} == {
        ("Mid 3B", "score", "up", 15),
        ("Big 8B", "wall", "down", -10),
    }


def test_one_sample_each_changes_nothing_clearly() -> None:
    one_a, one_b = make_record(), make_record(failed={"mid:3b": ()})
    (mid,) = [
        c for c in paired_changes(RunAnalysis(one_a), RunAnalysis(one_b)) if c.key == "mid:3b"
    ]
    assert mid.score.mean_diff_pts > 0 and mid.score.interval is None
    assert mid.clear_changes() == ()


def test_the_same_change_on_three_repeats_is_too_few_to_be_clear() -> None:
    before = make_record(repeats=3)
    after = make_record(repeats=3, failed={"mid:3b": ("merges_windows",)})
    (mid,) = [
        c for c in paired_changes(RunAnalysis(before), RunAnalysis(after)) if c.key == "mid:3b"
    ]
    assert mid.score.mean_diff_pts == 15 and mid.score.estimate.all_same
    assert mid.score.interval is None, "no zero-width interval: it would read as certainty"
    assert mid.clear_changes() == ()


def test_the_previous_run_is_on_the_same_host_first() -> None:
    runs = [
        RunAnalysis(make_record(started_at=START + dt.timedelta(hours=n), host=host))
        for n, host in enumerate(["lab-1", "lab-2", "lab-1", "lab-2", "gpu-box"])
    ]
    assert previous_run(runs[3], runs) is runs[1]
    assert previous_on_host(runs[3], runs) is runs[1]
    assert previous_run(runs[4], runs) is runs[3], "no earlier run on its host: any host"
    assert previous_on_host(runs[4], runs) is None
    assert previous_run(runs[0], runs) is None


def test_bench_compare_and_the_page_share_the_paired_table() -> None:
    comparison = compare_runs(RunAnalysis(BEFORE), RunAnalysis(AFTER))
    (paired,) = [s for s in comparison_sections(comparison) if s.title == "Paired changes"]
    rows = {row[0]: row for row in paired.rows}

    assert rows["Mid 3B"][1:4] == ["6", "+15 pts", "the same on all 6 paired repeats"]
    assert rows["Mid 3B"][-2:] == ["score up", "—"]  # every paired repeat alike: no spread
    assert rows["Big 8B"][4:7] == ["-10.0s", "the same on all 6 paired repeats", "wall down"]
