"""Benchmark record validation: how the time to load a run record grows with its checks.

Writes a valid record whose task has N checks (two direct models and one handoff pair, one
sample each, so 4 N check entries), loads it with `bench.archive.load_record` (read, parse,
validate) and prints the best of a few timings per size, with the ratio to the size before.
Validation is linear when each x10 in checks costs ~x10 in time.

For scale it also times plain `json.loads` of the same text, which is linear: on a busy
machine both grow faster than x10 from 5 MB to 50 MB (caches), and `x json`, the load time
over json.loads's, stays flat when the loader adds nothing worse than linear.

    python benchmarks/bench_validate.py
    python benchmarks/bench_validate.py --sizes 1000,10000,100000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.record.archive import load_record


def record_with_checks(count: int) -> dict[str, Any]:
    names = [f"check_{i:06d}" for i in range(count)]
    weight = 100.0 / count
    results = [{"name": n, "outcome": "passed", "weight": weight} for n in names]

    def sample() -> dict[str, Any]:
        return {
            "seed": 1,
            "generation": {"call_wall_s": 1.5, "throughput_tok_s": 20.0},
            "evaluation": {"score": 100.0, "eval_wall_s": 0.2, "checks": results},
        }

    return {
        "schema_version": 1,
        "benchmark_id": "bench",
        "run_id": f"run-{count}",
        "title": "Validation benchmark",
        "host": "lab-1",
        "methodology_version": 2,
        "task_id": "many_checks",
        "started_at": "2026-05-01T10:00:00Z",
        "finished_at": "2026-05-01T10:05:00Z",
        "checks": [{"name": n, "weight": weight} for n in names],
        "direct": [
            {"model": {"tag": tag, "label": tag}, "samples": [sample()]}
            for tag in ("small:1b", "large:7b")
        ],
        "cascades": [
            {
                "small": "small:1b",
                "large": "large:7b",
                "samples": [{"pipeline_wall_s": 3.0, "evaluation": sample()["evaluation"]}],
            }
        ],
    }


def best_s(action: Callable[[], object], repeats: int) -> float:
    found = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        found.append(time.perf_counter() - started)
    return min(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="check counts, comma-separated"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timings per size; the best counts")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"{'checks':>8} {'entries':>8} {'MB':>6} {'load s':>8} {'x prev':>7}"
        f" {'json s':>8} {'x prev':>7} {'x json':>7}"
    )
    previous: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"run-{size}.json"
            text = json.dumps(record_with_checks(size), indent=2)
            path.write_text(text, encoding="utf-8")
            load_s = best_s(lambda: load_record(path), args.repeats)  # noqa: B023
            json_s = best_s(lambda: json.loads(text), args.repeats)  # noqa: B023
            growth = (
                f"{load_s / previous[0]:>6.1f}x {json_s:>8.3f} {json_s / previous[1]:>6.1f}x"
                if previous
                else f"{'':>7} {json_s:>8.3f} {'':>7}"
            )
            megabytes = len(text) / 1e6
            print(
                f"{size:>8,} {4 * size:>8,} {megabytes:>6.1f} {load_s:>8.3f} {growth}"
                f" {load_s / json_s:>6.1f}x"
            )
            previous = (load_s, json_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
