"""Benchmark the runner's own overhead: the share of a run's wall that is not model calls or
candidate evaluation (config, server lookups, extraction, archiving, record writes, threads).

It runs a whole benchmark (2 models, 1 handoff pair, `--repeats` repeats) in this process
against a fake Ollama server on loopback whose every answer takes `--delay` seconds, then
reports

    overhead = (run wall - sum of call walls - sum of eval walls) / run wall

against the target (under 2 %), split into start-up (before the first call) and overhead per
call, the call wall from which a run of this shape meets the target, and the sandbox's eval
wall per candidate. Exit status 0 when the target is met, 1 otherwise.

    python benchmarks/bench_overhead.py                   # 1 s per call, 3 repeats: 9 calls
    python benchmarks/bench_overhead.py --delay 0.2 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


from bench.record.schema import RunRecord  # noqa: E402
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--delay",
        type=float,
        default=5.0,
        help="seconds per model answer (the seed run's local calls took ~50 s each)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    reply = fenced(get_task("deployment_window_analyzer").reference_source())
    models = handoff_models(reply)
    with (
        TimedOllama.running(*models, delay_s=args.delay) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config = handoff_config(Path(tmp), models, server.url, repeats=args.repeats)
        started_s = time.perf_counter()
        prepared = prepare(load_config(config))
        calls_started_s = time.perf_counter()
        record = prepared.orchestrator.run()
        prepared.close()
        ended_s = time.perf_counter()
    figures = Figures(
        record, start_up_s=calls_started_s - started_s, run_wall_s=ended_s - started_s
    )
    figures.report()
    return 0 if figures.share < TARGET_SHARE else 1


class Figures:
    def __init__(self, record: RunRecord, start_up_s: float, run_wall_s: float) -> None:
        evaluations = [s.evaluation for d in record.direct for s in d.samples]
        evaluations += [s.evaluation for c in record.cascades for s in c.samples]
        self.call_walls_s = [s.generation.call_wall_s for d in record.direct for s in d.samples]
        self.call_walls_s += [
            s.refine.call_wall_s for c in record.cascades for s in c.samples if s.refine
        ]
        self.eval_walls_s = [e.eval_wall_s for e in evaluations if e.eval_wall_s is not None]
        self.start_up_s = start_up_s
        self.run_wall_s = run_wall_s
        self.overhead_s = run_wall_s - sum(self.call_walls_s) - sum(self.eval_walls_s)

    @property
    def share(self) -> float:
        return self.overhead_s / self.run_wall_s

    @property
    def per_call_s(self) -> float:
        """Overhead per call once the calls have started."""
        return (self.overhead_s - self.start_up_s) / len(self.call_walls_s)

    def break_even_call_s(self) -> float:
        """The call wall at which a run like this one meets the target."""
        calls = len(self.call_walls_s)
        evals_s = sum(self.eval_walls_s)
        # overhead / (overhead + calls * call + evals) = target
        return (self.overhead_s / TARGET_SHARE - self.overhead_s - evals_s) / calls

    def report(self) -> None:
        calls, evals = self.call_walls_s, self.eval_walls_s
        verdict = "PASS" if self.share < TARGET_SHARE else "FAIL"
        lines = [
            ("calls", f"{len(calls)}"),
            ("run wall", f"{self.run_wall_s:8.3f} s"),
            ("sum of call walls", f"{sum(calls):8.3f} s"),
            ("sum of eval walls", f"{sum(evals):8.3f} s  ({len(evals)} candidates)"),
            (
                "eval wall per candidate",
                f"{statistics.median(evals):8.3f} s median, {max(evals):.3f} s max",
            ),
            (
                "harness overhead",
                f"{self.overhead_s:8.3f} s  = {100 * self.share:.2f} % of the run",
            ),
            ("  of which start-up", f"{self.start_up_s:8.3f} s  (config, lookups, sandbox probe)"),
            ("  per call", f"{1000 * self.per_call_s:8.1f} ms (extract, archive, record write)"),
            (
                f"target < {100 * TARGET_SHARE:g} %",
                f"{verdict}: {self.share / TARGET_SHARE:.2f} x the target; met from calls of "
                f"{max(self.break_even_call_s(), 0):.1f} s",
            ),
        ]
        for name, value in lines:
            print(f"{name:<26} {value}")


if __name__ == "__main__":
    sys.exit(main())
