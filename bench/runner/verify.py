"""`bench verify`'s work: evaluate every archived candidate of a run again, in the sandbox, and
say whether each check's verdict and each score in the record is what the candidate earns.

A record edited by hand, made by an older harness that scored differently, or made from a task
that has changed since (its content hash) is named with the samples that differ. A sample whose
candidate was not archived cannot be checked and is counted apart.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.record.errors import field_path
from bench.record.schema import Evaluation, RunRecord
from bench.runner.tasks import UnknownTask, get_task

__all__ = ["SampleVerdict", "Verification", "verify_run"]

_SCORE_TOLERANCE_PTS = 0.01


@dataclass(frozen=True)
class SampleVerdict:
    """One archived candidate, judged again: where it sits, and what differs (empty: all
    agree)."""

    where: str  # e.g. direct[0].samples[3].evaluation
    task: str
    candidate: str  # its path in the run folder
    recorded_score: float
    earned_score: float
    differences: tuple[str, ...]  # e.g. "passes_tests: recorded passed, earns failed (...)"


@dataclass(frozen=True)
class Verification:
    """Every archived candidate of a run, judged again."""

    verdicts: tuple[SampleVerdict, ...]
    not_archived: int  # evaluated samples without an archived candidate
    changed_tasks: tuple[str, ...]  # tasks whose content hash differs from the record's
    unknown_tasks: tuple[str, ...]  # tasks this harness does not know

    @property
    def differing(self) -> tuple[SampleVerdict, ...]:
        return tuple(v for v in self.verdicts if v.differences)


def verify_run(
    record: RunRecord,
    run_dir: Path,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> Verification:
    """Judge every archived candidate of `record` (its files in `run_dir`) again."""
    tasks, changed, unknown = {}, [], []
    for spec in record.tasks:
        try:
            task = get_task(spec.id)
        except UnknownTask:
            unknown.append(spec.id)
            continue
        tasks[spec.id] = task
        if spec.content_hash is not None and spec.content_hash != task.spec().content_hash:
            changed.append(spec.id)
    jobs, not_archived, seen = [], 0, set()
    for loc, task_id, evaluation in record.evaluations_by_task():
        path = evaluation.candidate.path if evaluation.candidate else None
        if path is None:
            not_archived += bool(evaluation.checks)
            continue
        if path in seen or task_id not in tasks:
            continue  # a draft is its model's direct sample, archived once
        seen.add(path)
        jobs.append((field_path(loc), task_id, path, evaluation))

    def judge(job: tuple[str, str, str, Evaluation]) -> SampleVerdict:
        where, task_id, path, recorded = job
        source = (run_dir / path).read_text(encoding="utf-8", errors="replace")
        earned = tasks[task_id].evaluate(source, path)
        return SampleVerdict(
            where, task_id, path, recorded.score, earned.score, _differences(recorded, earned)
        )

    verdicts = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done, verdict in enumerate(pool.map(judge, jobs), start=1):
            verdicts.append(verdict)
            if progress is not None:
                progress(done, len(jobs))
    return Verification(tuple(verdicts), not_archived, tuple(changed), tuple(unknown))


def _differences(recorded: Evaluation, earned: Evaluation) -> tuple[str, ...]:
    found = []
    mine = {check.name: check for check in earned.checks}
    for check in recorded.checks:
        now = mine.pop(check.name, None)
        if now is None:
            found.append(f"{check.name}: recorded {check.outcome.value}, no such check now")
        elif now.outcome is not check.outcome:
            why = f" ({now.detail})" if now.detail else ""
            found.append(
                f"{check.name}: recorded {check.outcome.value}, earns {now.outcome.value}{why}"
            )
    found += [f"{name}: earns {check.outcome.value}, not recorded" for name, check in mine.items()]
    if abs(recorded.score - earned.score) > _SCORE_TOLERANCE_PTS:
        found.append(f"score: recorded {recorded.score:g}, earns {earned.score:g}")
    return tuple(found)
