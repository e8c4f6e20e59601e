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

# C0 and C1 controls but tab, line feed and carriage return; the two non-characters XML 1.0
# forbids; and the format controls (Unicode category Cf, as of Unicode 15): bidi overrides,
# embeddings and isolates (U+202A-E, U+2066-9) reorder what a reader sees, so that "12" reads
# "21" and the code shown is not the code that ran (Trojan Source); zero-width ones hide text.
# Listed, not looked up: a pass over every code point at import would cost ~0.3 s.
FORMAT_CONTROLS = (
    "\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff{FORMAT_CONTROLS}]")


def is_plain_relative_path(path: str) -> bool:
    return _RELATIVE_PATH.fullmatch(path) is not None


def file_inside(folder: Path, path: str) -> str | None:
    """Why `folder / path` is not a regular file inside `folder` (symlinks followed) and of
    its own, as `which leads to /etc/passwd`; None when it is one."""
    found = _plainly_inside(folder, path)
    if found is not None:
        return _linked_elsewhere(found)
    try:
        base = folder.resolve()
        target = (base / path).resolve()
        if not target.is_relative_to(base):
            return f"which leads to {target}"
        if target.is_file():
            return _linked_elsewhere(target.stat())
        if not target.exists():
            return "which is missing"
        return "which is a folder" if target.is_dir() else "which is not a regular file"
    except RuntimeError:  # pathlib before 3.13: a symlink loop
        return "which is a symlink loop"
    except OSError as error:
        return f"which cannot be read ({error.strerror})"


def _linked_elsewhere(info: os.stat_result) -> str | None:
    """Why a regular file with this stat is not the run folder's own: a hard link shares the
    file with another name, which may be outside the archive (where a symlink check sees
    nothing), and whatever is written there is published."""
    if info.st_nlink > 1:
        return f"which has {info.st_nlink} hard links (it is also a file elsewhere)"
    return None


def _plainly_inside(folder: Path, path: str) -> os.stat_result | None:
    """The file's lstat when no part of `path` below `folder` is a symlink or `..` and it ends
    at a regular file: inside, without resolving (~20x quicker; an archive checks tens of
    thousands); None otherwise."""
    parts = path.split("/")
    if ".." in parts or not all(parts):
        return None
    current = str(folder)
    try:
        for n, part in enumerate(parts):
            current = os.path.join(current, part)
            info = os.lstat(current)
            if not (stat.S_ISREG if n == len(parts) - 1 else stat.S_ISDIR)(info.st_mode):
                return None
    except OSError:
        return None
    return info


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
    """`text` with each control character shown as `\\x00`, and each format control (a bidi
    override, a zero-width space) as `\\u202e`, never raw."""
    return _CONTROL.sub(_shown, text)


def _shown(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
