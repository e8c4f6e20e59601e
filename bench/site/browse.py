"""Browsing many runs: each benchmark's page (leaderboard, newest runs, months), its month
archive pages, each model's page, and the compact data file the home page's filters load.

The home page lists only the newest runs (`bench.site.index`); everything else is one link
away, so no page grows with the archive: a benchmark page with its models, a month page with
that month's runs. Links are relative to the page that holds them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from bench.record.analysis import RunAnalysis
from bench.record.history import Mark, marks, paired_changes
from bench.record.models import ModelIdentity
from bench.record.safety import FORMAT_CONTROLS, printable
from bench.site.figures import Figures
from bench.site.index import COLUMNS, Column, IndexEntry, newest_first
from bench.site.leaderboard import (
    RANKING_NOTE,
    LeaderboardRow,
    ModelRun,
    leaderboard,
    marks_text,
)
from bench.site.report import Section

BENCHMARK_PAGE = "index"  # <benchmark>/index.html
MONTHS_FOLDER = "archive"  # <benchmark>/archive/YYYY-MM.html
DATA_FOLDER = "runs"  # <benchmark>/runs/YYYY-MM.js: the filters' data, a file a month
DATA_PART_BYTES = 150_000  # a month's file is split in parts of about this size at most
NEWEST_ON_BENCHMARK_PAGE = 20
MONTH_PAGE_RUNS = 250  # a month's runs a page lists (~140 kB); a busier month has more pages


@dataclass(frozen=True)
class Neighbours:
    """The runs before a run: the previous on its host (marks), the one it is compared with."""

    on_host: IndexEntry | None
    compared: IndexEntry | None  # the previous on its host, else the previous on any


def neighbours(runs: Iterable[IndexEntry]) -> dict[str, Neighbours]:
    """By run href: the previous run of the same benchmark, on the same host first."""
    by_benchmark: dict[str, list[IndexEntry]] = defaultdict(list)
    for run in runs:
        by_benchmark[run.benchmark_id].append(run)
    found = {}
    for group in by_benchmark.values():
        group.sort(key=lambda r: (r.started_at.isoformat(), r.run_id))
        last_on: dict[str, IndexEntry] = {}
        before: IndexEntry | None = None
        for run in group:
            on_host = last_on.get(run.host)
            found[run.href] = Neighbours(on_host, on_host or before)
            last_on[run.host] = before = run
    return found


def pair_marks(previous: RunAnalysis, run: RunAnalysis) -> tuple[Mark, ...]:
    return marks(paired_changes(previous, run))


def with_marks(entry: IndexEntry, found: Sequence[Mark]) -> IndexEntry:
    return entry.changed(marks=marks_text(found)) if found else entry


@dataclass(frozen=True)
class Month:
    label: str  # YYYY-MM
    href: str  # from the benchmark's page
    count: int


@dataclass(frozen=True)
class BenchmarkPage:
    benchmark_id: str
    title: str
    total: int
    leaderboard: tuple[LeaderboardRow, ...]
    newest: tuple[IndexEntry, ...]
    months: tuple[Month, ...]  # newest first
    columns: tuple[Column, ...]
    trends_href: str | None
    up: str = "../"  # from the page to the site root
    ranking_note: str = RANKING_NOTE  # how the leaderboard ranks, and ties
    sections: tuple[Section, ...] = (
        Section("leaderboard", "Leaderboard"),
        Section("newest-runs", "Newest runs"),
        Section("months", "Runs by month"),
    )

    @property
    def page_src(self) -> str:
        return f"{self.benchmark_id}/{BENCHMARK_PAGE}.md"


@dataclass(frozen=True)
class MonthPage:
    """A month's runs, or a part of them: `YYYY-MM.html` the newest `MONTH_PAGE_RUNS`,
    `YYYY-MM-2.html` the ones before them, and so on."""

    benchmark_id: str
    title: str
    month: str
    entries: tuple[IndexEntry, ...]  # newest first
    columns: tuple[Column, ...]
    newer: Month | None  # the page before this one, newest first: a part or a month
    older: Month | None
    up: str = "../../"
    sections: tuple[Section, ...] = (Section("runs", "Runs"),)
    part: int = 1
    parts: int = 1
    runs: int = 0  # the month's, on every part of it
    first: int = 1  # the number of this page's first run in the month, newest first

    @property
    def page_src(self) -> str:
        return f"{self.benchmark_id}/{MONTHS_FOLDER}/{month_page_name(self.month, self.part)}.md"

    @property
    def label(self) -> str:
        return self.month if self.parts == 1 else f"{self.month} ({self.part} of {self.parts})"


def month_page_name(month: str, part: int = 1) -> str:
    return month if part == 1 else f"{month}-{part}"


def month_of(entry: IndexEntry) -> str:
    return entry.started_at.strftime("%Y-%m")


def benchmark_pages(
    entries: Sequence[IndexEntry],
    models: Mapping[str, Mapping[ModelIdentity, Sequence[ModelRun]]],
    trends: Mapping[str, str],
    figures: Figures | None = None,
) -> tuple[list[BenchmarkPage], list[MonthPage]]:
    """Each benchmark's page and its month pages; `trends` maps a benchmark to its trends page;
    `figures`: the leaderboards' figures kept between builds."""
    groups: dict[str, list[IndexEntry]] = defaultdict(list)
    for entry in newest_first(entries):
        groups[entry.benchmark_id].append(entry)
    pages, month_pages = [], []
    for benchmark_id, group in sorted(groups.items()):
        by_month: dict[str, list[IndexEntry]] = defaultdict(list)
        for entry in group:
            by_month[month_of(entry)].append(entry)
        months = [
            Month(label, f"{MONTHS_FOLDER}/{label}.html", len(runs))
            for label, runs in sorted(by_month.items(), reverse=True)
        ]
        trends_href = trends.get(benchmark_id)
        pages.append(
            BenchmarkPage(
                benchmark_id=benchmark_id,
                title=group[0].title,
                total=len(group),
                leaderboard=tuple(leaderboard(benchmark_id, models.get(benchmark_id, {}), figures)),
                newest=tuple(group[:NEWEST_ON_BENCHMARK_PAGE]),
                months=tuple(months),
                columns=COLUMNS,
                trends_href=trends_href.removeprefix(f"{benchmark_id}/") if trends_href else None,
            )
        )
        month_pages += _month_pages(benchmark_id, group[0].title, months, by_month)
    return pages, month_pages


