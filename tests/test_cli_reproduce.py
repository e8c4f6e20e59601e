"""`bench reproduce RUN`: the run again with the config it recorded, judged against the
original, paired on the same tasks and repeats; its comparison page says "reproduced" or
names what differs (issue 26)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from fakes.ollama_server import FakeModel

from bench import cli
from bench.cli._common import ExitCode
from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.compare import compare_runs
from bench.record.reproduce import reproduction
from bench.record.schema import RECORD_FILENAME, RunRecord
from bench.runner.tasks import get_task
from bench.site.comparison import compare_page
from bench.site.reproduce import reproduction_lines
from tests.support.records import START, make_record
from tests.support.runs import TimedOllama, fenced, ollama_model, run_dirs, write_config

TASK = get_task("deployment_window_analyzer")
MODEL = FakeModel(name="coder:1.5b", reply=fenced(TASK.reference_source()))


def _records(archive: Path) -> list[RunRecord]:
    return [load_record(d / RECORD_FILENAME) for d in run_dirs(archive)]


def test_a_rerun_that_scores_alike_under_the_same_setup_is_reproduced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "archive"
    with TimedOllama.running(MODEL) as ollama:
        config = write_config(tmp_path, [ollama_model(MODEL.name, ollama.url)])
        assert cli.main(["run", str(config)]) == ExitCode.OK
        [original] = _records(archive)
        capsys.readouterr()

        code = cli.main(["reproduce", original.run_id, "--archive", str(archive)])

    out = capsys.readouterr().out
    assert code == ExitCode.OK, out
    assert "Reproduced: " in out and "within" in out
    again = next(r for r in _records(archive) if r.run_id != original.run_id)
    assert again.setup is not None and original.setup is not None
    assert again.setup.reproduces == original.run_id
    assert again.setup.config == original.setup.config
    page = compare_page(compare_runs(RunAnalysis(original), RunAnalysis(again)), same_host=True)
    assert page.reproduction[0].startswith("Reproduced: ")


def test_a_rerun_of_another_model_build_is_not_reproduced_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "archive"
    with TimedOllama.running(MODEL) as ollama:
        config = write_config(tmp_path, [ollama_model(MODEL.name, ollama.url)])
        assert cli.main(["run", str(config)]) == ExitCode.OK
        [original] = _records(archive)
        ollama.models[MODEL.name] = dataclasses.replace(
            MODEL, reply=fenced("def broken(:\n"), digest="0f" * 32
        )
        capsys.readouterr()

        code = cli.main(["reproduce", original.run_id, "--archive", str(archive)])

    out = " ".join(capsys.readouterr().out.split())
    assert code == ExitCode.INVALID, out
    assert "Not reproduced: coder:1.5b outside the original's interval" in out
    assert f"model digest of {MODEL.name}: 6d3abb8d2d53" in out
    again = next(r for r in _records(archive) if r.run_id != original.run_id)
    page = compare_page(compare_runs(RunAnalysis(original), RunAnalysis(again)), same_host=True)
    assert page.reproduction[0].startswith("Not reproduced: ")
    assert any("setups differ" in w and "model digest" in w for w in page.warnings)


def test_a_run_that_is_not_there_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["reproduce", "no-such-run", "--archive", str(tmp_path)])

    assert code == ExitCode.USAGE
    assert "no-such-run" in capsys.readouterr().err


def test_an_older_record_is_reproduced_from_its_run_folders_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "archive"
    with TimedOllama.running(MODEL) as ollama:
        config = write_config(tmp_path, [ollama_model(MODEL.name, ollama.url)])
        assert cli.main(["run", str(config)]) == ExitCode.OK
        [run_dir] = run_dirs(archive)
        record_path = run_dir / RECORD_FILENAME
        older = json.loads(record_path.read_text(encoding="utf-8"))
        del older["setup"]  # as a record made before the setup was recorded
        record_path.write_text(json.dumps(older), encoding="utf-8")
        capsys.readouterr()

        code = cli.main(["reproduce", run_dir.name, "--archive", str(archive)])

    out = capsys.readouterr().out
    assert code == ExitCode.OK, out
    assert "Reproduced: " in out


def test_a_rerun_on_another_host_is_reproduced_and_says_where() -> None:
    original = make_record(host="lab-1")
    again = make_record(host="lab-2", started_at=START + dt.timedelta(days=1))

    found = reproduction(RunAnalysis(original), RunAnalysis(again))

    assert found.reproduced
    assert reproduction_lines(found)[0].startswith(
        "Reproduced on another host (lab-1 in A, lab-2 in B): "
    )
