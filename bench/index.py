"""The site's home page: every archived run, newest first, grouped by benchmark."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bench.analysis import RunAnalysis
from bench.render import e, report_path
from bench.schema import METHODOLOGY_VERSION


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

    @classmethod
    def of(cls, run: RunAnalysis) -> IndexEntry:
        r = run.record
        return cls(
            benchmark_id=r.benchmark_id,
            run_id=r.run_id,
            title=r.title,
            date=r.started_at.strftime("%Y-%m-%d %H:%M"),
            host=r.host,
            best_direct=run.best_direct_text,
            best_cascade=run.best_cascade_text,
            href=report_path(r),
            status=r.status.value,
            methodology_version=r.methodology_version,
            models=tuple(d.tag for d in run.direct),
            sort_key=r.started_at.isoformat() + r.run_id,
        )


def render_index(entries: Sequence[IndexEntry]) -> str:
    """HTML for the runs index; links are relative to the site root."""
    if not entries:
        return '<p class="bench-empty">The archive holds no runs yet.</p>'
    groups: dict[str, list[IndexEntry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda x: x.sort_key, reverse=True):
        groups[entry.benchmark_id].append(entry)
    newest_first = sorted(groups.values(), key=lambda g: g[0].sort_key, reverse=True)
    return "\n".join(_group(group) for group in newest_first)


def _group(entries: list[IndexEntry]) -> str:
    benchmark = entries[0].benchmark_id
    rows = "".join(_row(x) for x in entries)
    count = f"{len(entries)} run{'s' if len(entries) != 1 else ''}"
    return (
        f'<section class="bench-benchmark" id="{e(benchmark)}">'
        f"<h2>{e(benchmark)}</h2><p>{e(entries[0].title)} · {count}</p>"
        '<div class="bench-table"><table class="bench-index"><thead><tr>'
        "<th>Date (UTC)</th><th>Run</th><th>Host</th><th>Best direct</th><th>Best cascade</th>"
        "<th>Notes</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _row(x: IndexEntry) -> str:
    notes = []
    if x.status != "complete":
        notes.append(x.status)
    if x.methodology_version < METHODOLOGY_VERSION:
        notes.append(f"methodology v{x.methodology_version}")
    return (
        f'<tr data-benchmark="{e(x.benchmark_id)}" data-host="{e(x.host)}" '
        f'data-models="{e(" ".join(x.models))}" data-date="{e(x.date)}">'
        f"<td><time>{e(x.date)}</time></td>"
        f'<td><a href="{e(x.href)}">{e(x.run_id)}</a></td>'
        f"<td>{e(x.host)}</td><td>{e(x.best_direct)}</td><td>{e(x.best_cascade)}</td>"
        f"<td>{e(', '.join(notes))}</td></tr>"
    )
