"""OpenAI-compatible servers (llama.cpp's server, vLLM, LM Studio) through `/v1/chat/completions`.

The reply is streamed (`"stream": true` with `stream_options.include_usage`) so the client can
time it. The throughput figure comes from, in this order of preference:

1. llama.cpp's `timings` object (`predicted_per_second`, else `predicted_n / predicted_ms`),
   which its server adds to the reply: `LLAMA_CPP_TIMINGS`;
2. the client's clock over the stream: the tokens after the first one (`usage.completion_tokens`,
   else the number of content chunks) over the time from the first to the last content chunk,
   so time to first token (prompt processing) is left out: `CLIENT_STREAM`;
3. `usage.completion_tokens` over the call's wall time: `USAGE_OVER_CALL_WALL`.

Time to first token is the client's clock over the stream, request sent to the first content
chunk (`CLIENT_STREAM`); unstreamed, llama.cpp's `timings.prompt_ms` (`LLAMA_CPP_TIMINGS`).
Prompt tok/s comes from `timings` only (`prompt_per_second`, else `prompt_n / prompt_ms`).
A server loads its model when it starts, so a call has no load time to report.

`num_ctx` is not part of this API (the server fixes its context size at start) and is not sent.
`timeout_s` bounds the connection, each wait for bytes, and the whole streamed reply.

An `OpenAIBackend` keeps no state per call: its `httpx.Client` holds a thread-safe connection
pool, so one object may serve several threads at once.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, replace
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
    capped_lines,
    error_reply,
    failed,
    fetch_json,
    not_reachable,
    probe,
    read_capped,
    since,
    status_error,
    timeout_error,
    transport_error,
    transport_kind,
    truncated,
    within,
)
from bench.runner.backends._registry import register

DEFAULT_URL = "http://127.0.0.1:8080"
_GGUF_QUANT = re.compile(r"[-_.]((?:I?Q\d[A-Z0-9_]*)|BF16|F16|F32)\.gguf$", re.IGNORECASE)


class _StreamFault(Exception):
    """The reply was not a completion: `kind` is "timeout", "malformed" or "server"."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass
class _Tally:
    """What a reply (streamed or not) told the client."""

    parts: list[str] = field(default_factory=list)
    content_chunks: int = 0
    first_content_s: float | None = None
    last_content_s: float | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Any] = field(default_factory=dict)
    streamed: bool = True

    def add_content(self, text: str, at_s: float) -> None:
        self.parts.append(text)
        self.content_chunks += 1
        if self.first_content_s is None:
            self.first_content_s = at_s
        self.last_content_s = at_s


