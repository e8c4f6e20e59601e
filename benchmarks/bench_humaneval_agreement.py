"""Our HumanEval verdicts against HumanEval's own evaluator, on a large corpus.

The corpus of `tests/support/humaneval_corpus.py` at full size: every canonical solution,
every mutation kind on every problem it applies to, every problem's body-only completion, and
(with `--run RUN_DIR`, repeatable) the candidates a `bench run` archived, e.g. real SmolLM2
answers. Each is scored by `check_correctness` (with `random` seeded as ours is) and by
`Task.evaluate`; prints, per kind, how many passed both, failed both and differ, then every
difference, and the pass counts of archived runs both ways. Exits 1 when a verdict differs
outside the deliberate differences the methodology page lists (a candidate that redefines the
prompt's helpers).

    python benchmarks/bench_humaneval_agreement.py [--per-kind N] [--run RUN_DIR ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.record.archive import load_record
from bench.record.schema import RECORD_FILENAME
from bench.runner.tasks.humaneval import HumanEvalTask
from bench.runner.tasks.humaneval.problems import Problem, load_problems
from tests.support.humaneval_corpus import Candidate, corpus, helpers_redefined, humaneval_verdict


def archived(run_dir: Path, problems: dict[str, Problem]) -> list[Candidate]:
    """The HumanEval candidates a run archived, as the corpus's candidates."""
    record = load_record(run_dir / RECORD_FILENAME)
    found = []
    paths = set()
    for _, task, evaluation in record.evaluations_by_task():
        path = evaluation.candidate.path if evaluation.candidate else None
        if not task.startswith("humaneval-") or path is None or path in paths:
            continue  # a draft is its model's direct sample, archived once
        paths.add(path)
        problem = problems[f"HumanEval/{task.removeprefix('humaneval-')}"]
        source = (run_dir / path).read_text(encoding="utf-8", errors="replace")
        found.append(Candidate(problem, f"archived {record.run_id}", source))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=164)
    parser.add_argument("--run", type=Path, action="append", default=[])
    options = parser.parse_args()
    problems = load_problems()
    by_id = {p.task_id: p for p in problems}
    candidates = list(corpus(problems, options.per_kind))
    for run_dir in options.run:
        candidates += archived(run_dir, by_id)
    tasks = {p.task_id: HumanEvalTask(p) for p in problems}

    def both(candidate: Candidate) -> tuple[bool, bool, str, str, float, float]:
        started = time.perf_counter()
        theirs, why = humaneval_verdict(candidate)
        theirs_s = time.perf_counter() - started
        started = time.perf_counter()
        evaluation = tasks[candidate.problem.task_id].evaluate(candidate.source, None)
        ours_s = time.perf_counter() - started
        detail = "; ".join(str(c.detail) for c in evaluation.checks if c.detail)
        return theirs, evaluation.score == 100, why, detail, theirs_s, ours_s

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(both, candidates))
    table: dict[str, Counter[str]] = {}
    differ, listed = [], []
    for candidate, (theirs, ours, why, detail, _, _) in zip(candidates, results, strict=True):
        row = table.setdefault(candidate.kind, Counter())
        row["n"] += 1
        row["ours"] += ours
        row["theirs"] += theirs
        if theirs == ours:
            row["both pass" if ours else "both fail"] += 1
            continue
        row["differ"] += 1
        line = f"{candidate.problem.task_id} {candidate.kind}: HumanEval {why!r}, ours {detail!r}"
        (listed if helpers_redefined(candidate) else differ).append(line)
    print(f"{'kind':<34} {'n':>5} {'both pass':>9} {'both fail':>9} {'differ':>6}")
    for kind, row in table.items():
        print(
            f"{kind:<34} {row['n']:>5} {row['both pass']:>9} {row['both fail']:>9} "
            f"{row['differ']:>6}"
        )
    total = sum(row["n"] for row in table.values())
    print(f"{len(differ) + len(listed)} of {total} verdicts differ; {len(listed)} listed")
    for kind, row in table.items():
        if kind.startswith("archived"):
            n = row["n"]
            print(f"{kind}: pass@1 ours {row['ours']}/{n}, HumanEval {row['theirs']}/{n}")
    ours_s, theirs_s = sum(r[5] for r in results), sum(r[4] for r in results)
    print(f"time: ours {ours_s:.1f} s, HumanEval's {theirs_s:.1f} s ({ours_s / theirs_s:.2f}x)")
    for line in [*differ, *(f"(listed) {x}" for x in listed)]:
        print(f"differs: {line}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
