"""The checks of the example task, the calls that probe the candidate, and the verdicts that
judge its answers in the runner, against expected values the candidate never sees."""

from __future__ import annotations

from bench.record.schema import CheckSpec
from bench.runner.tasks._answers import Answers, CheckFailed, brief, plain_text
from bench.runner.tasks._harness import Call

__all__ = ["CALLS", "CHECKS", "VERDICTS"]

CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        name="python_compile",
        weight=10,
        gate=True,
        description="The candidate compiles. The gate: when it fails, the other checks skip.",
    ),
    CheckSpec(
        name="counts_words",
        weight=40,
        description="Counts lower-cased runs of a-z, most frequent first, at most n of them.",
    ),
    CheckSpec(
        name="ties_in_alphabetical_order",
        weight=30,
        description="Words with the same count come in alphabetical order.",
    ),
    CheckSpec(
        name="rejects_n_below_one",
        weight=20,
        description="n = 0 raises ValueError; a text with no words gives [].",
    ),
)

# Each call runs in the candidate's sandbox; its answer comes back as a plain value.
CALLS: tuple[Call, ...] = (
    Call("counts", "top_words", ("It's the cat, the hat; THE end. 42 cats!", 2)),
    Call("ties", "top_words", ("pear fig apple fig pear apple kiwi", 3)),
    Call("zero", "top_words", ("some words", 0)),
    Call("empty", "top_words", ("1, 2, 3!", 5)),
)


def python_compile(answers: Answers) -> None:
    error = answers.static()["compile_error"]
    if error is not None:
        raise CheckFailed(plain_text(error))


def _expect(answers: Answers, call: str, expected: list[tuple[str, int]]) -> None:
    got = answers.call(call).value()
    if [tuple(pair) if isinstance(pair, list | tuple) else pair for pair in got] != expected:
        raise CheckFailed(f"{call}: got {brief(got)}, expected {expected}")


def counts_words(answers: Answers) -> None:
    _expect(answers, "counts", [("the", 3), ("cat", 1)])


def ties_in_alphabetical_order(answers: Answers) -> None:
    _expect(answers, "ties", [("apple", 2), ("fig", 2), ("pear", 2)])


def rejects_n_below_one(answers: Answers) -> None:
    zero = answers.call("zero")
    if not zero.raised("ValueError"):
        raise CheckFailed(f"top_words(..., 0) did not raise ValueError: {zero.failure()}")
    _expect(answers, "empty", [])


VERDICTS = {
    "python_compile": python_compile,
    "counts_words": counts_words,
    "ties_in_alphabetical_order": ties_in_alphabetical_order,
    "rejects_n_below_one": rejects_n_below_one,
}
