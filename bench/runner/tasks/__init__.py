"""The benchmark tasks the runner knows, by id."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bench.runner.tasks import humaneval
from bench.runner.tasks._base import Task
from bench.runner.tasks.deployment_window_analyzer import DeploymentWindowAnalyzer

__all__ = ["Task", "get_task", "known_tasks", "task_ids"]

_TASKS: dict[str, Callable[[], Task]] = {
    DeploymentWindowAnalyzer.id: DeploymentWindowAnalyzer,
    **{
        humaneval.task_id(index): partial(humaneval.humaneval_task, index)
        for index in range(humaneval.PROBLEM_COUNT)
    },
}


def task_ids() -> list[str]:
    return sorted(_TASKS)


def known_tasks() -> str:
    """The known ids for a message: the suite's as a range."""
    last = humaneval.PROBLEM_COUNT - 1
    others = [task for task in task_ids() if not task.startswith("humaneval-")]
    return ", ".join([*others, f"{humaneval.task_id(0)} … {humaneval.task_id(last)}"])


def get_task(task_id: str) -> Task:
    """The task with this id.

    Raises:
        ValueError: no task has this id; the message lists the known ones.
    """
    try:
        factory = _TASKS[task_id]
    except KeyError:
        raise ValueError(f"unknown task {task_id!r}; known tasks: {known_tasks()}") from None
    return factory()
