"""The checks of `deployment_window_analyzer.py`. Runs inside the sandbox; standard library only.

    python -I -S bench_harness.py CANDIDATE CHECK_TIMEOUT_S

Writes one JSON line per check to stdout, `{"check": NAME, "detail": null}` when it passed or
`{"check": NAME, "detail": "why"}` when it failed; everything the candidate prints goes to
stderr. The two command-line runs start first and run beside the in-process checks; every
check has its own time limit, so one hanging check costs only itself, and the command-line
checks report from their own thread, whatever the candidate does to the main one.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

MODULE_NAME = "deployment_window_analyzer"
_NUMBER_TOLERANCE = 0.01
_DETAIL_CHARS = 200
_OUTPUT_CAP = 64 * 1024
_DAY = "2026-04-01T"


def _moment(text: str) -> datetime:
    """An aware datetime from an ISO 8601 timestamp with an offset."""
    return datetime.fromisoformat(text)


# -- fixtures ----------------------------------------------------------------------------------

VALID_RECORDS: list[dict[str, Any]] = [
    {
        "id": "d1",
        "service": "api",
        "version": "1.4.2",
        "start": _DAY + "10:00:00Z",
        "end": _DAY + "10:30:00Z",
    },
    {"id": "d2", "service": "db", "start": _DAY + "12:00:00+02:00", "end": _DAY + "13:30:00+02:00"},
    {
        "id": "d3",
        "service": "web",
        "start": "2026-03-31T23:30:00-01:00",
        "end": _DAY + "01:00:00-01:00",
    },
]
VALID_EXPECTED = [
    ("api", _moment(_DAY + "10:00:00+00:00"), _moment(_DAY + "10:30:00+00:00")),
    ("db", _moment(_DAY + "10:00:00+00:00"), _moment(_DAY + "11:30:00+00:00")),
    ("web", _moment(_DAY + "00:30:00+00:00"), _moment(_DAY + "02:00:00+00:00")),
]
INVALID_WINDOWS: list[tuple[str, dict[str, Any]]] = [
    (
        "end before start",
        {"service": "api", "start": _DAY + "11:00:00Z", "end": _DAY + "10:00:00Z"},
    ),
    (
        "end equal to start",
        {"service": "api", "start": _DAY + "10:00:00Z", "end": _DAY + "10:00:00Z"},
    ),
    (
        "end before start once offsets are applied",
        {"service": "api", "start": _DAY + "10:30:00Z", "end": _DAY + "12:00:00+02:00"},
    ),
]

MERGE_INPUT = [
    (_DAY + "10:00", _DAY + "10:30"),
    (_DAY + "12:00", _DAY + "12:10"),
    (_DAY + "10:20", _DAY + "11:00"),  # overlaps the first
    (_DAY + "09:00", _DAY + "09:05"),
    (_DAY + "11:00", _DAY + "11:15"),  # touches the merged 10:00-11:00
    (_DAY + "10:05", _DAY + "10:10"),  # nested
]
MERGE_EXPECTED = [
    (_DAY + "09:00", _DAY + "09:05"),
    (_DAY + "10:00", _DAY + "11:15"),
    (_DAY + "12:00", _DAY + "12:10"),
]

# (service, start, end), deliberately out of order. Per service after merging:
# db 90 min in 1 window (a nested event, one +02:00), api 75 + 10 min (overlap and touch),
# cache 40 and web 20 + 20 (a tie on 40, broken by name), auth 20 s = 0.33 min.
REPORT_EVENTS = [
    ("api", _DAY + "11:00:00Z", _DAY + "11:15:00Z"),
    ("web", _DAY + "09:30:00Z", _DAY + "09:50:00Z"),
    ("api", _DAY + "10:00:00Z", _DAY + "10:30:00Z"),
    ("db", _DAY + "12:00:00+02:00", _DAY + "13:30:00+02:00"),
    ("auth", _DAY + "07:00:00Z", _DAY + "07:00:20Z"),
    ("cache", _DAY + "08:00:00Z", _DAY + "08:40:00Z"),
    ("api", _DAY + "10:20:00Z", _DAY + "11:00:00Z"),
    ("web", _DAY + "09:00:00Z", _DAY + "09:20:00Z"),
    ("api", _DAY + "14:00:00Z", _DAY + "14:10:00Z"),
    ("db", _DAY + "10:30:00Z", _DAY + "10:45:00Z"),
]


def _entry(service: str, events: int, windows: int, busy: float, longest: float) -> dict[str, Any]:
    return {
        "service": service,
        "event_count": events,
        "window_count": windows,
        "busy_minutes": busy,
        "longest_window_minutes": longest,
    }


EXPECTED_SERVICES = [
    _entry("db", 2, 1, 90.0, 90.0),
    _entry("api", 4, 2, 85.0, 75.0),
    _entry("cache", 1, 1, 40.0, 40.0),
    _entry("web", 2, 2, 40.0, 20.0),
    _entry("auth", 1, 1, 0.33, 0.33),
]
EXPECTED_REPORT: dict[str, Any] = {
    "event_count": 10,
    "service_count": 5,
    "total_busy_minutes": 255.33,
    "services": EXPECTED_SERVICES,
}
CLI_TOP = 2
EXPECTED_SUMMARY: dict[str, Any] = {
    "event_count": 10,
    "service_count": 5,
    "total_busy_minutes": 255.33,
    "top": EXPECTED_SERVICES[:CLI_TOP],
}
CLI_EVENTS = [
    {"id": f"e{n}", "service": service, "start": start, "end": end}
    for n, (service, start, end) in enumerate(REPORT_EVENTS, 1)
]
CLI_INVALID_EVENTS = [*VALID_RECORDS, INVALID_WINDOWS[0][1]]


# -- running checks ----------------------------------------------------------------------------


class CheckFailed(Exception):
    """A check's expectation was not met; the message is the detail."""