@register("openai")
class OpenAIBackend:
    name = "openai"

    def __init__(
        self, url: str = DEFAULT_URL, *, api_key: str | None = None, stream: bool = True
    ) -> None:
        self.url = url.rstrip("/")
        root = self.url.removesuffix("/v1")
        self._chat_url = f"{root}/v1/chat/completions"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=root, headers=headers)
        self._stream = stream

    def generate(
        self, model: str, prompt: str, options: SamplingOptions, timeout_s: float
    ) -> Reply:
        """The reply, or a timeout error once `timeout_s` have passed, whatever the server does."""
        started_s = time.perf_counter()
        return within(
            timeout_s,
            lambda: self._generate(model, prompt, options, timeout_s),
            lambda: failed(
                started_s, timeout_error(self._chat_url, model, timeout_s), ErrorKind.MODEL
            ),
        )

    def _generate(
        self, model: str, prompt: str, options: SamplingOptions, timeout_s: float
    ) -> Reply:
        where = self._chat_url
        request = self._chat_request(model, prompt, options)
        started_s = time.perf_counter()
        try:
            with self._client.stream(
                "POST", "/v1/chat/completions", json=request, timeout=timeout_s
            ) as response:
                if response.status_code != 200:
                    whole = read_capped(response)
                    exceeded = context_exceeded(whole)
                    if exceeded is not None:
                        return truncated(started_s, *exceeded)
                    return failed(started_s, status_error(whole, where=where, model=model))
                if self._stream:
                    tally = _read_stream(response, started_s + timeout_s)
                else:
                    tally = _read_body(read_capped(response).content)
        except httpx.HTTPError as exc:
            return failed(
                started_s,
                transport_error(exc, where=where, model=model, timeout_s=timeout_s),
                transport_kind(exc),
            )
        except _StreamFault as exc:
            kind = ErrorKind.MODEL if exc.kind == "timeout" else ErrorKind.INFRASTRUCTURE
            return failed(started_s, _fault_message(exc, where, model, timeout_s), kind)
        except ReplyTooLarge as exc:
            too_large = f"reply from {where} for model {model!r} refused: {exc}"
            return failed(started_s, too_large, ErrorKind.MODEL)
        return _reply(tally, started_s, where=where, model=model)

    def _chat_request(self, model: str, prompt: str, options: SamplingOptions) -> dict[str, Any]:
        sampling = {
            "temperature": options.temperature,
            "seed": options.seed,
            "max_tokens": options.max_tokens,
            "top_p": options.top_p,
        }
        request: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "stream": self._stream,
            **{key: value for key, value in sampling.items() if value is not None},
        }
        if self._stream:
            request["stream_options"] = {"include_usage": True}
        return request

    def model_facts(self, model: str) -> ModelFacts:
        listed = _listed_model(fetch_json(self._client, "GET", "/v1/models"), model)
        served = props_facts(fetch_json(self._client, "GET", "/props"))
        if listed is None:
            return served
        meta = listed.get("meta")
        n_params = as_positive(meta.get("n_params")) if isinstance(meta, dict) else None
        return replace(
            served,
            params_b=n_params / 1e9 if n_params is not None else None,
            quantization=_quantization_in_name(listed.get("id")),
        )

    def availability(self, model: str) -> str | None:
        models = probe(self._client, "/v1/models")
        if models.unreachable is not None:
            why, start = models.unreachable, "e.g. llama-server, vllm serve"
            return not_reachable("OpenAI-compatible server", self.url, why, start)
        if models.status is not None and models.status >= 500:
            return f"the server at {self.url} answered HTTP {models.status} to /v1/models"
        data = models.body.get("data") if isinstance(models.body, dict) else None
        if models.status != 200 or not isinstance(data, list) or not data:
            return None  # up, and lists no models to check against
        if _listed_model(models.body, model) is None:
            ids = ", ".join(str(e.get("id")) for e in data if isinstance(e, dict))
            return f"the server at {self.url} does not serve model {model!r}; it serves {ids}"
        return None

    def server_version(self) -> str | None:
        """llama.cpp: `/props` `build_info`; vLLM: `/version` `version`; else None."""
        for path, key in (("/props", "build_info"), ("/version", "version")):
            body = fetch_json(self._client, "GET", path)
            value = body.get(key) if isinstance(body, dict) else None
            if isinstance(value, str) and value:
                return value
        return None

    def close(self) -> None:
        self._client.close()


def context_exceeded(response: httpx.Response) -> tuple[int | None, int | None] | None:
    """(prompt tokens, context) when the server refused the prompt as longer than its context:
    llama.cpp's `exceed_context_size_error` (with `n_prompt_tokens`, `n_ctx`), OpenAI's and
    vLLM's `context_length_exceeded`; else None."""
    if response.status_code != 400:
        return None
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    kinds = {error.get("type"), error.get("code")}
    if not kinds & {"exceed_context_size_error", "context_length_exceeded"}:
        return None
    return as_count(error.get("n_prompt_tokens")), as_count(error.get("n_ctx"))


