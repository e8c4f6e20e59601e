"""What the orchestrator tells whoever watches a run, and the figures a progress bar shows.

A `Call` is one model call of the run's plan: what the orchestrator runs and reports.

The orchestrator announces the plan (the calls still to run), then each call as it starts and
as it ends; `Progress` keeps count and estimates the time left. Calls do not take alike: a
refine reads the task and a draft and rewrites it, and is often several times slower than its
model's direct call; a small model is quicker than a large one; a longer prompt takes longer.
So each call is estimated from the calls of its own kind and model (its *group*) finished so
far, scaled by its task's prompt size; before one of its group has finished, from the same
group in the previous run of the same config, and failing that from a guess said below. The
command line draws it (`bench.cli.progress`); tests and scripts may pass nothing.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bench.record.schema import Generation, RunRecord
from bench.runner.store import Pair

CallKind = Literal["warmup", "direct", "refine"]
Group = tuple[CallKind, str]  # (kind, model tag): calls expected to take alike
# Until a refine of a pair has finished here or in an earlier run, it is taken to take this
# many times its large model's direct call (it reads a longer prompt and rewrites a draft).
REFINE_OVER_DIRECT = 3.0
SIZE_SCALE_BOUNDS = (0.5, 2.0)  # a task's prompt size scales its call's estimate this far
# A call still running past its estimate is expected to run this share of its time so far
# again: the estimate is never 0 while a call runs.
OVERRUN_SHARE = 0.25
MIN_LEFT_S = 1.0


@dataclass(frozen=True)
class Call:
    """One model call of the plan."""

    kind: CallKind
    tag: str  # the model called: the direct model, or the pair's large model
    repeat: int
    pair: Pair | None = None
    task: str = ""  # the task asked; "" for a warm-up

    @property
    def group(self) -> Group:
        return (self.kind, self.tag)

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

    def planned(self, total: int, pending: Sequence[Call]) -> None: ...

    def started(self, call: Call) -> None: ...

    def finished(self, call: Call, error: str | None) -> None: ...


class Silent:
    def planned(self, total: int, pending: Sequence[Call]) -> None:
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
    repeats: int = 1  # times each task is asked: a call is named by its repeat when several
    prompt_chars: dict[str, int] = field(default_factory=dict)  # task id -> its prompt's size
    prior_s: dict[Group, float] = field(default_factory=dict)  # mean walls, an earlier run
    clock: Callable[[], float] = time.monotonic
    total: int = 0
    done: int = 0
    pending: list[Call] = field(default_factory=list)  # planned, not started
    running: dict[Call, float] = field(default_factory=dict)  # call -> when it started
    groups: dict[Group, Tally] = field(default_factory=dict)  # the calls finished here
    # What the calls waiting will take, kept between changes: the bar asks ten times a second,
    # and a suite plans a thousand calls.
    _waiting: tuple[float | None] | None = field(default=None, repr=False)

    def planned(self, total: int, pending: Sequence[Call]) -> None:
        self.total, self.pending = total, list(pending)
        self.done = total - len(self.pending)
        self._waiting = None

    def started(self, call: Call) -> None:
        with contextlib.suppress(ValueError):
            self.pending.remove(call)
        self.running[call] = self.clock()
        self._waiting = None

    def finished(self, call: Call) -> None:
        began = self.running.pop(call, None)
        if began is not None:
            tally = self.groups.setdefault(call.group, Tally())
            tally.add(self.clock() - began, self.prompt_chars.get(call.task))
        self.done += 1
        self._waiting = None

    def who(self, call: Call) -> str:
        """`Label`, `Small -> Large` or `Label warm-up`: the call by its models' display names."""
        if call.kind == "warmup":
            return f"{self.names.get(call.tag, call.tag)} warm-up"
        if call.pair is None:
            return self.names.get(call.tag, call.tag)
        small, large = call.pair
        return f"{self.names.get(small, small)} -> {self.names.get(large, large)}"

    def where(self, call: Call) -> str:
        """` humaneval-55, repeat 1 of 2`: the task (in a suite) and the repeat (when several),
        as they follow the call's models in its name."""
        if call.kind == "warmup":
            return ""
        task = f" {call.task}" if call.task and self.tasks > 1 else ""
        repeat = f", repeat {call.repeat + 1} of {self.repeats}" if self.repeats > 1 else ""
        return task + repeat

    def name(self, call: Call) -> str:
        """`Label humaneval-55, repeat 1 of 2`: the call as a person reads it."""
        return self.who(call) + self.where(call)

    @property
    def current(self) -> Call | None:
        """The call in progress that started first."""
        return min(self.running, key=self.running.__getitem__, default=None)

    def remaining_s(self) -> float | None:
        """Seconds left: the calls waiting and what is left of those running, each by its own
        estimate, over the slots, and never less than the longest call running needs. None
        while nothing tells how long a call takes."""
        now = self.clock()
        running_left = []
        for call, began in self.running.items():
            estimate = self.estimate_s(call)
            if estimate is None:
                return None
            ran = now - began
            running_left.append(max(estimate - ran, OVERRUN_SHARE * ran, MIN_LEFT_S))
        waiting = self._waiting_s()
        if waiting is None:
            return None
        total = sum(running_left) + waiting
        return max(total / max(1, self.parallel), max(running_left, default=0.0))

    def _waiting_s(self) -> float | None:
        if self._waiting is None:
            estimates = [self.estimate_s(call) for call in self.pending]
            known = None if None in estimates else sum(e for e in estimates if e is not None)
            self._waiting = (known,)
        return self._waiting[0]

    def estimate_s(self, call: Call) -> float | None:
        """How long `call` is expected to take: its group's mean here (scaled by its prompt
        size), else its group's mean in an earlier run, else a guess from the other groups."""
        here = self.groups.get(call.group)
        if here is not None:
            return here.mean_s * self._scale(call, here.mean_chars)
        if call.group in self.prior_s:
            return self.prior_s[call.group]
        return self._guess(call)

    def _guess(self, call: Call) -> float | None:
        if call.kind == "refine":
            direct = self.estimate_s(Call("direct", call.tag, call.repeat, task=call.task))
            return None if direct is None else direct * self._refine_ratio()
        alike = [t for (kind, _), t in self.groups.items() if kind == call.kind]
        if alike:
            return sum(t.wall_s for t in alike) / sum(t.calls for t in alike)
        prior = [s for (kind, _), s in self.prior_s.items() if kind == call.kind]
        if prior:
            return statistics.fmean(prior)
        tallies = self.groups.values()
        calls = sum(t.calls for t in tallies)
        return sum(t.wall_s for t in tallies) / calls if calls else None

    def _refine_ratio(self) -> float:
        """A refine over its large model's direct call, as measured for another pair."""
        known = {**self.prior_s, **self._means()}
        ratios = [
            s / known[("direct", tag)]
            for (kind, tag), s in known.items()
            if kind == "refine" and known.get(("direct", tag))
        ]
        return statistics.fmean(ratios) if ratios else REFINE_OVER_DIRECT

    def _means(self) -> dict[Group, float]:
        return {group: tally.mean_s for group, tally in self.groups.items()}

    def _scale(self, call: Call, mean_chars: float | None) -> float:
        """The call's prompt size over that of the calls its estimate comes from."""
        size = self.prompt_chars.get(call.task)
        if not mean_chars or not size:
            return 1.0
        low, high = SIZE_SCALE_BOUNDS
        return min(high, max(low, size / mean_chars))


