"""What every subcommand shares: the exit codes and the default archive."""

from __future__ import annotations

import os
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_ARCHIVE = Path("archive")


class ExitCode(IntEnum):
    """The one table of `bench`'s exit codes."""

    OK = 0
    INVALID = 1  # bad records
    USAGE = 2  # bad arguments or config: nothing was run
    RUN_FAILED = 3  # the run finished and no call succeeded: its record is marked failed
    STORE_FAILED = 4  # the archive could not be written (read-only, full): the record so far
    # is the last one written
    INTERRUPTED = 130  # Ctrl-C: the record so far is kept


def shown_path(path: Path) -> str:
    """`path` as a person should read it: normalised (`archive/x`, not `configs/../archive/x`)
    and relative to the current folder when inside it, else absolute."""
    absolute = os.path.normpath(os.path.abspath(path))
    relative = os.path.relpath(absolute)
    return absolute if relative == ".." or relative.startswith(".." + os.sep) else relative


def say(console: Console, text: str) -> None:
    """`text` as it is: no markup, no highlighting, its lines not cut (a path stays whole)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)
