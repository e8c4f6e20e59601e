"""The sandbox: model-written code runs contained, and a hostile candidate costs only its checks.

The first half runs small programs through `sandbox.run` and checks each limit; the second
evaluates the hostile candidates of tests/hostile/ as the task would, and checks that the
evaluation comes back in seconds with failed checks while the machine is untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.record.schema import CheckOutcome, Evaluation
from bench.runner import sandbox
from bench.runner.tasks.deployment_window_analyzer import DeploymentWindowAnalyzer

HOSTILE = Path(__file__).parent / "hostile"
ROOT = os.geteuid() == 0
REPO = Path(__file__).resolve().parents[1]
LIMITS = sandbox.Limits(wall_s=5.0, cpu_s=5)
EVAL_BOUND_S = 6.0  # check timeout 2 s; anything near the 10 s wall means containment slipped


def run_python(code: str, limits: sandbox.Limits = LIMITS, **files: str) -> sandbox.SandboxResult:
    return sandbox.run(sandbox.python_command("-c", code), files=files, limits=limits)


class Evidence:
    """A unix datagram socket the sandboxed code can send to: the one way out of its read-only
    file system and empty network. A thread drains it as datagrams come (a unix datagram queue
    holds only a few, and a sender blocks when it is full)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
        self.folder.chmod(0o755)
        self.path = self.folder / "evidence.sock"
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.bind(str(self.path))
        self.path.chmod(0o777)
        self._socket.settimeout(0.05)
        self._received: list[str] = []
        self._lock = threading.Lock()
        self._open = True
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while self._open:
            try:
                message = self._socket.recv(4096).decode()
            except TimeoutError:
                continue
            with self._lock:
                self._received.append(message)

    def messages(self) -> list[str]:
        """Everything received so far (give a sender a moment: delivery is not instant)."""
        time.sleep(0.1)
        with self._lock:
            return list(self._received)

    def close(self) -> None:
        self._open = False
        self._thread.join()
        self._socket.close()
        shutil.rmtree(self.folder)


@pytest.fixture
def evidence() -> Iterator[Evidence]:
    channel = Evidence()
    yield channel
    channel.close()


def processes_of(uid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue  # exited while we looked
        uid_line = next((line for line in lines if line.startswith("Uid:")), "")
        if str(uid) in uid_line.split()[1:]:
            found.append(int(status.parent.name))
    return found


# -- the sandbox's own guarantees ----------------------------------------------------------------


def test_isolation_level_names_what_the_kernel_granted() -> None:
    level = sandbox.isolation_level()
    parts = level.split("+")
    assert "rlimits" in parts
    if ROOT:
        assert {"netns", "pidns", "uid"} <= set(parts), level
    assert run_python("pass").isolation == level


def test_code_runs_in_its_own_folder_as_home_with_a_scrubbed_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BENCH_TEST_SECRET", "do-not-leak")
    code = (
        "import json, os; print(json.dumps({'cwd': os.getcwd(), 'env': dict(os.environ),"
        " 'uid': os.getuid(), 'data': open('data.txt').read(), 'files': sorted(os.listdir())}))"
    )
    result = run_python(code, **{"data.txt": "hello"})
    seen = json.loads(result.stdout)
    assert result.exit_code == 0
    assert seen["cwd"] == seen["env"]["HOME"] == seen["env"]["TMPDIR"]
    assert seen["cwd"].startswith(tempfile.gettempdir())
    assert set(seen["env"]) <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "USER", "LOGNAME"}
    assert seen["data"] == "hello" and seen["files"] == ["data.txt"]
    assert not Path(seen["cwd"]).exists(), "the folder outlived the run"
    if ROOT:
        assert seen["uid"] != 0 and seen["uid"] == result.uid


def test_wall_clock_limit_stops_a_sleeper() -> None:
    result = run_python("import time; time.sleep(60)", sandbox.Limits(wall_s=1.0))
    assert result.timed_out and result.exit_code is None
    assert result.wall_s < 3.0
    assert "wall-clock limit" in result.describe()


def test_cpu_limit_stops_a_spinner_before_the_wall_clock() -> None:
    result = run_python("while True: pass", sandbox.Limits(wall_s=30.0, cpu_s=1))
    assert not result.timed_out, "the wall clock stopped it, not the CPU limit"
    assert result.signal in {signal.SIGXCPU, signal.SIGKILL}, result.describe()


def test_memory_limit_makes_a_big_allocation_fail() -> None:
    result = run_python("b = b'x' * (1 << 30)")
    assert result.exit_code == 1
    assert b"MemoryError" in result.stderr


def test_file_size_limit_stops_a_big_file() -> None:
    code = (
        "f = open('big.bin', 'wb')\ntry:\n"
        "    for _ in range(256): f.write(bytes(1 << 20)); f.flush()\n"
        "except OSError as e: print(f.tell(), e.strerror)"
    )
    size, reason = run_python(code).stdout.decode().split(maxsplit=1)
    assert int(size) <= LIMITS.file_bytes and reason.strip() == "File too large"


