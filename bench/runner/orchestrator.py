"""Run a benchmark: every direct model and every handoff pair, `repeats` times, into a record.

The plan is a list of calls. A *direct* call asks a model the task prompt; its reply's code is
archived as a candidate and evaluated in the sandbox. A *refine* call is the second half of a
handoff: the large model gets `task.refine_prompt(draft)`, where the draft is the code of the
small model's direct sample of the same repeat, reused rather than asked again; so the
pipeline wall is that draft's call wall plus the refine call's wall (methodology version 2).
A draft whose call failed is not refined: the handoff scores 0 and holds the draft's error.

A *warm-up* call (on unless the config says `warmup: false`) comes first for each model: a
short prompt of its own (not the task's, which would leave the server a cached prompt prefix
and flatter the first measured call's prompt speed) with the run's sampling options (Ollama
reloads a model whose `num_ctx` changes) but `WARMUP_MAX_TOKENS`. It loads the model and warms
its caches; it is recorded in `warmups`, apart from the samples, so no figure can include it.
The model's direct calls wait for it; a failed warm-up is recorded and the run goes on.

Calls to one server run one at a time (or `concurrency` at a time), because their timings are
measured; calls to different servers run at once, one thread per slot. A refine call waits for
both direct samples of its repeat, so every record written on the way is valid. The record is
rewritten after every call; resuming a run skips the calls it already holds.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from bench.record.schema import (
    CascadeSample,
    ErrorKind,
    Evaluation,
    Generation,
    RunRecord,
    Sample,
    SamplingOptions,
    Warmup,
    slug,
)
from bench.runner.backends import Backend, Reply
from bench.runner.config import RunConfig
from bench.runner.host import load_average
from bench.runner.progress import Call, Observer, Silent
from bench.runner.store import RunState, utc_now, write_candidate
from bench.runner.tasks._base import Task

ServerKey = tuple[str, str]  # (config backend kind, url)
WARMUP_PROMPT = "Reply with one word: ready."
WARMUP_MAX_TOKENS = 8


def plan(config: RunConfig) -> list[Call]:
    """Every call, model by model (fewer model swaps on a server), each model's warm-up
    first; then pair by pair."""
    calls: list[Call] = []
    for model in config.models:
        if config.warmup:
            calls.append(Call("warmup", model.tag, 0))
        calls += [Call("direct", model.tag, r) for r in range(config.repeats)]
    calls += [
        Call("refine", p.large, r, (p.small, p.large))
        for p in config.pairs
        for r in range(config.repeats)
    ]
    return calls


def slots(config: RunConfig) -> dict[Call, str]:
    """A candidate folder name per call, unique in the run, readable by a person."""
    names: dict[Call, str] = {}
    taken: set[str] = set()
    for call in plan(config):
        if call.kind == "warmup":
            continue  # its reply is not kept
        who = slug(call.tag) if call.pair is None else f"{slug(call.pair[0])}--{slug(call.pair[1])}"
        base = f"{call.kind}-{who}-r{call.repeat + 1}"
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name)
        names[call] = name
    return names


class Orchestrator:
    """Runs the calls a state does not hold yet, one thread per server slot."""

    def __init__(
        self,
        config: RunConfig,
        task: Task,
        backends: dict[ServerKey, Backend],
        state: RunState,
        extract: Callable[[str], str],
    ) -> None:
        self._config = config
        self._task = task
        self._backends = backends
        self._state = state
        self._extract = extract
        self._observer: Observer = Silent()
        self._slots = slots(config)
        self._calls = plan(config)
        self._pending = [c for c in self._calls if not self._holds(c)]
        self._running: set[Call] = set()
        self._cond = threading.Condition()
        self._stopped = False
        self._failure: BaseException | None = None
        self._settled = threading.Event()
        self._workers: list[threading.Thread] = []

    def run(self, observer: Observer | None = None) -> RunRecord:
        """Run what is left; the complete record. Re-raises what stopped a worker."""
        self._observer = observer or Silent()
        self._observer.planned(len(self._calls), len(self._calls) - len(self._pending))
        self._workers = [
            threading.Thread(target=self._work, args=(key,), name=f"bench {key[1]}", daemon=True)
            for key, count in self._config.concurrency().items()
            for _ in range(count)
        ]
        if not self._pending:
            self._settled.set()
        for worker in self._workers:
            worker.start()
        try:
            while not self._settled.wait(0.2):
                pass
        except BaseException:
            self._halt()
            raise
        if self._failure is not None:
            self._halt()
            raise self._failure
        for worker in self._workers:
            worker.join()
        self._state.note_end_load(load_average())
        return self._state.save(finished_at=utc_now())

    @property
    def config(self) -> RunConfig:
        return self._config

    def busy(self) -> bool:
        """True while a call abandoned by an interruption is still running in its thread."""
        return any(worker.is_alive() for worker in self._workers)

    def _halt(self) -> None:
        """No record is written after this returns; calls still running are abandoned."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _holds(self, call: Call) -> bool:
        if call.kind == "warmup":
            return call.tag in self._state.warmups
        if call.pair is None:
            return call.repeat in self._state.direct.get(call.tag, {})
        return call.repeat in self._state.cascades.get(call.pair, {})

    def _work(self, server: ServerKey) -> None:
        try:
            while (call := self._take(server)) is not None:
                result = self._perform(call)
                self._keep(call, result)
        except BaseException as failure:  # handed to the main thread, which re-raises it
            with self._cond:
                self._failure = self._failure or failure
                self._stopped = True
                self._cond.notify_all()
            self._settled.set()

    def _take(self, server: ServerKey) -> Call | None:
        with self._cond:
            while not self._stopped:
                mine = [c for c in self._pending if self._config.model(c.tag).server == server]
                if not mine:
                    return None
                ready = next((c for c in mine if all(map(self._holds, self._needs(c)))), None)
                if ready is not None:
                    self._pending.remove(ready)
                    self._running.add(ready)
                    self._observer.started(ready)
                    return ready
                self._cond.wait()
            return None

    def _needs(self, call: Call) -> tuple[Call, ...]:
        """The calls `call` waits for: a pair's direct samples; a model's warm-up."""
        if call.kind == "direct" and self._config.warmup:
            return (Call("warmup", call.tag, 0),)
        return call.needs()

    def _keep(self, call: Call, result: Warmup | Sample | CascadeSample) -> None:
        with self._cond:
            if self._stopped:
                return
            if isinstance(result, Warmup):
                self._state.add_warmup(result)
            elif isinstance(result, Sample):
                self._state.add_direct(call.tag, call.repeat, result)
            else:
                assert call.pair is not None
                self._state.add_cascade(call.pair, call.repeat, result)
            self._state.save()
            self._running.discard(call)
            self._observer.finished(call, call_error(result))
            if not self._pending and not self._running:
                self._settled.set()
            self._cond.notify_all()

    def _perform(self, call: Call) -> Warmup | Sample | CascadeSample:
        options = self._config.sampling.for_repeat(call.repeat)
        if call.kind == "warmup":
            short = options.model_copy(update={"max_tokens": WARMUP_MAX_TOKENS})
            reply = self._generate(call.tag, WARMUP_PROMPT, short)
            return Warmup(tag=call.tag, generation=reply.generation)
        if call.pair is None:
            reply = self._generate(call.tag, self._task.prompt(), options)
            return Sample(
                seed=options.seed,
                generation=reply.generation,
                evaluation=self._evaluate(call, reply),
            )
        draft = self._state.direct[call.pair[0]][call.repeat]
        if draft.generation.error is not None:
            return CascadeSample(
                seed=options.seed,
                draft=draft,
                pipeline_wall_s=draft.generation.call_wall_s,
                evaluation=Evaluation(score=0),
            )
        prompt = self._task.refine_prompt(self._draft_source(draft))
        reply = self._generate(call.tag, prompt, options)
        return CascadeSample(
            seed=options.seed,
            draft=draft,
            refine=reply.generation,
            pipeline_wall_s=draft.generation.call_wall_s + reply.generation.call_wall_s,
            evaluation=self._evaluate(call, reply),
        )

    def _generate(self, tag: str, prompt: str, options: SamplingOptions) -> Reply:
        backend = self._backends[self._config.model(tag).server]
        started_s = time.perf_counter()
        try:
            return _writable(backend.generate(tag, prompt, options, self._config.timeout_s))
        except Exception as error:  # a backend must not raise; if one does, the call failed
            wall_s = time.perf_counter() - started_s
            message = f"{backend.name} backend raised {type(error).__name__}: {error}"
            failure = Generation(
                call_wall_s=wall_s, error=message, error_kind=ErrorKind.INFRASTRUCTURE
            )
            return Reply(text="", generation=failure)

    def _evaluate(self, call: Call, reply: Reply) -> Evaluation:
        """Score 0 without a candidate when the call failed; else archive and evaluate it."""
        if reply.generation.error is not None:
            return Evaluation(score=0)
        source = self._extract(reply.text)
        path = write_candidate(
            self._state.run_dir, self._slots[call], self._task.candidate_name, source, reply.text
        )
        started_s = time.perf_counter()
        evaluation = self._task.evaluate(source, path)
        eval_wall_s = time.perf_counter() - started_s
        missing: dict[str, Any] = {}
        if evaluation.eval_wall_s is None:
            missing["eval_wall_s"] = eval_wall_s
        if evaluation.candidate is None or evaluation.candidate.path != path:
            missing["candidate"] = {"name": self._task.candidate_name, "path": path}
        return (
            Evaluation.model_validate({**evaluation.model_dump(), **missing})
            if missing
            else evaluation
        )

    def _draft_source(self, draft: Sample) -> str:
        candidate = draft.evaluation.candidate
        if candidate is None or candidate.path is None:
            return ""
        return (self._state.run_dir / candidate.path).read_text(encoding="utf-8")


def _writable(reply: Reply) -> Reply:
    """The reply with text the record and the candidate files can hold: a lone surrogate
    (which UTF-8 cannot encode) becomes U+FFFD, in the text and in the error."""
    error = reply.generation.error
    clean_error = None if error is None else utf8_text(error)
    clean_text = utf8_text(reply.text)
    if clean_text == reply.text and clean_error == error:
        return reply
    generation = reply.generation.model_copy(update={"error": clean_error})
    return Reply(text=clean_text, generation=generation)


_SURROGATE = re.compile("[\ud800-\udfff]")


def utf8_text(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def call_error(result: Warmup | Sample | CascadeSample) -> str | None:
    """Why a call (or the handoff it completes) failed; None when it went through."""
    if isinstance(result, Warmup | Sample):
        return result.generation.error
    if result.draft is not None and result.draft.generation.error is not None:
        return f"draft failed: {result.draft.generation.error}"
    return result.refine.error if result.refine is not None else None
