"""What the pages that list runs need of each run, kept between builds.

A site of 10,000 runs lists every run (home, benchmark and month pages, leaderboards, model
pages, trends, the filters' data) but a build after one run was added shows one new run. So
each run's listing (its index entry, its models' rows, the files its page links, the facts the
archive's checks need) is made once from its analysis and kept in the build cache under the
SHA-256 of the record's bytes and of the code that made it. A build reads it back (~0.1 ms)
instead of validating and analysing the record (~5 ms). The same goes for its trend figures
(kept apart: only a benchmark's newest runs are drawn), for the marks of a run against the one
before it on its host, under both records' digests, and for the digest of each record file
under its stamp.

The cache is JSON read through pydantic, each file after the SHA-256 of its bytes
(`bench.site.cache.read_checked`): a damaged, edited or foreign file is made again, never run.
A listing read back is checked against what this code would list for its run (`_sound`), and
its files when they are read (`ListedRun.files`, `_site_files`): they are the record's copy,
its candidates' text files and its charts, each a file of its kind in the cache's folders and
each published inside the run's folder; a listing that is not is made again. A run's files are
kept as lines of text, each a path in the run's folder and one in the cache (so no other place
can be written), checked in one match when first read: a build that moves an unchanged run's
folder back whole (`bench.site.publish`) never reads them. It holds figures, not HTML, and is
safe to delete.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pydantic import TypeAdapter, ValidationError

from bench.record.archive import RecordFacts
from bench.record.files import Stamp
from bench.record.history import Mark
from bench.record.models import ModelIdentity
from bench.record.safety import as_text_file, is_plain_relative_path
from bench.record.schema import RECORD_FILENAME
from bench.site.cache import CHARTS, FILES, LISTED_FORMAT, RECORDS, read_checked, write_checked
from bench.site.cache import RECORD_COPY_FORMAT as COPY
from bench.site.index import IndexEntry
from bench.site.leaderboard import ModelRun, model_entries
from bench.site.report import REPORT_NAME
from bench.site.runsite import RunSite, SiteFile, stamps
from bench.site.trends import BenchmarkTrends, TrendRun

T = TypeVar("T")


class UnsoundListing(Exception):
    """A kept listing whose files are not what this code would list for its run (`_site_files`):
    the message names its folder. Whoever publishes the run makes its listing again."""


@dataclass(frozen=True)
class ListedRun:
    """One run as every listing page takes it."""

    digest: str  # of the record's bytes
    facts: RecordFacts
    entry: IndexEntry  # without marks: they depend on the run before
    models: tuple[tuple[ModelIdentity, ModelRun], ...]
    lines: str  # its files as kept (`_file_lines`): read only when they are published
    stamps: tuple[tuple[str, Stamp], ...]  # the archived candidates its copies were made from
    tasks: tuple[tuple[str, tuple[str, ...]], ...]  # a suite's tasks and their candidates
    cache_dir: str  # the cache whose files `lines` names

    @property
    def folder(self) -> str:
        return f"{self.facts.benchmark_id}/{self.facts.run_id}"

    @property
    def title(self) -> str:
        return f"{self.entry.title} · {self.entry.run_id}"

    @cached_property
    def files(self) -> tuple[SiteFile, ...]:
        """What the run's page links, all in the cache; read from `lines` when first asked
        (a build that moves an unchanged run's folder back whole never asks), and checked as
        they are read: UnsoundListing if they are not the run's."""
        found = _site_files(self, self.lines, self.cache_dir)
        if found is None:
            raise UnsoundListing(f"{self.folder}: its kept listing names other files")
        return found


def listed_run(site: RunSite, cache_dir: Path) -> ListedRun:
    """The listing of a run, from its analysis (charts drawn into `cache_dir` if missing)."""
    run = ListedRun(
        digest=site.archived.digest,
        facts=site.archived.facts,
        entry=site.index_entry(),
        models=model_entries(site.own),
        lines="",
        stamps=stamps(site.archived.folder, site.archived.candidate_paths()),
        tasks=site.task_candidates(),
        cache_dir=str(cache_dir),
    )
    return with_files(run, tuple(site.files(cache_dir)))


@dataclass(frozen=True)
class _KeptRun:
    """A listing as its shard keeps it: its files as lines of text (`_file_lines`), which read
    back ~10x quicker than as many objects and are checked in one match."""

    digest: str
    facts: RecordFacts
    entry: IndexEntry
    models: tuple[tuple[ModelIdentity, ModelRun], ...]
    files: str
    stamps: tuple[tuple[str, Stamp], ...]
    tasks: tuple[tuple[str, tuple[str, ...]], ...]


_SHARD = TypeAdapter(dict[str, _KeptRun])
_MARKS = TypeAdapter(dict[str, tuple[Mark, ...]])
_TREND = TypeAdapter(TrendRun)
_TRENDS = TypeAdapter(dict[str, BenchmarkTrends])
_STAMPS = TypeAdapter(dict[str, tuple[tuple[int, int, int, int], str]])
_NAMED = TypeAdapter(dict[str, str])  # files as `_file_lines`


class Listings:
    """Listed runs and pair marks in `folder`, under `code`: a digest of everything besides the
    records that makes them (this package, altair, where the cache and the archive are)."""

    def __init__(self, folder: Path, code: str) -> None:
        self.folder = str(folder)
        self.code = hashlib.sha256(f"{LISTED_FORMAT}\0{code}".encode()).hexdigest()[:16]
        self._shards: dict[str, dict[str, ListedRun]] | None = None  # by digest[:2], digest
        self._changed: set[str] = set()  # shards to write
        self._asked: set[str] = set()  # digests asked for this build
        self._marks: dict[str, tuple[Mark, ...]] | None = None  # read once, by pair
        self._new_marks = False
        self._used: set[str] = set()
        self._stamps: dict[str, tuple[Stamp, str]] | None = None  # path -> (stamp, digest)
        self._stamped: set[str] = set()
        self._new_stamps = False
        self._named: dict[str, str] | None = None  # files as lines, by digest and names
        self._named_used: set[str] = set()
        self._new_named = False
        self._trends: dict[str, BenchmarkTrends] | None = None  # by `trends_key`
        self._trends_used: set[str] = set()
        self._new_trends = False

    @property
    def cache_dir(self) -> str:
        """The cache whose other folders hold the files a listing names (`folder` is in it)."""
        return os.path.dirname(self.folder)

    def _path(self, kind: str, key: str) -> str:
        # Text, not a Path: a build asks for 10,000 of them, and pathlib's joins cost 10x.
        return os.path.join(self.folder, kind, key[:2], f"{key}-{self.code}.json")

    def get(self, digest: str) -> ListedRun | None:
        """The run listed under this record digest, if a build made it before."""
        self._asked.add(digest)
        return self._runs().get(digest[:2], {}).get(digest)

    def _runs(self) -> dict[str, dict[str, ListedRun]]:
        """Every kept listing, read at once: 256 files by the digests' first two digits (one
        a run would be 10,000 files to open)."""
        if self._shards is None:
            folder = os.path.join(self.folder, f"runs-{self.code}")
            names = os.listdir(folder) if os.path.isdir(folder) else []
            self._shards = {
                name.removesuffix(".json"): self._sound_runs(
                    _load(os.path.join(folder, name), _SHARD.validate_json) or {}
                )
                for name in names
                if name.endswith(".json")
            }
        return self._shards

    def _sound_runs(self, runs: dict[str, _KeptRun]) -> dict[str, ListedRun]:
        """The listings of a shard that are sound (`_sound`); the others are made again."""
        found = {}
        for digest, kept in runs.items():
            run = _listed(kept, self.cache_dir)
            if kept.digest == digest and _sound(run):
                found[digest] = run
        return found

    def facts(self, digest: str) -> RecordFacts | None:
        listed = self.get(digest)
        return listed.facts if listed is not None else None

    def digest(self, path: str, stamp: Stamp) -> str | None:
        """The digest of the record file read last with this stamp (`load_archive`)."""
        if self._stamps is None:
            found = _load(os.path.join(self.folder, "stamps.json"), _STAMPS.validate_json)
            self._stamps = found or {}
        self._stamped.add(path)
        kept = self._stamps.get(path)
        return kept[1] if kept is not None and kept[0] == stamp else None

    def read(self, path: str, stamp: Stamp, digest: str) -> None:
        if self._stamps is None:
            self._stamps = {}
        self._stamps[path] = (stamp, digest)
        self._stamped.add(path)
        self._new_stamps = True

    def listed(self, site: RunSite, cache_dir: Path) -> ListedRun:
        """The run's listing: kept, or made from its analysis and kept. Whoever publishes its
        files calls `remake` if one of them is gone from the cache."""
        found = self.get(site.archived.digest)
        if (
            found is None
            or stamps(site.archived.folder, (s[0] for s in found.stamps)) != found.stamps
        ):
            return self.remake(site, cache_dir)
        return found

    def remake(self, site: RunSite, cache_dir: Path) -> ListedRun:
        """The run's listing made from its analysis (its charts drawn again where missing)."""
        return self.keep(listed_run(site, cache_dir))

    def keep(self, run: ListedRun) -> ListedRun:
        """Keep `run` as its record's listing (made again, or its files' stamps renewed)."""
        self._runs().setdefault(run.digest[:2], {})[run.digest] = run
        self._asked.add(run.digest)
        self._changed.add(run.digest[:2])
        return run

    def trend(self, site: RunSite) -> TrendRun:
        """The run's figures for the trends: kept apart from its listing, as only the newest
        runs of a benchmark are drawn."""
        path = self._path("trends", site.archived.digest)
        found = _load(path, _TREND.validate_json)
        if found is None:
            found = TrendRun.of(site.own)
            write_checked(Path(path), _TREND.dump_json(found))
        return found

    def trends(self, key: str, make: Callable[[], BenchmarkTrends]) -> BenchmarkTrends:
        """A benchmark's trends (their charts' specs), kept under `key` (`trends_key`: of the
        records they show, the site's names and what it counts): kept, or `make()`d and kept
        (all benchmarks in one file, written by `save`)."""
        kept = self._kept_trends()
        self._trends_used.add(key)
        found = kept.get(key)
        if found is None:
            kept[key] = found = make()
            self._new_trends = True
        return found

    def has_trends(self, key: str) -> bool:
        """Whether trends are kept under `key`: `trends` then makes none."""
        return key in self._kept_trends()

    def _kept_trends(self) -> dict[str, BenchmarkTrends]:
        if self._trends is None:
            path = os.path.join(self.folder, f"trends-{self.code}.json")
            self._trends = _load(path, _TRENDS.validate_json) or {}
        return self._trends

    def marks(
        self, before: str, after: str, compute: Callable[[], tuple[Mark, ...]]
    ) -> tuple[Mark, ...]:
        """The marks of the run with record digest `after` against `before`: kept, or
        `compute()`d and kept (all pairs in one file, written by `save`)."""
        if self._marks is None:
            path = os.path.join(self.folder, f"marks-{self.code}.json")
            self._marks = _load(path, _MARKS.validate_json) or {}
        key = f"{before}-{after}"
        self._used.add(key)
        found = self._marks.get(key)
        if found is None:
            self._marks[key] = found = compute()
            self._new_marks = True
        return found

    def named(
        self, run: ListedRun, site: RunSite, cache_dir: Path, fresh: bool = False
    ) -> ListedRun:
        """`run` with the files `site` (its run in the site's names of its models) publishes:
        its charts name the models so. Kept under the record's digest and the names, checked
        like a listing's (`ListedRun.files`) when published; made now if not kept, or `fresh`."""
        if self._named is None:
            path = os.path.join(self.folder, f"named-{self.code}.json")
            self._named = _load(path, _NAMED.validate_json) or {}
        key = hashlib.sha256(f"{run.digest}\0{site.names!r}".encode()).hexdigest()
        self._named_used.add(key)
        lines = None if fresh else self._named.get(key)
        if lines is not None:
            return _with_lines(run, lines)
        named = with_files(run, tuple(site.files(cache_dir)))
        self._named[key] = named.lines
        self._new_named = True
        return named

    def again(self) -> Listings:
        """These listings for the next build in the same process (`mkdocs serve`): what this
        build kept (`save`) is held, not read again (~1 s at 10,000 runs); what the next build
        asks for is counted anew. Each was checked when read; the files each names are checked
        again whenever they are published."""
        self._asked, self._used, self._stamped = set(), set(), set()
        self._named_used, self._trends_used = set(), set()
        return self

    def save(self) -> None:
        """Keep the listings, the record stamps and the marks of the pairs this build asked
        for, and only those."""
        for shard, runs in (self._shards or {}).items():
            unasked = runs.keys() - self._asked
            for digest in unasked:
                del runs[digest]
            if unasked or shard in self._changed:
                path = Path(self.folder, f"runs-{self.code}", f"{shard}.json")
                shard_runs = {digest: _kept(run) for digest, run in runs.items()}
                write_checked(path, _SHARD.dump_json(shard_runs))
        self._changed.clear()
        if self._stamps is not None and (self._new_stamps or self._stamped != self._stamps.keys()):
            self._stamps = stamps = {path: self._stamps[path] for path in self._stamped}
            where = Path(self.folder, "stamps.json")
            write_checked(where, _STAMPS.dump_json(stamps))
            self._new_stamps = False
        if self._marks is not None and (self._new_marks or self._used != self._marks.keys()):
            self._marks = kept = {key: self._marks[key] for key in self._used}
            path = Path(self.folder, f"marks-{self.code}.json")
            write_checked(path, _MARKS.dump_json(kept))
            self._new_marks = False
        if self._trends is not None and (
            self._new_trends or self._trends_used != self._trends.keys()
        ):
            self._trends = trends = {key: self._trends[key] for key in self._trends_used}
            path = Path(self.folder, f"trends-{self.code}.json")
            write_checked(path, _TRENDS.dump_json(trends))
            self._new_trends = False
        if self._named is not None and (self._new_named or self._named_used != self._named.keys()):
            self._named = named = {key: self._named[key] for key in self._named_used}
            path = Path(self.folder, f"named-{self.code}.json")
            write_checked(path, _NAMED.dump_json(named))
            self._new_named = False


def _load(path: str, read: Callable[[bytes], T]) -> T | None:
    """The data at `path`, if it is what `write_checked` wrote and `read` accepts it."""
    found = read_checked(path)
    if found is None:
        return None
    try:
        return read(found)
    except (ValidationError, ValueError):
        return None


def _kept(run: ListedRun) -> _KeptRun:
    return _KeptRun(run.digest, run.facts, run.entry, run.models, run.lines, run.stamps, run.tasks)


def _listed(kept: _KeptRun, cache_dir: str) -> ListedRun:
    """The listing `kept`; its files are checked when read (`ListedRun.files`)."""
    return ListedRun(
        kept.digest, kept.facts, kept.entry, kept.models, kept.files, kept.stamps, kept.tasks,
        cache_dir,
    )  # fmt: skip


def _file_lines(run: ListedRun, files: tuple[SiteFile, ...]) -> str:
    """The run's files, a line each: its path in the run's folder, its source in the cache,
    the SHA-256 of its bytes and its stamp, tab-separated (`_site_files` reads them back)."""
    cut, top = len(run.folder) + 1, len(run.cache_dir) + 1
    return "\n".join(
        f"{f.site_path[cut:]}\t{f.source[top:]}\t{f.digest}\t{' '.join(map(str, f.stamp or ()))}"
        for f in files
    )


_HEX = "[0-9a-f]{64}"
_SOURCE = (
    rf"(?:{RECORDS}/{_HEX}-{COPY}\.json|{FILES}/{_HEX}\.txt|{CHARTS}/{_HEX}\.(?:svg|vl\.json))"
)
# Possessive (`++`, `*+`): nothing here needs to backtrack, and not keeping the places to go
# back to halves the match's time.
_FILE_LINE = rf"[^\t\n]++\t{_SOURCE}\t{_HEX}\t-?[0-9]++ -?[0-9]++ [0-9]++"
_FILE_LINES = re.compile(f"{_FILE_LINE}(?:\n{_FILE_LINE})*+")
_CHART = r"charts/[A-Za-z0-9_-]++\.(?:svg|vl\.json)"  # a chart's name in its run's folder
_CHARTS = re.compile(f"{_CHART}(?:\n{_CHART})*+")


def _site_files(run: ListedRun, lines: str, cache_dir: str) -> tuple[SiteFile, ...] | None:
    """The files `lines` list (`_file_lines`), if they are the run's record's copy (of this
    record), its candidates' text files and its charts, each once, from a file of its kind
    in the cache, with its digest and stamp; None if not. Checked in one match over the lines
    and a few set operations: a build reads 100,000 files' lines."""
    if _FILE_LINES.fullmatch(lines) is None:
        return None
    inside, top = f"{run.folder}/", f"{cache_dir}/"
    sources: dict[str, str] = {}
    files = []
    for line in lines.split("\n"):
        where, source, digest, stamp = line.split("\t")
        size, mtime, inode = stamp.split(" ")
        sources[where] = source
        stamp_of = (int(size), int(mtime), int(inode))
        files.append(SiteFile.listed(inside + where, top + source, digest, stamp_of))
    wanted = {RECORD_FILENAME, *(as_text_file(path) for path in _candidates(run))}
    charts = "\n".join(sources.keys() - wanted)
    if (
        len(sources) != len(files)
        or not wanted <= sources.keys()
        or (charts and _CHARTS.fullmatch(charts) is None)
        or sources[RECORD_FILENAME] != f"{RECORDS}/{run.digest}-{COPY}.json"
    ):
        return None
    return tuple(files)


def _sound(run: ListedRun) -> bool:
    """Whether a listing read back names only what this code would list for its run: ids
    that are plain names, candidates inside the run folder, its files (checked as they are
    read: `_site_files`) and tasks. A listing that does not is made again, never published:
    the cache is input, like a record."""
    candidates = _candidates(run)
    entry = run.entry
    return (
        _plain_name(run.facts.benchmark_id)
        and _plain_name(run.facts.run_id)
        and all(is_plain_relative_path(path) for path in candidates)
        and (entry.benchmark_id, entry.run_id) == (run.facts.benchmark_id, run.facts.run_id)
        and entry.href == f"{run.folder}/{REPORT_NAME}"
        and {path for path, _ in run.stamps} == candidates
        and all(_plain_name(task) and set(paths) <= candidates for task, paths in run.tasks)
    )


def _candidates(run: ListedRun) -> set[str]:
    return {path for _, path in run.facts.candidates}


def with_files(run: ListedRun, files: tuple[SiteFile, ...]) -> ListedRun:
    """`run` with other files, known to be its own (made by this code, or checked)."""
    found = _with_lines(run, _file_lines(run, files))
    found.__dict__["files"] = files  # what `ListedRun.files` would read back from the lines
    return found


def _with_lines(run: ListedRun, lines: str) -> ListedRun:
    """`run` with other files, as lines (not `dataclasses.replace`: 10x its cost, for 10,000
    runs)."""
    return ListedRun(
        run.digest, run.facts, run.entry, run.models, lines, run.stamps, run.tasks, run.cache_dir
    )


def _plain_name(name: str) -> bool:
    return is_plain_relative_path(name) and "/" not in name