def test_open_files_limit() -> None:
    code = (
        "import os\nfiles = []\ntry:\n    for n in range(1000): files.append(open(f'f{n}', 'w'))\n"
        "except OSError as e: print(len(files), e.errno)"
    )
    count, errno = run_python(code).stdout.split()
    assert int(count) < LIMITS.open_files and int(errno) == 24  # EMFILE


@pytest.mark.skipif(not ROOT, reason="RLIMIT_NPROC binds only a throwaway uid, which needs root")
def test_process_limit_bounds_a_fork_loop() -> None:
    code = (
        "import os, time\nforks = 0\nfor _ in range(200):\n    try: pid = os.fork()\n"
        "    except OSError: break\n    if pid == 0: time.sleep(3); os._exit(0)\n    forks += 1\n"
        "print(forks)"
    )
    result = run_python(code)
    assert result.exit_code == 0
    assert 0 < int(result.stdout) < LIMITS.processes


def test_output_is_capped_and_flagged() -> None:
    code = "import sys\nfor _ in range(2000): sys.stdout.write('x' * 10000); sys.stderr.write('y')"
    result = run_python(code, sandbox.Limits(output_bytes=4096))
    assert result.exit_code == 0
    assert len(result.stdout) == 4096 and result.stdout_truncated
    assert len(result.stderr) == 2000 and not result.stderr_truncated


def test_a_setsid_daemon_does_not_outlive_the_run(evidence: Evidence) -> None:
    code = (
        "import os, socket, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    print(os.readlink('/proc/self'), flush=True)\n"
        "    for _ in range(30):\n"
        "        time.sleep(0.1)\n"
        "        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)"
        f".sendto(b'alive', {str(evidence.path)!r})\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)\n"
    )
    result = run_python(code)
    assert result.exit_code == 0
    pid = int(result.stdout)
    assert not Path(f"/proc/{pid}").exists(), f"the daemon (pid {pid}) survived the run"
    beats = len(evidence.messages())
    assert beats >= 1, "the daemon never ran, so this test proves nothing"
    time.sleep(0.5)
    assert len(evidence.messages()) == beats


def test_the_file_system_is_read_only_outside_a_capped_folder(evidence: Evidence) -> None:
    if "mntns" not in sandbox.isolation_level():
        pytest.skip("the kernel refused a mount namespace here; see isolation_level()")
    escapes = ["/tmp", "/var/tmp", str(evidence.folder), "/"]
    code = (
        "import os\nfor folder in " + repr(escapes) + ":\n"
        "    try: open(os.path.join(folder, 'bench-escape'), 'w')\n"
        "    except OSError as e: print(e.strerror)\n"
        "n = 0\ntry:\n"
        "    for n in range(1000): open(f'f{n}', 'wb').write(bytes(1 << 20))\n"
        "except OSError as e: print(n, e.strerror)\n"
        "print(os.listdir('/run'))"
    )
    result = run_python(code, sandbox.Limits(disk_bytes=8 << 20))
    *refused, filled, run_folder = result.stdout.decode().splitlines()
    assert refused == ["Read-only file system"] * len(escapes)
    count, reason = filled.split(maxsplit=1)
    assert int(count) <= 8 and reason == "No space left on device"  # 1 MiB files, 8 MiB cap
    assert run_folder == "[]"  # daemons' sockets are out of sight
    assert not any(Path(folder, "bench-escape").exists() for folder in escapes)


def test_network_is_unreachable_even_on_loopback() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)"
        result = run_python(code)
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert result.exit_code == 1
    if "netns" in result.isolation:
        assert b"Network is unreachable" in result.stderr


def test_an_executable_that_cannot_start_is_a_sandbox_error() -> None:
    with pytest.raises(sandbox.SandboxError, match="cannot start /nonexistent/python"):
        sandbox.run(["/nonexistent/python"])


def test_file_names_must_be_plain() -> None:
    with pytest.raises(ValueError, match="plain name"):
        run_python("pass", **{"../escape.py": "x"})


@pytest.mark.skipif(not ROOT, reason="needs root to start the runner as another user")
def test_without_root_it_degrades_to_what_the_kernel_allows() -> None:
    python = sandbox.python_command()[0]
    if "uid" not in sandbox.isolation_level().split("+"):
        pytest.skip("no interpreter that another uid can run")
    code = (
        "import json\nfrom bench.runner import sandbox\n"
        "r = sandbox.run(sandbox.python_command('-c', 'import os; print(os.getuid())'))\n"
        "seen = {'isolation': r.isolation, 'code': r.exit_code, 'out': r.stdout.decode()}\n"
        "print(json.dumps(seen))"
    )
    completed = subprocess.run(
        [python, "-I", "-c", f"import sys; sys.path.insert(0, {str(REPO)!r})\n{code}"],
        user=65534,
        group=65534,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
    )
    if "Permission denied" in completed.stderr:
        pytest.skip(f"the checkout {REPO} is not readable by another uid")
    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout)
    assert seen["code"] == 0 and seen["out"].strip() == "65534"
    assert "uid" not in seen["isolation"].split("+") and "rlimits" in seen["isolation"]


# -- hostile candidates through the task's evaluation ---------------------------------------------


