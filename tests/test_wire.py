"""The wire format between a candidate's process and its judge: the standard library's values
arrive as themselves, and decoding is strict, bounded and never recursive."""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import fractions
import json
from typing import Any

import pytest

from bench.runner.tasks import _wire as wire
from bench.runner.tasks.humaneval import HumanEvalTask, ReferenceFailed
from bench.runner.tasks.humaneval.problems import Problem

VALUES: dict[str, Any] = {
    "none-and-bools": [None, True, False],
    "ints": [0, -1, 2**64, -(10**5000)],  # past Python's 4,300-digit str() limit
    "floats": [0.1, -0.0, 1e308, float("inf"), float("-inf")],
    "complex": 1 - 2j,
    "text": "é\x00\ud800 " * 5000,  # long, with a NUL and a lone surrogate
    "bytes": [b"\x00\xff", bytearray(b"ab")],
    "containers": [[1, (2, 3)], (), {4, 5}, frozenset({6})],
    "dict-keys-keep-their-types": {1: "int", "1": "str", (1, 2): "tuple", None: 0, 1.5: 2},
    "a-dollar-tagged-dict": {"$tuple": [1, 2], "$set": [3]},
    "deque": collections.deque([1, 2], maxlen=5),
    "ordered-and-counter": [collections.OrderedDict(b=1, a=2), collections.Counter("abca")],
    "fraction-and-decimal": [fractions.Fraction(1, 3), decimal.Decimal("-1.10")],
    "range": range(3, 30, 4),
    "dates": [
        dt.datetime(2026, 12, 7, 3, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.date(2020, 2, 29),
        dt.time(23, 59),
        dt.timedelta(days=-1, seconds=5),
    ],
    "nested-100-deep": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
    "ten-thousand-items": list(range(20_000)),
}


@pytest.mark.parametrize("value", VALUES.values(), ids=VALUES.keys())
def test_a_value_comes_back_equal_and_of_the_same_types(value: Any) -> None:
    back = wire.decode(wire.encode(value))
    assert wire.same(back, value)
    if isinstance(value, collections.deque):
        assert back.maxlen == value.maxlen


def test_subclasses_arrive_as_their_base_values() -> None:
    point = collections.namedtuple("Point", "x y")

    class Total(int):
        pass

    back = wire.decode(wire.encode([point(1, 2), Total(7), True]))
    assert back == [(1, 2), 7, True]
    assert [type(x) for x in back] == [tuple, int, bool]


def test_an_iterator_arrives_as_an_iterator_not_a_list() -> None:
    back = wire.decode(wire.encode(x * 2 for x in range(3)))
    assert back != [0, 2, 4] and list(back) == [0, 2, 4]
    assert wire.decode(wire.encode({1: 2}.keys())) == {1}


def test_an_object_with_its_own_eq_is_refused_and_any_other_is_equal_only_to_itself() -> None:
    class Same:
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    class Plain:
        def __init__(self) -> None:
            self.size = 3

    with pytest.raises(wire.Refused, match="defines its own __eq__"):
        wire.encode([Same()])
    back = wire.decode(wire.encode(Plain()))
    assert isinstance(back, wire.Opaque) and back.fields == {"size": 3}
    assert back == back and back != wire.decode(wire.encode(Plain()))


MALFORMED = {
    "json-object": '{"$tuple": [1, 2]}',
    "object-as-a-token": '[{"$tuple": [1, 2]}]',
    "nested-array-as-a-token": '[["s", "x"]]',
    "unknown-tag": '["$tuple", 0]',
    "count-past-the-stack": '["i", "1", "L", 2]',
    "two-values": '["n", "n"]',
    "int-not-hex": '["i", "12z"]',
    "int-upper-case": '["i", "FF"]',
    "duplicate-dict-keys": '["i", "1", "n", "i", "1", "t", "D", 2]',
    "equal-set-items": '["i", "1", "d", "1.0", "S", 2]',
    "unhashable-key": '["L", 0, "n", "D", 1]',
    "nan-constant": '["d", NaN]',
    "new-is-the-candidate-s-side-only": '["new", "X", 0]',
    "deep-json": "[" * 100_000 + "]" * 100_000,
    "deep-tokens": '["n"' + ', "L", 1' * 101 + "]",
    "decimal-too-long": json.dumps(["M", "1" * 2000]),
    "int-too-long": json.dumps(["i", "f" * (wire.MAX_INT_HEX + 1)]),
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_what_is_not_a_value_is_refused_with_a_wire_error(text: str) -> None:
    with pytest.raises(wire.WireError):
        wire.decode(text)


def test_encoding_is_bounded_and_never_recursive() -> None:
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(wire.WireError, match="nested deeper than 100"):
        wire.encode(deep)
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(wire.WireError):
        wire.encode(loop)


LARGE = Problem(
    task_id="HumanEval/0",
    prompt='def big(n: int):\n    """Large values of every kind."""\n',
    entry_point="big",
    canonical_solution=(
        "    return ['x' * 5000, list(range(20000)), 10 ** 5000, {1: 'a', 2: 'b'},"
        " [[[[[[[[[[[[[[[[[[[[[[[[n]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    ),
    test=(
        "def check(candidate):\n"
        "    got = candidate(3)\n"
        "    assert got[0] == 'x' * 5000 and got[1] == list(range(20000))\n"
        "    assert got[2] == 10 ** 5000 and got[3] == {1: 'a', 2: 'b'}\n"
        "    assert got[4] == [[[[[[[[[[[[[[[[[[[[[[[[3]]]]]]]]]]]]]]]]]]]]]]]]\n"
    ),
)


def test_large_values_of_a_reference_pass_their_own_test() -> None:
    task = HumanEvalTask(LARGE)
    assert task.evaluate(task.reference_source(), None).score == 100


def test_a_reference_answer_the_wire_does_not_carry_stops_the_run_loudly() -> None:
    problem = Problem(
        task_id="HumanEval/0",
        prompt='def odd():\n    """An object of its own class, equal to everything."""\n',
        entry_point="odd",
        canonical_solution=(
            "    class Same:\n        def __eq__(self, other):\n            return True\n"
            "    return Same()\n"
        ),
        test="def check(candidate):\n    assert candidate() == 1\n",
    )
    task = HumanEvalTask(problem)
    with pytest.raises(ReferenceFailed, match=r"HumanEval/0: the canonical solution fails"):
        task.evaluate(task.reference_source(), None)
