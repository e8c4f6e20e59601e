"""Nothing in the archive can publish a file from outside it or make the site run a script.

Every path a record names is a plain relative path to a regular file inside its run folder;
symlinks do not lead out; a candidate is published as text, whatever its name.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bench.record.safety import RELATIVE_PATH_RULE, printable
from bench.record.schema import CandidateFile, RunRecord
from tests.support.browser import serve_site
from tests.support.records import START, make_record
from tests.support.records import write_run as write_record
from tests.support.sitebuild import (
    REPO,
    SEED_RUN,
    build_site,
    filter_data,
    make_project,
    mkdocs_build,
    page_text,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

SEED = json.loads((REPO / "archive" / SEED_RUN / "run.json").read_text(encoding="utf-8"))
BENCHMARK = SEED["benchmark_id"]
HOSTILE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>\n'
)


def write_run(archive: Path, run_id: str, candidate: str | None = None) -> Path:
    """A copy of the seed as `run_id`, its first direct candidate archived at `candidate`."""
    data: dict[str, Any] = json.loads(json.dumps(SEED))
    data["run_id"] = run_id
    if candidate is not None:
        data["direct"][0]["samples"][0]["evaluation"]["candidate"]["path"] = candidate
    folder = archive / BENCHMARK / run_id
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def project_with(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose archive the test fills in place (copying it would follow symlinks)."""
    project = make_project(tmp_path, tmp_path / "empty-archive-to-copy")
    return project, project / "archive"


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    (tmp_path / "empty-archive-to-copy").mkdir()
    return tmp_path


def failed_build(project: Path) -> str:
    result = mkdocs_build(project)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    return result.stderr


CANDIDATE_FIELD = "direct[0].samples[0].evaluation.candidate.path"


@pytest.mark.parametrize(
    "path",
    ["javascript:alert(1)", "/etc/passwd", "../other/x.py", "a/../../x.py", "a\\x.py", "./x.py"],
)
def test_a_path_that_is_not_plain_and_relative_stops_the_build(empty: Path, path: str) -> None:
    project, archive = project_with(empty)
    folder = write_run(archive, "bad-path", candidate=path)
    if ":" in path:
        (folder / path).write_text("alert(1)\n", encoding="utf-8")  # the file exists: no matter
    stderr = failed_build(project)
    assert (
        f"{BENCHMARK}/bad-path/run.json: {CANDIDATE_FIELD}: expected {RELATIVE_PATH_RULE}, "
        f"found {path!r}"
    ) in stderr


def test_a_candidate_symlink_out_of_the_run_folder_stops_the_build(empty: Path) -> None:
    project, archive = project_with(empty)
    folder = write_run(archive, "to-passwd", candidate="candidates/a.py")
    (folder / "candidates").mkdir()
    (folder / "candidates" / "a.py").symlink_to("/etc/passwd")
    stderr = failed_build(project)
    assert (
        f"to-passwd/run.json: {CANDIDATE_FIELD}: expected a file in the run folder, "
        "found 'candidates/a.py', which leads to /etc/passwd"
    ) in stderr
    assert not (project / "site").exists() or not any(
        "root:" in p.read_text(errors="replace") for p in (project / "site").rglob("*.txt")
    )


def test_a_candidate_through_a_symlinked_folder_out_of_the_run_stops_the_build(
    empty: Path,
) -> None:
    project, archive = project_with(empty)
    folder = write_run(archive, "via-folder", candidate="candidates/passwd")
    (folder / "candidates").symlink_to("/etc")
    stderr = failed_build(project)
    assert (
        f"via-folder/run.json: {CANDIDATE_FIELD}: expected a file in the run folder, "
        "found 'candidates/passwd', which leads to /etc/passwd"
    ) in stderr


@pytest.mark.parametrize(
    ("make", "found"),
    [
        (lambda c: c.symlink_to("x.py"), "which is a symlink loop"),
        (lambda c: os.mkfifo(c), "which is not a regular file"),
        (lambda c: None, "which is missing"),
    ],
    ids=["loop", "fifo", "missing"],
)
def test_a_candidate_that_cannot_be_read_stops_the_build(
    empty: Path, make: Callable[[Path], object], found: str
) -> None:
    project, archive = project_with(empty)
    folder = write_run(archive, "odd-file", candidate="x.py")
    make(folder / "x.py")
    stderr = failed_build(project)
    assert (
        f"odd-file/run.json: {CANDIDATE_FIELD}: expected a file in the run folder, "
        f"found 'x.py', {found}"
    ) in stderr


