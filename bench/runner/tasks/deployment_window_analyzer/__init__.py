"""Task `deployment_window_analyzer`: a stdlib-only script that parses deployment events with
time windows, merges overlapping windows, reports metrics per service, and has a JSON CLI.

`prompt.md` is the task prompt, `refine.md` the handoff template, `reference.py` the reference
solution, `checks.py` the checks, their weights, probes and verdicts, `expected.py` the inputs
and the expected values (runner side only). The shared harness (`bench/runner/tasks/`) runs it.
"""

from __future__ import annotations

from pathlib import Path

from bench.runner.tasks._harness import ProbedTask
from bench.runner.tasks.deployment_window_analyzer.checks import CALLS, CHECKS, CLI_RUNS, VERDICTS

__all__ = ["CHECKS", "DeploymentWindowAnalyzer"]


class DeploymentWindowAnalyzer(ProbedTask):
    """Parse deployment events, merge their windows, report per service, with a CLI."""

    id = "deployment_window_analyzer"
    candidate_name = "deployment_window_analyzer.py"
    checks = CHECKS
    folder = Path(__file__).parent
    calls = CALLS
    cli_runs = CLI_RUNS
    verdicts = VERDICTS
