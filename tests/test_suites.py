"""A run asks a suite: tasks chosen from suites and ids (sampled with a seed), every sample named
by its task and repeat, resumed in the middle; a version 1 record reads as a one-task run."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.ollama_server import FakeModel

from bench import cli
from bench.record.archive import ArchiveError, load_archive, load_record
from bench.record.schema import RECORD_FILENAME, RunStatus
from bench.runner.backends import make_backend
from bench.runner.config import ConfigError, load_config
from bench.runner.run import prepare
from bench.runner.tasks import UnknownTasks, get_task, select_tasks
from tests.support.runs import InterruptAfter, TimedOllama, fenced, ollama_model, write_config
from tests.support.sitebuild import REPO, SEED_RUN

DWA = "deployment_window_analyzer"
SUITE = [DWA, "humaneval-0"]
# Solves the seed's task, not HumanEval/0 (it defines no has_close_elements).
SOLVER = FakeModel(name="solver:1b", reply=fenced(get_task(DWA).reference_source()))


@pytest.fixture
def ollama() -> Iterator[TimedOllama]:
    with TimedOllama.running(SOLVER) as server:
        yield server


def test_suites_and_ids_expand_in_order_each_task_once() -> None:
    chosen = select_tasks(["humaneval-3", "humaneval", DWA], None, seed=0)

    assert chosen[:2] == ["humaneval-3", "humaneval-0"]
    assert len(chosen) == 165 and chosen[-1] == DWA and chosen.count("humaneval-3") == 1


def test_a_task_sample_is_seeded_ordered_and_keeps_the_tasks_named_alone() -> None:
    first = select_tasks(["humaneval", DWA], 5, seed=42)

    assert first == select_tasks(["humaneval", DWA], 5, seed=42)
    assert first != select_tasks(["humaneval", DWA], 5, seed=43)
    assert len(first) == 6 and first[-1] == DWA
    indices = [int(t.rpartition("-")[2]) for t in first[:-1]]
    assert indices == sorted(indices)
    assert len(select_tasks(["humaneval-1", "humaneval-2", DWA], 2, seed=1)) == 2


def test_an_unknown_name_and_an_oversized_sample_are_refused() -> None:
    with pytest.raises(UnknownTasks) as caught:
        select_tasks([DWA, "humanevil", "humaneval-999"], None, seed=0)
    assert [u.index for u in caught.value.unknown] == [1, 2]  # every one, not the first only
    assert "found 'humanevil'" in str(caught.value)
    assert "found 'humaneval-999'" in str(caught.value)
    with pytest.raises(ValueError, match="at most 164"):
        select_tasks(["humaneval"], 165, seed=0)


def test_a_config_gives_tasks_or_task(tmp_path: Path) -> None:
    both = write_config(tmp_path, [ollama_model("m", "http://127.0.0.1:9")], tasks=SUITE)
    with pytest.raises(ConfigError, match="expected `tasks` or `task`, not both"):
        load_config(both)
    data = both.read_text(encoding="utf-8").replace(f"task: {DWA}\n", "")
    both.write_text(data, encoding="utf-8")
    assert load_config(both).config.task_names == tuple(SUITE)


def _suite_config(tmp_path: Path, url: str, **settings: object) -> Path:
    config = write_config(tmp_path, [ollama_model(SOLVER.name, url)], repeats=2, **settings)
    text = config.read_text(encoding="utf-8").replace(f"task: {DWA}\n", "")
    config.write_text(text + f"tasks: [{', '.join(SUITE)}]\n", encoding="utf-8")
    return config


def test_a_suite_run_records_every_task_and_repeat(tmp_path: Path, ollama: TimedOllama) -> None:
    code = cli.main(["run", str(_suite_config(tmp_path, ollama.url))])

    assert code == cli.EXIT_OK
    [path] = (tmp_path / "archive").glob(f"*/*/{RECORD_FILENAME}")
    record = load_record(path)
    assert record.schema_version == 2 and record.status is RunStatus.COMPLETE
    assert record.task_ids == tuple(SUITE)
    hashes = [t.content_hash for t in record.tasks]
    assert hashes == [get_task(t).spec().content_hash for t in SUITE] and len(set(hashes)) == 2
    assert record.tasks[1].title == "HumanEval/0"
    [solver] = record.direct
    scores = {(s.task, s.repeat): s.evaluation.score for s in solver.samples}
    assert scores == {(DWA, 0): 100, (DWA, 1): 100, ("humaneval-0", 0): 0, ("humaneval-0", 1): 0}
    assert len(ollama.chats()) == 4
    assert [s.seed for s in solver.samples] == [7 + s.repeat for s in solver.samples]


def test_a_suite_run_stopped_midway_resumes_where_it_stopped(
    tmp_path: Path, ollama: TimedOllama
) -> None:
    loaded = load_config(_suite_config(tmp_path, ollama.url))
    prepared = prepare(
        loaded, backend_factory=lambda kind, url: InterruptAfter(make_backend(kind, url), calls=3)
    )
    with pytest.raises(KeyboardInterrupt):
        prepared.orchestrator.run()
    partial = load_record(prepared.record_path)
    held = {(s.task, s.repeat) for s in partial.direct[0].samples}
    assert partial.status is RunStatus.PARTIAL and len(held) == 3

    assert cli.main(["run", "--resume", str(prepared.state.run_dir)]) == cli.EXIT_OK

    final = load_record(prepared.record_path)
    assert final.status is RunStatus.COMPLETE
    assert {(s.task, s.repeat) for s in final.direct[0].samples} == {
        (task, r) for task in SUITE for r in (0, 1)
    }
    asked = Counter(
        (chat["messages"][0]["content"], chat["options"]["seed"]) for chat in ollama.chats()
    )
    assert sum(asked.values()) == 4 and set(asked.values()) == {1}


def test_the_version_1_seed_reads_as_a_one_task_run_and_is_not_rewritten() -> None:
    path = REPO / "archive" / SEED_RUN / RECORD_FILENAME
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    [run] = load_archive(REPO / "archive")

    record = run.record
    assert json.loads(path.read_text(encoding="utf-8"))["schema_version"] == 1
    assert record.schema_version == 2 and record.task_ids == (DWA,)
    assert record.tasks[0].content_hash is None and len(record.tasks[0].checks) == 6
    assert [(s.task, s.repeat) for d in record.direct for s in d.samples] == [(DWA, 0), (DWA, 0)]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_version_1_file_is_told_in_its_own_fields(tmp_path: Path) -> None:
    data = json.loads((REPO / "archive" / SEED_RUN / RECORD_FILENAME).read_text(encoding="utf-8"))
    data["checks"][0]["weight"] = -1
    data["tasks"] = []
    folder = tmp_path / "archive" / data["benchmark_id"] / data["run_id"]
    folder.mkdir(parents=True)
    (folder / RECORD_FILENAME).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        ArchiveError, match=r"run.json: tasks: expected no such field in a version 1"
    ):
        load_archive(tmp_path / "archive")
    del data["tasks"]
    (folder / RECORD_FILENAME).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ArchiveError, match=r"run.json: checks\[0\]\.weight: expected greater"):
        load_archive(tmp_path / "archive")


def test_an_oversized_task_sample_is_refused_at_its_line(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _suite_config(tmp_path, ollama.url)
    text = config.read_text(encoding="utf-8").replace(
        f"tasks: [{', '.join(SUITE)}]", "tasks: [humaneval]"
    )
    config.write_text(text + "task_sample: 999\n", encoding="utf-8")

    assert cli.main(["run", str(config)]) == cli.EXIT_USAGE

    err = capsys.readouterr().err
    assert "task_sample: expected at most 164 (the suites' tasks), found 999" in err
    assert ollama.chats() == []
