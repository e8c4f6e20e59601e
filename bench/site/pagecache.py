"""Built pages kept between builds, keyed by everything that makes them.

A run page (or a comparison page) is the same HTML as long as its inputs are: the record's
bytes (and the previous run's, for a comparison), the links it carries, and what renders it
— this package's code and templates, the user's template overrides, the theme and its
configuration, the navigation and the site's settings. The key is the SHA-256 of all of them,
so any change renders the page again; nothing else is compared. The pages live in the plugin's
`cache_dir` (outside the docs, the site and the archive) and are safe to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from importlib.metadata import version
from pathlib import Path

from bench.record.files import write_atomic

PACKAGE = Path(__file__).resolve().parents[1]  # bench/
FORMAT = "v1"


def tree_digest(folders: Iterable[Path]) -> str:
    """SHA-256 of every file's path and bytes under `folders`, in a stable order."""
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_fingerprint(
    *, theme_dirs: Iterable[str], settings: Mapping[str, object], docs: Iterable[Path]
) -> str:
    """What every cached page depends on besides its own inputs.

    Args:
        theme_dirs: the theme's search path: an installed theme counts by its package's
            version, any other folder (a custom_dir) by its files.
        settings: the site's settings a page shows (name, URL, theme options, nav, extra).
        docs: the hand-written pages, whose titles make the navigation.
    """
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(tree_digest([PACKAGE]).encode())
    for name in ("mkdocs", "mkdocs-material", "jinja2", "markdown"):
        digest.update(f"{name}={version(name)}\0".encode())
    for folder in theme_dirs:
        path = Path(folder).resolve()
        if "site-packages" not in path.parts and PACKAGE not in path.parents:
            digest.update(tree_digest([path]).encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for doc in sorted(docs):
        digest.update(str(doc).encode() + b"\0" + doc.read_bytes() + b"\0")
    return digest.hexdigest()


class PageCache:
    """Pages by key in `folder`; `key()` mixes the build's fingerprint with a page's inputs."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint

    def key(self, kind: str, *inputs: str) -> str:
        digest = hashlib.sha256(f"{self.fingerprint}\0{kind}".encode())
        for item in inputs:
            digest.update(b"\0" + item.encode())
        return digest.hexdigest()

    def path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], f"{key}.html")  # not a Path: 20,000 a build

    def get(self, key: str) -> str | None:
        path = self.path(key)
        return path if os.path.isfile(path) else None

    def put(self, key: str, html: str) -> None:
        write_atomic(Path(self.path(key)), html, durable=False)
