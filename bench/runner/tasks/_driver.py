"""The in-sandbox side of the shared task harness. Standard library only; copied into the
sandbox beside the candidate, never imported by the runner.

    python -I -S bench_driver.py REQUESTS_JSON

It knows no expected value and decides nothing. This process never runs the candidate's code:
it reports facts about the source (does it compile, what does it import), then makes each call
the requests ask for in a child process of its own, which imports the candidate afresh, makes
the one call and writes its answer (the value returned, as plain JSON data, or the exception
raised) on a pipe; a child still running at the deadline is killed (a timeout). This process
re-encodes each answer and writes one JSON line per call to its original stdout, which no
child holds; it is not dumpable, so no child (same uid) can reach its memory or descriptors.
Everything the candidate prints goes to stderr. The runner decodes the lines strictly and
compares them with what it expects: whatever a child does (patch this module, write lines of
its own, return objects with odd `__eq__`) changes only that child's one answer.

Arguments are JSON, with four tags for what JSON cannot say: `{"$datetime": ISO}`,
`{"$tuple": [...]}`, `{"$dict": [[KEY, VALUE], ...]}` (keys of any type) and
`{"$new": NAME, "kwargs": {...}}` (an instance of the candidate's own class NAME). Answers use
`{"$datetime": ISO, "utcoffset_s": N | null}` for a datetime, `{"$object": TYPE, "attributes":
{...}}` for an instance (its fields), `{"$tuple": [...]}` and `{"$set": [...]}`, so that a
tuple stays distinct from a list.
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import dataclasses
import importlib
import importlib.util
import json
import os
import select
import signal
import sys
import time
import warnings
from datetime import date, datetime
from types import ModuleType
from typing import Any, NoReturn

_DEPTH = 20
_ITEMS = 10_000
_TEXT_CHARS = 2_000
_ANSWER_BYTES = 1024 * 1024
_PR_SET_DUMPABLE = 4
_WARM = frozenset(
    {
        "argparse",
        "collections",
        "dataclasses",
        "datetime",
        "enum",
        "functools",
        "itertools",
        "json",
        "math",
        "operator",
        "pathlib",
        "re",
        "statistics",
        "string",
        "textwrap",
        "typing",
        "zoneinfo",
    }
)


class Missing(Exception):
    """The candidate defines no attribute of that name."""


def main(requests_path: str) -> int:
    with open(requests_path, encoding="utf-8") as file:
        requests: dict[str, Any] = json.load(file)
    answers = os.dup(1)
    os.dup2(2, 1)  # what the candidate prints goes to stderr, away from the answers
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True
    _not_dumpable()

    def send(message: dict[str, Any]) -> None:
        os.write(answers, (json.dumps(message, allow_nan=False) + "\n").encode())

    path, timeout_s = requests["candidate"], float(requests["timeout_s"])
    with open(path, "rb") as candidate:
        facts = static_facts(candidate.read())
    send({"id": "static", "returned": facts})
    if facts["compile_error"] is None:
        _warm(facts["imports"])
        for call_id, outcome in run_calls(requests, timeout_s, answers).items():
            send({"id": call_id, **outcome})
    return 0


def _warm(imports: list[str]) -> None:
    """Import here, once, the common standard modules the candidate imports, so that each
    child does not import them again (standard library code only; never the candidate's)."""
    for name in sorted(set(imports) & _WARM):
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _not_dumpable() -> None:
    """No other process of this uid (the candidate's) may read or write this one's memory or
    file descriptors, through ptrace or /proc."""
    if ctypes.CDLL(None).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError("prctl(PR_SET_DUMPABLE, 0) failed")


def run_calls(requests: dict[str, Any], timeout_s: float, answers: int) -> dict[str, Any]:
    """Each call in a child process of its own that imports the candidate afresh, all at once,
    with one deadline; this process never runs the candidate's code. The children start only
    once all of them exist, so that no candidate uses up the process limit before they do."""
    go_r, go_w = os.pipe()
    children: dict[int, tuple[str, int]] = {}  # read end -> (call id, pid)
    outcomes: dict[str, Any] = {}
    for call in requests["calls"]:
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError as error:
            os.close(read_end)
            os.close(write_end)
            outcomes[call["id"]] = {"no_answer": f"could not start the call's process: {error}"}
            continue
        if pid == 0:
            os.close(read_end)
            os.close(answers)
            os.close(go_w)
            os.read(go_r, 1)  # EOF once the parent has started every child
            _child(requests, call, timeout_s, write_end)
        os.close(write_end)
        children[read_end] = (call["id"], pid)
    os.close(go_r)
    deadline = time.monotonic() + timeout_s
    os.close(go_w)
    received = _gather(list(children), deadline)
    for read_end, (call_id, pid) in children.items():
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)  # it may not have made its own group yet
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        outcomes[call_id] = _outcome(received[read_end], status)
    return {call["id"]: outcomes[call["id"]] for call in requests["calls"]}


def _gather(fds: list[int], deadline: float) -> dict[int, bytes]:
    received = {fd: b"" for fd in fds}
    open_fds = set(fds)
    while open_fds and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select(list(open_fds), [], [], left)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk or len(received[fd]) > _ANSWER_BYTES:
                open_fds.discard(fd)
            received[fd] += chunk
    return received


