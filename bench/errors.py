"""How a pydantic validation error reads to a user: the field's path and what was expected.

Shared by the run record loader (`bench.archive`) and the runner's config loader, so a bad
record and a bad config speak the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FOUND_MAX_CHARS = 80


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
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Input should be "), found(
        error["input"]
    )


def shorten(text: str) -> str:
    return text if len(text) <= FOUND_MAX_CHARS else text[: FOUND_MAX_CHARS - 1] + "…"
