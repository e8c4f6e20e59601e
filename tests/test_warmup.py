"""One warm-up call per model before its measured calls: on by default, recorded apart from
the samples, in no figure, never repeated by a resume."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes._loopback import Answer, json_answer
from fakes.ollama_server import FakeModel, final_message

from bench import cli
from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.schema import RECORD_FILENAME, RunStatus
from bench.runner.backends import make_backend
from bench.runner.config import load_config
from bench.runner.orchestrator import WARMUP_MAX_TOKENS, WARMUP_PROMPT
from bench.runner.run import prepare
from bench.runner.tasks import get_task
from tests.support.runs import (
    InterruptAfter,
    TimedOllama,
    fenced,
    ollama_model,
    run_dirs,
    write_config,
)

TASK = get_task("deployment_window_analyzer")
SMALL = FakeModel(name="small:0.5b", reply=fenced("print('draft')\n"))
LARGE = FakeModel(name="large:1.5b", reply=fenced(TASK.reference_source()))
COLD_LOAD_NS = 3_000_000_000


class ColdStartOllama(TimedOllama):
    """A fake Ollama whose warm-up answers are slow and report a 3 s model load."""

    def route(self, method: str, path: str, body: Any) -> Answer:
        answer = super().route(method, path, body)
        if path != "/api/chat" or body["messages"][0]["content"] != WARMUP_PROMPT:
            return answer
        time.sleep(0.3)
        cold = FakeModel(name=body["model"], load_duration_ns=COLD_LOAD_NS, eval_duration_ns=10**9)
        return json_answer(final_message(cold, "message", "ready"))


@pytest.fixture
def ollama() -> Iterator[ColdStartOllama]:
    with ColdStartOllama.running(SMALL, LARGE) as server:
        yield server


def _config(tmp_path: Path, url: str, **settings: Any) -> Path:
    return write_config(
        tmp_path,
        [ollama_model(SMALL.name, url), ollama_model(LARGE.name, url)],
        pairs=((SMALL.name, LARGE.name),),
        repeats=2,
        **{"warmup": True, **settings},
    )


def _prompts(server: TimedOllama) -> list[tuple[str, str]]:
    prompt = TASK.prompt()
    return [
        (
            chat["model"],
            {WARMUP_PROMPT: "warmup", prompt: "direct"}.get(
                chat["messages"][0]["content"], "refine"
            ),
        )
        for chat in server.chats()
    ]


def test_each_model_is_warmed_up_once_before_its_measured_calls(
    tmp_path: Path, ollama: ColdStartOllama
) -> None:
    config = _config(tmp_path, ollama.url)
    assert cli.main(["run", str(config)]) == cli.EXIT_OK
    [run_dir] = run_dirs(tmp_path / "archive")
    record = load_record(run_dir / RECORD_FILENAME)

    assert _prompts(ollama) == [
        (SMALL.name, "warmup"), (SMALL.name, "direct"), (SMALL.name, "direct"),
        (LARGE.name, "warmup"), (LARGE.name, "direct"), (LARGE.name, "direct"),
        (LARGE.name, "refine"), (LARGE.name, "refine"),
    ]  # fmt: skip
    warm_chat = ollama.chats()[0]
    assert warm_chat["options"]["num_predict"] == WARMUP_MAX_TOKENS
    assert warm_chat["options"]["temperature"] == 0  # the run's other options, as measured
    assert [w.tag for w in record.warmups] == [SMALL.name, LARGE.name]
    assert all(w.generation.load_s == 3.0 for w in record.warmups)
    assert [len(d.samples) for d in record.direct] == [2, 2]
    assert not list((run_dir / "candidates").glob("warmup*"))


def test_a_slow_warm_up_is_in_no_figure(tmp_path: Path, ollama: ColdStartOllama) -> None:
    assert cli.main(["run", str(_config(tmp_path, ollama.url))]) == cli.EXIT_OK
    [run_dir] = run_dirs(tmp_path / "archive")
    record = load_record(run_dir / RECORD_FILENAME)
    analysis = RunAnalysis(record)

    warm = record.warmups[0].generation
    assert warm.call_wall_s >= 0.3 and warm.throughput_tok_s == pytest.approx(20.0)
    for direct in analysis.direct:
        assert direct.load_s is not None and direct.load_s.high == pytest.approx(0.005)
        assert direct.throughput_tok_s is not None
        assert direct.throughput_tok_s.low == pytest.approx(50.0)  # not the warm-up's 20
        assert direct.ttft_s is not None and direct.ttft_s.high == pytest.approx(0.135)
        assert direct.call_wall_s is not None and direct.call_wall_s.n == 2
        assert direct.call_wall_s.high < warm.call_wall_s
    assert analysis.call_failures == ()


def test_warmup_false_asks_no_warm_up(tmp_path: Path, ollama: ColdStartOllama) -> None:
    assert cli.main(["run", str(_config(tmp_path, ollama.url, warmup=False))]) == cli.EXIT_OK
    [run_dir] = run_dirs(tmp_path / "archive")

    assert load_record(run_dir / RECORD_FILENAME).warmups == ()
    assert "warmup" not in {kind for _, kind in _prompts(ollama)}


def test_resume_does_not_repeat_a_recorded_warm_up(tmp_path: Path, ollama: ColdStartOllama) -> None:
    loaded = load_config(_config(tmp_path, ollama.url))
    prepared = prepare(
        loaded, backend_factory=lambda kind, url: InterruptAfter(make_backend(kind, url), calls=2)
    )
    with pytest.raises(KeyboardInterrupt):
        prepared.orchestrator.run()
    partial = load_record(prepared.record_path)
    assert [w.tag for w in partial.warmups] == [SMALL.name]

    assert cli.main(["run", "--resume", str(prepared.state.run_dir)]) == cli.EXIT_OK

    final = load_record(prepared.record_path)
    assert final.status is RunStatus.COMPLETE
    assert final.warmups[0] == partial.warmups[0]
    assert [kind for _, kind in _prompts(ollama)].count("warmup") == 2  # one per model, ever
