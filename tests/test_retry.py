"""`bench run --resume RUN --retry-failed` asks again the calls that failed (server down,
timeout), keeps what the failed attempts were in the record, and asks nothing else again."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes._loopback import Fault
from fakes.ollama_server import FakeModel

from bench import cli
from bench.record.archive import load_record
from bench.record.schema import RECORD_FILENAME, RunRecord, RunStatus
from bench.runner.tasks import get_task
from tests.support.runs import TimedOllama, fenced, ollama_model, run_dirs, write_config

REFERENCE = get_task("deployment_window_analyzer").reference_source()
SMALL = FakeModel(name="small:0.5b", reply=fenced(REFERENCE), parameter_size="500M")
LARGE = FakeModel(name="large:1.5b", reply=fenced(REFERENCE))


def _record(archive: Path) -> tuple[RunRecord, Path]:
    [run_dir] = run_dirs(archive)
    return load_record(run_dir / RECORD_FILENAME), run_dir


def test_failed_calls_are_asked_again_and_their_failures_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(SMALL) as flaky, TimedOllama.running(LARGE) as steady:
        config = write_config(
            tmp_path,
            [ollama_model(SMALL.name, flaky.url), ollama_model(LARGE.name, steady.url)],
            pairs=((SMALL.name, LARGE.name),),
            repeats=2,
        )
        flaky.fault, flaky.fault_paths = Fault.HTTP_500, ("/api/chat",)
        assert cli.main(["run", str(config)]) == cli.EXIT_OK
        before, run_dir = _record(tmp_path / "archive")
        small, large = before.direct
        assert all(s.generation.error for s in small.samples)
        assert all(s.evaluation.score == 100 for s in large.samples)
        assert all(c.draft and c.draft.generation.error for c in before.cascades[0].samples)
        asked_large = len(steady.chats())

        flaky.fault = None
        capsys.readouterr()
        code = cli.main(["run", "--resume", str(run_dir), "--retry-failed"])
        assert code == cli.EXIT_OK, capsys.readouterr().err
        after, _ = _record(tmp_path / "archive")

    assert after.status is RunStatus.COMPLETE
    small_after, large_after = after.direct
    assert large_after == large  # not asked again
    for old, new in zip(small.samples, small_after.samples, strict=True):
        assert new.generation.error is None and new.evaluation.score == 100
        assert new.failed_attempts == (old.generation,)
        assert "HTTP 500" in (new.failed_attempts[0].error or "")
    for cascade in after.cascades[0].samples:
        assert cascade.draft is not None and cascade.draft.generation.error is None
        assert cascade.evaluation.score == 100
    assert len(steady.chats()) == asked_large + 2  # the two refines, nothing else
    assert len(flaky.chats()) == 2 + 2  # two failed, two asked again


def test_retry_failed_needs_resume_and_a_failed_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(LARGE) as server:
        config = write_config(tmp_path, [ollama_model(LARGE.name, server.url)])
        assert cli.main(["run", str(config), "--retry-failed"]) == cli.EXIT_USAGE
        assert "--retry-failed expected --resume RUN" in capsys.readouterr().err
        assert cli.main(["run", str(config)]) == cli.EXIT_OK
        record, run_dir = _record(tmp_path / "archive")
        capsys.readouterr()
        assert cli.main(["run", "--resume", str(run_dir), "--retry-failed"]) == cli.EXIT_USAGE
        err = " ".join(capsys.readouterr().err.split())
        assert "the run is complete already, and none of its calls failed" in err
        assert _record(tmp_path / "archive")[0] == record


def test_a_record_without_retries_has_no_failed_attempts_field(tmp_path: Path) -> None:
    with TimedOllama.running(LARGE) as server:
        config = write_config(tmp_path, [ollama_model(LARGE.name, server.url)])
        assert cli.main(["run", str(config)]) == cli.EXIT_OK
    [run_dir] = run_dirs(tmp_path / "archive")
    assert "failed_attempts" not in (run_dir / RECORD_FILENAME).read_text()
