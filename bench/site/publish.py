"""Putting a run's files into the built site: hard links to the cache, or the folder the last
build left, moved back when it holds exactly those links; each cache file checked first.

A site of 10,000 runs has ~130,000 run files (pages, records, candidates, charts). MkDocs
empties the site folder before every build; deleting and linking that many files again costs
more than everything else a build does when one run was added. So `mkdocs build` moves the
old site aside first (`OldSite`), and each run folder whose files are all hard links to the
very cache files this build would link there, and nothing else, is moved back whole. Every
other run is linked file by file, and what is left of the old site is deleted
(`bench.site.build`).

A file of the cache is linked only while it holds the bytes this code wrote there (its digest,
checked by its stamp: `bench.site.cache.unchanged`), and only to a path inside the site; cache
files are read-only, so a site file cannot be edited through its link without being found.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from bench.record.safety import is_plain_relative_path
from bench.site.cache import cache_stamp, unchanged, writable
from bench.site.lastbuild import LastBuild, folder_digest, folder_source

if TYPE_CHECKING:
    from bench.site.listed import ListedRun
    from bench.site.runsite import SiteFile

Pair = tuple[str, str]  # (a file of the cache, its path in the site)


class RefusedFile(Exception):
    """A file of the cache that is not put in the site, and why: the message names it."""


class DamagedFile(Exception):
    """A file of the cache whose bytes are no longer those this code wrote there."""


class Publisher:
    """Puts files of `cache_dir` into the site as hard links, not copies (a link is ~5x
    quicker). The cache replaces a file, never writes into one (`write_atomic`), and its files
    are read-only, so neither a later build nor an edit through the site's link changes what a
    site holds unseen; a cache on another file system is copied from."""

    def __init__(self, site_dir: str, cache_dir: str) -> None:
        self.site_dir = site_dir
        self.cache_dir = cache_dir
        self._made = {site_dir}
        self._copy = False

    def put(self, source: str, site_path: str) -> None:
        """`source` (a file of the cache) as `site_path`; FileNotFoundError if it is gone,
        RefusedFile if either path leads out of its folder."""
        target = self._target(source, site_path)
        self.folder(os.path.dirname(target))
        if self._copy:
            shutil.copyfile(source, target)
            return
        try:
            os.link(source, target)
        except FileExistsError:  # a --dirty build: replaced, never written through
            os.remove(target)
            os.link(source, target)
        except FileNotFoundError:
            raise
        except OSError:  # another file system, or no hard links
            self._copy = True
            shutil.copyfile(source, target)

    def _target(self, source: str, site_path: str) -> str:
        """Where `site_path` is in the site, once both paths are known to stay in their
        folders: every path the cache names was checked when read, and this is the last line."""
        inside = source.removeprefix(f"{self.cache_dir}/")
        if not is_plain_relative_path(site_path) or not (
            inside != source and is_plain_relative_path(inside)
        ):
            raise RefusedFile(
                f"{source}: expected a file of the cache {self.cache_dir} published inside "
                f"the site, found one to publish at {site_path!r}"
            )
        return os.path.join(self.site_dir, site_path)

    def replace(self, source: str, site_path: str) -> None:
        """The site's file at `site_path` replaced by a link to `source`, its same bytes."""
        target = self._target(source, site_path)
        temporary = f"{target}.{os.getpid()}.link"
        try:
            os.link(source, temporary)
        except OSError:  # another file system: the file stays as MkDocs wrote it
            return
        os.replace(temporary, target)

    def folder(self, path: str) -> None:
        if path in self._made:
            return
        if not path.startswith(f"{self.site_dir}/"):  # `_target` made sure: never reached
            raise RefusedFile(f"{path}: expected a folder inside the site {self.site_dir}")
        self.folder(os.path.dirname(path))
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)
        self._made.add(path)


