"""Hostile HumanEval candidates: nothing one does reaches the test, its expected values or the
verdict, ends a run, or outlives it. Each route the issue names has a test: forged lines on the
answer channel (deep nesting, a `$`-tagged dict, numbers too big for a float), objects with
their own `__eq__`, forks and memory, the kernel keyring, uids, and load."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.ollama_server import FakeModel, FakeOllama

from bench import cli
from bench.record.archive import load_record
from bench.record.schema import RECORD_FILENAME, CheckOutcome, RunStatus
from bench.runner import sandbox
from bench.runner.tasks._harness import Assessment
from bench.runner.tasks.deployment_window_analyzer import DeploymentWindowAnalyzer
from bench.runner.tasks.humaneval import HumanEvalTask
from bench.runner.tasks.humaneval.problems import load_problems
from tests.support.runs import fenced, ollama_model, run_dirs, write_config

PROBLEMS = load_problems()
ADD = 53  # add(x, y): 105 calls, 100 of them with random arguments
ROOT = os.geteuid() == 0

# Lines written straight onto every descriptor the driver may answer on, before any call.
FORGE = """
import os
def _forge(lines):
    for fd in range(3, 32):
        try:
            os.write(fd, lines)
        except OSError:
            pass
"""
DEEP = "[" * 700 + "]" * 700
HOSTILE = {
    "deep-nesting-on-the-channel": FORGE
    + f'_forge(b\'{{"id": "import", "imported": true}}\\n{{"id": 1, "returned": {DEEP}}}\\n\')\n'
    "def add(x, y):\n    return x + y\n",
    "very-deep-nesting-on-the-channel": FORGE
    + '_forge(b\'{"id": "import", "imported": true}\\n{"id": 1, "returned": \''
    " + b'[' * 100000 + b']' * 100000 + b'}\\n')\n"
    "def add(x, y):\n    return x + y\n",
    "forged-passed-verdicts": FORGE
    + '_forge(b\'{"passed": true, "reason": "", "calls": 105}\\n\' * 50)\n'
    "def add(x, y):\n    return 0\n",
    "deep-nesting-returned": (
        "def add(x, y):\n    v = []\n    for _ in range(700):\n        v = [v]\n    return v\n"
    ),
    "always-equal": "class E:\n    def __eq__(self, o):\n        return True\n"
    "def add(x, y):\n    return E()\n",
    "always-equal-int": "class E(int):\n    def __eq__(self, o):\n        return True\n"
    "    __hash__ = int.__hash__\n"
    "def add(x, y):\n    return E(0)\n",
    "patched-assertion-error": "import builtins\n"
    "builtins.AssertionError = type('Quiet', (BaseException,), {})\n"
    "def add(x, y):\n    return 0\n",
    "exits-the-process": "import os\ndef add(x, y):\n    os._exit(0)\n",
    "forks": "import os\ndef add(x, y):\n    pid = os.fork()\n    if pid == 0:\n"
    "        os._exit(0)\n    return x + y\n",
}


def _task(index: int = ADD) -> HumanEvalTask:
    return HumanEvalTask(PROBLEMS[index])


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_candidate_fails_the_test_and_the_evaluation_returns(source: str) -> None:
    evaluation = _task().evaluate(source, None)
    assert evaluation.score == 0, evaluation.checks
    assert evaluation.checks[0].outcome is CheckOutcome.PASSED  # it compiled: the test failed


def test_a_dollar_tagged_dict_is_a_dict_never_a_tuple() -> None:
    task = _task(8)  # sum_product returns a tuple (sum, product)
    forged = (
        "def sum_product(numbers):\n    s, p = 0, 1\n    for n in numbers:\n"
        "        s, p = s + n, p * n\n    return {'$tuple': [s, p]}\n"
    )
    evaluation = task.evaluate(forged, None)
    assert evaluation.score == 0
    assert "the test failed" in str(evaluation.checks[1].detail)
    honest = forged.replace("{'$tuple': [s, p]}", "(s, p)")
    assert task.evaluate(honest, None).score == 100


def test_numbers_too_big_for_a_float_are_a_check_s_failure_not_a_crash() -> None:
    reference = DeploymentWindowAnalyzer().reference_source()
    huge = reference.replace("def build_report(", "def _build_report(", 1) + (
        "\ndef build_report(events):\n"
        "    report = _build_report(events)\n"
        "    for entry in report.get('services', []):\n"
        "        for key, value in list(entry.items()):\n"
        "            if isinstance(value, float):\n"
        "                entry[key] = 10 ** 400\n"
        "    return report\n"
    )
    evaluation = DeploymentWindowAnalyzer().evaluate(huge, None)
    [check] = [c for c in evaluation.checks if c.name == "build_report_expected_metrics"]
    assert check.outcome is CheckOutcome.FAILED and check.detail


def test_deep_nesting_on_the_deployment_task_s_channel_is_a_check_s_failure() -> None:
    forged = (
        DeploymentWindowAnalyzer().reference_source()
        + FORGE
        + '_forge(b\'{"id": "import", "imported": true}\\n{"id": "merge", "returned": '
        + DEEP
        + "}\\n')\n"
    )
    evaluation = DeploymentWindowAnalyzer().evaluate(forged, None)
    [check] = [c for c in evaluation.checks if c.name == "merge_overlaps_expected_windows"]
    assert check.outcome is CheckOutcome.FAILED


KEYRING = """
import ctypes, os, sys
def add(x, y):
    return x + y