def test_a_candidate_name_too_long_to_publish_stops_the_build(empty: Path) -> None:
    project, archive = project_with(empty)
    name = "é" * 125 + ".py"  # 253 bytes: a file here, but 257 once published as .py.txt
    folder = write_run(archive, "long-name", candidate=name)
    (folder / name).write_text("pass\n", encoding="utf-8")
    stderr = failed_build(project)
    assert (
        f"long-name/run.json: {CANDIDATE_FIELD}: expected a file in the run folder, "
        f"found {name!r}, whose name is too long to publish with .txt added"
    ) in stderr


def test_a_candidate_path_too_long_for_the_system_stops_the_build(empty: Path) -> None:
    project, archive = project_with(empty)
    write_run(archive, "long", candidate="x" * 300)
    stderr = failed_build(project)
    assert (
        f"long/run.json: {CANDIDATE_FIELD}: expected a file in the run folder, "
        f"found '{'x' * 300}', which cannot be read (File name too long)"
    ) in stderr


@pytest.mark.parametrize(
    ("make", "found"),
    [
        (lambda r: r.symlink_to("run.json"), "a symlink, which is a symlink loop"),
        (lambda r: os.mkfifo(r), "not a regular file"),
        (lambda r: r.mkdir(), "a folder"),
    ],
    ids=["loop", "fifo", "folder"],
)
def test_a_record_that_is_not_a_regular_file_stops_the_build(
    empty: Path, make: Callable[[Path], object], found: str
) -> None:
    project, archive = project_with(empty)
    write_run(archive, "real")
    folder = archive / BENCHMARK / "odd"
    folder.mkdir()
    make(folder / "run.json")
    stderr = failed_build(project)
    expected = "a file inside its run folder" if found.startswith("a symlink") else "a regular file"
    assert f"{BENCHMARK}/odd/run.json: (file): expected {expected}, found {found}" in stderr
    assert "invalid run records (1 problem)" in stderr


def test_a_candidate_that_is_a_folder_stops_the_build(empty: Path) -> None:
    project, archive = project_with(empty)
    folder = write_run(archive, "folder", candidate="candidates")
    (folder / "candidates").mkdir()
    stderr = failed_build(project)
    assert (
        f"folder/run.json: {CANDIDATE_FIELD}: expected a file in the run folder, "
        "found 'candidates', which is a folder"
    ) in stderr


def test_a_record_symlinked_from_outside_the_archive_stops_the_build(empty: Path) -> None:
    project, archive = project_with(empty)
    outside = write_run(empty / "elsewhere", "linked") / "run.json"
    folder = archive / BENCHMARK / "linked"
    folder.mkdir(parents=True)
    (folder / "run.json").symlink_to(outside)
    stderr = failed_build(project)
    assert (
        f"{BENCHMARK}/linked/run.json: (file): expected a file inside its run folder, "
        f"found a symlink, which leads to {outside.resolve()}"
    ) in stderr


def test_a_run_folder_symlinked_from_outside_the_archive_stops_the_build(empty: Path) -> None:
    project, archive = project_with(empty)
    write_run(archive, "real")
    outside = write_run(empty / "elsewhere", "linked")
    (archive / BENCHMARK / "linked").symlink_to(outside, target_is_directory=True)
    stderr = failed_build(project)
    assert (
        f"{BENCHMARK}/linked: (folder): expected a folder, not a symlink, "
        f"found a symlink to {outside}"
    ) in stderr
    assert "invalid run records (1 problem)" in stderr


def test_a_candidate_hard_linked_to_a_file_outside_stops_the_build(empty: Path) -> None:
    """A hard link is the file itself under a second name: no symlink check sees it, and what
    is written outside would be published."""
    project, archive = project_with(empty)
    folder = write_run(archive, "hard-linked", candidate="a.py")
    secret = empty / "secret.txt"
    secret.write_text("the key\n", encoding="utf-8")
    os.link(secret, folder / "a.py")
    stderr = failed_build(project)
    assert (
        f"hard-linked/run.json: {CANDIDATE_FIELD}: expected a file in the run folder, "
        "found 'a.py', which has 2 hard links (it is also a file elsewhere)"
    ) in stderr
    assert not (project / "site").exists() or not any(
        "the key" in p.read_text(errors="replace") for p in (project / "site").rglob("*.txt")
    )


