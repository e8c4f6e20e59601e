"""Power and stopping: tasks and repeats that tell a difference, the smallest difference a run
can tell, and the confidence sequence that lets repeats stop early."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from bench.record.power import (
    DEFAULT_VARIANCE,
    MIN_TASKS,
    Variance,
    confidence_sequence,
    detectable_pts,
    obrien_fleming_bounds,
    observed_detectable_pts,
    paired_power,
    plan,
    pooled,
    repeated_interval,
    sequential_interval,
    sequential_verdict,
    settled,
    stream,
    tasks_needed,
    variance_components,
)
from bench.record.stats import Interval, Observation

# Power of the paired (one-sample) t test


@pytest.mark.parametrize(("effect", "tasks"), [(0.2, 8), (0.5, 20), (0.8, 12), (1.2, 5)])
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_power_is_the_noncentral_t_as_scipy_stats_gives_it(
    effect: float, tasks: int, level: float
) -> None:
    from scipy import stats

    df = tasks - 1
    critical = stats.t.ppf(0.5 + level / 2, df)
    shift = effect * math.sqrt(tasks)
    expected = stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift)

    assert paired_power(effect * 10, 10, tasks, level) == pytest.approx(expected, rel=1e-9)


# Cohen's (1988) and G*Power's sample sizes of the two-sided one-sample / paired t test at
# alpha 0.05 and power 0.8: statsmodels' TTestPower().solve_power gives 198.15, 33.37, 14.30.
@pytest.mark.parametrize(("effect", "needed"), [(0.2, 199), (0.5, 34), (0.8, 15)])
def test_tasks_needed_match_the_published_sample_sizes(effect: float, needed: int) -> None:
    assert tasks_needed(effect * 20, 20) == needed


def test_the_detectable_difference_is_the_one_the_test_finds_with_80_percent_power() -> None:
    found = detectable_pts(30, 25)

    assert paired_power(found, 30, 25) == pytest.approx(0.8, abs=1e-6)
    # the normal approximation, (z(0.975) + z(0.8)) * sd / sqrt(n), is a little smaller
    assert found > (1.959964 + 0.841621) * 30 / 5
    assert detectable_pts(30, 100) < found


def test_a_spread_no_difference_can_reach_is_capped_at_the_whole_range() -> None:
    assert detectable_pts(1000, 2) == 200
    assert detectable_pts(0, 10) == 0


def test_a_run_tells_the_difference_its_task_spread_allows() -> None:
    assert observed_detectable_pts([10.0]) is None
    diffs = [0, 20, -10, 30, 10, 0, 40, -20]

    assert observed_detectable_pts(diffs) == pytest.approx(
        detectable_pts(statistics.stdev(diffs), len(diffs))
    )


# Variance between tasks and between repeats


def test_variance_components_are_the_random_effects_anova_estimates() -> None:
    # within: deviations 5,5,5,5 over 2 df = 50; task means 5 and 25: variance 200,
    # less 50 / 2 repeats
    found = variance_components({"a": [0, 10], "b": [20, 30]})

    assert found is not None
    assert found.within_sd_pts == pytest.approx(math.sqrt(50))
    assert found.between_sd_pts == pytest.approx(math.sqrt(175))
    assert (found.tasks, found.repeats, found.source) == (2, 2, "archive")


def test_task_means_no_more_spread_than_repeats_make_have_no_between_part() -> None:
    found = variance_components({"a": [0, 100], "b": [100, 0], "c": [0, 100]})

    assert found is not None
    assert found.between_sd_pts == 0


def test_without_repeats_all_of_the_spread_is_between_tasks() -> None:
    found = variance_components({"a": [0], "b": [10], "c": [20]})

    assert found is not None
    assert (found.between_sd_pts, found.within_sd_pts) == (pytest.approx(10), 0)
    assert variance_components({"a": [1, 2, 3]}) is None


def test_pooled_variances_weigh_each_by_its_tasks() -> None:
    found = pooled([Variance(10, 0, tasks=1), Variance(20, 10, tasks=3)])

    assert found is not None
    assert found.between_sd_pts == pytest.approx(math.sqrt((100 + 3 * 400) / 4))
    assert found.within_sd_pts == pytest.approx(math.sqrt(3 * 100 / 4))
    assert pooled([DEFAULT_VARIANCE]) is None


# The planner


def test_repeats_help_only_as_far_as_the_within_task_spread_goes() -> None:
    v = Variance(between_sd_pts=10, within_sd_pts=40)

    assert v.task_sd_pts(1) == pytest.approx(math.sqrt(100 + 1600))
    assert v.task_sd_pts(4) == pytest.approx(math.sqrt(100 + 400))


def test_the_plan_takes_the_fewest_samples_within_the_suite() -> None:
    v = Variance(between_sd_pts=10, within_sd_pts=40)
    unlimited = plan(v, 10)
    limited = plan(v, 10, most_tasks=40)

    assert unlimited is not None and limited is not None
    assert unlimited.repeats == 1  # with tasks to spare, more tasks beat more repeats
    assert limited.tasks <= 40 and limited.repeats > 1
    assert limited.samples >= unlimited.samples
    assert limited.power >= 0.8
    sd = v.task_sd_pts(limited.repeats)
    assert paired_power(10, sd, limited.tasks - 1) < 0.8  # one task fewer falls short
    assert plan(v, 1, most_tasks=40) is None


# The confidence sequence


def test_the_sequence_starts_at_the_whole_range_and_only_narrows() -> None:
    rng = random.Random(3)
    diffs = [rng.choice([-100.0, 0.0, 0.0, 100.0]) for _ in range(300)]
    widths = [(s.high - s.low) for s in (confidence_sequence(diffs[:t]) for t in range(0, 300, 25))]

    assert confidence_sequence([]) == Interval(-100, 100)
    assert widths == sorted(widths, reverse=True)
    assert widths[-1] < 60


def test_the_sequence_is_wider_than_a_fixed_sample_interval() -> None:
    from scipy import stats

    rng = random.Random(4)
    diffs = [rng.choice([-100.0, 0.0, 100.0, 100.0]) for _ in range(200)]
    fixed = stats.t.interval(0.95, 199, loc=sum(diffs) / 200, scale=stats.sem(diffs))
    found = confidence_sequence(diffs)

    assert found.low < fixed[0] and found.high > fixed[1]
    assert found.contains(25.0)


def test_with_no_difference_on_any_task_it_rarely_leaves_out_0_at_any_repeat() -> None:
    # 300 simulated runs of 20 tasks, each task's two models alike (pass chance from 0.1 to
    # 0.9), looked at after every one of 10 repeats: the sequence leaves out 0 at some look in
    # at most 5% of runs (a fixed-sample interval looked at 10 times does far more often).
    rng = random.Random(5)
    wrong = 0
    for _ in range(300):
        chances = [rng.uniform(0.1, 0.9) for _ in range(20)]
        diffs: list[float] = []
        for _repeat in range(10):
            diffs += [100.0 * ((rng.random() < p) - (rng.random() < p)) for p in chances]
            if confidence_sequence(diffs).excludes_zero():
                wrong += 1
                break

    assert wrong / 300 <= 0.05


def test_a_large_difference_is_settled_in_a_few_repeats() -> None:
    rng = random.Random(6)
    diffs = [100.0 * ((rng.random() < 0.8) - (rng.random() < 0.3)) for _ in range(60)]

    assert settled(confidence_sequence(diffs), 5) == "differs"


def test_settled_reads_the_interval() -> None:
    assert settled(Interval(1, 30), 5) == "differs"
    assert settled(Interval(-3, 4), 5) == "within"
    assert settled(Interval(-3, 12), 5) == "undecided"


def test_the_stream_is_read_repeat_by_repeat_and_task_by_task() -> None:
    a = [Observation(t, r, s, False) for t, r, s in [("b", 0, 10), ("a", 1, 20), ("a", 0, 30)]]
    b = [Observation(o.task, o.repeat, 0, False) for o in a]

    assert stream(list(zip(a, b, strict=True))) == [30, 10, 20]


def test_a_difference_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="expected -100 to \\+100 points, found 150"):
        confidence_sequence([150.0])


def test_a_comparison_whose_differences_are_all_alike_says_nothing_it_could_tell() -> None:
    from bench.record.power import sensitivity
    from bench.record.stats import paired

    a = [Observation(f"t{n}", 0, 100, True) for n in range(5)]
    b = [Observation(f"t{n}", 0, 60, False) for n in range(5)]

    assert sensitivity(paired(a, b)) is None
    assert observed_detectable_pts([3.0, 3.0, 3.0]) is None


# The group-sequential looks: O'Brien-Fleming boundaries and repeated confidence intervals


def test_one_look_is_the_fixed_sample_boundary() -> None:
    from scipy import stats

    assert obrien_fleming_bounds(1) == pytest.approx((stats.norm.ppf(0.975),), abs=1e-8)


@pytest.mark.parametrize("looks", [2, 5, 8])
def test_each_look_spends_what_the_obrien_fleming_function_allows(looks: int) -> None:
    # the chance of crossing by look k when there is no difference, by scipy's multivariate
    # normal (Cov(Z_j, Z_k) = sqrt(j / k)), is Lan & DeMets's alpha(k / looks)
    import numpy as np
    from scipy import stats

    bounds = np.array(obrien_fleming_bounds(looks))
    for k in range(1, looks + 1):
        cov = np.array(
            [[math.sqrt(min(i, j) / max(i, j)) for j in range(1, k + 1)] for i in range(1, k + 1)]
        )
        inside = stats.multivariate_normal(np.zeros(k), cov).cdf(
            bounds[:k], lower_limit=-bounds[:k]
        )
        spent = 2 - 2 * stats.norm.cdf(stats.norm.ppf(0.975) / math.sqrt(k / looks))
        assert 1 - inside == pytest.approx(spent, abs=2e-4)
    assert list(bounds) == sorted(bounds, reverse=True)  # early looks ask the most
    assert bounds[-1] < 2.11  # the last look gives up little against the fixed 1.96


def _pairs(diffs: dict[str, list[float]]) -> list[tuple[Observation, Observation]]:
    return [
        (Observation(task, r, max(d, 0.0), False), Observation(task, r, max(-d, 0.0), False))
        for task, ds in diffs.items()
        for r, d in enumerate(ds)
    ]


def test_the_last_of_one_look_is_the_paired_t_interval_over_task_means() -> None:
    from scipy import stats

    rng = random.Random(8)
    diffs = {f"t{n}": [rng.choice([-100.0, 0.0, 100.0]) for _ in range(3)] for n in range(12)}
    means = [statistics.fmean(d) for d in diffs.values()]
    low, high = stats.t.interval(0.95, 11, loc=statistics.fmean(means), scale=stats.sem(means))

    found = repeated_interval(_pairs(diffs), max_repeats=3)
    assert found is not None
    # after 3 of at most 3 repeats: wider than the t interval, by the last look's boundary
    assert found.low < low and found.high > high
    z = obrien_fleming_bounds(3)[2]
    t = stats.t.ppf(stats.norm.cdf(z), 11)
    assert found.high - found.low == pytest.approx((high - low) * t / stats.t.ppf(0.975, 11))
    # a run of fixed repeats would be at the one look: the t interval itself
    one = repeated_interval([p for p in _pairs(diffs) if p[0].repeat == 0], max_repeats=1)
    first = [d[0] for d in diffs.values()]
    expected = stats.t.interval(0.95, 11, loc=statistics.fmean(first), scale=stats.sem(first))
    assert one is not None
    assert (one.low, one.high) == pytest.approx(expected)


def test_few_tasks_or_no_spread_fall_back_to_the_bernstein_sequence() -> None:
    few = _pairs({f"t{n}": [100.0] * 4 for n in range(MIN_TASKS - 1)})
    alike = _pairs({f"t{n}": [100.0] * 4 for n in range(MIN_TASKS)})

    assert repeated_interval(few, 8) is None and repeated_interval(alike, 8) is None
    assert sequential_interval(few, 8) == confidence_sequence(stream(few))
    assert sequential_interval(alike, 8) == confidence_sequence(stream(alike))
    with pytest.raises(ValueError, match="expected at most max_repeats 3, found 4"):
        repeated_interval(_pairs({f"t{n}": [0.0, 100, 0, 0] for n in range(12)}), 3)


def _looked_every_repeat(
    rng: random.Random, task_chances: list[tuple[float, float]], looks: int
) -> bool:
    """One simulated run of paired pass/fail answers, read after every repeat: whether the
    stopping rule ever called it a difference."""
    diffs: dict[str, list[float]] = {f"t{n}": [] for n in range(len(task_chances))}
    for _repeat in range(looks):
        for n, (pa, pb) in enumerate(task_chances):
            diffs[f"t{n}"].append(100.0 * ((rng.random() < pa) - (rng.random() < pb)))
        if sequential_verdict(_pairs(diffs), 0.0, looks)[0] == "differs":
            return True
    return False


def test_with_no_difference_looking_after_every_repeat_keeps_false_positives_under_5pc() -> None:
    # 400 simulated runs of 30 tasks, read after each of 8 repeats: the same chance on a task
    # for both (no difference on any task), and, harder, tasks that differ both ways by as
    # much (between-task spread, a mean of 0 over the tasks)
    rng = random.Random(9)
    alike = wrong = 0
    for _ in range(400):
        same = [rng.betavariate(0.4, 0.4) for _ in range(30)]
        alike += _looked_every_repeat(rng, [(p, p) for p in same], 8)
        gap = [rng.uniform(0, 0.4) for _ in range(15)]
        mixed = [(0.3 + g, 0.3) for g in gap] + [(0.3, 0.3 + g) for g in gap]
        wrong += _looked_every_repeat(rng, mixed, 8)

    assert alike / 400 <= 0.05
    assert wrong / 400 <= 0.05


def test_the_methodology_page_names_the_rule_and_its_last_boundary() -> None:
    from pathlib import Path

    page = " ".join(
        (Path(__file__).parents[1] / "site_src" / "methodology.md").read_text("utf-8").split()
    )

    assert "Lan & DeMets's O'Brien-Fleming-type alpha-spending function" in page
    assert "*repeated confidence interval* (Jennison & Turnbull)" in page
    assert "empirical Bernstein confidence sequence of Waudby-Smith & Ramdas" in page
    last = obrien_fleming_bounds(10)[-1]
    assert f"({last:.2f} standard errors at the last of the default 10 looks" in page
