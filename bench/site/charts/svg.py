"""A run chart drawn to SVG in Python, the way Vega draws the chart's Vega-Lite spec.

vl-convert spends 20-30 ms of CPU on a chart; a site of 1,000 runs has up to 4,000 of them.
This draws the same picture in well under a millisecond, from the same rows: Vega-Lite's
scales (band paddings, the nice zero-based value axis with `ceil(height / 40)` ticks), marks,
category colours, fonts and layout. `tests/test_svgchart.py` compares every mark, tick and
label with vl-convert's drawing of the chart's spec. Text widths, which only place the axis
title and the legend entries, are estimated from Helvetica-like metrics.

Unlike Vega's, the marks carry no aria-label each: a page shows the chart as an <img>, whose
alt text and the chart's data table beside it are what a screen reader reads. Nor does the
markup repeat itself: the font is set once on the document, a series' rules and bars are one
path each, an axis's line and ticks one path, and only the plot frame and the mark groups are
named (`role-frame`, `mark-rule role-mark`, ...), as Vega names them. That took a run's charts
from 14.1 to 9.9 kB (the synthetic archive of `bench_site_scale.py`, 1,000 runs, seed 7),
which counts at 10,000 runs (~45,000 charts).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol
from xml.sax import saxutils

from bench.record.safety import printable


class ChartRow(Protocol):
    """A bar or a point: its category, series, value and spread."""

    @property
    def x(self) -> str: ...
    @property
    def series(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...


class Chart(Protocol):
    """What is drawn: `bench.site.charts.model.Chart` is one (this module does not import it,
    so the model may draw with it)."""

    @property
    def kind(self) -> str: ...  # "area" or "bar", a ChartKind
    @property
    def title(self) -> str: ...
    @property
    def series(self) -> Sequence[str]: ...
    @property
    def rows(self) -> Sequence[ChartRow]: ...
    @property
    def order(self) -> Sequence[str]: ...
    @property
    def label_angle(self) -> int: ...
    @property
    def width_px(self) -> int: ...
    @property
    def height_px(self) -> int: ...
    @property
    def y_title(self) -> str: ...
    @property
    def y_fixed_top(self) -> float | None: ...


# Vega's defaults (vega/src/config.js, vega-lite/src/config.ts) for what these charts use.
CATEGORY = (
    "#4c78a8",
    "#f58518",
    "#e45756",
    "#72b7b2",
    "#54a24b",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
)
FONT = 'font-family="sans-serif"'  # on the document: every text inherits it
PADDING = 5  # around the whole chart
GRID = "#ddd"
AXIS = "#888"
TICK_PX, LABEL_PAD_PX, TITLE_PAD_PX = 5, 2, 4
LABEL_FONT_PX, AXIS_TITLE_FONT_PX = 10, 11
LEGEND_OFFSET_PX = 18
LEGEND_SYMBOL_PX = 10  # circle or square of size 100
LEGEND_GAP_PX = 10  # between legend entries
POINT_RADIUS_PX = math.sqrt(30) / 2  # point size 30
BAR_PADDING = 0.2  # x band padding, inner and outer, with an xOffset channel
RULE_STROKE = "#333"


@dataclass(frozen=True)
class ValueScale:
    """A linear value scale from 0 to `top`, drawn from `height` (bottom) to 0 (top)."""

    top: float
    height: float

    def __call__(self, value: float) -> float:
        return self.height - value / self.top * self.height


@dataclass(frozen=True)
class Band:
    start: float
    step: float
    bandwidth: float

    def at(self, index: int) -> float:
        return self.start + index * self.step


@dataclass(frozen=True)
class _Frame:
    """Where a chart's parts go, and the size of its SVG: all but its marks."""

    y: ValueScale
    ticks: list[float]
    labels: list[str]
    band: Band
    series: list[str]
    colour: dict[str, str]
    left: int
    top: int
    title_x: float
    legend: str
    legend_y: float
    width: int
    height: int


