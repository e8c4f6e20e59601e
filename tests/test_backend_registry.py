"""One registry of backends: a backend added in one module is known everywhere it is used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.record.schema import Generation, SamplingOptions
from bench.runner.backends import ModelFacts, Reply, _registry, backend_names, make_backend
from bench.runner.config import ConfigError, load_config
from bench.runner.run import open_backends

CONFIG = """\
benchmark: bench-echo
title: Echo
task: deployment_window_analyzer
models:
  - tag: echo-1
    backend: echo
    concurrency: {concurrency}
"""


class EchoBackend:
    """A backend in this process that answers with the prompt."""

    name = "echo-inprocess"
    url = "in-process"

    def generate(
        self, model: str, prompt: str, options: SamplingOptions, timeout_s: float
    ) -> Reply:
        return Reply(prompt, Generation(call_wall_s=0.0))

    def model_facts(self, model: str) -> ModelFacts:
        return ModelFacts()

    def availability(self, model: str) -> str | None:
        return None

    def server_version(self) -> str | None:
        return None

    def close(self) -> None:
        pass


def _no_echo_models(tag: str) -> list[tuple[str, str]]:
    return [] if tag.startswith("echo") else [("tag", f"expected an echo model, found {tag!r}")]


@pytest.fixture
def echo() -> Iterator[None]:
    _registry.register("echo", serves_http=False, max_concurrency=1, preflight=_no_echo_models)(
        EchoBackend
    )
    yield
    del _registry._BACKENDS["echo"]


def _write(tmp_path: Path, concurrency: int) -> Path:
    path = tmp_path / "echo.yaml"
    path.write_text(CONFIG.format(concurrency=concurrency), encoding="utf-8")
    return path


def test_the_built_in_backends_are_registered() -> None:
    assert backend_names() == ("ollama", "openai", "llama-inprocess")


def test_a_registered_backend_is_known_to_the_config_and_the_runner(
    echo: None, tmp_path: Path
) -> None:
    config = load_config(_write(tmp_path, 1)).config

    backends = open_backends(config, make_backend)

    [backend] = backends.values()
    assert isinstance(backend, EchoBackend)
    assert backend.generate("echo-1", "hi", SamplingOptions(), 1).text == "hi"
    assert make_backend("echo-inprocess").name == "echo-inprocess"


def test_the_registry_s_limits_apply_to_a_config(echo: None, tmp_path: Path) -> None:
    path = _write(tmp_path, 2)

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    assert raised.value.problems == [
        f"{path}:7: models[0].concurrency: expected at most 1 "
        "(echo takes 1 call(s) at a time), found 2"
    ]


def test_an_unregistered_backend_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    path = _write(tmp_path, 1)

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    assert raised.value.problems == [
        f"{path}:6: models[0].backend: expected 'ollama', 'openai' or 'llama-inprocess', "
        "found 'echo'"
    ]
