"""A HumanEval problem's verdict, runner side: the candidate in its sandbox, the problem's test
in a process of its own, and the calls between them as typed data.

The two run at once, joined by two pipes: the test's process (`check_program.py`, as a
throwaway uid, the problem's prompt, canonical solution and test, never a line of the
candidate's) sends each call `check` makes to the candidate's process (the shared driver,
`_driver.py`: the prompt, then the candidate's module, run once, answering calls in order, its
state kept), and reads the answer back as the value it stands for (`_wire.py`). The verdict
comes back on a third pipe, which only the runner holds: nothing the candidate runs can reach
the test, its expected values or the verdict.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.runner import sandbox, zygote
from bench.runner.tasks._answers import short
from bench.runner.tasks.humaneval.problems import Problem

__all__ = ["Judgement", "ReferenceFailed", "judge"]

_TASKS = Path(__file__).resolve().parents[1]
_PROGRAM = Path(__file__).with_name("check_program.py")
_WIRE = _TASKS / "_wire.py"
_DRIVER = _TASKS / "_driver.py"
_TEST_SPARE_S = 5.0  # past the candidate's wall limit, for the test to write its verdict
_VERDICT_BYTES = 64 * 1024
_STDERR_BYTES = 64 * 1024


class ReferenceFailed(RuntimeError):
    """The problem's canonical solution fails its own test through the wire format: the data
    or the format is wrong, never a candidate."""


@dataclass(frozen=True)
class Judgement:
    """What the test's process said, and how the candidate's sandbox ended."""

    compile_error: str | None
    passed: bool
    reason: str  # why it failed ("" when it passed)
    calls: int  # calls `check` made before it returned or failed
    candidate: sandbox.SandboxResult | None


def judge(problem: Problem, source: bytes, limits: sandbox.Limits, verify: bool) -> Judgement:
    """Run `problem`'s test against `source`; `verify`: first run it on the canonical solution
    through the wire format.

    Raises:
        ReferenceFailed: `verify` found a reference answer the wire format does not carry.
    """
    req_r, req_w = os.pipe()  # the test's calls, to the candidate's stdin
    ans_r, ans_w = os.pipe()  # the candidate's answers, to the test's stdin
    verdict_r, verdict_w = os.pipe()
    folder = Path(tempfile.mkdtemp(prefix="bench-check-"))
    outcome: dict[str, Any] = {}
    candidate = threading.Thread(
        target=_run_candidate, args=(problem, source, limits, req_r, ans_w, outcome)
    )
    try:
        try:
            test = _start_test(problem, folder, verify, ans_r, req_w, verdict_w)
        finally:  # the test's ends are its own now (or nobody's)
            for fd in (ans_r, req_w, verdict_w):
                os.close(fd)
        candidate.start()
        test.wait(limits.wall_s + _TEST_SPARE_S)
        verdict = _read_verdict(verdict_r)
    finally:
        os.close(verdict_r)
        if candidate.ident is not None:  # started: it closes the candidate's ends itself
            candidate.join()
        else:
            os.close(req_r)
            os.close(ans_w)
        shutil.rmtree(folder, ignore_errors=True)
    return _judgement(problem, verdict, outcome.get("result"), outcome.get("error"))


def _run_candidate(
    problem: Problem,
    source: bytes,
    limits: sandbox.Limits,
    stdin: int,
    stdout: int,
    outcome: dict[str, Any],
) -> None:
    """The candidate's sandbox: the driver answers the test's calls, live."""
    config = {
        "candidate": "candidate.py",
        "module": problem.entry_point + "_module",
        "preamble": problem.prompt,
        "requests": None,
        "refuse_own_eq": True,
    }
    files: dict[str, str | bytes] = {
        "candidate.py": source,
        "bench_driver.py": _DRIVER.read_bytes(),
        "bench_wire.py": _WIRE.read_bytes(),
        "config.json": json.dumps(config),
    }
    try:
        outcome["result"] = sandbox.run(
            sandbox.python_command("bench_driver.py", "config.json"),
            files=files,
            limits=limits,
            stdin=stdin,
            stdout=stdout,
            entry="driver",
        )
    except sandbox.SandboxError as error:
        outcome["error"] = error
    finally:
        os.close(stdin)
        os.close(stdout)


def _start_test(
    problem: Problem, folder: Path, verify: bool, stdin: int, stdout: int, verdict: int
) -> _TestProcess:
    """The test's process, in a folder of its own holding the problem (and, for a fresh
    interpreter, the test's program and the wire format, which the fork server has loaded): a
    child of the fork server (warm, so it starts in a fork) or a fresh interpreter. It runs as
    the runner's user (the interpreter may live where no other user can reach): it runs none of
    the candidate's code, only decodes its answers, and limits itself (CPU, memory, no files
    written, no process started) before it reads one."""
    data = {
        "prompt": problem.prompt,
        "canonical_solution": problem.canonical_solution,
        "test": problem.test,
        "entry_point": problem.entry_point,
    }
    (folder / "problem.json").write_text(json.dumps(data), encoding="utf-8")
    args = ["problem.json", "1" if verify else "0"]
    server = zygote.server()
    if server is not None:
        err_r, err_w = os.pipe()
        try:
            request = {"kind": "check", "cwd": str(folder), "argv": [*args, "3"]}
            child = server.spawn(request, [stdin, stdout, err_w, verdict])
        except OSError:  # the fork server is gone: a fresh interpreter, below
            os.close(err_r)
        else:
            return _TestProcess(child, os.fdopen(err_r, "rb", buffering=0))
        finally:
            os.close(err_w)
    (folder / "bench_check.py").write_bytes(_PROGRAM.read_bytes())
    (folder / "bench_wire.py").write_bytes(_WIRE.read_bytes())
    process = subprocess.Popen(
        [sys.executable, "-I", "-S", "bench_check.py", *args, str(verdict)],
        cwd=folder,
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        pass_fds=(verdict,),
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": str(folder)},
        start_new_session=True,
    )
    assert process.stderr is not None
    return _TestProcess(process, process.stderr)


class _TestProcess:
    """The test's process, a fork server's child or a Popen: wait for it, reading its stderr
    (what the test printed, dropped: the verdict says why it failed), and kill it at the
    deadline."""

    def __init__(self, process: zygote.Child | subprocess.Popen[bytes], stderr: Any) -> None:
        self.process, self.stderr = process, stderr

    def wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        try:
            while (left := deadline - time.monotonic()) > 0:
                if not select.select([self.stderr], [], [], left)[0] or not self.stderr.read(65536):
                    break
        finally:
            self.stderr.close()
        left = max(deadline - time.monotonic(), 0)
        if isinstance(self.process, zygote.Child):
            if not self.process.wait(left):
                self.process.kill()
                self.process.wait(None)
            self.process.close()
            return
        try:
            self.process.wait(timeout=left)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _read_verdict(fd: int) -> Any:
    os.set_blocking(fd, False)
    try:
        data = os.read(fd, _VERDICT_BYTES)
    except BlockingIOError:
        return None
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def _judgement(
    problem: Problem,
    verdict: Any,
    result: sandbox.SandboxResult | None,
    error: sandbox.SandboxError | None,
) -> Judgement:
    if error is not None:
        raise error
    if isinstance(verdict, dict) and "reference_failed" in verdict:
        raise ReferenceFailed(
            f"{problem.task_id}: the canonical solution fails its own test through the wire "
            f"format: {verdict['reference_failed']}"
        )
    if not isinstance(verdict, dict):
        return Judgement(None, False, "the test's process ended with no verdict", 0, result)
    static = verdict.get("static")
    compile_error = static.get("compile_error") if isinstance(static, dict) else None
    if static is None:
        compile_error = _why_gone(result)
    reason = str(verdict.get("reason", ""))
    if not verdict.get("passed") and "candidate's process ended" in reason and result:
        reason = f"{reason}: it {_ended(result)}"
    return Judgement(
        compile_error=None if compile_error is None else str(compile_error),
        passed=verdict.get("passed") is True,
        reason=short(reason),
        calls=int(verdict.get("calls", 0)),
        candidate=result,
    )


def _ended(result: sandbox.SandboxResult) -> str:
    if result.signal == signal.SIGXCPU or (
        result.signal == signal.SIGKILL and not result.timed_out
    ):
        return "ran out of its CPU time, or was killed"
    return result.describe()


def _why_gone(result: sandbox.SandboxResult | None) -> str:
    if result is None:
        return "the candidate's process did not start"
    return f"the candidate's process {_ended(result)} before it reported on the source"
