"""HumanEval verdicts agree with HumanEval's own evaluator (`check_correctness`, as
`evaluate_functional_correctness` runs it) on a corpus this test builds: every canonical
solution, mutants of many kinds, and hand-written cases of what Python compares equal. The only
differences are the deliberate ones the methodology page lists; each has a test of its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.runner.tasks.humaneval import HumanEvalTask
from bench.runner.tasks.humaneval.problems import Problem, load_problems
from tests.support.humaneval_corpus import (
    MUTATIONS,
    SEED,
    Candidate,
    corpus,
    helpers_redefined,
    humaneval_verdict,
)

PROBLEMS = load_problems()
PER_KIND = 12  # mutants of each kind: with the canonical solutions, about 400 candidates


def _problem(index: int) -> Problem:
    return PROBLEMS[index]


HAND_WRITTEN = [
    # (problem, kind, source): values that Python compares equal, or not, with the expected.
    Candidate(
        _problem(107),
        "namedtuple-for-a-tuple",
        "from collections import namedtuple\nCounts = namedtuple('Counts', 'even odd')\n"
        "def even_odd_palindrome(n):\n"
        "    even = sum(1 for i in range(1, n + 1) if str(i) == str(i)[::-1] and i % 2 == 0)\n"
        "    odd = sum(1 for i in range(1, n + 1) if str(i) == str(i)[::-1] and i % 2 == 1)\n"
        "    return Counts(even, odd)\n",
    ),
    Candidate(
        _problem(2),
        "fraction-for-a-float",
        "from fractions import Fraction\n"
        "def truncate_number(number: float) -> float:\n"
        "    return Fraction(number) - int(number)\n",
    ),
    Candidate(
        _problem(53),
        "int-subclass",
        "class Total(int):\n    pass\n\ndef add(x: int, y: int):\n    return Total(x + y)\n",
    ),
    Candidate(
        _problem(53),
        "bool-for-an-int",
        "def add(x: int, y: int):\n    return x + y if x + y > 1 else bool(x + y)\n",
    ),
    Candidate(
        _problem(0),
        "uses-List-without-importing-it",
        "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
        "    return any(abs(a - b) < threshold for i, a in enumerate(numbers)"
        " for b in numbers[i + 1 :])\n",
    ),
    Candidate(
        _problem(29),
        "filter-object",
        "def filter_by_prefix(strings, prefix):\n"
        "    return filter(lambda s: s.startswith(prefix), strings)\n",
    ),
    Candidate(
        _problem(29),
        "generator",
        "def filter_by_prefix(strings, prefix):\n"
        "    return (s for s in strings if s.startswith(prefix))\n",
    ),
    Candidate(
        _problem(53),
        "mutable-default-state",
        "def add(x, y, _seen=[]):\n    _seen.append(x)\n    return x + y + (len(_seen) > 50)\n",
    ),
    Candidate(
        _problem(53),
        "global-state",
        "CALLS = [0]\ndef add(x, y):\n    CALLS[0] += 1\n    return x + y if CALLS[0] < 7 else 0\n",
    ),
    Candidate(
        _problem(53),
        "reads-stdin",
        "import sys\ndef add(x, y):\n    sys.stdin.read()\n    return x + y\n",
    ),
    Candidate(
        _problem(53),
        "imports-a-lot",
        "import random, hashlib, decimal, fractions, collections, itertools, functools\n"
        "def add(x, y):\n    return x + y\n",
    ),
    Candidate(
        _problem(12),
        "dict-keys-view-for-a-set",
        "def longest(strings):\n    return max(strings, key=len) if strings else None\n",
    ),
    Candidate(
        _problem(111),
        "counter-for-a-dict",
        "from collections import Counter\n"
        "def histogram(test):\n"
        "    counts = Counter(test.split())\n"
        "    top = max(counts.values(), default=0)\n"
        "    return Counter({k: v for k, v in counts.items() if v == top and k})\n",
    ),
    Candidate(
        _problem(111),
        "ordered-dict",
        "from collections import OrderedDict\n"
        "def histogram(test):\n"
        "    words = test.split()\n"
        "    top = max((words.count(w) for w in words), default=0)\n"
        "    return OrderedDict((w, top) for w in words if words.count(w) == top)\n",
    ),
]


def _both(candidate: Candidate, tasks: dict[str, HumanEvalTask]) -> tuple[bool, bool, str, str]:
    theirs, their_result = humaneval_verdict(candidate)
    evaluation = tasks[candidate.problem.task_id].evaluate(candidate.source, None)
    ours = evaluation.score == 100
    detail = "; ".join(f"{c.name}: {c.detail}" for c in evaluation.checks if c.detail)
    return theirs, ours, their_result, detail


@pytest.mark.slow  # every candidate of the corpus, twice (~4 min on 2 cores)
def test_verdicts_agree_with_humaneval_s_evaluator() -> None:
    candidates = [*corpus(PROBLEMS, PER_KIND), *HAND_WRITTEN]
    kinds = {candidate.kind for candidate in candidates}
    assert set(MUTATIONS) <= kinds and len(candidates) > 164 + 10 * len(MUTATIONS)
    compared = [c for c in candidates if not helpers_redefined(c)]
    tasks = {problem.task_id: HumanEvalTask(problem) for problem in PROBLEMS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: _both(c, tasks), compared))
    differ = [
        f"{c.problem.task_id} {c.kind}: HumanEval {theirs} ({their_result}), "
        f"ours {ours} ({ours_why})"
        for c, (theirs, ours, their_result, ours_why) in zip(compared, results, strict=True)
        if theirs != ours
    ]
    passed = sum(ours for _, ours, _, _ in results)
    print(f"{len(compared)} candidates compared, {passed} passed, {len(differ)} differ")
    assert not differ, "\n".join(differ)
    assert 164 < passed < len(compared) - 50  # both kinds of verdict are well represented


@pytest.mark.parametrize("candidate", HAND_WRITTEN, ids=lambda c: c.kind)
def test_a_hand_written_case_agrees(candidate: Candidate) -> None:
    theirs, ours, their_result, detail = _both(
        candidate, {candidate.problem.task_id: HumanEvalTask(candidate.problem)}
    )
    assert ours == theirs, f"HumanEval: {their_result}; ours: {detail}"


# -- the deliberate differences, each shown against HumanEval's evaluator ------------------------

METHODOLOGY = Path(__file__).resolve().parents[1] / "site_src" / "methodology.md"

RESULT_FORGERY = (  # finds check_correctness's result list up the stack, writes "passed", exits
    "import os, sys\n"
    "frame = sys._getframe()\n"
    "while frame is not None and 'result' not in frame.f_locals:\n"
    "    frame = frame.f_back\n"
    "if frame is not None:\n"
    "    frame.f_locals['result'].append('passed')\n"
    "    os._exit(0)\n"
    "def add(x, y):\n    return 0\n"
)
DIVERGENCES = [
    Candidate(
        _problem(53),
        "always-equal",
        "class E:\n    def __eq__(self, other):\n        return True\n"
        "def add(x, y):\n    return E()\n",
    ),
    Candidate(_problem(53), "result-forged-then-exit", RESULT_FORGERY),
    Candidate(
        _problem(38),
        "helpers-redefined",
        "def encode_cyclic(s):\n    return s\n\ndef decode_cyclic(s):\n    return s\n",
    ),
    Candidate(
        _problem(53),
        "sleeps-rather-than-computes",
        "import time\ndef add(x, y):\n    time.sleep(0.04)\n    return x + y\n",
    ),
]


@pytest.mark.parametrize("candidate", DIVERGENCES, ids=lambda c: c.kind)
def test_a_listed_difference_passes_there_and_fails_or_passes_here_as_documented(
    candidate: Candidate,
) -> None:
    theirs, ours, their_result, detail = _both(
        candidate, {candidate.problem.task_id: HumanEvalTask(candidate.problem)}
    )
    if candidate.kind == "sleeps-rather-than-computes":  # 105 calls of 40 ms: 4.2 s of sleep
        assert (theirs, ours) == (False, True), (their_result, detail)
    else:  # a forgery: HumanEval's evaluator passes it, we do not
        assert (theirs, ours) == (True, False), (their_result, detail)


def test_the_listed_helpers_and_seeded_problems_are_the_data_s() -> None:
    text = METHODOLOGY.read_text(encoding="utf-8")
    helpers, unseeded = [], []
    for problem in PROBLEMS:
        number = problem.task_id.split("/")[1]
        defined = helpers_redefined(
            Candidate(problem, "probe", problem.prompt + problem.canonical_solution)
        )
        helpers += [f"{number} (`{name}`)" for name in sorted(defined)]
        if "random" in problem.test and "Random(" not in problem.test:
            unseeded.append(number)
    assert f"HumanEval/{helpers[0]}, {helpers[1]} and {helpers[2]}" in text
    assert f"HumanEval/{unseeded[0]}, {unseeded[1]} and {unseeded[2]} draw random" in text
    assert f"seeded with {SEED}" in text
