"""A suite run's own parts of its page, as text: the paired comparisons, the task table (a
heat map, sortable), the tasks that fail most; and each task's drill-down page.

Figures come from `bench.record.suite`; this only words and formats them. A run of one task
has none of these (its page is the seed's).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from bench.record.analysis import RunAnalysis
from bench.record.safety import text_file_href
from bench.record.schema import CandidateFile
from bench.record.stats import PairedComparison
from bench.record.suite import (
    Attempt,
    PairedRow,
    TaskCell,
    TaskState,
    candidates,
    paired_table,
    task_answers,
    task_hotspots,
    task_table,
)
from bench.site import fmt
from bench.site.sure import can_tell, interval

TASKS_FOLDER = "tasks"  # a task's page: <benchmark>/<run>/tasks/<task id>.html
TASK_TEMPLATE = "bench/task.html"
TOP_TASKS = 10  # the task hotspot lists the tasks that failed most, this many
MAX_CODE_CHARS = 40_000  # a longer candidate is cut on its task page; its file is linked whole
MARK = {TaskState.PASS: "✓", TaskState.PARTIAL: "◐", TaskState.FAIL: "✗", TaskState.MISSING: ""}
CHECK_MARK = {"passed": "✓", "failed": "✗", "skipped": "–"}
AGAINST = {
    "large": "its large model, direct",
    "small": "its small model, direct",
    "own": "its one model, direct (it refines its own draft)",
    "larger": "the next size up, direct",
}


def is_suite(run: RunAnalysis) -> bool:
    """A run of several tasks: its page has a task table and a page per task."""
    return len(run.record.tasks) > 1


def task_href(task_id: str) -> str:
    """A task's page, from the run page's folder (task ids are plain: letters, digits, `._-`)."""
    return f"{TASKS_FOLDER}/{task_id}.html"


@dataclass(frozen=True)
class PairedLine:
    candidate: str
    against: str  # the other candidate's name
    role: str  # what the other candidate is to this one
    wins: str
    losses: str
    ties: str
    diff: str  # the mean difference over tasks (one task: over its paired repeats)
    interval: str  # `mean of 20 tasks, 95% CI -4 to +10 pts`, or why there is none
    mcnemar_p: str
    clear: bool  # the interval leaves out 0
    can_tell: str  # the smallest difference it could tell, and what would tell 5 pts


def paired_lines(run: RunAnalysis) -> tuple[PairedLine, ...]:
    return tuple(_paired_line(row) for row in paired_table(run))


def _paired_line(row: PairedRow) -> PairedLine:
    c: PairedComparison = row.comparison
    return PairedLine(
        candidate=row.a,
        against=row.b,
        role=AGAINST[row.against],
        wins=str(c.wins),
        losses=str(c.losses),
        ties=str(c.ties),
        diff=fmt.signed_pts(c.mean_diff_pts),
        interval=interval(c.estimate, fmt.signed_number, " pts"),
        mcnemar_p=fmt.DASH if c.mcnemar_p is None else fmt.p_value(c.mcnemar_p),
        clear=c.clear(),
        can_tell=can_tell(c, lead="") or fmt.DASH,
    )


@dataclass(frozen=True)
class Cell:
    """A task table cell: its heat class and its short text (`87.5 ◐`; empty when missing)."""

    heat: str
    text: str


@dataclass(frozen=True)
class TaskLine:
    id: str
    title: str
    href: str
    failures: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class TaskTable:
    candidates: tuple[str, ...]
    rows: tuple[TaskLine, ...]


def heat(cell: TaskCell) -> str:
    """The cell's class: `m` missing; by its mean score, `h0` for 0 points, `h1` under 34,
    `h2` under 67, `h3` under 100, `h4` for 100."""
    pts = cell.mean_pts
    if pts is None:
        return "m"
    if pts <= 0:
        return "h0"
    return "h4" if pts >= 100 else "h3" if pts >= 67 else "h2" if pts >= 34 else "h1"


def cell_text(cell: TaskCell) -> str:
    if cell.mean_pts is None:
        return ""
    return f"{fmt.score(cell.mean_pts)} {MARK[cell.state]}"


def task_lines(run: RunAnalysis) -> TaskTable:
    rows = tuple(
        TaskLine(
            row.task.id,
            row.task.title,
            task_href(row.task.id),
            str(row.failures),
            tuple(Cell(heat(c), cell_text(c)) for c in row.cells),
        )
        for row in task_table(run)
    )
    return TaskTable(tuple(c.name for c in candidates(run)), rows)


@dataclass(frozen=True)
class TaskHotspotLine:
    id: str
    title: str
    href: str
    failures: str
    share: str  # of its answers
    examples: str


def task_hotspot_lines(run: RunAnalysis) -> tuple[TaskHotspotLine, ...]:
    """The TOP_TASKS tasks with the most failed answers (the task table has them all)."""
    return tuple(
        TaskHotspotLine(
            h.task.id,
            h.task.title,
            task_href(h.task.id),
            f"{h.failures} of {h.answers}",
            fmt.percent(h.failures / h.answers),
            ", ".join(h.examples),
        )
        for h in task_hotspots(run)[:TOP_TASKS]
    )


@dataclass(frozen=True)
class CheckLine:
    name: str
    outcome: str  # passed, failed, skipped
    mark: str
    detail: str


@dataclass(frozen=True)
class AttemptView:
    repeat: int  # from 1
    score: str
    passed: bool
    checks: tuple[CheckLine, ...]
    file: str | None  # the candidate's file name; None: no candidate recorded
    href: str | None  # its published text file, from the task page; None: not archived
    code: str | None  # its text, cut at MAX_CODE_CHARS; None: not archived
    cut: bool = False


@dataclass(frozen=True)
class CandidateView:
    name: str
    outcomes: str  # `✓ ✗ ✓`: repeat by repeat
    changed: bool
    attempts: tuple[AttemptView, ...]


@dataclass(frozen=True)
class TaskPage:
    """A task's drill-down page: what the record holds of the task, and every answer to it."""

    id: str
    title: str
    content_hash: str
    checks: tuple[tuple[str, str], ...]  # (name, weight)
    run_title: str
    run_id: str
    repeats: int
    candidates: tuple[CandidateView, ...]


