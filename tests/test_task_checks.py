"""The `deployment_window_analyzer` task: its checks score the reference 100 and each known-bad
variant of it exactly what the checks it breaks are worth."""

from __future__ import annotations

import re

import pytest

from bench.record.schema import CheckOutcome, Evaluation
from bench.runner.tasks import get_task, task_ids
from bench.runner.tasks.deployment_window_analyzer import CHECKS, DeploymentWindowAnalyzer

TASK = DeploymentWindowAnalyzer()
REFERENCE = TASK.reference_source()
WEIGHT = {spec.name: spec.weight for spec in CHECKS}


def variant(*edits: tuple[str, str]) -> str:
    """The reference with each `old` replaced by `new` (every `old` must be in it)."""
    source = REFERENCE
    for old, new in edits:
        assert source.count(old) == 1, f"the reference no longer holds {old!r}"
        source = source.replace(old, new)
    return source


def failed(evaluation: Evaluation) -> dict[str, str | None]:
    return {c.name: c.detail for c in evaluation.checks if c.outcome is CheckOutcome.FAILED}


def test_checks_follow_methodology_version_2() -> None:
    names = [spec.name for spec in CHECKS]
    assert names[:6] == [
        "python_compile",
        "parse_events_rejects_invalid_window",
        "merge_overlaps_expected_windows",
        "build_report_expected_metrics",
        "cli_prints_json_with_top",
        "cli_output_file",
    ]
    assert sum(WEIGHT.values()) == 100
    assert [spec.name for spec in CHECKS if spec.gate] == ["python_compile"]
    assert all(spec.description and not spec.weight_inferred for spec in CHECKS)


def test_get_task_knows_the_task_and_names_the_known_ones_otherwise() -> None:
    task = get_task("deployment_window_analyzer")
    assert task.candidate_name == "deployment_window_analyzer.py"
    assert task.checks == CHECKS
    assert task_ids()[0] == "deployment_window_analyzer"
    with pytest.raises(ValueError, match=r"unknown task 'nope'; known tasks: deployment_window"):
        get_task("nope")


def test_the_prompt_states_the_interface_the_checks_use() -> None:
    prompt = TASK.prompt()
    for term in (
        "deployment_window_analyzer.py",
        "standard library",
        "DeploymentEvent(service=..., start=..., end=...)",
        "parse_events(records: list[dict]) -> list[DeploymentEvent]",
        "merge_windows(windows: list[tuple[datetime, datetime]])",
        "build_report(events: list[DeploymentEvent]) -> dict",
        "`ValueError`",
        "--top N",
        "--output PATH",
        "exit with status 1",
        *("event_count", "service_count", "total_busy_minutes", "services", "top"),
        *("window_count", "busy_minutes", "longest_window_minutes"),
    ):
        assert term in prompt, term


def test_the_refine_prompt_holds_the_task_and_the_draft_in_a_safe_fence() -> None:
    draft = 'def f():\n    return "```"  # a fence inside the draft\n'
    prompt = TASK.refine_prompt(draft)
    assert TASK.prompt().strip() in prompt
    assert "````python\n" + draft + "````" in prompt
    assert "{{" not in prompt


def test_the_reference_scores_100() -> None:
    evaluation = TASK.evaluate(REFERENCE, "candidates/reference.py")
    assert evaluation.score == 100, failed(evaluation)
    assert [c.name for c in evaluation.checks] == [spec.name for spec in CHECKS]
    assert evaluation.candidate is not None
    assert evaluation.candidate.name == "deployment_window_analyzer.py"
    assert evaluation.candidate.path == "candidates/reference.py"
    assert evaluation.eval_wall_s is not None and evaluation.eval_wall_s < 5


@pytest.mark.parametrize("source", ["def broken(:\n    pass\n", "", "   \n"])
def test_a_candidate_that_does_not_compile_scores_0_with_the_rest_skipped(source: str) -> None:
    evaluation = TASK.evaluate(source, None)
    assert evaluation.score == 0
    gate, *others = evaluation.checks
    assert gate.outcome is CheckOutcome.FAILED and gate.detail
    assert all(c.outcome is CheckOutcome.SKIPPED and c.detail is None for c in others)


