"""A HumanEval problem's `check`, run in a sandbox of its own; standard library only, copied
into the sandbox, never imported by the runner. Both modes run the problem's prompt and
canonical solution (its helper functions, e.g. `encode_cyclic`, are what `check` uses), then
`check(candidate)`, with `random` seeded alike, so that both modes make the same calls:

    python -I -S check_program.py record PROBLEM_JSON
        `candidate` is the canonical solution; prints, as one JSON line, each distinct call
        `check` made: its key (the repr of its arguments), the arguments as written, and the
        arguments JSON-tagged as the harness's driver reads them.
    python -I -S check_program.py replay PROBLEM_JSON ANSWERS_JSON
        `candidate` is a table of the candidate's answers (plain data, by key); a call whose
        key the table lacks fails. Prints "passed" when `check` returns; otherwise exits 1
        with the reason on stderr's last line.

The candidate's code never runs here: its answers arrive as JSON data, become built-in values
(tuples, sets and odd floats from their tags), and `check`'s asserts compare them with
Python's own `==`.
"""

from __future__ import annotations

import copy
import json
import os
import random
import sys
from typing import Any

_SEED = 20210707  # HumanEval's release; any fixed seed does


class Unrecorded(Exception):
    """`check` made a call the record pass did not (its arguments came from other answers)."""


def main(mode: str, problem_path: str, answers_path: str | None = None) -> int:
    with open(problem_path, encoding="utf-8") as file:
        problem: dict[str, str] = json.load(file)
    out = os.dup(1)
    os.dup2(2, 1)  # whatever the code prints goes to stderr, away from the result line
    sys.stdout = sys.stderr
    namespace: dict[str, Any] = {"__name__": "humaneval_problem"}
    reference = problem["prompt"] + problem["canonical_solution"]
    exec(compile(reference, "reference.py", "exec"), namespace)
    exec(compile(problem["test"], "test.py", "exec"), namespace)
    if mode == "record":
        calls: dict[str, dict[str, Any]] = {}
        check = _recorder(namespace[problem["entry_point"]], calls)
    else:
        assert answers_path is not None
        with open(answers_path, encoding="utf-8") as file:
            table = {key: plain(value) for key, value in json.load(file).items()}
        check = _replayer(table)
    random.seed(_SEED)
    try:
        namespace["check"](check)
    except Exception as error:
        print(_reason(error, problem["test"]), file=sys.stderr)
        return 1
    result: Any = list(calls.values()) if mode == "record" else "passed"
    os.write(out, (json.dumps(result, allow_nan=False) + "\n").encode())
    return 0


def _recorder(reference: Any, calls: dict[str, dict[str, Any]]) -> Any:
    def candidate(*args: Any, **kwargs: Any) -> Any:
        key = call_key(args, kwargs)
        kwargs_json = {name: tagged(item) for name, item in kwargs.items()}
        entry = {"key": key, "shown": shown(args, kwargs), "args": tagged(list(args))}
        calls.setdefault(key, {**entry, "kwargs": kwargs_json})
        state = random.getstate()  # the reference's own use of random leaves check's alone
        try:
            return reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        finally:
            random.setstate(state)

    return candidate


def _replayer(table: dict[str, Any]) -> Any:
    def candidate(*args: Any, **kwargs: Any) -> Any:
        key = call_key(args, kwargs)
        if key not in table:
            called = shown(args, kwargs)
            raise Unrecorded(f"check called candidate({called}), which the reference did not")
        return copy.deepcopy(table[key])

    return candidate


def call_key(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return repr((args, kwargs))


def shown(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The arguments as they would be written in the call, cut to 200 characters."""
    text = ", ".join([*map(repr, args), *(f"{name}={item!r}" for name, item in kwargs.items())])
    return text if len(text) <= 200 else text[:199] + "…"


def tagged(value: Any) -> Any:
    """`value` as JSON with the driver's tags; raises TypeError for what they cannot say."""
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float and value == value and abs(value) != float("inf"):
        return value
    if type(value) is tuple:
        return {"$tuple": [tagged(item) for item in value]}
    if type(value) is list:
        return [tagged(item) for item in value]
    if type(value) is dict:
        return {"$dict": [[tagged(key), tagged(item)] for key, item in value.items()]}
    raise TypeError(f"an argument of type {type(value).__name__} cannot be sent as JSON")


def plain(value: Any) -> Any:
    """An answer's JSON (the runner checked it holds only these tags) as built-in values."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$tuple" in value:
        return tuple(plain(item) for item in value["$tuple"])
    if "$set" in value:
        return {plain(item) for item in value["$set"]}
    if "$float" in value:
        return float(value["$float"])
    return {key: plain(item) for key, item in value.items()}


def _reason(error: Exception, test: str) -> str:
    """Why `check` failed, in one line: the test's line that raised, and the error."""
    import traceback  # only when it failed: it costs a passing check's startup ~8 ms

    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == "test.py"
    ]
    lines = test.splitlines()
    where = ""
    if frames and frames[-1].lineno is not None and 0 < frames[-1].lineno <= len(lines):
        where = f" at `{lines[frames[-1].lineno - 1].strip()}`"
    kind = "the test failed" if isinstance(error, AssertionError) else type(error).__name__
    text = str(error)
    return f"{kind}{where}" + (f": {text}" if text else "")


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
