"""The build cache can publish only what this code made.

What a build reads back from `.cache/bench` is input, like a record: CI restores it from an
older build, anyone may edit it. A listing that names a file outside the cache or a place
outside the site, a page with a planted script, a file of the site edited in place (it is a
hard link to the cache's copy) are made again, never published.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from bench.site import cache as cache_module
from bench.site import pagecache
from bench.site.cache import CacheStamp, checked_stamp, read_checked, write_checked
from bench.site.publish import OldSite, Publisher, RefusedFile
from tests.support.records import make_series, write_archive
from tests.support.sitebuild import build_site, make_project, mkdocs_build

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

SCRIPT = "<script>alert('planted')</script>"
SECRET = "not-for-the-site-7f3a9c"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of three runs, built once: its cache is warm."""
    project = make_project(tmp_path, write_archive(tmp_path / "archive", make_series(3)))
    build_site(project)
    return project


def _cache(project: Path) -> Path:
    return project / ".cache" / "bench"


def _edit(path: Path, text: str) -> None:
    """Append `text` to the file in place, as an editor run by its owner could."""
    os.chmod(path, 0o644)  # the cache's files are read-only: an owner can make them writable
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def _shards(project: Path) -> list[Path]:
    return sorted(_cache(project).glob("listed/runs-*/*.json"))


def _plant(shard: Path, files: list[tuple[str, str]]) -> None:
    """Add `files` (site path, source) to the first run of the listing `shard`, written as this
    code writes it (its digest in front, a file a line, its path in the run folder, its source
    in the cache, its digest and stamp): only what the listing says is wrong."""
    found = read_checked(shard)
    assert found is not None
    runs = json.loads(found)
    run = next(iter(runs.values()))
    folder = run["entry"]["href"].rsplit("/", 1)[0]
    cache = str(shard.parents[2])
    digest = "0" * 64
    for site_path, source in files:
        where, within = site_path.removeprefix(f"{folder}/"), source.removeprefix(f"{cache}/")
        run["files"] += f"\n{where}\t{within}\t{digest}\t1 2 3"
    write_checked(shard, json.dumps(runs).encode())


def test_a_planted_listing_publishes_nothing_from_or_to_outside(
    project: Path, tmp_path: Path
) -> None:
    before = _files(project / "site")
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    [shard, *_] = _shards(project)
    folder = next(iter(json.loads(read_checked(shard) or b"{}").values()))["entry"]["href"]
    folder = folder.rsplit("/", 1)[0]
    _plant(
        shard,
        [
            (f"{folder}/stolen.txt", str(secret)),
            (f"{folder}/../../../../escaped.txt", str(secret)),
            (str(tmp_path / "absolute.txt"), str(secret)),
            (f"{folder}/charts/planted.svg", f"{_cache(project)}/files/{'a' * 64}.txt"),
        ],
    )

    built = mkdocs_build(project)

    assert built.returncode == 0, built.stderr
    assert not list(tmp_path.rglob("escaped.txt")) and not (tmp_path / "absolute.txt").exists()
    after = _files(project / "site")
    assert not any(SECRET.encode() in data for data in after.values()), "the outside file"
    assert after == before, "the listing was made again, as the first build made it"


def test_a_planted_listing_is_made_again_in_a_build_that_adds_a_run(
    project: Path, tmp_path: Path
) -> None:
    """A build after a run was added moves each unchanged run's folder back whole, without
    reading its listing's files: only while the listing is the one the last build published."""
    [shard, *_] = _shards(project)
    folder = next(iter(json.loads(read_checked(shard) or b"{}").values()))["entry"]["href"]
    folder = folder.rsplit("/", 1)[0]
    before = _files(project / "site" / folder)
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    _plant(shard, [(f"{folder}/stolen.txt", str(secret))])
    write_archive(project / "archive", make_series(4)[3:])

    built = mkdocs_build(project)

    assert built.returncode == 0, built.stderr
    after = _files(project / "site")
    assert not any(SECRET.encode() in data for data in after.values()), "the outside file"
    assert _files(project / "site" / folder) == before
    assert b"stolen.txt" not in (read_checked(shard) or b""), "the listing was made again"
    added = make_series(4)[3]
    assert (project / "site" / added.benchmark_id / added.run_id / "report.html").is_file()


@pytest.mark.parametrize("site_path", ["../outside.txt", "a/../../outside.txt", "/abs/x.txt"])
def test_the_publisher_refuses_a_path_out_of_the_site(tmp_path: Path, site_path: str) -> None:
    """The last line, below the listing's checks: no path leads out, none recurses forever."""
    cache, site = tmp_path / "cache", tmp_path / "site"
    (cache / "files").mkdir(parents=True)
    site.mkdir()
    (cache / "files" / "a.txt").write_text("a\n", encoding="utf-8")
    publisher = Publisher(str(site), str(cache))
    with pytest.raises(RefusedFile, match="expected a file of the cache"):
        publisher.put(str(cache / "files" / "a.txt"), site_path)
    with pytest.raises(RefusedFile):
        publisher.put(str(tmp_path / "elsewhere.txt"), "x/a.txt")  # not a file of the cache
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.txt", "cache", "files", "site"]


