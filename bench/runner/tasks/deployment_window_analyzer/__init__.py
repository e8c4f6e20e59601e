"""Task `deployment_window_analyzer`: a stdlib-only script that parses deployment events with
time windows, merges overlapping windows, reports metrics per service, and has a JSON CLI.

`prompt.md` is the task prompt, `refine.md` the handoff template, `reference.py` the reference
solution, `harness.py` the checks (run inside the sandbox), `checks.py` their weights.
"""

from __future__ import annotations

from bench.runner.tasks.deployment_window_analyzer._task import DeploymentWindowAnalyzer
from bench.runner.tasks.deployment_window_analyzer.checks import CHECKS

__all__ = ["CHECKS", "DeploymentWindowAnalyzer"]
