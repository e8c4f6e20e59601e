"""Load run records from the archive folder, with errors a user can act on."""

from __future__ import annotations

import functools
import gc
import glob
import hashlib
import json
import os
import stat as stat_module
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from bench.record import strictjson
from bench.record.errors import error_loc, expected_and_found, field_path, root_causes, shorten
from bench.record.files import Stamp, stamp
from bench.record.safety import file_inside, publishable
from bench.record.scan import ArchiveError as ArchiveError
from bench.record.scan import ArchiveScan as ArchiveScan
from bench.record.scan import RecordProblem as RecordProblem
from bench.record.scan import Where
from bench.record.scan import scan_archive as scan_archive
from bench.record.schema import RECORD_FILENAME, SCHEMA_VERSIONS, RunRecord
from bench.record.upgrade import upgrade_v1, v1_loc


@dataclass(frozen=True)
class RecordFacts:
    """What the archive's own checks need of a valid record: its ids and the files it names.

    A caller that has seen a record's bytes before (the site's cache, keyed by their digest)
    hands these back to `load_archive`, which then neither parses nor validates the record
    again: the same bytes are the same valid record."""

    benchmark_id: str
    run_id: str
    candidates: tuple[tuple[str, str], ...]  # (the field naming it, the path), in record order

    @classmethod
    def of(cls, record: RunRecord) -> RecordFacts:
        found = [
            (field_path((*loc, "candidate", "path")), evaluation.candidate.path)
            for loc, evaluation in record.evaluations()
            if evaluation.candidate is not None and evaluation.candidate.path is not None
        ]
        return cls(record.benchmark_id, record.run_id, tuple(found))


@dataclass(frozen=True)
class ArchivedRun:
    """One record file of the archive: its facts at once, the record itself when asked
    (parsed and validated then, ~5 ms, unless the load already did)."""

    path: Path  # the run.json file
    digest: str  # SHA-256 of the file's bytes, as loaded
    facts: RecordFacts

    @functools.cached_property
    def record(self) -> RunRecord:
        return self.read()

    def read(self) -> RunRecord:
        """The record parsed and validated now (~1 ms; ~0.4 ms once its bytes passed the checks
        of the strict parse), not kept: for a caller that holds a few records at a time (a site
        build of 10,000 runs cannot hold them all)."""
        raw = self.path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != self.digest:
            problem = RecordProblem(self.path, "(file)", "the bytes it was loaded with", "a change")
            raise ArchiveError([problem])
        if self.__dict__.get(_PARSED):
            record = _validated_again(raw)
            if record is not None:
                return record
        record, problems = _parse(self.path, raw)
        if record is None:
            raise ArchiveError(problems)
        self.__dict__[_PARSED] = True
        return record

    @property
    def folder(self) -> Path:
        return self.path.parent

    def candidate_paths(self) -> list[str]:
        """Archived candidate files the record names, relative to the run folder."""
        return list(dict.fromkeys(path for _, path in self.facts.candidates))


# Set on an ArchivedRun whose bytes (its digest's) passed every check of `_parse` once: read
# again (a site build reads each record ~3 times), they are only validated into a record.
_PARSED = "_parsed"


def _validated_again(raw: bytes) -> RunRecord | None:
    """The record of bytes that `_parse` accepted before, validated as it validates them; None
    for a version 1 record (upgraded first: `_parse` again)."""
    try:
        with _collector_paused():
            return RunRecord.model_validate_json(raw, strict=True)
    except ValidationError:
        return None


def _archived(path: Path, digest: str, record: RunRecord, keep: bool) -> ArchivedRun:
    run = ArchivedRun(path, digest, RecordFacts.of(record))
    run.__dict__[_PARSED] = True
    if keep:  # read already: kept, as cached_property would keep it
        run.__dict__["record"] = record
    return run


class RunNotFound(Exception):
    """A RUN argument that names no run record."""


