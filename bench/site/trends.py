"""Per-model trends across the runs of one benchmark: score, call wall and throughput over time.

One page per benchmark (`<benchmark>/trends.html`) with one chart per figure and one line per
direct model, so the number of charts does not grow with the number of runs. Each point links
its run's report; a dashed rule marks a run whose methodology version differs from the run
before it. The figures are the run page's own: `DirectSummary.score`, `.call_wall_s`,
`.throughput_tok_s` (medians over repeats; a score, the mean over tasks where there are
error bars).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment

from bench.record.analysis import DirectSummary, RunAnalysis, Stat
from bench.record.models import ModelIdentity, ModelName, run_name
from bench.record.safety import printable
from bench.record.stats import Estimate
from bench.site import fmt, sure
from bench.site.cache import BuildCache
from bench.site.charts import model as charts_module
from bench.site.charts.model import (
    SCORE_AXIS,
    WALL_AXIS,
    spec_path_for,
    spec_text,
    svg_path_for,
    svg_to_draw,
)
from bench.site.report import REPORT_NAME, Section
from bench.site.runsite import TRENDS_PAGE_NAME, SiteFile

TREND_MAX_RUNS = 120  # the newest runs a trend chart draws: each chart, its spec and the page
# stay well under 300 kB (~3 models a run: ~130 kB of spec, ~150 kB of trend data)
WIDTH_PX = 640
HEIGHT_PX = 240
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
PAGE_NAME = TRENDS_PAGE_NAME
TEMPLATE = "bench/trends.html"


@dataclass(frozen=True)
class Metric:
    """A direct model's figure a trend follows."""

    name: str
    title: str
    column: str  # its column in the trend data table
    axis: str
    render: fmt.Render  # how `fmt.stat` writes it
    of: Callable[[DirectSummary], Stat | None]


def _score(d: DirectSummary) -> Stat | None:
    """The run page's headline score: the mean over tasks with its 95% interval, or the mean
    alone where it has none (too few samples, or all the same)."""
    e = d.summary.estimate
    low, high = (e.point, e.point) if e.interval is None else (e.interval.low, e.interval.high)
    return Stat(e.point, low, high, d.summary.n)


def _call_wall(d: DirectSummary) -> Stat | None:
    return d.call_wall_s


def _throughput(d: DirectSummary) -> Stat | None:
    return d.throughput_tok_s


METRICS = (
    Metric("score", "Direct score per run", "Score", SCORE_AXIS, "score", _score),
    Metric("call-wall", "Direct call wall per run", "Call wall", WALL_AXIS, "seconds", _call_wall),
    Metric(
        "throughput", "Throughput per run", "Throughput", "Throughput (tok/s)", "tok_s", _throughput
    ),
)


@dataclass(frozen=True)
class TrendModel:
    """One direct model of a run: its figure for each of METRICS (None where it has none)."""

    identity: ModelIdentity
    name: str  # the run's own name for it; the page shows the site's (`BenchmarkTrends.names`)
    stats: tuple[Stat | None, ...]
    score: Estimate  # the mean score with its interval, as the trend data table words it

    def cells(self) -> tuple[str, ...]:
        """Each of METRICS as the trend data table gives it: the score as every page words a
        mean with its interval, times as medians with their range."""
        return tuple(
            sure.estimate(self.score) if m.name == "score" else fmt.stat(stat, m.render)
            for m, stat in zip(METRICS, self.stats, strict=True)
        )


@dataclass(frozen=True)
class TrendRun:
    """What the trends take of a run, made once from its analysis and kept in the cache."""

    benchmark_id: str
    title: str
    run_id: str
    started_at: dt.datetime
    methodology_version: int
    host: str
    models: tuple[TrendModel, ...]

    @classmethod
    def of(cls, run: RunAnalysis) -> TrendRun:
        r = run.record
        models = tuple(
            TrendModel(
                d.identity, run_name(d.model), tuple(m.of(d) for m in METRICS), d.summary.estimate
            )
            for d in run.direct
        )
        return cls(
            r.benchmark_id, r.title, r.run_id, r.started_at, r.methodology_version, r.host, models
        )


