"""A fake OpenAI-compatible server on loopback, for what a real one cannot be made to do.

`POST /v1/chat/completions` answers in the shape of the OpenAI API (`choices[].message` or,
streamed as server-sent events, `choices[].delta`, ended by `data: [DONE]`; `usage` in the last
event when `stream_options.include_usage` is asked for). With `flavour="llama.cpp"` it also
sends llama.cpp's `timings` object and answers `/props` (`default_generation_settings` with
`n_ctx`, `chat_template`, `build_info`) and `/v1/models` with `meta.n_params`, like
llama.cpp's own server (tools/server/README.md); with `flavour="vllm"`
it answers `GET /version`. An unknown model gets 404 with OpenAI's error object.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from fakes._loopback import Answer, LoopbackServer, json_answer

Flavour = Literal["llama.cpp", "vllm"]
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "<|im_end|>\n{% endfor %}<|im_start|>assistant\n"
)


@dataclass(frozen=True)
class FakeCompletion:
    pieces: tuple[str, ...] = ("def ", "add(a, b):", "\n    return", " a + b\n")
    prompt_tokens: int = 12
    completion_tokens: int = 8
    predicted_ms: float = 160.0  # llama.cpp timings: 8 tokens in 0.16 s = 50 tok/s
    chunk_interval_s: float = 0.0

    @property
    def text(self) -> str:
        return "".join(self.pieces)


class FakeOpenAI(LoopbackServer):
    def __init__(
        self,
        model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        *,
        flavour: Flavour = "llama.cpp",
        completion: FakeCompletion | None = None,
        n_params: int = 1_543_714_304,
        n_ctx: int = 4096,
    ) -> None:
        super().__init__()
        self.model = model
        self.flavour = flavour
        self.completion = completion or FakeCompletion()
        self.n_params = n_params
        self.n_ctx = n_ctx  # llama-server --ctx-size, per slot
        self.stream_error: str | None = None  # sent as an `error` event after the first chunk

    def route(self, method: str, path: str, body: Any) -> Answer:
        if (method, path) == ("POST", "/v1/chat/completions"):
            return self._chat(body)
        if (method, path) == ("GET", "/v1/models"):
            return json_answer({"object": "list", "data": [self._model_entry()]})
        if (method, path) == ("GET", "/props") and self.flavour == "llama.cpp":
            return json_answer(self._props())
        if (method, path) == ("GET", "/version") and self.flavour == "vllm":
            return json_answer({"version": "0.6.3"})
        return json_answer({"detail": "Not Found"}, status=404)

    def _props(self) -> dict[str, Any]:
        """llama.cpp's `GET /props` (tools/server/README.md): the slot defaults, the template."""
        params = {"temperature": 0.8, "top_k": 40, "top_p": 0.95, "n_predict": -1, "seed": -1}
        return {
            "default_generation_settings": {
                "id": 0,
                "id_task": -1,
                "n_ctx": self.n_ctx,
                "speculative": False,
                "is_processing": False,
                "params": params,
            },
            "total_slots": 1,
            "model_path": self.model,
            "chat_template": CHAT_TEMPLATE,
            "build_info": "b6002-7cbb3e8",
        }

    def _exceeded(self) -> dict[str, Any]:
        """llama.cpp's refusal of a prompt longer than a slot's context."""
        n = self.completion.prompt_tokens
        return {
            "error": {
                "code": 400,
                "message": f"request ({n} tokens) exceeds the available context size "
                f"({self.n_ctx} tokens)",
                "type": "exceed_context_size_error",
                "n_prompt_tokens": n,
                "n_ctx": self.n_ctx,
            }
        }

    def _model_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.model, "object": "model", "owned_by": "fake"}
        if self.flavour == "llama.cpp":
            entry["meta"] = {"n_params": self.n_params, "n_ctx_train": 32768}
        return entry

    def _chat(self, body: Any) -> Answer:
        if not isinstance(body, dict) or body.get("model") != self.model:
            name = body.get("model") if isinstance(body, dict) else None
            error = {
                "message": f"The model `{name}` does not exist.",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
            return json_answer({"error": error}, status=404)
        if self.flavour == "llama.cpp" and self.completion.prompt_tokens > self.n_ctx:
            return json_answer(self._exceeded(), status=400)
        if not body.get("stream"):
            return json_answer(self._whole(body))
        return Answer(200, self._events(body), content_type="text/event-stream")

    def _whole(self, body: dict[str, Any]) -> dict[str, Any]:
        message = {"role": "assistant", "content": self.completion.text}
        reply = self._envelope("chat.completion", [{"index": 0, "message": message}])
        reply["choices"][0]["finish_reason"] = "stop"
        reply["usage"] = self._usage()
        return self._with_timings(reply)

    def _events(self, body: dict[str, Any]) -> Iterator[bytes]:
        include_usage = (body.get("stream_options") or {}).get("include_usage") is True
        for index, piece in enumerate(self.completion.pieces):
            if index:
                time.sleep(self.completion.chunk_interval_s)
            delta = {"content": piece} if index else {"role": "assistant", "content": piece}
            yield _event(self._envelope("chat.completion.chunk", [{"index": 0, "delta": delta}]))
            if self.stream_error is not None:
                yield _event({"error": {"message": self.stream_error, "type": "server_error"}})
                return
        last = self._envelope("chat.completion.chunk", [])
        if include_usage:
            last["usage"] = self._usage()
        yield _event(self._with_timings(last))
        yield b"data: [DONE]\n\n"

    def _envelope(self, kind: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": kind,
            "created": int(time.time()),
            "model": self.model,
            "choices": choices,
        }

    def _usage(self) -> dict[str, int]:
        prompt, completion = self.completion.prompt_tokens, self.completion.completion_tokens
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _with_timings(self, reply: dict[str, Any]) -> dict[str, Any]:
        if self.flavour != "llama.cpp":
            return reply
        n, ms = self.completion.completion_tokens, self.completion.predicted_ms
        reply["timings"] = {
            "prompt_n": self.completion.prompt_tokens,
            "prompt_ms": 30.0,
            "predicted_n": n,
            "predicted_ms": ms,
            "predicted_per_token_ms": ms / n,
            "predicted_per_second": n / (ms / 1000),
        }
        return reply


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()
