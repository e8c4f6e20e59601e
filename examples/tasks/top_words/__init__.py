"""Example task `top_words`: the smallest task folder the shared harness runs.

`prompt.md` is the prompt, `refine.md` the handoff's template, `reference.py` a solution that
scores 100, `checks.py` the checks with their weights, the calls and the verdicts. README.md,
"Add your own task", says how to register it with the runner.
"""

from __future__ import annotations

from pathlib import Path

from bench.runner.tasks._harness import ProbedTask

from .checks import CALLS, CHECKS, VERDICTS

__all__ = ["TopWords"]


class TopWords(ProbedTask):
    """The most frequent words of a text, ties in alphabetical order."""

    id = "top_words"
    candidate_name = "top_words.py"
    checks = CHECKS
    folder = Path(__file__).parent
    calls = CALLS
    cli_runs = ()
    verdicts = VERDICTS
