"""The site build as one object that knows nothing of MkDocs (`bench.site.build.SiteBuild`):
its page kinds, its page cache, its listings and the old site, driven here as a site generator
would, and once through the command line."""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import pytest

from bench.site import listed as listed_module
from bench.site.build import Fingerprint, SiteBuild, build_code
from bench.site.codekey import PACKAGE, CodeKeys, imported
from bench.site.kinds import page_kinds
from bench.site.listed import Listings, listed_run
from bench.site.pagecache import PageCache
from bench.site.publish import OldSite, Publisher
from bench.site.render import TEMPLATES_DIR, bytecode_cache
from bench.site.runsite import SiteFile
from tests.support.records import make_series, write_archive
from tests.support.sitebuild import make_project, mkdocs_build

NO_SETTINGS = Fingerprint(theme_dirs=[], settings={}, docs=[])


def _build(archive: Path, cache: Path, site: Path, *, cleaning: bool = False) -> list[str]:
    """One build, the pages it renders written as a site generator would: their sources."""
    return _run(SiteBuild(archive, cache, [TEMPLATES_DIR]), site, cleaning=cleaning)


def _run(build: SiteBuild, site: Path, *, cleaning: bool = False) -> list[str]:
    build.begin(str(site), cleaning=cleaning)
    if cleaning:  # as MkDocs does next
        site.mkdir(exist_ok=True)
        for entry in site.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    plan = build.plan(NO_SETTINGS)
    for page in plan.to_render:
        body, _ = page.render(build.env)
        dest = page.src_uri.removesuffix(".md") + ".html"
        build.written(page.src_uri, dest, body)
        (site / dest).parent.mkdir(parents=True, exist_ok=True)
        (site / dest).write_text(body, encoding="utf-8")
    build.finish()
    return [page.src_uri for page in plan.to_render]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive", make_series(3))


def _run_folders(site: Path) -> list[Path]:
    return sorted(p.parent for p in site.rglob("report.html"))