class CheckTimeout(BaseException):
    """Raised into the candidate's code when a check runs out of time (not an Exception, so
    the candidate's `except Exception` does not swallow it)."""


class Results:
    """The result lines, on the process's original stdout; only this process may write them."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._pid = os.getpid()

    def emit(self, check: str, detail: str | None) -> None:
        if os.getpid() == self._pid:  # a forked copy of this process reports nothing
            line = json.dumps({"check": check, "detail": detail}) + "\n"
            os.write(self._fd, line.encode())  # one short write: atomic on a pipe


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def _expire(signum: int, frame: FrameType | None) -> None:
        raise CheckTimeout

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_check(check: Callable[[], None], timeout_s: float) -> str | None:
    """The detail of a failed check, or None when it passed."""
    try:
        with time_limit(timeout_s):
            check()
    except CheckTimeout:
        return f"timed out after {timeout_s:g} s"
    except CheckFailed as failure:
        return _short(str(failure))
    except BaseException as error:  # the candidate's own exception, SystemExit included
        return _short(f"raised {describe(error)}")
    return None


def describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


# -- static checks -----------------------------------------------------------------------------


def compile_detail(source: bytes) -> str | None:
    if not source.strip():
        return "the candidate is empty"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, MODULE_NAME + ".py", "exec", dont_inherit=True)
    except SyntaxError as error:
        return _short(f"line {error.lineno}: {error.msg}")
    except (ValueError, MemoryError, RecursionError) as error:
        return _short(describe(error))
    return None


def stdlib_only_detail(source: bytes) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(source)
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or "").split(".")[0])
    outside = sorted(name for name in found if name not in allowed)
    return (
        f"imports modules outside the standard library: {', '.join(outside)}" if outside else None
    )


# -- in-process checks -------------------------------------------------------------------------


def attribute(module: ModuleType, name: str) -> Any:
    if not hasattr(module, name):
        raise CheckFailed(f"the module defines no {name}")
    return getattr(module, name)


def check_parse_rejects_invalid_window(module: ModuleType) -> None:
    parse_events = attribute(module, "parse_events")
    for what, record in INVALID_WINDOWS:
        try:
            parse_events([VALID_RECORDS[0], record])
        except ValueError:
            continue
        raise CheckFailed(
            f"parse_events accepted an event with {what} "
            f"({record['start']} -> {record['end']}); expected ValueError"
        )


def check_parse_valid_input(module: ModuleType) -> None:
    events = attribute(module, "parse_events")([dict(record) for record in VALID_RECORDS])
    if not isinstance(events, list) or len(events) != len(VALID_EXPECTED):
        raise CheckFailed(f"expected a list of {len(VALID_EXPECTED)} events, got {_brief(events)}")
    for index, (event, (service, start, end)) in enumerate(
        zip(events, VALID_EXPECTED, strict=True)
    ):
        for field, want in (("service", service), ("start", start), ("end", end)):
            got = getattr(event, field, None)
            if got != want:
                raise CheckFailed(f"event {index}: {field} is {_brief(got)}, expected {want}")
            if isinstance(want, datetime) and got.utcoffset() != timedelta(0):
                raise CheckFailed(f"event {index}: {field} {got} is not in UTC")


def check_merge_windows(module: ModuleType) -> None:
    merge_windows = attribute(module, "merge_windows")
    windows = [(_moment(start + "Z"), _moment(end + "Z")) for start, end in MERGE_INPUT]
    expected = [(_moment(start + "Z"), _moment(end + "Z")) for start, end in MERGE_EXPECTED]
    merged = merge_windows(windows)
    try:
        got = [(start, end) for start, end in merged]
    except (TypeError, ValueError):
        raise CheckFailed(f"expected a list of (start, end) pairs, got {_brief(merged)}") from None
    if got != expected:
        shown = ", ".join(f"{_clock(start)}-{_clock(end)}" for start, end in got)
        raise CheckFailed(
            f"merged windows are [{shown}], expected [09:00-09:05, 10:00-11:15, 12:00-12:10]"
        )
    if list(merge_windows([])) != []:
        raise CheckFailed("merge_windows([]) is not []")


def _clock(moment: Any) -> str:
    return f"{moment:%H:%M}" if isinstance(moment, datetime) else _brief(moment)


def check_build_report(module: ModuleType) -> None:
    event_type = attribute(module, "DeploymentEvent")
    build_report = attribute(module, "build_report")
    events = [
        event_type(service=service, start=_moment(start), end=_moment(end))
        for service, start, end in REPORT_EVENTS
    ]
    report = build_report(events)
    mismatch = first_mismatch(report, EXPECTED_REPORT, "report")
    if mismatch:
        raise CheckFailed(mismatch)


MODULE_CHECKS: list[tuple[str, Callable[[ModuleType], None]]] = [
    ("parse_events_rejects_invalid_window", check_parse_rejects_invalid_window),
    ("parse_events_valid_input", check_parse_valid_input),
    ("merge_overlaps_expected_windows", check_merge_windows),
    ("build_report_expected_metrics", check_build_report),
]


def first_mismatch(got: Any, want: Any, path: str) -> str | None:
    """Where `got` differs from `want` (extra keys allowed; numbers within a tolerance)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path} is {_brief(got)}, expected an object"
        for key, value in want.items():
            if key not in got:
                return f"{path} has no key {key!r}"
            found = first_mismatch(got[key], value, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return f"{path} is {_brief(got)}, expected a list"
        if len(got) != len(want):
            return f"{path} has {len(got)} entries, expected {len(want)}"
        for index, (item, expected) in enumerate(zip(got, want, strict=True)):
            found = first_mismatch(item, expected, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(want, float):
        number = isinstance(got, int | float) and not isinstance(got, bool)
        if number and abs(got - want) <= _NUMBER_TOLERANCE:
            return None
    elif got == want and type(got) is not bool:
        return None
    return f"{path} is {_brief(got)}, expected {want!r}"


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


# -- command-line checks -----------------------------------------------------------------------


@dataclass(frozen=True)
class CliOutcome:
    timed_out: bool
    exit_code: int | None
    stdout: str
    stderr: str


class CliRun:
    """The candidate run as a script in its own process group, output into capped files."""

    def __init__(self, candidate: Path, args: list[str], name: str, timeout_s: float) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self._deadline = time.monotonic() + timeout_s
        self._stdout = Path(f"{name}.stdout")
        self._stderr = Path(f"{name}.stderr")
        with self._stdout.open("wb") as out, self._stderr.open("wb") as err:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(candidate), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def finish(self) -> CliOutcome:
        timed_out = False
        try:
            self._proc.wait(timeout=max(self._deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            timed_out = True
        with suppress(OSError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        return CliOutcome(
            timed_out, self._proc.returncode, _head(self._stdout), _head(self._stderr)
        )


def _head(path: Path) -> str:
    with path.open("rb") as file:
        return file.read(_OUTPUT_CAP).decode(errors="replace")


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"


def _run_failure(outcome: CliOutcome, timeout_s: float) -> str | None:
    if outcome.timed_out:
        return f"the command timed out after {timeout_s:g} s"
    if outcome.exit_code != 0:
        return f"the command exited with status {outcome.exit_code}: {_last_line(outcome.stderr)}"
    return None


def check_cli_prints(outcome: CliOutcome, timeout_s: float) -> None:
    failure = _run_failure(outcome, timeout_s)
    if failure:
        raise CheckFailed(failure)
    try:
        printed = json.loads(outcome.stdout)
    except ValueError:
        raise CheckFailed(f"stdout is not one JSON object: {_brief(outcome.stdout)}") from None
    mismatch = first_mismatch(printed, EXPECTED_SUMMARY, "stdout")
    if mismatch:
        raise CheckFailed(mismatch)


def check_cli_output_file(outcome: CliOutcome, timeout_s: float, path: Path) -> None:
    if not path.is_file():
        failure = _run_failure(outcome, timeout_s) or "it exited with status 0"
        raise CheckFailed(f"no file written at --output {path} ({failure})")
    try:
        written = json.loads(_head(path))
    except ValueError:
        raise CheckFailed(f"--output {path} is not JSON") from None
    mismatch = first_mismatch(written, EXPECTED_REPORT, str(path))
    if mismatch:
        raise CheckFailed(mismatch)


def check_cli_rejects(outcome: CliOutcome, timeout_s: float, path: Path) -> None:
    if outcome.timed_out:
        raise CheckFailed(f"the command timed out after {timeout_s:g} s")
    if outcome.exit_code != 1:
        raise CheckFailed(f"exit status {outcome.exit_code} for invalid input, expected 1")
    if "Traceback (most recent call last)" in outcome.stderr:
        raise CheckFailed(
            f"printed a traceback instead of an error message: {_last_line(outcome.stderr)}"
        )
    if not outcome.stderr.strip():
        raise CheckFailed("printed no error message on stderr")
    if path.exists():
        raise CheckFailed(f"wrote --output {path} for invalid input")


# -- main --------------------------------------------------------------------------------------


def import_candidate(path: Path, timeout_s: float) -> tuple[ModuleType | None, str | None]:
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    if spec is None or spec.loader is None:
        return None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    try:
        with time_limit(timeout_s):
            spec.loader.exec_module(module)
    except CheckTimeout:
        return None, f"importing the module timed out after {timeout_s:g} s"
    except BaseException as error:
        return None, _short(f"importing the module raised {describe(error)}")
    return module, None


def cli_checks(results: Results, candidate: Path, timeout_s: float) -> threading.Thread:
    """Start the two command-line runs and a thread that reports their three checks, so that
    they report even when the candidate wedges the in-process checks."""
    Path("events.json").write_text(json.dumps(CLI_EVENTS, indent=1))
    Path("invalid_events.json").write_text(json.dumps(CLI_INVALID_EVENTS, indent=1))
    report, invalid_report = Path("report.json"), Path("invalid_report.json")
    valid_args = ["events.json", "--top", str(CLI_TOP), "--output", str(report)]
    valid_run = CliRun(candidate, valid_args, "cli", timeout_s)
    invalid_args = ["invalid_events.json", "--output", str(invalid_report)]
    invalid_run = CliRun(candidate, invalid_args, "cli_invalid", timeout_s)

    def finish() -> None:
        valid, invalid = valid_run.finish(), invalid_run.finish()
        for name, check in (
            ("cli_prints_json_with_top", partial(check_cli_prints, valid, timeout_s)),
            ("cli_output_file", partial(check_cli_output_file, valid, timeout_s, report)),
            (
                "cli_rejects_invalid_input",
                partial(check_cli_rejects, invalid, timeout_s, invalid_report),
            ),
        ):
            try:
                check()
            except CheckFailed as failure:
                results.emit(name, _short(str(failure)))
            except Exception as error:
                results.emit(name, _short(f"the check could not run: {describe(error)}"))
            else:
                results.emit(name, None)

    thread = threading.Thread(target=finish, name="cli-checks", daemon=True)
    thread.start()
    return thread


def main(argv: list[str]) -> int:
    candidate, timeout_s = Path(argv[1]), float(argv[2])
    results = Results(os.dup(1))
    os.dup2(2, 1)  # the candidate's prints go to stderr, away from the results
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True
    source = candidate.read_bytes()
    gate = compile_detail(source)
    results.emit("python_compile", gate)
    if gate is not None:
        return 0
    cli_thread = cli_checks(results, candidate, timeout_s)
    results.emit("stdlib_only", stdlib_only_detail(source))
    module, import_failure = import_candidate(candidate, timeout_s)
    for name, check in MODULE_CHECKS:
        if module is None:
            results.emit(name, import_failure)
        else:
            results.emit(name, run_check(partial(check, module), timeout_s))
    cli_thread.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