def _outcome(data: bytes, status: int) -> dict[str, Any]:
    """The child's answer line, re-encoded here (strict JSON only); or why there is none."""
    imported, _, rest = data.partition(b"\n")
    line = rest.partition(b"\n")[0] if imported == b"imported" else imported
    try:
        answer = json.loads(line, parse_constant=_reject) if line else None
    except (ValueError, RecursionError):
        answer = None
    if isinstance(answer, dict) and len(answer) == 1:
        key = next(iter(answer))
        if key in ("returned", "raised", "missing", "import_failed"):
            return {key: answer[key]}
    code = os.waitstatus_to_exitcode(status)
    if code == -signal.SIGKILL and not line:  # killed at the deadline
        return (
            {"timed_out": True}
            if imported == b"imported"
            else {"import_failed": {"timed_out": True}}
        )
    return {"no_answer": f"the call's process ended with status {code} and no answer"}


def _reject(name: str) -> Any:
    raise ValueError(name)


def _child(requests: dict[str, Any], call: dict[str, Any], timeout_s: float, out: int) -> NoReturn:
    """Import the candidate and make one call; write one line to `out` (then exit)."""
    try:
        os.setpgid(0, 0)
        module, failure = import_candidate(requests["module"], requests["candidate"])
        if module is None:
            message = failure
        else:
            os.write(out, b"imported\n")
            message = answer(module, call)
        os.write(out, (json.dumps(message, allow_nan=False) + "\n").encode())
    except BaseException as error:
        with contextlib.suppress(BaseException):
            os.write(out, json.dumps({"raised": raised(error)}).encode() + b"\n")
    finally:
        os._exit(0)


def static_facts(source: bytes) -> dict[str, Any]:
    """Whether the source compiles (or why not) and the top-level names it imports."""
    if not source.strip():
        return {"compile_error": "the candidate is empty", "imports": []}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
            compile(tree, "candidate.py", "exec", dont_inherit=True)
    except SyntaxError as error:
        return {"compile_error": f"line {error.lineno}: {error.msg}", "imports": []}
    except (ValueError, MemoryError, RecursionError) as error:
        return {"compile_error": describe(error), "imports": []}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or "").split(".")[0])
    return {"compile_error": None, "imports": sorted(found)}


def import_candidate(name: str, path: str) -> tuple[ModuleType | None, dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None, {"import_failed": {"message": f"cannot load {path}"}}
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        return None, {"import_failed": raised(error)}
    return module, {}


def answer(module: ModuleType, call: dict[str, Any]) -> dict[str, Any]:
    try:
        function = _attribute(module, call["function"])
        args = [decode(module, arg) for arg in call.get("args", [])]
        kwargs = {key: decode(module, arg) for key, arg in call.get("kwargs", {}).items()}
    except Missing as missing:
        return {"missing": str(missing)}
    try:
        return {"returned": encode(function(*args, **kwargs), 0)}
    except BaseException as error:  # the candidate's own exception, SystemExit included
        return {"raised": raised(error)}


def raised(error: BaseException) -> dict[str, Any]:
    names = [klass.__name__ for klass in type(error).__mro__]
    return {"type": names[0], "mro": names, "message": _text(str(error))}


def describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def decode(module: ModuleType, value: Any) -> Any:
    """A request's argument, tags turned into the values they stand for."""
    if isinstance(value, list):
        return [decode(module, item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$dict" in value:
        return {decode(module, key): decode(module, item) for key, item in value["$dict"]}
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$tuple" in value:
        return tuple(decode(module, item) for item in value["$tuple"])
    if "$new" in value:
        kwargs = {key: decode(module, item) for key, item in value["kwargs"].items()}
        return _attribute(module, value["$new"])(**kwargs)
    return {key: decode(module, item) for key, item in value.items()}


def encode(value: Any, depth: int) -> Any:
    """`value` as plain JSON data (bounded in depth and size)."""
    if depth > _DEPTH:
        return {"$unencodable": "nested too deep"}
    if value is None or type(value) in (bool, int, str):
        return value if type(value) is not str else _text(value)
    if type(value) is float:
        return value if value == value and abs(value) != float("inf") else {"$float": repr(value)}
    if isinstance(value, datetime):
        offset = value.utcoffset()
        return {
            "$datetime": value.isoformat(),
            "utcoffset_s": None if offset is None else offset.total_seconds(),
        }
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return _object(value, dict(zip(value._fields, value, strict=False)), depth)
    if isinstance(value, tuple):
        return {"$tuple": [encode(item, depth + 1) for item in value[:_ITEMS]]}
    if isinstance(value, list):
        return [encode(item, depth + 1) for item in value[:_ITEMS]]
    if isinstance(value, set | frozenset):
        return {
            "$set": [encode(item, depth + 1) for _, item in zip(range(_ITEMS), value, strict=False)]
        }
    if isinstance(value, dict):
        return {str(key): encode(item, depth + 1) for key, item in list(value.items())[:_ITEMS]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        return _object(value, fields, depth)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return _object(value, dict(vars(value)), depth)
    if hasattr(value, "__iter__") and hasattr(value, "__next__"):  # a generator or iterator
        return [encode(item, depth + 1) for _, item in zip(range(_ITEMS), value, strict=False)]
    return {"$unencodable": type(value).__name__}


def _object(value: Any, fields: dict[str, Any], depth: int) -> dict[str, Any]:
    attributes = {str(key): encode(item, depth + 1) for key, item in fields.items()}
    return {"$object": type(value).__name__, "attributes": attributes}


def _attribute(module: ModuleType, name: str) -> Any:
    if not hasattr(module, name):
        raise Missing(name)
    return getattr(module, name)


def _text(text: str) -> str:
    return text if len(text) <= _TEXT_CHARS else text[:_TEXT_CHARS]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
