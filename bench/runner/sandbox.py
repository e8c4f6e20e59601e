"""Run model-written code in a contained child process.

The code runs in a fresh temporary directory (its working directory and HOME) with a scrubbed
environment, resource limits (CPU time, address space, file size, open files, processes) and a
wall-clock timeout, as a throwaway uid when the runner is root, in new network, IPC, mount and
PID namespaces where the kernel allows them. In the mount namespace everything is read-only
except its folder, a tmpfs capped at `Limits.disk_bytes`, and a small /dev/shm. Its stdout and
stderr are read up to a cap; the rest is discarded and flagged. When it is done, nothing it
started survives: the PID namespace's init dies and the kernel kills everything left in it
(without a PID namespace, every process of the throwaway uid is killed).

The parent never forks itself (the runner may have threads): it starts a small launcher
(`_sandbox_launcher.py`) that does the namespaces, the forks and the exec, and reports on a
status pipe what isolation it achieved and how the code ended.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import marshal
import os
import secrets
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bench.runner import zygote

__all__ = [
    "Limits",
    "SandboxError",
    "SandboxResult",
    "drops_uid",
    "fresh_uid",
    "isolation_level",
    "python_command",
    "run",
]

_MIB = 1024 * 1024
# Throwaway uids/gids (no passwd entry), far above any range a distribution or container
# runtime hands out; one per run, so runs cannot signal each other and RLIMIT_NPROC counts
# only that run's processes.
_SANDBOX_UID_BASE = 1_600_000_000
_SANDBOX_UID_SPAN = 1 << 24
_TEARDOWN_GRACE_S = 5.0  # past the wall limit, for the launcher to tear the namespaces down
_LEFTOVER_GRACE_S = 0.5
_POLL_S = 0.05
_READ_CHUNK = 65536
_COLLECT_BYTES = 512 * 1024  # all collected files: their base64 fits the launcher's pipes
_STATUS_PIPE_BYTES = 1024 * 1024
_LAUNCHER = Path(__file__).with_name("_sandbox_launcher.py")


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the code in it): the launcher or the exec."""


@dataclass(frozen=True)
class Limits:
    """What the sandboxed code may use. Per process, except `wall_s` and `processes`."""

    wall_s: float = 10.0
    cpu_s: int = 10
    memory_bytes: int = 256 * _MIB  # address space (RLIMIT_AS)
    file_bytes: int = 16 * _MIB  # largest file it may write (RLIMIT_FSIZE)
    disk_bytes: int = 64 * _MIB  # all it may write: its folder is a tmpfs of this size (mntns)
    open_files: int = 64
    processes: int = 16  # binds when the code runs as a throwaway uid (or in a user namespace)
    output_bytes: int = 256 * 1024  # per stream, and per collected file; the rest is discarded


@dataclass(frozen=True)
class SandboxResult:
    exit_code: int | None  # None when killed by a signal
    signal: int | None
    timed_out: bool  # hit `Limits.wall_s`
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    wall_s: float
    isolation: str
    uid: int | None  # the throwaway uid the code ran as; None when it kept the runner's uid
    files: Mapping[str, bytes] = field(default_factory=dict)  # the `collect` files it left

    def describe(self) -> str:
        """How the process ended, for a check's detail."""
        if self.timed_out:
            return f"was stopped at the sandbox's wall-clock limit, after {self.wall_s:.1f} s"
        if self.signal is not None:
            return f"was killed by {_signal_name(self.signal)}"
        return f"exited with status {self.exit_code}"


