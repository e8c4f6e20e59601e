"""The report's four charts: Vega-Lite specs built with altair, drawn to SVG offline.

A run chart's SVG is drawn by `bench.site.charts.svg` from the chart's rows, as Vega draws its spec.
The spec is not a file of each run: the site publishes its template once for each kind of chart
(`bench.site.charts.specs`) and the page the chart's data, from which the page's script makes
the spec when a reader downloads it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from bench.record.analysis import CascadeSummary, DirectSummary, RunAnalysis, Stat
from bench.site import fmt, summary
from bench.site.cache import CHARTS, BuildCache, cached, made, sealed
from bench.site.charts import svg as svgchart
from bench.site.charts.svg import draw_svg, svg_size

WIDTH_PX = 360
HEIGHT_PX = 220
SLANT_DEG = -30  # x labels too wide for their band; apart by step * sin(30°) >= the font size
LABEL_GAP_PX = 6  # the least room between two level x labels
SCORE_AXIS = "Score (0-100)"
WALL_AXIS = "Wall time (s)"
# vl-convert resolves a mark's `href` against Vega's default base URL; links stay in the site.
_VEGA_BASE_HREF = 'xlink:href="https://vega.github.io/vega-datasets/'


class ChartKind(StrEnum):
    AREA = "area"
    BAR = "bar"
    FRONTIER = "frontier"  # score against time, with the frontier (`charts.frontier`)

    @property
    def kicker(self) -> str:
        """The line above the chart's title, as the seed report has it."""
        return _KICKERS[self]


_KICKERS = {
    ChartKind.AREA: "Area Chart",
    ChartKind.BAR: "Bar Chart",
    ChartKind.FRONTIER: "Scatter Chart",
}
Unit = Literal["score", "seconds"]
Spread = Literal["range", "ci"]  # a row's low and high: min and max, or the mean's 95% CI
CI_NOTE = (
    " Each mark is the mean score, its bar the 95% CI (over tasks; one task: its repeats), a"
    " percentile bootstrap; no bar where there are too few samples or all are the same."
)
NO_INTERVAL = "none: too few samples, or all the same"


class Drawable(Protocol):
    """Anything drawn to SVG from a Vega-Lite spec: a run chart, a trend chart."""

    @property
    def spec(self) -> dict[str, Any]: ...

    @property
    def spec_json(self) -> str: ...


@runtime_checkable
class DrawsItself(Drawable, Protocol):
    """A chart drawn in Python as Vega draws its spec (the frontier chart), not by vl-convert."""

    def draw(self) -> str: ...


@dataclass(frozen=True)
class SpecData:
    """What a chart's spec has of its own: the name of its kind's template (`run-bar-score-0`),
    and what fills that template's placeholders (its data; for a run chart, its x order)."""

    template: str
    values: list[dict[str, Any]]
    order: list[str] | None = None


@dataclass(frozen=True)
class ChartRow:
    x: str
    series: str
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Chart:
    name: str  # file stem: charts/<name>.svg and charts/<name>.vl.json
    kind: ChartKind
    title: str
    description: str
    series: tuple[str, ...]
    rows: tuple[ChartRow, ...]
    order: tuple[str, ...]  # the x axis's categories that have rows, in order
    label_angle: int  # of the x axis's labels: 0, or SLANT_DEG when they would overlap
    unit: Unit
    spec: dict[str, Any]
    spec_data: SpecData
    spread: Spread = "range"

    @property
    def spread_titles(self) -> tuple[str, str]:
        """The chart data table's headers of a row's `low` and `high`."""
        return ("95% CI low", "95% CI high") if self.spread == "ci" else ("Min", "Max")

    @functools.cached_property
    def spec_json(self) -> str:
        return spec_text(self.spec)

    @property
    def kicker(self) -> str:
        return self.kind.kicker

    @property
    def width_px(self) -> int:
        return WIDTH_PX

    @property
    def height_px(self) -> int:
        return HEIGHT_PX

    @property
    def y_title(self) -> str:
        return _y_title(self.unit)

    @property
    def y_fixed_top(self) -> float | None:
        """The value axis's fixed top (scores: 100), or None for Vega's nice top."""
        return 100.0 if self.unit == "score" else None

    def value_text(self, value: float) -> str:
        return fmt.score(value) if self.unit == "score" else fmt.seconds(value)

    @property
    def empty_note(self) -> str | None:
        """What the page says instead of drawing the chart, when its every score is 0: the
        drawing would be an empty frame, which reads as broken."""
        if self.unit != "score" or not self.rows or any(r.high > 0 for r in self.rows):
            return None
        return "Every score in this chart is 0, so there is nothing to draw; the data is below."

    def spread_cells(self, row: ChartRow) -> tuple[str, ...]:
        """The data table's cells of a row's low and high; one cell saying why, for a mean that
        has no interval (a zero-width one would read as certainty)."""
        if self.spread == "ci" and row.low == row.high:
            return (NO_INTERVAL,)
        return (self.value_text(row.low), self.value_text(row.high))


