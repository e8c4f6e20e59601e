"""Benchmark the model server's idle share of a suite run: does it wait for the sandbox?

It runs a suite (`--tasks` HumanEval problems, `--repeats` repeats, 2 models and 1 handoff
pair, every candidate evaluated in the sandbox with all isolation on) in this process against a
fake Ollama server on loopback whose every answer takes `--delay` seconds, and reads, from the
server's side, when each answer was being served. Then it prints

    idle share = time the server served nothing / (last answer's end - first request)

against the target (under 2 %), beside the baseline measured in the same run: the idle share a
runner that evaluates each candidate before its next call would have, from this run's own
call and eval walls (sum of eval walls / (sum of call walls + sum of eval walls)). Exit status
0 when the target is met, 1 otherwise.

    python benchmarks/bench_idle.py                       # 10 problems, 2 repeats, 1 s calls
    python benchmarks/bench_idle.py --tasks 20 --delay 0.5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


from bench.runner.config import load_config  # noqa: E402
from bench.runner.run import prepare  # noqa: E402
from bench.runner.tasks import get_task  # noqa: E402
from tests.support.runs import (  # noqa: E402
    TimedOllama,
    fenced,
    handoff_config,
    handoff_models,
)

TARGET_SHARE = 0.02


def idle_share(served: list[tuple[float, float]]) -> tuple[float, float]:
    """(idle seconds, span seconds) of the server, from its (start, end) serving intervals."""
    spans = sorted(served)
    start, end = spans[0][0], max(e for _, e in spans)
    busy, reach = 0.0, start
    for s, e in spans:
        if e > reach:
            busy += e - max(s, reach)
            reach = e
    return (end - start) - busy, end - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10, help="HumanEval problems (from 0)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per model answer")
    args = parser.parse_args()

    reply = fenced(get_task("humaneval-0").reference_source())  # passes one, runs on every test
    models = handoff_models(reply)
    tasks = ", ".join(f"humaneval-{i}" for i in range(args.tasks))
    with (
        TimedOllama.running(*models, delay_s=args.delay) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config = handoff_config(Path(tmp), models, server.url, repeats=args.repeats)
        text = config.read_text(encoding="utf-8").replace("task: deployment_window_analyzer\n", "")
        config.write_text(text + f"tasks: [{tasks}]\n", encoding="utf-8")
        prepared = prepare(load_config(config))
        started_s = time.perf_counter()
        record = prepared.orchestrator.run()
        wall_s = time.perf_counter() - started_s
        prepared.close()
        idle_s, span_s = idle_share(server.served)
    calls = [g.call_wall_s for g in record.generations()]
    evals = [  # a handoff's draft is its small model's direct answer: evaluated once
        e.eval_wall_s
        for loc, e in record.evaluations()
        if e.eval_wall_s is not None and "draft" not in loc
    ]
    share = idle_s / span_s
    serial = sum(evals) / (sum(evals) + sum(calls))
    verdict = "PASS" if share < TARGET_SHARE else "FAIL"
    for name, value in (
        ("suite", f"{args.tasks} tasks x {args.repeats} repeats, 2 models + 1 pair"),
        ("calls / candidates", f"{len(calls)} / {len(evals)}"),
        ("run wall", f"{wall_s:8.2f} s"),
        ("server busy span", f"{span_s:8.2f} s  (first request to last answer)"),
        ("server idle", f"{idle_s:8.3f} s  = {100 * share:.2f} % of the span"),
        ("baseline: evaluate inline", f"{100 * serial:8.2f} %  (sum of evals / calls + evals)"),
        ("ratio", f"{share / serial:8.3f} x the baseline" if serial else "n/a"),
        (f"target < {100 * TARGET_SHARE:g} %", f"{verdict}: {share / TARGET_SHARE:.2f} x"),
    ):
        print(f"{name:<26} {value}")
    return 0 if share < TARGET_SHARE else 1


if __name__ == "__main__":
    sys.exit(main())