@dataclass(frozen=True)
class TrendPoint:
    started_at: str  # ISO 8601, UTC
    run_id: str
    href: str  # the run's report, relative to the benchmark's folder
    model: str  # the model's name across the site
    host: str
    series: str  # one line each: `model on host`
    methodology: str
    value: float


@dataclass(frozen=True)
class MethodologyChange:
    started_at: str
    run_id: str
    href: str
    previous: int
    version: int
    label: str = ""  # what the chart writes at its rule: `v3`, or nothing where it would overlap


TimeUnit = Literal["second", "minute", "day"]
_NICE_STEPS: dict[TimeUnit, tuple[int, ...]] = {
    "second": (1, 2, 5, 10, 15, 30),
    "minute": (1, 2, 5, 10, 15, 30, 60, 120, 180, 360),
    "day": (1,),
}


@dataclass(frozen=True)
class TimeAxis:
    """How the time axis of a benchmark's trend charts is ticked and titled: runs on one day
    tick in minutes (or seconds, when minutes apart) and the title names the day; runs over
    several days tick as Vega picks, a tick at midnight showing its date."""

    unit: TimeUnit
    step: int  # ticks every `step` units (second, minute), so no two ticks read the same
    title: str
    ticks_ms: tuple[int, ...] = ()  # where the ticks are, ms since the epoch; () for Vega's

    def values_json(self) -> str:
        return json.dumps(list(self.ticks_ms))

    @classmethod
    def over(cls, runs: Sequence[TrendRun]) -> TimeAxis:
        first, last = runs[0].started_at, runs[-1].started_at
        if first.date() != last.date():
            return cls("day", 1, "Run start (UTC)")
        span_s = (last - first).total_seconds()
        unit: TimeUnit = "second" if span_s < 600 else "minute"
        per = span_s / (1 if unit == "second" else 60) / 5  # about five ticks
        step = next((s for s in _NICE_STEPS[unit] if s >= per), _NICE_STEPS[unit][-1])
        step_s = step * (1 if unit == "second" else 60)
        start = int(first.timestamp()) // step_s * step_s
        ticks = range(start, int(last.timestamp()) + step_s, step_s)
        title = f"Run start (UTC), {first:%Y-%m-%d}"
        return cls(unit, step, title, tuple(s * 1000 for s in ticks))


@dataclass(frozen=True)
class TrendChart:
    name: str  # file stem: <benchmark>/trends-<name>.svg and .vl.json
    title: str
    points: tuple[TrendPoint, ...]
    spec: dict[str, Any]

    @functools.cached_property
    def spec_json(self) -> str:
        return spec_text(self.spec)

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.model for p in self.points))

    @property
    def series(self) -> tuple[str, ...]:
        """Each line the chart draws: one per model and host."""
        return tuple(dict.fromkeys(p.series for p in self.points))


@dataclass(frozen=True)
class BenchmarkTrends:
    benchmark_id: str
    title: str
    runs: tuple[TrendRun, ...]  # oldest first, the newest TREND_MAX_RUNS
    total_runs: int
    changes: tuple[MethodologyChange, ...]
    charts: tuple[TrendChart, ...]
    names: tuple[tuple[ModelIdentity, str], ...]  # each model's name across the site

    @functools.cached_property
    def _names(self) -> dict[ModelIdentity, str]:
        return dict(self.names)

    def name(self, model: TrendModel) -> str:
        return self._names.get(model.identity, model.name)

    @property
    def page_src(self) -> str:
        return f"{self.benchmark_id}/{PAGE_NAME}.md"

    @property
    def page_path(self) -> str:
        return f"{self.benchmark_id}/{PAGE_NAME}.html"

    def chart_file(self, chart: TrendChart, suffix: str) -> str:
        """A chart's file in the site: next to the page, so links inside it read the same."""
        return f"{self.benchmark_id}/{PAGE_NAME}-{chart.name}{suffix}"

    def files(
        self, cache_dir: Path, later: list[tuple[Path, Path]] | None = None
    ) -> list[SiteFile]:
        """Each chart that has points, as SVG and as spec, from `cache_dir`: a chart not there
        yet is drawn into it now, or, given `later`, listed there as (spec, SVG) to draw."""
        found = []
        for chart in self.charts:
            if chart.points:
                pending = svg_to_draw(chart, cache_dir) if later is not None else None
                if pending is not None and later is not None:
                    later.append(pending)
                    svg = pending[1]
                else:
                    svg = svg_path_for(chart, cache_dir)
                spec = spec_path_for(chart, cache_dir)
                found.append(SiteFile(self.chart_file(chart, ".svg"), str(svg)))
                found.append(SiteFile(self.chart_file(chart, ".vl.json"), str(spec)))
        return found


