"""Score against time: each candidate's point, the frontier through the points no other beats,
how far below it the others sit, and the line that mixing a pair's two models would give."""

from __future__ import annotations

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.frontier import Candidate, WallSpread, frontier, run_frontier, walls_by_task
from bench.record.stats import Observation, score_summary
from tests.support.records import direct, handoff_run, record, sample


def candidate(key: str, scores: dict[str, list[float]], walls: dict[str, list[float]]) -> Candidate:
    """Scores and wall times per task, repeat by repeat."""
    observations = [
        Observation(task, k, s, s == 100) for task, ss in scores.items() for k, s in enumerate(ss)
    ]
    kind = "handoff" if "->" in key else "direct"
    return Candidate(key, key.title(), kind, score_summary(observations), walls)


def each(values: list[float]) -> dict[str, list[float]]:
    """The same values in tasks t1 and t2."""
    return {"t1": values, "t2": list(values)}


def test_a_point_sits_at_the_median_of_its_per_task_medians() -> None:
    wall = WallSpread.of({"a": [10.0, 12.0, 50.0], "b": [20.0], "c": [30.0, 34.0], "d": [40.0]})

    # Per-task medians 12, 20, 32 and 40: their median, and their quartiles.
    assert wall == WallSpread(median_s=26.0, low_s=18.0, high_s=34.0, tasks=4)
    # One task: its median, spread over its samples.
    assert WallSpread.of({"a": [3.0, 9.0, 4.0]}) == WallSpread(4.0, 3.0, 9.0, 1)
    assert WallSpread.of({"a": []}) is None


def test_the_frontier_holds_the_points_no_other_beats_on_score_and_time() -> None:
    fast = candidate("fast", each([40.0, 50.0]), each([5.0]))
    slow = candidate("slow", each([90.0, 100.0]), each([60.0]))
    pair = candidate("fast -> slow", each([80.0]), each([30.0]))
    worse = candidate("worse", each([60.0]), each([45.0]))

    result = frontier([fast, slow, pair, worse], [("fast -> slow", "fast", "slow")])

    assert [p.key for p in result.frontier] == ["fast", "fast -> slow", "slow"]
    off = result.point("worse")
    assert off is not None and not off.on_frontier
    # At its 45 s, the best that took no longer is the pair, 80 pts in 30 s.
    assert (off.beaten_by, off.below_frontier_pts) == ("fast -> slow", pytest.approx(20.0))
    on = result.point("fast -> slow")
    assert on is not None and on.on_frontier and on.below_frontier_pts == 0
    assert (on.score_pts, on.wall_s) == (80.0, 30.0)


def test_a_tie_on_score_in_more_time_is_off_the_frontier() -> None:
    quick = candidate("quick", {"t": [70.0]}, {"t": [10.0]})
    slower = candidate("slower", {"t": [70.0]}, {"t": [11.0]})

    result = frontier([quick, slower], [])

    assert [p.key for p in result.frontier] == ["quick"]
    behind = result.point("slower")
    assert behind is not None and (behind.below_frontier_pts, behind.beaten_by) == (0.0, "quick")


def test_a_points_error_bar_is_its_scores_95_percent_interval_within_0_to_100() -> None:
    spread = candidate("m", {"t1": [50.0], "t2": [70.0], "t3": [90.0]}, {"t1": [1.0]})
    once = candidate("n", {"t1": [50.0]}, {"t1": [1.0]})

    point, single = frontier([spread, once], []).points

    interval = spread.summary.interval
    assert interval is not None and 50 <= interval.low < 70 < interval.high <= 90
    assert (point.score_low_pts, point.score_high_pts) == (interval.low, interval.high)
    assert point.score == spread.summary.estimate
    assert (single.score_low_pts, single.score_high_pts) == (50.0, 50.0)  # no interval
    assert single.score.too_few


def test_mixing_a_pairs_models_at_random_is_the_line_between_them() -> None:
    small = candidate("s", {"t": [20.0]}, {"t": [10.0]})
    large = candidate("l", {"t": [80.0]}, {"t": [40.0]})
    pair = candidate("s -> l", {"t": [60.0]}, {"t": [45.0]})

    [mix] = frontier([small, large, pair], [("s -> l", "s", "l")]).mixes

    assert mix.score_at(25.0) == pytest.approx(50.0)
    assert mix.score_at(10.0) == 20.0 and mix.score_at(40.0) == 80.0
    assert mix.score_at(45.0) is None  # the handoff took longer than either model alone


def test_a_run_gives_a_point_for_each_model_and_pair() -> None:
    run = RunAnalysis(
        handoff_run([True] * 3, [False] * 3, [False] * 3, large_wall_s=60.0, handoff_wall_s=30.0)
    )

    result = run_frontier(run)

    assert [(p.name, p.kind, p.on_frontier) for p in result.points] == [
        ("small:1b", "direct", True),
        ("big:7b", "direct", False),  # the handoff scores as much in half the time
        ("small:1b -> big:7b", "handoff", True),
    ]
    big = result.point("big:7b")
    assert big is not None and (big.beaten_by, big.below_frontier_pts) == ("small:1b -> big:7b", 0)
    pair = result.point("small:1b -> big:7b")
    assert pair is not None and (pair.score_pts, pair.wall_s) == (100.0, pytest.approx(30.1))
    [mix] = result.mixes
    assert (mix.small.name, mix.large.name) == ("small:1b", "big:7b")


def test_samples_missing_data_are_left_out_and_repeats_keep_their_place() -> None:
    server_down = sample(9.0, seed=1, error="HTTP 500")
    server_down["generation"]["error_kind"] = "infrastructure"
    run = RunAnalysis(
        record(
            [
                direct(
                    "a:1b",
                    1,
                    sample(4.0, seed=0),
                    server_down,  # missing data
                    sample(600.0, seed=2, error="timed out"),  # the model's fault: scores 0
                    sample(5.0, ("cli_output_file",), seed=3),
                )
            ]
        )
    )
    [model] = run.direct

    observations, walls = model.observations, walls_by_task(model)

    assert [(o.repeat, o.score, o.passed) for o in observations] == [
        (0, 100.0, True),
        (2, 0.0, False),
        (3, 87.5, False),
    ]
    assert walls == {"deployment_window_analyzer": [4.0, 5.0]}  # a failed call is not timed
