"""Benchmark `repeats: auto` against fixed repeats on synthetic suites with known differences.

Each simulated run compares two candidates on the same tasks, pass or fail per answer, each
task with its own pass chance (drawn U-shaped, as code tasks are: most always pass or always
fail, some in between). With no difference, both candidates share every task's chance; with
one, the first candidate's chances are raised so that its mean is that many points higher
(the share of the tasks b fails that a passes grows alike on every task). The fixed design
asks every task `--cap` times and reads the run page's interval (the percentile bootstrap
over task means); `repeats: auto` asks repeat by repeat and stops once the interval its rule
reads after each repeat (`bench.record.power.sequential_verdict`: the group-sequential
repeated confidence interval over task means, O'Brien-Fleming spending over `--cap` looks)
leaves out 0 or lies within ±`--within` points, or at `--cap`. A task's answers share its
pass chance across repeats (they are clustered), as a real suite's do. Printed per scenario:
calls spent (mean), the share of runs that called a difference clear (the false-positive
rate with no difference, the power with one), and, for auto, why it stopped; then the calls
auto saved over all scenarios.

    python benchmarks/bench_sequential.py
    python benchmarks/bench_sequential.py --runs 400 --tasks 40 --cap 8 --differences 0,15
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.record.power import sequential_verdict
from bench.record.stats import Observation, paired


@dataclass(frozen=True)
class Outcome:
    calls: int
    clear: bool
    stopped: str  # auto: differs, within or cap; fixed: fixed


def chances(rng: random.Random, tasks: int, shift: float) -> tuple[list[float], list[float]]:
    """Per task: candidate b's pass chance (U-shaped), and a's, raised by `shift` on average
    (the tasks b fails always gain least: a's chance moves towards 1 in proportion)."""
    b = [rng.betavariate(0.4, 0.4) for _ in range(tasks)]
    if shift == 0:
        return b, b
    room = sum(1 - p for p in b) / tasks
    a = [p + (1 - p) * min(1.0, shift / room) for p in b]
    return a, b


def answers(
    rng: random.Random, a: list[float], b: list[float], repeat: int
) -> list[tuple[Observation, Observation]]:
    found = []
    for n, (pa, pb) in enumerate(zip(a, b, strict=True)):
        task = f"t{n:03d}"
        passed_a, passed_b = rng.random() < pa, rng.random() < pb
        found.append(
            (
                Observation(task, repeat, 100.0 * passed_a, passed_a),
                Observation(task, repeat, 100.0 * passed_b, passed_b),
            )
        )
    return found


def fixed(rng: random.Random, a: list[float], b: list[float], cap: int) -> Outcome:
    pairs = [p for r in range(cap) for p in answers(rng, a, b, r)]
    c = paired([x for x, _ in pairs], [y for _, y in pairs])
    return Outcome(2 * len(pairs), c.clear(), "fixed")


def auto(rng: random.Random, a: list[float], b: list[float], cap: int, within: float) -> Outcome:
    pairs: list[tuple[Observation, Observation]] = []
    for r in range(cap):
        pairs += answers(rng, a, b, r)
        verdict, _ = sequential_verdict(pairs, within, cap)
        if verdict != "undecided":
            return Outcome(2 * len(pairs), verdict == "differs", verdict)
    return Outcome(2 * len(pairs), False, "cap")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="simulated runs per scenario")
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--cap", type=int, default=8, help="fixed repeats; auto's max_repeats")
    parser.add_argument(
        "--differences",
        default="0,10,20,30",
        help="true differences, pts, one scenario each (0: the false-positive rate)",
    )
    parser.add_argument("--within", type=float, default=10.0, help="auto's settle_within_pts")
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    print(
        f"{args.runs} runs per scenario, {args.tasks} tasks, fixed {args.cap} repeats vs "
        f"auto (max {args.cap}, settle within ±{args.within:g} pts); 2 candidates"
    )
    header = f"{'scenario':<22} {'design':<7} {'calls':>7} {'clear':>7}  stopped"
    print(header)
    spent = {"fixed": 0.0, "auto": 0.0}
    differences = [float(d) for d in args.differences.split(",")]
    for shift in differences:
        name = "no difference" if shift == 0 else f"+{shift:g} pts"
        rng = random.Random(f"{args.seed}-{name}")
        results: dict[str, list[Outcome]] = {"fixed": [], "auto": []}
        for _ in range(args.runs):
            a, b = chances(rng, args.tasks, shift / 100)
            results["fixed"].append(fixed(rng, a, b, args.cap))
            results["auto"].append(auto(rng, a, b, args.cap, args.within))
        for design, found in results.items():
            calls = sum(o.calls for o in found) / len(found)
            spent[design] += calls
            clear = sum(o.clear for o in found) / len(found)
            why = Counter(o.stopped for o in found)
            stops = ", ".join(f"{k} {v}" for k, v in sorted(why.items()))
            print(f"{name:<22} {design:<7} {calls:>7.0f} {clear:>7.1%}  {stops}")
    saved = 1 - spent["auto"] / spent["fixed"]
    print(f"auto spent {saved:.0%} fewer calls than fixed over the {len(differences)} scenarios")


if __name__ == "__main__":
    main()
