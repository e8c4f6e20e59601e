"""What a benchmark task offers the runner."""

from __future__ import annotations

from typing import Protocol

from bench.record.schema import CheckSpec, Evaluation, TaskSpec


class Task(Protocol):
    id: str
    candidate_name: str  # e.g. "deployment_window_analyzer.py"
    checks: tuple[CheckSpec, ...]  # in report order; weights sum to 100; the gate first

    @property
    def title(self) -> str: ...

    def spec(self) -> TaskSpec:
        """The task as a run record lists it, with its content hash."""
        ...

    def prompt(self) -> str: ...

    def refine_prompt(self, draft: str) -> str: ...

    def evaluate(self, source: str, candidate_path: str | None) -> Evaluation:
        """Score `source`: probe it in the sandbox, judge outside it; never raises for bad code."""
        ...

    def reference_source(self) -> str: ...
