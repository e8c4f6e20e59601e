"""The sandbox's launcher: `python -I -S _sandbox_launcher.py CONFIG_HEX`.

Started by `bench.runner.sandbox` (never imported by it), standard library only and few
imports, so that it starts fast (no json, no typing: the config is `marshal`ed by the runner,
hex in argv, and so are the status messages; both ends are ours, nothing the sandboxed code can
write). It enters the namespaces the kernel allows, forks the PID namespace's init, which forks
the target, which sets its limits, denies the kernel keyring's system calls (seccomp), drops to
the throwaway uid and execs. It writes one message per event to the status pipe named in the
config: the isolation it achieved, then how the target ended (or an error).
"""

from __future__ import annotations

import binascii
import ctypes
import fcntl
import marshal
import os
import resource
import select
import stat
import struct
import sys
import time

TYPE_CHECKING = False  # typing is not imported at run time: it costs the launcher's start
if TYPE_CHECKING:
    from typing import IO, Any, NoReturn

_SIGKILL = 9  # the same on every Linux architecture; `signal` would import enum (5 ms)
_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_EXEC_FAILED = 127
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
_MNT_DETACH = 2
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
_SYS_MOUNT_SETATTR = 442  # the same on every architecture (a syscall newer than 424)
_MOUNT_ATTR_RDONLY = 0x1
_AT_FDCWD, _AT_RECURSIVE = -100, 0x8000
_PARTS = [
    "userns", "netns", "ipcns", "mntns", "pidns", "rootfs", "procfs", "uid", "seccomp", "rlimits"
]  # fmt: skip
_NAMESPACE_PARTS = {"userns", "netns", "ipcns", "pidns"}
_FS_PARTS = {"mntns", "rootfs", "procfs"}
_TMPFS_INODES = 4096
_REPORT_PIPE_BYTES = 1024 * 1024
_SHM_BYTES = 8 * 1024 * 1024


# Set by the fork server (`_zygote.py`), which has these entries imported: a target whose
# config names one runs it in this interpreter, after the same limits, uid and filter, instead
# of exec'ing a fresh one.
IN_PROCESS: dict[str, Any] = {}


class _MountAttr(ctypes.Structure):
    _fields_ = (
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    )


def main(config_hex: str) -> int:
    os.umask(0o022)  # this process's own: the runner's user may have set 077
    config: dict[str, Any] = marshal.loads(bytes.fromhex(config_hex))
    status_fd: int = config["status_fd"]
    os.set_inheritable(status_fd, False)
    with os.fdopen(status_fd, "wb") as status:
        try:
            parts = _enter_namespaces()
            _check_required(config, parts, _NAMESPACE_PARTS)
            ended, fs_parts = _supervise(config, pid_namespace="pidns" in parts)
            parts += fs_parts
            if config["uid"] is not None:
                parts.append("uid")
            if keyring_filter(os.uname().machine) is not None:
                parts.append("seccomp")
            parts.append("rlimits")
            _send(status, {"isolation": "+".join(sorted(parts, key=_PARTS.index))})
            _send(status, ended)
        except Exception as error:
            _send(status, {"error": f"launcher failed: {type(error).__name__}: {error}"})
            return 1
    return 0


def _check_required(config: dict[str, Any], achieved: list[str], kinds: set[str]) -> None:
    """Refuse to go on with less isolation than the run records (`config["required"]`)."""
    missing = [part for part in config["required"] if part in kinds and part not in achieved]
    if missing:
        raise OSError(f"the kernel refused {'+'.join(missing)} this time")


def _send(status: IO[bytes], message: dict[str, Any]) -> None:
    data = marshal.dumps(message)
    status.write(struct.pack("<I", len(data)) + data)
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


def _contain_filesystem(config: dict[str, Any], pid_namespace: bool) -> list[str]:
    """Called in the PID namespace's init, before the target starts: a private mount
    namespace whose root is a fresh read-only tmpfs holding only read-only views of the
    system's programs and libraries (`config["expose"]`), a few devices, the working folder
    (a tmpfs capped at `disk_bytes`, holding copies of the staged files), a small /dev/shm and,
    with a PID namespace, a /proc of its own; the host's root is unmounted from it. When the
    kernel refuses a new root, the host's file system stays, read-only but for the working
    folder. Returns what it achieved, e.g. ["mntns", "rootfs", "procfs"]."""
    if not _unshare(_CLONE_NEWNS) or not _mount(None, "/", None, _MS_REC | _MS_PRIVATE):
        return []  # without private propagation, nothing may be mounted
    cwd = config["cwd"]
    staged = os.open(cwd, os.O_PATH | os.O_DIRECTORY)
    try:
        if _new_root(config, staged):
            return ["mntns", "rootfs", *(["procfs"] if _mount_proc(pid_namespace) else [])]
        return ["mntns"] if _read_only_host(config, staged) else []
    finally:
        os.close(staged)


_FLAGS = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
_DEVICES = ("null", "zero", "full", "random", "urandom")
_ROOT_BYTES = 1024 * 1024


