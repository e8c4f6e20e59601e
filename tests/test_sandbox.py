"""The sandbox: model-written code runs contained, and a hostile candidate costs only its checks.

The first half runs small programs through `sandbox.run` and checks each limit; the second
evaluates the hostile candidates of tests/hostile/ as the task would, and checks that the
evaluation comes back in seconds with failed checks while the machine is untouched.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from bench.record.schema import CheckOutcome, Evaluation
from bench.runner import sandbox
from bench.runner.tasks._harness import Assessment
from bench.runner.tasks.deployment_window_analyzer import DeploymentWindowAnalyzer

HOSTILE = Path(__file__).parent / "hostile"
ROOT = os.geteuid() == 0
REPO = Path(__file__).resolve().parents[1]
LIMITS = sandbox.Limits(wall_s=5.0, cpu_s=5)
EVAL_BOUND_S = 6.0  # check timeout 2 s; anything near the 10 s wall means containment slipped


def run_python(code: str, limits: sandbox.Limits = LIMITS, **files: str) -> sandbox.SandboxResult:
    return sandbox.run(sandbox.python_command("-c", code), files=files, limits=limits)


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
        assert {"netns", "pidns", "mntns", "rootfs", "procfs", "uid"} <= set(parts), level
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
    assert result.isolation == sandbox.isolation_level()  # told before the init was killed
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


def test_a_setsid_daemon_does_not_outlive_the_run() -> None:
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    for _ in range(30):\n"
        "        os.write(2, b'alive\\n')\n"
        "        time.sleep(0.1)\n"
        "    os._exit(0)\n"
        "time.sleep(0.3)\n"
    )
    result = run_python(code)
    assert result.exit_code == 0
    assert result.stderr.count(b"alive") >= 1, "the daemon never ran, so this test proves nothing"
    assert result.stderr.count(b"alive") < 30, "the daemon lived its whole life"
    if ROOT:
        assert result.uid is not None and processes_of(result.uid) == []


def test_the_file_system_shows_only_system_files_and_a_capped_folder(tmp_path: Path) -> None:
    if "rootfs" not in sandbox.isolation_level():
        pytest.skip("the kernel refused a new root here; see isolation_level()")
    (tmp_path / "secret.txt").write_text("host data")
    tmp_path.chmod(0o755)
    hidden = [str(REPO), str(tmp_path), "/run", "/var", "/home", "/root/.cache", "/work"]
    escapes = ["/tmp", "/", "/usr", os.path.dirname(tempfile.mkdtemp())]
    code = (
        "import os, json\nseen = {'visible': [p for p in "
        + repr(hidden)
        + " if os.path.exists(p)]}\n"
        "seen['refused'] = []\nfor folder in " + repr(escapes) + ":\n"
        "    try: open(os.path.join(folder, 'bench-escape'), 'w')\n"
        "    except OSError as e: seen['refused'].append(e.strerror)\n"
        "n = 0\ntry:\n"
        "    for n in range(1000): open(f'f{n}', 'wb').write(bytes(1 << 20))\n"
        "except OSError as e: seen['filled'] = [n, e.strerror]\n"
        "seen['root'] = sorted(os.listdir('/'))\n"
        "seen['tmp'] = os.listdir('/tmp')\n"
        "print(json.dumps(seen))"
    )
    result = run_python(code, sandbox.Limits(disk_bytes=8 << 20))
    seen = json.loads(result.stdout)
    assert seen["visible"] == []
    assert seen["refused"] == ["Read-only file system"] * len(escapes)
    count, reason = seen["filled"]
    assert count <= 8 and reason == "No space left on device"  # 1 MiB files, 8 MiB cap
    assert set(seen["root"]) <= {
        "usr",
        "bin",
        "sbin",
        "lib",
        "lib64",
        "lib32",
        "libx32",
        "etc",
        "dev",
        "proc",
        "tmp",
        "root",
        "opt",
    }, seen["root"]
    assert len(seen["tmp"]) == 1  # its own folder only
    assert not any(Path(folder, "bench-escape").exists() for folder in escapes)


def test_proc_shows_only_the_sandbox_s_own_processes() -> None:
    if "procfs" not in sandbox.isolation_level():
        pytest.skip("no PID namespace here, so no /proc of its own; see isolation_level()")
    code = (
        "import os, json\npids = [p for p in os.listdir('/proc') if p.isdigit()]\n"
        "cmdlines = [open(f'/proc/{p}/cmdline', 'rb').read().decode(errors='replace')\n"
        "            for p in pids]\n"
        "print(json.dumps({'pids': pids, 'cmdlines': cmdlines, 'me': os.getpid()}))"
    )
    seen = json.loads(run_python(code).stdout)
    assert seen["pids"] == [str(seen["me"])], seen  # the init (the launcher's fork) is hidden
    assert not any("bench" in line for line in seen["cmdlines"])


def test_no_host_unix_socket_is_reachable(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    path = tmp_path / "host.sock"
    abstract = f"\0bench-test-{os.getpid()}"
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as by_path,
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as by_name,
    ):
        by_path.bind(str(path))
        path.chmod(0o777)
        by_name.bind(abstract)
        for listener in (by_path, by_name):
            listener.listen()
            listener.settimeout(0.3)
        code = (
            "import socket\nfor target in " + repr([str(path), abstract]) + ":\n"
            "    try: socket.socket(socket.AF_UNIX).connect(target); print('connected')\n"
            "    except OSError as e: print(type(e).__name__)"
        )
        result = run_python(code)
        for listener in (by_path, by_name):
            with pytest.raises(TimeoutError):
                listener.accept()
    assert result.stdout.split() == [b"FileNotFoundError", b"ConnectionRefusedError"]


def test_collected_files_are_read_by_the_sandbox_regular_files_only() -> None:
    code = (
        "import os\nopen('out.json', 'w').write('[1]')\nos.symlink('/etc/ld.so.cache', 'link')\n"
        "os.mkfifo('fifo')"
    )
    result = sandbox.run(
        sandbox.python_command("-c", code),
        limits=LIMITS,
        collect=["out.json", "link", "fifo", "none"],
    )
    assert result.exit_code == 0
    assert result.files == {"out.json": b"[1]"}


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
    python = next((p for p in sandbox._interpreters() if others_can_run(p)), None)
    if python is None or "uid" not in sandbox.isolation_level().split("+"):
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


def others_can_run(program: str) -> bool:
    folders = Path(program).parents
    return all(folder.stat().st_mode & 0o001 for folder in folders) and bool(
        Path(program).stat().st_mode & 0o001
    )


# -- hostile candidates through the task's evaluation ---------------------------------------------


def hostile(name: str, **placeholders: str) -> str:
    source = (HOSTILE / f"{name}.py").read_text()
    for key, value in placeholders.items():
        source = source.replace(f"__{key.upper()}__", value)
    return source


def assess(source: str, task: DeploymentWindowAnalyzer | None = None) -> Assessment:
    started = time.monotonic()
    assessment = (task or DeploymentWindowAnalyzer()).assess(source)
    assert time.monotonic() - started < EVAL_BOUND_S
    outcomes = {check.name: check.outcome for check in assessment.evaluation.checks}
    assert outcomes["python_compile"] is CheckOutcome.PASSED
    assert assessment.evaluation.score < 100
    return assessment


def evaluate(source: str, task: DeploymentWindowAnalyzer | None = None) -> Evaluation:
    return assess(source, task).evaluation


def evidence(assessment: Assessment) -> list[str]:
    """What the hostile code reported on stderr, in every sandbox run of the evaluation."""
    lines = b"\n".join(run.stderr for run in assessment.runs.values()).decode().splitlines()
    return [line.removeprefix("EVIDENCE ") for line in lines if line.startswith("EVIDENCE ")]


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


def test_a_candidate_that_swallows_timeouts_is_still_stopped_at_its_deadline() -> None:
    task = DeploymentWindowAnalyzer(limits=sandbox.Limits(wall_s=3.0, cpu_s=3))
    evaluation = evaluate(hostile("swallow_timeouts"), task)
    assert "importing the module timed out" in detail(evaluation, "merge_overlaps_expected_windows")
    assert "timed out after 2 s" in detail(evaluation, "cli_rejects_invalid_input")


def test_a_fork_bomb_is_bounded_and_leaves_no_process() -> None:
    assessment = assess(hostile("fork_bomb"))
    assert "timed out" in detail(assessment.evaluation, "build_report_expected_metrics")
    forked = evidence(assessment)
    assert forked, "nothing forked, so this test proves nothing"
    if ROOT:
        for run in assessment.runs.values():
            assert run.uid is not None and processes_of(run.uid) == []
        module_uid = assessment.runs["module"].uid
        from_module = [m for m in forked if m == f"forked {module_uid}"]
        assert len(from_module) < DeploymentWindowAnalyzer().limits.processes


def test_a_disk_filler_is_capped_and_cannot_write_elsewhere() -> None:
    assessment = assess(hostile("disk_fill"))
    assert "defines no parse_events" in detail(assessment.evaluation, "parse_events_valid_input")
    messages = evidence(assessment)
    limits = DeploymentWindowAnalyzer().limits
    big_mib = numbers_after("big file MiB ", messages)
    assert big_mib and max(big_mib) << 20 <= limits.file_bytes
    if "mntns" in sandbox.isolation_level():
        assert any(m.endswith("stopped: Read-only file system") for m in messages)
        assert not list(Path("/tmp").glob("bench-hostile-*"))
        assert not list(Path("/").glob("bench-hostile-*"))


def test_a_memory_eater_gets_a_memory_error() -> None:
    assessment = assess(hostile("memory"))
    details = [c.detail or "" for c in assessment.evaluation.checks]
    assert any("MemoryError" in text for text in details), details
    held_mib = numbers_after("held MiB ", evidence(assessment))
    assert held_mib and max(held_mib) << 20 < sandbox.Limits().memory_bytes


def test_an_output_flood_is_capped_and_the_results_survive() -> None:
    evaluation = evaluate(hostile("flood"))
    assert "importing the module timed out" in detail(evaluation, "build_report_expected_metrics")
    passed = [c.name for c in evaluation.checks if c.outcome is CheckOutcome.PASSED]
    assert passed == ["python_compile", "stdlib_only"]


def test_a_setsid_daemon_of_the_candidate_is_killed() -> None:
    assessment = assess(hostile("setsid_survivor"))
    daemons = [m.split()[1] for m in evidence(assessment) if m.startswith("daemon ")]
    assert daemons, "no daemon reported itself, so this test proves nothing"
    for uid in daemons:
        assert processes_of(int(uid)) == [], f"a daemon of uid {uid} survived the evaluation"


def test_a_candidate_cannot_reach_the_host_loopback() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        assessment = assess(hostile("network", port=str(listener.getsockname()[1])))
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()
    outcomes = evidence(assessment)
    assert outcomes and "connected" not in outcomes
    if "netns" in sandbox.isolation_level():
        assert all("Network is unreachable" in outcome for outcome in outcomes)