def charts_for(run: RunAnalysis, cache: BuildCache) -> list[Chart]:
    """The run's four charts, their specs filled from the build's templates."""
    labels = summary.axis_labels(run)
    ladder = run.by_size()
    order = [labels[d.tag] for d in ladder]
    pair_labels = summary.pair_labels(run)
    pairs = [pair_labels[c.tags] for c in run.cascades]
    ci = run.error_bars  # scores: the mean with its 95% CI; wall times keep median and range
    score = _mean_row if ci else _median_row
    note = CI_NOTE if ci else ""
    spread: Spread = "ci" if ci else "range"
    return [
        _chart(
            cache,
            "direct-score",
            ChartKind.AREA,
            "Direct quality by model size",
            "Higher is better. This shows whether scaling the direct model improved the "
            "functional score on the script benchmark." + note,
            [score(labels[d.tag], "Direct score", d) for d in ladder],
            order,
            "score",
            spread,
        ),
        _chart(
            cache,
            "direct-wall",
            ChartKind.AREA,
            "Direct latency by model size",
            "Lower is better. This captures the first-pass wall time for the same benchmark "
            "prompt with no smaller-model draft attached.",
            [_row(labels[d.tag], "Direct wall time", d.call_wall_s) for d in ladder],
            order,
            "seconds",
        ),
        _chart(
            cache,
            "cascade-score",
            ChartKind.BAR,
            "Cascade score vs direct refiner score",
            "This is the real quality comparison for each pair: did the larger model improve "
            "when it inherited the smaller draft, or did it get dragged down?" + note,
            [
                row
                for c in run.cascades
                for row in (
                    score(pair_labels[c.tags], "Cascade score", c),
                    score(pair_labels[c.tags], "Direct refiner score", c.large),
                )
            ],
            pairs,
            "score",
            spread,
        ),
        _chart(
            cache,
            "cascade-wall",
            ChartKind.BAR,
            "Cascade pipeline wall vs direct refiner wall",
            "This shows whether the two-step path saved time or just added latency on top of "
            "the direct larger-model call.",
            [
                row
                for c in run.cascades
                for row in (
                    _row(pair_labels[c.tags], "Cascade pipeline wall", c.pipeline_wall_s),
                    _row(pair_labels[c.tags], "Direct refiner wall", c.large.call_wall_s),
                )
            ],
            pairs,
            "seconds",
        ),
    ]


def _row(x: str, series: str, stat: Stat | None) -> ChartRow | None:
    if stat is None:
        return None
    return ChartRow(x, series, stat.median, stat.low, stat.high)


def _median_row(x: str, series: str, candidate: DirectSummary | CascadeSummary) -> ChartRow:
    return ChartRow(x, series, candidate.score.median, candidate.score.low, candidate.score.high)


def _mean_row(x: str, series: str, candidate: DirectSummary | CascadeSummary) -> ChartRow:
    """The mean score with its 95% CI (within 0-100, as `stats.estimate` makes it); no bar
    where it has none (too few samples, or all the same)."""
    s = candidate.summary
    low, high = (
        (s.mean_pts, s.mean_pts) if s.interval is None else (s.interval.low, s.interval.high)
    )
    return ChartRow(x, series, s.mean_pts, low, high)


def _chart(
    cache: BuildCache,
    name: str,
    kind: ChartKind,
    title: str,
    description: str,
    maybe_rows: Sequence[ChartRow | None],
    order: list[str],
    unit: Unit,
    spread: Spread = "range",
) -> Chart:
    rows = tuple(r for r in maybe_rows if r is not None)
    series = tuple(dict.fromkeys(r.series for r in rows))
    shown = tuple(x for x in order if any(r.x == x for r in rows))
    if kind is ChartKind.AREA and len(shown) == 1:
        kind = ChartKind.BAR  # an area over one category is a lone dot: a bar shows the value
    angle = label_angle(kind, list(shown))
    data = SpecData(template_name(kind, unit, angle), [r.__dict__ for r in rows], order)
    spec = _spec(cache, data, kind, unit, angle)
    return Chart(
        name, kind, title, description, series, rows, shown, angle, unit, spec, data, spread
    )