def _frame(chart: Chart) -> _Frame:
    width = float(chart.width_px)
    height = float(chart.height_px)
    xs = chart.order
    series = sorted(chart.series)  # Vega sorts the colour and offset domains
    colour = {s: CATEGORY[i % len(CATEGORY)] for i, s in enumerate(series)}
    y = ValueScale(_value_top(chart), height)
    ticks = tick_values(y.top, math.ceil(height / 40))
    labels = tick_labels(ticks)
    band = x_band(chart.kind, len(xs), width)
    angle = chart.label_angle

    label_w = max(text_width(t) for t in labels)
    title_x = TICK_PX + LABEL_PAD_PX + label_w + TITLE_PAD_PX
    x_widths = [text_width(x) for x in xs]
    x_centres = [band.at(i) + band.bandwidth / 2 for i in range(len(xs))]
    slant = math.radians(-angle)
    left = math.ceil(PADDING + title_x + AXIS_TITLE_FONT_PX)
    if angle:  # a slanted label runs down and left from its tick
        reach = max(
            (w * math.cos(slant) - c for w, c in zip(x_widths, x_centres, strict=True)), default=0.0
        )
        left = max(left, math.ceil(PADDING + reach))
    sticking_out = max(0, math.ceil(LABEL_FONT_PX / 2 - y(ticks[-1])))
    top = PADDING + sticking_out  # no title: the page's heading above the chart names it
    x_labels_h = (
        max(x_widths, default=0.0) * math.sin(slant) + LABEL_FONT_PX * math.cos(slant)
        if angle
        else LABEL_FONT_PX
    )
    legend_y = height + TICK_PX + LABEL_PAD_PX + x_labels_h + LEGEND_OFFSET_PX
    legend, legend_w = _legend(series, colour, chart.kind)
    x_overhang = max(
        (c + (0 if angle else w / 2) - width for w, c in zip(x_widths, x_centres, strict=True)),
        default=0.0,
    )
    return _Frame(
        y=y,
        ticks=ticks,
        labels=labels,
        band=band,
        series=series,
        colour=colour,
        left=left,
        top=top,
        title_x=title_x,
        legend=legend,
        legend_y=legend_y,
        width=left + math.ceil(max(width, legend_w, width + x_overhang)) + PADDING,
        height=math.ceil(top + legend_y + LEGEND_SYMBOL_PX + 2 + PADDING),
    )


def svg_size(chart: Chart) -> tuple[int, int]:
    """The width and height (px) of `draw_svg(chart)`, without drawing its marks."""
    frame = _frame(chart)
    return round(frame.width), round(frame.height)


def draw_svg(chart: Chart) -> str:
    """The chart as a standalone SVG document."""
    f = _frame(chart)
    width = float(chart.width_px)
    height = float(chart.height_px)
    xs = chart.order
    if chart.kind == "area":
        marks = _area_marks(chart.rows, xs, f.band, f.y, f.colour)
    else:
        offsets = _band(len(f.series), f.band.bandwidth, 0.0, 0.0)
        marks = _bar_marks(chart.rows, xs, f.series, f.band, offsets, f.y, f.colour)
    svg_w, svg_h = f.width, f.height
    parts = [
        document_start(svg_w, svg_h, chart.title, f.left, f.top),
        frame_and_grid(width, height, grid_lines(f.ticks, f.y, width)),
        _x_axis(xs, f.band, height, width, chart.label_angle),
        y_axis(f.ticks, f.labels, f.y, height, f.title_x, chart.y_title),
        *marks,
        f'<g transform="translate(0,{coord(f.legend_y)})">{f.legend}</g>',
        "</g></svg>",
    ]
    return "".join(parts)


