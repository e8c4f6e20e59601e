"""A real HTTP server on 127.0.0.1 (ephemeral port, own thread) that records what it receives
and can be told to misbehave. The fake model servers are subclasses that answer `route`."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class Fault(StrEnum):
    HANG = "hang"  # accept the request, then say nothing until released (past any timeout)
    HTTP_500 = "http_500"  # answer 500 Internal Server Error
    MALFORMED_JSON = "malformed_json"  # answer 200 with a body that is not JSON
    DROP = "drop"  # close the connection without an answer: the server went away mid-call
    DRIP = "drip"  # answer 200, then one byte every `drip_s` (for `hang_s` at most)


@dataclass(frozen=True)
class Recorded:
    """One request the server received; `body` is its parsed JSON (None when not JSON)."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class Answer:
    status: int
    body: bytes | Iterable[bytes]  # an iterable is streamed chunk by chunk
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(payload: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(payload).encode())


class LoopbackServer:
    """Start with `with Server.running() as server:`; requests go to `server.url`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.fault: Fault | None = None
        self.fault_paths: tuple[str, ...] | None = None  # where the fault applies; None: all
        self.hang_s = 60.0
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.loopback = self  # type: ignore[attr-defined]
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._up = False

    @classmethod
    @contextmanager
    def running(cls, *args: Any, **kwargs: Any) -> Iterator[Self]:
        server = cls(*args, **kwargs)
        server.start()
        try:
            yield server
        finally:
            server.stop()

    def start(self) -> None:
        self._thread.start()
        self._up = True

    def go_down(self) -> None:
        """Stop listening: from now on connections to `url` are refused."""
        self.stop()

    def stop(self) -> None:
        self._release.set()
        if self._up:
            self._httpd.shutdown()
            self._up = False
        self._httpd.server_close()

    drip_s = 0.5

    def _drip(self) -> Iterator[bytes]:
        for _ in range(int(self.hang_s / self.drip_s)):
            if self._release.wait(self.drip_s):
                return
            yield b" "

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def route(self, method: str, path: str, body: Any) -> Answer:
        raise NotImplementedError

    def _answer(self, method: str, path: str, body: Any) -> Answer | None:
        if self.fault_paths is not None and path not in self.fault_paths:
            return self.route(method, path, body)
        if self.fault is Fault.HANG:
            self._release.wait(self.hang_s)
            return None
        if self.fault is Fault.HTTP_500:
            return json_answer({"error": "simulated internal server error"}, status=500)
        if self.fault is Fault.DRIP:
            return Answer(200, self._drip())
        if self.fault is Fault.MALFORMED_JSON:
            return Answer(200, b'{"model": "oops", "message": {"content": "trunc')
        return self.route(method, path, body)


class _Handler(BaseHTTPRequestHandler):
    server_version = "fake/1"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet tests

    def _serve(self, method: str) -> None:
        loopback: LoopbackServer = self.server.loopback  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        path = self.path.split("?", 1)[0]
        loopback.requests.append(Recorded(method, path, body, dict(self.headers.items())))
        if loopback.fault is Fault.DROP and path in (loopback.fault_paths or (path,)):
            self.close_connection = True
            return
        answer = loopback._answer(method, path, body)
        # A client that gave up first (a timeout test) closed the socket: nothing to tell it.
        if answer is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(answer)

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if isinstance(answer.body, bytes):
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
            return
        self.send_header("Connection", "close")
        self.end_headers()
        for chunk in answer.body:
            self.wfile.write(chunk)
            self.wfile.flush()
