"""Start or resume a run: check everything a run needs before the first model call.

prepared = prepare(load_config(path))          # or prepare(loaded, resume=run_dir)
record = prepared.orchestrator.run(observer)   # observer: e.g. progress.RichProgress
prepared.close()
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.record.archive import load_record
from bench.record.schema import (
    METHODOLOGY_VERSION,
    RECORD_FILENAME,
    CascadeSample,
    ContextSource,
    ModelInfo,
    ModelSetup,
    Provenance,
    RunRecord,
    RunSetup,
    RunStatus,
    ServerInfo,
)
from bench.record.setup import (
    context_shortfalls,
    estimated_prompt_tokens,
    sha256_of,
    sha256_text,
)
from bench.runner.backends import Backend, ModelFacts, backend_spec, make_backend
from bench.runner.config import ConfigError, LoadedConfig, RunConfig
from bench.runner.extract import extract_code
from bench.runner.host import fingerprint
from bench.runner.orchestrator import Orchestrator, ServerKey
from bench.runner.progress import Progress, prior_walls
from bench.runner.sandbox import isolation_level
from bench.runner.store import (
    CONFIG_FILENAME,
    Pair,
    ResumeError,
    RunState,
    Slot,
    create_run_dir,
    previous_record,
    resume_state,
    store_file,
    utc_now,
)
from bench.runner.tasks import Task, UnknownTasks, get_task, select_tasks

DISTRIBUTION = "bench-archive"
SMALLEST_DEFAULT_CONTEXT = 2048  # Ollama's default num_ctx for years (Aider's docs warn of it)


class ServerUnavailable(ConfigError):
    """A configured server is down, or does not have a model it is to be asked."""


BackendFactory = Callable[[str, str | None], Backend]  # (backend name, url or None) -> Backend


@dataclass
class PreparedRun:
    orchestrator: Orchestrator
    state: RunState
    backends: dict[ServerKey, Backend]

    @property
    def warnings(self) -> list[str]:
        """What may spoil the run though it can start: a context smaller than the suite's
        longest prompt (its calls would be truncated, and count as missing)."""
        setup = self.state.header.setup
        return [] if setup is None else context_warnings(setup)

    @property
    def record_path(self) -> Path:
        return self.state.record_path

    def progress(self) -> Progress:
        """A fresh progress count for this run: its call slots, its tasks' prompt sizes, and
        the calls' walls in the previous run of the same config for the first ETA."""
        config_text = (self.state.run_dir / CONFIG_FILENAME).read_text(encoding="utf-8")
        config = self.orchestrator.config
        earlier = previous_record(self.state.run_dir, config_text)
        return Progress(
            parallel=sum(config.concurrency().values()),
            names={m.tag: m.display_label for m in config.models},
            tasks=len(self.state.header.tasks),
            repeats=config.repeat_count,
            prompt_chars={t.id: len(t.prompt()) for t in self.orchestrator.tasks},
            prior_s=prior_walls(earlier) if earlier is not None else {},
        )

    def close(self) -> None:
        for backend in self.backends.values():
            backend.close()


def prepare(
    loaded: LoadedConfig,
    *,
    resume: Path | None = None,
    archive: Path | None = None,
    backend_factory: BackendFactory = make_backend,
    retry_failed: bool = False,
    reproduces: str | None = None,
) -> PreparedRun:
    """Check the config against what this machine has, open the backends, start or resume.

    With `retry_failed` (and `resume`), the calls that failed (server down, timeout, ...) are
    asked again, even in a complete run; each new sample keeps the failed attempts.
    `reproduces`: the id of the run this new one runs again (`bench reproduce`).

    Nothing here calls a model (the servers are asked only their version and model facts), so
    a config that cannot run is refused first.

    Raises:
        ConfigError: an unknown task, an in-process model that cannot be loaded.
        ServerUnavailable: a server is down or lacks a model.
        ResumeError: a run that cannot be resumed with this config.
        bench.record.archive.ArchiveError: the record to resume is not valid.
    """
    tasks = _tasks(loaded)
    _preflight(loaded)
    backends = open_backends(loaded.config, backend_factory)
    try:
        _check_servers(loaded, backends)
        if resume is None:
            folder = archive if archive is not None else loaded.config.archive
            state = new_state(
                loaded,
                tasks,
                backends,
                archive=folder,
                isolation=isolation_level(),
                reproduces=reproduces,
            )
        else:
            record = load_record(resume / RECORD_FILENAME)
            state = continued_state(
                loaded, record, resume, backends, tasks, retry_failed=retry_failed
            )
    except BaseException:
        for backend in backends.values():
            backend.close()
        raise
    orchestrator = Orchestrator(loaded.config, tasks, backends, state, extract_code)
    return PreparedRun(orchestrator, state, backends)