def props_facts(props: Any) -> ModelFacts:
    """What llama.cpp's `/props` says of how it serves its model: `chat_template`, and in
    `default_generation_settings` the context (`n_ctx`, fixed by `--ctx-size` at start) and the
    scalar settings (top level and under `params`). Other servers answer no `/props`."""
    if not isinstance(props, dict):
        return ModelFacts(context_fixed=True)
    defaults = props.get("default_generation_settings")
    defaults = defaults if isinstance(defaults, dict) else {}
    params = defaults.get("params")
    merged = {**defaults, **(params if isinstance(params, dict) else {})}
    settings = tuple(
        (str(key), json.dumps(value) if not isinstance(value, str) else value)
        for key, value in sorted(merged.items())
        if isinstance(value, str | int | float | bool) or value is None
    )
    template = props.get("chat_template")
    n_ctx = as_count(defaults.get("n_ctx"))
    return ModelFacts(
        chat_template=template if isinstance(template, str) and template else None,
        context_tokens=n_ctx if n_ctx else None,
        context_fixed=True,
        settings=settings,
    )


def _read_stream(response: httpx.Response, deadline_s: float) -> _Tally:
    tally = _Tally()
    events = 0
    other = ""
    for line in capped_lines(response):
        if time.perf_counter() > deadline_s:
            raise _StreamFault("timeout", "the streamed reply did not finish in time")
        if not line.startswith("data:"):
            other = other or line.strip()  # blank separators, `event:` and `:` comment lines
            continue
        events += 1
        payload = line[len("data:") :].strip()
        if payload == "[DONE]":
            break
        try:
            chunk = json.loads(payload)
        except json.JSONDecodeError as exc:
            detail = f"a stream event is not JSON ({exc}): {payload[:200]!r}"
            raise _StreamFault("malformed", detail) from exc
        _take_chunk(tally, chunk, time.perf_counter(), delta_key="delta")
    if not events:
        detail = f"no server-sent events (`data:` lines) in the reply, which starts {other[:200]!r}"
        raise _StreamFault("malformed", detail)
    return tally


def _read_body(raw: bytes) -> _Tally:
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        text = raw.decode(errors="replace")[:200]
        raise _StreamFault("malformed", f"the reply is not JSON ({exc}): {text!r}") from exc
    tally = _Tally(streamed=False)
    _take_chunk(tally, body, time.perf_counter(), delta_key="message")
    return tally


def _take_chunk(tally: _Tally, chunk: Any, at_s: float, *, delta_key: str) -> None:
    if not isinstance(chunk, dict):
        raise _StreamFault("malformed", f"expected a JSON object, got {str(chunk)[:200]!r}")
    if "error" in chunk:
        raise _StreamFault("server", _error_text(chunk["error"]))
    if isinstance(chunk.get("usage"), dict):
        tally.usage = chunk["usage"]
    if isinstance(chunk.get("timings"), dict):
        tally.timings = chunk["timings"]
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        if delta_key == "delta":
            return  # a stream may end with an event that only carries `usage` or `timings`
        raise _StreamFault("malformed", f"no `choices` list in {json.dumps(chunk)[:200]!r}")
    for choice in choices:
        message = choice.get(delta_key) if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and content:
            tally.add_content(content, at_s)


def _error_text(error: Any) -> str:
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    return str(error)[:200]


def _fault_message(fault: _StreamFault, where: str, model: str, timeout_s: float) -> str:
    if fault.kind == "timeout":
        return (
            f"no complete reply from {where} for model {model!r} within {timeout_s:g} s (timeout)"
        )
    if fault.kind == "malformed":
        return f"malformed reply from {where} for model {model!r}: {fault.detail}"
    return f"{where} reported an error for model {model!r}: {fault.detail}"


