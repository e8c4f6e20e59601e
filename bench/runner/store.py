"""A run's folder in the archive: the record, rewritten atomically after every call, and resume.

    <archive>/<benchmark>/<run id>/run.json         the record (status "partial" until the end)
    <archive>/<benchmark>/<run id>/config.yaml      the configuration the run started with
    <archive>/<benchmark>/<run id>/candidates/<slot>/<candidate name>   what a call produced
    <archive>/<benchmark>/<run id>/candidates/<slot>/reply.md           the model's whole reply

The record on disk is always a valid `RunRecord`: an interrupted run (Ctrl-C, crash, kill)
leaves the calls finished so far, which is all `--resume` needs to go on. Samples are keyed by
the task and repeat they name. A run only ever writes inside its own
folder, which it creates exclusively.
"""

from __future__ import annotations

import datetime as dt
import errno
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench.record.archive import ArchiveError, load_record
from bench.record.files import write_atomic
from bench.record.schema import (
    RECORD_FILENAME,
    CascadeResult,
    CascadeSample,
    DirectResult,
    LoadAverage,
    ModelInfo,
    RunRecord,
    RunStatus,
    Sample,
    Warmup,
)

CONFIG_FILENAME = "config.yaml"
CANDIDATES_DIR = "candidates"
REPLY_FILENAME = "reply.md"
Pair = tuple[str, str]
Slot = tuple[str, int]  # (task, repeat)


class ResumeError(Exception):
    """A run that cannot be resumed, and why."""


class StoreError(Exception):
    """The archive cannot be written: which path, why, and what to do. What was written
    before stays as it was."""


def unwritable(path: Path, error: OSError) -> StoreError:
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        advice = f"free space on the disk that holds {path.parent}"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = f"make {path.parent} writable, or choose another folder with --archive"
    else:
        advice = f"check {path.parent}"
    return StoreError(f"{path}: cannot write to the archive ({reason}); {advice}")


def store_file(path: Path, text: str) -> None:
    """`write_atomic`, with the archive's faults said as a StoreError.

    Raises:
        StoreError: the folder is read-only, full or missing; the old file is untouched.
    """
    try:
        write_atomic(path, text)
    except OSError as error:
        raise unwritable(path, error) from None


