"""Records survive faults: an interrupted run leaves a valid partial record, and
`bench run --resume RUN` completes it without repeating the calls it holds."""

from __future__ import annotations

import json
import os
import signal
import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.ollama_server import FakeModel

from bench import cli
from bench.record.archive import load_archive, load_record
from bench.record.schema import RECORD_FILENAME, RunRecord, RunStatus
from bench.runner.backends import make_backend
from bench.runner.config import load_config
from bench.runner.orchestrator import EVALUATORS
from bench.runner.run import prepare
from bench.runner.tasks import get_task
from tests.support.events import wait_for_file
from tests.support.runs import (
    BENCHMARK,
    InterruptAfter,
    TimedOllama,
    bench,
    bench_process,
    fenced,
    ollama_model,
    write_config,
)

TASK = get_task("deployment_window_analyzer")
SMALL = FakeModel(name="small:0.5b", reply=fenced("print('draft')\n"))
LARGE = FakeModel(name="large:1.5b", reply=fenced(TASK.reference_source()))
PLANNED_CALLS = 2 * 2 + 2  # two models, two repeats, one pair


@pytest.fixture
def ollama() -> Iterator[TimedOllama]:
    with TimedOllama.running(SMALL, LARGE, delay_s=0.2) as server:
        yield server


def _config(tmp_path: Path, url: str) -> Path:
    return write_config(
        tmp_path,
        [ollama_model(SMALL.name, url), ollama_model(LARGE.name, url)],
        pairs=((SMALL.name, LARGE.name),),
        repeats=2,
    )


def _samples(record: RunRecord) -> dict[tuple[str, int | None, str], Any]:
    """Every call a record holds, by (model asked, seed, direct or refine)."""
    held: dict[tuple[str, int | None, str], Any] = {}
    for direct in record.direct:
        for sample in direct.samples:
            held[(direct.model.tag, sample.seed, "direct")] = sample
    for pair in record.cascades:
        for handoff in pair.samples:
            held[(pair.large, handoff.seed, "refine")] = handoff
    return held


def _asked(server: TimedOllama) -> Counter[tuple[str, int | None, str]]:
    prompt = TASK.prompt()
    return Counter(
        (
            chat["model"],
            chat["options"]["seed"],
            "direct" if chat["messages"][0]["content"] == prompt else "refine",
        )
        for chat in server.chats()
    )


def test_an_interrupted_run_leaves_a_partial_record_that_resume_completes(
    tmp_path: Path, ollama: TimedOllama
) -> None:
    loaded = load_config(_config(tmp_path, ollama.url))
    prepared = prepare(
        loaded, backend_factory=lambda kind, url: InterruptAfter(make_backend(kind, url), calls=3)
    )

    with pytest.raises(KeyboardInterrupt):
        prepared.orchestrator.run()

    partial = load_record(prepared.record_path)
    assert partial.status is RunStatus.PARTIAL and partial.finished_at is None
    assert len(_samples(partial)) == 3
    assert load_archive(tmp_path / "archive")  # the site would accept it as it is

    code = cli.main(["run", "--resume", str(prepared.state.run_dir)])

    final = load_record(prepared.record_path)
    assert code == cli.EXIT_OK
    assert final.status is RunStatus.COMPLETE and final.run_id == partial.run_id
    assert len(_samples(final)) == PLANNED_CALLS
    assert len(ollama.chats()) == PLANNED_CALLS
    assert set(_asked(ollama).values()) == {1}
    for key, sample in _samples(partial).items():
        assert _samples(final)[key] == sample


