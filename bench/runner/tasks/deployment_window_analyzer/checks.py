"""The checks of the task, their weights (methodology version 2), the calls and command lines
that probe the candidate, and the verdicts that judge its answers, here in the runner."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bench.record.schema import CheckSpec
from bench.runner.tasks._answers import (
    Answers,
    CheckFailed,
    CliOutcome,
    Opaque,
    brief,
    first_mismatch,
    plain_text,
    strict_json,
)
from bench.runner.tasks._harness import Call, CliRun
from bench.runner.tasks._wire import New
from bench.runner.tasks.deployment_window_analyzer.expected import (
    CLI_EVENTS,
    CLI_INVALID_EVENTS,
    CLI_TOP,
    EXPECTED_REPORT,
    EXPECTED_SUMMARY,
    INVALID_WINDOWS,
    MERGE_EXPECTED,
    MERGE_INPUT,
    REPORT_EVENTS,
    VALID_EXPECTED,
    VALID_RECORDS,
    moment,
)

__all__ = ["CALLS", "CHECKS", "CLI_RUNS", "VERDICTS"]

CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        name="python_compile",
        weight=10,
        gate=True,
        description=(
            "The candidate is not empty and compiles. The gate: a candidate that fails it "
            "scores 0 and its other checks are skipped."
        ),
    ),
    CheckSpec(
        name="parse_events_rejects_invalid_window",
        weight=10,
        description=(
            "parse_events parses valid input, and raises ValueError for an event whose end is "
            "before its start, equal to its start, or before its start once UTC offsets are "
            "applied."
        ),
    ),
    CheckSpec(
        name="merge_overlaps_expected_windows",
        weight=15,
        description=(
            "merge_windows turns out-of-order overlapping, touching and nested windows into "
            "the expected merged windows, sorted by start; an empty list gives []."
        ),
    ),
    CheckSpec(
        name="build_report_expected_metrics",
        weight=15,
        description=(
            "build_report gives the expected counts, per-service event and window counts, busy "
            "and longest-window minutes, and service order (ties by name) for a fixed event set."
        ),
    ),
    CheckSpec(
        name="cli_prints_json_with_top",
        weight=15,
        description=(
            "The command line with --top 2 exits 0 and prints one JSON object with the expected "
            "counts, total and top 2 service entries."
        ),
    ),
    CheckSpec(
        name="cli_output_file",
        weight=10,
        description="The command line with --output writes the full expected report there as JSON.",
    ),
    CheckSpec(
        name="parse_events_valid_input",
        weight=10,
        description=(
            "parse_events returns the events in input order, with start and end converted to "
            "UTC from mixed offsets, ignoring extra keys."
        ),
    ),
    CheckSpec(
        name="cli_rejects_invalid_input",
        weight=10,
        description=(
            "The command line given an event whose end is before its start exits 1 with an "
            "error message on stderr (no traceback) and writes no output file."
        ),
    ),
    CheckSpec(
        name="stdlib_only",
        weight=5,
        description="The candidate imports only modules of the Python standard library.",
    ),
)


# -- probes: what the candidate is asked ---------------------------------------------------------


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _window(start: str, end: str) -> tuple[datetime, datetime]:
    return (_at(start + "Z"), _at(end + "Z"))


CALLS: tuple[Call, ...] = (
    *(
        Call(f"reject_{n}", "parse_events", ([VALID_RECORDS[0], record],))
        for n, (_, record) in enumerate(INVALID_WINDOWS)
    ),
    Call("parse_valid", "parse_events", (VALID_RECORDS,)),
    Call("merge", "merge_windows", ([_window(start, end) for start, end in MERGE_INPUT],)),
    Call("merge_empty", "merge_windows", ([],)),
    Call(
        "report",
        "build_report",
        (
            [
                New("DeploymentEvent", {"service": s, "start": _at(a), "end": _at(b)})
                for s, a, b in REPORT_EVENTS
            ],
        ),
    ),
)
_REPORT, _INVALID_REPORT = "report.json", "invalid_report.json"
CLI_RUNS: tuple[CliRun, ...] = (
    CliRun(
        "valid",
        ("events.json", "--top", str(CLI_TOP), "--output", _REPORT),
        {"events.json": json.dumps(CLI_EVENTS, indent=1)},
        (_REPORT,),
    ),
    CliRun(
        "invalid",
        ("invalid_events.json", "--output", _INVALID_REPORT),
        {"invalid_events.json": json.dumps(CLI_INVALID_EVENTS, indent=1)},
        (_INVALID_REPORT,),
    ),
)


# -- verdicts: judged here, against expected values the candidate never sees ----------------------


def python_compile(answers: Answers) -> None:
    error = answers.static()["compile_error"]
    if error is not None:
        raise CheckFailed(plain_text(error))


def stdlib_only(answers: Answers) -> None:
    imports = answers.static()["imports"]
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    outside = sorted(str(name) for name in imports if name not in allowed)
    if outside:
        raise CheckFailed(f"imports modules outside the standard library: {', '.join(outside)}")


def parse_events_rejects_invalid_window(answers: Answers) -> None:
    valid = answers.call("parse_valid")
    if valid.message is None or "returned" not in valid.message:
        # Rejecting everything is not rejecting invalid windows: valid input must parse.
        raise CheckFailed(f"valid input must parse first: {valid.failure()}")
    for n, (what, record) in enumerate(INVALID_WINDOWS):
        answer = answers.call(f"reject_{n}")
        if answer.raised("ValueError"):
            continue
        if answer.message is None or (
            "returned" not in answer.message and "raised" not in answer.message
        ):
            raise CheckFailed(answer.failure())
        raise CheckFailed(
            f"parse_events accepted an event with {what} "
            f"({record['start']} -> {record['end']}); expected ValueError"
        )


def parse_events_valid_input(answers: Answers) -> None:
    events = answers.call("parse_valid").value()
    if not isinstance(events, list) or len(events) != len(VALID_EXPECTED):
        raise CheckFailed(f"expected a list of {len(VALID_EXPECTED)} events, got {brief(events)}")
    for index, (event, (service, start, end)) in enumerate(
        zip(events, VALID_EXPECTED, strict=True)
    ):
        fields = _attributes(event)
        for name, want in (("service", service), ("start", start), ("end", end)):
            got = fields.get(name)
            if not _same(got, want):
                raise CheckFailed(f"event {index}: {name} is {brief(got)}, expected {want}")
            if isinstance(got, datetime) and got.utcoffset() != timedelta(0):
                raise CheckFailed(f"event {index}: {name} {got} is not in UTC")


def merge_overlaps_expected_windows(answers: Answers) -> None:
    merged = answers.call("merge").value()
    expected = [(moment(start + "Z"), moment(end + "Z")) for start, end in MERGE_EXPECTED]
    pairs = [_items(pair) for pair in _items(merged) or [None]]
    if _items(merged) is None or not all(pair is not None and len(pair) == 2 for pair in pairs):
        raise CheckFailed(f"expected a list of (start, end) pairs, got {brief(merged)}")
    got = [(pair[0], pair[1]) for pair in pairs if pair]
    same = len(got) == len(expected) and all(
        _same(got_start, start) and _same(got_end, end)
        for (got_start, got_end), (start, end) in zip(got, expected, strict=True)
    )
    if not same:
        shown = ", ".join(f"{_clock(start)}-{_clock(end)}" for start, end in got)
        raise CheckFailed(
            f"merged windows are [{shown}], expected [09:00-09:05, 10:00-11:15, 12:00-12:10]"
        )
    if _items(answers.call("merge_empty").value()) != []:
        raise CheckFailed("merge_windows([]) is not []")


def _items(value: Any) -> list[Any] | None:
    """The items of a list or tuple answer; None for anything else."""
    return list(value) if type(value) in (list, tuple) else None


def build_report_expected_metrics(answers: Answers) -> None:
    mismatch = first_mismatch(answers.call("report").value(), EXPECTED_REPORT, "report")
    if mismatch:
        raise CheckFailed(mismatch)


def _attributes(value: Any) -> Mapping[str, Any]:
    """An event's fields: an object's (the candidate's own class), or a dict's items."""
    if isinstance(value, Opaque):
        return value.fields
    return value if isinstance(value, dict) else {}


def _same(got: Any, want: Any) -> bool:
    """`got` (plain data, datetimes decoded) equals `want`; an aware datetime only equals an
    aware one."""
    if isinstance(want, datetime):
        return isinstance(got, datetime) and got.utcoffset() is not None and got == want
    return type(got) is type(want) and bool(got == want)


def _clock(moment_: Any) -> str:
    return f"{moment_:%H:%M}" if isinstance(moment_, datetime) else brief(moment_)


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return plain_text(lines[-1]) if lines else "(no output)"


def _run_failure(outcome: CliOutcome, timeout_s: float) -> str | None:
    if outcome.timed_out:
        return f"the command timed out after {timeout_s:g} s"
    if outcome.exit_code != 0:
        return f"the command exited with status {outcome.exit_code}: {_last_line(outcome.stderr)}"
    return None


def cli_prints_json_with_top(answers: Answers) -> None:
    outcome = answers.cli("valid")
    failure = _run_failure(outcome, answers.timeout_s)
    if failure:
        raise CheckFailed(failure)
    try:
        printed = strict_json(outcome.stdout)
    except ValueError:
        raise CheckFailed(f"stdout is not one JSON object: {brief(outcome.stdout)}") from None
    mismatch = first_mismatch(printed, EXPECTED_SUMMARY, "stdout")
    if mismatch:
        raise CheckFailed(mismatch)


def cli_output_file(answers: Answers) -> None:
    outcome = answers.cli("valid")
    written = outcome.files.get(_REPORT)
    if written is None:
        failure = _run_failure(outcome, answers.timeout_s) or "it exited with status 0"
        raise CheckFailed(f"no file written at --output {_REPORT} ({failure})")
    try:
        report = strict_json(written.decode(errors="replace"))
    except ValueError:
        raise CheckFailed(f"--output {_REPORT} is not JSON") from None
    mismatch = first_mismatch(report, EXPECTED_REPORT, _REPORT)
    if mismatch:
        raise CheckFailed(mismatch)


def cli_rejects_invalid_input(answers: Answers) -> None:
    outcome = answers.cli("invalid")
    if outcome.timed_out:
        raise CheckFailed(f"the command timed out after {answers.timeout_s:g} s")
    if outcome.exit_code != 1:
        raise CheckFailed(f"exit status {outcome.exit_code} for invalid input, expected 1")
    if "Traceback (most recent call last)" in outcome.stderr:
        raise CheckFailed(
            f"printed a traceback instead of an error message: {_last_line(outcome.stderr)}"
        )
    if not outcome.stderr.strip():
        raise CheckFailed("printed no error message on stderr")
    if _INVALID_REPORT in outcome.files:
        raise CheckFailed(f"wrote --output {_INVALID_REPORT} for invalid input")


VERDICTS = {
    "python_compile": python_compile,
    "parse_events_rejects_invalid_window": parse_events_rejects_invalid_window,
    "merge_overlaps_expected_windows": merge_overlaps_expected_windows,
    "build_report_expected_metrics": build_report_expected_metrics,
    "cli_prints_json_with_top": cli_prints_json_with_top,
    "cli_output_file": cli_output_file,
    "parse_events_valid_input": parse_events_valid_input,
    "cli_rejects_invalid_input": cli_rejects_invalid_input,
    "stdlib_only": stdlib_only,
}
