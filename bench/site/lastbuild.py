"""What the last build published, kept so that a build whose inputs are all unchanged publishes
it again without reading a record, a listing or a page model.

A build's inputs are the site's code and templates, the site generator's settings (the page
cache's fingerprint) and the archive's files. `inputs_key` digests them all, each archive file
by its path and stamp (size, mtime, inode, ctime, mode: what an edit, a replacement or a
chmod changes), as the listings trust a record's stamp. A build that finds the key the last
one kept would make the same site, so it:

- moves the old site's run folders back whole, each only while its files are exactly the ones
  the last build left there (`folder_digest` of their site paths and lstat: same inodes, same
  sizes, times and modes, so the same bytes of the cache, still read-only);
- links the cached pages and charts outside run folders again, each checked by its stamp;
- hands the site generator the pages it renders every build (those in the search) as their
  kept bodies, and the data files, feed and home page's run list as kept.

Anything that does not check out (a folder changed, a file gone, the record damaged: it is
read through `read_checked`) makes it a full build. Nothing here is trusted more than the
listings and the page cache are.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from bench.site.cache import CacheStamp, cache_stamp, read_checked, writable, write_checked
from bench.site.sections import Section

FORMAT = "v2"  # of the key; the record's own is in its file name (`bench.site.cache`)


@dataclass(frozen=True)
class KeptPage:
    """A page the site generator renders every build (it is in the search), as rendered."""

    src_uri: str
    title: str
    body: str
    sections: tuple[Section, ...]
    searched: bool


@dataclass(frozen=True)
class LastBuild:
    key: str  # `inputs_key` of the build that kept it
    folders: dict[str, str]  # run folder -> `folder_digest` of what the build left there
    sources: dict[str, str]  # run folder -> `folder_source` of what it put there
    linked: tuple[tuple[str, str, CacheStamp], ...]  # (cache file, site path, its stamp)
    pages: tuple[KeptPage, ...]
    data_files: dict[str, str]  # site path -> content
    feed: str
    index_html: str  # the home page's list of runs
    specs: str  # the run charts' spec templates, `assets/bench/specs.js`
    from_cache: tuple[str, ...]  # site paths of the generated pages: the sitemap's


_LAST = TypeAdapter(LastBuild)


def read(path: Path) -> LastBuild | None:
    """The last build's record, if there is a sound one."""
    found = read_checked(path)
    if found is None:
        return None
    try:
        return _LAST.validate_json(found)
    except ValidationError:
        return None


def write(path: Path, last: LastBuild) -> None:
    """`last` at `path`, unless it holds it already (a build that made the same site)."""
    data = _LAST.dump_json(last)
    if read_checked(path) != data:
        write_checked(path, data)


def inputs_key(
    code: str, fingerprint: str, files: Iterable[tuple[str, os.stat_result | None]]
) -> str:
    """The digest of a build's inputs: its code, its settings and every archive file's path
    and stamp (`files`, as `bench.record.scan.scan_archive` found them: anything but a plain
    file or folder counts by its kind, a folder that could not be listed as such)."""
    lines = [
        f"{name}\0unreadable\n"
        if info is None
        else f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}\0"
        f"{info.st_ctime_ns}\0{info.st_mode}\n"
        for name, info in files
    ]
    lines.sort()  # the same archive, whatever order its folders list their entries in
    head = f"{FORMAT}\0{code}\0{fingerprint}\0"
    return hashlib.sha256((head + "".join(lines)).encode()).hexdigest()


def folder_digest(files: Mapping[str, os.stat_result | None]) -> str:
    """The digest of a folder's files: each site path with its inode, size, mtime and mode."""
    lines = [
        f"{path}\0-\n"
        if info is None
        else f"{path}\0{info.st_dev}\0{info.st_ino}\0{info.st_size}\0{info.st_mtime_ns}\0"
        f"{info.st_mode}\n"
        for path, info in files.items()
    ]
    lines.sort()
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def folder_source(lines: str, pages: Iterable[tuple[str, str]]) -> str:
    """The digest of what a build puts in a run folder: its listing's files (their lines, with
    each cache file's digest and stamp) and its pages' (cache file, site path) pairs. A later
    build that would put the same there, and finds the folder as this build left it
    (`folder_digest`), moves it back whole without reading the lines again."""
    digest = hashlib.sha256(lines.encode())
    for source, site_path in sorted(pages):
        digest.update(f"\n{source}\t{site_path}".encode())
    return digest.hexdigest()


def stamps_unchanged(linked: Iterable[tuple[str, str, CacheStamp]]) -> bool:
    """Whether each cache file is still the read-only file of its stamp."""
    for source, _, kept in linked:
        try:
            info = os.lstat(source)
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode) or writable(info) or cache_stamp(info) != kept:
            return False
    return True
