"""The build cache: files keyed by their content's hash, written whole or not at all.

It lives in the plugin's `cache_dir`, outside the docs, the site and the archive; deleting it
only makes the next build draw and write everything again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

from bench.record.files import write_atomic
from bench.record.safety import FORMAT_CONTROLS


def cached(path: Path, make: Callable[[], str]) -> Path:
    """`path`, written with `make()` first if it is missing."""
    if not path.exists():
        write_atomic(path, make(), durable=False)
    return path


def file_copy(source: Path, cache_dir: Path) -> Path:
    """A copy of `source` in `cache_dir`, named by the SHA-256 of its bytes: the site links
    it, so an archived file is never linked into the site (nor written through it)."""
    raw = source.read_bytes()
    path = cache_dir / "files" / f"{hashlib.sha256(raw).hexdigest()}.txt"
    if not path.exists():
        write_atomic(path, raw, durable=False)
    return path


RECORD_COPY_FORMAT = "v3"  # v2: DEL and C1 controls escaped; v3: format controls too


def compact_record(record_path: Path, digest: str, cache_dir: Path) -> Path:
    """The run record as compact JSON (the same data, about half the bytes), cached under
    `digest`, the SHA-256 of the file's bytes.

    The site publishes this copy; the archived file is only read, and only when not cached.
    """
    return cached(
        cache_dir / "records" / f"{digest}-{RECORD_COPY_FORMAT}.json",
        lambda: _compact_json(record_path.read_bytes()),
    )


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
        """A key of everything besides a record that makes a run's files: this package's code
        and altair's version. Read once a build."""
        if self._code is None:
            from bench.site.pagecache import PACKAGE, tree_digest

            digest = hashlib.sha256(f"{version('altair')}\0{tree_digest([PACKAGE])}".encode())
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
        return cached(path, build).read_text(encoding="utf-8")
