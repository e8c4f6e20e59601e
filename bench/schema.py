"""The run record: one JSON file per benchmark run, shared by the runner and the site.

Only what was measured is stored here. Every derived number (medians, deltas, KPIs,
findings, hotspots) is computed from a record by `bench.analysis`.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from bench.errors import FieldError

SCHEMA_VERSION = 1
METHODOLOGY_VERSION = 2  # the current one; the changelog is site_src/methodology.md
RECORD_FILENAME = "run.json"

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
Identifier = Annotated[str, Field(pattern=_ID_PATTERN, max_length=200)]
Score = Annotated[float, Field(ge=0, le=100)]
Seconds = Annotated[float, Field(ge=0)]
_SCORE_TOLERANCE_PTS = 0.05


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class RunStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"


class CheckSpec(_Strict):
    """One functional check of the task and its weight in the score."""

    name: Identifier
    weight: float = Field(ge=0, description="Points this check is worth; weights sum to 100.")
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
    weight: float = Field(ge=0)
    detail: str | None = Field(default=None, description="Why the check failed, when known.")


class CandidateFile(_Strict):
    """The script a model wrote."""

    name: str = Field(min_length=1, description="File name the task asked for.")
    path: str | None = Field(
        default=None,
        description="Path of the archived source, relative to the run folder; null when unknown.",
    )

    @field_validator("path")
    @classmethod
    def _relative_inside_run(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith(("/", "\\")) or ".." in value.split("/")):
            raise ValueError(f"must be a path inside the run folder, got {value!r}")
        return value


class Generation(_Strict):
    """What one model call produced and how long it took."""

    call_wall_s: Seconds = Field(description="Wall time of the HTTP call, request to last byte.")
    throughput_tok_s: float | None = Field(
        default=None, ge=0, description="Generated tokens / generation time."
    )
    throughput_source: ThroughputSource | None = None
    prompt_tokens: int | None = Field(default=None, ge=0)
    generated_tokens: int | None = Field(default=None, ge=0)
    error: str | None = Field(default=None, description="Why the call failed; null on success.")


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


class Sample(_Retried):
    """One direct answer of a model to the task prompt, evaluated."""

    seed: int | None = None
    generation: Generation
    evaluation: Evaluation
    failed_attempts: tuple[Generation, ...] = _failed_attempts()


class CascadeSample(_Retried):
    """One handoff: the small model's draft refined by the large model, evaluated."""

    seed: int | None = None
    draft: Sample | None = Field(
        default=None, description="The small model's draft; null when the record does not hold it."
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
    params_b: float | None = Field(default=None, gt=0, description="Parameter count, billions.")
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


class SamplingOptions(_Strict):
    temperature: float | None = None
    seed: int | None = None
    num_ctx: int | None = None
    max_tokens: int | None = None
    top_p: float | None = None


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


class RunRecord(_Strict):
    """One benchmark run: everything the runner measured, nothing derived."""

    schema_version: Literal[1] = 1
    benchmark_id: Identifier
    run_id: Identifier
    title: str = Field(min_length=1)
    host: str = Field(min_length=1)
    methodology_version: int = Field(ge=1)
    task_id: Identifier
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: RunStatus = RunStatus.COMPLETE
    repeats: int = Field(default=1, ge=1)
    checks: tuple[CheckSpec, ...] = Field(min_length=1)
    direct: tuple[DirectResult, ...] = ()
    cascades: tuple[CascadeResult, ...] = ()
    provenance: Provenance = Provenance()

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
        tags = [d.model.tag for d in self.direct]
        for i, tag in enumerate(tags):
            if tag in tags[:i]:
                raise FieldError(
                    ("direct", i, "model", "tag"),
                    "a model not already in direct",
                    f"{tag!r}, also direct[{tags.index(tag)}]",
                )
        for i, pair in enumerate(self.cascades):
            for role, tag in (("small", pair.small), ("large", pair.large)):
                if tag not in tags:
                    raise FieldError(
                        ("cascades", i, role),
                        f"one of the direct models ({', '.join(tags)})",
                        repr(tag),
                    )
        known = [c.name for c in self.checks]
        for loc, evaluation in self.evaluations():
            for k, check in enumerate(evaluation.checks):
                if check.name not in known:
                    raise FieldError(
                        (*loc, "checks", k, "name"),
                        f"a check in the run's checks ({', '.join(known)})",
                        repr(check.name),
                    )
        return self

    def evaluations(self) -> list[tuple[tuple[int | str, ...], Evaluation]]:
        """Every evaluated candidate, with where it sits in the record
        (`("direct", 0, "samples", 1, "evaluation")`)."""
        found: list[tuple[tuple[int | str, ...], Evaluation]] = []
        for i, d in enumerate(self.direct):
            found += [
                (("direct", i, "samples", j, "evaluation"), s.evaluation)
                for j, s in enumerate(d.samples)
            ]
        for i, c in enumerate(self.cascades):
            for j, s in enumerate(c.samples):
                found.append((("cascades", i, "samples", j, "evaluation"), s.evaluation))
                if s.draft is not None:
                    found.append(
                        (("cascades", i, "samples", j, "draft", "evaluation"), s.draft.evaluation)
                    )
        return found


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
    schema = RunRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"run-record.v{SCHEMA_VERSION}.schema.json"
    return schema
