"""A run never aborts because of what a model wrote or a server sent: odd text is recorded on
its sample, a reply over the limit is flagged, a drip-feeding server is cut at `timeout_s`,
and `--resume` works after each."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes._loopback import Answer, Fault
from fakes.ollama_server import FakeModel, FakeOllama
from fakes.openai_server import FakeCompletion, FakeOpenAI

from bench import cli
from bench.record.archive import load_record
from bench.record.schema import RECORD_FILENAME, RunStatus, SamplingOptions
from bench.runner.backends import OllamaBackend, OpenAIBackend, _http
from bench.runner.tasks import get_task
from tests.support.runs import fenced, ollama_model, run_dirs, write_config

TASK = get_task("deployment_window_analyzer")
TIMEOUT_S = 1.5


@pytest.fixture
def dripping_ollama() -> Iterator[FakeOllama]:
    with FakeOllama.running() as server:
        server.fault, server.hang_s = Fault.DRIP, 20.0
        yield server


@pytest.fixture
def dripping_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI.running() as server:
        server.fault, server.hang_s = Fault.DRIP, 20.0
        yield server


def test_a_drip_feeding_ollama_server_is_cut_at_timeout_s(dripping_ollama: FakeOllama) -> None:
    backend = OllamaBackend(dripping_ollama.url)
    started = time.monotonic()
    reply = backend.generate("m", "p", SamplingOptions(), TIMEOUT_S)
    assert time.monotonic() - started < TIMEOUT_S + 2  # the feature is the deadline
    assert reply.generation.error and "within 1.5 s (timeout)" in reply.generation.error


def test_a_drip_feeding_openai_server_is_cut_at_timeout_s(dripping_openai: FakeOpenAI) -> None:
    for stream in (True, False):
        backend = OpenAIBackend(dripping_openai.url, stream=stream)
        started = time.monotonic()
        reply = backend.generate("m", "p", SamplingOptions(), TIMEOUT_S)
        assert time.monotonic() - started < TIMEOUT_S + 2
        assert reply.generation.error and "(timeout)" in reply.generation.error


ODD_REPLIES = {
    "lone-surrogate": fenced("x = '\ud800'\n"),
    "nul-bytes": fenced("x = 1\0\0\n"),
    "surrogate-outside-code": "Here\udcff it is:\n" + fenced("def f():\n    return 1\n"),
    "over-the-limit": fenced("x = 1\n" * 200_000),
}


@pytest.mark.parametrize("reply", ODD_REPLIES.values(), ids=ODD_REPLIES.keys())
def test_odd_replies_are_recorded_and_the_run_resumes(
    reply: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = FakeModel(name="odd:1b", reply=reply)
    with FakeOllama.running(model) as server:
        config = write_config(tmp_path, [ollama_model(model.name, server.url)])
        assert cli.main(["run", str(config)]) == cli.EXIT_OK, capsys.readouterr().out
        [run_dir] = run_dirs(tmp_path / "archive")
        record = load_record(run_dir / RECORD_FILENAME)
        [sample] = record.direct[0].samples
        assert sample.generation.error is None
        if "x = 1\n" * 200_000 in reply:
            gate = sample.evaluation.checks[0]
            assert gate.detail and "over the 1,048,576-byte limit" in gate.detail
        assert cli.main(["run", "--resume", str(run_dir)]) in (cli.EXIT_OK, cli.EXIT_USAGE)
        assert load_record(run_dir / RECORD_FILENAME) == record


class OddOllama(FakeOllama):
    """A fake Ollama whose chat answers are `chat_answer`, whatever it is."""

    def __init__(self, chat_answer: Answer) -> None:
        super().__init__(FakeModel(name="odd:1b"))
        self.chat_answer = chat_answer

    def route(self, method: str, path: str, body: Any) -> Answer:
        return self.chat_answer if path == "/api/chat" else super().route(method, path, body)


ODD_ANSWERS = {
    "invalid-utf8-body": Answer(200, b'{"message": {"content": "\xff\xfe def f(): pass"}}'),
    "surrogate-in-error": Answer(500, b'{"error": "broken \\ud800 model \\u0000 here"}'),
    "nul-in-content": Answer(
        200, b'{"message": {"content": "```python\\nx = 1\\u0000\\n```"}, "done": true}'
    ),
}


@pytest.mark.parametrize("answer", ODD_ANSWERS.values(), ids=ODD_ANSWERS.keys())
def test_odd_server_answers_are_recorded_and_the_run_resumes(
    answer: Answer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with OddOllama.running(answer) as server:
        config = write_config(tmp_path, [ollama_model("odd:1b", server.url)], repeats=2)
        code = cli.main(["run", str(config)])
        # every call failed on the server: the run is recorded, and marked failed
        assert code in (cli.EXIT_OK, cli.ExitCode.RUN_FAILED), capsys.readouterr().err
        [run_dir] = run_dirs(tmp_path / "archive")
        record = load_record(run_dir / RECORD_FILENAME)
        assert len(record.direct[0].samples) == 2
        assert (code == cli.ExitCode.RUN_FAILED) == (record.status is RunStatus.FAILED)
        code = cli.main(["run", "--resume", str(run_dir), "--retry-failed"])
        assert code in (cli.EXIT_OK, cli.EXIT_USAGE, cli.ExitCode.RUN_FAILED), (
            capsys.readouterr().err
        )
        assert load_record(run_dir / RECORD_FILENAME).direct[0].samples[0].seed is not None


@pytest.fixture
def small_reply_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(_http, "REPLY_BYTES", 64 * 1024)
    return 64 * 1024


def test_a_reply_over_the_cap_is_a_call_error_on_both_backends(small_reply_cap: int) -> None:
    huge = "x" * (4 * small_reply_cap)
    with FakeOllama.running(FakeModel(name="huge:1b", reply=huge)) as ollama:
        reply = OllamaBackend(ollama.url).generate("huge:1b", "p", SamplingOptions(), 10)
    assert reply.text == "" and "is over 65,536 bytes" in (reply.generation.error or "")
    for stream in (True, False):
        completion = FakeCompletion(pieces=(huge,))
        with FakeOpenAI.running(completion=completion) as openai:
            backend = OpenAIBackend(openai.url, stream=stream)
            reply = backend.generate(openai.model, "p", SamplingOptions(), 10)
        assert reply.text == "" and "is over 65,536 bytes" in (reply.generation.error or "")


def test_a_run_with_a_reply_over_the_cap_goes_on(
    small_reply_cap: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = FakeModel(name="huge:1b", reply="x" * (4 * small_reply_cap))
    fine = FakeModel(name="fine:1b", reply=fenced(TASK.reference_source()))
    with FakeOllama.running(huge, fine) as server:
        config = write_config(
            tmp_path, [ollama_model(huge.name, server.url), ollama_model(fine.name, server.url)]
        )
        assert cli.main(["run", str(config)]) == cli.EXIT_OK, capsys.readouterr().err
    [run_dir] = run_dirs(tmp_path / "archive")
    over, ok = load_record(run_dir / RECORD_FILENAME).direct
    assert "is over 65,536 bytes" in (over.samples[0].generation.error or "")
    assert ok.samples[0].evaluation.score == 100
