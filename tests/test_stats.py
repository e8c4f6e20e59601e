"""Statistics: intervals with tasks as the unit, Wilson pass intervals, pass@k, paired tests."""

from __future__ import annotations

import math
from dataclasses import astuple
from itertools import combinations

import pytest

from bench.record import stats as stats_module
from bench.record.stats import (
    DuplicateObservation,
    Interval,
    Observation,
    PairedComparison,
    ScoreSummary,
    has_error_bars,
    paired,
    pass_at_k,
    score_summary,
)

T_975_DF2 = 4.302652729911275  # t(0.975, df=2), from a t table
T_975_DF1 = 12.706204736174707  # t(0.975, df=1)


def obs(task: str, repeat: int, score: float, passed: bool | None = None) -> Observation:
    return Observation(task, repeat, score, score == 100 if passed is None else passed)


def scores(by_task: dict[str, list[float]]) -> list[Observation]:
    """Observations of each task's repeats, in order; a sample passed when it scored 100."""
    return [obs(task, r, s) for task, values in by_task.items() for r, s in enumerate(values)]


def passes(by_task: dict[str, list[bool]]) -> list[Observation]:
    return [
        obs(task, r, 100 if p else 0, p)
        for task, values in by_task.items()
        for r, p in enumerate(values)
    ]


def finite(summary: ScoreSummary | PairedComparison) -> bool:
    numbers: list[float] = []
    for value in astuple(summary):
        if isinstance(value, dict):
            numbers += value.values()
        elif isinstance(value, tuple):
            numbers += value
        elif isinstance(value, int | float):
            numbers.append(value)
    return all(math.isfinite(x) for x in numbers)


# Mean score and its interval


def test_t_interval_over_task_means_matches_the_hand_computed_one() -> None:
    summary = score_summary(scores({"t1": [60], "t2": [70], "t3": [80]}))
    half = T_975_DF2 * 10 / math.sqrt(3)
    assert summary.mean_pts == 70
    assert summary.interval is not None
    assert summary.interval.low == pytest.approx(70 - half)
    assert summary.interval.high == pytest.approx(70 + half)
    assert (round(summary.interval.low, 2), round(summary.interval.high, 2)) == (45.16, 94.84)
    assert summary.interval.level == 0.95
    assert (summary.tasks, summary.repeats, summary.n) == (3, 1, 3)


def test_repeats_are_averaged_within_a_task_before_the_interval() -> None:
    # 2 tasks, 20 repeats each, tight within a task: the errors cluster by task. Over the 40
    # samples the interval would be about 50 ± 3; over the 2 task means (40, 60) it is wide.
    many = scores({"easy": [59, 61] * 10, "hard": [39, 41] * 10})
    summary = score_summary(many)
    assert summary.interval is not None
    half = T_975_DF1 * math.sqrt(200) / math.sqrt(2)
    assert summary.interval.low == pytest.approx(50 - half)
    assert summary.interval.high == pytest.approx(50 + half)
    assert summary.interval.high - summary.interval.low > 100
    assert (summary.tasks, summary.repeats, summary.n) == (2, 20, 40)


def test_more_repeats_of_the_same_tasks_do_not_narrow_the_interval() -> None:
    few = score_summary(scores({"a": [40], "b": [60], "c": [80]}))
    many = score_summary(scores({"a": [40] * 10, "b": [60] * 10, "c": [80] * 10}))
    assert few.interval == many.interval


def test_every_task_weighs_the_same_in_the_mean() -> None:
    summary = score_summary(scores({"one": [100], "three": [0, 0, 0]}))
    assert summary.mean_pts == 50
    assert (summary.repeats, summary.n) == (3, 4)


def test_one_task_with_repeats_falls_back_to_an_interval_over_the_repeats() -> None:
    summary = score_summary(scores({"only": [60, 70, 80]}))
    half = T_975_DF2 * 10 / math.sqrt(3)
    assert summary.interval is not None
    assert (summary.interval.low, summary.interval.high) == pytest.approx((70 - half, 70 + half))
    assert (summary.tasks, summary.repeats, summary.n) == (1, 3, 3)


def test_one_task_and_one_repeat_has_no_interval_and_no_nan() -> None:
    summary = score_summary([obs("only", 0, 40, False)])
    assert summary.interval is None
    assert summary.mean_pts == 40
    assert (summary.tasks, summary.repeats, summary.n) == (1, 1, 1)
    assert summary.pass_at_k == {1: 0.0}
    assert finite(summary)