def open_backends(config: RunConfig, factory: BackendFactory) -> dict[ServerKey, Backend]:
    """One backend per server: the models of one server share it and its call slots."""
    backends: dict[ServerKey, Backend] = {}
    for model in config.models:
        if model.server not in backends:
            spec = backend_spec(model.backend)
            backends[model.server] = factory(
                spec.config_name, model.url if spec.serves_http else None
            )
    return backends


def _preflight(loaded: LoadedConfig) -> None:
    """What each backend can tell is wrong with its models before any call."""
    problems: list[str] = []
    for index, model in enumerate(loaded.config.models):
        check = backend_spec(model.backend).preflight
        for field, problem in check(model.tag) if check is not None else []:
            problems.append(loaded.problem(("models", index, field), problem))
    if problems:
        raise ConfigError(problems)


def _check_servers(loaded: LoadedConfig, backends: dict[ServerKey, Backend]) -> None:
    """Each server is up and has its models, before the first call; nothing is written
    otherwise."""
    problems = [
        loaded.problem(("models", index), f"expected model {tag!r} available, found {problem}")
        for index, tag, _, problem in server_problems(loaded.config, backends)
    ]
    if problems:
        raise ServerUnavailable(problems)


def server_problems(
    config: RunConfig, backends: dict[ServerKey, Backend]
) -> list[tuple[int, str, ServerKey, str]]:
    """(model index, tag, server, what is wrong) for each model whose server is down or lacks
    it, in config order: the one wording `bench run` and `bench hosts` give."""
    found = []
    for index, model in enumerate(config.models):
        problem = backends[model.server].availability(model.tag)
        if problem is not None:
            found.append((index, model.tag, model.server, problem))
    return found


def new_state(
    loaded: LoadedConfig,
    tasks: Sequence[Task],
    backends: dict[ServerKey, Backend],
    *,
    archive: Path,
    isolation: str | None,
    reproduces: str | None = None,
) -> RunState:
    """A new run folder holding the config it ran with, and the state of a run with no calls."""
    config = loaded.config
    started_at = utc_now()
    facts = {m.tag: _facts(backends[m.server], m.tag) for m in config.models}
    models = model_infos(config, backends, known={}, facts=facts)
    run_dir = create_run_dir(archive, config.benchmark, started_at)
    store_file(run_dir / CONFIG_FILENAME, loaded.text)
    header = RunRecord(
        benchmark_id=config.benchmark,
        run_id=run_dir.name,
        title=config.title,
        host=config.host,
        methodology_version=METHODOLOGY_VERSION,
        started_at=started_at,
        status=RunStatus.PARTIAL,
        repeats=config.repeat_count,
        tasks=tuple(task.spec() for task in tasks),
        provenance=provenance(config, models.values(), isolation),
        setup=run_setup(config, tasks, facts).model_copy(update={"reproduces": reproduces}),
    )
    state = RunState(run_dir, header, config.sampling.seed, models, cascades=_pair_slots(config))
    state.save()
    return state


def continued_state(
    loaded: LoadedConfig,
    record: RunRecord,
    run_dir: Path,
    backends: dict[ServerKey, Backend],
    tasks: Sequence[Task],
    *,
    retry_failed: bool = False,
) -> RunState:
    """The state of a partial run (or, to retry its failed calls, any run), checked against
    the config that is to finish it."""
    config = loaded.config
    problems = list(_resume_mismatches(config, record, tasks))
    state = resume_state(run_dir, record, config.sampling.seed)
    if retry_failed and state.retry_failed():
        problems = [p for p in problems if p != _COMPLETE]
    elif retry_failed and record.status is RunStatus.COMPLETE:
        problems = [f"{_COMPLETE}, and none of its calls failed"]
    if problems:
        raise ResumeError(f"cannot resume {run_dir} with {loaded.path}: " + "; ".join(problems))
    state.models = model_infos(config, backends, known=state.models)
    state.cascades = {**_pair_slots(config), **state.cascades}
    return state


