"""Model backends: Ollama's native API, OpenAI-compatible servers, llama.cpp in this process.

Each backend is one module that registers its class (`_registry.register`); importing this
package imports them all. Adding a backend: write its module, import it below.

    backend = make_backend("ollama", "http://127.0.0.1:11434")
    reply = backend.generate("qwen2.5-coder:1.5b", prompt, SamplingOptions(seed=1), 600)

Server faults never raise: they come back as `reply.generation.error`.
"""

from __future__ import annotations

from typing import Any

from bench.runner.backends._base import Backend, ModelFacts, Reply
from bench.runner.backends._http import truncation_error
from bench.runner.backends._registry import (
    BackendSpec,
    backend_names,
    backend_spec,
    known_backends_text,
)
from bench.runner.backends.llama_inprocess import (
    SMOLLM2_MODEL,
    LlamaInProcessBackend,
    find_packaged_gguf,
    resolve_gguf,
)
from bench.runner.backends.ollama import OllamaBackend
from bench.runner.backends.openai import OpenAIBackend

__all__ = [
    "SMOLLM2_MODEL",
    "Backend",
    "BackendSpec",
    "LlamaInProcessBackend",
    "ModelFacts",
    "OllamaBackend",
    "OpenAIBackend",
    "Reply",
    "backend_names",
    "backend_spec",
    "find_packaged_gguf",
    "known_backends_text",
    "make_backend",
    "resolve_gguf",
    "truncation_error",
]


def make_backend(kind: str, url: str | None = None, **options: Any) -> Backend:
    """A backend of `kind` (a config name, "ollama", "openai", "llama-inprocess", or a record
    name, "llama-cpp-inprocess") for the server at `url`.

    `url` None means the kind's default (Ollama: http://127.0.0.1:11434, OpenAI-compatible:
    http://127.0.0.1:8080; ignored in-process). `options` go to the backend's constructor,
    e.g. `api_key=` or `stream=False` for "openai", `n_threads=` for "llama-inprocess".

    Raises:
        ValueError: no backend has this name.
    """
    return backend_spec(kind).make(url, **options)