@dataclass
class Tally:
    """The calls of one group finished here: how many, and their walls and prompt sizes."""

    calls: int = 0
    wall_s: float = 0.0
    sized: int = 0  # calls whose prompt size is known
    chars: int = 0

    def add(self, wall_s: float, prompt_chars: int | None) -> None:
        self.calls += 1
        self.wall_s += wall_s
        if prompt_chars:
            self.sized += 1
            self.chars += prompt_chars

    @property
    def mean_s(self) -> float:
        return self.wall_s / self.calls

    @property
    def mean_chars(self) -> float | None:
        return self.chars / self.sized if self.sized else None


def prior_walls(record: RunRecord) -> dict[Group, float]:
    """The mean wall of each group's calls that succeeded in an earlier run."""
    found: dict[Group, list[Generation]] = {}
    for direct in record.direct:
        found.setdefault(("direct", direct.model.tag), []).extend(
            s.generation for s in direct.samples
        )
    for cascade in record.cascades:
        found.setdefault(("refine", cascade.large), []).extend(
            s.refine for s in cascade.samples if s.refine is not None
        )
    walls = {
        group: [g.call_wall_s for g in calls if g.error is None] for group, calls in found.items()
    }
    return {group: statistics.fmean(w) for group, w in walls.items() if w}