def _pair_slots(config: RunConfig) -> dict[Pair, dict[Slot, CascadeSample]]:
    """An empty slot per pair, so that pairs appear in the record in config order."""
    return {(pair.small, pair.large): {} for pair in config.pairs}


_COMPLETE = "the run is complete already"


def _resume_mismatches(
    config: RunConfig, record: RunRecord, tasks: Sequence[Task]
) -> Iterable[str]:
    if record.status is RunStatus.COMPLETE:
        yield _COMPLETE
    wanted = {
        "benchmark": (record.benchmark_id, config.benchmark),
        "tasks": (list(record.task_ids), [t.id for t in tasks]),
        "repeats": _repeats_asked(record, config),
        "sampling": (record.provenance.sampling, config.sampling.as_options()),
    }
    for name, (recorded, configured) in wanted.items():
        if recorded != configured:
            yield f"{name}: expected {recorded!r} as recorded, found {configured!r}"
    for recorded in record.tasks:
        now = next((t for t in tasks if t.id == recorded.id), None)
        if now is not None and recorded.content_hash not in (None, now.spec().content_hash):
            yield f"tasks: {recorded.id} changed since the run started (its content hash)"
    tags = {m.tag for m in config.models}
    for result in record.direct:
        if result.model.tag not in tags:
            yield f"models: expected {result.model.tag!r} as recorded, found no such model"
    pairs = {(p.small, p.large) for p in config.pairs}
    for cascade in record.cascades:
        if (cascade.small, cascade.large) not in pairs:
            yield f"pairs: expected {cascade.small} -> {cascade.large} as recorded, found none"


def _repeats_asked(record: RunRecord, config: RunConfig) -> tuple[object, object]:
    """(recorded, configured) repeats; a run that `repeats: auto` stopped records how many it
    asked, and its cap."""
    if record.auto_repeats is not None:
        return f"auto, at most {record.auto_repeats.max_repeats}", (
            f"auto, at most {config.max_repeats}" if config.auto_repeats else config.repeats
        )
    return record.repeats, config.repeat_count


def model_infos(
    config: RunConfig,
    backends: dict[ServerKey, Backend],
    known: dict[str, ModelInfo],
    facts: dict[str, ModelFacts | None] | None = None,
) -> dict[str, ModelInfo]:
    """What the servers say about each model, in config order; `known` ones are kept; `facts`,
    the servers' answers when they were asked already."""
    versions = {key: _server_version(b) for key, b in backends.items()}
    infos: dict[str, ModelInfo] = {}
    for model in config.models:
        if model.tag in known:
            infos[model.tag] = known[model.tag]
            continue
        backend = backends[model.server]
        said = facts[model.tag] if facts is not None else _facts(backend, model.tag)
        infos[model.tag] = ModelInfo(
            tag=model.tag,
            label=model.display_label,
            params_b=model.params_b or (said.params_b if said else None),
            backend=backend.name,
            server_url=backend.url,
            server_version=versions[model.server],
            quantization=said.quantization if said else None,
            digest=said.digest if said else None,
        )
    return infos


def run_setup(
    config: RunConfig, tasks: Sequence[Task], facts: dict[str, ModelFacts | None]
) -> RunSetup:
    """The run's setup: the harness, its suite's and prompts' content, each model's serving."""
    prompts = [task.prompt() for task in tasks]
    return RunSetup(
        bench_version=tool_version(),
        suite_sha256=sha256_of(task.spec().content_hash or task.id for task in tasks),
        prompts_sha256=sha256_of(prompts),
        longest_prompt_chars=max((len(p) for p in prompts), default=0),
        models=tuple(
            model_setup(m.tag, facts.get(m.tag), config.sampling.num_ctx) for m in config.models
        ),
        config=config.model_dump(mode="json", exclude={"host", "archive"}, exclude_none=True),
    )