def _month_pages(
    benchmark_id: str,
    title: str,
    months: Sequence[Month],
    by_month: Mapping[str, Sequence[IndexEntry]],
) -> list[MonthPage]:
    """Each month's pages, newest first, each linking the page before and after it."""
    found = []
    for month in months:
        runs = by_month[month.label]
        parts = -(-len(runs) // MONTH_PAGE_RUNS)
        for part in range(1, parts + 1):
            start = (part - 1) * MONTH_PAGE_RUNS
            found.append(
                MonthPage(
                    benchmark_id=benchmark_id,
                    title=title,
                    month=month.label,
                    entries=tuple(runs[start : start + MONTH_PAGE_RUNS]),
                    columns=COLUMNS,
                    newer=None,
                    older=None,
                    part=part,
                    parts=parts,
                    runs=len(runs),
                    first=start + 1,
                )
            )
    links = [
        Month(p.label, f"{month_page_name(p.month, p.part)}.html", len(p.entries)) for p in found
    ]
    return [
        dataclasses.replace(
            page,
            newer=links[n - 1] if n > 0 else None,
            older=links[n + 1] if n + 1 < len(found) else None,
        )
        for n, page in enumerate(found)
    ]


def data_rows(entries: Iterable[IndexEntry]) -> list[object]:
    """The runs as the home page's filters read them, newest first; links from the site root.
    Control characters are made visible (`\\x00`), as in every built file."""
    return [_printable(row) for row in _rows(newest_first(entries))]


def _printable(value: object) -> object:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value


def _rows(entries: Iterable[IndexEntry]) -> Iterator[dict[str, object]]:
    return (
        {
            "benchmark": x.benchmark_id,
            "run": x.run_id,
            "date": x.date,
            "time": x.started_at.isoformat(),
            "host": x.host,
            "host_print": x.host_print,
            "cpu": x.cpu,
            "gpus": None if x.gpus_json is None else json.loads(x.gpus_json),
            "models": list(x.models),
            "tags": list(x.model_tags),
            "best_direct": x.best_direct,
            "best_direct_value": x.best_direct_value,
            "best_cascade": x.best_cascade,
            "best_cascade_value": x.best_cascade_value,
            "notes": ", ".join(x.notes),
            "href": x.href,
            "failed": x.failed,
        }
        for x in entries
    )


# How json.dumps(ensure_ascii=False) writes a character `printable` shows as `\x..`: a C0
# control as \u00XX, \b or \f; DEL, a C1 control, a non-character or a format control as
# itself. JSON with none of these holds no such value, and needs no pass over every value
# (~0.5 s at 10,000 runs).
_MAYBE_CONTROL = re.compile(rf"\\u00[01][0-9a-f]|\\[bf]|[\x7f-\x9f\ufffe\uffff{FORMAT_CONTROLS}]")


def data_files(
    benchmark_id: str, entries: Iterable[IndexEntry], kept: Figures | None = None
) -> dict[str, str]:
    """The filters' data of a benchmark, a file a month: `<benchmark>/runs/YYYY-MM.js`, split
    in parts (`YYYY-MM-2.js`, ...) when a month's runs are more than `DATA_PART_BYTES`, so no
    file grows with the archive and a filter on dates loads only its months. Each is JSON,
    escaped to ASCII, assigned to one global under its path: a script file, never an inline
    script, loaded alike over HTTP and from file:// (where a browser fetches nothing). A part
    holds its month's runs oldest first, so a run added changes only its month's last part.
    `kept`: each month's parts kept between builds, under the key of its runs' inputs."""
    by_month: dict[str, list[IndexEntry]] = defaultdict(list)
    for entry in reversed(newest_first(entries)):
        by_month[month_of(entry)].append(entry)
    files = {}
    for month, runs in sorted(by_month.items()):
        if kept is None or kept.folder is None:
            parts = list(_parts(runs))
        else:
            key = kept.key(benchmark_id, month, *(_entry_inputs(kept, e) for e in runs))
            parts = kept.texts(key, functools.partial(_month_parts, runs))
        for n, part in enumerate(parts):
            stem = data_stem(benchmark_id, month, n)
            files[f"{stem}.js"] = (
                f"(window.benchRunData = window.benchRunData || {{}})[{json.dumps(stem)}] = "
                f"{part};\n"
            )
    return files


def _month_parts(runs: Sequence[IndexEntry]) -> list[str]:
    return list(_parts(runs))


def _entry_inputs(kept: Figures, entry: IndexEntry) -> str:
    """What makes a run's row: its record (its listed entry) and what the site changes in that
    entry (the site's names of its models, its marks)."""
    changed = (entry.models, entry.best_direct, entry.best_cascade, entry.marks)
    return f"{kept.sources[entry.href]}{changed!r}"


def data_stem(benchmark_id: str, month: str, part: int = 0) -> str:
    """A data file's path from the site root, without `.js`: the key its rows are set under."""
    return f"{benchmark_id}/{DATA_FOLDER}/{month}" + (f"-{part + 1}" if part else "")


def data_sources(files: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """benchmark id -> month -> the stems of its data files, in order, from their paths: what
    the home page's filters load (`assets/index.js`)."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for benchmark_id, month, _, stem in sorted(_data_file(path) for path in files):
        found[benchmark_id][month].append(stem)
    return {b: dict(months) for b, months in found.items()}


def _data_file(path: str) -> tuple[str, str, int, str]:
    """`<benchmark>/runs/YYYY-MM[-N].js` -> (benchmark, month, N, stem)."""
    stem = path.removesuffix(".js")
    benchmark_id, folder, name = stem.split("/")
    assert folder == DATA_FOLDER, path
    return benchmark_id, name[:7], int(name[8:] or 1), stem


def _parts(runs: Sequence[IndexEntry]) -> Iterator[str]:
    """The month's rows as JSON lists (ASCII) of at most about `DATA_PART_BYTES` each."""
    rows: list[str] = []
    size = 0
    for row in _rows(runs):
        shown: object = row
        if _MAYBE_CONTROL.search(json.dumps(row, ensure_ascii=False, separators=(",", ":"))):
            shown = _printable(row)  # else it holds no control: the same as data_rows'
        text = json.dumps(shown, ensure_ascii=True, separators=(",", ":"))
        if rows and size + len(text) > DATA_PART_BYTES:
            yield "[" + ",".join(rows) + "]"
            rows, size = [], 0
        rows.append(text)
        size += len(text) + 1
    yield "[" + ",".join(rows) + "]"
