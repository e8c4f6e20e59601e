"""How a pydantic validation error reads to a user: the field's path and what was expected.

Shared by the run record loader (`bench.record.archive`) and the runner's config loader, so a bad
record and a bad config speak the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

FOUND_MAX_CHARS = 80
_SHOULD = re.compile(r"^(?:Input|String|Tuple|List|Value) should (?:be|have) ")  # pydantic's

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


def root_causes(errors: list[Any]) -> list[Any]:
    """The errors that are not consequences of others.

    pydantic reports a list whose item failed twice: the item's error, then the list's
    (`samples: at least 1 item`, as the failed item was dropped). An error at a place that
    holds another error is such a consequence.
    """
    locs = [error_loc(e) for e in errors]
    holders = {loc[:n] for loc in locs for n in range(len(loc))}
    return [e for e, loc in zip(errors, locs, strict=True) if loc not in holders]


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
    if kind == "json_invalid":
        return "valid JSON", str(error["msg"]).removeprefix("Invalid JSON: ")
    if kind == "extra_forbidden":
        return "no such field", found(error["input"])
    blamed = _field_error(error)
    if blamed is not None:
        return blamed.expected, blamed.found
    message = _SHOULD.sub("", str(error["msg"]).removeprefix("Value error, "))
    return message, found(error["input"])


def shorten(text: str, max_chars: int = FOUND_MAX_CHARS) -> str:
    """`text`, cut to `max_chars` with an ellipsis when longer: the one text shortener."""
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