def model_setup(tag: str, facts: ModelFacts | None, num_ctx: int | None) -> ModelSetup:
    """How a model is served: the config's context, unless the server fixes its own."""
    if facts is None:
        return ModelSetup(tag=tag)
    context, source = facts.context_tokens, ContextSource.SERVER if facts.context_tokens else None
    if num_ctx is not None and not facts.context_fixed:
        context, source = num_ctx, ContextSource.CONFIG
    template = facts.chat_template
    return ModelSetup(
        tag=tag,
        chat_template_sha256=sha256_text(template) if template is not None else None,
        context_tokens=context,
        context_source=source,
        server_settings=dict(facts.settings),
    )


def context_warnings(setup: RunSetup) -> list[str]:
    """One sentence per model whose context is smaller than the suite's longest prompt, or
    not known when that prompt is longer than the smallest default context a server uses."""
    found = [
        f"{tag}: the context in effect ({context} tokens) is smaller than the suite's longest "
        f"prompt (about {needed} tokens or more): its calls on that prompt will be truncated "
        "and count as missing; raise sampling.num_ctx (or the server's context)"
        for tag, context, needed in context_shortfalls(setup)
    ]
    needed = estimated_prompt_tokens(setup.longest_prompt_chars or 0)
    if needed >= SMALLEST_DEFAULT_CONTEXT:
        found += [
            f"{m.tag}: the server does not say its context, and the suite's longest prompt "
            f"(about {needed} tokens or more) is longer than the {SMALLEST_DEFAULT_CONTEXT:,} "
            "tokens some servers default to (Ollama did): set sampling.num_ctx"
            for m in setup.models
            if m.context_tokens is None
        ]
    return found


# Lookups must not stop a run: a server that cannot answer them gets its calls failed instead.


def _facts(backend: Backend, tag: str) -> ModelFacts | None:
    try:
        return backend.model_facts(tag)
    except Exception:
        return None


def _server_version(backend: Backend) -> str | None:
    try:
        return backend.server_version()
    except Exception:
        return None


def provenance(config: RunConfig, models: Iterable[ModelInfo], isolation: str | None) -> Provenance:
    """What the run ran with, this machine's fingerprint among it (read now, once)."""
    infos = list(models)
    return Provenance(
        host=fingerprint(servers(infos)),
        tool_version=tool_version(),
        git_commit=git_commit(),
        backend=_joined(m.backend for m in infos),
        server_version=_joined(m.server_version for m in infos),
        sampling=config.sampling.as_options(),
        isolation=isolation,
    )


def servers(models: Iterable[ModelInfo]) -> tuple[ServerInfo, ...]:
    """Each model server once, with the version it reported, in the models' order."""
    found: dict[tuple[str, str], ServerInfo] = {}
    for model in models:
        if model.backend is None or model.server_url is None:
            continue
        key = (model.backend, model.server_url)
        found.setdefault(key, ServerInfo(backend=key[0], url=key[1], version=model.server_version))
    return tuple(found.values())


def server_infos(backends: dict[ServerKey, Backend]) -> tuple[ServerInfo, ...]:
    """Each open backend's server and the version it reports (a lookup; never raises)."""
    return tuple(
        ServerInfo(backend=b.name, url=b.url, version=_server_version(b)) for b in backends.values()
    )


def _joined(values: Iterable[str | None]) -> str | None:
    unique = list(dict.fromkeys(v for v in values if v))
    return ", ".join(unique) if unique else None


def tool_version() -> str | None:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The commit of the checkout this `bench` package runs from; None when not in one."""
    root = Path(__file__).resolve().parents[2]
    try:
        found = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) != 2 or Path(found[0]).resolve() != root:
        return None  # installed into a venv that happens to sit in some other repository
    return found[1]


def _tasks(loaded: LoadedConfig) -> list[Task]:
    """The config's tasks: its suites and tasks, sampled when it says `task_sample`."""
    config = loaded.config
    try:
        chosen = select_tasks(config.task_names, config.task_sample, config.sampling.seed)
    except UnknownTasks as error:
        raise ConfigError(
            [
                loaded.problem(("task",) if config.tasks is None else ("tasks", u.index), str(u))
                for u in error.unknown
            ]
        ) from None
    except ValueError as error:
        raise ConfigError([loaded.problem(("task_sample",), str(error))]) from None
    return [get_task(task_id) for task_id in chosen]
