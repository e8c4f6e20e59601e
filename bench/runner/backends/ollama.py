"""Ollama through its native API (`/api/chat`, `/api/show`, `/api/tags`, `/api/version`).

Generation is one non-streamed `/api/chat` call (`"stream": false`): the timings come from
the server's own counters (nanoseconds), so the client has no need to time the tokens as they
arrive: throughput `eval_count / eval_duration`, prompt tok/s `prompt_eval_count /
prompt_eval_duration`, load `load_duration`, and time to first token `load_duration +
prompt_eval_duration`, what the server spent before its first generated token
(`SERVER_COUNTERS`; the client's clock would add only the round trip). `timeout_s` bounds the
connection and the wait for the reply, which for a non-streamed call is the whole generation.

An `OllamaBackend` keeps no state per call: its `httpx.Client` holds a thread-safe connection
pool, so one object may serve several threads at once.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx

from bench.record.schema import (
    ErrorKind,
    Generation,
    SamplingOptions,
    ThroughputSource,
    TimingSource,
)
from bench.runner.backends._base import ModelFacts, Reply
from bench.runner.backends._http import (
    ReplyTooLarge,
    as_count,
    as_positive,
    error_reply,
    failed,
    fetch_json,
    malformed,
    not_reachable,
    probe,
    read_capped,
    since,
    status_error,
    timeout_error,
    transport_error,
    transport_kind,
    within,
)
from bench.runner.backends._registry import register

DEFAULT_URL = "http://127.0.0.1:11434"
_NS_PER_S = 1e9
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT])\s*$", re.IGNORECASE)
_SCALE_B = {"K": 1e-6, "M": 1e-3, "B": 1.0, "T": 1e3}


@register("ollama")
class OllamaBackend:
    name = "ollama"

    def __init__(self, url: str = DEFAULT_URL, *, keep_alive: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._keep_alive = keep_alive
        self._client = httpx.Client(base_url=self.url)

    def generate(
        self, model: str, prompt: str, options: SamplingOptions, timeout_s: float
    ) -> Reply:
        """The reply, or a timeout error once `timeout_s` have passed, whatever the server does."""
        started_s = time.perf_counter()
        return within(
            timeout_s,
            lambda: self._generate(model, prompt, options, timeout_s),
            lambda: failed(
                started_s,
                timeout_error(f"{self.url}/api/chat", model, timeout_s),
                ErrorKind.MODEL,
            ),
        )

    def _generate(
        self, model: str, prompt: str, options: SamplingOptions, timeout_s: float
    ) -> Reply:
        where = f"{self.url}/api/chat"
        started_s = time.perf_counter()
        request = self._chat_request(model, prompt, options)
        try:
            with self._client.stream("POST", "/api/chat", json=request, timeout=timeout_s) as got:
                response = read_capped(got)
        except httpx.HTTPError as exc:
            return failed(
                started_s,
                transport_error(exc, where=where, model=model, timeout_s=timeout_s),
                transport_kind(exc),
            )
        except ReplyTooLarge as exc:
            too_large = f"reply from {where} for model {model!r} refused: {exc}"
            return failed(started_s, too_large, ErrorKind.MODEL)
        call_wall_s = since(started_s)
        if response.status_code != 200:
            return failed(started_s, status_error(response, where=where, model=model))
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return failed(started_s, malformed(where, model, f"not JSON ({exc})", response.text))
        return _reply(body, call_wall_s, where=where, model=model, raw=response.text)

    def _chat_request(self, model: str, prompt: str, options: SamplingOptions) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "stream": False,
            "options": ollama_options(options),
        }
        if self._keep_alive is not None:
            request["keep_alive"] = self._keep_alive
        return request

    def model_facts(self, model: str) -> ModelFacts:
        show = fetch_json(self._client, "POST", "/api/show", {"model": model})
        listed = _listed_model(fetch_json(self._client, "GET", "/api/tags"), model)
        details = _details(show) or _details(listed)
        params_b = parse_parameter_size(details.get("parameter_size"))
        if params_b is None:
            params_b = _params_from_model_info(show)
        quantization = details.get("quantization_level")
        digest = listed.get("digest") if listed else None
        settings = parse_parameters(show.get("parameters") if isinstance(show, dict) else None)
        template = show.get("template") if isinstance(show, dict) else None
        return ModelFacts(
            params_b=params_b,
            quantization=quantization if isinstance(quantization, str) and quantization else None,
            digest=digest if isinstance(digest, str) and digest else None,
            chat_template=template if isinstance(template, str) and template else None,
            context_tokens=as_positive_int(dict(settings).get("num_ctx")),
            settings=settings,
        )

    def availability(self, model: str) -> str | None:
        tags = probe(self._client, "/api/tags")
        if tags.unreachable is not None:
            return not_reachable("Ollama server", self.url, tags.unreachable, "ollama serve")
        if tags.status != 200:
            return f"the Ollama server at {self.url} answered HTTP {tags.status} to /api/tags"
        if _listed_model(tags.body, model) is None:
            names = [str(e.get("name")) for e in tags.body.get("models", []) if isinstance(e, dict)]
            has = ", ".join(names) if names else "no models"
            return (
                f"the Ollama server at {self.url} has no model {model!r} "
                f"(ollama pull {model}); it has {has}"
            )
        return None

    def server_version(self) -> str | None:
        body = fetch_json(self._client, "GET", "/api/version")
        version = body.get("version") if isinstance(body, dict) else None
        return version if isinstance(version, str) and version else None

    def close(self) -> None:
        self._client.close()


def parse_parameters(text: object) -> tuple[tuple[str, str], ...]:
    """`/api/show` `parameters` (Modelfile lines, `num_ctx   4096`, `stop "<|im_end|>"`) as
    (name, value) pairs, a name given more than once (`stop`) joined into one value."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines() if isinstance(text, str) else []:
        name, _, value = line.strip().partition(" ")
        if name and value.strip():
            found.setdefault(name, []).append(value.strip())
    return tuple((name, " ".join(values)) for name, values in found.items())


