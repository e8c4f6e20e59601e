"""`bench validate [PATH]`: run records checked with the messages the site build gives;
exit 0 when valid, 1 otherwise."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
from pathlib import Path

import pytest

from bench import cli
from bench.record.archive import ArchiveError, load_archive
from tests.support.runs import REPO, bench

SEED = "prompt-handoff-codegen/prompt-handoff-codegen-2026-04-20_13-08-27"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    copy = tmp_path / "archive"
    shutil.copytree(REPO / "archive", copy)
    return copy


@pytest.mark.parametrize("which", ["archive folder", "run folder", "record file"])
def test_valid_records_pass(archive: Path, capsys: pytest.CaptureFixture[str], which: str) -> None:
    path = {
        "archive folder": archive,
        "run folder": archive / SEED,
        "record file": archive / SEED / "run.json",
    }[which]

    code = cli.main(["validate", str(path)])

    assert code == cli.EXIT_OK
    assert f"valid in {path}" in capsys.readouterr().out


def test_the_default_path_is_archive_in_the_current_folder(
    archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(archive.parent)

    assert cli.main(["validate"]) == cli.EXIT_OK
    assert "valid in archive" in capsys.readouterr().out


def test_a_broken_record_fails_with_the_file_the_field_and_what_is_wrong(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = archive / SEED / "run.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["direct"][0]["samples"][0]["evaluation"]["score"] = 120
    data["host"] = ""
    path.write_text(json.dumps(data), encoding="utf-8")

    code = cli.main(["validate", str(archive)])

    err = capsys.readouterr().err
    assert code == cli.EXIT_INVALID
    assert f"{path}: host: expected " in err
    score = "direct[0].samples[0].evaluation.score"
    assert f"{path}: {score}: expected less than or equal to 100, found 120" in err
    with pytest.raises(ArchiveError) as site_build:
        load_archive(archive)
    assert str(site_build.value) in err  # the very messages the site build gives


def test_a_folder_without_records_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(tmp_path)]) == cli.EXIT_INVALID
    assert "expected at least one run.json, found none" in capsys.readouterr().err


def test_the_bench_command_validates_in_a_child_process(archive: Path) -> None:
    [entry] = importlib.metadata.entry_points(group="console_scripts", name="bench")
    assert entry.value == "bench.cli:main"

    valid = bench("validate", "archive", cwd=archive.parent)
    (archive / SEED / "run.json").write_text("{", encoding="utf-8")
    invalid = bench("validate", "archive", cwd=archive.parent)

    assert (valid.returncode, invalid.returncode) == (cli.EXIT_OK, cli.EXIT_INVALID)
    assert "expected valid JSON" in invalid.stderr


def test_bench_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.main(["--version"])

    assert leaving.value.code == 0
    assert capsys.readouterr().out == f"bench {importlib.metadata.version('bench-archive')}\n"
