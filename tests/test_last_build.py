"""A build whose inputs are all unchanged publishes the last build's site again without reading
a record; any changed input, or a site or cache file that is not what the last build left,
makes it a full build (`bench.site.lastbuild`)."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path

import pytest

import bench.record.archive as archive_module
from bench.record.archive import load_archive
from bench.site.cache import CacheLayout
from tests.support.records import synthetic_record, write_run
from tests.support.sitebuild import make_project

pytestmark = pytest.mark.slow  # builds sites: not in `scripts/test --fast`


def _build(project: Path) -> Path:
    """`mkdocs build --strict`, in this process, as the command starts it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(project / "mkdocs.yml"), strict=True)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()  # as the command ends: MkDocs keeps the plugin
        gc.unfreeze()  # the command's build freezes its objects as it exits: this one goes on
    return project / "site"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The archives the builds read, in order."""
    read: list[Path] = []

    def counted(archive_dir: Path, *args: object, **kwargs: object) -> object:
        read.append(archive_dir)
        return load_archive(archive_dir, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(archive_module, "load_archive", counted)  # as the build imports it
    return read


def _files(site: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(site)): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Three runs, each with the candidates it archives."""
    archive = tmp_path / "archive"
    for i in range(3):
        write_run(archive, *synthetic_record(i, 3, seed=7))
    return make_project(tmp_path, archive)


def test_nothing_changed_publishes_the_same_site_without_reading_the_archive(
    project: Path, reads: list[Path]
) -> None:
    first = _files(_build(project))
    assert len(reads) == 1
    assert _files(_build(project)) == first
    assert _files(_build(project)) == first
    assert len(reads) == 1  # neither read a record, a listing or a page model


def _run_folders(project: Path) -> list[Path]:
    return sorted(p.parent for p in (project / "archive").rglob("run.json"))


@pytest.mark.parametrize("change", ["record", "candidate", "setting", "run removed"])
def test_a_changed_input_makes_a_full_build(project: Path, reads: list[Path], change: str) -> None:
    _build(project)
    folder = _run_folders(project)[0]
    record = folder / "run.json"
    if change == "record":  # the same run, other bytes
        record.write_text(json.dumps(json.loads(record.read_text("utf-8")), indent=1), "utf-8")
    elif change == "candidate":
        candidate = next(p for p in folder.rglob("*") if p.is_file() and p.name != "run.json")
        candidate.write_text(candidate.read_text("utf-8") + "\n# edited\n", "utf-8")
    elif change == "setting":
        config = project / "mkdocs.yml"
        text = config.read_text("utf-8")
        config.write_text(text.replace("site_name:", "site_name: Renamed", 1), "utf-8")
    else:
        shutil.rmtree(folder)
    site = _build(project)
    assert len(reads) == 2
    run_page = site / folder.relative_to(project / "archive") / "report.html"
    if change == "setting":
        assert "Renamed" in (site / "index.html").read_text("utf-8")
    elif change == "run removed":
        assert not run_page.exists()
        assert folder.name not in (site / "index.html").read_text("utf-8")
    else:
        assert run_page.is_file()
    assert len(reads) == 2
    _build(project)  # and the next, with nothing changed since, is quick again
    assert len(reads) == 2


def test_a_site_or_cache_file_not_as_the_last_build_left_it_makes_a_full_build(
    project: Path, reads: list[Path]
) -> None:
    site = _build(project)
    first = _files(site)
    run = _run_folders(project)[0].relative_to(project / "archive")
    planted = site / run / "planted.html"
    planted.write_text("<script>alert(1)</script>", encoding="utf-8")
    _build(project)
    assert len(reads) == 2 and not planted.exists()
    assert _files(site) == first

    report = site / run / "report.html"  # the link replaced by a copy, other bytes
    text = report.read_text("utf-8")
    report.unlink()
    report.write_text(text.replace("</article>", "<p>forged</p></article>"), "utf-8")
    _build(project)
    assert len(reads) == 3
    assert _files(site) == first

    layout = CacheLayout(project / ".cache" / "bench")
    layout.last_build.chmod(0o644)
    with layout.last_build.open("r+b") as kept:  # damaged: its digest no longer matches
        kept.seek(80)
        kept.write(b"#")
    _build(project)
    assert len(reads) == 4
    assert _files(site) == first


def test_a_build_without_the_last_site_is_a_full_build(project: Path, reads: list[Path]) -> None:
    first = _files(_build(project))
    shutil.rmtree(project / "site")
    assert _files(_build(project)) == first
    assert len(reads) == 2