def document_start(svg_w: int, svg_h: int, title: str, left: int, top: int) -> str:
    """The SVG element (its font for every text), its white ground, and the plot's frame
    group (`role-frame`), moved to the plot's top left corner."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{svg_w}" height="{svg_h}" '
        f'viewBox="0 0 {svg_w} {svg_h}" role="graphics-document" aria-label={quoteattr(title)} '
        f'{FONT} font-size="{LABEL_FONT_PX}"><rect width="{svg_w}" height="{svg_h}" fill="white"/>'
        f'<g class="role-frame" transform="translate({left},{top})">'
    )


def frame_and_grid(width: float, height: float, grid: str) -> str:
    """The plot's outline and its grid lines, one path."""
    outline = f"M0.5,0.5h{coord(width)}v{coord(height)}h-{coord(width)}Z"
    return f'<path d="{outline}{grid}" stroke="{GRID}" fill="none"/>'


def _value_top(chart: Chart) -> float:
    """The top of the value axis: the chart's fixed one, or Vega's nice one over the data."""
    fixed = chart.y_fixed_top
    if fixed is not None:
        high = fixed
    else:
        high = max((max(r.value, r.high) for r in chart.rows), default=0.0)
    return nice_top(high) if high > 0 else 1.0


_FACTORS = ((10, math.sqrt(50)), (5, math.sqrt(10)), (2, math.sqrt(2)))


def _increment(start: float, stop: float, count: float) -> tuple[int, float]:
    """d3's tick increment: (power of ten, factor) of the step for about `count` ticks."""
    step = (stop - start) / count
    power = math.floor(math.log10(step))
    error = step / 10**power
    factor = next((f for f, at in _FACTORS if error >= at), 1)
    return power, factor


def nice_top(high: float) -> float:
    """d3's `linear.nice()` (10 ticks) of the domain [0, high]: the rounded top."""
    stop, previous = high, 0.0
    for _ in range(10):
        power, factor = _increment(0.0, stop, 10)
        step = factor * 10**power if power >= 0 else -(10**-power) / factor
        if step == previous:
            break
        stop = math.ceil(stop / step) * step if step > 0 else math.floor(stop * step) / step
        previous = step
    return stop


def tick_values(top: float, count: int) -> list[float]:
    """d3's `ticks(0, top, count)`."""
    power, factor = _increment(0.0, top, count)
    if power < 0:
        inc = 10**-power / factor
        last = round(top * inc)
        if last / inc > top:
            last -= 1
        return [i / inc for i in range(last + 1)]
    inc = 10**power * factor
    last = round(top / inc)
    if last * inc > top:
        last -= 1
    return [float(i * inc) for i in range(last + 1)]


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """Vega's default tick format: thousands separated, as many decimals as the step needs."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(abs(step)) + 1e-9)) if step else 0
    return [f"{t:,.{decimals}f}" for t in ticks]


def x_band(kind: str, count: int, width: float) -> Band:
    """The x scale: points for an area chart, bar groups (padded) for a bar chart."""
    padding = 0.0 if kind == "area" else BAR_PADDING
    return _band(count, width, padding, padding)


def _band(count: int, extent: float, inner: float, outer: float) -> Band:
    """d3's band scale over [0, extent], centred."""
    step = extent / max(1.0, count - inner + outer * 2)
    start = (extent - step * (count - inner)) * 0.5
    return Band(start, step, step * (1 - inner))


def grid_lines(ticks: Sequence[float], y: ValueScale, width: float) -> str:
    return "".join(f"M0,{coord(y(t) + 0.5)}h{coord(width)}" for t in ticks)


def _x_axis(xs: Sequence[str], band: Band, height: float, width: float, angle: int) -> str:
    centres = [band.at(i) + band.bandwidth / 2 + 0.5 for i in range(len(xs))]
    if angle:  # as Vega slants them: right-aligned at the tick, hanging below it
        below = height + 0.5 + TICK_PX + LABEL_PAD_PX
        texts = (
            f'<text transform="translate({coord(c)},{coord(below)}) rotate({angle % 360}) '
            f'translate(0,8)">{escape(x)}</text>'
            for c, x in zip(centres, xs, strict=True)
        )
    else:
        texts = (
            f'<text x="{coord(c)}" y="{coord(height + 0.5 + 15)}">{escape(x)}</text>'
            for c, x in zip(centres, xs, strict=True)
        )
    return axis_group(
        f"M0.5,{coord(height + 0.5)}h{coord(width)}",
        "".join(f"M{coord(c)},{coord(height + 0.5)}v{TICK_PX}" for c in centres),
        "end" if angle else "middle",
        "".join(texts),
    )