def run(
    argv: Sequence[str],
    files: Mapping[str, str | bytes] | None = None,
    limits: Limits = Limits(),
    collect: Sequence[str] = (),
    stdin: int | None = None,
    stdout: int | None = None,
    entry: str | None = None,
) -> SandboxResult:
    """Run `argv` (argv[0] an absolute path) in the sandbox with `files` in its directory.

    The files named in `collect` are read from its directory when the code has exited (by the
    sandbox's init, not by the code), each up to `limits.output_bytes`, into `result.files`.
    `stdin` and `stdout`, when given, are file descriptors (e.g. pipes to another process)
    that the code gets as its own; its stdout is then not collected. Otherwise stdin is empty.
    `entry` ("driver": `argv` runs the task driver) lets the fork server run the code in the
    interpreter it has warm, after the same setup, instead of exec'ing `argv`.

    Never raises because of what the code does.

    Raises:
        SandboxError: the sandbox itself failed, e.g. `argv[0]` cannot be executed.
        ValueError: a name in `files` is not a plain file name.
    """
    plan = _plan()
    uid = fresh_uid() if plan.drop_uid else None
    for name in collect:
        _check_name(name)
    required = tuple(plan.isolation.split("+"))
    return _execute(argv, files or {}, limits, uid, tuple(collect), required, stdin, stdout, entry)


def python_command(*args: str) -> list[str]:
    """The command line of the sandbox's Python: isolated mode, no site-packages."""
    return [_plan().python, "-I", "-S", *args]


def drops_uid() -> bool:
    """True when sandboxed code runs as a throwaway uid here (the runner is root)."""
    return _plan().drop_uid


def isolation_level() -> str:
    """The isolation the sandbox achieves here, e.g. "netns+ipcns+mntns+pidns+uid+rlimits"."""
    return _plan().isolation


# -- parent side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    python: str  # interpreter the sandboxed code runs with
    drop_uid: bool
    isolation: str


@cache
def _plan() -> _Plan:
    """Find out once what this machine allows, by trying it."""
    probe = Limits(wall_s=10.0)
    if os.geteuid() == 0:
        for python in _interpreters():
            try:
                result = _execute([python, "-I", "-S", "-c", "import json"], {}, probe, fresh_uid())
            except SandboxError:
                continue
            if result.exit_code == 0:
                return _Plan(python, drop_uid=True, isolation=result.isolation)
    python = sys.executable
    result = _execute([python, "-I", "-S", "-c", "pass"], {}, probe, None)
    return _Plan(python, drop_uid=False, isolation=result.isolation)


def _interpreters() -> list[str]:
    """This Python, then others of the same version that another uid may be able to reach."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = [os.path.realpath(sys.executable)]
    for folder in ("/usr/local/bin", "/usr/bin", "/bin"):
        path = os.path.realpath(os.path.join(folder, version))
        if os.access(path, os.X_OK) and path not in found:
            found.append(path)
    return found


_uids_given: set[int] = set()  # this process's: no two sandboxes of a run share a uid
_uids_lock = threading.Lock()


def fresh_uid() -> int:
    """A throwaway uid that no other sandbox of this process has had."""
    with _uids_lock:
        while True:
            uid = _SANDBOX_UID_BASE + secrets.randbelow(_SANDBOX_UID_SPAN)
            if uid not in _uids_given:
                _uids_given.add(uid)
                return uid


def _execute(
    argv: Sequence[str],
    files: Mapping[str, str | bytes],
    limits: Limits,
    uid: int | None,
    collect: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
    stdin: int | None = None,
    stdout: int | None = None,
    entry: str | None = None,
) -> SandboxResult:
    """Run it; `required`: the isolation the probe achieved, without which the code is not
    started (the run records that isolation)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    try:
        _populate(workdir, files, uid)
        return _launch(list(argv), workdir, limits, uid, collect, required, stdin, stdout, entry)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _populate(workdir: Path, files: Mapping[str, str | bytes], uid: int | None) -> None:
    for name, content in files.items():
        _check_name(name)
        path = workdir / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        path.chmod(0o644)  # whatever the runner's umask
        if uid is not None:
            os.chown(path, uid, uid)
    if uid is not None:
        os.chown(workdir, uid, uid)
    workdir.chmod(0o700)


