"""The build cache: files keyed by their content's hash, written whole or not at all, and
checked whenever they are read back.

It lives in the plugin's `cache_dir`, outside the docs, the site and the archive; deleting it
only makes the next build draw and write everything again. What is in it is input like a
record: CI restores it from an older build, anyone may have edited it. So a file the site
publishes is only ever one this code made:

- a file whose content this build knows (a chart it drew, a record copy, a candidate's copy)
  is compared with it before it is listed (`made`), and written again if it differs;
- a file too costly to make again (a chart vl-convert draws) keeps the SHA-256 of its bytes
  beside it (`NAME.sha256`) and is made again when they differ (`cached`);
- data read back (listings, templates) starts with the SHA-256 of the rest (`write_checked`,
  `read_checked`);
- a listed file carries its SHA-256 and the stamp it had when checked; the publisher checks
  the stamp and reads the file again when it changed (`unchanged`).

Every file is written read-only: the site holds hard links to them (a copy is ~5x slower),
and an edit of a site file through its link fails, or, made anyway, changes the stamp and is
found. A damaged or planted file is made again, never published. This holds against damage,
stale entries and edits made without this code's help: someone who can write the cache and
knows this format can still forge a consistent entry, which only a key kept outside the cache
would stop.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from bench.record.files import write_atomic
from bench.record.safety import FORMAT_CONTROLS

# The cache's layout and the formats of what it holds: named here, and nowhere else.
CHARTS = "charts"  # charts drawn, as SVG and spec, by the SHA-256 of their spec
FILES = "files"  # candidates' copies, as text, by the SHA-256 of their bytes
RECORDS = "records"  # compact record copies, by the SHA-256 of the record
TEMPLATES = "templates"  # chart spec templates, by altair's version and their code
LISTED = "listed"  # runs' listings, trend figures, marks, record stamps (`bench.site.listed`)
PAGES = "pages"  # rendered pages and their index (`bench.site.pagecache`)
FIGURES = "figures"  # leaderboards' pooled figures, filters' data (`bench.site.figures`)
OLD_SITES = "old-sites"  # the last build's site, moved aside while a build runs
LAST_BUILD = "last-build-v2.json"  # what the last build published (`bench.site.lastbuild`)
SERVE_SITE = "serve-site"  # what `mkdocs serve` serves: kept, so a new server starts warm
SERVE_SIGNAL = "serve-signal"  # a file `mkdocs serve` polls, replaced on each archive change
RECORD_COPY_FORMAT = "v3"  # v2: DEL and C1 controls escaped; v3: format controls too
LISTED_FORMAT = "listed-v6"  # v3: leaderboard scores as means with intervals; v4: files carry
# digests; v5: model identities; v6: files as lines of text
PAGES_FORMAT = "v3"  # v2: pages written read-only, their digests kept in an index; v3: keyed
# by their kind's code, not the whole package
FIGURES_FORMAT = "v1"


@dataclass(frozen=True)
class CacheLayout:
    """The folders of the build cache at `root`."""

    root: Path

    @property
    def templates(self) -> Path:
        return self.root / TEMPLATES

    @property
    def listed(self) -> Path:
        return self.root / LISTED

    @property
    def pages(self) -> Path:
        return self.root / PAGES

    @property
    def figures(self) -> Path:
        return self.root / FIGURES

    @property
    def old_sites(self) -> Path:
        return self.root / OLD_SITES

    @property
    def last_build(self) -> Path:
        return self.root / LAST_BUILD

    @property
    def serve_site(self) -> Path:
        return self.root / SERVE_SITE

    @property
    def serve_signal(self) -> Path:
        return self.root / SERVE_SIGNAL


SEAL_SUFFIX = ".sha256"
CacheStamp = tuple[int, int, int]  # a cache file's size, mtime (ns) and inode


def cache_stamp(info: os.stat_result) -> CacheStamp:
    """What an edit of a cache file changes. Not its ctime, as a record's stamp has it: each
    hard link the site makes to the file changes that."""
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def write_cached(path: Path, content: str | bytes) -> None:
    """`content` into the cache at `path`, read-only (see the module's docstring)."""
    write_atomic(path, content, durable=False, read_only=True)


def made(path: Path, content: str | bytes) -> Path:
    """`path` holding `content`, which this build made: left alone if it holds it already and
    is read-only (so its stamp, and the site's links to it, stay), else written."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if regular_bytes(path) != data or writable(os.lstat(path)):
        write_cached(path, data)
    return path


def writable(info: os.stat_result) -> bool:
    """Whether a cache file with this stat may be written (one made before files were
    read-only, or made writable since): the site must not link it."""
    return bool(info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def cached(path: Path, make: Callable[[], str]) -> Path:
    """`path`, written with `make()` (costly) first unless it holds the bytes whose SHA-256 is
    kept beside it (`sealed`)."""
    if not sealed(path):
        seal(path, make())
    return path


def seal(path: Path, content: str | bytes) -> None:
    """Write `content` at `path` and the SHA-256 of its bytes beside it."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    write_cached(path, data)
    write_cached(_seal_path(path), hashlib.sha256(data).hexdigest())


def sealed(path: Path) -> bool:
    """Whether `path` is a read-only regular file whose bytes have the SHA-256 kept beside
    it."""
    data, kept = regular_bytes(path), regular_bytes(_seal_path(path))
    if data is None or writable(os.lstat(path)):
        return False
    return kept == hashlib.sha256(data).hexdigest().encode()


def _seal_path(path: Path) -> Path:
    return path.with_name(path.name + SEAL_SUFFIX)


def write_checked(path: Path, data: bytes) -> None:
    """`data` (JSON the build reads back) at `path`, after the SHA-256 of its bytes."""
    write_cached(path, hashlib.sha256(data).hexdigest().encode() + b"\n" + data)


def read_checked(path: str | Path) -> bytes | None:
    """What `write_checked` wrote at `path`; None when it is missing, not a regular file, or
    its bytes are not those of the SHA-256 before them (damaged, edited, planted)."""
    found = regular_bytes(path)
    if found is None:
        return None
    digest, _, data = found.partition(b"\n")
    return data if hashlib.sha256(data).hexdigest().encode() == digest else None


def regular_bytes(path: str | Path) -> bytes | None:
    """The bytes of the regular file at `path`, never through a symlink; None if there is
    none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None
        return file.read()


def checked_stamp(path: str | Path) -> tuple[str, CacheStamp]:
    """The SHA-256 of the regular file at `path` and its stamp, read together (OSError if it
    is not one)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(path)
        return hashlib.file_digest(file, "sha256").hexdigest(), cache_stamp(info)


def unchanged(path: str, digest: str, kept: CacheStamp | None, info: os.stat_result) -> bool:
    """Whether the cache file at `path` (`info`: its lstat) is read-only and still holds the
    bytes of SHA-256 `digest`: at once when its stamp is still `kept`, the one it had when
    checked (an edit changes its mtime), else by reading it."""
    if not stat.S_ISREG(info.st_mode) or writable(info):
        return False
    if kept is not None and cache_stamp(info) == kept:
        return True
    with contextlib.suppress(OSError):
        return checked_stamp(path)[0] == digest
    return False


def file_copy(source: Path, cache_dir: Path) -> Path:
    """A copy of `source` in `cache_dir`, named by the SHA-256 of its bytes: the site links
    it, so an archived file is never linked into the site (nor written through it)."""
    raw = source.read_bytes()
    return made(cache_dir / FILES / f"{hashlib.sha256(raw).hexdigest()}.txt", raw)


def compact_record(record_path: Path, digest: str, cache_dir: Path) -> Path:
    """The run record as compact JSON (the same data, about half the bytes), cached under
    `digest`, the SHA-256 of the file's bytes.

    The site publishes this copy; the archived file is only read, when the run is listed.
    """
    path = cache_dir / RECORDS / f"{digest}-{RECORD_COPY_FORMAT}.json"
    return made(path, _compact_json(record_path.read_bytes()))


def _compact_json(raw: bytes) -> str:
    text = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":"))
    # json.dumps escapes C0 controls; DEL, C1 and format controls (a bidi override) it writes
    # raw (JSON allows them): escaped here, the same data, shown as escapes in a browser.
    return _RAW_CONTROL.sub(_escaped, text) + "\n"


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)  # JSON writes one above U+FFFF as a pair
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


