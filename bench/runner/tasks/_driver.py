"""The in-sandbox side of the shared task harness. Standard library only; copied into the
sandbox beside the candidate and `bench_wire.py` (the wire format), never imported by the
runner.

    python -I -S bench_driver.py CONFIG_JSON

It knows no expected value and decides nothing: everything it writes is the candidate's
answer, decoded strictly by whoever judges it, outside this process. It reports facts about
the source first (does it compile, what does it import), before any of the candidate's code
runs; then it runs the program (the preamble, e.g. a HumanEval problem's prompt, then the
candidate's module, as one module, as HumanEval's own program does) once, and answers calls in
order in this one process, so that state kept across calls is kept, as it is when a test
calls a function: each answer is one JSON line on the process's original stdout, which the
candidate's `print` does not reach (it goes to stderr).

Calls come from the requests file (`"requests"`: all at once, a task's fixed probes) or, one
JSON line at a time, from the original stdin (a test's calls, live: the next call may depend
on the last answer). The candidate's own `sys.stdin` is closed to reading, as in HumanEval's
program.

Lines: `{"id": "static", "returned": FACTS}`, then `{"id": "import", "imported": true}` or
`{"id": "import", "import_failed": EXCEPTION}`, then one a call: `{"id": ID, "returned":
TOKENS}`, `{"id": ID, "raised": EXCEPTION}`, `{"id": ID, "refused": WHY}` (a value the wire
format will not carry), `{"id": ID, "missing": NAME}` or `{"id": ID, "timed_out": true}`.
"""

from __future__ import annotations

import io
import json
import os
import sys
import types

TYPE_CHECKING = False  # typing is not imported at run time: the candidate's start pays it
if TYPE_CHECKING:
    from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves this folder out
import bench_wire as wire  # type: ignore[import-not-found]  # noqa: E402

del sys.path[0]  # before any other code runs: the folder is not on the candidate's path

_REQUEST_BYTES = 64 * 1024 * 1024
_TEXT_CHARS = 2_000


class Missing(Exception):
    """The candidate's module defines no such name."""


class CallTimeout(BaseException):
    """The call's own time ran out (a task's per-call limit)."""


class _NoInput(io.TextIOBase):
    """The candidate's stdin: reading it fails, as HumanEval's redirected stdin does."""

    def readable(self) -> bool:
        return False

    def read(self, *_: object) -> str:
        raise OSError("stdin is not readable here")

    def readline(self, *_: object) -> str:  # type: ignore[override]
        raise OSError("stdin is not readable here")


def main(config_path: str) -> int:
    with open(config_path, encoding="utf-8") as config_file:
        config = json.load(config_file)
    answers = os.dup(1)
    requests_in = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)  # what the candidate prints goes to stderr, away from the answers
    sys.stdout = sys.stderr
    sys.stdin = _NoInput()
    sys.dont_write_bytecode = True
    out = os.fdopen(answers, "w", encoding="utf-8", newline="\n")

    def send(message: dict[str, object]) -> None:
        out.write(json.dumps(message, allow_nan=False, ensure_ascii=False) + "\n")
        out.flush()

    with open(config["candidate"], "rb") as candidate:
        source = candidate.read()
    preamble = config.get("preamble") or ""
    facts, program = static_facts(preamble, source, bool(config.get("imports")))
    send({"id": "static", "returned": facts})
    if program is None:
        return 0
    module = types.ModuleType(config["module"])
    module.__file__ = config["candidate"]
    sys.modules[config["module"]] = module
    timeout_s = config.get("call_timeout_s")
    try:
        _arm(timeout_s)
        exec(program, module.__dict__)
    except CallTimeout:
        send({"id": "import", "import_failed": {"timed_out": True}})
        return 0
    except BaseException as error:
        send({"id": "import", "import_failed": raised(error)})
        return 0
    finally:
        _arm(None)
    send({"id": "import", "imported": True})
    refuse = bool(config.get("refuse_own_eq", True))
    for request in _requests(config, requests_in):
        send({"id": request.get("id"), **answer(module, request, timeout_s, refuse)})
    return 0


