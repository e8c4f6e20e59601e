"""The run record: one JSON file per benchmark run, shared by the runner and the site.

Only what was measured is stored here. Every derived number (medians, deltas, KPIs,
findings, hotspots) is computed from a record by `bench.record.analysis`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)

from bench.record.errors import FieldError
from bench.record.files import RECORD_FILENAME as RECORD_FILENAME
from bench.record.safety import RELATIVE_PATH_PATTERN, RELATIVE_PATH_RULE, is_plain_relative_path

SCHEMA_VERSION = 2  # what the runner writes; version 1 records load as one-task runs
SCHEMA_VERSIONS = (1, 2)  # what the loader reads
METHODOLOGY_VERSION = 4  # the current one; the changelog is site_src/methodology.md

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
Identifier = Annotated[str, Field(pattern=_ID_PATTERN, max_length=200)]
RelativePath = Annotated[
    str, WithJsonSchema({"type": "string", "pattern": RELATIVE_PATH_PATTERN})
]  # checked by a validator, for a message that says what is wrong
Score = Annotated[float, Field(ge=0, le=100)]
# Bounds far past any real measurement, so that figures made from them (sums, chart axes)
# stay finite: 1.7e308 is a finite float, and twice it is not.
MAX_SECONDS = 1e7  # 115 days
MAX_WEIGHT = 1e6
MAX_TOK_S = 1e9
MAX_PARAMS_B = 1e6
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS)]
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT)]
FiniteSeconds = Seconds
TokPerS = Annotated[float, Field(ge=0, le=MAX_TOK_S)]
_SCORE_TOLERANCE_PTS = 0.05


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CheckOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


class ThroughputSource(StrEnum):
    """Where a tok/s figure came from."""

    SERVER_COUNTERS = "server_counters"  # Ollama: eval_count / eval_duration
    LLAMA_CPP_TIMINGS = "llama_cpp_timings"  # llama.cpp server `timings.predicted_per_second`
    CLIENT_STREAM = "client_stream"  # tokens counted by the client over a streamed reply
    USAGE_OVER_CALL_WALL = "usage_over_call_wall"  # usage.completion_tokens / call wall
    LEGACY_REPORT = "legacy_report"  # copied from a legacy report page; method unknown


class TimingSource(StrEnum):
    """Where a timing figure (time to first token, prompt tok/s, load time) came from."""

    SERVER_COUNTERS = "server_counters"  # Ollama: load_duration, prompt_eval_duration (ns)
    LLAMA_CPP_TIMINGS = "llama_cpp_timings"  # llama.cpp: server `timings`, or perf counters
    CLIENT_STREAM = "client_stream"  # the client's clock: request sent to first content chunk
    CLIENT_CLOCK = "client_clock"  # the client's clock around the step (in-process model load)


class GpuProbe(StrEnum):
    """How a host's GPUs were looked for."""

    NVIDIA_SMI = "nvidia-smi"
    ROCM_SMI = "rocm-smi"
    NO_TOOL = "no_tool_on_path"  # neither nvidia-smi nor rocm-smi on PATH: no GPU looked for


class RunStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"  # every call finished, none succeeded: no figure to publish


class ErrorKind(StrEnum):
    """Whose fault a failed call was, which decides what it counts for."""

    INFRASTRUCTURE = "infrastructure"  # refused, HTTP 5xx, unknown model, server gone: missing
    MODEL = "model"  # timed out, or an empty or unusable reply: the model's failure, scores 0


class CheckSpec(_Strict):
    """One functional check of the task and its weight in the score."""

    name: Identifier
    weight: Weight = Field(description="Points this check is worth; weights sum to 100.")
    gate: bool = Field(
        default=False,
        description="A gate check that fails scores the candidate 0; the other checks are skipped.",
    )
    description: str = ""
    weight_inferred: bool = Field(
        default=False,
        description="True when the weight was reconstructed from published scores (legacy runs).",
    )