def test_all_equal_task_means_give_a_zero_width_interval() -> None:
    summary = score_summary(scores({"a": [33.3, 33.3], "b": [33.3, 33.3], "c": [33.3, 33.3]}))
    assert summary.interval == Interval(33.3, 33.3)
    assert finite(summary)
    lone = score_summary(scores({"only": [100, 100, 100]}))
    assert lone.interval == Interval(100, 100)
    assert lone.pass_interval.high == pytest.approx(1.0)
    assert finite(lone)


def test_a_higher_level_gives_a_wider_interval_and_says_its_level() -> None:
    observations = scores({"t1": [60], "t2": [70], "t3": [80]})
    at_95 = score_summary(observations).interval
    at_99 = score_summary(observations, level=0.99).interval
    assert at_95 is not None and at_99 is not None
    assert at_99.low < at_95.low and at_95.high < at_99.high
    assert at_99.level == 0.99
    assert score_summary(observations, level=0.99).pass_interval.level == 0.99


def test_nothing_to_summarise_or_a_bad_level_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        score_summary([])
    with pytest.raises(ValueError, match="level"):
        score_summary(scores({"t": [50]}), level=95)


def test_duplicate_observations_are_an_error_in_a_summary() -> None:
    with pytest.raises(ValueError, match="task 't1', repeat 0"):
        score_summary([obs("t1", 0, 50), obs("t1", 0, 60)])


def test_an_observation_outside_its_range_is_refused() -> None:
    with pytest.raises(ValueError, match="score"):
        obs("t", 0, 101)
    with pytest.raises(ValueError, match="score"):
        obs("t", 0, math.nan)
    with pytest.raises(ValueError, match="repeat"):
        obs("t", -1, 50)


# Pass rate and its Wilson interval


def test_wilson_interval_of_8_in_10_matches_the_known_value() -> None:
    summary = score_summary(passes({"t": [True] * 8 + [False] * 2}))
    assert summary.pass_rate == 0.8
    low, high = summary.pass_interval.low, summary.pass_interval.high
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)


def test_wilson_interval_stays_inside_0_and_1_at_the_edges() -> None:
    # Wilson at 0 in 10: [0, z²/(n+z²)] = [0, 0.2775]; at 10 in 10 its mirror image.
    none = score_summary(passes({"t": [False] * 10})).pass_interval
    every = score_summary(passes({"t": [True] * 10})).pass_interval
    z2 = 1.959963984540054**2
    assert none.low == pytest.approx(0, abs=1e-12)
    assert none.high == pytest.approx(z2 / (10 + z2))
    assert every.low == pytest.approx(1 - z2 / (10 + z2))
    assert every.high == pytest.approx(1)


def test_pass_rate_counts_samples_across_tasks() -> None:
    summary = score_summary(passes({"a": [True, True, False], "b": [False, False, False]}))
    assert summary.pass_rate == pytest.approx(2 / 6)
    assert summary.pass_interval.contains(2 / 6)


# pass@k


def test_pass_at_k_matches_the_closed_form() -> None:
    # n = 5 samples, c = 2 passed: pass@k = 1 - C(3, k) / C(5, k)
    assert pass_at_k(5, 2, 1) == pytest.approx(2 / 5)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)
    assert pass_at_k(5, 2, 3) == pytest.approx(1 - 1 / 10)
    assert pass_at_k(5, 2, 4) == 1.0  # n - c < k: any 4 of the 5 include a pass
    assert pass_at_k(5, 0, 5) == 0.0
    assert pass_at_k(5, 5, 1) == 1.0


@pytest.mark.parametrize(("n", "c"), [(4, 1), (5, 2), (6, 3), (6, 0), (3, 3)])
def test_pass_at_k_is_the_share_of_k_subsets_with_a_pass(n: int, c: int) -> None:
    outcomes = [True] * c + [False] * (n - c)
    for k in range(1, n + 1):
        subsets = list(combinations(outcomes, k))
        assert pass_at_k(n, c, k) == pytest.approx(sum(map(any, subsets)) / len(subsets))


def test_pass_at_k_in_a_summary_runs_to_the_fewest_repeats_and_averages_over_tasks() -> None:
    summary = score_summary(passes({"a": [True, False, False], "b": [True, True]}))
    assert set(summary.pass_at_k) == {1, 2}
    assert summary.pass_at_k[1] == pytest.approx((1 / 3 + 1) / 2)
    assert summary.pass_at_k[2] == pytest.approx((1 - 1 / 3 + 1) / 2)


def test_pass_at_1_is_the_pass_rate_when_every_task_has_the_same_repeats() -> None:
    summary = score_summary(
        passes({"a": [True, False, False, True], "b": [False] * 4, "c": [True, True, True, False]})
    )
    assert summary.pass_at_k[1] == pytest.approx(summary.pass_rate)
    assert set(summary.pass_at_k) == {1, 2, 3, 4}


