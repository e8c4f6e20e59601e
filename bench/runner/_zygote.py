"""The runner's fork server: `python -I -S _zygote.py SOCKET_FD`, started by
`bench.runner.zygote`. Standard library only; never imported by the runner.

It starts fresh (exec'd, not forked from the runner: it holds nothing of the runner's: no
problem, test, reference or candidate), imports once what every evaluation needs (the
sandbox's launcher, the task driver, the wire format, the HumanEval test's program, and the
standard modules HumanEval's prompts and candidates import), and then forks, on request, a
child that starts where a fresh interpreter would have finished importing: a sandbox (the
launcher, whose target runs the driver in its own interpreter instead of starting another), or
the HumanEval test's process. So an evaluation pays a fork, not two interpreters' start-up and
imports, as HumanEval's own evaluator forks from a warm parent.

A request is one `marshal`led message with the file descriptors the child gets (SCM_RIGHTS);
the answer is a pidfd of the child, through which the runner waits for it and kills it (a pid
could be reused; a pidfd cannot). Nothing in a request is data of a task: files come by path.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import socket
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
_PRELOAD = (
    "json",
    "typing",
    "collections",
    "math",
    "re",
    "itertools",
    "functools",
    "heapq",
    "bisect",
    "string",
    "random",
    "copy",
    "hashlib",
    "fractions",
    "decimal",
    "datetime",
    "resource",
    "signal",
)
_MAX_FDS = 8
_MESSAGE_BYTES = 1 << 20


def _load(name: str, path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(socket_fd: str) -> int:
    # No parent-death signal: it fires when the runner's *thread* that started this one ends.
    # When the runner is gone, so is its end of the socket, and `recv` returns nothing.
    for name in _PRELOAD:
        __import__(name)
    _load("bench_wire", os.path.join(_HERE, "tasks", "_wire.py"))
    driver = _load("bench_driver", os.path.join(_HERE, "tasks", "_driver.py"))
    check = _load("bench_check", os.path.join(_HERE, "tasks", "humaneval", "check_program.py"))
    launcher = _load("bench_launcher", os.path.join(_HERE, "_sandbox_launcher.py"))
    launcher.IN_PROCESS["driver"] = lambda argv: driver.main(argv[-1])
    server = socket.socket(fileno=int(socket_fd))
    os.write(1, b"ready\n")
    os.close(1)
    while True:
        _reap()
        try:
            message, fds, _, _ = socket.recv_fds(server, _MESSAGE_BYTES, _MAX_FDS)
        except OSError:
            return 1
        if not message:
            return 0  # the runner is gone
        request = marshal.loads(message)
        pid = os.fork()
        if pid == 0:
            server.close()
            os._exit(_child(request, fds, launcher, check))
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        try:
            socket.send_fds(server, [marshal.dumps({"pid": pid})], [pidfd])
        finally:
            os.close(pidfd)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(request: dict[str, Any], fds: list[int], launcher: Any, check: Any) -> int:
    """In the forked child: its own session, the request's descriptors as 0, 1, 2 (and 3),
    no other; then the launcher or the test's program."""
    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(len(fds), 65536)
        for fd in range(len(fds)):
            os.set_inheritable(fd, fd < 3)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        if request["kind"] == "sandbox":
            config = request["config"]
            config["status_fd"] = 3
            return int(launcher.main(marshal.dumps(config).hex()))
        sys.argv = ["bench_check.py", *request["argv"]]
        return int(check.main(*request["argv"]))
    except BaseException as error:
        os.write(2, f"the fork server's child failed: {type(error).__name__}: {error}\n".encode())
        return 70


if __name__ == "__main__":
    os._exit(main(sys.argv[1]))
