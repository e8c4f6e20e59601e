"""A run's setup as a rerun needs it, and what differs between two runs' setups.

The same model scores differently under another quantization, chat template or context
length, or another harness: a comparison that does not say so shows a setup's change as the
model's. `setup_differences` names each difference both runs record; `context_shortfalls`
finds a context smaller than the suite's longest prompt; `truncated_count` counts the samples
whose prompt did not fit.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bench.record.schema import ModelInfo, ModelSetup, RunRecord, RunSetup

Aspect = Literal[
    "model digest",
    "quantization",
    "chat template",
    "context",
    "server version",
    "harness version",
    "suite",
    "host",
]
# Few tokenizers give fewer tokens than a quarter of the characters of English and code: a
# prompt of n characters has at least about n / 4 tokens.
CHARS_PER_TOKEN_AT_MOST = 4


@dataclass(frozen=True)
class SetupDifference:
    """One aspect of the setup in which run A and run B differ; `model` None: the whole run."""

    aspect: Aspect
    model: str | None  # the model's tag
    a: str
    b: str


def sha256_of(parts: Iterable[str]) -> str:
    """`sha256:<hex>` over the parts, each ended by a NUL, so that ("ab",) and ("a", "b")
    differ."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return f"sha256:{digest.hexdigest()}"


def sha256_text(text: str) -> str:
    """`sha256:<hex>` of the text's UTF-8 bytes."""
    return f"sha256:{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()}"


def estimated_prompt_tokens(chars: int) -> int:
    """About the fewest tokens a prompt of `chars` characters takes."""
    return math.ceil(chars / CHARS_PER_TOKEN_AT_MOST)


def context_shortfalls(setup: RunSetup) -> list[tuple[str, int, int]]:
    """(model tag, its context in effect, the suite's longest prompt in estimated tokens) for
    each model whose context is smaller than that prompt."""
    if setup.longest_prompt_chars is None:
        return []
    needed = estimated_prompt_tokens(setup.longest_prompt_chars)
    return [
        (m.tag, m.context_tokens, needed)
        for m in setup.models
        if m.context_tokens is not None and m.context_tokens < needed
    ]


def truncated_count(record: RunRecord) -> int:
    """Model calls whose prompt did not fit the context (kept out of every score)."""
    return sum(g.truncated for g in record.generations())


def context_of(record: RunRecord, tag: str) -> int | None:
    """The model's context in effect: its setup's, else the config's num_ctx (older records)."""
    found = record.setup.model(tag) if record.setup is not None else None
    if found is not None and found.context_tokens is not None:
        return found.context_tokens
    return record.provenance.sampling.num_ctx


def harness_version(record: RunRecord) -> str | None:
    """The bench version and commit that made the run, as far as it records them."""
    version = record.setup.bench_version if record.setup is not None else None
    version = version or record.provenance.tool_version
    commit = record.provenance.git_commit
    parts = [p for p in (version, commit[:12] if commit else None) if p]
    return " ".join(parts) or None


def _model_aspects(
    info: ModelInfo, setup: ModelSetup | None, context: int | None
) -> dict[Aspect, str | None]:
    template = setup.chat_template_sha256 if setup is not None else None
    return {
        "model digest": info.digest,
        "quantization": info.quantization,
        "chat template": template[:19] if template else None,
        "context": f"{context} tokens" if context is not None else None,
        "server version": info.server_version,
    }


def _run_aspects(record: RunRecord) -> dict[Aspect, str | None]:
    suite = record.setup.suite_sha256 if record.setup is not None else None
    return {
        "harness version": harness_version(record),
        "suite": suite[:19] if suite else None,
        "host": record.host,
    }


def setup_differences(a: RunRecord, b: RunRecord) -> tuple[SetupDifference, ...]:
    """Each aspect both runs record and in which they differ: the run's (harness version,
    suite, host), then each model both ran, in A's order."""
    found = [
        SetupDifference(aspect, None, value_a, value_b)
        for aspect, value_a, value_b in _paired(_run_aspects(a), _run_aspects(b))
    ]
    models_b = {d.model.tag: d.model for d in b.direct}
    for result in a.direct:
        tag = result.model.tag
        if tag not in models_b:
            continue
        aspects_a = _model_aspects(result.model, _setup(a, tag), context_of(a, tag))
        aspects_b = _model_aspects(models_b[tag], _setup(b, tag), context_of(b, tag))
        found += [
            SetupDifference(aspect, tag, value_a, value_b)
            for aspect, value_a, value_b in _paired(aspects_a, aspects_b)
        ]
    return tuple(found)


def model_setup_facts(record: RunRecord, tag: str) -> tuple[tuple[Aspect, str], ...]:
    """(aspect, value) of the model's setup in this run that a score depends on, where known:
    model digest, quantization, chat template, context, harness version."""
    info = next((d.model for d in record.direct if d.model.tag == tag), None)
    if info is None:
        return ()
    aspects = _model_aspects(info, _setup(record, tag), context_of(record, tag))
    aspects.pop("server version")
    aspects["harness version"] = harness_version(record)
    return tuple((aspect, value) for aspect, value in aspects.items() if value is not None)


def differing_aspects(setups: Iterable[tuple[tuple[Aspect, str], ...]]) -> tuple[Aspect, ...]:
    """The aspects that take more than one value across these setups (unknown ones aside)."""
    seen: dict[Aspect, set[str]] = {}
    for setup in setups:
        for aspect, value in setup:
            seen.setdefault(aspect, set()).add(value)
    return tuple(aspect for aspect, values in seen.items() if len(values) > 1)


def _setup(record: RunRecord, tag: str) -> ModelSetup | None:
    return record.setup.model(tag) if record.setup is not None else None


def _paired(
    a: dict[Aspect, str | None], b: dict[Aspect, str | None]
) -> list[tuple[Aspect, str, str]]:
    found = []
    for aspect, value_a in a.items():
        value_b = b[aspect]
        if value_a is not None and value_b is not None and value_a != value_b:
            found.append((aspect, value_a, value_b))
    return found


def difference_text(difference: SetupDifference) -> str:
    """`model digest of qwen2.5-coder:1.5b: 6d3abb8d2d53… in A, 0f0f… in B`."""
    where = f"{difference.aspect} of {difference.model}" if difference.model else difference.aspect
    return f"{where}: {_short(difference.a)} in A, {_short(difference.b)} in B"


def _short(value: str, most: int = 24) -> str:
    return value if len(value) <= most else value[: most - 1] + "…"