def as_positive_int(text: str | None) -> int | None:
    try:
        value = int(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None


def ollama_options(options: SamplingOptions) -> dict[str, Any]:
    """Ollama's `options` object (Modelfile parameter names) for the sampling options set."""
    named = {
        "temperature": options.temperature,
        "seed": options.seed,
        "num_ctx": options.num_ctx,
        "num_predict": options.max_tokens,
        "top_p": options.top_p,
    }
    return {key: value for key, value in named.items() if value is not None}


def _reply(body: Any, call_wall_s: float, *, where: str, model: str, raw: str) -> Reply:
    if not isinstance(body, dict):
        return error_reply(call_wall_s, malformed(where, model, "not a JSON object", raw))
    if isinstance(body.get("error"), str):
        return error_reply(
            call_wall_s, f"{where} reported an error for model {model!r}: {body['error']}"
        )
    message = body.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        return error_reply(call_wall_s, malformed(where, model, "no message.content", raw))
    generated = as_count(body.get("eval_count"))
    eval_s = _seconds(body.get("eval_duration"))
    throughput = generated / eval_s if generated is not None and eval_s else None
    return Reply(
        text=content,
        generation=Generation(
            call_wall_s=call_wall_s,
            throughput_tok_s=throughput,
            throughput_source=ThroughputSource.SERVER_COUNTERS if throughput is not None else None,
            prompt_tokens=as_count(body.get("prompt_eval_count")),
            generated_tokens=generated,
            **counter_timings(body),
        ),
    )


def counter_timings(body: dict[str, Any]) -> dict[str, Any]:
    """Time to first token, prompt tok/s and load time from Ollama's `*_duration` counters."""
    load_s = _elapsed_s(body.get("load_duration"))
    prompt_s = _seconds(body.get("prompt_eval_duration"))
    prompt_n = as_count(body.get("prompt_eval_count"))
    timings: dict[str, Any] = {}
    if load_s is not None:
        timings.update(load_s=load_s, load_source=TimingSource.SERVER_COUNTERS)
    if prompt_s is not None:
        ttft_s = prompt_s + (load_s or 0.0)
        timings.update(ttft_s=ttft_s, ttft_source=TimingSource.SERVER_COUNTERS)
    if prompt_s is not None and prompt_n is not None:
        timings.update(
            prompt_tok_s=prompt_n / prompt_s, prompt_tok_s_source=TimingSource.SERVER_COUNTERS
        )
    return timings


def _elapsed_s(duration_ns: object) -> float | None:
    """A duration that may be 0 (a model already loaded), in seconds."""
    count = as_count(duration_ns)
    return count / _NS_PER_S if count is not None else None


def _seconds(duration_ns: object) -> float | None:
    positive = as_positive(duration_ns)
    return positive / _NS_PER_S if positive is not None else None


def parse_parameter_size(text: object) -> float | None:
    """Ollama's `parameter_size` ("1.5B", "135M", "8.0B") in billions; None if unreadable."""
    match = _SIZE.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    value_b = float(match.group(1)) * _SCALE_B[match.group(2).upper()]
    return value_b if value_b > 0 else None


def _params_from_model_info(show: Any) -> float | None:
    info = show.get("model_info") if isinstance(show, dict) else None
    count = as_positive(info.get("general.parameter_count")) if isinstance(info, dict) else None
    return count / 1e9 if count is not None else None


def _details(entry: Any) -> dict[str, Any]:
    details = entry.get("details") if isinstance(entry, dict) else None
    return details if isinstance(details, dict) else {}


def _listed_model(tags: Any, model: str) -> dict[str, Any] | None:
    models = tags.get("models") if isinstance(tags, dict) else None
    if not isinstance(models, list):
        return None
    wanted = (model, f"{model}:latest")
    for entry in models:
        if isinstance(entry, dict) and any(entry.get(k) in wanted for k in ("name", "model")):
            return entry
    return None
