"""The checks of the task and their weights: methodology version 2."""

from __future__ import annotations

from bench.record.schema import CheckSpec

CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        name="python_compile",
        weight=10,
        gate=True,
        description=(
            "The candidate is not empty and compiles. The gate: a candidate that fails it "
            "scores 0 and its other checks are skipped."
        ),
    ),
    CheckSpec(
        name="parse_events_rejects_invalid_window",
        weight=10,
        description=(
            "parse_events raises ValueError for an event whose end is before its start, "
            "equal to its start, or before its start once UTC offsets are applied."
        ),
    ),
    CheckSpec(
        name="merge_overlaps_expected_windows",
        weight=15,
        description=(
            "merge_windows turns out-of-order overlapping, touching and nested windows into "
            "the expected merged windows, sorted by start; an empty list gives []."
        ),
    ),
    CheckSpec(
        name="build_report_expected_metrics",
        weight=15,
        description=(
            "build_report gives the expected counts, per-service event and window counts, busy "
            "and longest-window minutes, and service order (ties by name) for a fixed event set."
        ),
    ),
    CheckSpec(
        name="cli_prints_json_with_top",
        weight=15,
        description=(
            "The command line with --top 2 exits 0 and prints one JSON object with the expected "
            "counts, total and top 2 service entries."
        ),
    ),
    CheckSpec(
        name="cli_output_file",
        weight=10,
        description="The command line with --output writes the full expected report there as JSON.",
    ),
    CheckSpec(
        name="parse_events_valid_input",
        weight=10,
        description=(
            "parse_events returns the events in input order, with start and end converted to "
            "UTC from mixed offsets, ignoring extra keys."
        ),
    ),
    CheckSpec(
        name="cli_rejects_invalid_input",
        weight=10,
        description=(
            "The command line given an event whose end is before its start exits 1 with an "
            "error message on stderr (no traceback) and writes no output file."
        ),
    ),
    CheckSpec(
        name="stdlib_only",
        weight=5,
        description="The candidate imports only modules of the Python standard library.",
    ),
)
