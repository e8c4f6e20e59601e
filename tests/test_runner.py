"""`bench run`: direct models and handoff pairs against a fake Ollama server, recorded whole;
server faults become recorded call errors and the run goes on; per-server concurrency."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes._loopback import Fault
from fakes.ollama_server import FakeModel

from bench import cli
from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.schema import (
    METHODOLOGY_VERSION,
    RECORD_FILENAME,
    ErrorKind,
    RunRecord,
    RunStatus,
    ServerInfo,
    TimingSource,
)
from bench.runner.host import fingerprint
from bench.runner.store import create_run_dir
from bench.runner.tasks import get_task
from tests.support.runs import (
    BASE_SEED,
    BENCHMARK,
    REPO,
    TimedOllama,
    fenced,
    ollama_model,
    run_dirs,
    write_config,
)

TASK = get_task("deployment_window_analyzer")
REFERENCE = TASK.reference_source()
SMALL = FakeModel(
    name="small:0.5b", reply=fenced("def broken(:\n    pass\n"), parameter_size="500M"
)
LARGE = FakeModel(name="large:1.5b", reply=fenced(REFERENCE))


def _run(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[RunRecord, Path, str]:
    code = cli.main(["run", str(config)])
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK, out
    [run_dir] = run_dirs(config.parent / "archive")
    return load_record(run_dir / RECORD_FILENAME), run_dir, out


@pytest.fixture
def ollama() -> Iterator[TimedOllama]:
    with TimedOllama.running(SMALL, LARGE) as server:
        yield server


def test_direct_models_and_a_pair_are_recorded_whole(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path,
        [
            ollama_model(SMALL.name, ollama.url, label="Small"),
            ollama_model(LARGE.name, ollama.url, label="Large", params_b=1.5),
        ],
        pairs=((SMALL.name, LARGE.name),),
        repeats=2,
    )

    record, run_dir, out = _run(config, capsys)

    assert record.status is RunStatus.COMPLETE and record.finished_at is not None
    assert re.fullmatch(rf"{BENCHMARK}-\d{{4}}-\d\d-\d\d_\d\d-\d\d-\d\d", record.run_id)
    assert run_dir == tmp_path / "archive" / BENCHMARK / record.run_id
    assert record.methodology_version == METHODOLOGY_VERSION
    assert record.checks == TASK.checks
    small, large = record.direct
    assert [s.seed for s in small.samples] == [BASE_SEED, BASE_SEED + 1]
    assert [s.evaluation.score for s in large.samples] == [100, 100]
    assert [s.evaluation.score for s in small.samples] == [0, 0]
    assert (small.model.label, small.model.params_b) == ("Small", 0.5)  # size from the server
    assert (large.model.server_version, large.model.digest) == ("0.12.6", LARGE.digest)
    assert large.model.quantization == "Q4_K_M"
    assert len(ollama.chats()) == 2 * 2 + 2  # direct: 2 models x 2 repeats; refine: 2 repeats
    assert sorted(c["options"]["seed"] for c in ollama.chats()) == [7, 7, 7, 8, 8, 8]
    assert "Large" in out and "Small -> Large" in out and str(run_dir) in out


def test_a_handoff_reuses_the_small_models_direct_sample_as_its_draft(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path,
        [ollama_model(SMALL.name, ollama.url), ollama_model(LARGE.name, ollama.url)],
        pairs=((SMALL.name, LARGE.name),),
    )

    record, _, _ = _run(config, capsys)

    [pair] = record.cascades
    [handoff] = pair.samples
    [draft] = record.direct[0].samples
    assert handoff.draft == draft and handoff.seed == draft.seed
    assert handoff.refine is not None and handoff.refine.error is None
    assert handoff.pipeline_wall_s == pytest.approx(
        draft.generation.call_wall_s + handoff.refine.call_wall_s
    )
    refine_prompt = ollama.chats()[-1]["messages"][0]["content"]
    assert "def broken(:" in refine_prompt
    assert refine_prompt == TASK.refine_prompt("def broken(:\n    pass\n")
    assert handoff.evaluation.score == 100


def test_candidates_are_archived_under_the_run_folder(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path,
        [ollama_model(SMALL.name, ollama.url), ollama_model(LARGE.name, ollama.url)],
        pairs=((SMALL.name, LARGE.name),),
    )

    record, run_dir, _ = _run(config, capsys)

    evaluations = [s.evaluation for d in record.direct for s in d.samples]
    evaluations += [s.evaluation for c in record.cascades for s in c.samples]
    paths = [e.candidate.path for e in evaluations if e.candidate is not None]
    assert len(set(paths)) == len(evaluations) == 3
    for path in paths:
        assert path is not None
        assert re.fullmatch(r"candidates/[^/]+/deployment_window_analyzer\.py", path)
    assert (run_dir / paths[1]).read_text(encoding="utf-8") == REFERENCE
    assert all(e.eval_wall_s is not None and e.eval_wall_s > 0 for e in evaluations)


def test_provenance_names_the_tool_the_servers_and_the_sandbox(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, [ollama_model(LARGE.name, ollama.url)])

    record, _, _ = _run(config, capsys)

    provenance = record.provenance
    assert provenance.tool_version == importlib.metadata.version("bench-archive")
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    assert provenance.git_commit == (head.stdout.strip() if head.returncode == 0 else None)
    assert (provenance.backend, provenance.server_version) == ("ollama", "0.12.6")
    assert provenance.sampling.seed == BASE_SEED and provenance.sampling.temperature == 0
    assert provenance.isolation and "rlimits" in provenance.isolation


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("refused", "the Ollama server at {url} is not reachable"),
        ("unknown_model", "the Ollama server at {url} has no model 'missing:1b'"),
        ("http_500", "the Ollama server at {url} answered HTTP 500 to /api/tags"),
    ],
)
def test_a_server_that_is_down_or_lacks_a_model_is_refused_before_any_call(
    tmp_path: Path,
    ollama: TimedOllama,
    capsys: pytest.CaptureFixture[str],
    fault: str,
    error: str,
) -> None:
    with TimedOllama.running(FakeModel(name="flaky:1b")) as flaky:
        tag = "missing:1b" if fault == "unknown_model" else "flaky:1b"
        if fault == "refused":
            flaky.go_down()
        elif fault == "http_500":
            flaky.fault = Fault(fault)
        config = write_config(
            tmp_path, [ollama_model(LARGE.name, ollama.url), ollama_model(tag, flaky.url)]
        )

        code = cli.main(["run", str(config)])

    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    lines = config.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if f"tag: {tag}" in text)
    expected = f"{config}:{line}: models[1]: expected model {tag!r} available, found "
    assert expected + error.format(url=flaky.url) in " ".join(err.split())
    assert not (tmp_path / "archive").exists()  # nothing written
    assert ollama.chats() == []  # no model was asked


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("http_500", "HTTP 500"),
        ("malformed_json", "malformed reply"),
        ("drop", "failed: RemoteProtocolError"),
    ],
)
def test_an_infrastructure_fault_mid_run_is_recorded_as_missing_data(
    tmp_path: Path,
    ollama: TimedOllama,
    capsys: pytest.CaptureFixture[str],
    fault: str,
    error: str,
) -> None:
    with TimedOllama.running(FakeModel(name="flaky:1b")) as flaky:
        flaky.fault, flaky.fault_paths = Fault(fault), ("/api/chat",)
        config = write_config(
            tmp_path,
            [ollama_model("flaky:1b", flaky.url), ollama_model(LARGE.name, ollama.url)],
            pairs=(("flaky:1b", LARGE.name),),
        )

        record, _, out = _run(config, capsys)

    failed, healthy = record.direct
    [sample] = failed.samples
    assert sample.generation.error is not None and error in sample.generation.error
    assert sample.generation.error_kind is ErrorKind.INFRASTRUCTURE
    assert sample.evaluation.candidate is None
    assert healthy.samples[0].evaluation.score == 100
    assert record.status is RunStatus.COMPLETE  # a call succeeded
    [handoff] = record.cascades[0].samples
    assert handoff.refine is None
    assert len(ollama.chats()) == 1  # a failed draft is not sent for refinement
    assert f"flaky:1b #1: {sample.generation.error}" in out
    assert f"flaky:1b -> {LARGE.name} #1: draft failed: " in out
    analysis = RunAnalysis(record)
    assert [d.tag for d in analysis.direct] == [LARGE.name]  # missing, not a score of 0
    assert [(m.who, m.missing, m.calls) for m in analysis.unmeasured] == [
        ("flaky:1b", 1, 1),
        (f"flaky:1b -> {LARGE.name}", 1, 1),
    ]


def test_a_timeout_is_the_models_failure_and_scores_zero(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(FakeModel(name="slow:1b"), delay_s=3.0) as slow:
        config = write_config(
            tmp_path,
            [ollama_model("slow:1b", slow.url), ollama_model(LARGE.name, ollama.url)],
            timeout_s=1,
        )

        record, _, _ = _run(config, capsys)

    [sample] = record.direct[0].samples
    assert sample.generation.error is not None and "timeout" in sample.generation.error
    assert sample.generation.error_kind is ErrorKind.MODEL
    slow_model = RunAnalysis(record).direct[0]
    assert (slow_model.tag, slow_model.score.median) == ("slow:1b", 0)


def test_a_run_in_which_no_call_succeeded_is_marked_failed_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(FakeModel(name="flaky:1b")) as flaky:
        flaky.fault, flaky.fault_paths = Fault.HTTP_500, ("/api/chat",)
        config = write_config(tmp_path, [ollama_model("flaky:1b", flaky.url)])

        code = cli.main(["run", str(config)])

    out = capsys.readouterr().out
    [run_dir] = run_dirs(tmp_path / "archive")
    record = load_record(run_dir / RECORD_FILENAME)
    assert code == cli.ExitCode.RUN_FAILED
    assert record.status is RunStatus.FAILED
    assert "Record (FAILED: no call succeeded)" in " ".join(out.split())


def test_calls_to_one_server_wait_for_each_other_and_servers_run_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (
        TimedOllama.running(FakeModel(name="a"), delay_s=0.4) as one,
        TimedOllama.running(FakeModel(name="b"), delay_s=0.4) as two,
    ):
        config = write_config(
            tmp_path, [ollama_model("a", one.url), ollama_model("b", two.url)], repeats=2
        )
        _run(config, capsys)

    for server in (one, two):
        first, second = sorted(server.served)
        assert first[1] <= second[0]
    assert _overlap(one.served, two.served)


def test_a_server_may_take_several_calls_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(FakeModel(name="a"), delay_s=0.5) as server:
        config = write_config(tmp_path, [ollama_model("a", server.url, concurrency=2)], repeats=2)
        _run(config, capsys)

    assert _overlap(server.served[:1], server.served[1:])


def _overlap(first: list[tuple[float, float]], second: list[tuple[float, float]]) -> bool:
    return any(a < d and c < b for a, b in first for c, d in second)


def test_a_run_id_already_taken_gets_a_suffix_and_the_other_run_is_untouched(
    tmp_path: Path,
) -> None:
    import datetime as dt

    started = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
    first = create_run_dir(tmp_path, "b", started)
    (first / RECORD_FILENAME).write_text("{}", encoding="utf-8")

    second = create_run_dir(tmp_path, "b", started)

    assert first.name == "b-2026-05-01_12-00-00"
    assert second.name == "b-2026-05-01_12-00-00-2"
    assert (first / RECORD_FILENAME).read_text(encoding="utf-8") == "{}"
    assert list(second.iterdir()) == []


def test_the_host_is_fingerprinted_once_with_its_servers(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, [ollama_model(LARGE.name, ollama.url)])

    record, _, _ = _run(config, capsys)

    host = record.provenance.host
    assert host is not None
    here = fingerprint()
    assert (host.cpu_model, host.logical_cores, host.memory_bytes) == (
        here.cpu_model,
        here.logical_cores,
        here.memory_bytes,
    )
    assert host.servers == (ServerInfo(backend="ollama", url=ollama.url, version="0.12.6"),)
    assert host.load_avg_start is not None and host.load_avg_end is not None
    [sample] = record.direct[0].samples
    assert sample.generation.ttft_source is TimingSource.SERVER_COUNTERS