def label_angle(kind: ChartKind, labels: list[str]) -> int:
    """0 when every x label fits its band, else SLANT_DEG: slanted, neighbours never overlap."""
    if not labels:
        return 0
    step = svgchart.x_band(kind, len(labels), WIDTH_PX).step
    widest = max(svgchart.text_width(x) for x in labels)
    return 0 if widest + LABEL_GAP_PX <= step else SLANT_DEG


def _spec(
    cache: BuildCache, data: SpecData, kind: ChartKind, unit: Unit, angle: int
) -> dict[str, Any]:
    """altair's spec for this data: its template for `kind` and `unit`, with the data put in.

    altair takes ~20 ms to build and validate a spec; filling its template takes ~0.05 ms and
    gives the same spec (tests/test_cache.py compares them).
    """
    text = (
        template_json(cache, kind, unit, angle)
        .replace(VALUES_JSON, json.dumps(data.values))
        .replace(ORDER_JSON, json.dumps(data.order))
    )
    spec: dict[str, Any] = json.loads(text)
    return spec


# Placeholders altair carries through into a template spec, and how they read in its JSON.
_ORDER = ["\x00order"]
_VALUES = [{"\x00values": 0}]
ORDER_JSON, VALUES_JSON = (json.dumps(x) for x in (_ORDER, _VALUES))
_UNITS: tuple[Unit, ...] = ("score", "seconds")
RUN_TEMPLATES = [
    (kind, unit, angle)
    for kind in (ChartKind.AREA, ChartKind.BAR)
    for unit in _UNITS
    for angle in (0, SLANT_DEG)
]  # every run chart's template: its kind, unit and x labels' angle


def template_name(kind: ChartKind, unit: Unit, angle: int) -> str:
    return f"run-{kind}-{unit}-{angle}"


def template_json(cache: BuildCache, kind: ChartKind, unit: Unit, angle: int) -> str:
    """altair's spec for a run chart of this kind, its data and x order placeholders."""
    return cache.template(
        template_name(kind, unit, angle),
        [__file__],
        lambda: json.dumps(altair_spec(kind, _VALUES, _ORDER, unit, angle)),
    )


def altair_spec(
    kind: ChartKind,
    values: list[dict[str, Any]],
    order: list[str],
    unit: Unit,
    label_angle: int = 0,
) -> dict[str, Any]:
    """The chart's Vega-Lite spec, built and validated by altair."""
    import altair as alt  # ~0.2 s; a build with every template kept never imports it

    y_title = _y_title(unit)
    y_scale = alt.Scale(domain=[0, 100]) if unit == "score" else alt.Scale(zero=True)
    base = alt.Chart(alt.Data(values=values))  # type: ignore[no-untyped-call]
    x = alt.X("x:N", sort=order, title=None, axis=alt.Axis(labelAngle=label_angle))
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    color = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
    tooltip = [alt.Tooltip("series:N"), alt.Tooltip("x:N"), alt.Tooltip("value:Q")]
    if kind is ChartKind.AREA:
        marks = base.mark_area(line=True, point=True, opacity=0.35).encode(
            x=x, y=y, color=color, tooltip=tooltip
        )
        spread = base.mark_rule().encode(x=x, y="low:Q", y2="high:Q", color=color)
    else:
        marks = base.mark_bar().encode(x=x, xOffset="series:N", y=y, color=color, tooltip=tooltip)
        spread = base.mark_rule().encode(
            x=x, xOffset="series:N", y="low:Q", y2="high:Q", color=alt.value("#333")
        )
    # No title: the page's heading just above the chart names it (and the SVG's aria-label).
    chart = (marks + spread).properties(width=WIDTH_PX, height=HEIGHT_PX)
    spec: dict[str, Any] = chart.to_dict()
    return spec


def _y_title(unit: Unit) -> str:
    return SCORE_AXIS if unit == "score" else WALL_AXIS