def _reply(tally: _Tally, started_s: float, *, where: str, model: str) -> Reply:
    call_wall_s = since(started_s)
    if not tally.parts and not tally.usage and not tally.timings:
        empty = f"empty reply from {where} for model {model!r}: no content"
        return error_reply(call_wall_s, empty, ErrorKind.MODEL)
    throughput, source = _throughput(tally, call_wall_s)
    return Reply(
        text="".join(tally.parts),
        generation=Generation(
            call_wall_s=call_wall_s,
            throughput_tok_s=throughput,
            throughput_source=source,
            prompt_tokens=_first_count(
                tally.usage.get("prompt_tokens"), tally.timings.get("prompt_n")
            ),
            generated_tokens=_first_count(
                tally.usage.get("completion_tokens"), tally.timings.get("predicted_n")
            ),
            **first_token_timings(tally, started_s),
        ),
    )


def first_token_timings(tally: _Tally, started_s: float) -> dict[str, Any]:
    """Time to first token and prompt tok/s, each with its source."""
    timings: dict[str, Any] = {}
    prompt_ms = as_positive(tally.timings.get("prompt_ms"))
    if tally.streamed and tally.first_content_s is not None:
        ttft_s = max(0.0, tally.first_content_s - started_s)
        timings.update(ttft_s=ttft_s, ttft_source=TimingSource.CLIENT_STREAM)
    elif prompt_ms is not None:
        timings.update(ttft_s=prompt_ms / 1000, ttft_source=TimingSource.LLAMA_CPP_TIMINGS)
    prompt_tok_s = as_positive(tally.timings.get("prompt_per_second"))
    prompt_n = as_positive(tally.timings.get("prompt_n"))
    if prompt_tok_s is None and prompt_n is not None and prompt_ms is not None:
        prompt_tok_s = prompt_n / (prompt_ms / 1000)
    if prompt_tok_s is not None:
        timings.update(
            prompt_tok_s=prompt_tok_s, prompt_tok_s_source=TimingSource.LLAMA_CPP_TIMINGS
        )
    return timings


def _throughput(tally: _Tally, call_wall_s: float) -> tuple[float | None, ThroughputSource | None]:
    from_timings = _timings_tok_s(tally.timings)
    if from_timings is not None:
        return from_timings, ThroughputSource.LLAMA_CPP_TIMINGS
    tokens = as_count(tally.usage.get("completion_tokens"))
    streamed_s = (
        tally.last_content_s - tally.first_content_s
        if tally.first_content_s is not None and tally.last_content_s is not None
        else 0.0
    )
    streamed_tokens = tokens if tokens is not None else tally.content_chunks
    if streamed_s > 0 and streamed_tokens >= 2:
        return (streamed_tokens - 1) / streamed_s, ThroughputSource.CLIENT_STREAM
    if tokens and call_wall_s > 0:
        return tokens / call_wall_s, ThroughputSource.USAGE_OVER_CALL_WALL
    return None, None


def _timings_tok_s(timings: dict[str, Any]) -> float | None:
    per_second = as_positive(timings.get("predicted_per_second"))
    if per_second is not None:
        return per_second
    predicted_n = as_positive(timings.get("predicted_n"))
    predicted_ms = as_positive(timings.get("predicted_ms"))
    if predicted_n is None or predicted_ms is None:
        return None
    return predicted_n / (predicted_ms / 1000)


def _first_count(*values: object) -> int | None:
    for value in values:
        count = as_count(value)
        if count is not None:
            return count
    return None


def _listed_model(models: Any, model: str) -> dict[str, Any] | None:
    """The `/v1/models` entry for `model`; a server that lists one model serves it whatever
    the name (llama.cpp), so a lone entry counts too."""
    data = models.get("data") if isinstance(models, dict) else None
    if not isinstance(data, list):
        return None
    entries = [entry for entry in data if isinstance(entry, dict)]
    for entry in entries:
        if entry.get("id") == model:
            return entry
    return entries[0] if len(entries) == 1 else None


def _quantization_in_name(model_id: object) -> str | None:
    """llama.cpp names a model by its GGUF path, whose name usually ends in the quant type."""
    match = _GGUF_QUANT.search(model_id) if isinstance(model_id, str) else None
    return match.group(1).upper() if match else None
