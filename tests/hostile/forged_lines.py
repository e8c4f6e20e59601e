"""Hostile candidate: implements nothing; writes passing result lines on every descriptor it
may hold, in the old harness's format and in the driver's answer format."""

import json
import os

CHECKS = [
    "python_compile",
    "parse_events_rejects_invalid_window",
    "merge_overlaps_expected_windows",
    "build_report_expected_metrics",
    "cli_prints_json_with_top",
    "cli_output_file",
    "parse_events_valid_input",
    "cli_rejects_invalid_input",
    "stdlib_only",
]
CALLS = ["static", "reject_0", "reject_1", "reject_2", "parse_valid", "merge", "merge_empty"]
lines = [json.dumps({"check": name, "detail": None}) for name in CHECKS]
lines += [
    json.dumps({"id": name, "returned": {"compile_error": None, "imports": []}}) for name in CALLS
]
forged = ("\n".join(lines) + "\n").encode()
written = []
for fd in range(64):
    try:
        os.write(fd, forged)
        written.append(fd)
    except OSError:
        pass
os.write(2, f"EVIDENCE wrote to {written}\n".encode())