def _wait_for_calls(archive: Path, at_least: int, timeout_s: float = 120) -> Path:
    """The record once it holds `at_least` direct calls; the run writes it after each call,
    and nothing tells another process when (the record file is the event)."""

    def holds(path: Path) -> bool:
        data = json.loads(path.read_text(encoding="utf-8"))  # written whole: write_atomic
        return sum(len(d["samples"]) for d in data["direct"]) >= at_least

    return wait_for_file(
        archive.parent, f"archive/{BENCHMARK}/*/{RECORD_FILENAME}", holds, timeout_s
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_a_run_stopped_by_a_signal_resumes_without_repeating_finished_calls(
    tmp_path: Path, ollama: TimedOllama, sig: signal.Signals
) -> None:
    config = _config(tmp_path, ollama.url)
    ollama.hold_after = 2  # the third call stays in flight: the run cannot end before the signal
    process = bench_process("run", str(config), cwd=tmp_path)
    assert ollama.holding.wait(timeout=120), "the run never made its third call"
    record_path = _wait_for_calls(tmp_path / "archive", at_least=2)

    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    ollama.release()

    partial = load_record(record_path)
    assert partial.status is RunStatus.PARTIAL
    if sig == signal.SIGINT:
        assert process.returncode == cli.EXIT_INTERRUPTED
        shown = record_path.parent.relative_to(tmp_path)  # the process ran in tmp_path
        assert f"Resume with: bench run --resume {shown}\n" in err
    held = _samples(partial)

    resumed = bench("run", "--resume", partial.run_id, "--archive", "archive", cwd=tmp_path)

    assert resumed.returncode == cli.EXIT_OK, resumed.stderr
    final = load_record(record_path)
    assert final.status is RunStatus.COMPLETE
    assert len(_samples(final)) == PLANNED_CALLS
    asked = _asked(ollama)
    assert all(asked[key] == 1 for key in held)  # what the record held was not asked again
    # + the call in flight and, killed, the replies that were being evaluated
    lost = 1 if sig == signal.SIGINT else 1 + EVALUATORS
    assert PLANNED_CALLS <= sum(asked.values()) <= PLANNED_CALLS + lost


def test_resume_refuses_a_config_that_plans_another_run(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded = load_config(_config(tmp_path, ollama.url))
    prepared = prepare(
        loaded, backend_factory=lambda kind, url: InterruptAfter(make_backend(kind, url), calls=1)
    )
    with pytest.raises(KeyboardInterrupt):
        prepared.orchestrator.run()
    changed = _config(tmp_path, ollama.url)
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("repeats: 2", "repeats: 3"), encoding="utf-8"
    )
    calls_before = len(ollama.chats())

    code = cli.main(["run", str(changed), "--resume", str(prepared.state.run_dir)])

    assert code == cli.EXIT_USAGE
    assert "repeats: expected 2 as recorded, found 3" in capsys.readouterr().err
    assert len(ollama.chats()) == calls_before


def test_a_complete_run_is_not_resumed(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, [ollama_model(LARGE.name, ollama.url)])
    assert cli.main(["run", str(config)]) == cli.EXIT_OK
    [record] = (tmp_path / "archive").glob(f"{BENCHMARK}/*/{RECORD_FILENAME}")
    before = record.read_bytes()

    code = cli.main(["run", "--resume", str(record)])

    assert code == cli.EXIT_USAGE
    assert "the run is complete already" in capsys.readouterr().err
    assert record.read_bytes() == before


def test_records_are_replaced_whole_and_leave_no_temporary_files(
    tmp_path: Path, ollama: TimedOllama
) -> None:
    config = _config(tmp_path, ollama.url)

    assert cli.main(["run", str(config)]) == cli.EXIT_OK

    [run_dir] = (tmp_path / "archive" / BENCHMARK).iterdir()
    assert sorted(p.name for p in run_dir.iterdir()) == ["candidates", "config.yaml", "run.json"]
    assert config.read_text(encoding="utf-8") == (run_dir / "config.yaml").read_text("utf-8")


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_archived_files_get_the_mode_of_the_users_umask(
    tmp_path: Path, ollama: TimedOllama, umask: int
) -> None:
    config = _config(tmp_path, ollama.url)
    before = os.umask(umask)
    try:
        assert cli.main(["run", str(config)]) == cli.EXIT_OK
    finally:
        os.umask(before)

    files = [p for p in (tmp_path / "archive").rglob("*") if p.is_file()]
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o666 & ~umask}