def trends_key(
    benchmark_id: str,
    shown: Sequence[str],
    total: int,
    names: Mapping[ModelIdentity, ModelName],
) -> str:
    """The key of a benchmark's trends (`benchmark_trends`) as `Listings.trends` keeps them,
    under the code: of the records of the runs they show (`shown`, their digests, oldest
    first), its count of runs and the site's name of each model."""
    named = sorted((i.sort_key, n.name) for i, n in names.items())
    text = f"{benchmark_id}\0{total}\0{'-'.join(shown)}\0{named!r}"
    return hashlib.sha256(text.encode()).hexdigest()


def benchmark_trends(
    runs: Sequence[TrendRun],
    cache: BuildCache,
    total: int | None = None,
    names: Mapping[ModelIdentity, ModelName] | None = None,
) -> BenchmarkTrends:
    ordered = sorted(runs, key=lambda r: (r.started_at, r.run_id))
    shown = tuple(ordered[-TREND_MAX_RUNS:])
    changes = tuple(methodology_changes(shown))
    newest = shown[-1]
    trends = BenchmarkTrends(
        benchmark_id=newest.benchmark_id,
        title=newest.title,
        runs=shown,
        total_runs=max(total or 0, len(ordered)),
        changes=changes,
        charts=(),
        names=tuple(
            (i, n.name) for i, n in sorted((names or {}).items(), key=lambda k: k[0].sort_key)
        ),
    )
    axis = TimeAxis.over(shown)
    charts = tuple(_chart(cache, metric, trends, axis) for metric in METRICS)
    return replace(trends, charts=charts)


def methodology_changes(runs: Sequence[TrendRun]) -> list[MethodologyChange]:
    """Each run (oldest first) whose methodology version differs from the run before it,
    labelled `vN` at its rule where the label keeps clear of the one before it and of the
    chart's edge; the page lists every change."""
    if not runs:
        return []
    t0, t1 = runs[0].started_at.timestamp(), runs[-1].started_at.timestamp()
    span = (t1 - t0) or 1.0
    free_from = float(-LABEL_GAP_PX)
    found = []
    for before, run in itertools.pairwise(runs):
        previous, version = before.methodology_version, run.methodology_version
        if version == previous:
            continue
        start = (run.started_at.timestamp() - t0) / span * WIDTH_PX + LABEL_DX_PX
        text = f"v{version}"
        end = start + label_width(text)
        fits = start >= free_from and end <= WIDTH_PX
        if fits:
            free_from = end + LABEL_GAP_PX
        found.append(
            MethodologyChange(
                _time(run), run.run_id, _href(run), previous, version, text if fits else ""
            )
        )
    return found


LABEL_FONT_PX = 11  # Vega's text mark default
LABEL_DX_PX = 4  # a label starts this far right of its rule
LABEL_GAP_PX = 6  # the least room between two labels


def label_width(text: str) -> float:
    """A generous width of a methodology label in the chart's font: 0.62 em a character."""
    return len(text) * LABEL_FONT_PX * 0.62


def _time(run: TrendRun) -> str:
    return run.started_at.strftime(TIME_FORMAT)


def _href(run: TrendRun) -> str:
    return f"{run.run_id}/{REPORT_NAME}"


def _chart(
    cache: BuildCache, metric: Metric, trends: BenchmarkTrends, axis: TimeAxis
) -> TrendChart:
    points = []
    at = METRICS.index(metric)
    several_hosts = len({run.host for run in trends.runs}) > 1
    for run in trends.runs:
        for d in run.models:
            stat = d.stats[at]
            if stat is not None:
                model = printable(trends.name(d))  # vl-convert writes it raw
                host = printable(run.host)
                points.append(
                    TrendPoint(
                        started_at=_time(run),
                        run_id=run.run_id,
                        href=_href(run),
                        model=model,
                        host=host,
                        series=f"{model} on {host}" if several_hosts else model,
                        methodology=f"v{run.methodology_version}",
                        value=round(stat.median, 3),
                    )
                )
    spec = _spec(cache, metric, points, trends.changes, axis)
    return TrendChart(metric.name, metric.title, tuple(points), spec)


