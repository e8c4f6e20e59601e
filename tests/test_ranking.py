"""Leaderboard ranks: rows in order of score, statistically tied rows sharing a rank, decided by
paired comparisons on shared tasks, else shared samples, else overlapping intervals."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.ranking import SampleKey, overlap, pooled_score, rank, task_means, versus
from bench.record.stats import Estimate, estimate
from bench.site.leaderboard import RANKING_NOTE, leaderboard, model_entries, model_runs
from tests.support.records import BENCHMARK, START, make_record


def keyed(run: str, by_task: dict[str, list[float]]) -> dict[SampleKey, float]:
    return {(run, t, r): s for t, scores in by_task.items() for r, s in enumerate(scores)}


TASKS = [f"t{i}" for i in range(8)]


def test_a_rows_score_is_the_mean_over_tasks_of_all_its_runs_samples() -> None:
    samples = keyed("r1", {"a": [100, 50], "b": [0]}) | keyed("r2", {"a": [0], "c": [60]})
    assert task_means(samples) == {"a": 50, "b": 0, "c": 60}
    assert pooled_score(samples) == estimate([50, 0, 60], "task")
    one_task = keyed("r1", {"a": [100, 50]}) | keyed("r2", {"a": [0]})
    assert pooled_score(one_task) == estimate([100, 50, 0], "sample")


def test_rows_that_share_tasks_are_told_apart_by_the_paired_difference() -> None:
    good = keyed("r1", {t: [90 + i] for i, t in enumerate(TASKS)})
    bad = keyed("r2", {t: [40 + 2 * i] for i, t in enumerate(TASKS)})
    close = keyed("r3", {t: [90 + i + (4 if i % 2 else -5)] for i, t in enumerate(TASKS)})
    s_good, s_bad, s_close = pooled_score(good), pooled_score(bad), pooled_score(close)

    clearly = versus(bad, good, s_bad, s_good)
    assert clearly.basis == "tasks" and not clearly.tied
    assert clearly.difference is not None and clearly.difference.interval is not None
    assert clearly.difference.interval.high < 0
    tied = versus(close, good, s_close, s_good)
    assert tied.basis == "tasks" and tied.tied
    assert tied.difference is not None and tied.difference.interval is not None
    assert tied.difference.interval.contains(0)


def test_two_models_of_one_run_on_one_task_are_paired_on_their_samples() -> None:
    a = keyed("r1", {"only": [100, 100, 75, 100]})
    b = keyed("r1", {"only": [50, 25, 50, 50]})
    v = versus(b, a, pooled_score(b), pooled_score(a))
    assert v.basis == "samples" and not v.tied
    assert v.difference == estimate([-50, -75, -25, -50], "pair")


def test_without_anything_to_pair_rows_are_tied_when_their_intervals_overlap() -> None:
    high = keyed("r1", {"only": [100, 95, 90, 100]})
    low = keyed("r2", {"only": [10, 0, 5, 20]})
    mid = keyed("r3", {"only": [90, 60, 75, 100]})
    s_high, s_low, s_mid = pooled_score(high), pooled_score(low), pooled_score(mid)
    assert versus(low, high, s_low, s_high).basis == "intervals"
    assert not versus(low, high, s_low, s_high).tied
    assert versus(mid, high, s_mid, s_high).tied
    few = keyed("r4", {"only": [0]})
    assert versus(few, high, pooled_score(few), s_high).tied, "one sample: cannot tell apart"


def test_too_few_samples_overlap_anything_and_equal_values_stand_for_themselves() -> None:
    assert overlap(estimate([0, 0], "sample"), estimate([100, 100, 100], "sample"))
    assert not overlap(estimate([0, 0, 0], "sample"), estimate([100, 100, 100], "sample"))
    assert overlap(estimate([50] * 3, "sample"), estimate([40, 60, 55], "sample"))


def test_tied_rows_share_the_rank_of_their_groups_top() -> None:
    scores = [
        estimate([100, 95, 90, 100], "sample"),  # 1
        estimate([90, 60, 75, 100], "sample"),  # overlaps the top: 1
        estimate([30, 20, 25, 35], "sample"),  # clearly below: 3
        estimate([10, 30, 20, 40], "sample"),  # overlaps its new top: 3
        estimate([0, 0, 5, 0], "sample"),  # clearly below 3's top: 5
    ]
    samples = [keyed(f"r{i}", {"only": []}) for i in range(5)]
    places = rank(scores, samples)
    assert [p.rank for p in places] == [1, 1, 3, 3, 5]
    assert [p.tied for p in places] == [False, True, False, True, False]
    assert [p.against for p in places] == [None, 0, 0, 2, 2]
    with pytest.raises(ValueError, match="best score first"):
        rank(list(reversed(scores)), samples)


def test_the_leaderboard_ranks_with_ties_and_says_how() -> None:
    # Three models of each run on six tasks: big passes all, mid fails one check on two tasks,
    # tiny fails everything it can on every task.
    runs = [
        make_record(
            started_at=START + dt.timedelta(days=n),
            tasks=TASKS[:6],
            failed={
                "tiny:0.5b": ("merges_windows", "writes_output"),
                "mid:3b": {"t0": ("writes_output",), "t1": ("writes_output",)},
                "big:8b": (),
            },
        )
        for n in range(2)
    ]
    models = model_runs((r.benchmark_id, model_entries(RunAnalysis(r))) for r in runs)[BENCHMARK]

    rows = leaderboard(BENCHMARK, models)

    assert [r.model.tag for r in rows] == ["big:8b", "mid:3b", "tiny:0.5b"]
    assert [r.rank for r in rows] == [1, 1, 3]
    assert [r.rank_text for r in rows] == ["1", "1 (tied)", "3"]
    assert rows[0].rank_note == ""
    assert rows[1].rank_note.startswith(f"tied with {rows[0].name} on {rows[0].host}: ")
    assert "(mean of 6 tasks, 95% CI" in rows[1].rank_note
    assert rows[1].rank_note.endswith("paired on shared tasks")
    assert rows[2].rank_note.startswith(f"clearly below {rows[0].name}")
    for row in rows:
        assert row.score.n == 6 and row.score.unit == "task"
        if row.score.interval is not None:
            assert 0 <= row.score.interval.low <= row.score.point <= row.score.interval.high <= 100
    assert "statistically tied" in RANKING_NOTE


def test_rows_with_nothing_to_pair_say_why_they_are_tied() -> None:
    # one run each, on different hosts: no shared samples, one task
    runs = [
        make_record(started_at=START + dt.timedelta(days=n), host=host, repeats=repeats)
        for n, (host, repeats) in enumerate([("lab-1", 1), ("lab-2", 3)])
    ]
    models = model_runs((r.benchmark_id, model_entries(RunAnalysis(r))) for r in runs)
    rows = leaderboard(BENCHMARK, models[BENCHMARK])
    notes = {(r.model.tag, r.host): r.rank_note for r in rows}
    few = [n for (tag, host), n in notes.items() if host == "lab-1" and n]
    assert few and all(n.endswith("too few samples to tell them apart") for n in few)


def test_an_estimate_of_no_values_ranks_last_without_error() -> None:
    places = rank([estimate([50, 60, 70], "task"), Estimate(0.0, 0, "task", None)], [{}, {}])
    assert [p.rank for p in places] == [1, 1]  # nothing to tell it apart by: tied
