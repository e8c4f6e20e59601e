"""The Ollama backend against a fake Ollama server on loopback that speaks its documented API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fakes._loopback import Fault
from fakes.ollama_server import FakeModel, FakeOllama
from fakes.openai_server import FakeOpenAI

from bench.record.schema import SamplingOptions, ThroughputSource, TimingSource
from bench.runner.backends import ModelFacts, OllamaBackend, make_backend
from bench.runner.backends.ollama import parse_parameter_size

MODEL = FakeModel()
OPTIONS = SamplingOptions(temperature=0.2, seed=7, num_ctx=4096, max_tokens=512, top_p=0.9)


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama.running(MODEL, FakeModel(name="smollm2:135m", parameter_size="135M")) as server:
        yield server


@pytest.fixture
def backend(ollama: FakeOllama) -> Iterator[OllamaBackend]:
    backend = OllamaBackend(ollama.url)
    yield backend
    backend.close()


def test_reply_text_and_throughput_from_server_counters(backend: OllamaBackend) -> None:
    reply = backend.generate(MODEL.name, "Write add(a, b).", OPTIONS, timeout_s=10)

    assert reply.text == MODEL.reply
    generation = reply.generation
    assert generation.error is None
    assert generation.throughput_source is ThroughputSource.SERVER_COUNTERS
    assert generation.throughput_tok_s == pytest.approx(50.0)  # 20 tokens / 0.4 s
    assert generation.prompt_tokens == MODEL.prompt_eval_count
    assert generation.generated_tokens == MODEL.eval_count
    assert 0 < generation.call_wall_s < 10


def test_timings_from_the_documented_duration_counters(backend: OllamaBackend) -> None:
    generation = backend.generate(MODEL.name, "Write add(a, b).", OPTIONS, timeout_s=10).generation

    # load 5 ms, prompt: 26 tokens in 130 ms, generation: 20 tokens in 400 ms
    assert generation.load_s == pytest.approx(MODEL.load_duration_ns / 1e9) == 0.005
    assert generation.prompt_tok_s == pytest.approx(26 / 0.13)
    assert generation.ttft_s == pytest.approx(0.005 + 0.13)
    assert generation.throughput_tok_s == pytest.approx(MODEL.eval_tok_s) == 50.0
    sources = {generation.load_source, generation.prompt_tok_s_source, generation.ttft_source}
    assert sources == {TimingSource.SERVER_COUNTERS}


def test_counters_a_server_leaves_out_give_no_figure() -> None:
    quiet = FakeModel(name="quiet:1b", prompt_eval_duration_ns=0, load_duration_ns=0)
    with FakeOllama.running(quiet) as server:
        backend = OllamaBackend(server.url)
        generation = backend.generate(quiet.name, "hi", OPTIONS, timeout_s=10).generation
        backend.close()

    assert generation.load_s == 0.0  # loaded already: no time spent loading
    assert (generation.ttft_s, generation.prompt_tok_s) == (None, None)
    assert generation.throughput_tok_s == pytest.approx(50.0)


def test_sends_the_documented_chat_request(backend: OllamaBackend, ollama: FakeOllama) -> None:
    backend.generate(MODEL.name, "Write add(a, b).", OPTIONS, timeout_s=10)

    [request] = ollama.requests_to("/api/chat")
    assert request.method == "POST"
    assert request.body["model"] == MODEL.name
    assert request.body["messages"] == [{"role": "user", "content": "Write add(a, b)."}]
    assert request.body["stream"] is False
    assert request.body["options"] == {
        "temperature": 0.2,
        "seed": 7,
        "num_ctx": 4096,
        "num_predict": 512,
        "top_p": 0.9,
    }


def test_options_left_unset_are_not_sent(backend: OllamaBackend, ollama: FakeOllama) -> None:
    backend.generate(MODEL.name, "hi", SamplingOptions(temperature=0.0), timeout_s=10)

    assert ollama.requests_to("/api/chat")[0].body["options"] == {"temperature": 0.0}


def test_keep_alive_is_sent_when_configured(ollama: FakeOllama) -> None:
    backend = make_backend("ollama", ollama.url, keep_alive="10m")
    backend.generate(MODEL.name, "hi", SamplingOptions(), timeout_s=10)
    backend.close()

    assert ollama.requests_to("/api/chat")[0].body["keep_alive"] == "10m"


def test_model_facts_from_show_and_tags(backend: OllamaBackend) -> None:
    facts = backend.model_facts(MODEL.name)

    assert facts.params_b == pytest.approx(1.5)
    assert facts.quantization == "Q4_K_M"
    assert facts.digest == MODEL.digest


def test_model_facts_hold_the_template_and_the_parameters_show_reports() -> None:
    model = FakeModel(num_ctx=8192, template="{{ .System }}{{ .Prompt }}")
    with FakeOllama.running(model) as server:
        backend = OllamaBackend(server.url)
        facts = backend.model_facts(model.name)
        backend.close()

    assert facts.chat_template == "{{ .System }}{{ .Prompt }}"
    assert facts.context_tokens == 8192 and not facts.context_fixed  # a call may set num_ctx
    assert dict(facts.settings) == {"num_ctx": "8192", "stop": '"<|im_start|>" "<|im_end|>"'}


def test_a_model_without_num_ctx_has_no_context_reported(backend: OllamaBackend) -> None:
    assert backend.model_facts(MODEL.name).context_tokens is None  # the server's default


def test_model_facts_of_a_model_named_without_tag() -> None:
    with FakeOllama.running(FakeModel(name="llama3.2:latest", parameter_size="3.2B")) as server:
        backend = OllamaBackend(server.url)
        facts = backend.model_facts("llama3.2")
        backend.close()

    assert facts.params_b == pytest.approx(3.2)
    assert facts.digest == FakeModel().digest


def test_server_version(backend: OllamaBackend) -> None:
    assert backend.server_version() == "0.12.6"


@pytest.mark.parametrize(
    ("text", "billions"),
    [("1.5B", 1.5), ("8.0B", 8.0), ("135M", 0.135), ("7b", 7.0), ("", None), ("big", None)],
)
def test_parameter_size_in_billions(text: str, billions: float | None) -> None:
    assert parse_parameter_size(text) == (pytest.approx(billions) if billions else None)


def test_unknown_model_is_reported_not_raised(backend: OllamaBackend, ollama: FakeOllama) -> None:
    reply = backend.generate("no-such-model:7b", "hi", OPTIONS, timeout_s=10)

    assert reply.text == ""
    error = reply.generation.error or ""
    assert "no-such-model:7b" in error and "not found" in error and "404" in error
    assert ollama.url in error


@pytest.mark.parametrize(
    ("fault", "expected"),
    [(Fault.HTTP_500, "HTTP 500"), (Fault.MALFORMED_JSON, "malformed reply")],
)
def test_server_faults_become_errors(
    backend: OllamaBackend, ollama: FakeOllama, fault: Fault, expected: str
) -> None:
    ollama.fault = fault

    reply = backend.generate(MODEL.name, "hi", OPTIONS, timeout_s=10)

    assert reply.text == ""
    error = reply.generation.error or ""
    assert expected in error and MODEL.name in error and f"{ollama.url}/api/chat" in error
    assert reply.generation.throughput_tok_s is None


def test_hung_server_times_out(backend: OllamaBackend, ollama: FakeOllama) -> None:
    ollama.fault = Fault.HANG

    started_s = time.perf_counter()
    reply = backend.generate(MODEL.name, "hi", OPTIONS, timeout_s=0.5)

    assert time.perf_counter() - started_s < 5
    error = reply.generation.error or ""
    assert "timeout" in error and "0.5 s" in error and MODEL.name in error
    assert reply.generation.call_wall_s >= 0.5


def test_server_down_is_reported(backend: OllamaBackend, ollama: FakeOllama) -> None:
    ollama.go_down()

    reply = backend.generate(MODEL.name, "hi", OPTIONS, timeout_s=5)

    error = reply.generation.error or ""
    assert "could not connect" in error and ollama.url in error and MODEL.name in error


@pytest.mark.parametrize("fault", [Fault.HTTP_500, Fault.MALFORMED_JSON, None])
def test_lookups_that_fail_give_none(
    backend: OllamaBackend, ollama: FakeOllama, fault: Fault | None
) -> None:
    if fault is None:
        ollama.go_down()
    ollama.fault = fault

    facts = backend.model_facts(MODEL.name)

    assert facts == ModelFacts()
    assert backend.server_version() is None


def test_one_backend_serves_several_threads(backend: OllamaBackend, ollama: FakeOllama) -> None:
    models = [MODEL.name, "smollm2:135m"] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda m: backend.generate(m, "hi", OPTIONS, 10), models))

    assert all(r.generation.error is None and r.text == MODEL.reply for r in replies)
    assert sorted(r.body["model"] for r in ollama.requests_to("/api/chat")) == sorted(models)


def test_make_backend_rejects_an_unknown_kind() -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown backend 'olama': expected 'ollama', 'openai' or 'llama-inprocess'$",
    ):
        make_backend("olama", "http://127.0.0.1:1")


def test_a_server_without_the_ollama_api_is_named() -> None:
    with FakeOpenAI.running() as not_ollama:
        backend = OllamaBackend(not_ollama.url)
        reply = backend.generate(MODEL.name, "hi", OPTIONS, timeout_s=10)
        backend.close()

    error = reply.generation.error or ""
    assert "HTTP 404" in error and f"{not_ollama.url}/api/chat" in error
    assert "right kind of server" in error
