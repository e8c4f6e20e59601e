"""What a record may name and say, checked and made harmless before it reaches the site.

A record comes from a file anyone could have edited: a path it names must stay inside its run
folder, and its text must not carry control characters into a page, a chart or the feed.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import quote

# One path segment: no separator, no backslash, no colon (so no URL scheme or drive), no
# control character, and not "." or "..". Written without lookarounds, so that Rust's regex
# (pydantic), Python's and ECMA-262's (JSON Schema) read it alike.
_C = r"/\\:\x00-\x1f\x7f-\x9f"
_SEGMENT = rf"(?:[^.{_C}][^{_C}]*|\.[^.{_C}][^{_C}]*|\.\.[^{_C}]+)"
RELATIVE_PATH_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})*$"
RELATIVE_PATH_RULE = "a plain relative path (no scheme, no '..', not absolute)"
_RELATIVE_PATH = re.compile(RELATIVE_PATH_PATTERN)

TEXT_SUFFIX = ".txt"  # served as text/plain by MkDocs' server, GitHub Pages and browsers
MAX_NAME_BYTES = 255  # a file name, on the file systems a site is built on

# C0 and C1 controls but tab, line feed and carriage return; and the two non-characters XML
# 1.0 forbids.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def is_plain_relative_path(path: str) -> bool:
    return _RELATIVE_PATH.fullmatch(path) is not None


def file_inside(folder: Path, path: str) -> str | None:
    """Why `folder / path` is not a regular file inside `folder` (symlinks followed), as
    `which leads to /etc/passwd`; None when it is one."""
    if _plainly_inside(folder, path):
        return None
    try:
        base = folder.resolve()
        target = (base / path).resolve()
        if not target.is_relative_to(base):
            return f"which leads to {target}"
        if target.is_file():
            return None
        if not target.exists():
            return "which is missing"
        return "which is a folder" if target.is_dir() else "which is not a regular file"
    except RuntimeError:  # pathlib before 3.13: a symlink loop
        return "which is a symlink loop"
    except OSError as error:
        return f"which cannot be read ({error.strerror})"


def _plainly_inside(folder: Path, path: str) -> bool:
    """True when no part of `path` below `folder` is a symlink or `..` and it ends at a regular
    file: inside, without resolving (~20x quicker; an archive checks tens of thousands)."""
    parts = path.split("/")
    if ".." in parts or not all(parts):
        return False
    current = str(folder)
    try:
        for n, part in enumerate(parts):
            current = os.path.join(current, part)
            mode = os.lstat(current).st_mode
            if not (stat.S_ISREG(mode) if n == len(parts) - 1 else stat.S_ISDIR(mode)):
                return False
    except OSError:
        return False
    return True


def publishable(path: str) -> str | None:
    """Why `as_text_file(path)` cannot be written (its name too long); None when it can."""
    name = as_text_file(path).rsplit("/", 1)[-1]
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"whose name is too long to publish with {TEXT_SUFFIX} added"
    return None


def as_text_file(path: str) -> str:
    """Where a file named by a record is published: its path with `.txt` added, so that no
    name (`x.svg`, `x.html`) makes a browser run what it holds."""
    return path + TEXT_SUFFIX


def text_file_href(path: str) -> str:
    """The link to `as_text_file(path)` from the run's page (its folder)."""
    return quote(as_text_file(path))


def printable(text: str) -> str:
    """`text` with each control character shown as `\\x00`, never raw."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
