"""The shared task harness, runner side: every task is probes, checks and a reference.

A task names the calls to make into the candidate's module (`Call`) and the command lines to
run (`CliRun`). The harness runs them in the sandbox: one sandbox for the module, where the
driver (`_driver.py`) runs the candidate's module once, in one process, and answers the calls
in order, each answer a value in the typed wire format (`_wire.py`), and one sandbox per
command line, whose exit status, output and files the sandbox itself reports. Then each check,
a function of the answers (decoded strictly, without recursion), runs here, in the runner,
against expected values that never enter a sandbox. The candidate can only change its own
answers: no result line, verdict or expected value lives where it can reach.

A HumanEval problem (a function and a `check(candidate)` of asserts, `tasks/humaneval/`) uses
the same driver live: its test runs in a process of its own and sends each call as `check`
makes it (`tests/test_harness.py` sketches the fixed-call form with literal calls).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from bench.record.schema import (
    CandidateFile,
    CheckOutcome,
    CheckResult,
    CheckSpec,
    Evaluation,
    TaskSpec,
)
from bench.record.schema import score_from_checks as _score
from bench.runner import sandbox
from bench.runner.tasks import _wire as wire
from bench.runner.tasks._answers import (
    Answers,
    CheckFailed,
    CliOutcome,
    decode_lines,
    plain_text,
    short,
)

__all__ = ["Assessment", "Call", "CliRun", "ProbedTask", "Verdict", "check_results", "fenced"]

_DRIVER = Path(__file__).with_name("_driver.py")
_WIRE = Path(__file__).with_name("_wire.py")
_DRIVER_NAME = "bench_driver.py"  # its name inside the sandbox, apart from the candidate's
_WIRE_NAME = "bench_wire.py"
_CONFIG_NAME = "bench_config.json"
_REQUESTS_NAME = "bench_requests.json"
_PLACEHOLDER = re.compile(r"\{\{(task|draft)\}\}")
_SOURCE_BYTES = 1024 * 1024  # a longer candidate is not run (its gate fails, saying why)


@dataclass(frozen=True)
class Call:
    """Call `function` of the candidate's module with `args` and `kwargs`: values the wire
    format carries (`_wire.New` builds an object of the candidate's own class)."""

    id: str
    function: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CliRun:
    """Run the candidate as a script with `args`, `files` beside it; `collect` the files it
    should write."""

    id: str
    args: tuple[str, ...]
    files: Mapping[str, str] = field(default_factory=dict)
    collect: tuple[str, ...] = ()


Verdict = Callable[[Answers], None]  # raises CheckFailed with the detail when the check fails


@dataclass(frozen=True)
class Assessment:
    """An evaluation and the sandbox runs it came from (for tests and debugging)."""

    evaluation: Evaluation
    runs: Mapping[str, sandbox.SandboxResult]


class ProbedTask:
    """A task scored by the shared harness. A task folder subclasses it with its own data:
    prompt.md, refine.md and reference.py beside it, and its calls, runs and verdicts."""

    id: str
    candidate_name: str
    checks: tuple[CheckSpec, ...]  # in report order; weights sum to 100; the gate first
    folder: ClassVar[Path]
    # A task sets these in its class body, or (when they depend on the task's own data, as
    # HumanEval's recorded calls do) on the instance.
    calls: tuple[Call, ...]
    cli_runs: tuple[CliRun, ...]
    verdicts: Mapping[str, Verdict]  # check name -> verdict

    source_limit_bytes = _SOURCE_BYTES

    def __init__(self, check_timeout_s: float = 2.0, limits: sandbox.Limits | None = None) -> None:
        """`check_timeout_s` bounds each call and command line; `limits` bound the module's
        sandbox as a whole (one process: all it does shares one memory cap)."""
        self.check_timeout_s = check_timeout_s
        self.limits = limits or sandbox.Limits(wall_s=10.0, cpu_s=10, processes=1)

    @property
    def title(self) -> str:
        return self.id

    def spec(self) -> TaskSpec:
        """The task as a run record lists it: id, title, content hash and checks."""
        return TaskSpec(
            id=self.id, title=self.title, content_hash=self.content_hash(), checks=self.checks
        )

    def content_hash(self) -> str:
        """sha256 of what decides a candidate's score: the prompts, the checks and the tests
        (`test_material`). Two runs asked the same task when their hashes match."""
        digest = hashlib.sha256()
        checks = json.dumps([c.model_dump(mode="json") for c in self.checks], sort_keys=True)
        for part in (self.prompt(), self.refine_prompt(""), checks, *self.test_material()):
            data = part.encode("utf-8")
            digest.update(len(data).to_bytes(8, "big") + data)
        return f"sha256:{digest.hexdigest()}"

    def test_material(self) -> list[str]:
        """The task folder's sources (probes, verdicts, expected values, reference), by name."""
        files = sorted(p for p in self.folder.iterdir() if p.suffix in (".py", ".md"))
        return [f"{p.name}\n{p.read_text(encoding='utf-8')}" for p in files]

    def prompt(self) -> str:
        return (self.folder / "prompt.md").read_text(encoding="utf-8")

    def refine_prompt(self, draft: str) -> str:
        values = {"task": self.prompt().strip(), "draft": fenced(draft)}
        template = (self.folder / "refine.md").read_text(encoding="utf-8")
        return _PLACEHOLDER.sub(lambda match: values[match[1]], template)

    def reference_source(self) -> str:
        return (self.folder / "reference.py").read_text(encoding="utf-8")

    def evaluate(self, source: str, candidate_path: str | None) -> Evaluation:
        return self.assess(source, candidate_path).evaluation

    def assess(self, source: str, candidate_path: str | None = None) -> Assessment:
        """Run the probes in the sandbox and judge the answers here; never raises for bad
        code."""
        started = time.perf_counter()
        code = source.encode("utf-8", errors="replace")
        if len(code) > self.source_limit_bytes:
            return self._too_long(len(code), candidate_path, started)
        with ThreadPoolExecutor(max_workers=1 + len(self.cli_runs)) as pool:
            module_run = pool.submit(self._run_module, code)
            cli_runs = {run.id: pool.submit(self._run_cli, code, run) for run in self.cli_runs}
            runs = {"module": module_run.result()}
            runs.update({f"cli:{key}": future.result() for key, future in cli_runs.items()})
        module = runs["module"]
        lines = decode_lines(module.stdout)
        unreached = f"not reached: the checks' process {module.describe()}{_last_words(module)}"
        if "static" in lines and "import" not in lines:
            unreached = f"importing the module did not finish: its process {module.describe()}"
            if module.timed_out or module.signal is not None:
                unreached = f"importing the module timed out: its process {module.describe()}"
        answers = Answers(
            lines,
            {run.id: _cli_outcome(runs[f"cli:{run.id}"]) for run in self.cli_runs},
            self.check_timeout_s,
            short(unreached),
        )
        details = {name: _judge(verdict, answers) for name, verdict in self.verdicts.items()}
        return Assessment(self._evaluation(details, candidate_path, started), runs)

    def _too_long(self, size: int, candidate_path: str | None, started: float) -> Assessment:
        """A candidate over the limit is not run: its gate fails and says why."""
        gate = f"the candidate is {size:,} bytes, over the {self.source_limit_bytes:,}-byte limit"
        details = {spec.name: gate if spec.gate else None for spec in self.checks}
        return Assessment(self._evaluation(details, candidate_path, started), {})

    def _evaluation(
        self, details: Mapping[str, str | None], candidate_path: str | None, started: float
    ) -> Evaluation:
        checks = check_results(self.checks, details)
        return Evaluation(
            score=round(_score(checks), 2),
            eval_wall_s=round(time.perf_counter() - started, 3),
            checks=checks,
            candidate=CandidateFile(name=self.candidate_name, path=candidate_path),
        )

    @property
    def module_name(self) -> str:
        return self.candidate_name.removesuffix(".py")

    def _run_module(self, code: bytes) -> sandbox.SandboxResult:
        """The driver answers the task's calls, in order, in one process."""
        config = {
            "candidate": self.candidate_name,
            "module": self.module_name,
            "preamble": "",
            "requests": _REQUESTS_NAME,
            "refuse_own_eq": False,  # the checks read an object's fields, never its __eq__
            "imports": True,
            "call_timeout_s": self.check_timeout_s,
        }
        requests = [
            {
                "id": c.id,
                "function": c.function,
                "args": wire.encode_tokens(list(c.args)),
                "kwargs": wire.encode_tokens(dict(c.kwargs)),
            }
            for c in self.calls
        ]
        files: dict[str, str | bytes] = {
            self.candidate_name: code,
            _DRIVER_NAME: _DRIVER.read_bytes(),
            _WIRE_NAME: _WIRE.read_bytes(),
            _CONFIG_NAME: json.dumps(config),
            _REQUESTS_NAME: json.dumps(requests),
        }
        command = sandbox.python_command(_DRIVER_NAME, _CONFIG_NAME)
        return sandbox.run(command, files=files, limits=self.limits, entry="driver")

    def _run_cli(self, code: bytes, run: CliRun) -> sandbox.SandboxResult:
        limits = sandbox.Limits(
            wall_s=self.check_timeout_s,
            cpu_s=max(1, int(self.check_timeout_s + 0.999)),
            memory_bytes=self.limits.memory_bytes,
            file_bytes=self.limits.file_bytes,
            disk_bytes=self.limits.disk_bytes,
        )
        files: dict[str, str | bytes] = {self.candidate_name: code, **run.files}
        command = sandbox.python_command(self.candidate_name, *run.args)
        return sandbox.run(command, files=files, limits=limits, collect=run.collect)


def _judge(verdict: Verdict, answers: Answers) -> str | None:
    """The detail of a failed check, or None when it passed."""
    try:
        verdict(answers)
    except CheckFailed as failure:
        return short(str(failure)) or "failed"
    except Exception as error:  # any answer, however odd, is that check's failure
        return short(f"the answer is not what the check reads: {type(error).__name__}: {error}")
    return None


def _cli_outcome(result: sandbox.SandboxResult) -> CliOutcome:
    return CliOutcome(
        timed_out=result.timed_out,
        exit_code=result.exit_code,
        stdout=result.stdout.decode(errors="replace"),
        stderr=result.stderr.decode(errors="replace"),
        files=result.files,
    )


def check_results(
    specs: tuple[CheckSpec, ...], details: Mapping[str, str | None]
) -> tuple[CheckResult, ...]:
    """Each check's outcome from its detail (None: passed); a gate that failed skips the rest."""
    missing = "no verdict for this check"
    gate_failed = any(spec.gate and details.get(spec.name, missing) for spec in specs)
    checks = []
    for spec in specs:
        detail = details.get(spec.name, missing)
        if gate_failed and not spec.gate:
            outcome, detail = CheckOutcome.SKIPPED, None
        else:
            outcome = CheckOutcome.FAILED if detail else CheckOutcome.PASSED
        checks.append(
            CheckResult(name=spec.name, outcome=outcome, weight=spec.weight, detail=detail)
        )
    return tuple(checks)


def _last_words(result: sandbox.SandboxResult) -> str:
    if result.timed_out or result.exit_code == 0:
        return ""
    lines = [line for line in result.stderr.decode(errors="replace").splitlines() if line.strip()]
    return f" ({plain_text(lines[-1])})" if lines else ""


def fenced(code: str) -> str:
    """`code` in a ```python fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{code.rstrip()}\n{fence}"