def _check_name(name: str) -> None:
    if not name or "/" in name or name in {".", ".."}:
        raise ValueError(f"sandbox file name must be a plain name, got {name!r}")


def _target_env(workdir: Path) -> dict[str, str]:
    home = str(workdir)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "USER": "sandbox",
        "LOGNAME": "sandbox",
    }


_SYSTEM_PATHS = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/lib32",
    "/libx32",
    "/etc/ld.so.cache",
    "/etc/localtime",
)


def _file_system_view(program: str) -> dict[str, list[str]]:
    """What the sandbox's root shows of the host, read-only: the system's programs and
    libraries, and the program's own prefix when it lives elsewhere; installed packages and
    /usr/local (unless the program lives there) hidden."""
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(program)))
    expose = list(_SYSTEM_PATHS)
    known = os.path.isfile(program) and prefix != "/"
    if known and not any(_within(prefix, path) for path in expose):
        expose.append(prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    hide = [f"{prefix}/lib/{version}/site-packages", "/usr/lib/python3/dist-packages"]
    if not _within(prefix, "/usr/local"):
        hide.append("/usr/local")
    return {"expose": expose, "hide": hide}


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _launch(
    argv: list[str],
    workdir: Path,
    limits: Limits,
    uid: int | None,
    collect: tuple[str, ...],
    required: tuple[str, ...],
    stdin: int | None = None,
    stdout: int | None = None,
    entry: str | None = None,
) -> SandboxResult:
    started = time.monotonic()
    status_r, status_w = os.pipe()
    fcntl.fcntl(status_w, fcntl.F_SETPIPE_SZ, _STATUS_PIPE_BYTES)  # read once the launcher is done
    config = {
        "argv": argv,
        "env": _target_env(workdir),
        "cwd": str(workdir),
        "uid": uid,
        "limits": asdict(limits),
        "status_fd": status_w,
        "collect": list(collect),
        "required": list(required),
        "collect_bytes": min(limits.output_bytes, _COLLECT_BYTES // max(len(collect), 1)),
        "entry": entry,
        **_file_system_view(argv[0]),
    }
    server = zygote.server() if entry else None
    try:
        proc: Any = None
        if server is not None:
            with contextlib.suppress(OSError):  # the fork server is gone: start it afresh
                proc = _ForkedLauncher(server, config, entry, stdin, stdout, status_w)
        if proc is None:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(_LAUNCHER), marshal.dumps(config).hex()],
                stdin=subprocess.DEVNULL if stdin is None else stdin,
                stdout=subprocess.PIPE if stdout is None else stdout,
                stderr=subprocess.PIPE,
                env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
                pass_fds=(status_w,),
                start_new_session=True,
            )
    finally:
        os.close(status_w)
    try:
        streams = _collect(proc, limits.output_bytes, started + limits.wall_s + _TEARDOWN_GRACE_S)
        _kill_group(proc.pid)  # the launcher overran its own deadline, or left something behind
        proc.wait()
        status = _read_status(status_r)
    finally:
        os.close(status_r)
        if isinstance(proc, _ForkedLauncher):
            proc.close()
    return _result(status, streams, time.monotonic() - started, uid)


class _ForkedLauncher:
    """The launcher as a child of the fork server, looking like the Popen it replaces: its
    stdout (unless given) and stderr are pipes read here."""

    def __init__(
        self,
        server: zygote.ForkServer,
        config: dict[str, Any],
        entry: str | None,
        stdin: int | None,
        stdout: int | None,
        status_w: int,
    ) -> None:
        err_r, err_w = os.pipe()
        out_r, out_w = os.pipe() if stdout is None else (-1, stdout)
        null = os.open(os.devnull, os.O_RDONLY) if stdin is None else -1
        try:
            request = {"kind": "sandbox", "config": {**config, "entry": entry}}
            fds = [null if stdin is None else stdin, out_w, err_w, status_w]
            self._child = server.spawn(request, fds)
        finally:
            for fd in (
                err_w,
                *((out_w,) if stdout is None else ()),
                *((null,) if null >= 0 else ()),
            ):
                os.close(fd)
        self.pid = self._child.pid
        self.stdout = os.fdopen(out_r, "rb", buffering=0) if out_r >= 0 else None
        self.stderr = os.fdopen(err_r, "rb", buffering=0)

    def poll(self) -> int | None:
        return self._child.poll()

    def wait(self) -> None:
        if not self._child.wait(_TEARDOWN_GRACE_S):
            self._child.kill()
            self._child.wait(None)

    def close(self) -> None:
        self._child.close()
        for stream in (self.stdout, self.stderr):
            if stream is not None and not stream.closed:
                stream.close()


