"""The one list of backends: each backend module registers its class here, under the name a
config's `backend:` uses. Nothing else lists backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bench.runner.backends._base import Backend

B = TypeVar("B", bound=type)
Preflight = Callable[[str], list[tuple[str, str]]]  # tag -> [(config field, problem)]


@dataclass(frozen=True)
class BackendSpec:
    """How the runner uses one kind of backend."""

    config_name: str  # what a config's `backend:` says, e.g. "llama-inprocess"
    factory: Callable[..., Backend]  # the backend class: factory(url, **options) or factory()
    record_name: str  # what a record's `backend` says, e.g. "llama-cpp-inprocess"
    serves_http: bool  # a server at a URL (one is required), or this process (no URL)
    max_concurrency: int | None  # calls at once it can take; None: as the config says
    preflight: Preflight | None  # what is wrong with a model before any call

    def make(self, url: str | None, **options: Any) -> Backend:
        return self.factory(url, **options) if url is not None else self.factory(**options)


_BACKENDS: dict[str, BackendSpec] = {}


def register(
    config_name: str,
    *,
    serves_http: bool = True,
    max_concurrency: int | None = None,
    preflight: Preflight | None = None,
) -> Callable[[B], B]:
    """Class decorator: the backend `config_name` is this class."""

    def add(cls: B) -> B:
        record_name = str(getattr(cls, "name", config_name))
        _BACKENDS[config_name] = BackendSpec(
            config_name, cls, record_name, serves_http, max_concurrency, preflight
        )
        return cls

    return add


def backend_spec(config_name: str) -> BackendSpec:
    """The registered backend of this config name, or by its record name.

    Raises:
        ValueError: no backend has this name; the message lists the known ones.
    """
    spec = _BACKENDS.get(config_name) or next(
        (s for s in _BACKENDS.values() if s.record_name == config_name), None
    )
    if spec is None:
        raise ValueError(f"unknown backend {config_name!r}: expected {known_backends_text()}")
    return spec


def backend_names() -> tuple[str, ...]:
    """Config names, servers first, then in-process backends, each group by name."""
    specs = sorted(_BACKENDS.values(), key=lambda s: (not s.serves_http, s.config_name))
    return tuple(s.config_name for s in specs)


def known_backends_text() -> str:
    """`'ollama', 'openai' or 'llama-inprocess'`, as pydantic words a choice."""
    names = [repr(n) for n in backend_names()]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