class CheckResult(_Strict):
    name: Identifier
    outcome: CheckOutcome
    weight: Weight
    detail: str | None = Field(default=None, description="Why the check failed, when known.")


class CandidateFile(_Strict):
    """The script a model wrote."""

    name: str = Field(min_length=1, description="File name the task asked for.")
    path: RelativePath | None = Field(
        default=None,
        description="Path of the archived source, relative to the run folder; null when unknown.",
    )

    @field_validator("path")
    @classmethod
    def _plain_relative(cls, value: str | None) -> str | None:
        if value is not None and not is_plain_relative_path(value):
            raise FieldError((), RELATIVE_PATH_RULE, repr(value))
        return value


class Generation(_Strict):
    """What one model call produced and how long it took."""

    call_wall_s: Seconds = Field(description="Wall time of the HTTP call, request to last byte.")
    throughput_tok_s: float | None = Field(
        default=None, ge=0, le=MAX_TOK_S, description="Generated tokens / generation time."
    )
    throughput_source: ThroughputSource | None = None
    prompt_tokens: int | None = Field(default=None, ge=0)
    generated_tokens: int | None = Field(default=None, ge=0)
    error: str | None = Field(default=None, description="Why the call failed; null on success.")
    error_kind: ErrorKind | None = Field(
        default=None,
        description="Whose fault a failed call was: infrastructure (missing data, kept out of "
        "every figure) or model (scores 0). Null on success, and for errors recorded before "
        "this field, which count as the model's.",
    )

    @property
    def missing(self) -> bool:
        """The call failed on the infrastructure: it measured nothing about the model."""
        return self.error_kind is ErrorKind.INFRASTRUCTURE

    ttft_s: FiniteSeconds | None = Field(
        default=None,
        description="Time to first token: request sent to the first generated token, seconds.",
    )
    ttft_source: TimingSource | None = Field(default=None, description="Where ttft_s came from.")
    prompt_tok_s: TokPerS | None = Field(
        default=None, description="Prompt processing speed: prompt tokens / prompt eval time."
    )
    prompt_tok_s_source: TimingSource | None = Field(
        default=None, description="Where prompt_tok_s came from."
    )
    load_s: FiniteSeconds | None = Field(
        default=None,
        description="Time this call spent loading the model, seconds (about 0 when loaded).",
    )
    load_source: TimingSource | None = Field(default=None, description="Where load_s came from.")
    truncated: bool = Field(
        default=False,
        description="The prompt did not fit the context in effect (the server reported as many "
        "prompt tokens as the context holds, or fewer than the prompt has): the setup's failure, "
        "recorded as an infrastructure error, missing data. Left out of the JSON when false.",
    )

    @model_serializer(mode="wrap")
    def _omit_not_truncated(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not data.get("truncated"):
            data.pop("truncated", None)
        return data


class Evaluation(_Strict):
    """What the sandbox made of a candidate."""

    score: Score
    eval_wall_s: Seconds | None = None
    checks: tuple[CheckResult, ...] = ()
    candidate: CandidateFile | None = None

    @model_validator(mode="after")
    def _score_matches_checks(self) -> Evaluation:
        if not self.checks:
            return self
        expected = score_from_checks(self.checks)
        if abs(expected - self.score) > _SCORE_TOLERANCE_PTS:
            raise FieldError(
                ("score",), f"{expected:g}, the score its checks give", f"{self.score:g}"
            )
        return self


def _failed_attempts() -> Any:
    return Field(
        default=(),
        description=(
            "Earlier calls for this sample that failed (server down, timeout), oldest first, "
            "kept when `bench run --resume RUN --retry-failed` asked again; absent when none."
        ),
    )


class _Retried(_Strict):
    """A sample that may keep the failed calls it replaced (`failed_attempts`, left out of the
    JSON when empty, so records without retries read as before)."""

    @model_serializer(mode="wrap")
    def _omit_no_attempts(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not data.get("failed_attempts"):
            data.pop("failed_attempts", None)
        return data


def _task_field() -> Any:
    return Field(description="The id of the task this sample answered; one of the run's tasks.")


def _repeat_field() -> Any:
    return Field(ge=0, description="Which repeat of the task, from 0; under the run's repeats.")


class Sample(_Retried):
    """One direct answer of a model to a task's prompt, evaluated."""

    task: Identifier = _task_field()
    repeat: int = _repeat_field()
    seed: int | None = None
    generation: Generation
    evaluation: Evaluation
    failed_attempts: tuple[Generation, ...] = _failed_attempts()


class CascadeSample(_Retried):
    """One handoff: the small model's draft refined by the large model, evaluated."""

    task: Identifier = _task_field()
    repeat: int = _repeat_field()
    seed: int | None = None
    draft: Sample | None = Field(
        default=None,
        description="The small model's draft: its direct sample of the same task and repeat; "
        "null when the record does not hold it.",
    )
    refine: Generation | None = Field(
        default=None, description="The large model's refine call; null when not recorded."
    )
    pipeline_wall_s: Seconds = Field(description="Wall time of the whole handoff: both calls.")
    evaluation: Evaluation
    failed_attempts: tuple[Generation, ...] = _failed_attempts()


class ModelInfo(_Strict):
    tag: str = Field(min_length=1, max_length=200, description="The server's model name.")
    label: str = Field(min_length=1, max_length=200, description="Short display name.")
    params_b: float | None = Field(
        default=None, gt=0, le=MAX_PARAMS_B, description="Parameter count, billions."
    )
    backend: str | None = Field(default=None, description="ollama, openai, llama-cpp-inprocess.")
    server_url: str | None = None
    server_version: str | None = None
    quantization: str | None = None
    digest: str | None = None


class DirectResult(_Strict):
    model: ModelInfo
    samples: tuple[Sample, ...] = Field(min_length=1)


class CascadeResult(_Strict):
    small: str = Field(description="Tag of the drafting model; must be a direct model.")
    large: str = Field(description="Tag of the refining model; must be a direct model.")
    samples: tuple[CascadeSample, ...] = Field(min_length=1)


class TaskSpec(_Strict):
    """One task of the run's suite: what its samples answered and the checks that scored them."""

    id: Identifier
    title: str = Field(default="", max_length=500, description="A short name, e.g. HumanEval/0.")
    content_hash: str | None = Field(
        default=None,
        pattern=r"^sha256:[0-9a-f]{64}$",
        description="sha256 of the task's prompt, tests and checks: two runs asked the same task "
        "when their hashes match. Null in records made before it (schema version 1).",
    )
    checks: tuple[CheckSpec, ...] = Field(
        min_length=1, description="The task's checks in report order; weights sum to 100."
    )


class SamplingOptions(_Strict):
    temperature: float | None = None
    seed: int | None = None
    num_ctx: int | None = None
    max_tokens: int | None = None
    top_p: float | None = None


class Warmup(_Strict):
    """The one unmeasured call a model gets before its measured ones; in no figure."""

    tag: str = Field(min_length=1, max_length=200, description="The model warmed up.")
    generation: Generation = Field(description="How the warm-up call went.")


class LoadAverage(_Strict):
    """The host's load average (runnable processes), as `os.getloadavg()` gives it."""

    one_min: float = Field(ge=0, allow_inf_nan=False)
    five_min: float = Field(ge=0, allow_inf_nan=False)
    fifteen_min: float = Field(ge=0, allow_inf_nan=False)


class Gpu(_Strict):
    name: str = Field(min_length=1, description="The GPU's model name, as its tool reports it.")
    memory_bytes: int | None = Field(default=None, ge=0, description="Its memory (VRAM).")
    probe: GpuProbe = Field(description="The tool that reported it.")


class ServerInfo(_Strict):
    """A model server a run talked to, and the version it reported."""

    backend: str = Field(min_length=1, description="ollama, openai, llama-cpp-inprocess.")
    url: str = Field(min_length=1)
    version: str | None = Field(
        default=None,
        description="Ollama: /api/version; llama.cpp server: /props build_info (build number"
        " and commit); in-process: the llama-cpp-python version; null when not reported.",
    )


class HostInfo(_Strict):
    """The machine a run ran on: a curated fingerprint, read once at the start of the run."""

    cpu_model: str | None = Field(default=None, description="/proc/cpuinfo `model name`.")
    physical_cores: int | None = Field(
        default=None, ge=1, description="Unique (physical id, core id) pairs in /proc/cpuinfo."
    )
    logical_cores: int | None = Field(default=None, ge=1, description="os.cpu_count().")
    memory_bytes: int | None = Field(default=None, ge=0, description="/proc/meminfo MemTotal.")
    gpus: tuple[Gpu, ...] = Field(default=(), description="GPUs found; empty when none.")
    gpu_probes: tuple[GpuProbe, ...] = Field(
        min_length=1,
        description="The tools asked for GPUs; `no_tool_on_path` alone when there was none.",
    )
    gpu_probe_errors: tuple[str, ...] = Field(
        default=(), description="Why a GPU tool on PATH gave no answer, one line per tool."
    )
    os: str | None = Field(default=None, description="OS name and release, e.g. Ubuntu 24.04.")
    kernel: str | None = Field(default=None, description="Kernel release (platform.release()).")
    machine: str | None = Field(default=None, description="Architecture, e.g. x86_64.")
    python: str | None = Field(default=None, description="Python version running the runner.")
    servers: tuple[ServerInfo, ...] = Field(default=(), description="The run's model servers.")
    load_avg_start: LoadAverage | None = Field(
        default=None, description="Load average when the run started."
    )
    load_avg_end: LoadAverage | None = Field(
        default=None, description="Load average when the run finished; null until then."
    )


Sha256 = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]


class ContextSource(StrEnum):
    """Where a model's context length in effect came from."""

    CONFIG = "config"  # the config's sampling.num_ctx, sent with every call
    SERVER = "server"  # what the server reported it serves the model with (no num_ctx asked,
    # or a server that fixes its context at start, e.g. llama.cpp's `--ctx-size`)


class ModelSetup(_Strict):
    """How one model was served, as its server reported it before the first call."""

    tag: str = Field(min_length=1, max_length=200, description="The model, as in direct.")
    chat_template_sha256: Sha256 | None = Field(
        default=None,
        description="sha256 of the chat template the server applies (Ollama /api/show "
        "`template`, llama.cpp /props `chat_template`, the GGUF's tokenizer.chat_template); "
        "null when not reported.",
    )
    context_tokens: int | None = Field(
        default=None, ge=1, description="The context length in effect, tokens; null: unknown."
    )
    context_source: ContextSource | None = Field(
        default=None, description="Where context_tokens came from."
    )
    server_settings: dict[str, str] = Field(
        default_factory=dict,
        description="The settings the server reports for the model (Ollama /api/show "
        "`parameters`; llama.cpp /props `default_generation_settings`), as text.",
    )


class RunSetup(_Strict):
    """What a user needs to run a run again: the harness, the suite's and prompts' content,
    each model's serving setup (issue 26). Null in records made before it."""

    bench_version: str | None = Field(default=None, description="The bench package's version.")
    suite_sha256: Sha256 | None = Field(
        default=None, description="sha256 over the tasks' content hashes, in the run's order."
    )
    prompts_sha256: Sha256 | None = Field(
        default=None, description="sha256 over the prompts the models were asked, in order."
    )
    longest_prompt_chars: int | None = Field(
        default=None, ge=0, description="Characters of the suite's longest prompt."
    )
    models: tuple[ModelSetup, ...] = Field(
        default=(), description="Each direct model's serving setup, in the run's order."
    )
    reproduces: Identifier | None = Field(
        default=None, description="The run this one ran again (`bench reproduce RUN`), if any."
    )
    config: dict[str, Any] | None = Field(
        default=None,
        description="The run's config as the runner read it, every default filled in, without "
        "`host` and `archive` (which belong to the machine): what `bench reproduce` runs.",
    )

    def model(self, tag: str) -> ModelSetup | None:
        return next((m for m in self.models if m.tag == tag), None)


class LegacyImport(_Strict):
    originally_rendered: dt.date
    rehosted_from: str
    rehosted_on: dt.date
    source_path: str | None = Field(default=None, description="The page's path on the old site.")
    notes: tuple[str, ...] = ()


class Provenance(_Strict):
    tool_version: str | None = None
    git_commit: str | None = None
    backend: str | None = None
    server_version: str | None = None
    sampling: SamplingOptions = SamplingOptions()
    isolation: str | None = Field(
        default=None, description="Sandbox isolation level the runner achieved."
    )
    legacy: LegacyImport | None = None
    host: HostInfo | None = Field(
        default=None, description="The machine's fingerprint; null in records made before it."
    )


class SettledComparison(_Strict):
    """One paired comparison as `repeats: auto` last read it: its interval valid at every look."""

    a: str = Field(min_length=1, max_length=401, description="A tag, or `small -> large`.")
    b: str = Field(min_length=1, max_length=401, description="A tag, or `small -> large`.")
    verdict: Literal["differs", "within", "undecided"] = Field(
        description="differs: the interval leaves out 0; within: it lies inside"
        " ±settle_within_pts; undecided: neither."
    )
    low_pts: float = Field(ge=-100, le=100, description="The interval's low end.")
    high_pts: float = Field(ge=-100, le=100, description="Its high end.")


class AutoRepeats(_Strict):
    """How `repeats: auto` asked repeat by repeat, and why it stopped."""

    method: Literal["wsr-prpl-eb", "obf-rci"] = Field(
        default="wsr-prpl-eb",
        description="The interval read after each repeat. obf-rci: repeated confidence"
        " intervals over task means with Lan & DeMets's O'Brien-Fleming-type spending over"
        " max_repeats looks (under 10 tasks: wsr-prpl-eb); wsr-prpl-eb (records made before"
        " it): Waudby-Smith & Ramdas's predictable plug-in empirical Bernstein sequence (2023).",
    )
    level: float = Field(default=0.95, gt=0, lt=1)
    max_repeats: int = Field(ge=1, description="The cap.")
    settle_within_pts: float = Field(gt=0, le=100)
    stopped: Literal["settled", "cap", "nothing-to-compare"] = Field(
        description="settled: every comparison differs or lies within the margin; cap: the"
        " most repeats were asked; nothing-to-compare: the run makes no paired comparison."
    )
    comparisons: tuple[SettledComparison, ...] = ()


class RunRecord(_Strict):
    """One benchmark run: everything the runner measured, nothing derived."""

    schema_version: Literal[2] = Field(
        default=2,
        description="2. A version 1 file (one task: `task_id` and `checks`) is read as a "
        "one-task version 2 record, in memory (`bench.record.upgrade`), and never rewritten.",
    )
    benchmark_id: Identifier
    run_id: Identifier
    title: str = Field(min_length=1)
    host: str = Field(min_length=1)
    methodology_version: int = Field(ge=1)
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: RunStatus = RunStatus.COMPLETE
    repeats: int = Field(default=1, ge=1, description="Samples asked per task and candidate.")
    tasks: tuple[TaskSpec, ...] = Field(min_length=1, description="The run's suite, in order.")
    direct: tuple[DirectResult, ...] = ()
    cascades: tuple[CascadeResult, ...] = ()
    warmups: tuple[Warmup, ...] = Field(
        default=(),
        description="One unmeasured call per model before its measured calls; in no figure.",
    )
    provenance: Provenance = Provenance()
    auto_repeats: AutoRepeats | None = Field(
        default=None,
        description="A run with `repeats: auto`: why it stopped after `repeats` repeats.",
    )
    setup: RunSetup | None = Field(
        default=None,
        description="The serving setup and content hashes a rerun needs; null in records made "
        "before it.",
    )

    @model_serializer(mode="wrap")
    def _omit_no_setup(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A record without a setup (made before it, or resumed from one) or without auto
        repeats is written as it was, without the key."""
        data: dict[str, Any] = handler(self)
        for optional in ("setup", "auto_repeats"):
            if data.get(optional) is None:
                data.pop(optional, None)
        return data

    @field_validator("started_at", "finished_at")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-04-20T13:08:27Z")
        return value.astimezone(dt.UTC) if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> RunRecord:
        if self.finished_at is not None and self.finished_at < self.started_at:
            raise FieldError(
                ("finished_at",),
                f"a time at or after started_at ({self.started_at:%Y-%m-%dT%H:%M:%SZ})",
                f"{self.finished_at:%Y-%m-%dT%H:%M:%SZ}",
            )
        first_direct: dict[str, int] = {}
        for i, d in enumerate(self.direct):
            tag = d.model.tag
            if tag in first_direct:
                raise FieldError(
                    ("direct", i, "model", "tag"),
                    "a model not already in direct",
                    f"{tag!r}, also direct[{first_direct[tag]}]",
                )
            first_direct[tag] = i
        for i, pair in enumerate(self.cascades):
            for role, tag in (("small", pair.small), ("large", pair.large)):
                if tag not in first_direct:
                    raise FieldError(
                        ("cascades", i, role),
                        f"one of the direct models ({', '.join(first_direct)})",
                        repr(tag),
                    )
        warmed: dict[str, int] = {}
        for i, warmup in enumerate(self.warmups):
            if warmup.tag in warmed:
                raise FieldError(
                    ("warmups", i, "tag"),
                    "one warm-up per model",
                    f"{warmup.tag!r}, also warmups[{warmed[warmup.tag]}]",
                )
            warmed[warmup.tag] = i
        tasks = self._task_checks()
        self._samples_name_tasks(tasks)
        lookup = {task: frozenset(names) for task, names in tasks.items()}  # 100,000 checks
        for loc, task, evaluation in self.evaluations_by_task():
            known = tasks[task]
            for k, check in enumerate(evaluation.checks):
                if check.name not in lookup[task]:
                    raise FieldError(
                        (*loc, "checks", k, "name"),
                        f"a check of task {task} ({_listing(known)})",
                        repr(check.name),
                    )
        return self

    def _task_checks(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for i, task in enumerate(self.tasks):
            if task.id in found:
                raise FieldError(
                    ("tasks", i, "id"),
                    "a task not already in tasks",
                    f"{task.id!r}, also tasks[{list(found).index(task.id)}]",
                )
            found[task.id] = tuple(c.name for c in task.checks)
        return found

    def _samples_name_tasks(self, tasks: dict[str, tuple[str, ...]]) -> None:
        """Every sample names one of the tasks and a repeat under `repeats`, once per candidate;
        a handoff's draft, its own task and repeat."""
        groups: list[tuple[str, int, tuple[Sample | CascadeSample, ...]]] = [
            ("direct", i, d.samples) for i, d in enumerate(self.direct)
        ]
        groups += [("cascades", i, c.samples) for i, c in enumerate(self.cascades)]
        for where, i, samples in groups:
            seen: dict[tuple[str, int], int] = {}
            for j, sample in enumerate(samples):
                loc = (where, i, "samples", j)
                if sample.task not in tasks:
                    raise FieldError(
                        (*loc, "task"),
                        f"one of the run's tasks ({_listing(tasks)})",
                        repr(sample.task),
                    )
                if sample.repeat >= self.repeats:
                    raise FieldError(
                        (*loc, "repeat"),
                        f"a repeat under the run's repeats ({self.repeats})",
                        str(sample.repeat),
                    )
                key = (sample.task, sample.repeat)
                if key in seen:
                    raise FieldError(
                        (*loc, "repeat"),
                        f"one sample per task and repeat; samples[{seen[key]}] is task "
                        f"{key[0]} repeat {key[1]} already",
                        str(sample.repeat),
                    )
                seen[key] = j
                draft = getattr(sample, "draft", None)
                if draft is not None and (draft.task, draft.repeat) != key:
                    raise FieldError(
                        (*loc, "draft"),
                        f"the draft of the same task and repeat ({key[0]}, {key[1]})",
                        f"{draft.task}, {draft.repeat}",
                    )

    @property
    def task_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tasks)

    @property
    def check_order(self) -> tuple[str, ...]:
        """Every check name of the suite, each once, in the order the tasks list them."""
        return tuple(dict.fromkeys(c.name for t in self.tasks for c in t.checks))

    @property
    def checks(self) -> tuple[CheckSpec, ...]:
        """Each check of the suite once, by name, as its first task lists it."""
        found: dict[str, CheckSpec] = {}
        for task in self.tasks:
            for check in task.checks:
                found.setdefault(check.name, check)
        return tuple(found.values())

    def task(self, task_id: str) -> TaskSpec:
        return next(t for t in self.tasks if t.id == task_id)

    def generations(self) -> list[Generation]:
        """Every model call the record holds: direct answers, then refine calls (a handoff's
        draft is its small model's direct answer, counted once)."""
        calls = [s.generation for d in self.direct for s in d.samples]
        for c in self.cascades:
            calls += [s.refine for s in c.samples if s.refine is not None]
        return calls

    def evaluations(self) -> list[tuple[tuple[int | str, ...], Evaluation]]:
        """Every evaluated candidate, with where it sits in the record
        (`("direct", 0, "samples", 1, "evaluation")`)."""
        return [(loc, evaluation) for loc, _, evaluation in self.evaluations_by_task()]

    def evaluations_by_task(self) -> list[tuple[tuple[int | str, ...], str, Evaluation]]:
        """`evaluations`, each with the id of the task it answered."""
        found: list[tuple[tuple[int | str, ...], str, Evaluation]] = []
        for i, d in enumerate(self.direct):
            found += [
                (("direct", i, "samples", j, "evaluation"), s.task, s.evaluation)
                for j, s in enumerate(d.samples)
            ]
        for i, c in enumerate(self.cascades):
            for j, s in enumerate(c.samples):
                found.append((("cascades", i, "samples", j, "evaluation"), s.task, s.evaluation))
                if s.draft is not None:
                    loc = ("cascades", i, "samples", j, "draft", "evaluation")
                    found.append((loc, s.task, s.draft.evaluation))
        return found


def _listing(names: Iterable[str], most: int = 10) -> str:
    """`a, b, c`, or the first `most` names and an ellipsis (a run may have 100,000)."""
    shown = list(itertools.islice(names, most + 1))
    if len(shown) <= most:
        return ", ".join(shown)
    return ", ".join(shown[:most]) + ", …"


def score_from_checks(checks: tuple[CheckResult, ...] | list[CheckResult]) -> float:
    """Score 0-100: the weight of passed checks over the weight of all checks."""
    total = sum(c.weight for c in checks)
    if total == 0:
        return 0.0
    passed = sum(c.weight for c in checks if c.outcome is CheckOutcome.PASSED)
    return 100.0 * passed / total


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "x"


def json_schema() -> dict[str, object]:
    """The JSON Schema of a version 2 record (version 1's is kept, frozen, beside it)."""
    schema = RunRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"run-record.v{SCHEMA_VERSION}.schema.json"
    return schema
