"""What the runner's tests share: a timed fake Ollama server, run configs, the `bench` command."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from fakes._loopback import Answer
from fakes.ollama_server import FakeModel, FakeOllama
from ruamel.yaml import YAML

from bench.record.schema import SamplingOptions
from bench.runner.backends import Backend, ModelFacts, Reply

REPO = Path(__file__).resolve().parents[2]
TASK_ID = "deployment_window_analyzer"
BENCHMARK = "test-bench"
BASE_SEED = 7


class TimedOllama(FakeOllama):
    """A fake Ollama whose chat answers take `delay_s`; it notes when each one was served.

    With `hold_after = N`, the chats after the first N wait until `release()`, and `holding`
    is set when the first of them arrives: a test can stop a run while a call is surely in
    flight, without guessing how long the calls before it take.
    """

    def __init__(self, *models: FakeModel, delay_s: float = 0.0) -> None:
        super().__init__(*models)
        self.delay_s = delay_s
        self.served: list[tuple[float, float]] = []  # (start, end), monotonic seconds
        self._served_lock = threading.Lock()
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self._released = threading.Event()
        self._chats_received = 0

    def release(self) -> None:
        """Let the held chats (and any later one) through."""
        self.hold_after = None
        self._released.set()

    def stop(self) -> None:
        self._released.set()
        super().stop()

    def _hold(self) -> None:
        with self._served_lock:
            self._chats_received += 1
            held = self.hold_after is not None and self._chats_received > self.hold_after
        if held:
            self.holding.set()
            self._released.wait(self.hang_s)

    def route(self, method: str, path: str, body: Any) -> Answer:
        if path != "/api/chat":
            return super().route(method, path, body)
        self._hold()
        started = time.monotonic()
        time.sleep(self.delay_s)
        answer = super().route(method, path, body)
        with self._served_lock:
            self.served.append((started, time.monotonic()))
        return answer

    def chats(self) -> list[dict[str, Any]]:
        """The bodies of the chat requests received, in order."""
        return [r.body for r in self.requests_to("/api/chat")]


class InterruptAfter:
    """A backend that lets `calls` calls through, then acts as if Ctrl-C was pressed."""

    def __init__(self, inner: Backend, calls: int) -> None:
        self._inner, self._left = inner, calls
        self.name, self.url = inner.name, inner.url

    def generate(
        self, model: str, prompt: str, options: SamplingOptions, timeout_s: float
    ) -> Reply:
        if self._left == 0:
            raise KeyboardInterrupt
        self._left -= 1
        return self._inner.generate(model, prompt, options, timeout_s)

    def model_facts(self, model: str) -> ModelFacts:
        return self._inner.model_facts(model)

    def availability(self, model: str) -> str | None:
        return self._inner.availability(model)

    def server_version(self) -> str | None:
        return self._inner.server_version()

    def close(self) -> None:
        self._inner.close()


def fenced(code: str) -> str:
    """A model-like reply: a sentence, then the code in a Markdown fence."""
    return f"Here is the script.\n\n```python\n{code}```\n"


def ollama_model(tag: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"tag": tag, "backend": "ollama", "url": url, **extra}


def write_config(
    folder: Path,
    models: list[dict[str, Any]],
    pairs: tuple[tuple[str, str], ...] = (),
    **settings: Any,
) -> Path:
    """A run config in `folder`/run.yaml whose archive is `folder`/archive."""
    data: dict[str, Any] = {
        "benchmark": BENCHMARK,
        "title": "Runner test",
        "task": TASK_ID,
        "repeats": 1,
        "timeout_s": 30,
        "warmup": False,  # tests count calls; warm-ups have tests of their own
        "archive": "archive",
        "sampling": {"temperature": 0, "seed": BASE_SEED, "max_tokens": 256},
        "models": models,
        "pairs": [{"small": small, "large": large} for small, large in pairs],
        **settings,
    }
    text = io.StringIO()
    YAML().dump(data, text)
    path = folder / "run.yaml"
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def handoff_models(reply: str) -> tuple[FakeModel, FakeModel]:
    """A small and a large fake model that both answer `reply`."""
    return FakeModel(name="small:0.5b", reply=reply), FakeModel(name="large:1.5b", reply=reply)


def handoff_config(
    folder: Path, models: tuple[FakeModel, FakeModel], url: str, **settings: Any
) -> Path:
    """A config asking both models at `url` directly and as a handoff (small, then large)."""
    small, large = models
    return write_config(
        folder,
        [ollama_model(m.name, url) for m in models],
        pairs=((small.name, large.name),),
        **settings,
    )


def run_dirs(archive: Path) -> list[Path]:
    return sorted(p for p in (archive / BENCHMARK).iterdir() if p.is_dir())


def bench(*args: str, cwd: Path, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    """The `bench` command in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "bench.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def bench_process(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