def _spec(
    cache: BuildCache,
    metric: Metric,
    points: Sequence[TrendPoint],
    changes: Sequence[MethodologyChange],
    axis: TimeAxis,
) -> dict[str, Any]:
    """altair's spec for this data: its template for the metric, with the data put in.

    altair takes ~60 ms to build a trend spec; filling its template takes ~1 ms and gives the
    same spec (tests/test_trends.py compares them).
    """
    text = (
        _template_json(cache, metric.name, bool(changes), axis.unit)
        .replace(_POINTS_JSON, json.dumps([p.__dict__ for p in points]))
        .replace(_CHANGES_JSON, json.dumps(_change_rows(changes)))
        .replace(_X_TITLE_JSON, json.dumps(axis.title))
        .replace(_TICKS_JSON, axis.values_json())
    )
    spec: dict[str, Any] = json.loads(text)
    return spec


def _change_rows(changes: Sequence[MethodologyChange]) -> list[dict[str, Any]]:
    return [c.__dict__ for c in changes]


# Placeholders altair carries through into a template spec, and how they read in its JSON.
_POINTS = [{"\x00points": 0}]
_CHANGES = [{"\x00changes": 0}]
_X_TITLE = "\x00x-title"
_TICKS = (7919,)  # a time no chart ticks at: the placeholder of the tick list
_TICKS_JSON = json.dumps(list(_TICKS))
_POINTS_JSON, _CHANGES_JSON = json.dumps(_POINTS), json.dumps(_CHANGES)
_X_TITLE_JSON = json.dumps(_X_TITLE)


def _template_json(cache: BuildCache, metric_name: str, with_changes: bool, unit: TimeUnit) -> str:
    metric = next(m for m in METRICS if m.name == metric_name)
    axis = TimeAxis(unit, 1, _X_TITLE, _TICKS if unit != "day" else ())
    return cache.template(
        f"trend-{metric_name}-{'changes' if with_changes else 'plain'}-{unit}",
        [__file__, charts_module.__file__],  # its axis titles are defined there
        lambda: json.dumps(altair_spec(metric, _POINTS, _CHANGES if with_changes else [], axis)),
    )


# A tick at midnight shows its date, any other its time: runs an hour apart get ticks every few
# hours, and a date-only format would print one date at several ticks.
_TIME_LABEL = (
    "utcFormat(datum.value, "
    "utchours(datum.value) || utcminutes(datum.value) ? '%H:%M' : '%Y-%m-%d')"
)


