"""Statistics: intervals with tasks as the unit, Wilson pass intervals, pass@k, paired tests."""

from __future__ import annotations

import math
import random
from dataclasses import astuple
from itertools import combinations

import pytest

from bench.record import stats as stats_module
from bench.record.stats import (
    MIN_UNITS,
    RESAMPLES,
    SEED,
    DuplicateObservation,
    Estimate,
    Interval,
    Observation,
    PairedComparison,
    ScoreSummary,
    estimate,
    has_error_bars,
    paired,
    pass_at_k,
    score_summary,
)


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
    def numbers(value: object) -> list[float]:
        if isinstance(value, dict):
            return [x for v in value.values() for x in numbers(v)]
        if isinstance(value, tuple):
            return [x for v in value for x in numbers(v)]
        return [value] if isinstance(value, int | float) else []

    return all(math.isfinite(x) for x in numbers(astuple(summary)))


# The one interval of a mean: the percentile bootstrap


def scipy_bootstrap(values: list[float], level: float = 0.95) -> tuple[float, float]:
    """scipy.stats.bootstrap's percentile interval of the mean, with the generator ours uses."""
    import numpy as np
    from scipy import stats

    ci = stats.bootstrap(
        (np.asarray(values, dtype=float),),
        np.mean,
        n_resamples=RESAMPLES,
        method="percentile",
        confidence_level=level,
        rng=np.random.default_rng(SEED),
    ).confidence_interval
    return float(ci.low), float(ci.high)


@pytest.mark.parametrize(
    "values",
    [[60, 70, 80], [0, 100, 100], [0, 0, 37.5, 100], [12.5, 90, 40, 75, 100, 0, 62.5]],
)
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_the_interval_is_scipys_percentile_bootstrap(values: list[float], level: float) -> None:
    found = estimate(values, "task", level)
    assert found.interval is not None
    low, high = scipy_bootstrap(values, level)
    assert found.interval.low == pytest.approx(low, rel=1e-12, abs=1e-12)
    assert found.interval.high == pytest.approx(high, rel=1e-12, abs=1e-12)
    assert found.point == pytest.approx(sum(values) / len(values))
    assert (found.n, found.unit, found.interval.level) == (len(values), "task", level)


def test_many_values_are_resampled_one_by_one_as_scipy_does_in_blocks() -> None:
    # 3,000 distinct values: drawn a block of rows at a time, the same draws as at once
    values = [float(i % 997) / 9.97 + i / 3_000 for i in range(3_000)]
    found = estimate(values, "sample").interval
    assert found is not None
    assert (found.low, found.high) == pytest.approx(scipy_bootstrap(values), rel=1e-12)


def test_many_values_of_few_scores_are_resampled_by_counts_with_scipys_distribution() -> None:
    # 2,000 samples of four scores: drawn by counts, the same distribution as scipy's draws,
    # so the ends agree to the resampling's own error (~0.1 pts here)
    rng = random.Random(7)
    values = [rng.choice([0.0, 50.0, 85.0, 100.0]) for _ in range(2_000)]
    found = estimate(values, "sample")
    assert found.interval is not None
    low, high = scipy_bootstrap(values)
    assert found.interval.low == pytest.approx(low, abs=0.3)
    assert found.interval.high == pytest.approx(high, abs=0.3)
    assert found.interval.low <= found.point <= found.interval.high


def test_paired_differences_are_bootstrapped_as_scipy_does() -> None:
    diffs = [-100.0, 50.0, 100.0, 0.0, 25.0]
    found = estimate(diffs, "pair")
    assert found.interval is not None
    assert (found.interval.low, found.interval.high) == pytest.approx(scipy_bootstrap(diffs))


def random_values(rng: random.Random, low: float, high: float) -> list[float]:
    """A few bounded values, often on the bounds, as scores of few samples are."""
    n = rng.randint(MIN_UNITS, 8)
    choices = [low, high, (low + high) / 2, rng.uniform(low, high)]
    return [rng.choice(choices) if rng.random() < 0.6 else rng.uniform(low, high) for _ in range(n)]


