"""Putting a run's files into the built site: hard links to the cache, or the folder the last
build left, moved back when it holds exactly those links.

A site of 10,000 runs has ~130,000 run files (pages, records, candidates, charts). MkDocs
empties the site folder before every build; deleting and linking that many files again costs
more than everything else a build does when one run was added. So `mkdocs build` moves the
old site aside first (`OldSite`), and each run folder whose files are all hard links to the
very cache files this build would link there, and nothing else, is moved back whole. Every
other run is linked file by file, and what is left of the old site is deleted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence

from bench.site.listed import ListedRun

Pair = tuple[str, str]  # (a file of the cache, its path in the site)


class Publisher:
    """Puts files of the cache into the site as hard links, not copies (a link is ~5x
    quicker). The cache replaces a file, never writes into one (`write_atomic`), so a later
    build cannot change what a site holds; a cache on another file system is copied from."""

    def __init__(self, site_dir: str) -> None:
        self.site_dir = site_dir
        self._made = {site_dir}
        self._copy = False

    def put(self, source: str, site_path: str) -> None:
        """`source` (a file of the cache) as `site_path`; FileNotFoundError if it is gone."""
        target = os.path.join(self.site_dir, site_path)
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

    def replace(self, source: str, site_path: str) -> None:
        """The site's file at `site_path` replaced by a link to `source`, its same bytes."""
        target = os.path.join(self.site_dir, site_path)
        temporary = f"{target}.{os.getpid()}.link"
        try:
            os.link(source, temporary)
        except OSError:  # another file system: the file stays as MkDocs wrote it
            return
        os.replace(temporary, target)

    def folder(self, path: str) -> None:
        if path in self._made:
            return
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
        os.makedirs(trash, exist_ok=True)
        self.folder = tempfile.mkdtemp(dir=trash)
        self.device = os.stat(self.folder).st_dev
        for entry in os.scandir(site_dir):
            if not entry.name.startswith("."):
                with contextlib.suppress(OSError):
                    os.rename(entry.path, os.path.join(self.folder, entry.name))

    def take(self, folder: str, wanted: Mapping[str, str], publisher: Publisher) -> bool:
        """Move the old site's `folder` back into the site when its files are exactly
        `wanted` (path in the folder -> the cache file it must be a hard link to); False,
        and nothing moved, otherwise."""
        old = os.path.join(self.folder, folder)
        try:
            found = _files_below(old)
            if found.keys() != wanted.keys():
                return False
            for path, inode in found.items():
                source = os.stat(wanted[path])
                if inode != source.st_ino or source.st_dev != self.device:
                    return False
            target = os.path.join(self.site_dir, folder)
            publisher.folder(os.path.dirname(target))
            os.rename(old, target)  # fails if MkDocs wrote a page there meanwhile
        except OSError:
            return False
        return True

    def delete(self) -> subprocess.Popen[bytes]:
        """Start deleting what is left of every old site, in a second process."""
        code = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"
        return subprocess.Popen([sys.executable, "-c", code, self.trash])


def _files_below(folder: str) -> dict[str, int | None]:
    """Path in `folder` -> inode, for each regular file below it (None: anything else but a
    folder, such as a symlink); from the folders' entries, without a call per file."""
    found: dict[str, int | None] = {}
    todo = [(folder, "")]
    while todo:
        path, prefix = todo.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, f"{name}/"))
                else:
                    found[name] = entry.inode() if entry.is_file(follow_symlinks=False) else None
    return found


def publish_runs(
    runs: Sequence[ListedRun],
    pages: Mapping[str, Sequence[Pair]],
    site_dir: str,
    old: OldSite | None,
) -> list[ListedRun]:
    """Each run's files and its pages from the cache (`pages`, by run folder) into the site,
    from the old site where it holds them; the runs one of whose files is gone from the cache
    are left for the caller (their files are drawn again)."""
    publisher = Publisher(site_dir)
    missing = []
    for run in runs:
        pairs = [*((f.source, f.site_path) for f in run.files), *pages.get(run.folder, ())]
        if old is not None:
            inside = f"{run.folder}/"
            wanted = {site_path.removeprefix(inside): source for source, site_path in pairs}
            if old.take(run.folder, wanted, publisher):
                continue
        try:
            put_all(publisher, pairs)
        except FileNotFoundError:
            missing.append(run)
    return missing


def put_all(publisher: Publisher, pairs: Iterable[Pair]) -> None:
    for source, site_path in pairs:
        publisher.put(source, site_path)
