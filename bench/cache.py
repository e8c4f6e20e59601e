"""The build cache: files keyed by their content's hash, written whole or not at all.

It lives in the plugin's `cache_dir`, outside the docs, the site and the archive; deleting it
only makes the next build draw and write everything again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path


def cached(path: Path, make: Callable[[], str]) -> Path:
    """`path`, written with `make()` first if it is missing."""
    if not path.exists():
        write_atomic(path, make())
    return path


def write_atomic(path: Path, text: str) -> None:
    # No fsync: a cache file lost in a crash is drawn again; a cold build writes thousands.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def compact_record(record_path: Path, cache_dir: Path) -> Path:
    """The run record as compact JSON (the same data, about half the bytes), cached by content.

    The site publishes this copy; the archived file is only read.
    """
    raw = record_path.read_bytes()
    key = hashlib.sha256(raw).hexdigest()
    return cached(
        cache_dir / "records" / f"{key}.json",
        lambda: json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")) + "\n",
    )