def test_a_record_hard_linked_from_outside_stops_the_build(empty: Path) -> None:
    project, archive = project_with(empty)
    outside = write_run(empty / "elsewhere", "linked") / "run.json"
    folder = archive / BENCHMARK / "linked"
    folder.mkdir(parents=True)
    os.link(outside, folder / "run.json")
    stderr = failed_build(project)
    assert (
        f"{BENCHMARK}/linked/run.json: (file): expected a file of its own, "
        "found 2 hard links (it is also a file elsewhere)"
    ) in stderr


def test_a_symlink_that_stays_in_the_run_folder_is_published(empty: Path) -> None:
    project, archive = project_with(empty)
    folder = write_run(archive, "inside", candidate="candidates/a.py")
    (folder / "candidates").mkdir()
    (folder / "sources").mkdir()
    (folder / "sources" / "a.py").write_text("print('hello')\n", encoding="utf-8")
    (folder / "candidates" / "a.py").symlink_to(os.path.join("..", "sources", "a.py"))
    site = build_site(project)
    published = site / BENCHMARK / "inside" / "candidates" / "a.py.txt"
    assert published.read_text(encoding="utf-8") == "print('hello')\n"


@pytest.mark.parametrize("name", ["evil.svg", "evil.html", "evil.js", "notes.md", "x", ".x.py"])
def test_a_candidate_is_published_as_plain_text_whatever_its_name(empty: Path, name: str) -> None:
    project, archive = project_with(empty)
    folder = write_run(archive, "named", candidate=f"candidates/{name}")
    (folder / "candidates").mkdir()
    (folder / "candidates" / name).write_text(HOSTILE_SVG, encoding="utf-8")
    site = build_site(project)
    run = site / BENCHMARK / "named"
    published = run / "candidates" / f"{name}.txt"
    assert published.read_text(encoding="utf-8") == HOSTILE_SVG
    assert mimetypes.guess_type(published.name)[0] == "text/plain"  # as servers type it
    assert sorted(p.name for p in (run / "candidates").iterdir()) == [published.name]
    page = (run / "report.html").read_text(encoding="utf-8")
    assert f'href="candidates/{name}.txt"' in page
    assert f'href="candidates/{name}"' not in page


def test_an_odd_candidate_name_is_linked_as_a_url(empty: Path) -> None:
    project, archive = project_with(empty)
    name = "a #1?x=%.py"
    folder = write_run(archive, "odd", candidate=f"candidates/{name}")
    (folder / "candidates").mkdir()
    (folder / "candidates" / name).write_text("pass\n", encoding="utf-8")
    site = build_site(project)
    assert (site / BENCHMARK / "odd" / "candidates" / f"{name}.txt").is_file()
    page = (site / BENCHMARK / "odd" / "report.html").read_text(encoding="utf-8")
    assert 'href="candidates/a%20%231%3Fx%3D%25.py.txt"' in page


CONTROLS = "\x00\x01\x08\x0b\x1b\x7f\x85\x9f"
RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def with_controls(run_id: str) -> dict[str, Any]:
    """The seed, with control characters in every kind of text a record holds."""
    data: dict[str, Any] = json.loads(json.dumps(SEED))
    c = CONTROLS
    old_tag = data["direct"][0]["model"]["tag"]
    tag = f"qwen{c}:0.6b"
    data.update(run_id=run_id, title=f"Title {c}", host=f"host{c}")
    data["direct"][0]["model"].update(tag=tag, label=f"Label {c}", quantization=f"q{c}")
    for pair in data["cascades"]:
        pair.update({k: tag for k in ("small", "large") if pair[k] == old_tag})
    sample = data["direct"][0]["samples"][0]
    sample["generation"]["error"] = f"boom {c}"
    sample["evaluation"]["candidate"]["name"] = f"x{c}.py"
    data["direct"][1]["samples"][0]["evaluation"]["checks"][1]["detail"] = f"detail {c}"
    data["provenance"].update(backend=f"ollama{c}", isolation=f"none{c}")
    data["provenance"]["legacy"]["notes"] = [f"note {c}"]
    return data


