"""The inputs the checks give the candidate and the values they expect back.

Runner side only: the expected values never enter a sandbox. The inputs go to the candidate
as the JSON arguments of `probes.py`'s calls and as the command lines' input files.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

DAY = "2026-04-01T"


def moment(text: str) -> datetime:
    """An aware datetime from an ISO 8601 timestamp with an offset."""
    return datetime.fromisoformat(text)


VALID_RECORDS: list[dict[str, Any]] = [
    {
        "id": "d1",
        "service": "api",
        "version": "1.4.2",
        "start": DAY + "10:00:00Z",
        "end": DAY + "10:30:00Z",
    },
    {"id": "d2", "service": "db", "start": DAY + "12:00:00+02:00", "end": DAY + "13:30:00+02:00"},
    {
        "id": "d3",
        "service": "web",
        "start": "2026-03-31T23:30:00-01:00",
        "end": DAY + "01:00:00-01:00",
    },
]
VALID_EXPECTED = [
    ("api", moment(DAY + "10:00:00+00:00"), moment(DAY + "10:30:00+00:00")),
    ("db", moment(DAY + "10:00:00+00:00"), moment(DAY + "11:30:00+00:00")),
    ("web", moment(DAY + "00:30:00+00:00"), moment(DAY + "02:00:00+00:00")),
]
INVALID_WINDOWS: list[tuple[str, dict[str, Any]]] = [
    (
        "end before start",
        {"service": "api", "start": DAY + "11:00:00Z", "end": DAY + "10:00:00Z"},
    ),
    (
        "end equal to start",
        {"service": "api", "start": DAY + "10:00:00Z", "end": DAY + "10:00:00Z"},
    ),
    (
        "end before start once offsets are applied",
        {"service": "api", "start": DAY + "10:30:00Z", "end": DAY + "12:00:00+02:00"},
    ),
]

MERGE_INPUT = [
    (DAY + "10:00", DAY + "10:30"),
    (DAY + "12:00", DAY + "12:10"),
    (DAY + "10:20", DAY + "11:00"),  # overlaps the first
    (DAY + "09:00", DAY + "09:05"),
    (DAY + "11:00", DAY + "11:15"),  # touches the merged 10:00-11:00
    (DAY + "10:05", DAY + "10:10"),  # nested
]
MERGE_EXPECTED = [
    (DAY + "09:00", DAY + "09:05"),
    (DAY + "10:00", DAY + "11:15"),
    (DAY + "12:00", DAY + "12:10"),
]

# (service, start, end), deliberately out of order. Per service after merging:
# db 90 min in 1 window (a nested event, one +02:00), api 75 + 10 min (overlap and touch),
# cache 40 and web 20 + 20 (a tie on 40, broken by name), auth 20 s = 0.33 min.
REPORT_EVENTS = [
    ("api", DAY + "11:00:00Z", DAY + "11:15:00Z"),
    ("web", DAY + "09:30:00Z", DAY + "09:50:00Z"),
    ("api", DAY + "10:00:00Z", DAY + "10:30:00Z"),
    ("db", DAY + "12:00:00+02:00", DAY + "13:30:00+02:00"),
    ("auth", DAY + "07:00:00Z", DAY + "07:00:20Z"),
    ("cache", DAY + "08:00:00Z", DAY + "08:40:00Z"),
    ("api", DAY + "10:20:00Z", DAY + "11:00:00Z"),
    ("web", DAY + "09:00:00Z", DAY + "09:20:00Z"),
    ("api", DAY + "14:00:00Z", DAY + "14:10:00Z"),
    ("db", DAY + "10:30:00Z", DAY + "10:45:00Z"),
]


def _entry(service: str, events: int, windows: int, busy: float, longest: float) -> dict[str, Any]:
    return {
        "service": service,
        "event_count": events,
        "window_count": windows,
        "busy_minutes": busy,
        "longest_window_minutes": longest,
    }


EXPECTED_SERVICES = [
    _entry("db", 2, 1, 90.0, 90.0),
    _entry("api", 4, 2, 85.0, 75.0),
    _entry("cache", 1, 1, 40.0, 40.0),
    _entry("web", 2, 2, 40.0, 20.0),
    _entry("auth", 1, 1, 0.33, 0.33),
]
EXPECTED_REPORT: dict[str, Any] = {
    "event_count": 10,
    "service_count": 5,
    "total_busy_minutes": 255.33,
    "services": EXPECTED_SERVICES,
}
CLI_TOP = 2
EXPECTED_SUMMARY: dict[str, Any] = {
    "event_count": 10,
    "service_count": 5,
    "total_busy_minutes": 255.33,
    "top": EXPECTED_SERVICES[:CLI_TOP],
}
CLI_EVENTS = [
    {"id": f"e{n}", "service": service, "start": start, "end": end}
    for n, (service, start, end) in enumerate(REPORT_EVENTS, 1)
]
CLI_INVALID_EVENTS = [*VALID_RECORDS, INVALID_WINDOWS[0][1]]
