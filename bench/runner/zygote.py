"""The runner's side of the fork server (`_zygote.py`): one warm process per runner process,
started on first use, that forks the sandbox's launcher and the HumanEval test's process so
that an evaluation pays a fork rather than interpreters' start-up and imports.

`spawn` sends a request and the child's descriptors, and returns a `Child`: a pidfd to wait
for it and to kill it. When the fork server cannot run here (no pidfd, no SCM_RIGHTS), or
`BENCH_FORK_SERVER=0` is set, `server()` is None and callers start processes themselves.
"""

from __future__ import annotations

import atexit
import contextlib
import marshal
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = ["Child", "ForkServer", "server"]

_PROGRAM = Path(__file__).with_name("_zygote.py")


class Child:
    """A process the fork server started: wait for it, or kill it and its process group."""

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid, self._pidfd = pid, pidfd
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """Its exit as a returncode-like 0 once it has ended (the fork server reaps it)."""
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self.returncode = 0
        return self.returncode

    def wait(self, timeout_s: float | None = None) -> bool:
        """True when it ended within `timeout_s`."""
        if self.returncode is None and select.select([self._pidfd], [], [], timeout_s)[0]:
            self.returncode = 0
        return self.returncode is not None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # it leads a session of its own

    def close(self) -> None:
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1


class ForkServer:
    """The warm process and the socket to it; requests from many threads, one at a time."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket, self._lock = mine, threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(_PROGRAM), str(theirs.fileno())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            pass_fds=(theirs.fileno(),),
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
            start_new_session=True,
        )
        theirs.close()
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()
        self._process.stdout.close()
        if ready != b"ready\n":
            self._process.kill()
            self._process.wait()
            raise OSError("the fork server did not start")

    def spawn(self, request: dict[str, Any], fds: list[int]) -> Child:
        """Fork a child for `request` with `fds` as its 0, 1, 2 (and 3).

        Raises:
            OSError: the fork server is gone (callers start the process themselves).
        """
        with self._lock:
            socket.send_fds(self._socket, [marshal.dumps(request)], fds)
            message, pidfds, _, _ = socket.recv_fds(self._socket, 4096, 1)
        if not message or len(pidfds) != 1:
            raise OSError("the fork server did not answer")
        return Child(int(marshal.loads(message)["pid"]), pidfds[0])

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        self._socket.close()  # the server reads EOF and exits
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)


_server: ForkServer | None = None
_tried = False
_start_lock = threading.Lock()


def server() -> ForkServer | None:
    """This process's fork server, started on first use; None where it cannot run."""
    global _server, _tried
    with _start_lock:
        if _server is not None and not _server.alive():  # killed from outside: start anew
            _server, _tried = None, False
        if not _tried:
            _tried = True
            if os.environ.get("BENCH_FORK_SERVER", "1") != "0" and hasattr(os, "pidfd_open"):
                try:
                    _server = ForkServer()
                    atexit.register(_server.close)
                except OSError:
                    _server = None
        return _server
