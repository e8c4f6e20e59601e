"""A bad run record stops the build with an error naming the file, the field, expected, found."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.record.archive import ArchiveError, load_archive
from tests.support.records import direct, record, sample
from tests.support.sitebuild import (
    REPO,
    SEED_RUN,
    build_site,
    make_project,
    mkdocs_build,
    page_text,
)

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

SEED = REPO / "archive" / SEED_RUN / "run.json"


def seed_copy(archive: Path, run_id: str, edit: dict[str, object] | None = None) -> Path:
    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["run_id"] = run_id
    data.update(edit or {})
    folder = archive / data["benchmark_id"] / run_id
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps(data), encoding="utf-8")
    return folder / "run.json"


def test_bad_field_names_file_field_expected_and_found(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    bad = seed_copy(archive, "run-bad-score")
    data = json.loads(bad.read_text())
    data["direct"][1]["samples"][0]["evaluation"]["score"] = 150
    bad.write_text(json.dumps(data))
    project = make_project(tmp_path, archive)
    result = mkdocs_build(project)
    assert result.returncode != 0
    assert "prompt-handoff-codegen/run-bad-score/run.json" in result.stderr
    assert "direct[1].samples[0].evaluation.score" in result.stderr
    assert "less than or equal to 100" in result.stderr and "found 150" in result.stderr


def test_every_bad_file_is_reported_in_one_go(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    seed_copy(archive, "run-a", {"host": ""})
    seed_copy(archive, "run-b", {"started_at": "yesterday"})
    missing = seed_copy(archive, "run-c")
    data = json.loads(missing.read_text())
    del data["title"]
    missing.write_text(json.dumps(data))
    with pytest.raises(ArchiveError) as caught:
        load_archive(archive)
    lines = str(caught.value).splitlines()
    assert "3 problems" in lines[0]
    assert any("run-a/run.json: host: expected" in line and 'found ""' in line for line in lines)
    assert any("run-b/run.json: started_at:" in line and '"yesterday"' in line for line in lines)
    assert any("run-c/run.json: title: expected a value" in line for line in lines)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "archive" / "b" / "r"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text('{\n  "schema_version": 1,\n  "run_id": }\n')
    with pytest.raises(
        ArchiveError, match=r"r/run.json: \(line 3, column 13\): expected valid JSON"
    ):
        load_archive(tmp_path / "archive")


def test_two_runs_with_the_same_id_are_an_error(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    seed_copy(archive, "same-id")
    other = archive / "prompt-handoff-codegen" / "copy" / "run.json"
    other.parent.mkdir()
    shutil.copy(archive / "prompt-handoff-codegen" / "same-id" / "run.json", other)
    with pytest.raises(ArchiveError) as caught:
        load_archive(archive)
    text = str(caught.value)
    assert "run_id: expected a run id unique in its benchmark" in text
    assert "(location)" in text  # the copy also sits in a folder not named for its run id


def test_unknown_schema_version_and_unknown_field(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    seed_copy(archive, "future", {"schema_version": 9})
    seed_copy(archive, "typo", {"hots": "vps-81"})
    with pytest.raises(ArchiveError) as caught:
        load_archive(archive)
    text = str(caught.value)
    assert "future/run.json: schema_version: expected 1 or 2, found 9" in text
    assert 'typo/run.json: hots: expected no such field, found "vps-81"' in text


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (
            lambda d: d["cascades"][0].update(large="llama3:8b"),
            "cascades[0].large: expected one of the direct models (qwen3:0.6b, "
            "qwen2.5-coder:1.5b), found 'llama3:8b'",
        ),
        (
            lambda d: d["direct"][1]["samples"][0]["evaluation"].update(score=60),
            "direct[1].samples[0].evaluation.score: expected 50, the score its checks give, "
            "found 60",
        ),
        (
            lambda d: d.update(finished_at="2026-04-20T12:00:00Z"),
            "finished_at: expected a time at or after started_at (2026-04-20T13:08:27Z), "
            "found 2026-04-20T12:00:00Z",
        ),
        (
            lambda d: d["direct"].append(d["direct"][0]),
            "direct[2].model.tag: expected a model not already in direct, "
            "found 'qwen3:0.6b', also direct[0]",
        ),
        (
            lambda d: d["cascades"][0]["samples"][0]["evaluation"]["checks"][1].update(
                name="parse_events"
            ),
            "cascades[0].samples[0].evaluation.checks[1].name: expected a check of task "
            "deployment_window_analyzer (python_compile, ",
        ),
    ],
    ids=["cascade-model", "score", "finished-at", "duplicate-model", "check-name"],
)
def test_a_check_across_fields_names_the_field_at_fault(
    tmp_path: Path, edit: Callable[[dict[str, Any]], object], line: str
) -> None:
    archive = tmp_path / "archive"
    path = seed_copy(archive, "cross")
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ArchiveError) as caught:
        load_archive(archive)
    assert f"cross/run.json: {line}" in str(caught.value)


def test_missing_candidate_file_is_an_error(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    path = seed_copy(archive, "cand")
    data = json.loads(path.read_text())
    data["direct"][0]["samples"][0]["evaluation"]["candidate"]["path"] = "candidates/a.py"
    path.write_text(json.dumps(data))
    with pytest.raises(ArchiveError, match=r"candidate\.path: expected a file in the run folder"):
        load_archive(archive)


def test_record_text_cannot_inject_markup(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>"
    run = record(
        [direct("evil:1b", 1, sample(3, error=f"boom {hostile}")), direct("ok:3b", 3, sample(5))],
        title=f"Title {hostile}",
        host='"><img src=x onerror=alert(2)>',
    )
    data = json.loads(run.model_dump_json())
    data["direct"][0]["model"]["label"] = hostile
    archive = tmp_path / "archive"
    folder = archive / run.benchmark_id / run.run_id
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps(data))
    site = build_site(make_project(tmp_path, archive))
    page = (site / run.benchmark_id / run.run_id / "report.html").read_text()
    index = (site / "index.html").read_text()
    for html in (page, index):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"boom {hostile}" in page_text(page)