def _new_root(config: dict[str, Any], staged: int) -> bool:
    """Build the new root over the staged folder's path and pivot into it."""
    root = config["cwd"]
    if not _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={_ROOT_BYTES},mode=0755"):
        return False
    for path in config["expose"]:
        if not _expose(path, root + path):
            return False
    for path in config["hide"]:
        if os.path.isdir(root + path):
            _mount("tmpfs", root + path, "tmpfs", _FLAGS | _MS_RDONLY, "size=4k,nr_inodes=8")
    os.makedirs(root + "/dev/shm")
    for name in _DEVICES:
        _expose("/dev/" + name, f"{root}/dev/{name}", read_only=False)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0")):
        os.symlink(target, f"{root}/dev/{name}")
    os.symlink("/proc/self/fd/1", f"{root}/dev/stdout")
    os.symlink("/proc/self/fd/2", f"{root}/dev/stderr")
    _mount(
        "tmpfs", f"{root}/dev/shm", "tmpfs", _FLAGS, f"size={_SHM_BYTES},nr_inodes=256,mode=1777"
    )
    os.makedirs(root + "/proc")
    work = root + config["cwd"]
    os.makedirs(work, mode=0o700)
    if not _work_folder(config, work, staged):
        return False
    if not _set_read_only(root, True, recursive=False):
        return False
    return _pivot(root)


def _expose(path: str, inside: str, read_only: bool = True) -> bool:
    """A read-only view of `path` at `inside` (a symlink stays a symlink); a device stays
    writable (writing to /dev/null is no escape)."""
    if os.path.islink(path):
        os.makedirs(os.path.dirname(inside), exist_ok=True)
        os.symlink(os.readlink(path), inside)
        return True
    if os.path.isdir(path):
        os.makedirs(inside, exist_ok=True)
    elif os.path.exists(path):
        os.makedirs(os.path.dirname(inside), exist_ok=True)
        with open(inside, "w"):
            pass
    else:
        return True
    if not _mount(path, inside, None, _MS_BIND | _MS_REC):
        return False
    if not read_only:
        return True
    return _set_read_only(inside, True, recursive=True) or _mount(
        None, inside, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV
    )


def _work_folder(config: dict[str, Any], path: str, staged: int) -> bool:
    uid = config["uid"]
    owner = "" if uid is None else f",uid={uid},gid={uid}"
    size = int(config["limits"]["disk_bytes"])
    options = f"size={size},nr_inodes={_TMPFS_INODES},mode=0700{owner}"
    if not _mount("tmpfs", path, "tmpfs", _FLAGS, options):
        return False
    _copy_staged(f"/proc/self/fd/{staged}", path, uid)
    return True


def _pivot(root: str) -> bool:
    """Make `root` the root of this mount namespace and unmount the host's root from it."""
    number = _SYS_PIVOT_ROOT.get(os.uname().machine)
    os.chdir(root)
    if number is None or int(_libc().syscall(number, b".", b".")) != 0:
        os.chroot(".")  # the target has no capability left to leave it
    elif int(_libc().umount2(b".", _MNT_DETACH)) != 0:
        raise OSError(ctypes.get_errno(), "cannot unmount the host's root from the sandbox")
    os.chdir("/")
    return True


def _mount_proc(pid_namespace: bool) -> bool:
    """A /proc of the PID namespace's own, where the target sees only its own uid's processes
    (not the init, whose command line is the launcher's); none without a PID namespace: the
    host's would show every process."""
    return pid_namespace and _mount("proc", "/proc", "proc", _FLAGS, "hidepid=2")


def _read_only_host(config: dict[str, Any], staged: int) -> bool:
    """The fallback: the host's file system, read-only but for the working folder; /run
    (daemons' sockets) hidden."""
    cwd = config["cwd"]
    if not _work_folder(config, cwd, staged):
        return False
    if not _set_read_only("/", True, recursive=True):
        return False  # an old kernel: the working folder is capped, the rest stays writable
    if not _set_read_only(cwd, False, recursive=False):
        raise OSError(f"cannot make the working folder {cwd} writable again")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", _FLAGS, f"size={_SHM_BYTES},nr_inodes=256,mode=1777")
    if os.path.isdir("/run"):
        _mount("tmpfs", "/run", "tmpfs", _FLAGS | _MS_RDONLY, "size=4k,nr_inodes=8,mode=0755")
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


