"""What the candidate's side sent back, decoded strictly, and the means to judge it.

Nothing here runs in the sandbox: the driver's lines arrive as bytes, are decoded as plain
JSON (no NaN, no duplicate keys, bounded), and become `Answer`s and `CliOutcome`s that the
task's checks compare with expected values that never left the runner. An answer's value is
decoded from the wire format (`_wire.py`) strictly and without recursion: built-in and
standard library values, and `Opaque` for an object of the candidate's own class (its fields).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.runner.tasks import _wire as wire
from bench.runner.tasks._wire import Opaque

__all__ = [
    "Answer",
    "Answers",
    "CheckFailed",
    "CliOutcome",
    "Opaque",
    "brief",
    "decode_lines",
    "first_mismatch",
    "plain_text",
    "short",
    "strict_json",
]

_NUMBER_TOLERANCE = 0.01
_DETAIL_CHARS = 300
_LINE_BYTES = 1024 * 1024


class CheckFailed(Exception):
    """A check's expectation was not met; the message is the detail."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not plain JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("duplicate keys")
    return found


def strict_json(text: str | bytes) -> Any:
    """`text` as plain JSON values: dicts, lists, str, int, float, bool, None.

    Raises:
        ValueError: not one strict JSON document (NaN, duplicate keys, too deep, too long).
    """
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ValueError("nested too deep") from None


def decode_lines(stdout: bytes) -> dict[str, dict[str, Any]]:
    """The driver's answers by id; the first line for an id counts, a line that is not a
    strict JSON object with a string id is ignored."""
    found: dict[str, dict[str, Any]] = {}
    for line in stdout.splitlines():
        if len(line) > _LINE_BYTES:
            continue
        try:
            message = strict_json(line)
        except ValueError:
            continue
        if isinstance(message, dict) and isinstance(message.get("id"), str):
            found.setdefault(message["id"], message)
    return found


@dataclass(frozen=True)
class Answer:
    """The outcome of one call into the candidate, as the driver reported it (or not)."""

    message: Mapping[str, Any] | None  # None: no answer came back
    timeout_s: float
    unreached: str  # why, when no answer came back

    def value(self) -> Any:
        """What the call returned, as the value it stands for.

        Raises:
            CheckFailed: it raised, timed out, was not reached, the name is missing, or the
                answer is not a value of the wire format.
        """
        message = self.message or {}
        if "returned" not in message:
            raise CheckFailed(self.failure())
        try:
            return wire.decode_tokens(message["returned"])
        except wire.WireError as error:
            raise CheckFailed(f"the answer is not a value of the wire format: {error}") from None

    def raised(self, kind: str) -> bool:
        """True when the call raised `kind` (or a subclass of it)."""
        raised = (self.message or {}).get("raised")
        return isinstance(raised, dict) and kind in _strings(raised.get("mro"))

    def failure(self) -> str:
        message = self.message
        if message is None:
            return self.unreached
        if "import_failed" in message:
            failed = message["import_failed"]
            if isinstance(failed, dict) and failed.get("timed_out") is True:
                return f"importing the module timed out after {self.timeout_s:g} s"
            return f"importing the module raised {_exception(failed)}"
        if "missing" in message:
            return f"the module defines no {plain_text(message['missing'])}"
        if message.get("timed_out") is True:
            return f"timed out after {self.timeout_s:g} s"
        if "refused" in message:
            return f"returned {plain_text(message['refused'])}, which the checks do not compare"
        if "raised" in message:
            return f"raised {_exception(message['raised'])}"
        if "no_answer" in message:
            return plain_text(message["no_answer"])
        return "returned"


def _exception(raised: Any) -> str:
    if not isinstance(raised, dict):
        return "an exception"
    kind = plain_text(raised.get("type", "an exception"))
    text = plain_text(raised.get("message", ""))
    return f"{kind}: {text}" if text else kind


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


@dataclass(frozen=True)
class CliOutcome:
    """The candidate run as a command in a sandbox of its own: what the sandbox saw."""

    timed_out: bool
    exit_code: int | None
    stdout: str
    stderr: str
    files: Mapping[str, bytes] = field(default_factory=dict)


class Answers:
    """Everything the candidate's side reported, for the checks to judge."""

    def __init__(
        self,
        lines: Mapping[str, Mapping[str, Any]],
        clis: Mapping[str, CliOutcome],
        timeout_s: float,
        unreached: str,
    ) -> None:
        self._lines, self._clis = lines, clis
        self.timeout_s, self._unreached = timeout_s, unreached

    def static(self) -> dict[str, Any]:
        """The driver's facts about the source: `compile_error` (str | None), `imports`."""
        answer = self.call("static")
        facts = (answer.message or {}).get("returned")  # plain JSON, from the driver alone
        if not isinstance(facts, dict):
            raise CheckFailed("the source's facts did not come back")
        return facts

    def call(self, call_id: str) -> Answer:
        line = self._lines.get(call_id)
        imported = self._lines.get("import") or {}
        if line is None and "import_failed" in imported:
            line = imported  # the module did not import: no call was made
        return Answer(line, self.timeout_s, self._unreached)

    def cli(self, run_id: str) -> CliOutcome:
        return self._clis[run_id]


def first_mismatch(got: Any, want: Any, path: str) -> str | None:
    """Where `got` differs from `want` (extra keys allowed; numbers within a tolerance)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path} is {brief(got)}, expected an object"
        for key, value in want.items():
            if key not in got:
                return f"{path} has no key {key!r}"
            found = first_mismatch(got[key], value, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return f"{path} is {brief(got)}, expected a list"
        if len(got) != len(want):
            return f"{path} has {len(got)} entries, expected {len(want)}"
        for index, (item, expected) in enumerate(zip(got, want, strict=True)):
            found = first_mismatch(item, expected, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(want, float):
        number = type(got) in (int, float)
        if number and abs(got - want) <= _NUMBER_TOLERANCE:
            return None
    elif got == want and type(got) is not bool:  # `got` is plain data: its == is JSON's
        return None
    return f"{path} is {brief(got)}, expected {want!r}"


def plain_text(value: Any) -> str:
    """`value` as one line of printable text: no control characters, no lone surrogates."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def brief(value: Any) -> str:
    text = plain_text(repr(value))
    return text if len(text) <= 60 else text[:59] + "…"


def short(text: str) -> str:
    text = plain_text(text)
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"
