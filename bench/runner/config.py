"""The run configuration: a YAML file, read with line numbers, validated before any model call.

Problems are reported one per line, as `FILE:LINE: FIELD: expected ..., found ...`: every
problem of shape and type at once; then, once those are fixed, every wrong cross-reference.
Relative paths in the file (`archive`) are relative to the folder of the file itself.
"""

from __future__ import annotations

import difflib
import socket
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
)
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from bench.record.errors import (
    Loc,
    error_loc,
    expected_and_found,
    field_path,
    root_causes,
    shorten,
)
from bench.record.schema import SamplingOptions
from bench.runner.backends import backend_names, backend_spec, known_backends_text

IN_PROCESS = "in-process"
_ID = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=120)]


def _known_backend(name: str) -> str:
    if name not in backend_names():
        raise ValueError(known_backends_text())
    return name


def _repeats(value: object) -> int | Literal["auto"]:
    """A whole number of repeats, or `auto`: one message for either, not one per kind."""
    if value == "auto" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return value
    raise ValueError("a whole number of 1 or more, or auto")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelConfig(_Strict):
    tag: str = Field(
        min_length=1,
        max_length=200,
        description="The server's model name; for llama-inprocess a GGUF path or package:NAME.",
    )
    backend: Annotated[str, AfterValidator(_known_backend)] = Field(
        description="Which backend asks the model: one of the registered backends' names."
    )
    url: str | None = Field(
        default=None,
        description="Server URL; required for ollama and openai, unused by llama-inprocess.",
    )
    label: str | None = Field(default=None, min_length=1, max_length=200)
    params_b: float | None = Field(default=None, gt=0, description="Size, billions of params.")
    concurrency: int | None = Field(
        default=None,
        ge=1,
        description="Calls its server may serve at once (default 1); set on one model of a"
        " server, or alike on all.",
    )

    @property
    def display_label(self) -> str:
        return self.label or self.tag

    @property
    def server(self) -> tuple[str, str]:
        """(backend kind, URL): models with the same server share its call slots."""
        return (self.backend, self.url or IN_PROCESS)


class PairConfig(_Strict):
    small: str = Field(min_length=1, description="Tag of the drafting model.")
    large: str = Field(min_length=1, description="Tag of the refining model.")


class SamplingConfig(_Strict):
    temperature: float | None = Field(default=None, ge=0)
    seed: int = Field(default=0, description="Base seed: repeat k of a sample uses seed + k.")
    num_ctx: int | None = Field(default=None, ge=1, description="Context size, tokens.")
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, gt=0, le=1)

    def for_repeat(self, repeat: int) -> SamplingOptions:
        return SamplingOptions(**{**self.model_dump(), "seed": self.seed + repeat})

    def as_options(self) -> SamplingOptions:
        return SamplingOptions(**self.model_dump())


class RunConfig(_Strict):
    """A run: what `bench run` reads from its YAML file."""

    benchmark: _ID = Field(description="Benchmark id: the archive sub-folder of its runs.")
    title: str = Field(min_length=1)
    host: str = Field(default_factory=socket.gethostname, min_length=1)
    task: _ID | None = Field(default=None, description="One task (before suites); or `tasks`.")
    tasks: tuple[_ID, ...] | None = Field(
        default=None,
        min_length=1,
        description="Suites and task ids, e.g. [humaneval, deployment_window_analyzer].",
    )
    task_sample: int | None = Field(
        default=None,
        ge=1,
        description="Ask a seeded sample (sampling.seed) of this many of the suites' tasks.",
    )
    repeats: Annotated[int | Literal["auto"], PlainValidator(_repeats)] = Field(
        default=1,
        description="Samples per task and candidate; `auto`: repeat by repeat until every"
        " paired comparison is settled, or `max_repeats`.",
    )
    max_repeats: int = Field(
        default=10, ge=2, description="With `repeats: auto`: the most repeats to ask."
    )
    settle_within_pts: float = Field(
        default=10.0,
        gt=0,
        le=100,
        description="With `repeats: auto`: a comparison whose sequential interval (valid at"
        " whichever repeat the run stops) lies within ± this many points is settled (no"
        " difference that large).",
    )
    timeout_s: float = Field(default=600.0, gt=0, description="Per-call timeout.")
    warmup: bool = Field(
        default=True,
        description="One short unmeasured call per model before its measured calls, recorded"
        " as a warm-up and kept out of every figure.",
    )
    archive: Path = Field(default=Path("archive"))
    sampling: SamplingConfig = SamplingConfig()
    models: tuple[ModelConfig, ...] = Field(min_length=1)
    pairs: tuple[PairConfig, ...] = ()

    @property
    def auto_repeats(self) -> bool:
        return self.repeats == "auto"

    @property
    def repeat_count(self) -> int:
        """The repeats to plan for: `repeats`, or with `auto`, the most it may ask."""
        return self.max_repeats if isinstance(self.repeats, str) else self.repeats

    @property
    def task_names(self) -> tuple[str, ...]:
        """What the config lists: `tasks`, or the one `task`."""
        if self.tasks is not None:
            return self.tasks
        return (self.task,) if self.task is not None else ()

    def model(self, tag: str) -> ModelConfig:
        return next(m for m in self.models if m.tag == tag)

    def concurrency(self) -> dict[tuple[str, str], int]:
        """Call slots per server: what one of its models sets, else 1."""
        slots: dict[tuple[str, str], int] = {}
        for model in self.models:
            slots[model.server] = max(slots.get(model.server, 1), model.concurrency or 1)
        return slots


