"""What a benchmark task offers the runner."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bench.record.schema import CheckSpec, Evaluation


class Task(Protocol):
    id: str
    candidate_name: str  # e.g. "deployment_window_analyzer.py"
    checks: tuple[CheckSpec, ...]  # in report order; weights sum to 100; the gate first

    def prompt(self) -> str: ...

    def refine_prompt(self, draft: str) -> str: ...

    def evaluate(self, source: str, candidate_path: str | None) -> Evaluation:
        """Run the checks on `source` inside the sandbox; never raises for bad code."""
        ...

    def reference_source(self) -> str: ...


def task_dir(task_id: str) -> Path:
    return Path(__file__).parent / task_id
