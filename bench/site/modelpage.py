"""One model's page: its history across the runs and hosts of a benchmark, with trend charts.

`<benchmark>/models/<model>.html`: score and call wall over its newest runs, one line per host,
each point a link to its run; then its newest runs in a table, and its older ones by month,
each month linking the benchmark's month page and the runs index filtered to the model and
month, so the page stays small however many runs the model has. The charts are small SVGs
drawn here from the rows (no JavaScript, nothing from a record but escaped text).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from markupsafe import Markup

from bench.record.models import ModelIdentity
from bench.record.safety import printable
from bench.site import fmt
from bench.site.browse import MONTHS_FOLDER
from bench.site.charts.svg import text_width
from bench.site.leaderboard import ModelRun, marks_text, model_page_path
from bench.site.report import Section

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 10, 34
COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6")
MAX_POINTS = 200  # the newest runs a chart draws
NEWEST_ROWS = 100  # the newest runs the table lists; older ones are counted by month


@dataclass(frozen=True)
class HistoryRow:
    date: str
    run_id: str
    href: str  # from the model's page
    host: str
    score: str
    call_wall: str
    throughput: str
    marks: str


@dataclass(frozen=True)
class OlderMonth:
    """A month of the model's runs older than the table's: its count and where they are."""

    month: str  # YYYY-MM
    runs: int
    month_href: str  # the benchmark's month page, every run of the month
    filter_href: str  # the runs index, filtered to this model and month


@dataclass(frozen=True)
class ModelChart:
    title: str
    svg: Markup  # drawn here, every text escaped
    hosts: tuple[tuple[str, str], ...]  # (host, colour): the legend


@dataclass(frozen=True)
class ModelPage:
    benchmark_id: str
    key: ModelIdentity
    name: str
    title: str
    intro: str
    charts: tuple[ModelChart, ...]
    rows: tuple[HistoryRow, ...]  # the newest `NEWEST_ROWS`, newest first
    older: tuple[OlderMonth, ...] = ()  # the months of the runs before those, newest first
    header: tuple[str, ...] = (
        "Date (UTC)",
        "Run",
        "Host",
        "Score (mean, 95% interval)",
        "Call wall",
        "Throughput",
        "Clear changes",
    )
    up: str = "../../"
    sections: tuple[Section, ...] = (
        Section("charts", "Score and speed over time"),
        Section("runs", "Newest runs"),
    )

    @property
    def page_src(self) -> str:
        return model_page_path(self.benchmark_id, self.key).removesuffix(".html") + ".md"


def model_title(benchmark_id: str, key: ModelIdentity, runs: Sequence[ModelRun]) -> str:
    """`Qwen2.5-Coder 1.5B on <benchmark>`: the model's one name (`bench.record.models`)."""
    return f"{runs[-1].name} on {benchmark_id}"


def model_intro(key: ModelIdentity, runs: Sequence[ModelRun]) -> str:
    """`Qwen2.5-Coder 1.5B (qwen2.5-coder:1.5b · Q4_K_M; also recorded as Qwen 1.5B)`: the
    name, then what the server was asked for where it reads otherwise, and the aliases."""
    name, aliases = runs[-1].name, runs[-1].aliases
    said = [key.spec] if key.spec != name else []
    if key.digest is not None:
        said.append(f"digest {key.digest[:19]}")
    if aliases:
        said.append(f"also recorded as {', '.join(aliases)}")
    return f"{name} ({'; '.join(said)})" if said else name


def model_page(benchmark_id: str, key: ModelIdentity, runs: Sequence[ModelRun]) -> ModelPage:
    """`runs` oldest first, as `leaderboard.model_runs` gives them."""
    hosts = sorted({r.host for r in runs})
    colours = {h: COLOURS[n % len(COLOURS)] for n, h in enumerate(hosts)}
    name = runs[-1].name
    count = f"{len(runs)} run{'s' if len(runs) != 1 else ''}"
    on = f"{len(hosts)} host{'s' if len(hosts) != 1 else ''}"
    shown = runs[-MAX_POINTS:]
    listed, older = runs[-NEWEST_ROWS:], runs[:-NEWEST_ROWS]
    sections = ModelPage.sections + ((Section("older", "Older runs"),) if older else ())
    return ModelPage(
        benchmark_id=benchmark_id,
        key=key,
        name=name,
        title=model_title(benchmark_id, key, runs),
        intro=(
            f"{model_intro(key, runs)} in {count} of this benchmark on {on}: its score (the "
            "mean over tasks, or over the samples of a run of one task, with its 95% interval, a "
            "percentile bootstrap, where there are enough samples for one) and its call wall, "
            "run by run. Each point links its run's report."
            + (
                f" The charts show its newest {len(shown)} runs, the table its newest "
                f"{len(listed)}; the older ones are listed by month."
                if older
                else ""
            )
        ),
        charts=(
            _chart("Score per run", shown, colours, lambda r: r.score_pts, (0.0, 100.0), "pts"),
            _chart("Call wall per run", shown, colours, lambda r: r.call_wall_s, None, "s"),
        ),
        rows=tuple(
            HistoryRow(
                date=r.started_at[:16].replace("T", " "),
                run_id=r.run_id,
                href=f"../../{r.href}",
                host=r.host,
                score=r.score_text,
                call_wall=fmt.seconds(r.call_wall_s),
                throughput=fmt.tok_s(r.throughput_tok_s),
                marks=marks_text(r.marks),
            )
            for r in reversed(listed)
        ),
        older=_older_months(benchmark_id, name, older),
        sections=sections,
    )