class OldSite:
    """The last build's site, moved out of `site_dir` into a new folder of `trash` before
    MkDocs would empty it (all but dotfiles, as MkDocs does: a gh-pages checkout's .git
    stays). Whatever cannot be moved (another file system) stays for MkDocs to delete."""

    def __init__(self, site_dir: str, trash: str) -> None:
        self.site_dir = site_dir
        self.trash = trash
        if os.path.islink(trash):  # it is in the cache: a planted link would take the site away
            os.unlink(trash)
        os.makedirs(trash, exist_ok=True)
        self.folder = tempfile.mkdtemp(dir=trash)
        self.device = os.stat(self.folder).st_dev
        for entry in os.scandir(site_dir):
            if not entry.name.startswith("."):
                with contextlib.suppress(OSError):
                    os.rename(entry.path, os.path.join(self.folder, entry.name))
        self._scanned: dict[str, dict[str, os.stat_result | None]] = {}
        self.digests: dict[str, str] = {}  # run folder -> `folder_digest` of its files

    def scan(self) -> None:
        """The lstat of every file of every run folder (`benchmark/run`) of the old site, read
        once from the folders' entries: what `take` judges a folder by. The site's files are
        hard links to the cache's, so each is also the lstat of its cache file. Run on the
        publishing thread while the build reads the archive (the calls are the kernel's)."""
        scanned = self._scanned
        with contextlib.suppress(OSError), os.scandir(self.folder) as benchmarks:
            for benchmark in benchmarks:
                if not benchmark.is_dir(follow_symlinks=False):
                    continue
                with contextlib.suppress(OSError), os.scandir(benchmark.path) as runs:
                    for run in runs:
                        if run.is_dir(follow_symlinks=False):
                            folder = f"{benchmark.name}/{run.name}"
                            with contextlib.suppress(OSError):
                                scanned[folder] = files_below(run.path, f"{folder}/")
        self.digests = {folder: folder_digest(files) for folder, files in scanned.items()}

    def take(
        self, folder: str, files: Sequence[SiteFile], pages: Sequence[Pair], publisher: Publisher
    ) -> bool:
        """Move the old site's `folder` back into the site when it holds exactly `files` (each
        the very cache file its stamp names, unchanged since: its lstat in the scan is that
        stamp, on the cache's file system) and `pages` (each a link to the page cache's file),
        nothing else; False, and nothing moved, otherwise. Scanned first (`scan`)."""
        found = self._scanned.get(folder)
        if found is None or len(found) != len(files) + len(pages):
            return False
        device = self.device
        for file in files:
            info = found.get(file.site_path)
            if (
                info is None
                or file.stamp is None
                or info.st_dev != device
                or cache_stamp(info) != file.stamp
                or not stat.S_ISREG(info.st_mode)
                or writable(info)
            ):
                return False
        try:
            for source, site_path in pages:
                info = found.get(site_path)
                page = os.lstat(source)
                if info is None or (info.st_ino, info.st_dev) != (page.st_ino, page.st_dev):
                    return False
        except OSError:
            return False
        return self._move_back(folder, publisher)

    def take_same(self, folder: str, digest: str, publisher: Publisher) -> bool:
        """Move the old site's `folder` back when the scan found it as `digest` says (the
        last build left it so: `bench.site.lastbuild`); False, and nothing moved, otherwise."""
        return self.digests.get(folder) == digest and self._move_back(folder, publisher)

    def _move_back(self, folder: str, publisher: Publisher) -> bool:
        target = os.path.join(self.site_dir, folder)
        try:
            publisher.folder(os.path.dirname(target))
            os.rename(os.path.join(self.folder, folder), target)
        except OSError:  # fails too if MkDocs wrote a page there meanwhile
            return False
        return True

    def delete(self) -> None:
        """Delete what is left of every old site: its run folders taken back, nothing in the
        site links the rest."""
        shutil.rmtree(self.trash, ignore_errors=True)


def files_below(folder: str, prefix: str) -> dict[str, os.stat_result | None]:
    """`prefix` + path in `folder` -> lstat, for each regular file below it (None: anything
    else but a folder, such as a symlink)."""
    found: dict[str, os.stat_result | None] = {}
    todo = [(folder, prefix)]
    while todo:
        path, prefix = todo.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file(follow_symlinks=False):
                    found[prefix + entry.name] = entry.stat(follow_symlinks=False)
                else:
                    found[prefix + entry.name] = None
    return found


