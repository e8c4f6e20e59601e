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

A run asks a suite: each call is of one task and one repeat. Repeat by repeat, a model answers
every task, so a run stopped midway holds a spread of the suite; resuming it skips the calls it
already holds.

Calls to one server run one at a time (or `concurrency` at a time), because their timings are
measured; calls to different servers run at once, one thread per slot. A call's slot is free as
soon as its reply is in: the candidate is evaluated in the sandbox on a pool of its own, so the
server is not left idle waiting for the sandbox. A call's sample is kept (and the record, which
is rewritten after every sample, written) when its evaluation is done. A refine call waits for
both direct samples of its task and repeat, so every record written on the way is valid.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
from bench.runner.backends import Backend, Reply, truncation_error
from bench.runner.config import RunConfig
from bench.runner.host import load_average
from bench.runner.progress import Call, Observer, Silent
from bench.runner.stopping import after_repeat
from bench.runner.store import RunState, utc_now, write_candidate
from bench.runner.tasks._base import Task

ServerKey = tuple[str, str]  # (config backend kind, url)
WARMUP_PROMPT = "Reply with one word: ready."
WARMUP_MAX_TOKENS = 8
EVALUATORS = min(4, os.cpu_count() or 1)  # candidates evaluated at once, beside the calls


def plan(config: RunConfig, tasks: Sequence[str]) -> list[Call]:
    """Every call, model by model (fewer model swaps on a server), each model's warm-up
    first, then repeat by repeat over the tasks; then pair by pair, likewise."""
    calls: list[Call] = []
    repeats = range(config.repeat_count)
    for model in config.models:
        if config.warmup:
            calls.append(Call("warmup", model.tag, 0))
        calls += [Call("direct", model.tag, r, task=t) for r in repeats for t in tasks]
    calls += [
        Call("refine", p.large, r, (p.small, p.large), task=t)
        for p in config.pairs
        for r in repeats
        for t in tasks
    ]
    return calls