@dataclass(frozen=True)
class _Streams:
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool


def _collect(proc: Any, cap: int, deadline: float) -> _Streams:
    """Read both pipes to EOF (or the deadline), keeping `cap` bytes of each.

    Once the launcher has exited, whatever is left in its process group is killed (only a
    sandbox without PID namespace can leave anything), and leftovers elsewhere get a short
    grace to let go of the pipes.
    """
    assert proc.stderr is not None
    out, err = (-1 if proc.stdout is None else proc.stdout.fileno()), proc.stderr.fileno()
    kept: dict[int, bytearray] = {out: bytearray(), err: bytearray()}
    truncated = dict.fromkeys(kept, False)
    with selectors.DefaultSelector() as selector:
        for fd in kept:
            if fd >= 0:
                selector.register(fd, selectors.EVENT_READ)
        while selector.get_map() and (remaining := deadline - time.monotonic()) > 0:
            if deadline - time.monotonic() > _LEFTOVER_GRACE_S and proc.poll() is not None:
                _kill_group(proc.pid)
                deadline = time.monotonic() + _LEFTOVER_GRACE_S
            for key, _ in selector.select(min(remaining, _POLL_S)):
                chunk = os.read(key.fd, _READ_CHUNK)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                buffer = kept[key.fd]
                room = max(cap - len(buffer), 0)
                truncated[key.fd] = truncated[key.fd] or len(chunk) > room
                buffer += chunk[:room]
    streams = _Streams(bytes(kept[out]), bytes(kept[err]), truncated[out], truncated[err])
    if proc.stdout is not None:
        proc.stdout.close()
    proc.stderr.close()
    return streams


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _read_status(fd: int) -> dict[str, Any]:
    data = b""
    while chunk := os.read(fd, _READ_CHUNK):
        data += chunk
    status: dict[str, Any] = {}
    while len(data) >= 4:  # marshal, from the launcher (ours): the sandboxed code cannot write it
        (size,) = struct.unpack_from("<I", data)
        try:
            status.update(marshal.loads(data[4 : 4 + size]))
        except (ValueError, EOFError, TypeError):
            break
        data = data[4 + size :]
    return status


def _result(
    status: dict[str, Any], streams: _Streams, wall_s: float, uid: int | None
) -> SandboxResult:
    if "error" in status or "isolation" not in status:
        why = status.get("error") or streams.stderr.decode(errors="replace").strip()
        raise SandboxError(f"the sandbox could not run the code: {why or 'the launcher died'}")
    ended = status
    if "timed_out" not in status:  # the launcher was killed at the parent's deadline
        ended = {"exit_code": None, "signal": int(signal.SIGKILL), "timed_out": True}
    return SandboxResult(
        exit_code=ended["exit_code"],
        signal=ended["signal"],
        timed_out=bool(ended["timed_out"]),
        stdout=streams.stdout,
        stderr=streams.stderr,
        stdout_truncated=streams.stdout_truncated,
        stderr_truncated=streams.stderr_truncated,
        wall_s=wall_s,
        isolation=str(status["isolation"]),
        uid=uid,
        files={name: base64.b64decode(data) for name, data in status.get("files", {}).items()},
    )


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