def y_axis(
    ticks: Sequence[float],
    labels: Sequence[str],
    y: ValueScale,
    height: float,
    title_x: float,
    title: str,
) -> str:
    label_x = -TICK_PX - LABEL_PAD_PX + 0.5
    tick_texts = (
        f'<text x="{label_x}" y="{coord(y(t) + 3.5)}">{escape(text)}</text>'
        for t, text in zip(ticks, labels, strict=True)
    )
    axis = axis_group(
        f"M0.5,0.5v{coord(height)}",
        "".join(f"M0.5,{coord(y(t) + 0.5)}h-{TICK_PX}" for t in ticks),
        "end",
        "".join(tick_texts),
    )
    turned = f"translate({coord(-title_x + 0.5)},{coord(height / 2 + 0.5)}) rotate(-90)"
    return axis + axis_title(f'transform="{turned} translate(0,-2)"', title)


def axis_title(at: str, title: str) -> str:
    """An axis's title, centred at `at` (its x and y, or its transform), bold."""
    return (
        f'<text text-anchor="middle" {at} font-size="{AXIS_TITLE_FONT_PX}" '
        f'font-weight="bold">{escape(title)}</text>'
    )


def axis_group(domain: str, ticks: str, anchor: str, labels: str) -> str:
    """An axis: its line and ticks (path data each), and its labels (<text> elements)."""
    return f'<path d="{domain}{ticks}" stroke="{AXIS}"/><g text-anchor="{anchor}">{labels}</g>'


def _area_marks(
    rows: Sequence[ChartRow],
    xs: Sequence[str],
    band: Band,
    y: ValueScale,
    colour: dict[str, str],
) -> list[str]:
    """Per series: an area down to zero, its line, its points; then each spread's rule."""
    centre = {x: band.at(i) + band.bandwidth / 2 for i, x in enumerate(xs)}
    areas: list[str] = []
    lines: list[str] = []
    points: list[str] = []
    rules: list[str] = []
    for name, group in _by_series(rows, xs):
        tops = [(centre[r.x], y(r.value)) for r in group]
        path = "L".join(f"{coord(px)},{coord(py)}" for px, py in tops)
        base = "".join(f"L{coord(px)},{coord(y(0))}" for px, _ in reversed(tops)) + "Z"
        areas.append(f'<path d="M{path}{base}" fill="{colour[name]}" opacity="0.35"/>')
        lines.append(f'<path d="M{path}" stroke="{colour[name]}"/>')
        radius = coord(POINT_RADIUS_PX)
        circles = "".join(
            f'<circle cx="{coord(centre[r.x])}" cy="{coord(y(r.value))}" r="{radius}"/>'
            for r in group
        )
        points.append(f'<g fill="{colour[name]}">{circles}</g>')
        rules.append(rule_path("".join(_rule(r, centre[r.x], y) for r in group), colour[name]))
    return [
        mark_group("area", "".join(areas)),
        mark_group("line", "".join(lines), 'fill="none" stroke-width="2"'),
        mark_group("symbol", "".join(points)),
        mark_group("rule", "".join(rules)),
    ]


