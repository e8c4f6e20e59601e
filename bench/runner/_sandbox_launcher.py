"""The sandbox's launcher: `python -I -S _sandbox_launcher.py CONFIG_JSON`.

Started by `bench.runner.sandbox` (never imported by it), standard library only and few
imports, so that it starts fast. It enters the namespaces the kernel allows, forks the PID
namespace's init, which forks the target, which sets its limits, drops to the throwaway uid and
execs. It writes one JSON line per event to the status pipe named in the config: the isolation
it achieved, then how the target ended (or an error).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import IO, Any, NoReturn

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_EXEC_FAILED = 127
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000
_SYS_MOUNT_SETATTR = 442  # the same on every architecture (a syscall newer than 424)
_MOUNT_ATTR_RDONLY = 0x1
_AT_FDCWD, _AT_RECURSIVE = -100, 0x8000
_PARTS = ["userns", "netns", "ipcns", "mntns", "pidns", "uid", "rlimits"]  # as reported
_TMPFS_INODES = 4096
_SHM_BYTES = 8 * 1024 * 1024


class _MountAttr(ctypes.Structure):
    _fields_ = (
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    )


def main(config_json: str) -> int:
    config: dict[str, Any] = json.loads(config_json)
    status_fd: int = config["status_fd"]
    os.set_inheritable(status_fd, False)
    with os.fdopen(status_fd, "w") as status:
        try:
            parts = _enter_namespaces()
            if _contain_filesystem(config):
                parts.append("mntns")
            if config["uid"] is not None:
                parts.append("uid")
            parts.append("rlimits")
            _send(status, {"isolation": "+".join(sorted(parts, key=_PARTS.index))})
            _send(status, _supervise(config, pid_namespace="pidns" in parts))
        except Exception as error:
            _send(status, {"error": f"launcher failed: {type(error).__name__}: {error}"})
            return 1
    return 0


def _send(status: IO[str], message: dict[str, Any]) -> None:
    status.write(json.dumps(message) + "\n")
    status.flush()


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _unshare(flags: int) -> bool:
    return int(_libc().unshare(flags)) == 0


def _enter_namespaces() -> list[str]:
    """Enter what the kernel allows; later forks land in the new PID namespace."""
    parts: list[str] = []
    if os.geteuid() != 0:
        uid, gid = os.getuid(), os.getgid()
        if not _unshare(_CLONE_NEWUSER):
            return parts
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
        parts.append("userns")
    for flag, name in (
        (_CLONE_NEWNET, "netns"),
        (_CLONE_NEWIPC, "ipcns"),
        (_CLONE_NEWPID, "pidns"),
    ):
        if _unshare(flag):
            parts.append(name)
    return parts


def _contain_filesystem(config: dict[str, Any]) -> bool:
    """A private mount namespace where everything is read-only except a fresh tmpfs working
    folder capped at `disk_bytes` (holding copies of the staged files) and a small /dev/shm;
    /run (daemons' sockets) is hidden. False, with the files left as they are, when the kernel
    does not allow it."""
    if not _unshare(_CLONE_NEWNS) or not _mount(None, "/", None, _MS_REC | _MS_PRIVATE):
        return False  # without private propagation, nothing may be mounted
    cwd, uid = config["cwd"], config["uid"]
    owner = "" if uid is None else f",uid={uid},gid={uid}"
    size = int(config["limits"]["disk_bytes"])
    staged = os.open(cwd, os.O_PATH | os.O_DIRECTORY)
    try:
        flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
        if not _mount(
            "tmpfs", cwd, "tmpfs", flags, f"size={size},nr_inodes={_TMPFS_INODES},mode=0700{owner}"
        ):
            return False
        _copy_staged(f"/proc/self/fd/{staged}", cwd, uid)
    finally:
        os.close(staged)
    if not _set_read_only("/", True, recursive=True):
        return False  # an old kernel: the working folder is capped, the rest stays writable
    if not _set_read_only(cwd, False, recursive=False):
        raise OSError(f"cannot make the working folder {cwd} writable again")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", flags, f"size={_SHM_BYTES},nr_inodes=256,mode=1777")
    if os.path.isdir("/run"):
        _mount("tmpfs", "/run", "tmpfs", flags | _MS_RDONLY, "size=4k,nr_inodes=8,mode=0755")
    return True


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str = "") -> bool:
    source_c = None if source is None else source.encode()
    kind_c = None if kind is None else kind.encode()
    return int(_libc().mount(source_c, target.encode(), kind_c, flags, data.encode())) == 0


def _set_read_only(path: str, read_only: bool, recursive: bool) -> bool:
    flag = _MOUNT_ATTR_RDONLY
    attr = _MountAttr(attr_set=flag if read_only else 0, attr_clr=0 if read_only else flag)
    where = _AT_RECURSIVE if recursive else 0
    call = _libc().syscall(
        _SYS_MOUNT_SETATTR, _AT_FDCWD, path.encode(), where, ctypes.byref(attr), ctypes.sizeof(attr)
    )
    return int(call) == 0


def _copy_staged(source: str, target: str, uid: int | None) -> None:
    for name in os.listdir(source):
        with open(os.path.join(source, name), "rb") as file:
            data = file.read()
        path = os.path.join(target, name)
        with open(path, "wb") as file:
            file.write(data)
        if uid is not None:
            os.chown(path, uid, uid)


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def _supervise(config: dict[str, Any], pid_namespace: bool) -> dict[str, Any]:
    """Fork the init, wait for it up to the wall limit, then make sure nothing survives."""
    report_r, report_w = os.pipe()
    init = os.fork()
    if init == 0:
        os.close(report_r)
        _init_main(config, report_w)
    os.close(report_w)
    finished = _wait_exit(init, float(config["limits"]["wall_s"]))
    if not finished:
        os.kill(init, signal.SIGKILL)
    os.waitpid(init, 0)
    if not pid_namespace and config["uid"] is not None:
        _kill_uid(int(config["uid"]))
    with os.fdopen(report_r, "rb") as report_file:
        report: dict[str, Any] = json.loads(report_file.read() or b"{}")
    if "exec_error" in report:
        return {"error": report["exec_error"]}
    if not finished or "wait_status" not in report:
        return {"exit_code": None, "signal": int(signal.SIGKILL), "timed_out": not finished}
    code = os.waitstatus_to_exitcode(int(report["wait_status"]))
    if code < 0:
        return {"exit_code": None, "signal": -code, "timed_out": False}
    return {"exit_code": code, "signal": None, "timed_out": False}


def _wait_exit(pid: int, timeout_s: float) -> bool:
    """True when `pid` exited within `timeout_s` (it is left to reap)."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return _poll_exit(pid, timeout_s)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(int(timeout_s * 1000)))
    finally:
        os.close(pidfd)


def _poll_exit(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(0.005)
    return False


def _init_main(config: dict[str, Any], report_w: int) -> NoReturn:
    """PID 1 of the namespace: start the target, reap everything, report how the target ended.

    When it exits, the kernel kills whatever is left in the namespace.
    """
    report: dict[str, Any] = {}
    try:
        _libc().prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        exec_r, exec_w = os.pipe()  # close-on-exec: EOF without data means the exec worked
        target = os.fork()
        if target == 0:
            os.close(report_w)
            os.close(exec_r)
            _exec_target(config, exec_w)
        os.close(exec_w)
        with os.fdopen(exec_r, "rb") as exec_errors:
            exec_error = exec_errors.read().decode(errors="replace")
        if exec_error:
            report["exec_error"] = exec_error
        while True:
            pid, wait_status = os.wait()
            if pid == target:
                report["wait_status"] = wait_status
                break
    finally:
        os.write(report_w, json.dumps(report).encode())
        os._exit(0)


def _exec_target(config: dict[str, Any], exec_w: int) -> NoReturn:
    argv: list[str] = config["argv"]
    try:
        _set_limits(config["limits"])
        uid = config["uid"]
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        os.chdir(config["cwd"])
        os.umask(0o077)
        os.execve(argv[0], argv, config["env"])
    except BaseException as error:
        os.write(exec_w, f"cannot start {argv[0]}: {error}".encode())
    finally:
        os._exit(_EXEC_FAILED)


def _set_limits(limits: dict[str, Any]) -> None:
    cpu_s = int(limits["cpu_s"])
    for kind, value, hard in (
        (resource.RLIMIT_CPU, cpu_s, cpu_s + 1),
        (resource.RLIMIT_AS, int(limits["memory_bytes"]), None),
        (resource.RLIMIT_FSIZE, int(limits["file_bytes"]), None),
        (resource.RLIMIT_NOFILE, int(limits["open_files"]), None),
        (resource.RLIMIT_NPROC, int(limits["processes"]), None),
        (resource.RLIMIT_CORE, 0, None),
    ):
        resource.setrlimit(kind, (value, value if hard is None else hard))


def _kill_uid(uid: int) -> None:
    """Without a PID namespace: kill every process of the throwaway uid, from that uid."""
    killer = os.fork()
    if killer == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(2):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(killer, 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