def altair_spec(
    metric: Metric,
    points: list[dict[str, Any]],
    changes: list[dict[str, Any]],
    axis: TimeAxis,
) -> dict[str, Any]:
    """The trend chart's Vega-Lite spec, built and validated by altair."""
    import altair as alt  # ~0.2 s; a build with every template kept never imports it

    if axis.unit == "day":
        ticks = alt.Axis(labelExpr=_TIME_LABEL, labelAngle=0, labelOverlap=True)
    else:
        fmt_ = "%H:%M:%S" if axis.unit == "second" else "%H:%M"
        label = f"utcFormat(datum.value, '{fmt_}')"
        ticks = alt.Axis(labelExpr=label, labelAngle=0, values=list(axis.ticks_ms))
    x = alt.X("started_at:T", title=axis.title, scale=alt.Scale(type="utc"), axis=ticks)
    y_scale = alt.Scale(domain=[0, 100]) if metric.name == "score" else alt.Scale(zero=True)
    y = alt.Y("value:Q", title=metric.axis, scale=y_scale)
    # Colour tells models apart (tableau10: ten hues far apart), the point's shape and the
    # line's dash tell hosts apart; each has its legend, and each model on each host its line.
    color = alt.Color(
        "model:N",
        title="Model",
        scale=alt.Scale(scheme="tableau10"),
        legend=alt.Legend(orient="bottom", columns=2, labelLimit=280),
    )

    def host_legend(what: str) -> alt.Legend:
        return alt.Legend(orient="bottom", columns=1, labelLimit=280, title=f"Host ({what})")

    # The points once, for the whole chart: its runs' layers read them from there.
    runs = alt.Chart()
    layers: list[alt.Chart] = [
        runs.mark_line(strokeWidth=1.5, aria=False).encode(
            x=x,
            y=y,
            color=color,
            strokeDash=alt.StrokeDash("host:N", legend=host_legend("line")),
            detail="series:N",
        ),
        runs.mark_point(filled=True, size=30, opacity=1, aria=False).encode(
            x=x,
            y=y,
            color=color,
            shape=alt.Shape("host:N", legend=host_legend("point")),
            href="href:N",
        ),
    ]
    if changes:
        marks = alt.Chart(alt.Data(values=changes))  # type: ignore[no-untyped-call]
        # Light rules, their labels above the plot, clear of the points at 100.
        layers.append(
            marks.mark_rule(strokeDash=[4, 4], color="#888", opacity=0.6, aria=False).encode(
                x=x, href="href:N"
            )
        )
        layers.append(
            marks.mark_text(
                align="left", baseline="bottom", dx=LABEL_DX_PX, dy=-3, color="#333", aria=False
            ).encode(x=x, y=alt.value(0), text="label:N", href="href:N")
        )
    # No title: the page's heading just above the chart names it.
    chart = alt.layer(
        *layers,
        data=alt.Data(values=points),  # type: ignore[no-untyped-call]
    ).properties(width=WIDTH_PX, height=HEIGHT_PX)
    spec: dict[str, Any] = chart.to_dict()
    return spec


@dataclass(frozen=True)
class TrendFigure:
    chart: TrendChart
    svg: str  # file names, next to the page
    spec: str


@dataclass(frozen=True)
class TrendRow:
    """A row of the trend data table: one direct model in one run."""

    started_at: str
    href: str
    run_id: str
    methodology: str
    host: str
    model: str
    figures: tuple[str, ...]  # one per METRICS


@dataclass(frozen=True)
class TrendsPage:
    """Everything a benchmark's trends page shows, as text; the template only lays it out."""

    title: str
    intro: str
    changes: tuple[MethodologyChange, ...]
    figures: tuple[TrendFigure, ...]
    header: tuple[str, ...]
    rows: tuple[TrendRow, ...]  # newest run first
    sections: tuple[Section, ...]


def trends_page(trends: BenchmarkTrends) -> TrendsPage:
    """The model of a benchmark's trends page; links are relative to the benchmark's folder."""
    shown = len(trends.runs)
    if shown == 1:
        scope = "the one run"
    elif shown == trends.total_runs:
        scope = f"all {shown} runs"
    else:
        scope = f"the newest {shown} of {trends.total_runs} runs"
    intro = (
        f"Each direct model's figures across {scope} of this benchmark, oldest to newest "
        "(as on each run page: a score is the mean over tasks, or over the samples of a run of "
        "one task, with its 95% interval, a percentile bootstrap, where there are enough samples "
        "to give one; times are medians). Each point links its run's report; a "
        "dashed rule marks a run whose methodology version differs from the run before it."
    )
    changes = (Section("methodology-changes", "Methodology changes"),) if trends.changes else ()
    return TrendsPage(
        title=f"{trends.title}: trends",
        intro=intro,
        changes=trends.changes,
        figures=tuple(
            TrendFigure(
                c,
                trends.chart_file(c, ".svg").rpartition("/")[2],
                trends.chart_file(c, ".vl.json").rpartition("/")[2],
            )
            for c in trends.charts
        ),
        header=(
            "Run start (UTC)",
            "Run",
            "Methodology",
            "Host",
            "Model",
            *(m.column for m in METRICS),
        ),
        rows=tuple(
            TrendRow(
                _time(run),
                _href(run),
                run.run_id,
                f"v{run.methodology_version}",
                run.host,
                trends.name(d),
                d.cells(),
            )
            for run in reversed(trends.runs)
            for d in run.models
        ),
        sections=(*changes, Section("charts", "Charts"), Section("trend-data", "Trend data")),
    )


def render_trends(env: Environment, page: TrendsPage) -> str:
    """The body of a benchmark's trends page, from the build's `bench/trends.html`."""
    return env.get_template(TEMPLATE).render(trends=page)
