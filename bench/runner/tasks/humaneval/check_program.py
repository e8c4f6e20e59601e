"""A HumanEval problem's test, in a process of its own that never runs the candidate's code.
Standard library only; run by the runner as a fresh throwaway uid, never imported by it.

    python -I -S bench_check.py PROBLEM_JSON VERIFY VERDICT_FD

It runs the problem's prompt and canonical solution (the helpers its test uses, e.g.
`encode_cyclic`, are the prompt's, never the candidate's), then the test, then
`check(candidate)` with `random` seeded (`SEED`), as HumanEval's program does but for the one
name: here `candidate` stands for the candidate's function, which lives in the candidate's
sandbox. Each call sends its arguments on stdout, in the wire format (`bench_wire.py`), and
reads the answer on stdin; the answer becomes the value it stands for (built-in and standard
library types only, decoded strictly), or the exception the candidate raised (as the built-in
class it derives from), so `check`'s asserts compare plain values with Python's own `==`.
Arguments the candidate changed in place are changed here too, as they would be in one process.

With VERIFY "1", `check` first runs on the canonical solution through the wire format (every
argument and answer encoded and decoded, and required to come back equal and of the same
types): a reference answer the format does not carry is a loud failure of the data, never a
candidate's.

The verdict is one JSON object written to VERDICT_FD, a pipe only the runner reads:
`{"static": FACTS, "passed": BOOL, "reason": TEXT, "calls": N}` or `{"reference_failed": TEXT}`.
"""

from __future__ import annotations

import builtins
import collections
import copy
import json
import os
import random
import resource
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves this folder out
import bench_wire as wire  # type: ignore[import-not-found]

del sys.path[0]  # before any other code runs: the folder is not on the candidate's path

SEED = 20210707  # HumanEval's release date; three tests draw unseeded random inputs
_LINE_BYTES = wire.MAX_BYTES + 1024 * 1024
_REASON_CHARS = 1_000
_LIMITS = (
    (resource.RLIMIT_CPU, 30),
    (resource.RLIMIT_AS, 1024 * 1024 * 1024),
    (resource.RLIMIT_FSIZE, 0),
    (resource.RLIMIT_NPROC, 0),
    (resource.RLIMIT_CORE, 0),
)


class CandidateGone(Exception):
    """The candidate's process ended, or answered out of turn."""


class CandidateRaised(Exception):
    """The candidate raised an exception of its own class, derived from no built-in one
    but Exception."""


class Refused(Exception):
    """The candidate answered with a value the wire format refuses."""


def main(problem_path: str, verify: str, verdict_fd: str) -> int:
    for kind, value in _LIMITS:
        resource.setrlimit(kind, (value, value))
    verdict = os.fdopen(int(verdict_fd), "w", encoding="utf-8")
    with open(problem_path, encoding="utf-8") as file:
        problem: dict[str, str] = json.load(file)
    requests = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    os.dup2(2, 1)  # what the test prints goes to stderr, away from the requests
    sys.stdout = sys.stderr
    answers = os.fdopen(0, "rb")
    channel = Channel(requests, answers, problem["entry_point"])
    result = judge(problem, channel, verify == "1")
    verdict.write(json.dumps(result, allow_nan=False) + "\n")
    verdict.flush()
    return 0


def judge(problem: dict[str, str], channel: Channel, verify: bool) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "humaneval_problem"}
    try:
        reference = problem["prompt"] + problem["canonical_solution"]
        exec(compile(reference, "reference.py", "exec"), namespace)
        exec(compile(problem["test"], "test.py", "exec"), namespace)
    except BaseException as error:  # the data, not a candidate: the runner stops loudly
        return {"reference_failed": f"the problem does not run: {_reason(error, '')}"}
    if verify:
        reference = namespace[problem["entry_point"]]
        random.seed(SEED)
        try:
            namespace["check"](_through_the_wire(reference))
        except BaseException as error:
            return {"reference_failed": _reason(error, problem["test"])}
    try:
        static = channel.opening()
    except CandidateGone as gone:
        return {"static": None, "passed": False, "calls": 0, "reason": str(gone)}
    result: dict[str, Any] = {"static": static, "passed": False, "calls": 0}
    if static.get("compile_error") is not None:
        return {**result, "reason": "the candidate does not compile"}
    try:
        channel.imported()
        random.seed(SEED)
        namespace["check"](channel.call)
    except BaseException as error:
        return {**result, "calls": channel.count, "reason": _reason(error, problem["test"])}
    return {**result, "calls": channel.count, "passed": True, "reason": ""}


def _through_the_wire(reference: Any) -> Any:
    def candidate(*args: Any, **kwargs: Any) -> Any:
        sent = wire.decode(wire.encode([list(args), kwargs]))
        if not wire.same(sent, [list(args), kwargs]):
            raise AssertionError(f"the arguments {_shown(args, kwargs)} do not survive the wire")
        state = random.getstate()  # the reference's own use of random leaves check's alone
        try:
            value = reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        finally:
            random.setstate(state)
        back = wire.decode(wire.encode(value))
        if not wire.same(back, value):
            raise AssertionError(f"the answer {value!r:.200} does not survive the wire")
        return back

    return candidate