def find_run(argument: str, archive: Path) -> Path:
    """The run.json of RUN: a run.json path, a run folder, or a run id (`RUN` or
    `BENCHMARK/RUN`) in `archive`. The one run lookup of `bench compare` and `bench run
    --resume`."""
    path = Path(argument)
    if path.is_file():
        return path
    if (path / RECORD_FILENAME).is_file():
        return path / RECORD_FILENAME
    if path.is_absolute():  # a path that is not there: no run id is absolute
        raise RunNotFound(
            f"{argument}: expected a run.json, a run folder or a run id in {archive}/, "
            "found none of these"
        )
    pattern = f"{glob.escape(argument)}/{RECORD_FILENAME}"
    found = sorted(archive.glob(pattern if "/" in argument else f"*/{pattern}"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise RunNotFound(
            f"{argument}: expected a run.json, a run folder or a run id in {archive}/, "
            "found none of these"
        )
    where = ", ".join(str(p.parent) for p in found)
    raise RunNotFound(
        f"{argument}: expected one run with this id in {archive}/, found {len(found)} "
        f"({where}); name it as BENCHMARK/RUN"
    )


def load_record(path: Path) -> RunRecord:
    run, problems = _load(path, None)
    if run is None:
        raise ArchiveError(problems)
    return run.record


class Known(Protocol):
    """What a caller remembers of records it has seen (the site: its cache)."""

    def facts(self, digest: str) -> RecordFacts | None:
        """The facts of the valid record whose bytes have this SHA-256, if seen."""

    def digest(self, path: str, stamp: Stamp) -> str | None:
        """The SHA-256 of the file's bytes when it last had this stamp, if seen."""

    def read(self, path: str, stamp: Stamp, digest: str) -> None:
        """The file, with this stamp, was read and has these bytes' digest."""


def load_archive(
    root: Path, known: Known | None = None, scan: ArchiveScan | None = None
) -> list[ArchivedRun]:
    """Load every record below `root`; raise one ArchiveError naming every bad file.

    `known`: what was seen of records before. A file whose stamp (size, mtime, inode and
    ctime, as git's index keeps) is unchanged is not read again; a record whose bytes' digest
    it knows is not parsed or validated again (its `record` is read, and its digest checked,
    when asked). Every other record is read and validated, so a changed or bad record is always
    found; with `known` it is not kept either (a caller that remembers records reads each again
    when it needs it: 10,000 records held at once take ~800 MB). The archive's checks (ids,
    locations, the files a record names) run on every record.
    """
    if not root.exists():
        raise ArchiveError([RecordProblem(root, "(archive)", "an archive folder", "nothing")])
    runs: list[ArchivedRun] = []
    wheres: list[Where] = []
    scanned = scan if scan is not None else scan_archive(root)
    found, problems = scanned.found, list(scanned.problems)
    for path, where, info in found:
        run, bad = _load(Path(path), known, info)
        problems += bad
        if run is not None:
            runs.append(run)
            wheres.append(where)
    problems += _duplicate_ids(runs)
    problems += _bad_candidates(runs)
    problems += _misplaced(runs, wheres)
    if problems:
        raise ArchiveError(problems)
    return runs


def _load(
    path: Path, known: Known | None, info: os.stat_result | None = None
) -> tuple[ArchivedRun | None, list[RecordProblem]]:
    """The record at `path`; `info`: its lstat, if the scan made it (a regular file of its own,
    in the folder the scan found it in, needs no other check)."""
    if info is None or not stat_module.S_ISREG(info.st_mode) or info.st_nlink != 1:
        unsafe = _not_a_record_file(path)
        if unsafe is not None:
            return None, [unsafe]
        info = None
    try:
        stamped = stamp(info if info is not None else os.stat(path))
        digest = known.digest(str(path), stamped) if known is not None else None
        facts = known.facts(digest) if known is not None and digest is not None else None
        if facts is not None and digest is not None:
            return ArchivedRun(path, digest, facts), []
        raw = path.read_bytes()
    except OSError as error:
        return None, [RecordProblem(path, "(file)", "a readable UTF-8 JSON file", str(error))]
    digest = hashlib.sha256(raw).hexdigest()
    if known is not None:
        known.read(str(path), stamped, digest)
        facts = known.facts(digest)
        if facts is not None:
            return ArchivedRun(path, digest, facts), []
    record, problems = _parse(path, raw)
    if record is None:
        return None, problems
    return _archived(path, digest, record, keep=known is None), []


def _parse(path: Path, raw: bytes) -> tuple[RunRecord | None, list[RecordProblem]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [RecordProblem(path, "(file)", "a readable UTF-8 JSON file", str(error))]
    try:
        return _validate(path, text)
    except RecursionError:  # strictjson bounds the nesting first: this is a last resort
        expected = f"arrays and objects nested at most {strictjson.MAX_DEPTH} deep"
        return None, [RecordProblem(path, "(document)", expected, "deeper")]


def _validate(path: Path, text: str) -> tuple[RunRecord | None, list[RecordProblem]]:
    data, unreadable = strictjson.load(text)
    if unreadable:
        return None, [RecordProblem(path, p.field, p.expected, p.found) for p in unreadable]
    if not isinstance(data, dict):
        return None, [RecordProblem(path, "(document)", "a JSON object", type(data).__name__)]
    version = data.get("schema_version")
    if version not in SCHEMA_VERSIONS or isinstance(version, bool):
        readable = " or ".join(map(str, SCHEMA_VERSIONS))
        return None, [RecordProblem(path, "schema_version", readable, _found(version))]
    if version == 1:
        if "tasks" in data:
            expected = "no such field in a version 1 record (its one task is task_id)"
            return None, [RecordProblem(path, "tasks", expected, "tasks")]
        text = json.dumps(upgrade_v1(data))  # strict validation reads the upgraded text
    try:
        with _collector_paused():
            # Strict, from the text: a number is a JSON number, a string a JSON string, as the
            # exported JSON Schema says; JSON mode still reads dates from ISO strings.
            return RunRecord.model_validate_json(text, strict=True), []
    except ValidationError as error:
        errors = root_causes(error.errors(include_url=False))
        return None, [_problem(path, e, v1=version == 1) for e in errors]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """pydantic makes an object per entry of a record, and none of them is garbage yet; the
    cycle collector would scan them all again and again (3x the validation time at 100,000
    checks, and growing faster than the record)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _problem(path: Path, error: Any, *, v1: bool = False) -> RecordProblem:
    """The problem, at the field the file holds (a version 1 file's own fields)."""
    expected, found = expected_and_found(error, _found)
    loc = error_loc(error)
    return RecordProblem(path, field_path(v1_loc(loc) if v1 else loc), expected, found)


def _found(value: object) -> str:
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    return shorten(json.dumps(value, default=str))


def _duplicate_ids(runs: list[ArchivedRun]) -> list[RecordProblem]:
    seen: dict[tuple[str, str], Path] = {}
    problems = []
    for run in runs:
        key = (run.facts.benchmark_id, run.facts.run_id)
        if key in seen:
            problems.append(
                RecordProblem(
                    run.path,
                    "run_id",
                    "a run id unique in its benchmark",
                    f"{run.facts.run_id!r}, also used by {seen[key]}",
                )
            )
        else:
            seen[key] = run.path
    return problems


def _misplaced(runs: list[ArchivedRun], wheres: list[Where]) -> list[RecordProblem]:
    """A record must live at <archive>/<benchmark>/<run id>/run.json so links stay stable
    (`wheres`: each run's path below the archive folder; none when the archive is the file)."""
    problems = []
    for run, actual in zip(runs, wheres, strict=True):
        if not actual:
            continue
        expected = (run.facts.benchmark_id, run.facts.run_id, RECORD_FILENAME)
        if len(actual) > len(expected) or expected[-len(actual) :] != actual:
            problems.append(
                RecordProblem(
                    run.path, "(location)", f"<archive>/{'/'.join(expected)}", "/".join(actual)
                )
            )
    return problems


def _not_a_record_file(path: Path) -> RecordProblem | None:
    """A record must be a regular file of its run folder: a symlink may not lead out of it,
    a hard link may not share it with a file elsewhere, and a FIFO or a folder named run.json
    is not read."""
    why = file_inside(path.parent, path.name)
    if why is None:
        return None
    if "hard links" in why:
        return RecordProblem(path, "(file)", "a file of its own", why.removeprefix("which has "))
    if path.is_symlink():
        return RecordProblem(path, "(file)", "a file inside its run folder", f"a symlink, {why}")
    return RecordProblem(path, "(file)", "a regular file", why.removeprefix("which is "))


def _bad_candidates(runs: list[ArchivedRun]) -> list[RecordProblem]:
    return [
        RecordProblem(run.path, field, "a file in the run folder", f"{path!r}, {why}")
        for run in runs
        for field, path in run.facts.candidates
        if (why := file_inside(run.folder, path) or publishable(path)) is not None
    ]
