"""What the orchestrator tells whoever watches a run: the plan, then each call as it ends.

The command line draws it (`bench.cli.progress`); tests and scripts may pass nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bench.runner.orchestrator import Call


class Observer(Protocol):
    """Hears how the run goes (the progress bar)."""

    def planned(self, total: int, done: int) -> None: ...

    def finished(self, call: Call, error: str | None) -> None: ...


class Silent:
    def planned(self, total: int, done: int) -> None:
        pass

    def finished(self, call: Call, error: str | None) -> None:
        pass
