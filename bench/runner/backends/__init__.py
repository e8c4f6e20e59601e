"""Model backends: Ollama's native API, OpenAI-compatible servers, llama.cpp in this process.

    backend = make_backend("ollama", "http://127.0.0.1:11434")
    reply = backend.generate("qwen2.5-coder:1.5b", prompt, SamplingOptions(seed=1), 600)

Server faults never raise: they come back as `reply.generation.error`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.runner.backends._base import Backend, ModelFacts, Reply
from bench.runner.backends.llama_inprocess import (
    SMOLLM2_MODEL,
    LlamaInProcessBackend,
    find_packaged_gguf,
    resolve_gguf,
)
from bench.runner.backends.ollama import OllamaBackend
from bench.runner.backends.openai import OpenAIBackend

__all__ = [
    "BACKEND_KINDS",
    "SMOLLM2_MODEL",
    "Backend",
    "LlamaInProcessBackend",
    "ModelFacts",
    "OllamaBackend",
    "OpenAIBackend",
    "Reply",
    "find_packaged_gguf",
    "make_backend",
    "resolve_gguf",
]

_FACTORIES: dict[str, Callable[..., Backend]] = {
    OllamaBackend.name: OllamaBackend,
    OpenAIBackend.name: OpenAIBackend,
    LlamaInProcessBackend.name: LlamaInProcessBackend,
}
BACKEND_KINDS = tuple(_FACTORIES)


def make_backend(kind: str, url: str | None = None, **options: Any) -> Backend:
    """A backend of `kind` ("ollama", "openai", "llama-cpp-inprocess") for the server at `url`.

    `url` None means the kind's default (Ollama: http://127.0.0.1:11434, OpenAI-compatible:
    http://127.0.0.1:8080; ignored in-process). `options` go to the backend's constructor,
    e.g. `api_key=` or `stream=False` for "openai", `n_threads=` for "llama-cpp-inprocess".

    Raises:
        ValueError: `kind` is not one of `BACKEND_KINDS`.
    """
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise ValueError(f"unknown backend {kind!r}: expected one of {', '.join(BACKEND_KINDS)}")
    return factory(url, **options) if url is not None else factory(**options)
