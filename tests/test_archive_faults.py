"""The runner's own faults are clear: a read-only or full archive and a missing config file
each give one line naming the path and what to do, no traceback, and nothing already recorded
is lost.

The read-only and full archives are made in a private mount namespace (`unshare -m`), so the
host's mounts are untouched: the run happens in a subprocess that sees a read-only bind mount,
or a small tmpfs, at the archive's path, and copies what it left there out afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.ollama_server import FakeModel, FakeOllama

from bench import cli
from bench.record.archive import load_record
from bench.record.schema import RECORD_FILENAME, RunStatus
from bench.runner.tasks import get_task
from tests.support.runs import REPO, fenced, ollama_model, run_dirs, write_config

REFERENCE = get_task("deployment_window_analyzer").reference_source()
# Each reply is archived twice (the reply and the candidate): ~2 x 120 kB a call.
BULKY = FakeModel(name="bulky:1b", reply=fenced(REFERENCE + "#" + "x" * 120_000 + "\n"))

needs_mounts = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="needs root and unshare(1) to mount in a private mount namespace",
)


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama.running(BULKY) as server:
        yield server


def run_in_namespace(
    mount: str, archive: Path, config: Path, out: Path
) -> subprocess.CompletedProcess[str]:
    """`bench run CONFIG` where `mount` (a shell command on "$1", the archive) has been run in
    a private mount namespace; the archive's content is copied to `out` afterwards."""
    script = (
        f'{mount} || exit 99\n"$2" -m bench.cli run "$3"; code=$?\ncp -a "$1"/. "$4"/\nexit $code\n'
    )
    return subprocess.run(
        [
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            str(archive),
            sys.executable,
            str(config),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "200"},
    )


def assert_one_clear_line(stderr: str, path_part: str, reason: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if reason in line]
    assert len(lines) == 1, stderr
    assert path_part in lines[0] and "cannot write to the archive" in lines[0], lines[0]


@needs_mounts
def test_a_read_only_archive_is_one_clear_line(tmp_path: Path, ollama: FakeOllama) -> None:
    config = write_config(tmp_path, [ollama_model(BULKY.name, ollama.url)])
    archive, out = tmp_path / "archive", tmp_path / "out"
    archive.mkdir()
    out.mkdir()
    mount = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"'
    completed = run_in_namespace(mount, archive, config, out)
    assert completed.returncode == cli.EXIT_USAGE, completed.stderr
    assert_one_clear_line(completed.stderr, str(archive), "Read-only file system")
    assert "make " in completed.stderr and "writable" in completed.stderr
    assert list(out.iterdir()) == []


@needs_mounts
def test_a_full_archive_stops_the_run_keeping_what_was_recorded(
    tmp_path: Path, ollama: FakeOllama
) -> None:
    config = write_config(tmp_path, [ollama_model(BULKY.name, ollama.url)], repeats=3)
    archive, out = tmp_path / "archive", tmp_path / "out"
    archive.mkdir()
    out.mkdir()
    completed = run_in_namespace('mount -t tmpfs -o size=400k tmpfs "$1"', archive, config, out)
    assert completed.returncode == cli.ExitCode.STORE_FAILED, completed.stderr
    assert_one_clear_line(completed.stderr, str(archive), "No space left on device")
    assert (
        "free space" in completed.stderr and "Resume with: bench run --resume" in completed.stderr
    )
    [run_dir] = run_dirs(out)
    record = load_record(run_dir / RECORD_FILENAME)
    assert record.status is RunStatus.PARTIAL
    assert [s.evaluation.score for s in record.direct[0].samples] == [100]


def test_a_missing_config_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert cli.main(["run", str(missing)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{missing}: expected a run configuration (YAML), found no such file" in " ".join(
        err.split()
    )
