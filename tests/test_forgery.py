"""A candidate earns only what it earns: each way of forging a score, tried as an attacker
would, scores no more than an empty module, while the reference still scores 100.

The checks' verdicts and expected values live in the runner; the sandbox holds only the
candidate, the driver and the calls' inputs, and shows nothing of the host but its system
files. Each hostile candidate (tests/hostile/) reports what it managed on stderr.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.runner import sandbox
from bench.runner.tasks._harness import Assessment
from bench.runner.tasks.deployment_window_analyzer import DeploymentWindowAnalyzer

HOSTILE = Path(__file__).parent / "hostile"
TASK = DeploymentWindowAnalyzer()
REFERENCE = TASK.folder / "reference.py"


@pytest.fixture(scope="module")
def empty_module_score() -> float:
    return TASK.evaluate('"""Nothing here."""\n', None).score


def hostile(name: str, **placeholders: str) -> str:
    source = (HOSTILE / f"{name}.py").read_text()
    for key, value in placeholders.items():
        source = source.replace(f"__{key.upper()}__", value)
    return source


def evidence(assessment: Assessment) -> list[str]:
    lines = b"\n".join(run.stderr for run in assessment.runs.values()).decode().splitlines()
    return [line.removeprefix("EVIDENCE ") for line in lines if line.startswith("EVIDENCE ")]


def test_the_empty_module_scores_what_compiling_and_the_stdlib_are_worth(
    empty_module_score: float,
) -> None:
    assert empty_module_score == 15
    assert TASK.evaluate(TASK.reference_source(), None).score == 100


@pytest.mark.parametrize(
    "name", ["forged_lines", "gc_results", "patched_json", "patched_harness", "always_equal"]
)
def test_tampering_with_the_harness_scores_no_more_than_an_empty_module(
    name: str, empty_module_score: float
) -> None:
    assessment = TASK.assess(hostile(name))
    assert assessment.evaluation.score <= empty_module_score, [
        (c.name, c.outcome, c.detail) for c in assessment.evaluation.checks
    ]


def test_forged_lines_reached_a_descriptor_and_changed_nothing(empty_module_score: float) -> None:
    assessment = TASK.assess(hostile("forged_lines"))
    assert any(m.startswith("wrote to [") and m != "wrote to []" for m in evidence(assessment))
    assert assessment.evaluation.score <= empty_module_score


def test_patching_the_harness_reached_it_and_changed_nothing(empty_module_score: float) -> None:
    assessment = TASK.assess(hostile("patched_harness"))
    patched = [m for m in evidence(assessment) if m.startswith("patched ")]
    # the driver is `__main__` in a fresh interpreter, `bench_driver` in the fork server's
    found = ("__main__.answer", "bench_driver.answer")
    assert patched and any(name in patched[0] for name in found), "the patch found nothing"
    assert assessment.evaluation.score <= empty_module_score


def test_the_reference_is_not_found_through_proc(empty_module_score: float) -> None:
    assert REFERENCE.is_file(), "the reference this test looks for is gone"
    assessment = TASK.assess(hostile("proc_reference"))
    reports = [m for m in evidence(assessment) if m.startswith("processes ")]
    assert reports and all(m.endswith("found []") for m in reports), reports
    assert assessment.evaluation.score <= empty_module_score
    if "procfs" in sandbox.isolation_level():
        assert all(m.startswith(("processes 1 ", "processes 0 ")) for m in reports), reports


def test_a_search_of_the_file_system_finds_no_solution(empty_module_score: float) -> None:
    text = REFERENCE.read_text()
    assert "def merge_windows" in text and "def build_report" in text  # what the search wants
    assessment = TASK.assess(hostile("search_solution"))
    reports = [m for m in evidence(assessment) if m.startswith("entries ")]
    assert reports and all(m.endswith("found []") for m in reports), reports
    assert assessment.evaluation.score <= empty_module_score


@pytest.fixture
def host_sockets(tmp_path: Path) -> Iterator[tuple[str, str, list[socket.socket]]]:
    tmp_path.chmod(0o755)
    path = str(tmp_path / "host.sock")
    name = f"bench-forgery-{os.getpid()}"
    listeners = []
    for address in (path, "\0" + name):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        listener.listen()
        listener.settimeout(0.3)
        listeners.append(listener)
    os.chmod(path, 0o777)
    yield path, name, listeners
    for listener in listeners:
        listener.close()


def test_no_host_unix_socket_is_reachable(
    host_sockets: tuple[str, str, list[socket.socket]], empty_module_score: float
) -> None:
    path, name, listeners = host_sockets
    assessment = TASK.assess(hostile("unix_socket", socket=path, abstract=name))
    outcomes = evidence(assessment)
    assert outcomes and not any("connected" in outcome for outcome in outcomes), outcomes
    for listener in listeners:
        with pytest.raises(TimeoutError):
            listener.accept()
    assert assessment.evaluation.score <= empty_module_score


def test_a_forged_answer_earns_only_what_the_same_behaviour_earns_honestly(
    empty_module_score: float,
) -> None:
    """A call's answer comes from the candidate's own process, so a forged answer is the
    candidate's behaviour: it earns what a candidate that behaves so honestly earns, no more;
    and rejecting every input earns nothing for rejecting invalid windows."""
    honest = "def parse_events(records):\n    raise ValueError('no')\n"
    forged = TASK.evaluate(hostile("forged_answers"), None)
    assert forged.score <= TASK.evaluate(honest, None).score <= empty_module_score
