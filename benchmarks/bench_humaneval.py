"""Benchmark the humaneval suite: eval wall per problem of the 164 canonical solutions, all
isolation on.

Each problem's task records the calls its check makes once (a sandbox run, timed apart: a run
of many candidates pays it once per problem), then evaluates the canonical solution through
`Task.evaluate`, the path a candidate takes: the candidate's sandbox, then the check's. Prints
the median, min and max eval wall per problem and the total, against the target (median
≤ 0.15 s), and exits 1 when it is missed or a canonical solution does not score 100.

    python benchmarks/bench_humaneval.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.runner import sandbox
from bench.runner.tasks import get_task
from bench.runner.tasks.humaneval import PROBLEM_COUNT, HumanEvalTask, task_id

TARGET_MEDIAN_EVAL_WALL_S = 0.15


def summary(label: str, walls_s: list[float]) -> str:
    return (
        f"{label:<34} median {statistics.median(walls_s):.3f} s   min {min(walls_s):.3f} s   "
        f"max {max(walls_s):.3f} s   total {sum(walls_s):.2f} s"
    )


def main() -> int:
    sandbox.run(sandbox.python_command("-c", "pass"))  # the sandbox's one-time probe
    records_s, evals_s, failed = [], [], []
    for index in range(PROBLEM_COUNT):
        task = get_task(task_id(index))
        assert isinstance(task, HumanEvalTask)
        started = time.perf_counter()
        task.recording()
        records_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        evaluation = task.evaluate(task.reference_source(), None)
        evals_s.append(time.perf_counter() - started)
        if evaluation.score != 100:
            failed.append(f"{task.title}: {evaluation.checks}")
    median_s = statistics.median(evals_s)
    print(f"isolation: {sandbox.isolation_level()}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average: {load} on {os.cpu_count()} cores")
    print(summary("record check's calls (once each)", records_s))
    print(summary(f"eval of {PROBLEM_COUNT} canonical solutions", evals_s))
    slowest = sorted(range(PROBLEM_COUNT), key=lambda n: evals_s[n])[-3:]
    print("slowest evals: " + ", ".join(f"HumanEval/{n} {evals_s[n]:.3f} s" for n in slowest))
    ratio = median_s / TARGET_MEDIAN_EVAL_WALL_S
    verdict = "PASS" if ratio <= 1 and not failed else "FAIL"
    print(
        f"median eval wall {median_s:.3f} s = {ratio:.2f}x the target "
        f"({TARGET_MEDIAN_EVAL_WALL_S} s): {verdict}"
    )
    for failure in failed:
        print(f"not 100: {failure}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