def _requests(config: dict[str, object], requests_in: int):  # type: ignore[no-untyped-def]
    path = config.get("requests")
    if isinstance(path, str):
        with open(path, encoding="utf-8") as file:
            yield from json.load(file)
        return
    with os.fdopen(requests_in, "rb") as lines:
        while line := lines.readline(_REQUEST_BYTES):
            yield json.loads(line)


def static_facts(
    preamble: str, source: bytes, imports: bool
) -> tuple[dict[str, object], types.CodeType | None]:
    """Whether the program (the preamble, then the source) compiles, or why not; with
    `imports`, the top-level names the source imports; and the compiled program. (`ast` is
    imported only for the imports: it costs a HumanEval candidate's start 15 ms.)"""
    if not source.strip():
        return {"compile_error": "the candidate is empty", "imports": []}, None
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError as error:
        return {"compile_error": f"the candidate is not UTF-8: {error}", "imports": []}, None
    offset = preamble.count("\n")
    try:
        program = compile(preamble + text, "candidate.py", "exec", dont_inherit=True)
    except SyntaxError as error:
        line = (error.lineno or 0) - offset
        return {"compile_error": f"line {line}: {error.msg}", "imports": []}, None
    except (ValueError, MemoryError, RecursionError) as error:
        return {"compile_error": describe(error), "imports": []}, None
    return {"compile_error": None, "imports": _imports(text) if imports else []}, program


def _imports(text: str) -> list[str]:
    import ast

    found: set[str] = set()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []  # it compiles only after the preamble: a body, which imports at its top
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or "").split(".")[0])
    return sorted(found)


def answer(
    module: types.ModuleType, request: dict[str, object], timeout_s: object, refuse: bool
) -> dict[str, object]:
    name = str(request.get("function"))

    def build(class_name: str, kwargs: dict[str, object]) -> object:
        return _attribute(module, class_name)(**kwargs)

    _arm(timeout_s)
    try:
        function = _attribute(module, name)
        args = wire.decode_tokens(request.get("args", ["L", 0]), build)
        kwargs = wire.decode_tokens(request.get("kwargs", ["D", 0]), build)
        value = function(*args, **kwargs)
        message: dict[str, object] = {"returned": wire.encode_tokens(value, refuse_own_eq=refuse)}
        if request.get("return_args"):
            message["args_after"] = _args_after(args)
        return message
    except Missing as missing:
        return {"missing": str(missing)}
    except CallTimeout:
        return {"timed_out": True}
    except (wire.Refused, wire.WireError) as error:
        return {"refused": _text(str(error))}
    except BaseException as error:  # the candidate's own exception, SystemExit included
        return {"raised": raised(error)}
    finally:
        _arm(None)


def _args_after(args: object) -> object:
    """The arguments as the call left them (it may change them in place), for the test's own
    copies; nothing when they cannot travel."""
    try:
        return wire.encode_tokens(args)
    except (wire.Refused, wire.WireError):
        return None


def _arm(timeout_s: object) -> None:
    """Interrupt what runs after `timeout_s` (a task's per-call limit; None: disarm). The
    candidate may block the signal: then the sandbox's own limits stop the process."""
    if not timeout_s:
        if "signal" in sys.modules:
            sys.modules["signal"].setitimer(sys.modules["signal"].ITIMER_REAL, 0)
        return
    import signal

    signal.signal(signal.SIGALRM, _time_out)
    signal.setitimer(signal.ITIMER_REAL, float(timeout_s))  # type: ignore[arg-type]


def _time_out(*_: object) -> None:
    raise CallTimeout


def _attribute(module: types.ModuleType, name: str) -> Any:
    if name not in module.__dict__:
        raise Missing(name)
    return module.__dict__[name]


def raised(error: BaseException) -> dict[str, object]:
    names = [str(klass.__name__) for klass in type(error).__mro__]
    try:
        message = _text(str(error))
    except BaseException:  # the candidate's own __str__
        message = ""
    return {"type": names[0], "mro": names, "message": message}


def describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _text(text: str) -> str:
    return text if len(text) <= _TEXT_CHARS else text[:_TEXT_CHARS]


if __name__ == "__main__":
    code = main(sys.argv[1])
    sys.stderr.flush()
    os._exit(code)  # the candidate's atexit handlers and finalizers do not run after its answers
