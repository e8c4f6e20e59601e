"""The site's home page: every archived run, newest first, grouped by benchmark.

The table is complete without JavaScript; `assets/index.js` adds filters (benchmark, model,
host, date range, free text) and sortable columns, reading the `data-*` attributes written here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from jinja2 import Environment

from bench.record.analysis import RunAnalysis
from bench.record.safety import printable
from bench.record.schema import METHODOLOGY_VERSION
from bench.site import fmt, summary
from bench.site.report import report_path

DATE_FORMAT = "%Y-%m-%d %H:%M"
TEMPLATE = "bench/index.html"


@dataclass(frozen=True)
class IndexEntry:
    """One run as the index lists it; computed by the same analysis the run page uses."""

    benchmark_id: str
    run_id: str
    title: str
    date: str
    host: str
    best_direct: str
    best_cascade: str
    href: str
    status: str
    methodology_version: int
    models: tuple[str, ...]
    sort_key: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    best_direct_score: float | None
    best_cascade_score: float | None

    @classmethod
    def of(cls, run: RunAnalysis) -> IndexEntry:
        r = run.record
        best_direct, best_cascade = run.best_direct, run.best_cascade
        return cls(
            benchmark_id=r.benchmark_id,
            run_id=r.run_id,
            title=r.title,
            date=r.started_at.strftime(DATE_FORMAT),
            host=r.host,
            best_direct=summary.best_direct_text(run),
            best_cascade=summary.best_cascade_text(run),
            href=report_path(r),
            status=r.status.value,
            methodology_version=r.methodology_version,
            models=tuple(d.tag for d in run.direct),
            sort_key=r.started_at.isoformat() + r.run_id,
            started_at=r.started_at,
            finished_at=r.finished_at,
            best_direct_score=best_direct.score.median if best_direct else None,
            best_cascade_score=best_cascade.score.median if best_cascade else None,
        )

    @property
    def notes(self) -> tuple[str, ...]:
        found = []
        if self.status != "complete":
            found.append(self.status)
        if self.methodology_version < METHODOLOGY_VERSION:
            found.append(f"methodology v{self.methodology_version}")
        return tuple(found)

    @property
    def models_json(self) -> str:
        """The models as a JSON list, for the filter script: as the filter's options show them
        (control characters made visible, as in every built file)."""
        return json.dumps([printable(m) for m in self.models], ensure_ascii=False)

    @property
    def best_direct_value(self) -> str | None:
        """The sortable number behind `best_direct`, or None."""
        return _score_value(self.best_direct_score)

    @property
    def best_cascade_value(self) -> str | None:
        return _score_value(self.best_cascade_score)


def newest_first(entries: Iterable[IndexEntry]) -> list[IndexEntry]:
    return sorted(entries, key=lambda x: x.sort_key, reverse=True)


@dataclass(frozen=True)
class Column:
    label: str
    sort: str  # how index.js sorts it: date, text, number


COLUMNS = (
    Column("Date (UTC)", "date"),
    Column("Run", "text"),
    Column("Host", "text"),
    Column("Best direct", "number"),
    Column("Best cascade", "number"),
    Column("Notes", "text"),
)


@dataclass(frozen=True)
class BenchmarkGroup:
    """One benchmark's runs, newest first, and the link to its trends page."""

    benchmark_id: str
    title: str
    entries: tuple[IndexEntry, ...]
    trends_href: str | None

    @property
    def count(self) -> str:
        n = len(self.entries)
        return f"{n} run{'s' if n != 1 else ''}"


@dataclass(frozen=True)
class IndexPage:
    """The runs index: the filters' choices and each benchmark's runs, newest group first."""

    feed: str | None
    benchmarks: tuple[str, ...]
    models: tuple[str, ...]
    hosts: tuple[str, ...]
    columns: tuple[Column, ...]
    groups: tuple[BenchmarkGroup, ...]


def index_page(
    entries: Sequence[IndexEntry],
    *,
    trends: Mapping[str, str] | None = None,
    feed: str | None = None,
) -> IndexPage:
    """The model of the runs index; links are relative to the site root.

    Args:
        trends: benchmark id -> path of its trends page, linked from its section.
        feed: path of the Atom feed of runs, linked above the tables.
    """
    groups: dict[str, list[IndexEntry]] = defaultdict(list)
    for entry in newest_first(entries):
        groups[entry.benchmark_id].append(entry)
    by_newest = sorted(groups.values(), key=lambda g: g[0].sort_key, reverse=True)
    return IndexPage(
        feed=feed,
        benchmarks=tuple(sorted({x.benchmark_id for x in entries})),
        models=tuple(sorted({tag for x in entries for tag in x.models})),
        hosts=tuple(sorted({x.host for x in entries})),
        columns=COLUMNS,
        groups=tuple(
            BenchmarkGroup(
                g[0].benchmark_id, g[0].title, tuple(g), (trends or {}).get(g[0].benchmark_id)
            )
            for g in by_newest
        ),
    )


def render_index(
    env: Environment,
    entries: Sequence[IndexEntry],
    *,
    trends: Mapping[str, str] | None = None,
    feed: str | None = None,
) -> str:
    """HTML for the runs index, from the build's `bench/index.html`; see `index_page`."""
    page = index_page(entries, trends=trends, feed=feed)
    return env.get_template(TEMPLATE).render(index=page)


def _score_value(score: float | None) -> str | None:
    return None if score is None else fmt.number(score, 3)
