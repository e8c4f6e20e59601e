"""Benchmark the sandboxed evaluation: eval wall per candidate, with all isolation on.

Evaluates the reference solution of a task N times (after one warm-up) and prints the median,
min, p90 and max eval wall, the ratio of the median to the target (0.5 s), and PASS or FAIL.
For context it also times an empty sandbox run (start, namespaces, teardown), and prints the
isolation level achieved, the CPU time one evaluation costs (every process it started) and the
load average: a busy machine inflates the wall figures, not the CPU time.

    python benchmarks/bench_eval.py
    python benchmarks/bench_eval.py --repeats 50 --task deployment_window_analyzer
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.runner import sandbox
from bench.runner.tasks import get_task

TARGET_EVAL_WALL_S = 0.5


def timings_s(action: Callable[[], object], repeats: int) -> list[float]:
    action()  # warm-up: file caches, the sandbox's one-time probe
    found = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        found.append(time.perf_counter() - started)
    return found


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summary(label: str, walls_s: list[float]) -> str:
    ordered = sorted(walls_s)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (
        f"{label:<50} median {statistics.median(ordered):.3f} s   min {ordered[0]:.3f} s   "
        f"p90 {p90:.3f} s   max {ordered[-1]:.3f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="deployment_window_analyzer")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    task = get_task(args.task)
    reference = task.reference_source()

    def evaluate_reference() -> None:
        evaluation = task.evaluate(reference, None)
        if evaluation.score != 100:
            failed = [c.name for c in evaluation.checks if c.outcome != "passed"]
            raise SystemExit(f"the reference scored {evaluation.score:g}, failing {failed}")

    empty = timings_s(lambda: sandbox.run(sandbox.python_command("-c", "pass")), args.repeats)
    cpu_before_s = children_cpu_s()
    walls_s = timings_s(evaluate_reference, args.repeats)
    cpu_per_eval_s = (children_cpu_s() - cpu_before_s) / (args.repeats + 1)
    median_s = statistics.median(walls_s)
    ratio = median_s / TARGET_EVAL_WALL_S
    print(f"isolation: {sandbox.isolation_level()}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average: {load} on {os.cpu_count()} cores")
    print(summary("empty sandbox run (python -c pass)", empty))
    print(summary(f"eval of the {args.task} reference", walls_s))
    print(f"CPU time per eval (user + system, all its processes): {cpu_per_eval_s:.3f} s")
    verdict = "PASS" if median_s < TARGET_EVAL_WALL_S else "FAIL"
    print(f"median / target {TARGET_EVAL_WALL_S} s = {ratio:.2f}  {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
