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


def cached(path: Path, make: Callable[[], str]) -> Path:
    """`path`, written with `make()` first if it is missing."""
    if not path.exists():
        write_atomic(path, make(), durable=False)
    return path


RECORD_COPY_FORMAT = "v2"  # v2: DEL and C1 controls escaped


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
    # json.dumps escapes C0 controls; DEL and C1 ones it writes raw (JSON allows them).
    return _RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


_RAW_CONTROL = re.compile("[\x7f-\x9f]")


_templates: Path | None = None


def keep_templates_in(folder: Path | None) -> None:
    """Keep spec templates in `folder` between builds (the plugin's cache), or nowhere."""
    global _templates
    _templates = folder


def template(name: str, made_by: Sequence[str], build: Callable[[], str]) -> str:
    """A spec template as JSON text: `build()` (altair, ~0.4 s with its import), or kept.

    Kept under a key of altair's version and the source of `made_by`, the modules whose code
    and constants build it, so a changed chart style or a new altair builds it again.
    """
    if _templates is None:
        return build()
    digest = hashlib.sha256(version("altair").encode())
    for module in made_by:
        digest.update(Path(module).read_bytes())
    key = digest.hexdigest()[:16]
    path = _templates / f"{name.replace(' ', '-').lower()}-{key}.json"
    return cached(path, build).read_text(encoding="utf-8")