def test_control_characters_never_reach_a_built_file_raw(empty: Path) -> None:
    project, archive = project_with(empty)
    for run_id in ("controls-1", "controls-2"):  # two runs: a trends page with points
        folder = archive / BENCHMARK / run_id
        folder.mkdir(parents=True)
        text = json.dumps(with_controls(run_id))  # \u0000 escapes: valid JSON
        (folder / "run.json").write_text(text, encoding="utf-8")
    site = build_site(project)
    checked = 0
    for path in sorted(site.rglob("*")):
        if path.suffix not in {".html", ".svg", ".xml", ".json"} or "assets" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found = RAW_CONTROL.search(text)
        assert found is None, f"{path.relative_to(site)}: raw {found.group()!r}"
        checked += 1
    run = site / BENCHMARK / "controls-1"
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "Title \\x00\\x01\\x08\\x0b\\x1b\\x7f\\x85\\x9f" in page  # shown, not dropped
    assert "boom \\x00" in page and "detail \\x00" in page
    assert "Title \\x00" in (site / "feed.xml").read_text(encoding="utf-8")
    # the trends name a model by its label (its one name), control characters shown
    assert "Label \\x00" in (site / BENCHMARK / "trends-score.svg").read_text(encoding="utf-8")
    index = (site / "index.html").read_text(encoding="utf-8")
    models = [json.loads(unescape(m)) for m in re.findall(r'data-models="([^"]*)"', index)]
    options = {unescape(v) for v in re.findall(r'<option value="([^"]+)"', index)}
    assert {m for row in models for m in row} <= options  # the model filter finds each row
    published = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert published == with_controls("controls-1")  # the same data, escaped as JSON
    assert checked > 20
    rows = filter_data(site, BENCHMARK)
    texts = list(_strings(rows))
    assert any("\\x00" in t for t in texts), "the filters' data shows controls as text"
    assert not any(RAW_CONTROL.search(t) for t in texts), "and decodes to none"


BIDI = "\u202e\u2066\u2069\u200e\u200f\u200b\U000e0041"  # override, isolates, marks, tag


def with_format_controls() -> tuple[RunRecord, dict[str, str]]:
    """A two-task run whose title, a model's label, a task's title and every archived answer
    of that model hold bidi and other format controls (Unicode category Cf)."""
    record = make_record(tasks=("t-0", "t-1"), run_id="bidi", title=f"Bidi {BIDI}12")
    first = record.direct[0]
    sources: dict[str, str] = {}
    samples = []
    for sample in first.samples:
        path = f"candidates/{sample.task}.py"
        sources[path] = f"access = 'user{BIDI}' # admin\n"  # Trojan Source: reads reversed
        file = CandidateFile(name="solution.py", path=path)
        evaluation = sample.evaluation.model_copy(update={"candidate": file})
        samples.append(sample.model_copy(update={"evaluation": evaluation}))
    model = first.model.model_copy(update={"label": f"Label {BIDI}21"})
    direct = (first.model_copy(update={"model": model, "samples": tuple(samples)}),)
    tasks = (record.tasks[0].model_copy(update={"title": f"Task {BIDI}"}), record.tasks[1])
    update = {"direct": direct + record.direct[1:], "tasks": tasks}
    return RunRecord.model_validate(record.model_copy(update=update).model_dump()), sources


def test_printable_shows_every_format_control_of_this_python() -> None:
    """The list in bench.record.safety covers the Unicode version Python knows."""
    format_controls = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert len(format_controls) > 150
    hidden = [c for c in format_controls if not printable(c).startswith("\\")]
    assert hidden == []
    assert printable("\u202e") == "\\u202e" and printable("\U000e0041") == "\\U000e0041"
    assert printable("\x00\x85 é ü 中 😀") == "\\x00\\x85 é ü 中 😀"  # letters stay letters


def _format_control(text: str) -> str | None:
    return next((c for c in text if unicodedata.category(c) == "Cf"), None)


