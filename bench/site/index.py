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

from bench.record.analysis import RunAnalysis
from bench.record.safety import printable
from bench.record.schema import METHODOLOGY_VERSION
from bench.site import fmt, summary
from bench.site.report import e, report_path

DATE_FORMAT = "%Y-%m-%d %H:%M"


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


def newest_first(entries: Iterable[IndexEntry]) -> list[IndexEntry]:
    return sorted(entries, key=lambda x: x.sort_key, reverse=True)


def render_index(
    entries: Sequence[IndexEntry],
    *,
    trends: Mapping[str, str] | None = None,
    feed: str | None = None,
) -> str:
    """HTML for the runs index; links are relative to the site root.

    Args:
        trends: benchmark id -> path of its trends page, linked from its section.
        feed: path of the Atom feed of runs, linked above the tables.
    """
    if not entries:
        return '<p class="bench-empty">The archive holds no runs yet.</p>'
    groups: dict[str, list[IndexEntry]] = defaultdict(list)
    for entry in newest_first(entries):
        groups[entry.benchmark_id].append(entry)
    by_newest = sorted(groups.values(), key=lambda g: g[0].sort_key, reverse=True)
    sections = "\n".join(
        _group(group, (trends or {}).get(group[0].benchmark_id)) for group in by_newest
    )
    return f"{_feed_link(feed)}{_filters(entries)}\n{sections}"


def _feed_link(feed: str | None) -> str:
    if feed is None:
        return ""
    return (
        '<p class="bench-feed"><a rel="alternate" type="application/atom+xml" '
        f'href="{e(feed)}">Atom feed of new runs</a></p>\n'
    )


def _filters(entries: Sequence[IndexEntry]) -> str:
    """The filter form; hidden until the script, which makes it work, shows it."""
    benchmarks = sorted({x.benchmark_id for x in entries})
    models = sorted({tag for x in entries for tag in x.models})
    hosts = sorted({x.host for x in entries})
    return (
        '<form class="bench-filters" hidden role="search" aria-label="Filter runs">'
        '<div class="bench-filter-row">'
        f"{_select('benchmark', 'Benchmark', benchmarks)}"
        f"{_select('model', 'Model', models)}"
        f"{_select('host', 'Host', hosts)}"
        '<label>From <input type="date" name="from"></label>'
        '<label>To <input type="date" name="to"></label>'
        '<label>Search <input type="search" name="q" placeholder="run, model, host…"></label>'
        '<button type="reset">Clear</button>'
        '<output name="count" aria-live="polite"></output>'
        "</div></form>"
    )


def _select(name: str, label: str, values: list[str]) -> str:
    options = "".join(f'<option value="{e(v)}">{e(v)}</option>' for v in values)
    return (
        f'<label>{label} <select name="{name}">'
        f'<option value="">All</option>{options}</select></label>'
    )


_COLUMNS = (
    ("Date (UTC)", "date"),
    ("Run", "text"),
    ("Host", "text"),
    ("Best direct", "number"),
    ("Best cascade", "number"),
    ("Notes", "text"),
)


def _group(entries: list[IndexEntry], trends_href: str | None) -> str:
    benchmark = entries[0].benchmark_id
    rows = "".join(_row(x) for x in entries)
    count = f"{len(entries)} run{'s' if len(entries) != 1 else ''}"
    trends = f' · <a href="{e(trends_href)}">Trends per model</a>' if trends_href else ""
    head = "".join(
        f'<th data-sort="{kind}"{_initial_sort(n)}>{label}</th>'
        for n, (label, kind) in enumerate(_COLUMNS)
    )
    return (
        f'<section class="bench-benchmark" id="{e(benchmark)}" data-benchmark="{e(benchmark)}">'
        f"<h2>{e(benchmark)}</h2><p>{e(entries[0].title)} · {count}{trends}</p>"
        '<div class="bench-table"><table class="bench-index">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>"
    )


def _initial_sort(column: int) -> str:
    return ' aria-sort="descending"' if column == 0 else ""


def _row(x: IndexEntry) -> str:
    models = json.dumps([printable(m) for m in x.models], ensure_ascii=False)  # as e() shows
    return (
        f'<tr data-benchmark="{e(x.benchmark_id)}" data-host="{e(x.host)}" '
        f'data-models="{e(models)}" data-date="{e(x.date)}">'
        f'<td data-value="{e(x.sort_key)}"><time datetime="{x.started_at.isoformat()}">'
        f"{e(x.date)}</time></td>"
        f'<td><a href="{e(x.href)}">{e(x.run_id)}</a></td>'
        f"<td>{e(x.host)}</td>"
        f"<td{_score_value(x.best_direct_score)}>{e(x.best_direct)}</td>"
        f"<td{_score_value(x.best_cascade_score)}>{e(x.best_cascade)}</td>"
        f"<td>{e(', '.join(x.notes))}</td></tr>"
    )


def _score_value(score: float | None) -> str:
    return "" if score is None else f' data-value="{fmt.number(score, 3)}"'