class Published(NamedTuple):
    """What `publish_runs` left to its caller."""

    missing: list[ListedRun]  # runs one of whose files is gone or changed: to make again
    restamped: list[ListedRun]  # runs whose files were read to be checked: their new stamps
    taken: set[str]  # run folders moved back from the old site as they were


def publish_runs(
    runs: Sequence[ListedRun],
    pages: Mapping[str, Sequence[Pair]],
    site_dir: str,
    cache_dir: str,
    old: OldSite | None,
    last: LastBuild | None = None,
) -> Published:
    """Each run's files and its pages from the cache (`pages`, by run folder, checked when
    the page cache gave them) into the site, from the old site where it holds them. A run one
    of whose files is gone from the cache, or no longer holds what this code wrote, or whose
    kept listing names other files, is left for the caller to make again; a run whose files
    had to be read to be checked (their stamps changed, as in a cache CI restored) comes back
    with their stamps now, to keep. `last`: the last build's record, with each run folder's
    `folder_digest` and `folder_source`: a folder this build would fill the same, found as it
    was left, is moved back whole without its files being read."""
    # Here, not at the top: a build with nothing changed publishes no listed run, and these
    # import every page's code (~0.3 s).
    from bench.site.listed import UnsoundListing
    from bench.site.runsite import SiteFile

    publisher = Publisher(site_dir, cache_dir)
    done = Published([], [], set())
    for run in runs:
        pairs = pages.get(run.folder, ())
        if old is not None and _same_as_left(run, pairs, old, last, publisher):
            done.taken.add(run.folder)
            continue
        try:
            files = [*run.files, *(SiteFile(site_path, source) for source, site_path in pairs)]
        except UnsoundListing:
            done.missing.append(run)
            continue
        if old is not None and old.take(run.folder, run.files, pairs, publisher):
            done.taken.add(run.folder)
            continue
        try:
            checked = _checked(files)
        except (FileNotFoundError, DamagedFile):
            done.missing.append(run)
            continue
        restamped = _restamped(run, checked)
        if restamped is not None:
            done.restamped.append(restamped)
        try:
            put_all(publisher, ((f.source, f.site_path) for f in files))
        except FileNotFoundError:
            done.missing.append(run)
    return done


def _same_as_left(
    run: ListedRun, pairs: Sequence[Pair], old: OldSite, last: LastBuild | None, to: Publisher
) -> bool:
    """The run's folder moved back from the old site, as the last build left it, if this build
    would fill it the same (`folder_source`)."""
    if last is None or last.sources.get(run.folder) != folder_source(run.lines, pairs):
        return False
    digest = last.folders.get(run.folder)
    return digest is not None and old.take_same(run.folder, digest, to)


def _restamped(run: ListedRun, checked: Mapping[str, os.stat_result]) -> ListedRun | None:
    """The run with its files' stamps as `checked` found them, if any changed; else None."""
    if all(f.stamp == cache_stamp(checked[f.site_path]) for f in run.files):
        return None
    files = tuple(
        dataclasses.replace(f, stamp=cache_stamp(checked[f.site_path])) for f in run.files
    )
    from bench.site.listed import with_files  # see `publish_runs`

    return with_files(run, files)


def _checked(files: Iterable[SiteFile]) -> dict[str, os.stat_result]:
    """Site path -> the lstat of its cache file, each a read-only regular file that still
    holds the bytes of its digest; DamagedFile, or FileNotFoundError, when one does not."""
    found = {}
    for file in files:
        info = os.lstat(file.source)
        if file.digest is not None:
            if not unchanged(file.source, file.digest, file.stamp, info):
                raise DamagedFile(file.source)
        elif not stat.S_ISREG(info.st_mode) or writable(info):
            raise DamagedFile(file.source)
        found[file.site_path] = info
    return found


def put_all(publisher: Publisher, pairs: Iterable[Pair]) -> None:
    for source, site_path in pairs:
        publisher.put(source, site_path)
