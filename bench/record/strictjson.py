"""JSON read as the RFC says and no further: bounded nesting, each key once per object.

Python's `json` takes a key's last value when an object repeats it, and recurses once per
nesting level (a deep enough document raises RecursionError). A record is read here first, so
that neither reaches the validator.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bench.record.errors import Loc, field_path

MAX_DEPTH = 64  # a run record nests at most 9 deep (a draft's checks); none comes near this

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)  # possessive: no backtracking
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


@dataclass(frozen=True)
class JsonProblem:
    """Why a text is not a JSON document this project reads, and where."""

    field: str  # `direct[0].model`, `(line 3, column 13)`, or `(document)` for the whole text
    expected: str
    found: str


class _Repeats(dict[str, Any]):
    """An object that named some keys more than once (the last value kept, as json does)."""

    repeated: tuple[str, ...] = ()


def depth(text: str) -> int:
    """How deep arrays and objects nest in `text`, counted without recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)


def load(text: str, max_depth: int = MAX_DEPTH) -> tuple[Any, list[JsonProblem]]:
    """The parsed document, or None and what is wrong: too deep, not JSON, repeated keys.

    `NaN` and `Infinity` are parsed (as Python's json does) and left to the validator, which
    knows which field holds them.
    """
    nesting = depth(text)
    if nesting > max_depth:
        expected = f"arrays and objects nested at most {max_depth} deep"
        return None, [JsonProblem("(document)", expected, f"{nesting:,} levels")]
    repeats = False

    def keep_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeats
        found = dict(pairs)
        if len(found) == len(pairs):
            return found
        repeats = True
        marked = _Repeats(found)
        marked.repeated = _repeated([k for k, _ in pairs])
        return marked

    try:
        data = json.loads(text, object_pairs_hook=keep_repeats)
    except json.JSONDecodeError as error:
        where = f"(line {error.lineno}, column {error.colno})"
        return None, [JsonProblem(where, "valid JSON", error.msg)]
    except ValueError as error:  # an integer of more digits than int() converts
        return None, [JsonProblem("(document)", "valid JSON", str(error).split(":")[0])]
    if not repeats:
        return data, []
    return None, [
        JsonProblem(
            field_path(loc, "(document)"), "each key once in an object", f"{key!r} more than once"
        )
        for loc, key in _repeated_keys(data)
    ]


def _repeated(keys: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    again: dict[str, None] = {}
    for key in keys:
        if key in seen:
            again[key] = None
        seen.add(key)
    return tuple(again)


def _repeated_keys(data: Any) -> Iterator[tuple[Loc, str]]:
    """Each repeated key with the path of its object, in document order."""
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value, _Repeats):
                yield from ((loc, key) for key in value.repeated)
            stack.extend(((*loc, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(value))))