libc = ctypes.CDLL(None, use_errno=True)
number = {"x86_64": 248, "aarch64": 217}[os.uname().machine]  # add_key
key = libc.syscall(number, b"user", b"bench-hostile", b"secret", 6, -4)  # the user keyring
print("EVIDENCE add_key", key, ctypes.get_errno(), os.getuid(), file=sys.stderr)
"""


@pytest.mark.skipif(os.uname().machine not in ("x86_64", "aarch64"), reason="seccomp numbers")
def test_the_kernel_keyring_is_closed_to_a_candidate() -> None:
    assessment = _task().assess(KEYRING)
    assert assessment.evaluation.score == 100  # the candidate itself is correct
    run = assessment.runs["module"]
    [line] = [x for x in run.stderr.decode().splitlines() if x.startswith("EVIDENCE add_key")]
    _, _, key, errno, uid = line.split()
    assert (int(key), int(errno)) == (-1, 1)  # EPERM
    assert "seccomp" in run.isolation
    if ROOT:
        users = Path("/proc/key-users").read_text()
        assert not any(entry.split(":")[0].strip() == uid for entry in users.splitlines())


def test_no_uid_is_given_twice_in_a_run() -> None:
    uids = {sandbox.fresh_uid() for _ in range(20_000)}
    assert len(uids) == 20_000
    if ROOT:
        first = _task().assess("def add(x, y):\n    return x + y\n")
        second = _task().assess("def add(x, y):\n    return x + y\n")
        assert first.runs["module"].uid != second.runs["module"].uid


def test_a_candidate_s_process_cannot_fork_so_one_memory_cap_holds_it_all() -> None:
    source = (
        "import os, sys\n"
        "try:\n    pid = os.fork()\nexcept OSError as error:\n"
        "    print('EVIDENCE fork', type(error).__name__, file=sys.stderr)\n"
        "else:\n    if pid == 0:\n        os._exit(0)\n"
        "    print('EVIDENCE fork forked', file=sys.stderr)\n"
        "def add(x, y):\n    return x + y\n"
    )
    assessment: Assessment = _task().assess(source)
    evidence = assessment.runs["module"].stderr.decode()
    if ROOT:
        assert "EVIDENCE fork BlockingIOError" in evidence
    assert assessment.evaluation.score == 100  # failing to fork is not failing the test


def test_memory_is_capped_for_the_candidate_s_one_process() -> None:
    source = "blob = bytearray(512 * 1024 * 1024)\ndef add(x, y):\n    return x + y\n"
    evaluation = _task().evaluate(source, None)
    assert evaluation.score == 0
    assert "MemoryError" in str(evaluation.checks[1].detail)


@pytest.fixture
def load_of_ten() -> Iterator[None]:
    """Ten processes that spin for at most 120 s: load 10 on this machine's cores."""
    spinners = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import time\nend = time.time() + 120\nwhile time.time() < end: pass",
            ]
        )
        for _ in range(10)
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


IMPORTS_A_LOT = (
    "import random, hashlib, decimal, fractions, collections, itertools, functools, statistics\n"
    "def add(x: int, y: int) -> int:\n    return x + y\n"
)


def test_a_correct_candidate_passes_at_load_ten(load_of_ten: None) -> None:
    for index, source in ((ADD, IMPORTS_A_LOT), (32, None), (38, None)):
        task = _task(index)
        evaluation = task.evaluate(source or task.reference_source(), None)
        assert evaluation.score == 100, evaluation.checks


def test_a_run_with_a_hostile_candidate_completes_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = FakeModel(name="hostile:1b", reply=fenced(HOSTILE["deep-nesting-on-the-channel"]))
    with FakeOllama.running(model) as server:
        config = write_config(tmp_path, [ollama_model(model.name, server.url)], task="humaneval-53")
        assert cli.main(["run", str(config)]) == cli.EXIT_OK, capsys.readouterr().out
        [run_dir] = run_dirs(tmp_path / "archive")
        record = load_record(run_dir / RECORD_FILENAME)
        assert record.status is RunStatus.COMPLETE
        [sample] = record.direct[0].samples
        assert sample.evaluation.score == 0 and sample.evaluation.checks[1].detail
        assert cli.main(["run", "--resume", str(run_dir)]) in (cli.EXIT_OK, cli.EXIT_USAGE)
        assert load_record(run_dir / RECORD_FILENAME) == record


def test_the_test_s_process_is_not_visible_from_the_candidate_s() -> None:
    source = (
        "import os, sys\n"
        "seen = []\n"
        "for pid in os.listdir('/proc'):\n"
        "    if pid.isdigit():\n"
        "        try:\n"
        "            seen.append(open(f'/proc/{pid}/cmdline', 'rb').read())\n"
        "        except OSError:\n"
        "            pass\n"
        "found = any(b'bench_check' in c for c in seen)\n"
        "print('EVIDENCE sees', found, len(seen), file=sys.stderr)\n"
        "def add(x, y):\n    return x + y\n"
    )
    assessment = _task().assess(source)
    evidence = assessment.runs["module"].stderr.decode()
    if "procfs" in assessment.runs["module"].isolation:
        assert "EVIDENCE sees False" in evidence
