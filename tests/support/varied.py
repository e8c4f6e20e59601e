"""Small builders for run records that differ from the seed, for derivation tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.record.schema import CheckResult, RunRecord, score_from_checks

CHECKS = [
    ("python_compile", 40.0),
    ("parse_events_rejects_invalid_window", 10.0),
    ("merge_overlaps_expected_windows", 12.5),
    ("build_report_expected_metrics", 12.5),
    ("cli_prints_json_with_top", 12.5),
    ("cli_output_file", 12.5),
]


def evaluation(failed: tuple[str, ...] = (), compiled: bool = True) -> dict[str, Any]:
    """An evaluation whose score follows from which checks failed."""
    checks = []
    for name, weight in CHECKS:
        if name == "python_compile":
            outcome = "passed" if compiled else "failed"
        elif not compiled:
            outcome = "skipped"
        else:
            outcome = "failed" if name in failed else "passed"
        checks.append({"name": name, "outcome": outcome, "weight": weight})
    score = score_from_checks([CheckResult.model_validate(c) for c in checks])
    return {"score": score, "eval_wall_s": 0.2, "checks": checks}


def sample(wall_s: float, failed: tuple[str, ...] = (), **kw: Any) -> dict[str, Any]:
    generation: dict[str, Any] = {
        "call_wall_s": wall_s,
        "throughput_tok_s": kw.pop("tok_s", 20.0),
        "throughput_source": "server_counters",
    }
    if "error" in kw:
        generation["error"] = kw.pop("error")
        return {"seed": kw.get("seed"), "generation": generation, "evaluation": {"score": 0}}
    compiled = kw.pop("compiled", True)
    return {
        "seed": kw.get("seed"),
        "generation": generation,
        "evaluation": evaluation(failed, compiled),
    }


def direct(
    tag: str, size_b: float | None, *samples: dict[str, Any], label: str | None = None
) -> dict[str, Any]:
    """A direct model; its label is its tag unless given (a config without `label:`)."""
    model = {"tag": tag, "label": label or tag, "params_b": size_b}
    return {"model": model, "samples": list(samples)}


def cascade(small: str, large: str, *samples: tuple[float, tuple[str, ...]]) -> dict[str, Any]:
    return {
        "small": small,
        "large": large,
        "samples": [{"pipeline_wall_s": w, "evaluation": evaluation(f)} for w, f in samples],
    }


def record(
    direct_results: list[dict[str, Any]],
    cascades: list[dict[str, Any]] | None = None,
    run_id: str = "bench-2026-05-01_10-00-00",
    benchmark_id: str = "bench",
    started: dt.datetime | None = None,
    **extra: Any,
) -> RunRecord:
    started = started or dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
    data: dict[str, Any] = {
        "benchmark_id": benchmark_id,
        "run_id": run_id,
        "title": "Prompt Handoff Benchmark",
        "host": "lab-1",
        "methodology_version": 2,
        "task_id": "deployment_window_analyzer",
        "started_at": started.isoformat(),
        "finished_at": (started + dt.timedelta(minutes=5)).isoformat(),
        "checks": [{"name": n, "weight": w, "gate": n == "python_compile"} for n, w in CHECKS],
        "direct": direct_results,
        "cascades": cascades or [],
        **extra,
    }
    return RunRecord.model_validate(data)