def test_a_script_planted_in_a_cached_page_is_not_published(project: Path) -> None:
    before = _files(project / "site")
    pages = [p for p in _cache(project).glob("pages/*/*.html") if b"report" in p.read_bytes()]
    assert pages
    for page in pages:
        _edit(page, SCRIPT)

    site = build_site(project)

    assert not any(SCRIPT.encode() in data for data in _files(site).values())
    assert _files(site) == before
    assert not any(SCRIPT.encode() in p.read_bytes() for p in pages if p.exists())


@pytest.mark.parametrize("how", ["in-process", "mkdocs build"])
def test_a_site_file_edited_in_place_changes_nothing_the_next_build_publishes(
    project: Path, how: str
) -> None:
    """Site files are hard links to read-only cache files; one edited anyway (its owner can)
    edits the cache's copy, which the next build finds changed and makes again."""
    site = project / "site"
    if how == "mkdocs build":  # the command: the old site's run folders are moved back
        assert mkdocs_build(project).returncode == 0
    before = _files(site)
    report = next(site.rglob("report.html"))
    record = report.with_name("run.json")
    chart = next(report.parent.glob("charts/*.svg"))
    for path in (report, record, chart):
        assert path.stat().st_nlink > 1, "a link to the cache"
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        _edit(path, SCRIPT)

    if how == "mkdocs build":
        built = mkdocs_build(project)
        assert built.returncode == 0, built.stderr
    else:
        build_site(project)

    assert _files(site) == before
    cache_files = [p for p in _cache(project).rglob("*") if p.is_file()]
    assert not any(SCRIPT.encode() in p.read_bytes() for p in cache_files)
    linked = [p for p in site.rglob("*") if p.is_file() and p.stat().st_nlink > 1]
    assert report in linked and record in linked and chart in linked
    writable = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    assert [p for p in linked if p.stat().st_mode & writable] == [], "no writable cache file"


def test_a_cache_file_made_writable_is_not_linked_into_the_site(project: Path) -> None:
    """Unedited, but writable: the next build writes it again, read-only, before linking it."""
    site = project / "site"
    before = _files(site)
    cache_files = [p for p in _cache(project).rglob("*") if p.is_file()]
    for path in cache_files:
        os.chmod(path, 0o644)

    build_site(project)

    assert _files(site) == before
    writable = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    linked = [p for p in site.rglob("*") if p.is_file() and p.stat().st_nlink > 1]
    assert len(linked) > 20
    assert [p for p in linked if p.stat().st_mode & writable] == []


def test_a_listing_or_template_changed_without_its_digest_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    write_checked(path, b'{"a": 1}')
    assert read_checked(path) == b'{"a": 1}'
    assert not os.stat(path).st_mode & stat.S_IWUSR, "written read-only"
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes().replace(b"1", b"2"))
    assert read_checked(path) is None
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere.json")
    write_checked(tmp_path / "elsewhere.json", b"{}")
    assert read_checked(path) is None, "never through a symlink"


def test_a_cache_restored_elsewhere_is_read_once_then_known_by_its_stamps(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI restores the cache from its store: every file has a new inode, so each is read once
    to be checked, and its new stamp kept; the next build reads none."""
    before = _files(project / "site")
    cache = _cache(project)
    restored = cache.with_name("restored")
    shutil.copytree(cache, restored, copy_function=shutil.copy2)
    shutil.rmtree(cache)
    restored.rename(cache)
    read: list[str] = []

    def counted(path: str | Path) -> tuple[str, CacheStamp]:
        read.append(str(path))
        return checked_stamp(path)

    monkeypatch.setattr(cache_module, "checked_stamp", counted)
    monkeypatch.setattr(pagecache, "checked_stamp", counted)

    assert _files(build_site(project)) == before
    assert any("/pages/" in path for path in read) and any("/charts/" in path for path in read)
    read.clear()
    assert _files(build_site(project)) == before
    assert read == []


def test_the_old_site_is_not_moved_through_a_link_planted_in_the_cache(tmp_path: Path) -> None:
    site, elsewhere, trash = tmp_path / "site", tmp_path / "elsewhere", tmp_path / "old-sites"
    site.mkdir()
    elsewhere.mkdir()
    (site / "index.html").write_text("old\n", encoding="utf-8")
    trash.symlink_to(elsewhere, target_is_directory=True)
    old = OldSite(str(site), str(trash))
    assert not trash.is_symlink() and list(elsewhere.iterdir()) == []
    assert Path(old.folder, "index.html").read_text(encoding="utf-8") == "old\n"
    old.delete()
    assert not trash.exists()