def svg_path_for(chart: Drawable, cache_dir: Path) -> Path:
    """The chart's SVG in the cache, keyed by the content of its spec.

    A run chart is drawn by `bench.site.charts.svg` (well under 1 ms), the frontier chart by
    itself (`frontier_svg`), and the cache's file is replaced unless it holds that drawing; any
    other chart, a trend chart, by vl-convert (20-100 ms), when the cache has no file whose
    bytes match the digest kept beside it (`bench.site.cache`).
    """
    if isinstance(chart, Chart):
        return made(svg_cache_path(chart, cache_dir), draw_svg(chart))
    if isinstance(chart, DrawsItself):
        return made(svg_cache_path(chart, cache_dir), chart.draw())
    return cached(svg_cache_path(chart, cache_dir), lambda: vega_svg(chart.spec_json))


_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"')


def drawn_size(chart: Drawable) -> tuple[int, int] | None:
    """The width and height (px) of the SVG this code draws of `chart`, for its <img> to say so
    the page keeps its place while charts load; None for a chart vl-convert draws."""
    if isinstance(chart, Chart):
        return svg_size(chart)  # its marks are most of a drawing: not drawn again for this
    if isinstance(chart, DrawsItself):
        svg = chart.draw()
    else:
        return None
    size = _SVG_SIZE.search(svg)
    return (round(float(size[1])), round(float(size[2]))) if size else None


def svg_to_draw(chart: Drawable, cache_dir: Path) -> tuple[Path, Path] | None:
    """For a chart vl-convert draws whose SVG is not in the cache yet: its spec's file (written
    now) and where its SVG goes, for `bench.site.charts.vega` to draw in another process."""
    if isinstance(chart, Chart | DrawsItself) or sealed(svg_cache_path(chart, cache_dir)):
        return None
    return spec_path_for(chart, cache_dir), svg_cache_path(chart, cache_dir)


def svg_cache_path(chart: Drawable, cache_dir: Path) -> Path:
    """Where the chart's SVG is cached, drawn yet or not."""
    return cache_dir / CHARTS / f"{_key(chart)}.svg"


def vega_svg(spec_json: str) -> str:
    """The SVG vl-convert draws of a spec, as published (`spec_text`), its links local."""
    import vl_convert

    return compact_svg(_local_links(vl_convert.vegalite_to_svg(json.loads(spec_json))))


_GEOMETRY = re.compile(r'\b(transform|d|x|y|x1|x2|y1|y2|width|height)="([^"]*)"')
_LONG_NUMBER = re.compile(r"(-?\d+\.\d)\d+")


def compact_svg(svg: str) -> str:
    """vl-convert's SVG with its geometry to 0.1 px (it writes 17 digits: `47.999999999999986`),
    about a third of a trend chart's bytes; text is left as drawn."""

    def rounded(m: re.Match[str]) -> str:
        return f'{m.group(1)}="{_LONG_NUMBER.sub(_round, m.group(2))}"'

    return _GEOMETRY.sub(rounded, svg)


def _round(m: re.Match[str]) -> str:
    text = f"{float(m.group(0)):.1f}"
    return "0" if text in ("0.0", "-0.0") else text.removesuffix(".0")


def _local_links(svg: str) -> str:
    """Point `href` links back at the site, relative to the SVG, opening in the whole window."""
    return svg.replace(_VEGA_BASE_HREF, 'target="_top" xlink:href="')


def spec_path_for(chart: Drawable, cache_dir: Path) -> Path:
    return made(cache_dir / CHARTS / f"{_key(chart)}.vl.json", chart.spec_json + "\n")


def spec_text(spec: dict[str, Any]) -> str:
    """A spec as published: compact JSON, keys sorted (half the bytes of indented JSON)."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))


def _key(chart: Drawable) -> str:
    drawn_here = isinstance(chart, Chart | DrawsItself)
    drawer = _SVGCHART_VERSION if drawn_here else f"{_vl_convert_version()} compact-1"
    return hashlib.sha256(f"{drawer}\n{chart.spec_json}".encode()).hexdigest()


# A change to how run charts are drawn (code or style) changes the key: they are drawn anew.
_DRAWERS = ("svg.py", "frontier_svg.py")  # the modules of this folder that draw charts
_SVGCHART_VERSION = hashlib.sha256(
    b"".join(Path(__file__).with_name(name).read_bytes() for name in _DRAWERS)
).hexdigest()


def _vl_convert_version() -> str:
    from importlib.metadata import version

    return f"vl-convert {version('vl-convert-python')} altair {version('altair')}"