@dataclass(frozen=True)
class LoadedConfig:
    config: RunConfig
    path: Path
    text: str  # the file as read, kept beside a run so it can be resumed
    _lines: _LineMap

    def problem(self, loc: Loc, message: str) -> str:
        """`FILE:LINE: FIELD: message`, for a problem with a field found after loading."""
        return _located(self.path, self._lines, loc, message)


class ConfigError(Exception):
    """Every problem found in a configuration file, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_config(path: Path) -> LoadedConfig:
    """Read and validate a run configuration; raise ConfigError naming every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [
                f"{path}: expected a run configuration (YAML), found no such file; "
                "give the path of one (every field in configs/README.md)"
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"{path}: expected a readable UTF-8 YAML file, found {error}"]) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> LoadedConfig:
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise ConfigError([f"{path}:{line}: expected valid YAML, found {error.problem}"]) from None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else type(data).__name__
        raise ConfigError([f"{path}:1: expected a mapping of settings, found {found}"])
    lines = _LineMap(data)
    try:
        config = RunConfig.model_validate(_plain(data))
    except ValidationError as error:
        located = [
            (lines.line(error_loc(e)), _located(path, lines, error_loc(e), _pydantic_message(e)))
            for e in root_causes(error.errors(include_url=False))
        ]
        raise ConfigError([text for _, text in sorted(located, key=lambda item: item[0])]) from None
    if not config.archive.is_absolute():
        config = config.model_copy(update={"archive": path.parent / config.archive})
    loaded = LoadedConfig(config, path, text, lines)
    wrong = sorted(_checks(config), key=lambda item: lines.line(item[0]))
    if wrong:
        raise ConfigError([loaded.problem(loc, message) for loc, message in wrong])
    return loaded


def _checks(config: RunConfig) -> Iterator[tuple[Loc, str]]:
    if config.task is not None and config.tasks is not None:
        yield ("tasks",), "expected `tasks` or `task`, not both, found both"
    elif config.task is None and config.tasks is None:
        yield ("tasks",), "expected a list of suites and tasks (or one `task`), found nothing"
    yield from _check_models(config.models)
    tags = list(dict.fromkeys(m.tag for m in config.models))
    seen_pairs: set[tuple[str, str]] = set()
    for index, pair in enumerate(config.pairs):
        for role in ("small", "large"):
            tag = getattr(pair, role)
            if tag not in tags:
                yield (
                    ("pairs", index, role),
                    f"expected one of the models' tags ({', '.join(tags)}), found {tag!r}",
                )
        key = (pair.small, pair.large)
        if key in seen_pairs:
            yield (
                ("pairs", index),
                f"expected each pair once, found {pair.small} -> {pair.large} again",
            )
        seen_pairs.add(key)


def _check_models(models: tuple[ModelConfig, ...]) -> Iterator[tuple[Loc, str]]:
    first_of_tag: dict[str, int] = {}
    first_of_server: dict[tuple[str, str], int] = {}
    for index, model in enumerate(models):
        first = first_of_tag.setdefault(model.tag, index)
        if first != index:
            yield (
                ("models", index, "tag"),
                f"expected a tag not used before, found {model.tag!r} (models[{first}] has it)",
            )
        spec = backend_spec(model.backend)
        if spec.serves_http and not _is_http_url(model.url):
            found = "nothing" if model.url is None else repr(model.url)
            yield ("models", index, "url"), f"expected an http(s) URL, found {found}"
        most = spec.max_concurrency
        if most is not None and model.concurrency is not None and model.concurrency > most:
            yield (
                ("models", index, "concurrency"),
                f"expected at most {most} ({model.backend} takes {most} call(s) at a time), "
                f"found {model.concurrency}",
            )
        if model.concurrency is None:
            continue
        first = first_of_server.setdefault(model.server, index)
        if model.concurrency != models[first].concurrency:
            yield (
                ("models", index, "concurrency"),
                f"expected {models[first].concurrency}, as models[{first}] on the same server,"
                f" found {model.concurrency}",
            )


def _is_http_url(url: str | None) -> bool:
    if url is None:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _pydantic_message(error: Any) -> str:
    expected, found = expected_and_found(error, _found)
    message = f"expected {expected}, found {found}"
    if error["type"] == "extra_forbidden":
        loc = tuple(error["loc"])
        close = difflib.get_close_matches(str(loc[-1]), _field_names(loc[:-1]), n=1, cutoff=0.7)
        if close:
            message += f"; did you mean `{close[0]}`?"
    return message


def _field_names(loc: Loc) -> list[str]:
    """The settings a mapping at `loc` of a config may hold."""
    model: type[BaseModel] | None = RunConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return []
        model = _model_in(field.annotation)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds, itself or in a tuple or an optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_model_in, typing.get_args(annotation)) if m is not None), None)


def _located(path: Path, lines: _LineMap, loc: Loc, message: str) -> str:
    return f"{path}:{lines.line(loc)}: {field_path(loc, '(file)')}: {message}"


def _found(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    return shorten(repr(value))


def _plain(node: Any) -> Any:
    """ruamel's commented containers and scalar subclasses as plain Python values."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    for kind in (int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


class _LineMap:
    """1-based line of a field in the YAML document: the deepest node the path reaches."""

    def __init__(self, root: Any) -> None:
        self._root = root

    def line(self, loc: Loc) -> int:
        node, line = self._root, 1
        for part in loc:
            found = _child_line(node, part)
            if found is None:
                break
            line = found
            node = node[part]
        return line


def _child_line(node: Any, part: int | str) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    if isinstance(node, dict) and part in node:
        return int(lc.value(part)[0]) + 1 if _is_scalar(node[part]) else int(lc.key(part)[0]) + 1
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return int(lc.item(part)[0]) + 1
    return None


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)
