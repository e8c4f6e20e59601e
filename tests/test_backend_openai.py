"""The OpenAI-compatible backend: against a real llama.cpp server (llama-cpp-python's, serving
SmolLM2-135M), and against a fake server for llama.cpp's `timings` and for server faults."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fakes._loopback import Fault
from fakes.llama_server import LlamaServer, free_port, llama_server_missing, running_llama_server
from fakes.openai_server import CHAT_TEMPLATE, FakeCompletion, FakeOpenAI

from bench.record.schema import SamplingOptions, ThroughputSource, TimingSource
from bench.runner.backends import Backend, ModelFacts, make_backend
from bench.runner.backends._http import as_count, as_positive
from bench.runner.backends.openai import _Tally, first_token_timings

TINY = SamplingOptions(temperature=0.0, seed=42, max_tokens=16)
PROMPT = "Write a Python function add(a, b) that returns a + b."


@pytest.fixture(scope="module")
def llama_server() -> Iterator[LlamaServer]:
    missing = llama_server_missing()
    if missing:
        pytest.skip(missing)
    with running_llama_server() as server:
        yield server


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI.running() as server:
        yield server


@pytest.fixture
def connect() -> Iterator[Callable[..., Backend]]:
    """`connect(url, **options)`: an "openai" backend, closed after the test."""
    opened: list[Backend] = []

    def _connect(url: str, **options: Any) -> Backend:
        opened.append(make_backend("openai", url, **options))
        return opened[-1]

    yield _connect
    for backend in opened:
        backend.close()


@pytest.fixture
def backend(fake: FakeOpenAI, connect: Callable[..., Backend]) -> Backend:
    return connect(fake.url)


# --- a real llama.cpp server -------------------------------------------------------------


@pytest.mark.slow  # a real llama.cpp server
def test_real_server_streams_a_completion(
    llama_server: LlamaServer, connect: Callable[..., Backend]
) -> None:
    backend = connect(llama_server.url)

    reply = backend.generate(llama_server.model, PROMPT, TINY, timeout_s=120)

    generation = reply.generation
    assert generation.error is None
    assert reply.text.strip()
    # llama-cpp-python's server streams neither `timings` nor `usage`: the client times it.
    assert generation.throughput_source is ThroughputSource.CLIENT_STREAM
    assert generation.throughput_tok_s is not None and generation.throughput_tok_s > 0
    assert generation.call_wall_s > 0


@pytest.mark.slow  # a real llama.cpp server
def test_real_server_time_to_first_token_is_measured_by_the_client(
    llama_server: LlamaServer, connect: Callable[..., Backend]
) -> None:
    generation = (
        connect(llama_server.url).generate(llama_server.model, PROMPT, TINY, 120).generation
    )

    assert generation.error is None
    assert generation.ttft_source is TimingSource.CLIENT_STREAM
    assert generation.ttft_s is not None and 0 < generation.ttft_s < generation.call_wall_s
    # no `timings` from llama-cpp-python's server: no prompt tok/s; it loaded at start: no load
    assert (generation.prompt_tok_s, generation.prompt_tok_s_source) == (None, None)
    assert (generation.load_s, generation.load_source) == (None, None)


@pytest.mark.slow  # a real llama.cpp server
def test_real_server_is_deterministic_at_temperature_zero(
    llama_server: LlamaServer, connect: Callable[..., Backend]
) -> None:
    backend = connect(llama_server.url)

    first = backend.generate(llama_server.model, PROMPT, TINY, timeout_s=120)
    second = backend.generate(llama_server.model, PROMPT, TINY, timeout_s=120)

    assert first.text == second.text != ""


@pytest.mark.slow  # a real llama.cpp server
def test_real_server_unstreamed_reports_usage(
    llama_server: LlamaServer, connect: Callable[..., Backend]
) -> None:
    backend = connect(f"{llama_server.url}/v1", stream=False)

    reply = backend.generate(llama_server.model, PROMPT, TINY, timeout_s=120)

    generation = reply.generation
    assert generation.error is None and reply.text.strip()
    assert generation.generated_tokens is not None and 0 < generation.generated_tokens <= 16
    assert generation.prompt_tokens is not None and generation.prompt_tokens > 10
    assert generation.throughput_source is ThroughputSource.USAGE_OVER_CALL_WALL
    assert (generation.ttft_s, generation.ttft_source) == (None, None)  # no stream, no timings


@pytest.mark.slow  # a real llama.cpp server
def test_real_server_lookups_it_cannot_answer_give_none(
    llama_server: LlamaServer, connect: Callable[..., Backend]
) -> None:
    backend = connect(llama_server.url)

    facts = backend.model_facts(llama_server.model)

    # llama-cpp-python's /v1/models has no `meta`, and it has no /props nor /version.
    assert facts == ModelFacts(context_fixed=True)  # an OpenAI call cannot set its context
    assert backend.server_version() is None


# --- llama.cpp's own server shape (fake): timings, meta, build_info ----------------------


def test_llama_cpp_timings_give_the_throughput(backend: Backend, fake: FakeOpenAI) -> None:
    reply = backend.generate(fake.model, PROMPT, TINY, timeout_s=10)

    generation = reply.generation
    assert reply.text == FakeCompletion().text
    assert generation.throughput_source is ThroughputSource.LLAMA_CPP_TIMINGS
    assert generation.throughput_tok_s == pytest.approx(50.0)  # 8 tokens / 160 ms
    assert (generation.prompt_tokens, generation.generated_tokens) == (12, 8)


def test_llama_cpp_timings_give_prompt_speed_and_the_stream_its_first_token(
    connect: Callable[..., Backend],
) -> None:
    completion = FakeCompletion(chunk_interval_s=0.1)
    with FakeOpenAI.running(completion=completion) as server:
        generation = connect(server.url).generate(server.model, PROMPT, TINY, 10).generation

    assert generation.prompt_tok_s == pytest.approx(12 / 0.030)  # prompt_n / prompt_ms
    assert generation.prompt_tok_s_source is TimingSource.LLAMA_CPP_TIMINGS
    assert generation.ttft_source is TimingSource.CLIENT_STREAM
    # the first chunk comes at once, the other three 0.1 s apart
    assert generation.ttft_s is not None
    assert 0 < generation.ttft_s <= generation.call_wall_s - 0.3


def test_unstreamed_time_to_first_token_is_llama_cpps_prompt_time(
    fake: FakeOpenAI, connect: Callable[..., Backend]
) -> None:
    generation = connect(fake.url, stream=False).generate(fake.model, PROMPT, TINY, 10).generation

    assert generation.ttft_s == pytest.approx(0.030)
    assert generation.ttft_source is TimingSource.LLAMA_CPP_TIMINGS


def test_sends_the_documented_chat_request(backend: Backend, fake: FakeOpenAI) -> None:
    options = SamplingOptions(temperature=0.2, seed=7, num_ctx=4096, max_tokens=64, top_p=0.9)

    backend.generate(fake.model, PROMPT, options, timeout_s=10)

    [request] = fake.requests_to("/v1/chat/completions")
    assert request.body == {
        "model": fake.model,
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.2,
        "seed": 7,
        "max_tokens": 64,
        "top_p": 0.9,
    }  # no num_ctx: the OpenAI API has none


def test_unstreamed_llama_cpp_reply_uses_its_timings(
    fake: FakeOpenAI, connect: Callable[..., Backend]
) -> None:
    reply = connect(fake.url, stream=False).generate(fake.model, PROMPT, TINY, 10)

    assert reply.text == FakeCompletion().text
    assert reply.generation.throughput_source is ThroughputSource.LLAMA_CPP_TIMINGS
    assert fake.requests_to("/v1/chat/completions")[0].body["stream"] is False


def test_model_facts_and_version_from_llama_cpp(backend: Backend, fake: FakeOpenAI) -> None:
    facts = backend.model_facts(fake.model)

    assert facts.params_b == pytest.approx(1.543714304)
    assert facts.quantization == "Q4_K_M"  # from the GGUF file name llama.cpp lists
    assert backend.server_version() == "b6002-7cbb3e8"
    assert facts.chat_template == CHAT_TEMPLATE  # /props
    assert (facts.context_tokens, facts.context_fixed) == (4096, True)  # llama-server -c
    settings = dict(facts.settings)
    assert (settings["n_ctx"], settings["top_k"], settings["temperature"]) == ("4096", "40", "0.8")


def test_api_key_is_sent_as_bearer_token(fake: FakeOpenAI, connect: Callable[..., Backend]) -> None:
    connect(fake.url, api_key="sk-local").generate(fake.model, PROMPT, TINY, 10)

    headers = fake.requests_to("/v1/chat/completions")[0].headers
    assert headers["Authorization"] == "Bearer sk-local"


# --- servers without timings (vLLM-like, fake): the client measures ----------------------


def test_without_timings_the_client_times_the_stream(connect: Callable[..., Backend]) -> None:
    completion = FakeCompletion(chunk_interval_s=0.1)
    with FakeOpenAI.running(flavour="vllm", completion=completion) as server:
        reply = connect(server.url).generate(server.model, PROMPT, TINY, 10)

    generation = reply.generation
    assert generation.throughput_source is ThroughputSource.CLIENT_STREAM
    # The 7 tokens after the first (usage says 8) over the first-to-last chunk time, which is
    # under the call's wall time and, however late the client reads, at least one interval.
    assert generation.throughput_tok_s is not None
    assert 7 / generation.call_wall_s <= generation.throughput_tok_s <= 7 / 0.1
    assert generation.generated_tokens == 8
    assert generation.ttft_source is TimingSource.CLIENT_STREAM
    assert generation.prompt_tok_s is None  # only llama.cpp's timings give it


def test_without_timings_or_stream_usage_over_wall_time(connect: Callable[..., Backend]) -> None:
    with FakeOpenAI.running(flavour="vllm") as server:
        backend = connect(server.url, stream=False)
        reply = backend.generate(server.model, PROMPT, TINY, 10)
        version = backend.server_version()

    generation = reply.generation
    assert generation.throughput_source is ThroughputSource.USAGE_OVER_CALL_WALL
    assert generation.throughput_tok_s == pytest.approx(8 / generation.call_wall_s)
    assert version == "0.6.3"


# --- faults ------------------------------------------------------------------------------


def test_unknown_model_is_reported(backend: Backend, fake: FakeOpenAI) -> None:
    reply = backend.generate("gpt-17", PROMPT, TINY, timeout_s=10)

    error = reply.generation.error or ""
    assert reply.text == ""
    assert "'gpt-17' not found" in error and "does not exist" in error
    assert f"{fake.url}/v1/chat/completions" in error


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize(
    ("fault", "expected"), [(Fault.HTTP_500, "HTTP 500"), (Fault.MALFORMED_JSON, "malformed")]
)
def test_server_faults_become_errors(
    fake: FakeOpenAI, fault: Fault, expected: str, stream: bool, connect: Callable[..., Backend]
) -> None:
    fake.fault = fault

    reply = connect(fake.url, stream=stream).generate(fake.model, PROMPT, TINY, 10)

    error = reply.generation.error or ""
    assert reply.text == ""
    assert expected in error and fake.model in error and fake.url in error


def test_error_event_in_the_stream_is_reported(backend: Backend, fake: FakeOpenAI) -> None:
    fake.stream_error = "slot unavailable"

    reply = backend.generate(fake.model, PROMPT, TINY, timeout_s=10)

    assert reply.text == ""
    assert "slot unavailable" in (reply.generation.error or "")


def test_hung_server_times_out(backend: Backend, fake: FakeOpenAI) -> None:
    fake.fault = Fault.HANG

    started_s = time.perf_counter()
    reply = backend.generate(fake.model, PROMPT, TINY, timeout_s=0.5)

    assert time.perf_counter() - started_s < 5
    assert "within 0.5 s (timeout)" in (reply.generation.error or "")


def test_slow_stream_is_cut_at_the_timeout(connect: Callable[..., Backend]) -> None:
    completion = FakeCompletion(chunk_interval_s=0.3)  # each wait is short, the whole is not
    with FakeOpenAI.running(completion=completion) as server:
        started_s = time.perf_counter()
        reply = connect(server.url).generate(server.model, PROMPT, TINY, timeout_s=0.5)

    assert time.perf_counter() - started_s < 2
    assert "within 0.5 s (timeout)" in (reply.generation.error or "")


def test_server_down_is_reported(connect: Callable[..., Backend]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    backend = connect(url)

    reply = backend.generate("any", PROMPT, TINY, timeout_s=5)

    error = reply.generation.error or ""
    assert "could not connect" in error and url in error and "'any'" in error
    assert backend.model_facts("any") == ModelFacts(context_fixed=True)
    assert backend.server_version() is None


@pytest.mark.parametrize("fault", [Fault.HTTP_500, Fault.MALFORMED_JSON])
def test_lookups_that_fail_give_none(backend: Backend, fake: FakeOpenAI, fault: Fault) -> None:
    fake.fault = fault

    facts = backend.model_facts(fake.model)

    assert facts == ModelFacts(context_fixed=True)  # an OpenAI call cannot set its context
    assert backend.server_version() is None


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1, 0, True, "12"])
def test_numbers_a_server_cannot_mean_give_no_figure(value: object) -> None:
    # Python's json reads `Infinity` and `NaN`; a record holds finite figures only
    assert as_positive(value) is None
    assert as_count(value) is None or value == 0


def test_llama_cpp_prompt_per_second_is_taken_as_sent() -> None:
    tally = _Tally(timings={"prompt_n": 12, "prompt_ms": 30.0, "prompt_per_second": 412.5})

    assert first_token_timings(tally, started_s=0.0)["prompt_tok_s"] == 412.5


@pytest.mark.parametrize("stream", [True, False])
def test_a_prompt_llama_cpp_refuses_as_over_its_context_is_truncated(
    connect: Callable[..., Backend], stream: bool
) -> None:
    over = FakeCompletion(prompt_tokens=5000)
    with FakeOpenAI.running(n_ctx=4096, completion=over) as fake:
        reply = connect(fake.url, stream=stream).generate(fake.model, PROMPT, TINY, 10)

    generation = reply.generation
    assert reply.text == "" and generation.truncated and generation.missing
    assert generation.prompt_tokens == 5000
    assert "a prompt of 5000 tokens does not fit the context of 4096 tokens" in (
        generation.error or ""
    )


def test_another_refusal_is_not_a_truncation(
    fake: FakeOpenAI, connect: Callable[..., Backend]
) -> None:
    reply = connect(fake.url).generate("no-such-model", PROMPT, TINY, 10)

    assert reply.generation.error is not None and not reply.generation.truncated