def utc_now() -> dt.datetime:
    """Now, in UTC, to the second (the precision of a run id)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def run_id_base(benchmark_id: str, started_at: dt.datetime) -> str:
    return f"{benchmark_id}-{started_at.astimezone(dt.UTC):%Y-%m-%d_%H-%M-%S}"


def create_run_dir(archive: Path, benchmark_id: str, started_at: dt.datetime) -> Path:
    """A new, empty run folder; `-2`, `-3`, ... is added to the run id when it is taken."""
    parent = archive / benchmark_id
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise unwritable(parent / "_", error) from None
    base = run_id_base(benchmark_id, started_at)
    for number in itertools.count(1):
        run_dir = parent / (base if number == 1 else f"{base}-{number}")
        try:
            run_dir.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise unwritable(run_dir, error) from None
        return run_dir
    raise AssertionError("unreachable")


def previous_record(run_dir: Path, config_text: str) -> RunRecord | None:
    """The newest other run of this benchmark that started from the same config text, or None
    when there is none (its call walls are the first ETA's guess)."""
    others = sorted((p for p in run_dir.parent.iterdir() if p != run_dir), reverse=True)
    for other in others:
        try:
            if (other / CONFIG_FILENAME).read_text(encoding="utf-8") != config_text:
                continue  # read a record only for a run of the same config
            record = load_record(other / RECORD_FILENAME)
        except (OSError, ValueError, ArchiveError):
            continue
        if any(g.error is None for g in record.generations()):
            return record
    return None


def write_candidate(run_dir: Path, slot: str, name: str, source: str, reply: str) -> str:
    """Archive a call's candidate and whole reply; the candidate's path relative to the run."""
    folder = run_dir / CANDIDATES_DIR / slot
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise unwritable(folder, error) from None
    store_file(folder / REPLY_FILENAME, reply)
    store_file(folder / name, source)
    return f"{CANDIDATES_DIR}/{slot}/{name}"


@dataclass
class RunState:
    """What a run has measured so far; `record()` turns it into a valid RunRecord."""

    run_dir: Path
    header: RunRecord  # every field but the results, status and finish time
    base_seed: int
    models: dict[str, ModelInfo]  # in config order
    direct: dict[str, dict[Slot, Sample]] = field(default_factory=dict)
    cascades: dict[Pair, dict[Slot, CascadeSample]] = field(default_factory=dict)
    warmups: dict[str, Warmup] = field(default_factory=dict)
    # calls taken out to be asked again (`retry_failed`): the failed sample each replaces
    retried_direct: dict[tuple[str, Slot], Sample] = field(default_factory=dict)
    retried_cascades: dict[tuple[Pair, Slot], CascadeSample] = field(default_factory=dict)

    @property
    def record_path(self) -> Path:
        return self.run_dir / RECORD_FILENAME

    def add_direct(self, tag: str, repeat: Slot, sample: Sample) -> None:
        """Hold `sample`, with the failed attempts of the sample it replaces, if any."""
        earlier = self.retried_direct.pop((tag, repeat), None)
        if earlier is not None:
            attempts = (*earlier.failed_attempts, earlier.generation, *sample.failed_attempts)
            sample = sample.model_copy(update={"failed_attempts": attempts})
        self.direct.setdefault(tag, {})[repeat] = sample

    def add_cascade(self, pair: Pair, repeat: Slot, sample: CascadeSample) -> None:
        earlier = self.retried_cascades.pop((pair, repeat), None)
        if earlier is not None:
            failed = () if earlier.refine is None else (earlier.refine,)
            attempts = (*earlier.failed_attempts, *failed, *sample.failed_attempts)
            sample = sample.model_copy(update={"failed_attempts": attempts})
        self.cascades.setdefault(pair, {})[repeat] = sample

    def add_warmup(self, warmup: Warmup) -> None:
        self.warmups[warmup.tag] = warmup

    def note_end_load(self, load_avg_end: LoadAverage | None) -> None:
        """The host's load average as the run ends, on a record that has a host fingerprint."""
        provenance = self.header.provenance
        if provenance.host is None or load_avg_end is None:
            return
        host = provenance.host.model_copy(update={"load_avg_end": load_avg_end})
        self.header = self.header.model_copy(
            update={"provenance": provenance.model_copy(update={"host": host})}
        )

    def retry_failed(self) -> int:
        """Take out every call that failed (its draft's failure included), so that the run
        asks it again; the failed sample is kept to be folded into the new one. Returns how
        many calls were taken out."""
        for tag, samples in self.direct.items():
            for repeat, sample in list(samples.items()):
                if sample.generation.error is not None:
                    self.retried_direct[(tag, repeat)] = samples.pop(repeat)
        for pair, cascades in self.cascades.items():
            for repeat, cascade in list(cascades.items()):
                draft_failed = (pair[0], repeat) in self.retried_direct
                refine_failed = cascade.refine is not None and cascade.refine.error is not None
                if draft_failed or refine_failed:
                    self.retried_cascades[(pair, repeat)] = cascades.pop(repeat)
        return len(self.retried_direct) + len(self.retried_cascades)

    def record(self, *, finished_at: dt.datetime | None = None) -> RunRecord:
        """The record; complete when `finished_at` is given, partial otherwise."""
        tasks = self.header.task_ids
        direct = tuple(
            DirectResult(model=info, samples=_in_order(self.direct[tag], tasks))
            for tag, info in self.models.items()
            if self.direct.get(tag)
        )
        cascades = tuple(
            CascadeResult(small=small, large=large, samples=_in_order(samples, tasks))
            for (small, large), samples in self.cascades.items()
            if samples
        )
        fields = {name: getattr(self.header, name) for name in RunRecord.model_fields}
        warmed = [*self.models, *(t for t in self.warmups if t not in self.models)]
        fields.update(
            direct=direct,
            cascades=cascades,
            warmups=tuple(self.warmups[tag] for tag in warmed if tag in self.warmups),
            finished_at=finished_at,
        )
        fields["status"] = _status(RunRecord(**fields), finished=finished_at is not None)
        return RunRecord(**fields)

    def save(self, *, finished_at: dt.datetime | None = None) -> RunRecord:
        record = self.record(finished_at=finished_at)
        store_file(self.record_path, record.model_dump_json(indent=2) + "\n")
        return record


def _status(record: RunRecord, *, finished: bool) -> RunStatus:
    """Partial until every call finished; then failed when no call succeeded."""
    if not finished:
        return RunStatus.PARTIAL
    calls = record.generations()
    if calls and all(call.error is not None for call in calls):
        return RunStatus.FAILED
    return RunStatus.COMPLETE


_S = TypeVar("_S", Sample, CascadeSample)


def _in_order(by_slot: dict[Slot, _S], tasks: tuple[str, ...]) -> tuple[_S, ...]:
    """Samples repeat by repeat, each repeat in the suite's task order."""
    place = {task: n for n, task in enumerate(tasks)}
    return tuple(by_slot[k] for k in sorted(by_slot, key=lambda k: (k[1], place.get(k[0], 0))))


def resume_state(run_dir: Path, record: RunRecord, base_seed: int) -> RunState:
    """The state a partial record holds, keyed by each sample's task and repeat."""
    state = RunState(
        run_dir=run_dir,
        header=record,
        base_seed=base_seed,
        models={d.model.tag: d.model for d in record.direct},
    )
    for warmup in record.warmups:
        state.add_warmup(warmup)
    for result in record.direct:
        for sample in result.samples:
            _check_seed(sample, base_seed, record)
            state.add_direct(result.model.tag, (sample.task, sample.repeat), sample)
    for pair in record.cascades:
        for cascade in pair.samples:
            _check_seed(cascade, base_seed, record)
            state.add_cascade((pair.small, pair.large), (cascade.task, cascade.repeat), cascade)
    return state


def _check_seed(sample: Sample | CascadeSample, base_seed: int, record: RunRecord) -> None:
    """A sample asked with another base seed cannot be mixed with this config's."""
    if sample.seed != base_seed + sample.repeat:
        raise ResumeError(
            f"{record.run_id}: expected sample seeds {base_seed}..{base_seed + record.repeats - 1}"
            f" (base seed + repeat), found {sample.seed} for repeat {sample.repeat}"
        )
