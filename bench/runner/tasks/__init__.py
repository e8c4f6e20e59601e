"""The benchmark tasks the runner knows, by id."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import partial

from bench.runner.tasks import humaneval
from bench.runner.tasks._base import Task
from bench.runner.tasks.deployment_window_analyzer import DeploymentWindowAnalyzer

__all__ = [
    "SUITES",
    "Task",
    "UnknownTask",
    "UnknownTasks",
    "get_task",
    "known_tasks",
    "select_tasks",
    "task_ids",
]

_TASKS: dict[str, Callable[[], Task]] = {
    DeploymentWindowAnalyzer.id: DeploymentWindowAnalyzer,
    **{
        humaneval.task_id(index): partial(humaneval.humaneval_task, index)
        for index in range(humaneval.PROBLEM_COUNT)
    },
}


SUITES: dict[str, tuple[str, ...]] = {
    "humaneval": tuple(humaneval.task_id(i) for i in range(humaneval.PROBLEM_COUNT)),
}


class UnknownTask(ValueError):
    """A name in a task list that is neither a suite nor a task; `index` is its place."""

    def __init__(self, index: int, name: str) -> None:
        suites = ", ".join(SUITES)
        super().__init__(f"expected a suite ({suites}) or a task ({known_tasks()}), found {name!r}")
        self.index = index


class UnknownTasks(ValueError):
    """Every name in a task list that is neither a suite nor a task: all are told at once."""

    def __init__(self, unknown: Sequence[UnknownTask]) -> None:
        super().__init__("; ".join(str(u) for u in unknown))
        self.unknown = tuple(unknown)


def select_tasks(names: Sequence[str], sample: int | None, seed: int) -> list[str]:
    """The task ids `names` (suites and task ids) stand for, each once, in order.

    With `sample`, that many of the suites' tasks are drawn with `seed` (the same seed draws the
    same tasks) and the tasks named one by one are all kept; with no suite named, the sample is
    drawn from the named tasks. The order stays the listed one.

    Raises:
        UnknownTasks: names that are neither a suite nor a task.
        ValueError: a sample larger than the tasks it is drawn from.
    """
    chosen: dict[str, bool] = {}  # task -> drawn from a suite
    unknown = []
    for index, name in enumerate(names):
        if name in SUITES:
            chosen.update((task, chosen.get(task, True)) for task in SUITES[name])
        elif name in _TASKS:
            chosen[name] = False
        else:
            unknown.append(UnknownTask(index, name))
    if unknown:
        raise UnknownTasks(unknown)
    if sample is None:
        return list(chosen)
    pool = [task for task, from_suite in chosen.items() if from_suite] or list(chosen)
    if sample > len(pool):
        what = "the suites' tasks" if any(chosen.values()) else "the tasks listed"
        raise ValueError(f"expected at most {len(pool)} ({what}), found {sample}")
    picked = set(random.Random(seed).sample(pool, sample))
    return [task for task in chosen if task in picked or task not in pool]


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
