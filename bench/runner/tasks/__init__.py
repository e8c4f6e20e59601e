"""The benchmark tasks the runner knows, by id."""

from __future__ import annotations

from collections.abc import Callable

from bench.runner.tasks._base import Task
from bench.runner.tasks.deployment_window_analyzer import DeploymentWindowAnalyzer

__all__ = ["Task", "get_task", "task_ids"]

_TASKS: dict[str, Callable[[], Task]] = {
    DeploymentWindowAnalyzer.id: DeploymentWindowAnalyzer,
}


def task_ids() -> list[str]:
    return sorted(_TASKS)


def get_task(task_id: str) -> Task:
    """The task with this id.

    Raises:
        ValueError: no task has this id; the message lists the known ones.
    """
    try:
        factory = _TASKS[task_id]
    except KeyError:
        known = ", ".join(task_ids())
        raise ValueError(f"unknown task {task_id!r}; known tasks: {known}") from None
    return factory()