def test_a_bad_pass_at_k_argument_is_an_error() -> None:
    with pytest.raises(ValueError, match="pass@k"):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError, match="pass@k"):
        pass_at_k(3, 1, 4)


# Error bars


def test_one_task_and_one_repeat_has_no_error_bars() -> None:
    assert not has_error_bars([obs("t", 0, 50)])
    assert not has_error_bars([])
    assert has_error_bars(scores({"t": [50, 60]}))
    assert has_error_bars(scores({"t1": [50], "t2": [60]}))


# Paired comparisons


def test_paired_counts_wins_losses_and_ties_per_pair() -> None:
    a = scores({"t1": [80, 50, 70], "t2": [90, 20]})
    b = scores({"t1": [60, 50, 90], "t2": [40, 20]})
    result = paired(a, b)
    assert (result.wins, result.losses, result.ties) == (2, 1, 2)
    assert (result.pairs, result.tasks) == (5, 2)


def test_paired_interval_matches_the_hand_computed_one_and_is_not_clear() -> None:
    # differences per task 2, 4, 6: mean 4, sd 2, 4 ± 4.303·2/√3 = [-0.97, 8.97]
    a = scores({"t1": [52], "t2": [54], "t3": [56]})
    b = scores({"t1": [50], "t2": [50], "t3": [50]})
    result = paired(a, b)
    half = T_975_DF2 * 2 / math.sqrt(3)
    assert result.mean_diff_pts == pytest.approx(4)
    assert result.interval is not None
    assert result.interval.low == pytest.approx(4 - half)
    assert result.interval.high == pytest.approx(4 + half)
    assert result.interval.contains(0)
    assert not result.clear()
    assert result.winner() is None


def test_a_clear_difference_names_its_winner() -> None:
    b = scores({f"t{i}": [40 + i, 45 + i] for i in range(8)})
    a = [obs(o.task, o.repeat, o.score + 10 + (o.repeat - 0.5) * 2) for o in b]
    result = paired(a, b)
    assert result.mean_diff_pts == pytest.approx(10)
    assert result.interval is not None and result.interval.low > 0
    assert result.clear()
    assert result.winner() == "a"
    assert paired(b, a).winner() == "b"
    assert paired(b, a).mean_diff_pts == pytest.approx(-10)


def test_an_unclear_difference_names_no_winner() -> None:
    a = scores({"t1": [60], "t2": [42], "t3": [55], "t4": [44]})
    b = scores({"t1": [50], "t2": [50], "t3": [50], "t4": [50]})
    result = paired(a, b)
    assert result.mean_diff_pts == pytest.approx(0.25)
    assert result.interval is not None and result.interval.contains(0)
    assert not result.clear()
    assert result.winner() is None
    assert (result.wins, result.losses, result.ties) == (2, 2, 0)


def test_the_paired_difference_takes_tasks_as_the_unit() -> None:
    a = scores({"many": [60, 60, 60], "one": [50]})
    b = scores({"many": [50, 50, 50], "one": [50]})
    result = paired(a, b)
    assert result.mean_diff_pts == pytest.approx(5)  # not 7.5, the mean over the 4 pairs
    half = T_975_DF1 * 5  # task differences 10 and 0: sd √50, over √2
    assert result.interval is not None
    assert (result.interval.low, result.interval.high) == pytest.approx((5 - half, 5 + half))


def test_one_task_falls_back_to_a_paired_interval_over_the_pairs() -> None:
    a = scores({"only": [52, 54, 56]})
    b = scores({"only": [50, 50, 50]})
    result = paired(a, b)
    half = T_975_DF2 * 2 / math.sqrt(3)
    assert result.interval is not None
    assert result.interval.low == pytest.approx(4 - half)
    assert result.interval.high == pytest.approx(4 + half)


def test_mcnemar_exact_p_on_the_discordant_pairs() -> None:
    # 8 pairs where only a passed, 1 where only b did, and concordant pairs that do not count
    a = passes({"t": [True] * 8 + [False] + [True] * 3 + [False] * 2})
    b = passes({"t": [False] * 8 + [True] + [True] * 3 + [False] * 2})
    result = paired(a, b)
    assert result.discordant == (8, 1)
    assert result.mcnemar_p == pytest.approx(2 * (math.comb(9, 0) + math.comb(9, 1)) / 2**9)
    assert result.mcnemar_p == pytest.approx(0.0390625)
    assert paired(b, a).discordant == (1, 8)
    assert paired(b, a).mcnemar_p == pytest.approx(0.0390625)