@pytest.mark.slow
def test_a_build_without_mkdocs_publishes_each_run_page_and_file(
    archive: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    rendered = _build(archive, tmp_path / "cache", site)
    folders = _run_folders(site)
    assert len(folders) == 3
    for folder in folders:
        assert (folder / "run.json").is_file()
        assert list((folder / "charts").glob("*.svg"))
    assert sum(src.endswith("/report.md") for src in rendered) == 3
    assert not [src for src in rendered if src.endswith("/compare.md")], "a report's section"


@pytest.mark.slow
def test_a_second_build_renders_only_the_pages_in_the_search(archive: Path, tmp_path: Path) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    _build(archive, cache, site)
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    again = _build(archive, cache, site)
    assert again == [src for src in again if src.endswith("/index.md")]  # leaderboards only
    assert {p: p.read_bytes() for p in site.rglob("*.html")} == before


@pytest.mark.slow
def test_a_run_added_renders_its_pages_and_the_listings_not_the_other_runs(
    tmp_path: Path,
) -> None:
    series = make_series(4)
    archive = write_archive(tmp_path / "archive", series[:3])
    cache, site = tmp_path / "cache", tmp_path / "site"
    _build(archive, cache, site)
    write_archive(archive, series[3:])
    rendered = _build(archive, cache, site)
    runs = {src.split("/")[1] for src in rendered if src.endswith("/report.md")}
    assert runs == {series[3].run_id}


@pytest.mark.slow
def test_the_old_site_gives_back_each_run_folder_whole_and_is_deleted(
    archive: Path, tmp_path: Path
) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    _build(archive, cache, site)
    _build(archive, cache, site)  # every page a link to the cache now
    inodes = {p: p.stat().st_ino for p in _run_folders(site)}
    _build(archive, cache, site, cleaning=True)
    assert {p: p.stat().st_ino for p in _run_folders(site)} == inodes
    assert not (cache / "old-sites").exists()


@pytest.mark.slow
def test_nothing_changed_starts_no_drawing_process(archive: Path, tmp_path: Path) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    _build(archive, cache, site)
    build = SiteBuild(archive, cache, [TEMPLATES_DIR])
    build.begin(str(site), cleaning=False)
    build.plan(NO_SETTINGS)
    assert build._drawing is None
    build.abort()


def test_each_page_kind_is_one_module_that_registers_itself() -> None:
    kinds = page_kinds()
    modules = [k.module for k in kinds]
    assert len(set(modules)) == len(modules) == len({k.name for k in kinds})
    folder = Path(PACKAGE, "site", "kinds")
    assert {f"bench.site.kinds.{p.stem}" for p in folder.glob("[!_]*.py")} == set(modules)
    for kind in kinds:
        for template in kind.templates:
            assert (TEMPLATES_DIR / template).is_file(), f"{kind.name}: {template}"


def _code_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "bench"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _kind_codes(package: Path) -> dict[str, str]:
    """Each kind's code, with the code every page passes through: what keys its pages."""
    keys = CodeKeys(package, package / "site" / "templates")
    every = build_code(keys)
    return {k.name: every + keys.digest([k.module], k.templates) for k in page_kinds()}


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_page_is_keyed_by_its_kinds_code_not_the_whole_package(tmp_path: Path) -> None:
    package = _code_copy(tmp_path)
    before = _kind_codes(package)
    assert len(set(before.values())) == len(before)
    _append(package / "runner" / "run.py", "\n# a runner edit\n")
    assert _kind_codes(package) == before
    _append(package / "site" / "modelpage.py", "\n# a model page edit\n")
    after = _kind_codes(package)
    changed = {name for name in before if after[name] != before[name]}
    assert "model" in changed and "report" not in changed and "task" not in changed
    _append(package / "site" / "templates" / "bench" / "base" / "task.html", "\n")
    assert {name for name, code in _kind_codes(package).items() if code != after[name]} == {"task"}
    _append(package / "site" / "mkdocs_plugin.py", "\n# every page passes through it\n")
    assert all(code != after[name] for name, code in _kind_codes(package).items())


def test_code_keys_follow_imports_and_template_includes() -> None:
    keys = CodeKeys()
    found = keys.modules(["bench.site.kinds.report"])
    assert {"bench.site.report", "bench.record.analysis"} <= found
    assert not any(name.startswith("bench.runner") for name in found)
    assert keys.templates_of(["bench/report.html"]) >= {
        "bench/base/report.html",
        "bench/partials/banner.html",
    }


def test_the_page_cache_gives_back_only_the_bytes_it_wrote(tmp_path: Path) -> None:
    pages = PageCache(tmp_path, "fingerprint")
    key = pages.key("report", "a record")
    assert pages.get(key) is None
    pages.put(key, "<p>page</p>")
    pages.save()
    again = PageCache(tmp_path, "fingerprint")
    path = again.get(key)
    assert path is not None and Path(path).read_text(encoding="utf-8") == "<p>page</p>"
    assert PageCache(tmp_path, "other settings").key("report", "a record") != key
    os.chmod(path, 0o644)
    Path(path).write_text("<p>edited</p>", encoding="utf-8")
    os.chmod(path, 0o444)
    assert PageCache(tmp_path, "fingerprint").get(key) is None


@pytest.mark.slow
def test_listings_kept_are_read_back_without_analysing_a_record(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    _build(archive, cache, site)

    def refuse(*args: object) -> None:
        raise AssertionError("a kept listing was made again")

    monkeypatch.setattr(listed_module, "listed_run", refuse)
    assert _build(archive, cache, site)
    assert Listings(cache / "listed", "other code").get(next(iter(_digests(cache)))) is None


def test_a_servers_next_build_takes_its_last_builds_listings_and_makes_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mkdocs serve` builds again in the same process: the listings its last build kept are
    held, not read from the cache again; what it publishes is what a build of its own makes."""
    records = make_series(4)
    archive = write_archive(tmp_path / "archive", records[:3])
    cache, site = tmp_path / "cache", tmp_path / "site"
    last = SiteBuild(archive, cache, [TEMPLATES_DIR], serving=True)
    _run(last, site, cleaning=True)
    shutil.rmtree(cache / "listed")  # whatever the next build lists, it did not read it here
    write_archive(archive, records[3:])
    made = []

    def counted(site: object, cache_dir: Path) -> object:
        made.append(site)
        return listed_run(site, cache_dir)  # type: ignore[arg-type]

    monkeypatch.setattr(listed_module, "listed_run", counted)
    _run(SiteBuild(archive, cache, [TEMPLATES_DIR], serving=True, after=last), site, cleaning=True)
    assert len(made) == 1, "only the added run is listed"
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    _build(archive, tmp_path / "fresh-cache", fresh)
    assert _files(site) == _files(fresh)


def test_a_servers_build_of_an_archive_in_error_keeps_the_cache_as_it_was(
    archive: Path, tmp_path: Path
) -> None:
    """While a record is bad, `mkdocs serve` lists no run: the cache's listings and page index
    stay as they were, so the build after the fix renders no run's page again."""
    cache, site = tmp_path / "cache", tmp_path / "site"
    _build(archive, cache, site)
    before = _files(cache)
    record = next(archive.rglob("run.json"))
    good = record.read_text(encoding="utf-8")
    record.write_text("{", encoding="utf-8")
    failed = SiteBuild(archive, cache, [TEMPLATES_DIR], serving=True)
    _run(failed, site)
    assert failed.archive_error is not None
    assert _files(cache) == before
    record.write_text(good, encoding="utf-8")
    assert not [page for page in _build(archive, cache, site) if page.endswith("/report.md")]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _digests(cache: Path) -> set[str]:
    return {p.name.partition("-")[0] for p in (cache / "records").glob("*.json")}


def test_the_old_site_moves_back_a_folder_only_when_it_holds_exactly_the_links(
    tmp_path: Path,
) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    cache.mkdir()
    page = cache / "page.html"
    for run in ("a", "b", "c", "d", ""):
        path = cache / f"record{run}.json"
        path.write_text("{}", encoding="utf-8")
        path.chmod(0o444)
    page.write_text("<p>", encoding="utf-8")
    page.chmod(0o444)
    for run in ("a", "b", "c", "d"):
        (site / "bench" / run).mkdir(parents=True)
        os.link(cache / f"record{run}.json", site / "bench" / run / "run.json")
        os.link(page, site / "bench" / run / "report.html")
    (site / "bench" / "b" / "extra.html").write_text("planted", encoding="utf-8")
    os.remove(site / "bench" / "c" / "report.html")
    (site / "bench" / "c" / "report.html").write_text("<p>", encoding="utf-8")  # not the link
    records = {
        run: SiteFile.checked(f"bench/{run}/run.json", cache / f"record{run}.json")
        for run in "abcd"
    }
    (cache / "recordd.json").chmod(0o644)  # the cache's file made writable: not published
    old = OldSite(str(site), str(cache / "old-sites"))
    old.scan()

    def take(run: str) -> bool:
        pages = [(str(page), f"bench/{run}/report.html")]
        return old.take(f"bench/{run}", [records[run]], pages, Publisher(str(site), str(cache)))

    assert take("a")
    assert not take("b")
    assert not take("c")
    assert not take("d")
    assert (site / "bench" / "a" / "run.json").samefile(cache / "recorda.json")
    assert not (site / "bench" / "b").exists()
    old.delete()
    assert not (cache / "old-sites").exists()


def test_the_plugin_hooks_hold_no_build_state() -> None:
    """Each hook calls the build: the plugin keeps its options, the command (and a server's
    watcher of the archive) and the build."""
    source = Path(PACKAGE, "site", "mkdocs_plugin.py").read_text(encoding="utf-8")
    [plugin] = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == "ArchivePlugin"
    ]
    assigned = {
        target.attr
        for node in ast.walk(plugin)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and ast.unparse(target.value) == "self"
    }
    assert assigned <= {"build", "serving", "cleaning", "archive_dir", "watch"}


def test_mkdocs_build_twice_on_the_command_line_reuses_the_old_site(tmp_path: Path) -> None:
    """The one real build of `scripts/test --fast`: not marked slow."""
    archive = write_archive(tmp_path / "archive", make_series(2))
    project = make_project(tmp_path, archive)
    first = mkdocs_build(project)
    assert first.returncode == 0, first.stderr
    site = project / "site"
    inodes = {p: p.stat().st_ino for p in site.rglob("run.json")}
    second = mkdocs_build(project)
    assert second.returncode == 0, second.stderr
    assert {p: p.stat().st_ino for p in site.rglob("run.json")} == inodes
    assert not (project / ".cache" / "bench" / "old-sites").exists()


def test_imports_are_read_from_the_text_and_typing_only_ones_left_out() -> None:
    source = """from __future__ import annotations

import os, bench.record.files as files
from bench.site import (
    fmt,
    summary as words,
)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.site.runsite import RunSite

    from bench.site.trends import Trends
x = 1


def late() -> None:
    from bench.site.charts.vega import vega_svg  # a lazy import is code too
"""
    found = set(imported(source))
    assert {"os", "bench.record.files", "bench.site.fmt", "bench.site.summary"} <= found
    assert "bench.site.charts.vega" in found
    assert not {"bench.site.runsite", "bench.site.trends"} & found


def test_compiled_templates_are_kept_where_only_this_user_writes_not_in_the_build_cache(
    tmp_path: Path,
) -> None:
    """The theme's templates are compiled once (Jinja's bytecode cache), not each build: code
    a build runs, so not kept in the build cache that CI restores or anyone may plant."""
    project = make_project(tmp_path, write_archive(tmp_path / "archive", make_series(1)))
    assert mkdocs_build(project).returncode == 0
    folder = Path(bytecode_cache().directory)
    info = folder.stat()
    assert info.st_uid == os.getuid() and info.st_mode & 0o077 == 0
    assert any(folder.glob("__jinja2_*.cache"))
    assert project not in folder.parents
    assert not any((project / ".cache").rglob("__jinja2_*"))