def _older_months(benchmark_id: str, name: str, runs: Sequence[ModelRun]) -> tuple[OlderMonth, ...]:
    counts: dict[str, int] = defaultdict(int)
    for r in runs:
        counts[r.started_at[:7]] += 1
    return tuple(
        OlderMonth(
            month=month,
            runs=n,
            month_href=f"../{MONTHS_FOLDER}/{month}.html",
            filter_href="../../index.html?"
            + urlencode(
                {
                    "benchmark": benchmark_id,
                    "model": name,
                    "from": f"{month}-01",
                    "to": _last_day(month),
                }
            ),
        )
        for month, n in sorted(counts.items(), reverse=True)
    )


def _last_day(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def _chart(
    title: str,
    runs: Sequence[ModelRun],
    colours: dict[str, str],
    value: Callable[[ModelRun], float | None],
    domain: tuple[float, float] | None,
    unit: str,
) -> ModelChart:
    points = [(dt.datetime.fromisoformat(r.started_at), value(r), r) for r in runs]
    drawn = [(t, v, r) for t, v, r in points if v is not None]
    low, high = domain or (0.0, _nice_max(max((v for _, v, _ in drawn), default=1.0)))
    times = [t.timestamp() for t, _, _ in drawn] or [0.0]
    t0, t1 = min(times), max(times)
    span = (t1 - t0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: dt.datetime) -> float:
        return LEFT + (t.timestamp() - t0) / span * plot_w if t1 > t0 else LEFT + plot_w / 2

    def y(v: float) -> float:
        return TOP + plot_h - (v - low) / ((high - low) or 1.0) * plot_h

    hosts = [h for h in colours if any(r.host == h for _, _, r in drawn)]
    key, key_h = _host_key(hosts, colours, HEIGHT)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bench-model-chart" viewBox="0 0 '
        f'{WIDTH} {HEIGHT + key_h}" role="group" aria-label="{escape(title)}">',
        key,
    ]
    for n in range(5):
        tick = low + (high - low) * n / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#ddd"/><text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'font-size="11">{fmt.number(tick)}{unit if n == 4 else ""}</text>'
        )
    if drawn:
        first, last = drawn[0][0], drawn[-1][0]
        for t, anchor in (
            ((first, "start"), (last, "end")) if first != last else ((first, "middle"),)
        ):
            parts.append(
                f'<text x="{x(t):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}" '
                f'font-size="11">{t:%Y-%m-%d}</text>'
            )
    by_host: dict[str, list[tuple[dt.datetime, float, ModelRun]]] = defaultdict(list)
    for t, v, r in drawn:
        by_host[r.host].append((t, v, r))
    for host, series in by_host.items():
        colour = colours[host]
        line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v, _ in series)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{line}"/>'
        )
        for t, v, r in series:
            label = escape(printable(f"{r.run_id} on {r.host}: {fmt.number(v)} {unit}"))
            parts.append(
                f'<a href="{escape(f"../../{r.href}")}"><circle cx="{x(t):.1f}" cy="{y(v):.1f}" '
                f'r="3.5" fill="{colour}"><title>{label}</title></circle></a>'
            )
    parts.append("</svg>")
    return ModelChart(title, Markup("".join(parts)), tuple((h, colours[h]) for h in by_host))


KEY_ROW_PX = 18
KEY_FONT_PX = 11


def _host_key(hosts: Sequence[str], colours: dict[str, str], top: int) -> tuple[str, int]:
    """The chart's legend, drawn in it under the plot: a swatch and a name per host, in rows
    that wrap at the chart's width; and the height it takes."""
    if not hosts:
        return "", 0
    parts = ['<g class="bench-key">']
    x, row = float(LEFT), 0
    for host in hosts:
        name = printable(host)
        width = 16 + text_width(name, KEY_FONT_PX) + 14
        if x + width > WIDTH and x > LEFT:
            x, row = float(LEFT), row + 1
        y = top + row * KEY_ROW_PX
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 2}" width="10" height="10" fill="{colours[host]}"/>'
            f'<text x="{x + 14:.1f}" y="{y + 11}" font-size="{KEY_FONT_PX}">{escape(name)}</text>'
        )
        x += width
    parts.append("</g>")
    return "".join(parts), (row + 1) * KEY_ROW_PX + 4


def _nice_max(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if value <= step * 4:
            return float(step * 4)
    return value