@pytest.mark.parametrize(("low", "high"), [(0.0, 100.0), (-100.0, 100.0)])
def test_every_interval_lies_within_the_bounds_and_holds_its_point(low: float, high: float) -> None:
    rng = random.Random(22)
    for _ in range(300):
        values = random_values(rng, low, high)
        found = estimate(values, "task")
        assert found.point == pytest.approx(sum(values) / len(values))
        if found.interval is None:
            assert found.all_same
            continue
        assert low <= found.interval.low <= found.point <= found.interval.high <= high, values
        assert found.interval.low < found.interval.high


def test_the_same_values_give_the_same_interval_every_build() -> None:
    values = [10.0, 55.0, 80.0, 100.0]
    first = estimate(values, "task")
    stats_module._bootstrap.cache_clear()
    assert estimate(values, "task") == first


def test_too_few_values_give_no_interval_and_say_so() -> None:
    for values in ([], [40.0], [0.0, 100.0]):
        found = estimate(values, "sample")
        assert found.interval is None and found.too_few and not found.all_same
    assert estimate([], "pair") == Estimate(0.0, 0, "pair", None)
    assert estimate([0.0, 100.0, 50.0], "sample").interval is not None


def test_values_all_the_same_give_no_zero_width_interval() -> None:
    for values in ([100.0] * 2, [100.0] * 3, [33.3] * 12):
        found = estimate(values, "task")
        assert found.interval is None
        assert found.all_same and not found.too_few
        assert found.point == values[0]


# Mean score and its interval


def test_the_score_interval_is_the_estimate_over_task_means() -> None:
    summary = score_summary(scores({"t1": [60], "t2": [70], "t3": [80]}))
    assert summary.mean_pts == 70
    assert summary.estimate == estimate([60, 70, 80], "task")
    assert summary.interval is not None
    assert summary.interval.level == 0.95
    assert (summary.tasks, summary.repeats, summary.n) == (3, 1, 3)


def test_repeats_are_averaged_within_a_task_before_the_interval() -> None:
    # 3 tasks, 20 repeats each, tight within a task: the errors cluster by task. Over the 60
    # samples the interval would be narrow; over the 3 task means (40, 60, 80) it is wide.
    many = scores({"easy": [79, 81] * 10, "mid": [59, 61] * 10, "hard": [39, 41] * 10})
    summary = score_summary(many)
    assert summary.estimate == estimate([40, 60, 80], "task")
    assert summary.interval is not None
    over_samples = estimate([o.score for o in many], "sample").interval
    assert over_samples is not None
    assert summary.interval.high - summary.interval.low > 3 * (over_samples.high - over_samples.low)
    assert (summary.tasks, summary.repeats, summary.n) == (3, 20, 60)


def test_more_repeats_of_the_same_tasks_do_not_narrow_the_interval() -> None:
    few = score_summary(scores({"a": [40], "b": [60], "c": [80]}))
    many = score_summary(scores({"a": [40] * 10, "b": [60] * 10, "c": [80] * 10}))
    assert few.interval == many.interval


def test_every_task_weighs_the_same_in_the_mean() -> None:
    summary = score_summary(scores({"one": [100], "three": [0, 0, 0]}))
    assert summary.mean_pts == 50
    assert (summary.repeats, summary.n) == (3, 4)


def test_one_task_with_repeats_takes_the_interval_over_its_samples() -> None:
    summary = score_summary(scores({"only": [60, 70, 80]}))
    assert summary.estimate == estimate([60, 70, 80], "sample")
    assert summary.interval is not None
    assert (summary.tasks, summary.repeats, summary.n) == (1, 3, 3)


def test_one_task_and_one_or_two_repeats_have_no_interval_and_no_nan() -> None:
    summary = score_summary([obs("only", 0, 40, False)])
    assert summary.interval is None and summary.estimate.too_few
    assert summary.mean_pts == 40
    assert (summary.tasks, summary.repeats, summary.n) == (1, 1, 1)
    assert summary.pass_at_k == {1: 0.0}
    assert finite(summary)
    two = score_summary(scores({"only": [40, 100]}))
    assert two.interval is None and two.estimate.too_few and two.mean_pts == 70
    assert score_summary(scores({"a": [40], "b": [100]})).estimate.too_few