class Channel:
    """The candidate, as `check` sees it: a function whose calls go down the pipes."""

    def __init__(self, requests: Any, answers: Any, entry_point: str) -> None:
        self.requests, self.answers, self.entry_point = requests, answers, entry_point
        self.count = 0

    def opening(self) -> dict[str, Any]:
        """The driver's facts about the source, written before any of the candidate's code
        ran."""
        message = self._read("static")
        facts = message.get("returned")
        return facts if isinstance(facts, dict) else {"compile_error": "no facts came back"}

    def imported(self) -> None:
        message = self._read("import")
        if "import_failed" in message:
            raise _exception(message["import_failed"], "importing the module raised ")

    def call(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        call_id = self.count
        request = {
            "id": call_id,
            "function": self.entry_point,
            "args": wire.encode_tokens(list(args)),
            "kwargs": wire.encode_tokens(kwargs),
            "return_args": True,
        }
        self.requests.write(json.dumps(request, allow_nan=False) + "\n")
        self.requests.flush()
        message = self._read(call_id, _shown(args, kwargs))
        if message.get("args_after") is not None:
            _update_in_place(list(args), message["args_after"])
        if "returned" in message:
            try:
                return wire.decode_tokens(message["returned"])
            except wire.WireError as error:
                raise Refused(f"the answer is not a value of the wire format: {error}") from None
        if "raised" in message:
            raise _exception(message["raised"], "")
        if "refused" in message:
            raise Refused(f"returned {_text(message['refused'])}, which is not compared")
        if "missing" in message:
            raise NameError(f"the module defines no {_text(message['missing'])}")
        if message.get("timed_out") is True:
            raise TimeoutError("the call timed out")
        raise CandidateGone("the candidate answered with no value")

    def _read(self, expected: object, shown: str = "") -> dict[str, Any]:
        line = self.answers.readline(_LINE_BYTES)
        where = f" to candidate({shown})" if shown else ""
        if not line:
            raise CandidateGone(f"the candidate's process ended before it answered{where}")
        try:
            message = json.loads(line, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise CandidateGone(f"the candidate's answer{where} is not one JSON object") from None
        if not isinstance(message, dict) or message.get("id") != expected:
            raise CandidateGone(f"the candidate answered out of turn{where}")
        return message


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _update_in_place(args: list[Any], tokens: Any) -> None:
    """Give the test's own argument objects what the candidate did to its copies."""
    try:
        after = wire.decode_tokens(tokens)
    except wire.WireError:
        return
    if type(after) is not list or len(after) != len(args):
        return
    for mine, theirs in zip(args, after, strict=True):
        if type(mine) is not type(theirs) or mine is theirs:
            continue
        if isinstance(mine, list | bytearray):
            mine[:] = theirs
        elif isinstance(mine, dict | set):
            mine.clear()
            mine.update(theirs)
        elif isinstance(mine, collections.deque):
            mine.clear()
            mine.extend(theirs)


def _exception(raised: Any, prefix: str) -> BaseException:
    """The candidate's exception as the built-in class it derives from, with its message."""
    names = raised.get("mro") if isinstance(raised, dict) else None
    message = _text(raised.get("message", "")) if isinstance(raised, dict) else ""
    kind = _text(raised.get("type", "an exception")) if isinstance(raised, dict) else "?"
    for name in names if isinstance(names, list) else []:
        klass = getattr(builtins, name, None) if isinstance(name, str) else None
        if isinstance(klass, type) and issubclass(klass, BaseException):
            if klass is Exception or klass is BaseException:
                break
            try:
                return klass(f"{prefix}{message}" if prefix else message)
            except Exception:  # a built-in class that takes other arguments
                break
    return CandidateRaised(f"{prefix}{kind}: {message}" if message else f"{prefix}{kind}")


def _reason(error: BaseException, test: str) -> str:
    """Why `check` failed, in one line: the test's line that raised, and the error."""
    import traceback  # only when it failed

    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == "test.py"
    ]
    lines = test.splitlines()
    where = ""
    if frames and frames[-1].lineno is not None and 0 < frames[-1].lineno <= len(lines):
        where = f" at `{lines[frames[-1].lineno - 1].strip()}`"
    kind = "the test failed" if isinstance(error, AssertionError) else type(error).__name__
    try:
        text = str(error)
    except Exception:
        text = ""
    return _text(f"{kind}{where}" + (f": {text}" if text else ""))


def _shown(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The arguments as they would be written in the call, cut to 200 characters."""
    text = ", ".join([*map(repr, args), *(f"{name}={item!r}" for name, item in kwargs.items())])
    return text if len(text) <= 200 else text[:199] + "…"


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"


if __name__ == "__main__":
    code = main(*sys.argv[1:])
    os._exit(code)