def test_mcnemar_p_is_1_without_discordant_pairs_and_none_without_pairs() -> None:
    same = passes({"t": [True, False, True]})
    assert paired(same, same).mcnemar_p == 1.0
    assert paired(same, same).discordant == (0, 0)
    assert paired(same, passes({"other": [True]})).mcnemar_p is None


def test_unmatched_observations_are_left_out_of_the_pairs() -> None:
    a = scores({"t1": [70, 80, 90], "t2": [60]})
    b = scores({"t1": [60, 60], "t3": [10, 10]})
    result = paired(a, b)
    assert (result.pairs, result.tasks) == (2, 1)
    assert result.mean_diff_pts == pytest.approx(15)
    assert (result.wins, result.losses, result.ties) == (2, 0, 0)


def test_duplicate_keys_in_either_side_raise_naming_the_key() -> None:
    good = scores({"t1": [50, 60]})
    twice = [obs("t1", 1, 50), obs("t1", 1, 70)]
    with pytest.raises(ValueError, match="in a: task 't1', repeat 1"):
        paired(twice, good)
    with pytest.raises(DuplicateObservation, match="in b: task 't1', repeat 1") as raised:
        paired(good, twice)
    assert raised.value.key == ("t1", 1)
    assert raised.value.side == "b"


def test_no_pairs_and_one_pair_give_no_interval_and_no_nan() -> None:
    nothing = paired(scores({"t1": [50]}), scores({"t2": [50]}))
    assert (nothing.pairs, nothing.tasks, nothing.interval, nothing.mcnemar_p) == (0, 0, None, None)
    assert nothing.mean_diff_pts == 0.0
    assert not nothing.clear() and nothing.winner() is None
    assert finite(nothing)
    one = paired([obs("t", 0, 70, True)], [obs("t", 0, 50, False)])
    assert (one.pairs, one.interval, one.wins) == (1, None, 1)
    assert one.mcnemar_p == 1.0  # one discordant pair: p = 2 · 0.5, capped at 1
    assert one.winner() is None
    assert finite(one)


def test_identical_candidates_tie_with_a_zero_width_interval() -> None:
    same = scores({"t1": [40, 60], "t2": [70, 70], "t3": [10, 90]})
    result = paired(same, same)
    assert result.interval == Interval(0, 0)
    assert (result.wins, result.losses, result.ties) == (0, 0, 6)
    assert not result.clear() and result.winner() is None
    assert finite(result)


# Intervals


def test_interval_excludes_zero_only_when_both_ends_are_on_one_side() -> None:
    assert Interval(0.5, 3).excludes_zero()
    assert Interval(-3, -0.5).excludes_zero()
    assert not Interval(-1, 1).excludes_zero()
    assert not Interval(0, 1).excludes_zero()
    assert not Interval(0, 0).excludes_zero()


def test_interval_contains_its_ends() -> None:
    interval = Interval(-4, 10)
    assert interval.contains(-4) and interval.contains(10) and interval.contains(3)
    assert not interval.contains(-4.01) and not interval.contains(10.01)


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_the_median_rank_is_scipys_binomial_quantile(level: float) -> None:
    from scipy import stats

    for n in range(1, 600):
        expected = int(stats.binom.ppf((1 - level) / 2, n, 0.5))
        assert stats_module._median_rank(level, n) == expected, n


def test_the_exact_mcnemar_p_is_scipys_binomial_test() -> None:
    from scipy import stats

    for a in range(40):
        for b in range(40):
            if a + b:
                expected = float(stats.binomtest(a, a + b, 0.5).pvalue)
                assert math.isclose(stats_module._mcnemar_p(a, b), expected, rel_tol=1e-12)


@pytest.mark.parametrize("level", [0.9, 0.95])
def test_the_wilson_interval_is_scipys(level: float) -> None:
    from scipy import stats

    for n in range(1, 60):
        for k in range(n + 1):
            ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
            found = stats_module._wilson(k, n, level)
            assert math.isclose(found.low, ci.low, rel_tol=1e-12, abs_tol=1e-15), (k, n)
            assert math.isclose(found.high, ci.high, rel_tol=1e-12, abs_tol=1e-15), (k, n)


def test_the_t_quantile_is_scipys() -> None:
    from scipy import stats

    for df in range(1, 200):
        for level in (0.9, 0.95, 0.99):
            assert stats_module._t_quantile(level, df) == float(stats.t.ppf((1 + level) / 2, df))


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_the_least_count_for_a_median_interval_is_where_one_is_first_given(level: float) -> None:
    least = stats_module.median_interval_least_n(level)

    assert stats_module.median_interval([1.0] * (least - 1), level) is None
    assert stats_module.median_interval([1.0] * least, level) is not None
    assert stats_module.median_interval_least_n() == 6  # what the leaderboard says at 95%
