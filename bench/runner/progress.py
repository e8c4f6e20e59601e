"""What the orchestrator tells whoever watches a run, and the figures a progress bar shows.

A `Call` is one model call of the run's plan: what the orchestrator runs and reports.

The orchestrator announces the plan, then each call as it starts and as it ends; `Progress`
keeps count and estimates the time left from the calls finished so far (before the first one
ends: from the previous run of the same config, when there is one). The command line draws it
(`bench.cli.progress`); tests and scripts may pass nothing.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bench.runner.store import Pair


@dataclass(frozen=True)
class Call:
    """One model call of the plan."""

    kind: Literal["warmup", "direct", "refine"]
    tag: str  # the model called: the direct model, or the pair's large model
    repeat: int
    pair: Pair | None = None
    task: str = ""  # the task asked; "" for a warm-up

    def needs(self) -> tuple[Call, ...]:
        if self.pair is None:
            return ()
        small, large = self.pair
        return (
            Call("direct", small, self.repeat, task=self.task),
            Call("direct", large, self.repeat, task=self.task),
        )


class Observer(Protocol):
    """Hears how the run goes (the progress bar)."""

    def planned(self, total: int, done: int) -> None: ...

    def started(self, call: Call) -> None: ...

    def finished(self, call: Call, error: str | None) -> None: ...


class Silent:
    def planned(self, total: int, done: int) -> None:
        pass

    def started(self, call: Call) -> None:
        pass

    def finished(self, call: Call, error: str | None) -> None:
        pass


@dataclass
class Progress:
    """Calls planned, done and running, and the time left, as the observer hears them."""

    parallel: int = 1  # calls that run at once (call slots over all servers)
    names: dict[str, str] = field(default_factory=dict)  # tag -> display name (the label)
    tasks: int = 1  # tasks in the suite: a call is named by its task when there are several
    prior_call_s: float | None = None  # a call's median wall in the previous run, if known
    clock: Callable[[], float] = time.monotonic
    total: int = 0
    done: int = 0
    running: dict[Call, float] = field(default_factory=dict)  # call -> when it started
    call_s: list[float] = field(default_factory=list)  # walls of the calls finished here

    def planned(self, total: int, done: int) -> None:
        self.total, self.done = total, done

    def started(self, call: Call) -> None:
        self.running[call] = self.clock()

    def finished(self, call: Call) -> None:
        began = self.running.pop(call, None)
        if began is not None:
            self.call_s.append(self.clock() - began)
        self.done += 1

    def name(self, call: Call) -> str:
        """`Label #2`, `Small -> Large #2` or `Label warm-up`: the call by its models' display
        names."""
        if call.kind == "warmup":
            return f"{self.names.get(call.tag, call.tag)} warm-up"
        if call.pair is None:
            who = self.names.get(call.tag, call.tag)
        else:
            small, large = call.pair
            who = f"{self.names.get(small, small)} -> {self.names.get(large, large)}"
        task = f" {call.task}" if call.task and self.tasks > 1 else ""
        return f"{who}{task} #{call.repeat + 1}"

    @property
    def current(self) -> Call | None:
        """The call in progress that started first."""
        return min(self.running, key=self.running.__getitem__, default=None)

    def remaining_s(self) -> float | None:
        """Seconds left: a call's median wall times the calls left, over the slots; the calls
        in progress count for what is left of them. None while nothing tells a call's wall."""
        per_call = statistics.median(self.call_s) if self.call_s else self.prior_call_s
        if per_call is None:
            return None
        now = self.clock()
        left_running = sum(max(0.0, per_call - (now - began)) for began in self.running.values())
        waiting = max(0, self.total - self.done - len(self.running))
        return (waiting * per_call + left_running) / max(1, self.parallel)