def hostile(name: str, evidence: Evidence | None = None, port: int = 0) -> str:
    source = (HOSTILE / f"{name}.py").read_text()
    path = str(evidence.path) if evidence else "/nonexistent"
    return source.replace("__EVIDENCE__", path).replace("__PORT__", str(port))


def evaluate(source: str, task: DeploymentWindowAnalyzer | None = None) -> Evaluation:
    started = time.monotonic()
    evaluation = (task or DeploymentWindowAnalyzer()).evaluate(source, None)
    assert time.monotonic() - started < EVAL_BOUND_S
    outcomes = {check.name: check.outcome for check in evaluation.checks}
    assert outcomes["python_compile"] is CheckOutcome.PASSED
    assert evaluation.score < 100
    return evaluation


def detail(evaluation: Evaluation, check: str) -> str:
    found = next(c for c in evaluation.checks if c.name == check)
    assert found.outcome is CheckOutcome.FAILED
    return found.detail or ""


def numbers_after(prefix: str, messages: list[str]) -> list[int]:
    return [int(m.removeprefix(prefix)) for m in messages if m.startswith(prefix)]


@pytest.mark.parametrize("name", ["hang", "spin"])
def test_a_candidate_that_never_returns_fails_its_checks_in_seconds(name: str) -> None:
    evaluation = evaluate(hostile(name))
    assert "importing the module timed out" in detail(evaluation, "merge_overlaps_expected_windows")
    assert "timed out" in detail(evaluation, "cli_prints_json_with_top")
    assert evaluation.score == 15  # compiles, imports only the standard library


def test_a_candidate_that_swallows_timeouts_is_stopped_by_the_wall_clock() -> None:
    task = DeploymentWindowAnalyzer(limits=sandbox.Limits(wall_s=3.0, cpu_s=3))
    evaluation = evaluate(hostile("swallow_timeouts"), task)
    assert "wall-clock limit" in detail(evaluation, "merge_overlaps_expected_windows")
    assert "timed out after 2 s" in detail(evaluation, "cli_rejects_invalid_input")


def test_a_fork_bomb_is_bounded_and_leaves_no_process(evidence: Evidence) -> None:
    evaluation = evaluate(hostile("fork_bomb", evidence))
    assert "timed out" in detail(evaluation, "build_report_expected_metrics")
    forked = evidence.messages()
    assert forked, "nothing forked, so this test proves nothing"
    if ROOT:
        assert len(forked) < DeploymentWindowAnalyzer().limits.processes
        uid = int(forked[0].split()[1])
        assert processes_of(uid) == []


def test_a_disk_filler_is_capped_and_cannot_write_elsewhere(evidence: Evidence) -> None:
    evaluation = evaluate(hostile("disk_fill", evidence))
    assert "defines no parse_events" in detail(evaluation, "parse_events_valid_input")
    messages = evidence.messages()
    limits = DeploymentWindowAnalyzer().limits
    big_mib = numbers_after("big file MiB ", messages)
    assert big_mib and max(big_mib) << 20 <= limits.file_bytes
    if "mntns" in sandbox.isolation_level():
        total_mib = sum(big_mib) + sum(numbers_after("many files MiB ", messages))
        assert total_mib << 20 <= limits.disk_bytes
        assert any(m.endswith("stopped: Read-only file system") for m in messages)
        assert not list(Path("/tmp").glob("bench-hostile-*"))
        assert not list(evidence.folder.glob("bench-hostile-*"))


def test_a_memory_eater_gets_a_memory_error(evidence: Evidence) -> None:
    evaluation = evaluate(hostile("memory", evidence))
    assert "MemoryError" in detail(evaluation, "parse_events_rejects_invalid_window")
    held_mib = numbers_after("held MiB ", evidence.messages())
    assert held_mib and max(held_mib) << 20 < sandbox.Limits().memory_bytes


def test_an_output_flood_is_capped_and_the_results_survive() -> None:
    evaluation = evaluate(hostile("flood"))
    assert "importing the module timed out" in detail(evaluation, "build_report_expected_metrics")
    passed = [c.name for c in evaluation.checks if c.outcome is CheckOutcome.PASSED]
    assert passed == ["python_compile", "stdlib_only"]


def test_a_setsid_daemon_of_the_candidate_is_killed(evidence: Evidence) -> None:
    evaluate(hostile("setsid_survivor", evidence))
    messages = evidence.messages()
    daemons = [m.split()[1:] for m in messages if m.startswith("daemon ")]
    assert daemons, "no daemon reported itself, so this test proves nothing"
    for pid, uid in daemons:
        assert int(pid) not in processes_of(int(uid)), f"daemon {pid} survived the evaluation"
    beats = len(messages)
    time.sleep(0.5)
    assert len(evidence.messages()) == beats, "a daemon is still beating after the evaluation"


def test_a_candidate_cannot_reach_the_host_loopback(evidence: Evidence) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        evaluate(hostile("network", evidence, port=listener.getsockname()[1]))
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()
    outcomes = evidence.messages()
    assert outcomes and "connected" not in outcomes
    if "netns" in sandbox.isolation_level():
        assert all("Network is unreachable" in outcome for outcome in outcomes)