def _bar_marks(
    rows: Sequence[ChartRow],
    xs: Sequence[str],
    series: Sequence[str],
    band: Band,
    offsets: Band,
    y: ValueScale,
    colour: dict[str, str],
) -> list[str]:
    """Bars grouped by x and offset by series, one path a series; then each spread's rule."""
    group_at = {x: band.at(i) for i, x in enumerate(xs)}
    offset_at = {s: offsets.at(i) for i, s in enumerate(series)}
    bar_w = max(0.25, offsets.bandwidth)
    bars: list[str] = []
    rules: list[str] = []
    for name, group in _by_series(rows, xs):
        outlines = ""
        for r in group:
            left = group_at[r.x] + offset_at[r.series]
            top, bottom = y(max(r.value, 0.0)), y(min(r.value, 0.0))
            outlines += (
                f"M{coord(left)},{coord(top)}h{coord(bar_w)}v{coord(bottom - top)}h-{coord(bar_w)}Z"
            )
            rules.append(_rule(r, left + offsets.bandwidth / 2, y))
        bars.append(f'<path d="{outlines}" fill="{colour[name]}"/>')
    return [
        mark_group("rect", "".join(bars)),
        mark_group("rule", rule_path("".join(rules), RULE_STROKE) if rules else ""),
    ]


def mark_group(mark: str, content: str, paint: str = "") -> str:
    """A layer of marks, named as Vega names it (`mark-rule role-mark`)."""
    return f'<g class="mark-{mark} role-mark"{" " + paint if paint else ""}>{content}</g>'


def rule_path(lines: str, stroke: str) -> str:
    """Rules (straight lines, path data each) of one colour."""
    return f'<path d="{lines}" stroke="{stroke}"/>'


def _rule(row: ChartRow, x: float, y: ValueScale) -> str:
    return f"M{coord(x)},{coord(y(row.low))}V{coord(y(row.high))}"


def _by_series(rows: Sequence[ChartRow], xs: Sequence[str]) -> Iterator[tuple[str, list[ChartRow]]]:
    """Rows per series (in the order series first appear), each along the x order."""
    position = {x: i for i, x in enumerate(xs)}
    for name in dict.fromkeys(r.series for r in rows):
        yield name, sorted((r for r in rows if r.series == name), key=lambda r: position[r.x])


def _legend(series: Sequence[str], colour: dict[str, str], kind: str) -> tuple[str, float]:
    """The legend's entries in a row, and its width."""
    entries, x = [], 0.0
    for name in series:
        if kind == "area":
            symbol = (
                f'<path d="{circle_path(x + 6, 6, 5)}" fill="{colour[name]}" '
                f'stroke="{colour[name]}" stroke-width="1.5" opacity="0.35"/>'
            )
        else:
            symbol = f'<path d="M{coord(x + 1)},1h10v10h-10Z" fill="{colour[name]}"/>'
        entries.append(f'{symbol}<text x="{coord(x + 16)}" y="9">{escape(name)}</text>')
        x += 16 + text_width(name) + LEGEND_GAP_PX
    return "".join(entries), max(0.0, x - LEGEND_GAP_PX)


def circle_path(cx: float, cy: float, r: float) -> str:
    """A circle as path data, two arcs from its right end, as Vega draws a symbol."""
    right, left, radius = f"{coord(cx + r)},{coord(cy)}", f"{coord(cx - r)},{coord(cy)}", coord(r)
    return f"M{right}A{radius},{radius},0,1,1,{left}A{radius},{radius},0,1,1,{right}"


def coord(value: float) -> str:
    """A coordinate, to 1/10 of a pixel."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# Helvetica's advance widths in 1/1000 em for printable ASCII (32-126); others count as "o".
_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 "
    "556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 "
    "556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 "
    "500 500 500 334 260 334 584"
)
_ADVANCE = [int(w) for w in _WIDTHS.split()]


def text_width(text: str, font_px: float = LABEL_FONT_PX) -> float:
    """About how wide `text` is in a sans-serif font of `font_px` (Helvetica's widths)."""
    em = sum(_ADVANCE[ord(c) - 32] if 32 <= ord(c) <= 126 else 556 for c in text)
    return em * font_px / 1000


def escape(text: str) -> str:
    """Text for an SVG element: escaped, control characters shown, never raw (not XML)."""
    return saxutils.escape(printable(text))


def quoteattr(text: str) -> str:
    return saxutils.quoteattr(printable(text))
