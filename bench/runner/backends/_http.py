"""What the HTTP backends share: turning server faults into messages a user can act on."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

import httpx

from bench.record.errors import shorten
from bench.record.schema import ErrorKind, Generation
from bench.runner.backends._base import Reply

FACTS_TIMEOUT_S = 10.0
_EXCERPT_CHARS = 200
_DEADLINE_GRACE_S = 0.25
REPLY_BYTES = 32 * 1024 * 1024  # a reply over this is a call error: nothing is that long


def failed(started_s: float, error: str, kind: ErrorKind = ErrorKind.INFRASTRUCTURE) -> Reply:
    """The reply of a call that went wrong: no text, the wall time so far, the reason, and
    whose fault it was (the server's unless said otherwise: a timeout, an empty reply)."""
    return error_reply(since(started_s), error, kind)


def error_reply(
    call_wall_s: float, error: str, kind: ErrorKind = ErrorKind.INFRASTRUCTURE
) -> Reply:
    generation = Generation(call_wall_s=call_wall_s, error=error, error_kind=kind)
    return Reply(text="", generation=generation)


def truncation_error(prompt_tokens: int | None, context_tokens: int | None) -> str:
    """The one sentence for a prompt that did not fit the context in effect."""
    asked = f"a prompt of {prompt_tokens} tokens" if prompt_tokens is not None else "the prompt"
    room = f"{context_tokens} tokens" if context_tokens is not None else "its size"
    return (
        f"truncated: {asked} does not fit the context of {room} (raise sampling.num_ctx, or "
        "the server's context); the setup's failure, kept out of the score as missing data"
    )


def truncated(started_s: float, prompt_tokens: int | None, context_tokens: int | None) -> Reply:
    """The reply of a call whose prompt did not fit the context: the setup's failure, recorded
    as missing data, with the prompt's tokens when the server counted them."""
    reply = failed(started_s, truncation_error(prompt_tokens, context_tokens))
    generation = reply.generation.model_copy(
        update={"prompt_tokens": prompt_tokens, "truncated": True}
    )
    return Reply(text="", generation=generation)


def transport_kind(exc: httpx.HTTPError) -> ErrorKind:
    """A model that did not answer in time failed; a server that could not be reached, or
    broke the connection, measured nothing."""
    timed_out = isinstance(exc, httpx.TimeoutException) and not isinstance(
        exc, httpx.ConnectTimeout
    )
    return ErrorKind.MODEL if timed_out else ErrorKind.INFRASTRUCTURE


def within(timeout_s: float, call: Callable[[], Reply], late: Callable[[], Reply]) -> Reply:
    """`call()`, or `late()` once `timeout_s` have passed, whatever the server does: httpx's
    timeouts bound each wait for bytes, not a whole reply a server drips byte by byte. A call
    that overruns is left to end in its own thread (its next read fails or it finishes)."""
    outcome: list[Reply] = []
    worker = threading.Thread(target=lambda: outcome.append(call()), daemon=True)
    worker.start()
    worker.join(timeout_s + _DEADLINE_GRACE_S)
    return outcome[0] if outcome else late()


class ReplyTooLarge(Exception):
    """A server sent more than `REPLY_BYTES`; the rest was not read."""


def capped_bytes(response: httpx.Response) -> Iterator[bytes]:
    """The body's bytes as they come; ReplyTooLarge past `REPLY_BYTES`."""
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > REPLY_BYTES:
            raise ReplyTooLarge(f"the reply is over {REPLY_BYTES:,} bytes; not read further")
        yield chunk


def read_capped(response: httpx.Response) -> httpx.Response:
    """The response with its whole body read, at most `REPLY_BYTES`."""
    content = b"".join(capped_bytes(response))
    return httpx.Response(
        response.status_code, headers=response.headers, content=content, request=response.request
    )


def capped_lines(response: httpx.Response) -> Iterator[str]:
    """The body's lines (UTF-8, bad bytes replaced), at most `REPLY_BYTES` in all."""
    buffer = bytearray()
    for chunk in capped_bytes(response):
        buffer.extend(chunk)
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            yield buffer[start:end].decode("utf-8", errors="replace").rstrip("\r")
            start = end + 1
        del buffer[:start]
    if buffer:
        yield buffer.decode("utf-8", errors="replace").rstrip("\r")


def since(started_s: float) -> float:
    return max(0.0, time.perf_counter() - started_s)


def transport_error(exc: httpx.HTTPError, *, where: str, model: str, timeout_s: float) -> str:
    """Say what went wrong talking to `where` (a URL) about `model`."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect to {where} for model {model!r} within {timeout_s:g} s"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {where} for model {model!r}: {exc} (is the server running?)"
    if isinstance(exc, httpx.TimeoutException):
        return timeout_error(where, model, timeout_s)
    return f"request to {where} for model {model!r} failed: {type(exc).__name__}: {exc}"


def timeout_error(where: str, model: str, timeout_s: float) -> str:
    return f"no reply from {where} for model {model!r} within {timeout_s:g} s (timeout)"


def status_error(response: httpx.Response, *, where: str, model: str) -> str:
    detail = error_detail(response)
    if response.status_code == 404 and ("model" in detail.lower() or model in detail):
        return f"model {model!r} not found on {where} (HTTP 404): {detail}"
    if response.status_code == 404:
        detail += " (no such endpoint: is this the right kind of server for this backend?)"
    return f"HTTP {response.status_code} from {where} for model {model!r}: {detail}"


def error_detail(response: httpx.Response) -> str:
    """The server's own words: `error`, `error.message`, `message` or `detail`, else the body."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return excerpt(response.text) or "(empty body)"
    found = _message_in(body)
    return found if found is not None else excerpt(response.text)


def _message_in(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        return _message_in(error)
    for value in (error, body.get("message"), body.get("detail")):
        if isinstance(value, str) and value:
            return value
    return None


def malformed(where: str, model: str, problem: str, body: str) -> str:
    return f"malformed reply from {where} for model {model!r}: {problem}; body {excerpt(body)!r}"


def excerpt(text: str) -> str:
    return shorten(text.strip().encode("utf-8", errors="replace").decode("utf-8"), _EXCERPT_CHARS)


def fetch_json(client: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    """The JSON a lookup answers, or None on any fault: lookups never raise."""
    try:
        response = client.request(method, path, json=body, timeout=FACTS_TIMEOUT_S)
        if response.status_code != 200:
            return None
        return response.json()
    except (httpx.HTTPError, json.JSONDecodeError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class Probe:
    """What a server said to a lookup: reached or not, its status, its JSON (None if not)."""

    unreachable: str | None  # why the server could not be reached; None when it answered
    status: int | None = None
    body: Any = None


def not_reachable(server: str, url: str, why: str, start: str) -> str:
    """The one sentence for a server that does not answer, whichever command finds it:
    `the Ollama server at URL is not reachable (why); start it (ollama serve)`."""
    return f"the {server} at {url} is not reachable ({why}); start it ({start})"


def probe(client: httpx.Client, path: str) -> Probe:
    """GET `path`: is the server up, and what does it list? Never raises."""
    try:
        response = client.get(path, timeout=FACTS_TIMEOUT_S)
    except httpx.HTTPError as exc:
        return Probe(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    return Probe(None, response.status_code, body)


def as_count(value: object) -> int | None:
    """A token count from a JSON field: a non-negative int, else None."""
    if not _finite(value) or value < 0:
        return None
    return int(value)


def as_positive(value: object) -> float | None:
    """A positive, finite number from a JSON field (which may say `Infinity` or `NaN`)."""
    if not _finite(value) or value <= 0:
        return None
    return float(value)


def _finite(value: object) -> TypeGuard[int | float]:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
