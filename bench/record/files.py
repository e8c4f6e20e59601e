"""Writing files whole or not at all: the one atomic writer of the runner and the site."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

RECORD_FILENAME = "run.json"  # a run record's name in its run folder
Stamp = tuple[int, int, int, int]  # a file's size, mtime (ns), inode and ctime (ns)


def stamp(info: os.stat_result) -> Stamp:
    """What says a file is unchanged without reading it, as git's index keeps it."""
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def write_atomic(
    path: Path, text: str | bytes, *, durable: bool = True, read_only: bool = False
) -> None:
    """Write `text` (as UTF-8 when a str) to `path` so that readers see the old file or the
    new one, never a part.

    `durable` syncs the file to disk before it replaces the old one (run records: they must
    survive a crash); a cache, whose files are drawn again when lost, passes False. The file
    gets the mode a plain `open()` would give it (0666 less the umask), not mkstemp's 0600, so
    a site published from another account can read it; `read_only` takes write permission
    away (a cache file the site links: an edit through the link fails).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = _new_file(path, 0o444 if read_only else 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _new_file(path: Path, mode: int) -> tuple[int, str]:
    """A new file beside `path`, open for writing, named for no other: created with `mode`
    less the umask, as `open()` creates a file (the kernel applies the umask; a read-only mode
    still gives a writable descriptor). Not mkstemp's 0600 and a chmod after: a site build
    writes ~15 cache files a run, and reading the umask took as long as writing the file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temp = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, mode), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"{path.parent}: no free name for a temporary file")
