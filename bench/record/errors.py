"""How a pydantic validation error reads to a user: the field's path and what was expected.

Shared by the run record loader (`bench.record.archive`) and the runner's config loader, so a bad
record and a bad config speak the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FOUND_MAX_CHARS = 80

Loc = tuple[int | str, ...]


class FieldError(ValueError):
    """A check across fields, raised by a model validator, that blames one field.

    pydantic reports a model validator's error at the model itself; this carries the path of
    the field at fault (relative to the model), what it should hold and what it held.
    """

    def __init__(self, loc: Loc, expected: str, found: str) -> None:
        super().__init__(f"{'.'.join(map(str, loc))}: expected {expected}, found {found}")
        self.loc = loc
        self.expected = expected
        self.found = found


def error_loc(error: Any) -> Loc:
    """Where a pydantic error is: its own loc, then the field a FieldError blames."""
    blamed = _field_error(error)
    return tuple(error["loc"]) + (blamed.loc if blamed else ())


def _field_error(error: Any) -> FieldError | None:
    cause = (error.get("ctx") or {}).get("error")
    return cause if isinstance(cause, FieldError) else None


def field_path(loc: tuple[int | str, ...], empty: str = "(record)") -> str:
    """`direct[1].samples[0].evaluation.score` from pydantic's loc tuple."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or empty


def expected_and_found(error: Any, found: Callable[[object], str]) -> tuple[str, str]:
    """What the field should hold and what it held, for one pydantic error."""
    kind = error["type"]
    if kind == "missing":
        return "a value (the field is required)", "nothing"
    if kind == "extra_forbidden":
        return "no such field", found(error["input"])
    blamed = _field_error(error)
    if blamed is not None:
        return blamed.expected, blamed.found
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Input should be "), found(
        error["input"]
    )


def root_causes(errors: list[Any]) -> list[Any]:
    """pydantic's errors without the follow-on ones: a container that comes up short only
    because one of its own items failed (`models: at least 1 item` after `models[0]...`)."""
    locs = [error_loc(e) for e in errors]
    return [
        e
        for e, loc in zip(errors, locs, strict=True)
        if e["type"] != "too_short"
        or not any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)
    ]


def shorten(text: str, max_chars: int = FOUND_MAX_CHARS) -> str:
    """`text`, cut to `max_chars` with an ellipsis when longer: the one text shortener."""
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