def test_all_equal_task_means_give_no_interval() -> None:
    summary = score_summary(scores({"a": [33.3, 33.3], "b": [33.3, 33.3], "c": [33.3, 33.3]}))
    assert summary.interval is None and summary.estimate.all_same
    assert summary.mean_pts == 33.3
    assert finite(summary)
    lone = score_summary(scores({"only": [100, 100, 100]}))
    assert lone.interval is None and lone.estimate.all_same
    assert (lone.estimate.n, lone.estimate.unit) == (3, "sample")
    assert lone.pass_interval.high == pytest.approx(1.0)
    assert finite(lone)


def test_a_higher_level_gives_a_wider_interval_and_says_its_level() -> None:
    observations = scores({"t1": [60], "t2": [70], "t3": [80], "t4": [95], "t5": [20]})
    at_95 = score_summary(observations).interval
    at_80 = score_summary(observations, level=0.8).interval
    assert at_95 is not None and at_80 is not None
    assert at_95.low < at_80.low and at_80.high < at_95.high
    assert at_80.level == 0.8
    assert score_summary(observations, level=0.8).pass_interval.level == 0.8


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


def test_paired_interval_is_the_estimate_over_task_differences_and_is_not_clear() -> None:
    a = scores({"t1": [52], "t2": [54], "t3": [49]})
    b = scores({"t1": [50], "t2": [50], "t3": [50]})
    result = paired(a, b)
    assert result.mean_diff_pts == pytest.approx(5 / 3)
    assert result.estimate == estimate([2, 4, -1], "task")
    assert result.interval is not None
    assert result.interval.contains(0)
    assert not result.clear()
    assert result.winner() is None


def test_a_clear_difference_names_its_winner() -> None:
    b = scores({f"t{i}": [40 + i, 45 + i] for i in range(8)})
    a = [obs(o.task, o.repeat, o.score + 10 + (o.repeat - 0.5) * 2) for o in b]
    result = paired(a, b)
    assert result.mean_diff_pts == pytest.approx(10)
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
    a = scores({"many": [60, 60, 60], "one": [50], "other": [70]})
    b = scores({"many": [50, 50, 50], "one": [50], "other": [50]})
    result = paired(a, b)
    assert result.mean_diff_pts == pytest.approx(10)  # not 8, the mean over the 5 pairs
    assert result.estimate == estimate([10, 0, 20], "task")


def test_one_task_takes_the_paired_interval_over_its_pairs() -> None:
    a = scores({"only": [52, 54, 56]})
    b = scores({"only": [50, 50, 50]})
    result = paired(a, b)
    assert result.estimate == estimate([2, 4, 6], "pair")
    assert result.interval is not None
    assert 2 <= result.interval.low <= 4 <= result.interval.high <= 6


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


def test_identical_candidates_tie_without_a_zero_width_interval() -> None:
    same = scores({"t1": [40, 60], "t2": [70, 70], "t3": [10, 90]})
    result = paired(same, same)
    assert result.interval is None and result.estimate.all_same
    assert result.mean_diff_pts == 0
    assert (result.wins, result.losses, result.ties) == (0, 0, 6)
    assert not result.clear() and result.winner() is None
    assert finite(result)


def test_the_same_difference_on_every_task_is_clear_only_with_enough_tasks() -> None:
    # No interval, as every task says +5; the sign test of n out of n: p = 2 / 2^n < 0.05 from 6.
    for n, clear in ((3, False), (5, False), (6, True)):
        a = scores({f"t{i}": [55] for i in range(n)})
        b = scores({f"t{i}": [50] for i in range(n)})
        result = paired(a, b)
        assert result.interval is None and result.estimate.all_same
        assert result.clear() is clear
        assert result.winner() == ("a" if clear else None)
        assert paired(b, a).winner() == ("b" if clear else None)


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
