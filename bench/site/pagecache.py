"""Built pages kept between builds, keyed by everything that makes them.

A run page (or a comparison page) is the same HTML as long as its inputs are: the record's
bytes (and the previous run's, for a comparison), the links it carries, and what renders it
— its kind's code and templates (`bench.site.codekey`), the build's own code, the user's
template overrides, the theme and its configuration, the navigation and the site's settings.
The key is the SHA-256 of all of them, so any change renders the page again; nothing else is
compared. The pages live in the plugin's `cache_dir` (outside the docs, the site and the
archive) and are safe to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping
from importlib.metadata import version
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from bench.site.cache import (
    PAGES_FORMAT,
    CacheStamp,
    cache_stamp,
    checked_stamp,
    read_checked,
    writable,
    write_cached,
    write_checked,
)
from bench.site.render import TEMPLATES_DIR

FORMAT = PAGES_FORMAT


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
    *, code: str, theme_dirs: Iterable[str], settings: Mapping[str, object], docs: Iterable[Path]
) -> str:
    """What every cached page depends on besides its own inputs and its kind's code.

    Args:
        code: the digest of the code every page passes through (the build, the plugin).
        theme_dirs: the theme's search path: an installed theme counts by its package's
            version, any other folder (a custom_dir) by its files.
        settings: the site's settings a page shows (name, URL, theme options, nav, extra).
        docs: the hand-written pages, whose titles make the navigation.
    """
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(code.encode())
    for name in ("mkdocs", "mkdocs-material", "jinja2", "markdown"):
        digest.update(f"{name}={version(name)}\0".encode())
    for folder in theme_dirs:
        path = Path(folder).resolve()
        if "site-packages" not in path.parts and TEMPLATES_DIR.resolve() != path:
            digest.update(tree_digest([path]).encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for doc in sorted(docs):
        digest.update(str(doc).encode() + b"\0" + doc.read_bytes() + b"\0")
    return digest.hexdigest()


_INDEX = TypeAdapter(dict[str, tuple[str, tuple[int, int, int]]])


class PageCache:
    """Pages by key in `folder`; `key()` mixes the build's fingerprint with a page's inputs.

    An index (`index.json`, read through `read_checked`) keeps the SHA-256 of each page this
    code wrote and the stamp it had when checked: a page is reused only while it still holds
    those bytes. One edited in place (through a site's hard link to it), damaged or planted is
    rendered again, never published.
    """

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self._kept: dict[str, tuple[str, CacheStamp]] | None = None  # key -> (digest, stamp)
        self._used: set[str] = set()
        self._changed = False

    def key(self, kind: str, *inputs: str) -> str:
        digest = hashlib.sha256(f"{self.fingerprint}\0{kind}".encode())
        for item in inputs:
            digest.update(b"\0" + item.encode())
        return digest.hexdigest()

    def path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], f"{key}.html")  # not a Path: 20,000 a build

    def _index(self) -> dict[str, tuple[str, CacheStamp]]:
        if self._kept is None:
            found = read_checked(self.folder / f"index-{FORMAT}.json")
            try:
                self._kept = _INDEX.validate_json(found) if found is not None else {}
            except ValidationError:
                self._kept = {}
        return self._kept

    def get(self, key: str) -> str | None:
        """The path of the page cached under `key`, if this code wrote it and it still holds
        the bytes it wrote: at once while its stamp is unchanged, else read again."""
        kept = self._index().get(key)
        path = self.path(key)
        if kept is None:
            return None
        try:
            info = os.lstat(path)
        except OSError:
            return None
        if writable(info):  # the site must not link it: written again
            return None
        if stat.S_ISREG(info.st_mode) and cache_stamp(info) == kept[1]:
            self._used.add(key)
            return path
        try:
            digest, now = checked_stamp(path)
        except OSError:
            return None
        if digest != kept[0]:
            return None
        self._index()[key] = (digest, now)
        self._used.add(key)
        self._changed = True
        return path

    def put(self, key: str, html: str) -> None:
        data = html.encode("utf-8")
        path = self.path(key)
        write_cached(Path(path), data)
        self._index()[key] = (hashlib.sha256(data).hexdigest(), cache_stamp(os.lstat(path)))
        self._used.add(key)
        self._changed = True

    def save(self) -> None:
        """Keep the index of the pages this build used or wrote, and only those."""
        kept = self._index()
        if self._changed or kept.keys() != self._used:
            index = {key: kept[key] for key in self._used if key in kept}
            write_checked(self.folder / f"index-{FORMAT}.json", _INDEX.dump_json(index))
            self._changed = False
