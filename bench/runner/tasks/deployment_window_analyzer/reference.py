"""Analyze deployment windows: parse events, merge overlapping windows, report per service.

The reference solution of the `deployment_window_analyzer` task: it scores 100.

    python deployment_window_analyzer.py events.json --top 3 --output report.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class DeploymentEvent:
    service: str
    start: datetime
    end: datetime


def parse_events(records: list[dict[str, Any]]) -> list[DeploymentEvent]:
    """Events from decoded JSON records, in input order, timestamps in UTC."""
    events = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise ValueError(f"event {index}: expected an object, found {type(record).__name__}")
        service = record.get("service")
        if not isinstance(service, str) or not service:
            raise ValueError(f"event {index}: 'service' must be a non-empty string")
        start = _timestamp(record, "start", index)
        end = _timestamp(record, "end", index)
        if end <= start:
            raise ValueError(
                f"event {index}: invalid window, end {end.isoformat()} "
                f"is not after start {start.isoformat()}"
            )
        events.append(DeploymentEvent(service, start, end))
    return events


def _timestamp(record: dict[str, Any], key: str, index: int) -> datetime:
    value = record.get(key)
    if not isinstance(value, str):
        raise ValueError(f"event {index}: {key!r} must be an ISO 8601 timestamp string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"event {index}: {key!r} is not an ISO 8601 timestamp: {value!r}"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"event {index}: {key!r} has no UTC offset: {value!r}")
    return moment.astimezone(UTC)


def merge_windows(windows: list[Window]) -> list[Window]:
    """Merge windows that overlap or touch; sorted by start."""
    merged: list[Window] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _minutes(window: Window) -> float:
    return (window[1] - window[0]).total_seconds() / 60


def build_report(events: list[DeploymentEvent]) -> dict[str, Any]:
    by_service: dict[str, list[Window]] = defaultdict(list)
    for event in events:
        by_service[event.service].append((event.start, event.end))
    services: list[dict[str, Any]] = []
    for service, windows in by_service.items():
        minutes = [_minutes(window) for window in merge_windows(windows)]
        services.append(
            {
                "service": service,
                "event_count": len(windows),
                "window_count": len(minutes),
                "busy_minutes": round(sum(minutes), 2),
                "longest_window_minutes": round(max(minutes), 2),
            }
        )
    services.sort(key=lambda entry: (-entry["busy_minutes"], entry["service"]))
    return {
        "event_count": len(events),
        "service_count": len(services),
        "total_busy_minutes": round(sum(entry["busy_minutes"] for entry in services), 2),
        "services": services,
    }


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Report busy deployment windows per service.")
    parser.add_argument("input", help="JSON file: an array of deployment events")
    parser.add_argument("--top", type=_positive_int, default=3, help="service entries to print")
    parser.add_argument("--output", help="also write the full report to this JSON file")
    args = parser.parse_args(argv)
    try:
        with open(args.input, encoding="utf-8") as file:
            records = json.load(file)
        if not isinstance(records, list):
            raise ValueError("the input must be a JSON array of events")
        report = build_report(parse_events(records))
    except (OSError, ValueError) as error:
        print(f"error: {args.input}: {error}", file=sys.stderr)
        return 1
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            json.dump(report, file, indent=2)
    summary = {key: report[key] for key in ("event_count", "service_count", "total_busy_minutes")}
    summary["top"] = report["services"][: args.top]
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