def task_page(run: RunAnalysis, task_id: str, folder: Path) -> TaskPage:
    """The page of `task_id`; candidates' code is read from the run's archive `folder`."""
    r = run.record
    task = r.task(task_id)
    views = []
    for answers in task_answers(run, task_id):
        attempts = tuple(_attempt(a, folder) for a in answers.attempts)
        marks = " ".join("✓" if a.passed else "✗" for a in answers.attempts)
        views.append(CandidateView(answers.name, marks, answers.changed, attempts))
    return TaskPage(
        id=task.id,
        title=task.title or fmt.DASH,
        content_hash=task.content_hash or "not recorded",
        checks=tuple((c.name, fmt.number(c.weight)) for c in task.checks),
        run_title=r.title,
        run_id=r.run_id,
        repeats=r.repeats,
        candidates=tuple(views),
    )


def _attempt(attempt: Attempt, folder: Path) -> AttemptView:
    evaluation = attempt.evaluation
    checks = tuple(
        CheckLine(c.name, c.outcome.value, CHECK_MARK[c.outcome.value], c.detail or "")
        for c in evaluation.checks
    )
    file: CandidateFile | None = evaluation.candidate
    code, cut = _code(folder, file)
    return AttemptView(
        repeat=attempt.repeat + 1,
        score=fmt.score(evaluation.score),
        passed=attempt.passed,
        checks=checks,
        file=file.name if file else None,
        href=f"../{text_file_href(file.path)}" if file and file.path else None,
        code=code,
        cut=cut,
    )


def _code(folder: Path, file: CandidateFile | None) -> tuple[str | None, bool]:
    """The archived candidate's text (the loader checked its path stays in the run folder)."""
    if file is None or file.path is None:
        return None, False
    text = (folder / file.path).read_bytes().decode("utf-8", errors="replace")
    if len(text) > MAX_CODE_CHARS:
        return text[:MAX_CODE_CHARS], True
    return text, False


def render_task(env: Environment, page: TaskPage) -> str:
    return env.get_template(TASK_TEMPLATE).render(task=page)
