"""What every model backend offers the runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bench.record.schema import Generation, SamplingOptions


@dataclass(frozen=True)
class Reply:
    """A model's answer: its text (empty when the call failed) and how the call went."""

    text: str
    generation: Generation  # call wall, throughput and its source, tokens, error


@dataclass(frozen=True)
class ModelFacts:
    params_b: float | None = None
    quantization: str | None = None
    digest: str | None = None
    chat_template: str | None = None  # the template text the server applies, when it says
    context_tokens: int | None = None  # the context the server uses when a call asks none
    context_fixed: bool = False  # the server fixes its context at start: a call cannot set it
    settings: tuple[tuple[str, str], ...] = ()  # what the server reports it runs the model with


class Backend(Protocol):
    """A model server. Server faults never raise: they come back as `generation.error`."""

    name: str  # "ollama", "openai", "llama-cpp-inprocess"
    url: str

    def generate(
        self, model: str, prompt: str, options: SamplingOptions, timeout_s: float
    ) -> Reply: ...

    def model_facts(self, model: str) -> ModelFacts: ...

    def availability(self, model: str) -> str | None:
        """Before any call: why `model` cannot be asked here (the server is down, does not
        have it), or None when it can."""
        ...

    def server_version(self) -> str | None: ...

    def close(self) -> None: ...
