"""How numbers read on a page: one place, so the page, the index and the tests agree."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bench.record.analysis import Stat

Render = Literal["score", "seconds", "seconds2", "tok_s"]  # how `stat` writes a figure

DASH = "—"


def number(value: float, digits: int = 1) -> str:
    """`50` for 50.0, `62.5` for 62.5: no trailing zeros."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def score(value: float) -> str:
    return number(value, 1)


def seconds(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{value:.{digits}f}s"


def signed_seconds(value: float) -> str:
    return f"{_sign(value, digits=1)}{abs(value):.1f}s"


def signed_number(value: float) -> str:
    """`+0`, `+40`, `-10`, `+12.5`."""
    return f"{_sign(value, digits=1)}{number(abs(value))}"


def signed_pts(value: float) -> str:
    return f"{signed_number(value)} pts"


def tok_s(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f} tok/s"


def percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def gib(gib: float) -> str:
    """`24.0 GiB`: an amount of memory."""
    return f"{gib:.1f} GiB"


def size_b(params_b: float | None) -> str:
    return DASH if params_b is None else number(params_b, 2)


def size_label(params_b: float) -> str:
    return f"{number(params_b, 2)}B"


def stat(value: Stat | None, render: Render = "score") -> str:
    """Median, and `(min–max)` when repeated samples differ."""
    if value is None:
        return DASH
    one = _RENDER[render]
    if value.low == value.high:
        return one(value.median)
    return f"{one(value.median)} ({one(value.low)}–{one(value.high)})"


def _sign(value: float, digits: int) -> str:
    return "-" if round(value, digits) < 0 else "+"


def _seconds_2(value: float) -> str:
    return seconds(value, 2)


def _seconds_1(value: float) -> str:
    return seconds(value, 1)


_RENDER: dict[Render, Callable[[float], str]] = {
    "score": score,
    "seconds": _seconds_1,
    "seconds2": _seconds_2,
    "tok_s": tok_s,
}


def p_value(p: float) -> str:
    """`1`, `0.25`, `0.031`, `<0.001`: a p-value to two significant figures."""
    if p < 0.001:
        return "<0.001"
    return f"{p:.2g}" if p < 0.995 else "1"
