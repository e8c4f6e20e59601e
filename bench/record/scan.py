"""One walk of the archive folder: its records, what the walk finds wrong, every file's lstat.

Kept apart from reading the records (`bench.record.archive`), and light to import: a site build
whose inputs are unchanged walks the archive and reads no record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bench.record.files import RECORD_FILENAME


@dataclass(frozen=True)
class RecordProblem:
    """One thing wrong with one record file."""

    file: Path
    field: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: expected {self.expected}, found {self.found}"


class ArchiveError(Exception):
    """Every problem found in the archive, one per line."""

    def __init__(self, problems: list[RecordProblem]) -> None:
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(
            f"invalid run records ({count}):\n" + "\n".join(f"  {p}" for p in problems)
        )


Where = tuple[str, ...]  # a record's path below the archive folder, as its parts
Found = tuple[str, Where, os.stat_result | None]  # a record file, where, its lstat


@dataclass(frozen=True)
class ArchiveScan:
    """One walk of the archive folder (`scan_archive`): its records, what the walk itself
    finds wrong, and the lstat of every file below it (what a caller that keeps what its
    inputs were, the site's build, compares)."""

    found: list[Found]
    problems: list[RecordProblem]
    files: list[tuple[str, os.stat_result | None]]  # path below the archive -> lstat (None:
    # a folder that could not be listed, its path ending in "/")


def scan_archive(root: Path) -> ArchiveScan:
    """Every run record below `root` (a record file, a run folder or an archive folder),
    broken and looping symlinks included so that they are reported rather than skipped, and
    every symlinked folder outside the run folders, in one walk, with each file's lstat (from
    the folder's listing: one call a file). Records are read from real folders: a symlinked
    benchmark or run folder could lead anywhere (the walk does not follow it). Inside a run
    folder, a symlink matters only when a record names a file through it: see
    _bad_candidates."""
    if not root.is_dir():
        return ArchiveScan([(str(root), (), None)], [], [])
    found: list[Found] = []
    problems = []
    files: list[tuple[str, os.stat_result | None]] = []
    folders: list[tuple[str, Where, bool]] = [(str(root), (), False)]  # folder, where, in a run
    while folders:
        folder, where, inside = folders.pop()
        prefix = "".join(f"{part}/" for part in where)
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:  # as os.walk: a folder that cannot be listed is skipped
            files.append((prefix, None))
            continue
        record = next((e for e in entries if e.name == RECORD_FILENAME), None)
        if record is not None:
            found.append((record.path, (*where, RECORD_FILENAME), _lstat(record)))
        inside = inside or record is not None
        for entry in entries:
            if _is_real_folder(entry):  # from the listing's entry type: no call
                folders.append((entry.path, (*where, entry.name), inside))
                continue
            files.append((prefix + entry.name, found[-1][2] if entry is record else _lstat(entry)))
            if not inside and entry.is_symlink() and _is_folder(entry):
                problems.append(
                    RecordProblem(
                        Path(entry.path),
                        "(folder)",
                        "a folder, not a symlink",
                        f"a symlink to {os.readlink(entry.path)}",
                    )
                )
    found.sort(key=lambda f: f[1])  # as Paths sort: by their parts
    return ArchiveScan(found, problems, files)


def _is_real_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _lstat(entry: os.DirEntry[str]) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None