def test_format_controls_are_shown_visibly_on_every_page_chart_and_feed(tmp_path: Path) -> None:
    record, sources = with_format_controls()
    archive = tmp_path / "archive"
    write_record(archive, record, sources)
    # trends; older, so the bidi run's label is the model's name across the site
    plain = make_record(tasks=("t-0", "t-1"), run_id="plain", started_at=START - dt.timedelta(1))
    write_record(archive, plain, {})
    site = build_site(make_project(tmp_path, archive))
    checked = 0
    for path in sorted(site.rglob("*")):
        if path.suffix not in {".html", ".svg", ".xml", ".json", ".js"} or "assets" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found = _format_control(text)
        assert found is None, f"{path.relative_to(site)}: raw {found!r}"
        if path.suffix == ".json" and path.name != "run.json":  # the record: the same data
            decoded = [_format_control(t) for t in _strings(json.loads(text))]
            assert not any(decoded), f"{path.relative_to(site)} decodes to {decoded}"
        checked += 1
    assert checked > 20
    shown = "\\u202e\\u2066\\u2069\\u200e\\u200f\\u200b\\U000e0041"
    run = site / record.benchmark_id / "bidi"
    page = page_text((run / "report.html").read_text(encoding="utf-8"))
    assert f"Bidi {shown}12" in page and f"Label {shown}21" in page
    task = (run / "tasks" / "t-0.html").read_text(encoding="utf-8")
    assert f"Task {shown}" in page_text(task)
    code = unescape(re.sub(r"<[^>]+>", "", task))  # highlighted: a span a token
    assert f"access = 'user{shown}' # admin" in code  # the code as it ran, its controls shown
    assert f"Bidi {shown}12" in (site / "feed.xml").read_text(encoding="utf-8")
    published = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert published["title"] == f"Bidi {BIDI}12"  # escaped as JSON, the same data
    assert (run / "candidates" / "t-0.py.txt").read_text(encoding="utf-8") == sources[
        "candidates/t-0.py"
    ]  # the archived file itself, as text: the same bytes


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def test_a_script_in_a_candidate_does_not_run_in_a_browser(empty: Path, browser: Browser) -> None:
    project, archive = project_with(empty)
    folder = write_run(archive, "browsed", candidate="candidates/evil.svg")
    (folder / "candidates").mkdir()
    (folder / "candidates" / "evil.svg").write_text(HOSTILE_SVG, encoding="utf-8")
    site = build_site(project)
    (site / "control.svg").write_text(HOSTILE_SVG, encoding="utf-8")  # what used to be published
    with serve_site(site) as root:
        page = browser.new_page()
        alerts: list[str] = []
        page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
        with page.expect_event("dialog"):  # the control's script runs as the SVG loads
            page.goto(f"{root}control.svg")
        assert len(alerts) == 1, "the control: this SVG runs its script when opened"
        page.goto(f"{root}{BENCHMARK}/browsed/report.html")
        page.locator('a[href="candidates/evil.svg.txt"]').first.click()
        page.wait_for_load_state("load")  # a script in the document would have run by now
        assert page.url == f"{root}{BENCHMARK}/browsed/candidates/evil.svg.txt"
        assert page.evaluate("document.contentType") == "text/plain"
        assert "<script>alert(document.domain)</script>" in page.inner_text("body")
        assert len(alerts) == 1  # only the control's


def test_every_hostile_file_is_reported_once_in_one_go(empty: Path) -> None:
    project, archive = project_with(empty)
    write_run(archive, "fine")
    (write_run(archive, "scheme", candidate="javascript:alert(1)") / "javascript:alert(1)").touch()
    (write_run(archive, "passwd", candidate="a.py") / "a.py").symlink_to("/etc/passwd")
    outside = write_run(empty / "elsewhere", "linked")
    (archive / BENCHMARK / "linked").symlink_to(outside, target_is_directory=True)
    linked_record = archive / BENCHMARK / "linked-record"
    linked_record.mkdir()
    (linked_record / "run.json").symlink_to(outside / "run.json")
    for run_id, text in {
        "infinite": json.dumps(SEED).replace('"call_wall_s": 50.9', '"call_wall_s": Infinity'),
        "repeated": json.dumps(SEED).replace('"host": "vps-81"', '"host": "a", "host": "b"'),
        "deep": json.dumps(SEED).replace(
            '"notes": [', '"notes": [' + "[" * 5000 + "]" * 5000 + ", "
        ),
    }.items():
        folder = archive / BENCHMARK / run_id
        folder.mkdir()
        (folder / "run.json").write_text(text.replace(SEED["run_id"], run_id), encoding="utf-8")
    stderr = failed_build(project)
    named = [re.search(rf"/{BENCHMARK}/([^/:]+)", line) for line in stderr.splitlines()]
    bad = ["scheme", "passwd", "linked", "linked-record", "infinite", "repeated", "deep"]
    assert f"invalid run records ({len(bad)} problems)" in stderr
    assert sorted(m.group(1) for m in named if m is not None) == sorted(bad)  # once each