def _supervise(config: dict[str, Any], pid_namespace: bool) -> tuple[dict[str, Any], list[str]]:
    """Fork the init, wait for it up to the wall limit, then make sure nothing survives.

    Returns how the target ended and what the init achieved of the file system's isolation.
    """
    report_r, report_w = os.pipe()
    fcntl.fcntl(report_w, fcntl.F_SETPIPE_SZ, _REPORT_PIPE_BYTES)  # read only once init is gone
    init = os.fork()
    if init == 0:
        os.close(report_r)
        _init_main(config, report_w, pid_namespace)
    os.close(report_w)
    finished = _wait_exit(init, float(config["limits"]["wall_s"]))
    if not finished:
        os.kill(init, _SIGKILL)
    os.waitpid(init, 0)
    if not pid_namespace and config["uid"] is not None:
        _kill_uid(int(config["uid"]))
    report: dict[str, Any] = {}
    with os.fdopen(report_r, "rb") as report_file:
        data = report_file.read()
    while len(data) >= 4:
        (size,) = struct.unpack_from("<I", data)
        report.update(marshal.loads(data[4 : 4 + size]))
        data = data[4 + size :]
    fs_parts: list[str] = report.get("fs", [])
    if "exec_error" in report:
        return {"error": report["exec_error"]}, fs_parts
    ended: dict[str, Any] = {"exit_code": None, "signal": _SIGKILL, "timed_out": False}
    if not finished or "wait_status" not in report:
        ended["timed_out"] = not finished
    elif (code := os.waitstatus_to_exitcode(int(report["wait_status"]))) < 0:
        ended["signal"] = -code
    else:
        ended.update(exit_code=code, signal=None)
    return {**ended, "files": report.get("files", {})}, fs_parts


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


def _init_main(config: dict[str, Any], report_w: int, pid_namespace: bool) -> NoReturn:
    """PID 1 of the namespace: contain the file system, start the target, reap everything,
    report how the target ended.

    When it exits, the kernel kills whatever is left in the namespace.
    """
    report: dict[str, Any] = {}
    try:
        _libc().prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
        # Told at once: the init may be killed at the wall limit, before its last report.
        fs_parts = _contain_filesystem(config, pid_namespace)
        _report(report_w, {"fs": fs_parts})
        _check_required(config, fs_parts, _FS_PARTS)
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
        report["files"] = _collect_files(config)
    except BaseException as error:
        report.setdefault(
            "exec_error", f"the sandbox's init failed: {type(error).__name__}: {error}"
        )
    finally:
        _report(report_w, report)
        os._exit(0)


def _report(fd: int, message: dict[str, Any]) -> None:
    data = marshal.dumps(message)
    os.write(fd, struct.pack("<I", len(data)) + data)


def _collect_files(config: dict[str, Any]) -> dict[str, str]:
    """The files `config["collect"]` names in the working folder, as the target left them:
    regular files only, no link followed, each cut at `collect_bytes` (base64)."""
    found: dict[str, str] = {}
    for name in config["collect"]:
        try:
            fd = os.open(
                os.path.join(config["cwd"], name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
            )
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                data = os.read(fd, int(config["collect_bytes"]))
                found[name] = binascii.b2a_base64(data, newline=False).decode()
        finally:
            os.close(fd)
    return found


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
        if keyring_filter(os.uname().machine) is not None:
            _deny_keyring()
        os.chdir(config["cwd"])
        os.umask(0o077)
        entry = IN_PROCESS.get(config.get("entry") or "")
        if entry is not None:
            os.environ.clear()
            os.environ.update(config["env"])
            os.closerange(3, 65536)  # exec_w too: its EOF tells the init the target started
            sys.argv = list(argv)
            os._exit(int(entry(argv)))
        os.execve(argv[0], argv, config["env"])
    except BaseException as error:
        os.write(exec_w, f"cannot start {argv[0]}: {error}".encode())
    finally:
        os._exit(_EXEC_FAILED)


# seccomp: the kernel keyring's calls fail with EPERM, so that nothing the code adds to its
# uid's keyring outlives it; so does every call of another ABI (i386, x32), which Python
# never makes. Numbers from the kernel's syscall tables.
_KEY_SYSCALLS = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_BPF_LD_W_ABS, _BPF_JEQ_K, _BPF_JGE_K, _BPF_RET_K = 0x20, 0x15, 0x35, 0x06
_SECCOMP_RET_ALLOW, _SECCOMP_RET_EPERM = 0x7FFF0000, 0x00050001
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2


def keyring_filter(machine: str) -> bytes | None:
    """The BPF program that denies the keyring's calls on `machine`, as `sock_filter`s."""
    numbers = _KEY_SYSCALLS.get(machine)
    if numbers is None:
        return None
    add_key, request_key, keyctl = numbers
    program = [
        (_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_BPF_JEQ_K, 1, 0, _AUDIT_ARCH[machine]),
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_EPERM),
        (_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (_BPF_JGE_K, 4, 0, 0x40000000),  # x32
        (_BPF_JEQ_K, 3, 0, add_key),
        (_BPF_JEQ_K, 2, 0, request_key),
        (_BPF_JEQ_K, 1, 0, keyctl),
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW),
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_EPERM),
    ]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


def _deny_keyring() -> None:
    program = keyring_filter(os.uname().machine) or b""
    count = len(program) // 8
    buffer = ctypes.create_string_buffer(program, len(program))

    class _Program(ctypes.Structure):
        _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))

    fprog = _Program(count, ctypes.addressof(buffer))
    if _libc().prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp refused the keyring filter")


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
                    os.kill(-1, _SIGKILL)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(killer, 0)


if __name__ == "__main__":
    code = main(sys.argv[1])
    os._exit(code)  # the status is flushed; the interpreter's own teardown is time for nothing
