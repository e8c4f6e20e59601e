"""The `deployment_window_analyzer` task: prompts, reference solution, sandboxed evaluation."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from bench.record.schema import (
    CandidateFile,
    CheckOutcome,
    CheckResult,
    CheckSpec,
    Evaluation,
    score_from_checks,
)
from bench.runner import sandbox
from bench.runner.tasks.deployment_window_analyzer.checks import CHECKS

_HERE = Path(__file__).parent
_HARNESS_NAME = "bench_harness.py"  # its name inside the sandbox, apart from the candidate's
_PLACEHOLDER = re.compile(r"\{\{(task|draft)\}\}")
_DETAIL_CHARS = 300


class DeploymentWindowAnalyzer:
    """Parse deployment events, merge their windows, report per service, with a CLI."""

    id: str = "deployment_window_analyzer"
    candidate_name: str = "deployment_window_analyzer.py"
    checks: tuple[CheckSpec, ...] = CHECKS

    def __init__(self, check_timeout_s: float = 2.0, limits: sandbox.Limits | None = None) -> None:
        """`check_timeout_s` bounds each check; `limits` bound the whole evaluation."""
        self.check_timeout_s = check_timeout_s
        self.limits = limits or sandbox.Limits(wall_s=10.0, cpu_s=10)

    def prompt(self) -> str:
        return (_HERE / "prompt.md").read_text(encoding="utf-8")

    def refine_prompt(self, draft: str) -> str:
        values = {"task": self.prompt().strip(), "draft": _fenced(draft)}
        template = (_HERE / "refine.md").read_text(encoding="utf-8")
        return _PLACEHOLDER.sub(lambda match: values[match[1]], template)

    def reference_source(self) -> str:
        return (_HERE / "reference.py").read_text(encoding="utf-8")

    def evaluate(self, source: str, candidate_path: str | None) -> Evaluation:
        started = time.perf_counter()
        result = sandbox.run(
            sandbox.python_command(_HARNESS_NAME, self.candidate_name, f"{self.check_timeout_s:g}"),
            files={
                self.candidate_name: source.encode("utf-8", errors="replace"),
                _HARNESS_NAME: (_HERE / "harness.py").read_bytes(),
            },
            limits=self.limits,
        )
        checks = check_results(self.checks, result)
        return Evaluation(
            score=round(score_from_checks(checks), 2),
            eval_wall_s=round(time.perf_counter() - started, 3),
            checks=checks,
            candidate=CandidateFile(name=self.candidate_name, path=candidate_path),
        )


def check_results(
    specs: tuple[CheckSpec, ...], result: sandbox.SandboxResult
) -> tuple[CheckResult, ...]:
    """Each check's outcome from the harness's result lines; a gate that failed skips the rest."""
    reported = _reported(result.stdout, {spec.name for spec in specs})
    unreached = _short(f"not reached: the checks' process {result.describe()}{_last_words(result)}")
    gate_failed = any(spec.gate and reported.get(spec.name, unreached) for spec in specs)
    checks = []
    for spec in specs:
        detail = reported.get(spec.name, unreached)
        if gate_failed and not spec.gate:
            outcome, detail = CheckOutcome.SKIPPED, None
        else:
            outcome = CheckOutcome.FAILED if detail else CheckOutcome.PASSED
        checks.append(
            CheckResult(name=spec.name, outcome=outcome, weight=spec.weight, detail=detail)
        )
    return tuple(checks)


def _reported(stdout: bytes, names: set[str]) -> dict[str, str | None]:
    """Check name -> failure detail (None when passed); the first line for a check counts."""
    reported: dict[str, str | None] = {}
    for line in stdout.decode(errors="replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or message.get("check") not in names:
            continue
        detail = message.get("detail")
        reported.setdefault(message["check"], None if detail is None else _short(str(detail)))
    return reported


def _last_words(result: sandbox.SandboxResult) -> str:
    if result.timed_out or result.exit_code == 0:
        return ""
    lines = [line for line in result.stderr.decode(errors="replace").splitlines() if line.strip()]
    return f" ({lines[-1].strip()})" if lines else ""


def _short(text: str) -> str:
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


def _fenced(code: str) -> str:
    """`code` in a ```python fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{code.rstrip()}\n{fence}"