_RAW_CONTROL = re.compile(f"[\x7f-\x9f{FORMAT_CONTROLS}]")


class BuildCache:
    """What one build keeps: its spec templates, read once, and where they last between builds.

    The plugin makes one in `on_config` and hands it to everything that fills a template; a
    second build in the same process (`mkdocs serve`, tests) gets its own.
    """

    def __init__(self, templates_dir: Path | None = None) -> None:
        self.templates_dir = templates_dir
        """Where spec templates are kept between builds (the plugin's cache), or None: nowhere."""
        self._templates: dict[str, str] = {}
        self._code: str | None = None

    @property
    def code(self) -> str:
        """A key of everything besides a record that makes a run's listing and files: the code
        of `bench.site.listed` and all it imports, and altair's version. Read once a build."""
        if self._code is None:
            from bench.site.codekey import CodeKeys

            code = CodeKeys().digest(["bench.site.listed"])
            digest = hashlib.sha256(f"{version('altair')}\0{code}".encode())
            self._code = digest.hexdigest()[:16]
        return self._code

    def template(self, name: str, made_by: Sequence[str], build: Callable[[], str]) -> str:
        """A spec template as JSON text: `build()` (altair, ~0.4 s with its import), or kept.

        Kept for this build under `name`, and in `templates_dir` under a key of altair's version
        and the source of `made_by`, the modules whose code and constants build it, so a changed
        chart style or a new altair builds it again.
        """
        found = self._templates.get(name)
        if found is None:
            found = self._templates[name] = self._read_or_build(name, made_by, build)
        return found

    def _read_or_build(self, name: str, made_by: Sequence[str], build: Callable[[], str]) -> str:
        if self.templates_dir is None:
            return build()
        digest = hashlib.sha256(version("altair").encode())
        for module in made_by:
            digest.update(Path(module).read_bytes())
        key = digest.hexdigest()[:16]
        path = self.templates_dir / f"{name.replace(' ', '-').lower()}-{key}.json"
        found = read_checked(path)
        if found is not None:
            return found.decode("utf-8")
        text = build()
        write_checked(path, text.encode("utf-8"))
        return text