def slots(config: RunConfig, tasks: Sequence[str]) -> dict[Call, str]:
    """A candidate folder name per call, unique in the run, readable by a person."""
    names: dict[Call, str] = {}
    taken: set[str] = set()
    for call in plan(config, tasks):
        if call.kind == "warmup":
            continue  # its reply is not kept
        who = slug(call.tag) if call.pair is None else f"{slug(call.pair[0])}--{slug(call.pair[1])}"
        base = f"{call.kind}-{who}-{slug(call.task)}-r{call.repeat + 1}"
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
        tasks: Sequence[Task],
        backends: dict[ServerKey, Backend],
        state: RunState,
        extract: Callable[[str], str],
        evaluators: int | None = None,
    ) -> None:
        self._config = config
        self._tasks = {task.id: task for task in tasks}
        self._backends = backends
        self._state = state
        self._extract = extract
        self._observer: Observer = Silent()
        ids = list(self._tasks)
        self._slots = slots(config, ids)
        self._calls = plan(config, ids)
        self._evaluators = ThreadPoolExecutor(
            max_workers=evaluators or EVALUATORS,
            thread_name_prefix="bench evaluate",
        )
        self._evaluating = 0
        self._pending = [c for c in self._calls if not self._holds(c)]
        self._running: set[Call] = set()
        self._cond = threading.Condition()
        self._stopped = False  # no call is started after this
        self._abandoned = False  # no sample is kept after this (an interruption)
        self._failure: BaseException | None = None
        self._settled = threading.Event()
        self._workers: list[threading.Thread] = []
        # `repeats: auto`: the repeats whose calls may start; the rest wait for the rule
        self._open = config.repeat_count
        stopped_at = state.header.repeats if state.header.auto_repeats is not None else None
        if stopped_at is not None:  # resumed after the rule stopped it: its repeats only
            self._pending = [c for c in self._pending if c.repeat < stopped_at]
        if config.auto_repeats:
            held = [k[1] for by_slot in state.direct.values() for k in by_slot]
            self._open = min(config.repeat_count, 1 + max(held, default=0))
            self._advance()

    def run(self, observer: Observer | None = None) -> RunRecord:
        """Run what is left; the complete record. Re-raises what stopped a worker."""
        self._observer = observer or Silent()
        self._observer.planned(len(self._calls), tuple(self._pending))
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
        except BaseException:  # an interruption: the replies being evaluated are still kept
            try:
                self._finish_evaluations()
            finally:
                self._halt()
            raise
        if self._failure is not None:
            self._finish_evaluations()
            self._halt()
            raise self._failure
        for worker in self._workers:
            worker.join()
        self._evaluators.shutdown()
        self._state.note_end_load(load_average())
        return self._state.save(finished_at=utc_now())

    @property
    def config(self) -> RunConfig:
        return self._config

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(self._tasks.values())

    def busy(self) -> bool:
        """True while a call or an evaluation abandoned by an interruption is still running."""
        with self._cond:
            evaluating = self._evaluating > 0
        return evaluating or any(worker.is_alive() for worker in self._workers)

    def _finish_evaluations(self) -> None:
        """Start no call; wait for the evaluations under way (each bounded by the sandbox's
        limits) and keep their samples, so that a resumed run does not ask them again."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._evaluators.shutdown(wait=True)

    def _halt(self) -> None:
        """No record is written after this returns; calls still running are abandoned."""
        with self._cond:
            self._stopped = self._abandoned = True
            self._cond.notify_all()
        self._evaluators.shutdown(wait=False, cancel_futures=True)

    def _holds(self, call: Call) -> bool:
        if call.kind == "warmup":
            return call.tag in self._state.warmups
        key = (call.task, call.repeat)
        if call.pair is None:
            return key in self._state.direct.get(call.tag, {})
        return key in self._state.cascades.get(call.pair, {})

    def _work(self, server: ServerKey) -> None:
        try:
            while (call := self._take(server)) is not None:
                if call.kind == "warmup":
                    self._keep(call, self._warm_up(call))
                    continue
                finish = self._ask(call)
                with self._cond:
                    if self._abandoned:
                        return
                    self._evaluating += 1
                self._evaluators.submit(self._finish, call, finish)
        except BaseException as failure:  # handed to the main thread, which re-raises it
            self._fail(failure)

    def _finish(self, call: Call, finish: Callable[[], Sample | CascadeSample]) -> None:
        """Evaluate a call's reply (on the evaluation pool) and keep its sample."""
        try:
            result = finish()
            self._keep(call, result)
        except BaseException as failure:
            self._fail(failure)
        finally:
            with self._cond:
                self._evaluating -= 1

    def _fail(self, failure: BaseException) -> None:
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
                open_now = (c for c in mine if c.repeat < self._open)  # auto: the later wait
                ready = next((c for c in open_now if all(map(self._holds, self._needs(c)))), None)
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
            if self._abandoned:
                return
            key = (call.task, call.repeat)
            if isinstance(result, Warmup):
                self._state.add_warmup(result)
            elif isinstance(result, Sample):
                self._state.add_direct(call.tag, key, result)
            else:
                assert call.pair is not None
                self._state.add_cascade(call.pair, key, result)
            self._state.save()
            self._running.discard(call)
            self._observer.finished(call, call_error(result))
            if self._config.auto_repeats:
                self._advance()
            if not self._pending and not self._running:
                self._settled.set()
            self._cond.notify_all()

    def _advance(self) -> None:
        """`repeats: auto`: once every call of the open repeats is kept, read the stopping
        rule; open the next repeat, or drop the calls left and record why it stopped."""
        while not any(c.repeat < self._open for c in (*self._pending, *self._running)):
            if self._state.header.auto_repeats is not None:
                return
            stop = after_repeat(self._config, self._state.record(), self._open)
            if stop is None:
                self._open += 1
                continue
            self._pending = [c for c in self._pending if c.repeat < self._open]
            self._state.header = self._state.header.model_copy(
                update={"repeats": self._open, "auto_repeats": stop}
            )
            self._state.save()
            return

    def _warm_up(self, call: Call) -> Warmup:
        options = self._config.sampling.for_repeat(call.repeat)
        short = options.model_copy(update={"max_tokens": WARMUP_MAX_TOKENS})
        reply = self._generate(call.tag, WARMUP_PROMPT, short)
        return Warmup(tag=call.tag, generation=reply.generation)

    def _ask(self, call: Call) -> Callable[[], Sample | CascadeSample]:
        """Make the call's model call (on its server's slot); what is left to do, to be run on
        the evaluation pool: evaluate the reply into a sample."""
        options = self._config.sampling.for_repeat(call.repeat)
        task = self._tasks[call.task]
        at = {"task": call.task, "repeat": call.repeat, "seed": options.seed}
        if call.pair is None:
            reply = self._generate(call.tag, task.prompt(), options)
            return lambda: Sample(
                **at, generation=reply.generation, evaluation=self._evaluate(call, reply)
            )
        draft = self._state.direct[call.pair[0]][(call.task, call.repeat)]
        if draft.generation.error is not None:
            failed = CascadeSample(
                **at,
                draft=draft,
                pipeline_wall_s=draft.generation.call_wall_s,
                evaluation=Evaluation(score=0),
            )
            return lambda: failed
        prompt = task.refine_prompt(self._draft_source(draft))
        refined = self._generate(call.tag, prompt, options)
        return lambda: CascadeSample(
            **at,
            draft=draft,
            refine=refined.generation,
            pipeline_wall_s=draft.generation.call_wall_s + refined.generation.call_wall_s,
            evaluation=self._evaluate(call, refined),
        )

    def _generate(self, tag: str, prompt: str, options: SamplingOptions) -> Reply:
        backend = self._backends[self._config.model(tag).server]
        started_s = time.perf_counter()
        try:
            reply = backend.generate(tag, prompt, options, self._config.timeout_s)
            return _writable(fitted(reply, self._context(tag)))
        except Exception as error:  # a backend must not raise; if one does, the call failed
            wall_s = time.perf_counter() - started_s
            message = f"{backend.name} backend raised {type(error).__name__}: {error}"
            failure = Generation(
                call_wall_s=wall_s, error=message, error_kind=ErrorKind.INFRASTRUCTURE
            )
            return Reply(text="", generation=failure)

    def _context(self, tag: str) -> int | None:
        setup = self._state.header.setup
        found = setup.model(tag) if setup is not None else None
        return found.context_tokens if found is not None else None

    def _evaluate(self, call: Call, reply: Reply) -> Evaluation:
        """Score 0 without a candidate when the call failed; else archive and evaluate it."""
        if reply.generation.error is not None:
            return Evaluation(score=0)
        task = self._tasks[call.task]
        source = self._extract(reply.text)
        path = write_candidate(
            self._state.run_dir, self._slots[call], task.candidate_name, source, reply.text
        )
        started_s = time.perf_counter()
        evaluation = task.evaluate(source, path)
        eval_wall_s = time.perf_counter() - started_s
        missing: dict[str, Any] = {}
        if evaluation.eval_wall_s is None:
            missing["eval_wall_s"] = eval_wall_s
        if evaluation.candidate is None or evaluation.candidate.path != path:
            missing["candidate"] = {"name": task.candidate_name, "path": path}
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


def fitted(reply: Reply, context_tokens: int | None) -> Reply:
    """The reply, marked truncated when the server reports as many prompt tokens as the
    context holds (it kept what fitted, dropping the rest): the setup's failure, missing data,
    so its text is not evaluated."""
    generation = reply.generation
    prompt_tokens = generation.prompt_tokens
    if (
        generation.error is not None
        or context_tokens is None
        or prompt_tokens is None
        or prompt_tokens < context_tokens
    ):
        return reply
    truncated = generation.model_copy(
        update={
            "error": truncation_error(prompt_tokens, context_tokens),
            "error_kind": ErrorKind.INFRASTRUCTURE,
            "truncated": True,
        }
    )
    return Reply(text="", generation=truncated)


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
