"""Figures over many runs' samples that every build shows, kept between builds.

A benchmark's page is rendered every build (it is in the search), and its leaderboard pools
each model's samples over all its runs: at 10,000 runs its scores' intervals and the paired
comparisons that rank the rows take a second of bootstrap resampling. Each such figure is
kept in the build cache under a key of its inputs, the digests of the records whose samples
it pools, and of the code that makes it (the listings' code, which makes the samples, and
this module's), so a build computes only the figures of the rows whose runs changed.

The file is read through `bench.site.cache.read_checked` and validated by pydantic: a
damaged or edited one is ignored and the figures are computed again. It holds only the
figures the last build used, and is safe to delete. The filters' data files are kept the
same way, in a file of their own (`bench.site.browse.data_files`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import TypeAdapter, ValidationError

from bench.record.models import ModelIdentity
from bench.record.ranking import Versus
from bench.record.stats import Estimate
from bench.site.cache import FIGURES_FORMAT, read_checked, write_checked

T = TypeVar("T")


@dataclass
class _Kept:
    estimates: dict[str, Estimate] = field(default_factory=dict)
    versus: dict[str, Versus] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)  # files made whole, in parts


_KEPT = TypeAdapter(_Kept)


class Figures:
    """The figures kept in `folder` (None: nowhere, each computed when asked), keyed under
    `code`; the run whose report is at `href` is the record of digest `sources[href]`. Kept in
    the file `name`: each owner of figures (the leaderboards, the filters' data) its own, so
    one saves only what it used."""

    def __init__(
        self,
        folder: Path | None,
        code: str,
        sources: Mapping[str, str],
        name: str = "figures",
    ) -> None:
        self.folder = folder
        self.name = name
        self.code = code
        self.sources = sources
        self._kept: _Kept | None = None
        self._used = _Kept()
        self._new = False

    def key(self, *inputs: str) -> str:
        """The key of a figure of these inputs (record digests and what picks their samples)."""
        digest = hashlib.sha256(f"{FIGURES_FORMAT}\0{self.code}".encode())
        for item in inputs:
            digest.update(b"\0" + item.encode())
        return digest.hexdigest()

    def runs_key(self, model: ModelIdentity, host: str, hrefs: Sequence[str]) -> str:
        """The key of a figure over the samples of `model` on `host` in these runs (by their
        reports' hrefs): the records' digests (a model's samples in a record are the
        record's), the model and the host."""
        if self.folder is None:
            return ""
        identity = (model.tag, model.quantization or "", model.digest or "")
        return self.key(*identity, host, *(self.sources[h] for h in hrefs))

    def estimate(self, key: str, make: Callable[[], Estimate]) -> Estimate:
        return self._get(self._read().estimates, self._used.estimates, key, make)

    def versus(self, key: str, make: Callable[[], Versus]) -> Versus:
        return self._get(self._read().versus, self._used.versus, key, make)

    def note(self, key: str, make: Callable[[], str]) -> str:
        return self._get(self._read().notes, self._used.notes, key, make)

    def texts(self, key: str, make: Callable[[], list[str]]) -> list[str]:
        return self._get(self._read().texts, self._used.texts, key, make)

    def _get(self, kept: dict[str, T], used: dict[str, T], key: str, make: Callable[[], T]) -> T:
        if self.folder is None:
            return make()
        found = kept.get(key)
        if found is None:
            found = kept[key] = make()
            self._new = True
        used[key] = found
        return found

    def _read(self) -> _Kept:
        if self._kept is None:
            found = read_checked(self._path) if self.folder is not None else None
            try:
                self._kept = _KEPT.validate_json(found) if found is not None else _Kept()
            except ValidationError:
                self._kept = _Kept()
        return self._kept

    @property
    def _path(self) -> Path:
        assert self.folder is not None
        return self.folder / f"{self.name}-{FIGURES_FORMAT}.json"

    def save(self) -> None:
        """Keep the figures this build used, and only those (none asked: left as it was)."""
        kept, used = self._kept, self._used
        if self.folder is None or kept is None:
            return
        if self._new or any(
            a.keys() != b.keys()
            for a, b in (
                (kept.estimates, used.estimates),
                (kept.versus, used.versus),
                (kept.notes, used.notes),
                (kept.texts, used.texts),
            )
        ):
            write_checked(self._path, _KEPT.dump_json(used))
            self._new = False
