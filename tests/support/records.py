"""A factory of valid, varied run records, and a way to lay them out as an archive.

`make_record` builds one `RunRecord` from a few knobs (models, pairs, repeats, date, host,
methodology version, which checks fail); `make_series` builds many runs of one benchmark that
differ the way real runs do. Every record passes the schema, so a site build accepts it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench.record.schema import (
    METHODOLOGY_VERSION,
    RECORD_FILENAME,
    CascadeResult,
    CascadeSample,
    CheckOutcome,
    CheckResult,
    CheckSpec,
    DirectResult,
    Evaluation,
    Generation,
    ModelInfo,
    Provenance,
    RunRecord,
    Sample,
    SamplingOptions,
    ThroughputSource,
    score_from_checks,
)

COMPILE = "python_compile"
CHECKS = (
    CheckSpec(name=COMPILE, weight=40, gate=True, description="The candidate compiles."),
    CheckSpec(name="parses_input", weight=15, description="Parses the input file."),
    CheckSpec(name="merges_windows", weight=15, description="Merges overlapping windows."),
    CheckSpec(name="reports_metrics", weight=15, description="Reports the expected metrics."),
    CheckSpec(name="writes_output", weight=15, description="Writes the output file."),
)
MODELS = ("tiny:0.5b", "mid:3b", "big:8b")
PAIRS = (("tiny:0.5b", "big:8b"), ("mid:3b", "big:8b"))
HOSTS = ("lab-1", "lab-2", "gpu-box")
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
BENCHMARK = "synthetic-codegen"


def params_b(tag: str) -> float:
    """`8` for `big:8b`, `0.5` for `tiny:0.5b`; 1 when the tag names no size."""
    size = tag.rpartition(":")[2].removesuffix("b")
    try:
        return float(size)
    except ValueError:
        return 1.0


def evaluation(failed: Sequence[str] = ()) -> Evaluation:
    """The candidate passed every check but `failed`; a failed compile gate skips the rest."""
    compiled = COMPILE not in failed
    results = tuple(
        CheckResult(
            name=spec.name,
            weight=spec.weight,
            outcome=_outcome(spec.name, failed, compiled),
            detail="assertion failed" if spec.name in failed else None,
        )
        for spec in CHECKS
    )
    return Evaluation(score=score_from_checks(results), eval_wall_s=0.25, checks=results)


def _outcome(name: str, failed: Sequence[str], compiled: bool) -> CheckOutcome:
    if name in failed:
        return CheckOutcome.FAILED
    if not compiled:
        return CheckOutcome.SKIPPED
    return CheckOutcome.PASSED


def default_failures(tag: str) -> tuple[str, ...]:
    """Smaller models fail more checks: the ladder a real run shows."""
    size = params_b(tag)
    if size < 1:
        return (COMPILE,)
    if size < 5:
        return ("merges_windows", "writes_output")
    return ("writes_output",)


def make_record(
    *,
    benchmark_id: str = BENCHMARK,
    run_id: str | None = None,
    started_at: dt.datetime = START,
    host: str = HOSTS[0],
    methodology_version: int = METHODOLOGY_VERSION,
    models: Sequence[str] = MODELS,
    pairs: Sequence[tuple[str, str]] = PAIRS,
    repeats: int = 1,
    failed: Mapping[str, Sequence[str]] | None = None,
    call_wall_s: Mapping[str, float] | None = None,
    title: str = "Synthetic Codegen Benchmark",
) -> RunRecord:
    """One valid run record.

    Args:
        failed: checks a candidate fails, by model tag or by `"small -> large"` for a pair;
            a candidate not named fails `default_failures(tag)` (a pair: its large model's).
        call_wall_s: a model's call wall time, by tag; default grows with the model's size.
    """
    failed = failed or {}
    walls = call_wall_s or {}
    direct = tuple(
        _direct(tag, repeats, failed.get(tag, default_failures(tag)), walls.get(tag))
        for tag in models
    )
    cascades = tuple(
        _cascade(small, large, repeats, failed.get(f"{small} -> {large}", default_failures(large)))
        for small, large in pairs
    )
    return RunRecord(
        benchmark_id=benchmark_id,
        run_id=run_id or f"{benchmark_id}-{started_at:%Y-%m-%d_%H-%M-%S}",
        title=title,
        host=host,
        methodology_version=methodology_version,
        task_id="window_report",
        started_at=started_at,
        finished_at=started_at + dt.timedelta(minutes=4),
        repeats=repeats,
        checks=CHECKS,
        direct=direct,
        cascades=cascades,
        provenance=Provenance(
            tool_version="0.1.0",
            backend="ollama",
            sampling=SamplingOptions(temperature=0.2, seed=7),
        ),
    )


def _direct(tag: str, repeats: int, failed: Sequence[str], wall_s: float | None) -> DirectResult:
    size = params_b(tag)
    base_wall_s = wall_s if wall_s is not None else 5.0 + 4.0 * size
    samples = tuple(
        Sample(
            seed=7 + n,
            generation=Generation(
                call_wall_s=base_wall_s + 0.5 * n,
                throughput_tok_s=round(120.0 / (1.0 + size), 2),
                throughput_source=ThroughputSource.SERVER_COUNTERS,
                generated_tokens=400,
            ),
            evaluation=evaluation(failed),
        )
        for n in range(repeats)
    )
    label = tag.replace(":", " ").title()
    return DirectResult(
        model=ModelInfo(tag=tag, label=label, params_b=size, backend="ollama"), samples=samples
    )


def _cascade(small: str, large: str, repeats: int, failed: Sequence[str]) -> CascadeResult:
    wall_s = 8.0 + 4.0 * (params_b(small) + params_b(large))
    samples = tuple(
        CascadeSample(seed=7 + n, pipeline_wall_s=wall_s + 0.5 * n, evaluation=evaluation(failed))
        for n in range(repeats)
    )
    return CascadeResult(small=small, large=large, samples=samples)


def make_series(
    count: int,
    *,
    benchmark_id: str = BENCHMARK,
    start: dt.datetime = START,
    every: dt.timedelta = dt.timedelta(days=1),
    methodology_change_at: int | None = None,
) -> list[RunRecord]:
    """`count` runs of one benchmark, one every `every`, oldest first.

    Hosts rotate, the model line-up grows (a run in three adds a 14B model), every fourth run
    repeats each candidate twice, the 8B model passes every check in odd runs, and runs from
    index `methodology_change_at` on use the current methodology (before it, the previous one).
    """
    records = []
    for n in range(count):
        models = (*MODELS, "huge:14b") if n % 3 == 2 else MODELS
        old = methodology_change_at is not None and n < methodology_change_at
        records.append(
            make_record(
                benchmark_id=benchmark_id,
                started_at=start + n * every,
                host=HOSTS[n % len(HOSTS)],
                methodology_version=METHODOLOGY_VERSION - 1 if old else METHODOLOGY_VERSION,
                models=models,
                repeats=2 if n % 4 == 3 else 1,
                failed={"big:8b": () if n % 2 else ("writes_output",)},
                call_wall_s={tag: 5.0 + 4.0 * params_b(tag) + n for tag in models},
            )
        )
    return records


def write_archive(root: Path, records: Sequence[RunRecord]) -> Path:
    """Write each record where the archive expects it: <root>/<benchmark>/<run id>/run.json."""
    for record in records:
        folder = root / record.benchmark_id / record.run_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / RECORD_FILENAME).write_text(
            record.model_dump_json(indent=2) + "\n", encoding="utf-8"
        )
    return root


def two_benchmarks() -> list[RunRecord]:
    """Eight runs of one benchmark (methodology changes at the fourth) and three of another.

    The other benchmark's runs fall between the first one's, so ordering is by date, not by
    benchmark; its newest run is older than the first benchmark's newest.
    """
    return make_series(8, methodology_change_at=3) + make_series(
        3, benchmark_id="other-codegen", start=START + dt.timedelta(days=3, hours=3)
    )
