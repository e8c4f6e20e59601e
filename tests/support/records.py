"""The one factory of run records for the tests and the benchmarks, and ways to lay them out
as an archive.

`make_record` builds one `RunRecord` from a few knobs (models, pairs, repeats, date, host,
methodology version, which checks fail); `make_series` builds many runs of one benchmark that
differ the way real runs do. Every record passes the schema, so a site build accepts it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.record.schema import (
    METHODOLOGY_VERSION,
    RECORD_FILENAME,
    CandidateFile,
    CascadeResult,
    CascadeSample,
    CheckOutcome,
    CheckResult,
    CheckSpec,
    DirectResult,
    Evaluation,
    Generation,
    LegacyImport,
    ModelInfo,
    Provenance,
    RunRecord,
    RunStatus,
    Sample,
    SamplingOptions,
    TaskSpec,
    ThroughputSource,
    score_from_checks,
    slug,
)
from bench.record.upgrade import upgrade_v1

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
    failed: Mapping[str, Failures] | None = None,
    call_wall_s: Mapping[str, float] | None = None,
    title: str = "Synthetic Codegen Benchmark",
    tasks: Sequence[str] = ("window_report",),
) -> RunRecord:
    """One valid run record: every model and pair answers every task `repeats` times.

    Args:
        failed: checks a candidate fails, by model tag or by `"small -> large"` for a pair;
            a candidate not named fails `default_failures(tag)` (a pair: its large model's).
            Either the same checks on every task, or a mapping of task -> checks (a task not
            in it fails none).
        call_wall_s: a model's call wall time, by tag; default grows with the model's size.
    """
    failed = failed or {}
    walls = call_wall_s or {}
    direct = tuple(
        _direct(tag, tasks, repeats, failed.get(tag, default_failures(tag)), walls.get(tag))
        for tag in models
    )
    cascades = tuple(
        _cascade(
            small, large, tasks, repeats, failed.get(f"{small} -> {large}", default_failures(large))
        )
        for small, large in pairs
    )
    return RunRecord(
        benchmark_id=benchmark_id,
        run_id=run_id or f"{benchmark_id}-{started_at:%Y-%m-%d_%H-%M-%S}",
        title=title,
        host=host,
        methodology_version=methodology_version,
        started_at=started_at,
        finished_at=started_at + dt.timedelta(minutes=4),
        repeats=repeats,
        tasks=tuple(TaskSpec(id=task, checks=CHECKS) for task in tasks),
        direct=direct,
        cascades=cascades,
        provenance=Provenance(
            tool_version="0.1.0",
            backend="ollama",
            sampling=SamplingOptions(temperature=0.2, seed=7),
        ),
    )


Failures = Sequence[str] | Mapping[str, Sequence[str]]  # the same on every task, or by task


def _failing(failed: Failures, task: str) -> Sequence[str]:
    return failed.get(task, ()) if isinstance(failed, Mapping) else failed


def _direct(
    tag: str, tasks: Sequence[str], repeats: int, failed: Failures, wall_s: float | None
) -> DirectResult:
    size = params_b(tag)
    base_wall_s = wall_s if wall_s is not None else 5.0 + 4.0 * size
    samples = tuple(
        Sample(
            task=task,
            repeat=n,
            seed=7 + n,
            generation=Generation(
                call_wall_s=base_wall_s + 0.5 * n,
                throughput_tok_s=round(120.0 / (1.0 + size), 2),
                throughput_source=ThroughputSource.SERVER_COUNTERS,
                generated_tokens=400,
            ),
            evaluation=evaluation(_failing(failed, task)),
        )
        for n in range(repeats)
        for task in tasks
    )
    label = tag.replace(":", " ").title()
    return DirectResult(
        model=ModelInfo(tag=tag, label=label, params_b=size, backend="ollama"), samples=samples
    )


def _cascade(
    small: str, large: str, tasks: Sequence[str], repeats: int, failed: Failures
) -> CascadeResult:
    wall_s = 8.0 + 4.0 * (params_b(small) + params_b(large))
    samples = tuple(
        CascadeSample(
            task=task,
            repeat=n,
            seed=7 + n,
            pipeline_wall_s=wall_s + 0.5 * n,
            evaluation=evaluation(_failing(failed, task)),
        )
        for n in range(repeats)
        for task in tasks
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


# Records written as JSON data, a field at a time: for derivation and page tests that need a
# record unlike the seed (ties, failed calls, spread), in the seed's checks.

SEED_CHECKS = [
    ("python_compile", 40.0),
    ("parse_events_rejects_invalid_window", 10.0),
    ("merge_overlaps_expected_windows", 12.5),
    ("build_report_expected_metrics", 12.5),
    ("cli_prints_json_with_top", 12.5),
    ("cli_output_file", 12.5),
]


def evaluation_data(failed: tuple[str, ...] = (), compiled: bool = True) -> dict[str, Any]:
    """An evaluation whose score follows from which checks failed."""
    checks = []
    for name, weight in SEED_CHECKS:
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
        "evaluation": evaluation_data(failed, compiled),
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
        "samples": [{"pipeline_wall_s": w, "evaluation": evaluation_data(f)} for w, f in samples],
    }


def handoff(
    draft: dict[str, Any], refined_failed: tuple[str, ...], seed: int, wall_s: float = 30.0
) -> dict[str, Any]:
    """A handoff sample that holds its draft (a `sample`, the small model's direct answer of
    the same repeat) and a refined answer failing `refined_failed`."""
    return {
        "seed": seed,
        "draft": draft,
        "pipeline_wall_s": wall_s,
        "evaluation": evaluation_data(refined_failed),
    }


def record(
    direct_results: list[dict[str, Any]],
    cascades: list[dict[str, Any]] | None = None,
    run_id: str = "bench-2026-05-01_10-00-00",
    benchmark_id: str = "bench",
    started: dt.datetime | None = None,
    **extra: Any,
) -> RunRecord:
    """A record from version 1 style data (one task; samples numbered by their place), read
    as the loader reads a version 1 file: a version 2 record."""
    started = started or dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
    data: dict[str, Any] = {
        "schema_version": 1,
        "benchmark_id": benchmark_id,
        "run_id": run_id,
        "title": "Prompt Handoff Benchmark",
        "host": "lab-1",
        "methodology_version": 2,
        "task_id": "deployment_window_analyzer",
        "started_at": started.isoformat(),
        "finished_at": (started + dt.timedelta(minutes=5)).isoformat(),
        "checks": [{"name": n, "weight": w, "gate": n == "python_compile"} for n, w in SEED_CHECKS],
        "direct": direct_results,
        "cascades": cascades or [],
        **extra,
    }
    return RunRecord.model_validate(upgrade_v1(data))


HANDOFF_FAIL = ("merge_overlaps_expected_windows",)  # an answer failing it scores 87.5


def handoff_run(
    drafts_fail: Sequence[bool],
    refined_fail: Sequence[bool],
    large_fail: Sequence[bool],
    *,
    small_wall_s: float = 5.0,
    large_wall_s: float = 20.0,
    handoff_wall_s: float = 30.0,
    run_id: str = "bench-2026-05-01_10-00-00",
) -> RunRecord:
    """One pair, small:1b -> big:7b, over len(drafts_fail) repeats: which drafts (the small
    model's direct answers), refinements and large direct answers fail a check; each repeat
    takes 0.1 s longer than the one before."""
    small = [
        sample(small_wall_s + 0.1 * k, HANDOFF_FAIL if f else (), seed=k)
        for k, f in enumerate(drafts_fail)
    ]
    large = [
        sample(large_wall_s + 0.1 * k, HANDOFF_FAIL if f else (), seed=k)
        for k, f in enumerate(large_fail)
    ]
    handoffs = [
        handoff(small[k], HANDOFF_FAIL if f else (), seed=k, wall_s=handoff_wall_s + 0.1 * k)
        for k, f in enumerate(refined_fail)
    ]
    return record(
        [direct("small:1b", 1, *small), direct("big:7b", 7, *large)],
        [{"small": "small:1b", "large": "big:7b", "samples": handoffs}],
        repeats=len(drafts_fail),
        run_id=run_id,
    )


# A seeded synthetic archive of valid, varied runs (2-5 models, 0-3 pairs, 1-3 repeats, five
# hosts, two benchmarks, dates over a year, ~6 % failed calls, ~10 % partial runs, legacy and
# current methodology, some with archived candidates): benchmarks/bench_site_scale.py's.

SCALE_MODELS = (
    ("qwen3:0.6b", "Qwen3 0.6b", 0.6),
    ("qwen2.5-coder:1.5b", "Qwen2.5-C 1.5b", 1.5),
    ("llama3.2:3b", "Llama3.2 3b", 3.0),
    ("phi4-mini:3.8b", "Phi4-mini 3.8b", 3.8),
    ("qwen2.5-coder:7b", "Qwen2.5-C 7b", 7.0),
    ("gemma3:12b", "Gemma3 12b", 12.0),
    ("phi4:14b", "Phi4 14b", 14.0),
    ("mistral-small:24b", "Mistral-S 24b", 24.0),
)
SCALE_HOSTS = ("vps-81", "vps-82", "workstation", "laptop-m2", "gpu-box")
BENCHMARKS = (
    ("prompt-handoff-codegen", "Prompt Handoff Benchmark", "deployment_window_analyzer"),
    ("prompt-handoff-parsing", "Prompt Handoff Parsing Benchmark", "log_line_parser"),
)
SCALE_CHECKS = (
    CheckSpec(name="python_compile", weight=40, gate=True, description="The candidate compiles."),
    CheckSpec(name="parses_valid_input", weight=10, description="Valid input parses."),
    CheckSpec(name="rejects_invalid_input", weight=12.5, description="Bad input is rejected."),
    CheckSpec(name="expected_metrics", weight=12.5, description="The report has the metrics."),
    CheckSpec(name="cli_prints_json", weight=12.5, description="The CLI prints JSON."),
    CheckSpec(name="cli_output_file", weight=12.5, description="The CLI writes its file."),
)
CALL_ERRORS = (
    "HTTP 500 from http://127.0.0.1:11434/api/generate: model runner crashed",
    "timed out after 600.0s waiting for the first byte",
    "connection refused by http://127.0.0.1:8080/v1/chat/completions",
)
FIRST_RUN = dt.datetime(2025, 5, 1, 8, 0, 0, tzinfo=dt.UTC)
YEAR_S = 365 * 24 * 3600


@dataclass(frozen=True)
class ScaleShape:
    """What a synthetic archive draws from: its models, hosts, benchmarks and quantizations."""

    models: tuple[tuple[str, str, float], ...] = SCALE_MODELS
    hosts: tuple[str, ...] = SCALE_HOSTS
    benchmarks: tuple[tuple[str, str, str], ...] = BENCHMARKS
    quantizations: tuple[str | None, ...] = ("Q4_K_M", "Q8_0", None)


def synthetic_record(
    i: int, n: int, seed: int, shape: ScaleShape = ScaleShape()
) -> tuple[RunRecord, dict[str, str]]:
    """Run number `i` of `n`, and the candidate sources it archives (path -> text)."""
    rng = random.Random(f"{seed}-{i}")
    first = rng.random() < 0.7 or len(shape.benchmarks) == 1
    benchmark_id, title, task_id = shape.benchmarks[0] if first else shape.benchmarks[1]
    spacing_s = YEAR_S / max(n, 1)
    started = FIRST_RUN + dt.timedelta(seconds=int(i * spacing_s + rng.random() * spacing_s / 2))
    run_id = f"{benchmark_id}-{started:%Y-%m-%d_%H-%M-%S}"
    methodology = 1 if rng.random() < 0.3 else METHODOLOGY_VERSION
    partial = rng.random() < 0.1
    repeats = rng.randint(1, 3)
    archive_sources = methodology > 1 and rng.random() < 0.3
    models = sorted(rng.sample(shape.models, rng.randint(2, 5)), key=lambda m: m[2])
    sources: dict[str, str] = {}
    direct = []
    for k, (tag, label, params_b) in enumerate(models):
        if partial and k == len(models) - 1 and rng.random() < 0.5:
            break
        info = ModelInfo(
            tag=tag,
            label=label,
            params_b=None if rng.random() < 0.05 else params_b,
            backend="ollama",
            quantization=rng.choice(shape.quantizations),
        )
        count = rng.randint(1, repeats) if partial else repeats
        samples = tuple(
            _scale_sample(rng, tag, params_b, j, task_id, archive_sources, sources)
            for j in range(count)
        )
        direct.append(DirectResult(model=info, samples=samples))
    cascades = _scale_cascades(rng, [d.model.tag for d in direct], repeats, task_id, shape.models)
    if len(direct) < 2 or len({d.model.tag for d in direct}) < len(direct):
        cascades = []
    record = RunRecord(
        benchmark_id=benchmark_id,
        run_id=run_id,
        title=title,
        host=rng.choice(shape.hosts),
        methodology_version=methodology,
        started_at=started,
        finished_at=None if partial else started + dt.timedelta(seconds=rng.randint(60, 5400)),
        status=RunStatus.PARTIAL if partial else RunStatus.COMPLETE,
        repeats=repeats,
        tasks=(TaskSpec(id=task_id, checks=SCALE_CHECKS),),
        direct=tuple(direct),
        cascades=tuple(cascades),
        provenance=_scale_provenance(rng, methodology, started),
    )
    return record, sources


def _scale_sample(
    rng: random.Random,
    tag: str,
    params_b: float,
    j: int,
    task_id: str,
    archive_sources: bool,
    sources: dict[str, str],
) -> Sample:
    failed = rng.random() < 0.06
    wall_s = round(rng.uniform(5, 40) * (1 + params_b / 4), 1)
    generation = Generation(
        call_wall_s=wall_s,
        throughput_tok_s=None if failed else round(rng.uniform(60, 300) / (1 + params_b / 3), 2),
        throughput_source=None if failed else rng.choice(list(ThroughputSource)),
        prompt_tokens=rng.randint(300, 900),
        generated_tokens=None if failed else rng.randint(200, 2500),
        error=rng.choice(CALL_ERRORS) if failed else None,
    )
    if failed:
        return Sample(
            task=task_id, repeat=j, seed=j, generation=generation, evaluation=Evaluation(score=0)
        )
    candidate = CandidateFile(name=f"{task_id}.py")
    if archive_sources:
        path = f"candidates/{slug(tag)}-{j + 1}.py"
        sources[path] = f"# {tag} sample {j + 1}\nprint({rng.randint(0, 10**6)})\n"
        candidate = CandidateFile(name=candidate.name, path=path)
    quality = min(0.95, 0.3 + params_b / 30)
    return Sample(
        task=task_id,
        repeat=j,
        seed=j,
        generation=generation,
        evaluation=_scale_evaluation(rng, quality, candidate),
    )


def _scale_evaluation(rng: random.Random, quality: float, candidate: CandidateFile) -> Evaluation:
    """Checks pass with probability `quality`; a failed compile gate skips the rest."""
    compiles = rng.random() < quality + 0.3
    checks = []
    for spec in SCALE_CHECKS:
        if spec.gate:
            passed: bool | None = compiles
        else:
            passed = rng.random() < quality if compiles else None
        outcome = (
            CheckOutcome.SKIPPED
            if passed is None
            else CheckOutcome.PASSED
            if passed
            else CheckOutcome.FAILED
        )
        detail = "AssertionError: unexpected output" if passed is False else None
        checks.append(
            CheckResult(name=spec.name, weight=spec.weight, outcome=outcome, detail=detail)
        )
    return Evaluation(
        score=score_from_checks(checks),
        eval_wall_s=round(rng.uniform(0.05, 2.0), 2),
        checks=tuple(checks),
        candidate=candidate,
    )


def _scale_cascades(
    rng: random.Random,
    tags: list[str],
    repeats: int,
    task_id: str,
    models: Sequence[tuple[str, str, float]] = SCALE_MODELS,
) -> list[CascadeResult]:
    pairs = [(s, large) for k, s in enumerate(tags) for large in tags[k + 1 :]]
    chosen = rng.sample(pairs, min(len(pairs), rng.randint(0, 3)))
    sizes = {tag: params_b for tag, _, params_b in models}
    found = []
    for small, large in chosen:
        samples = []
        for j in range(repeats):
            draft_wall_s = round(rng.uniform(5, 40) * (1 + sizes[small] / 4), 1)
            refine = Generation(
                call_wall_s=round(rng.uniform(5, 40) * (1 + sizes[large] / 4), 1),
                error=rng.choice(CALL_ERRORS) if rng.random() < 0.04 else None,
            )
            quality = min(0.95, 0.3 + sizes[large] / 30 + rng.uniform(-0.1, 0.1))
            evaluation = (
                Evaluation(score=0)
                if refine.error
                else _scale_evaluation(rng, quality, CandidateFile(name=f"{task_id}.py"))
            )
            samples.append(
                CascadeSample(
                    task=task_id,
                    repeat=j,
                    seed=j,
                    refine=refine,
                    pipeline_wall_s=round(draft_wall_s + refine.call_wall_s, 1),
                    evaluation=evaluation,
                )
            )
        found.append(CascadeResult(small=small, large=large, samples=tuple(samples)))
    return found


def _scale_provenance(rng: random.Random, methodology: int, started: dt.datetime) -> Provenance:
    if methodology == 1:
        return Provenance(
            backend="ollama",
            legacy=LegacyImport(
                originally_rendered=started.date(),
                rehosted_from="MyServers",
                rehosted_on=started.date() + dt.timedelta(days=rng.randint(1, 60)),
                notes=("Transcribed from the legacy report page.",),
            ),
        )
    return Provenance(
        tool_version=f"0.{rng.randint(1, 4)}.{rng.randint(0, 9)}",
        git_commit=f"{rng.getrandbits(160):040x}",
        backend=rng.choice(("ollama", "openai", "llama-cpp-inprocess")),
        server_version=rng.choice(("0.6.8", "0.7.1", "b5535")),
        sampling=SamplingOptions(temperature=0.2, seed=rng.randint(0, 99), num_ctx=8192),
        isolation=rng.choice(("bubblewrap", "subprocess")),
    )


def write_run(archive: Path, record: RunRecord, sources: dict[str, str]) -> Path:
    folder = archive / record.benchmark_id / record.run_id
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in sources.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    (folder / RECORD_FILENAME).write_text(
        record.model_dump_json(indent=2, exclude_none=False) + "\n", encoding="utf-8"
    )
    return folder


def write_synthetic_archive(
    archive: Path, n: int, seed: int, shape: ScaleShape = ScaleShape()
) -> list[RunRecord]:
    records = []
    for i in range(n):
        record, sources = synthetic_record(i, n, seed, shape)
        write_run(archive, record, sources)
        records.append(record)
    return records