ACCEPTS_INVALID_WINDOWS = variant(("if end <= start:", "if False:"))
MERGES_ONLY_OVERLAPS = variant(("start <= merged[-1][1]:", "start < merged[-1][1]:"))
KEEPS_OFFSETS = variant(("return moment.astimezone(UTC)", "return moment"))
DROPS_OFFSETS = variant(
    ("fromisoformat(value)", "fromisoformat(value[:19]).replace(tzinfo=UTC)"),
)
IGNORES_TOP = variant(('report["services"][: args.top]', 'report["services"]'))
WRITES_NO_FILE = variant(("    if args.output:\n", "    if False:\n"))
TRACEBACK_ON_BAD_INPUT = variant(("except (OSError, ValueError) as", "except OSError as"))
CLI_RUNS_ON_IMPORT = variant(
    ('if __name__ == "__main__":\n    sys.exit(main())', "sys.exit(main())")
)
THIRD_PARTY_IMPORT = variant(
    (
        "import argparse\n",
        "import argparse\n\ntry:\n    import numpy\nexcept ImportError:\n    pass\n",
    ),
)
TIES_UNBROKEN = variant(('(-entry["busy_minutes"], entry["service"])', '-entry["busy_minutes"]'))
MERGE_HANGS = variant(
    (
        "    merged: list[Window] = []\n",
        "    while True:\n        pass\n    merged: list[Window] = []\n",
    ),
)


@pytest.mark.parametrize(
    ("source", "broken_checks"),
    [
        pytest.param(
            ACCEPTS_INVALID_WINDOWS,
            {
                "parse_events_rejects_invalid_window": "accepted an event with end before start",
                "cli_rejects_invalid_input": "exit status 0",
            },
            id="accepts-invalid-windows",
        ),
        pytest.param(
            MERGES_ONLY_OVERLAPS,
            {
                "merge_overlaps_expected_windows": (
                    "merged windows are [09:00-09:05, 10:00-11:00, 11:00-11:15, 12:00-12:10]"
                ),
                "build_report_expected_metrics": "report.services[1].window_count is 3, expected 2",
                "cli_prints_json_with_top": "stdout.top[1].window_count is 3",
                "cli_output_file": "report.json.services[1].window_count is 3",
            },
            id="merges-only-strict-overlaps",
        ),
        pytest.param(
            KEEPS_OFFSETS, {"parse_events_valid_input": "is not in UTC"}, id="keeps-offsets"
        ),
        pytest.param(
            DROPS_OFFSETS,
            {
                "parse_events_rejects_invalid_window": "end before start once offsets are applied",
                "parse_events_valid_input": "event 1: start is datetime.datetime(2026, 4, 1, 12, 0",
                "cli_prints_json_with_top": "stdout.total_busy_minutes is 270.33, expected 255.33",
                "cli_output_file": "report.json.total_busy_minutes is 270.33",
            },
            id="drops-offsets",
        ),
        pytest.param(
            IGNORES_TOP,
            {"cli_prints_json_with_top": "stdout.top has 5 entries, expected 2"},
            id="ignores-top",
        ),
        pytest.param(
            WRITES_NO_FILE,
            {"cli_output_file": "no file written at --output report.json"},
            id="writes-no-file",
        ),
        pytest.param(
            TRACEBACK_ON_BAD_INPUT,
            {"cli_rejects_invalid_input": "printed a traceback instead of an error message"},
            id="traceback-on-bad-input",
        ),
        pytest.param(
            CLI_RUNS_ON_IMPORT,
            {
                "parse_events_rejects_invalid_window": "importing the module raised SystemExit",
                "merge_overlaps_expected_windows": "importing the module raised SystemExit",
                "build_report_expected_metrics": "importing the module raised SystemExit",
                "parse_events_valid_input": "importing the module raised SystemExit",
            },
            id="cli-runs-on-import",
        ),
        pytest.param(
            THIRD_PARTY_IMPORT, {"stdlib_only": "standard library: numpy"}, id="third-party-import"
        ),
        pytest.param(
            TIES_UNBROKEN,
            {
                "build_report_expected_metrics": "services[2].service is 'web', expected 'cache'",
                "cli_output_file": "report.json.services[2].service is 'web'",
            },
            id="ties-unbroken",
        ),
        pytest.param(
            MERGE_HANGS,
            {
                "merge_overlaps_expected_windows": "timed out after 2 s",
                "build_report_expected_metrics": "timed out after 2 s",
                "cli_prints_json_with_top": "the command timed out after 2 s",
                "cli_output_file": "no file written at --output report.json (the command timed out",
            },
            id="merge-hangs",
        ),
    ],
)
def test_a_known_bad_variant_loses_exactly_the_checks_it_breaks(
    source: str, broken_checks: dict[str, str]
) -> None:
    evaluation = TASK.evaluate(source, None)
    found = failed(evaluation)
    assert set(found) == set(broken_checks), found
    for name, expected in broken_checks.items():
        assert expected in (found[name] or ""), (name, found[name])
    assert evaluation.score == pytest.approx(100 - sum(WEIGHT[name] for name in broken_checks))


def test_details_are_short_and_printable() -> None:
    evaluation = TASK.evaluate(MERGES_ONLY_OVERLAPS, None)
    for detail in failed(evaluation).values():
        assert detail is not None and len(detail) <= 300
        assert re.fullmatch(r"[^\n\r]+", detail)
