"""A run chart drawn to SVG in Python, the way Vega draws the chart's Vega-Lite spec.

vl-convert spends 20-30 ms of CPU on a chart; a site of 1,000 runs has up to 4,000 of them.
This draws the same picture in well under a millisecond, from the same rows: Vega-Lite's
scales (band paddings, the nice zero-based value axis with `ceil(height / 40)` ticks), marks,
category colours, fonts and layout. `tests/test_svgchart.py` compares every mark, tick and
label with vl-convert's drawing of the chart's spec. Text widths, which only place the axis
title and the legend entries, are estimated from Helvetica-like metrics.

Unlike Vega's, the marks carry no aria-label each: a page shows the chart as an <img>, whose
alt text and the chart's data table beside it are what a screen reader reads. That keeps a
chart ~30 % smaller, which counts at 10,000 runs (~40,000 charts).
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
FONT = 'font-family="sans-serif"'
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
        f'<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="{svg_w}" '
        f'height="{svg_h}" viewBox="0 0 {svg_w} {svg_h}" role="graphics-document" '
        f"aria-label={quoteattr(chart.title)}>",
        f'<rect width="{svg_w}" height="{svg_h}" fill="white"/>',
        f'<g class="mark-group role-frame root" transform="translate({f.left},{f.top})" '
        'fill="none">',
        f'<path class="background" d="M0.5,0.5h{coord(width)}v{coord(height)}h-{coord(width)}Z" '
        f'stroke="{GRID}"/>',
        grid(f.ticks, f.y, width),
        _x_axis(xs, f.band, height, width, chart.label_angle),
        y_axis(f.ticks, f.labels, f.y, height, f.title_x, chart.y_title),
        *marks,
        f'<g class="mark-group role-legend" transform="translate(0,{coord(f.legend_y)})">',
        f"{f.legend}</g>",
        "</g></svg>",
    ]
    return "".join(parts)


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


def grid(ticks: Sequence[float], y: ValueScale, width: float) -> str:
    lines = "".join(f"M0,{coord(y(t) + 0.5)}h{coord(width)}" for t in ticks)
    return f'<path class="role-axis-grid" d="{lines}" stroke="{GRID}"/>'


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
        "x",
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
        "y",
        f"M0.5,0.5v{coord(height)}",
        "".join(f"M0.5,{coord(y(t) + 0.5)}h-{TICK_PX}" for t in ticks),
        "end",
        "".join(tick_texts),
    )
    return (
        f'{axis}<text class="role-axis-title" text-anchor="middle" '
        f'transform="translate({coord(-title_x + 0.5)},{coord(height / 2 + 0.5)}) rotate(-90) '
        f'translate(0,-2)" {FONT} font-size="{AXIS_TITLE_FONT_PX}px" font-weight="bold" '
        f'fill="#000">{escape(title)}</text>'
    )


def axis_group(name: str, domain: str, ticks: str, anchor: str, labels: str) -> str:
    """An axis: its line, its ticks (path data each), and its labels (<text> elements)."""
    return (
        f'<g class="role-axis" data-axis="{name}" stroke="{AXIS}">'
        f'<path class="role-axis-domain" d="{domain}"/>'
        f'<path class="role-axis-tick" d="{ticks}"/></g>'
        f'<g class="role-axis-label" data-axis="{name}" text-anchor="{anchor}" {FONT} '
        f'font-size="{LABEL_FONT_PX}px" fill="#000">{labels}</g>'
    )


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
    for name, group in _by_series(rows, xs):
        tops = [(centre[r.x], y(r.value)) for r in group]
        path = "L".join(f"{coord(px)},{coord(py)}" for px, py in tops)
        base = "".join(f"L{coord(px)},{coord(y(0))}" for px, _ in reversed(tops)) + "Z"
        areas.append(f'<path d="M{path}{base}" fill="{colour[name]}" opacity="0.35"/>')
        lines.append(f'<path d="M{path}" stroke="{colour[name]}" stroke-width="2"/>')
        points.extend(
            f'<circle cx="{coord(centre[r.x])}" cy="{coord(y(r.value))}" '
            f'r="{coord(POINT_RADIUS_PX)}" fill="{colour[name]}"/>'
            for r in group
        )
    rules = [
        _rule(r, centre[r.x], y, colour[r.series])
        for _, group in _by_series(rows, xs)
        for r in group
    ]
    return [
        f'<g class="mark-area role-mark">{"".join(areas)}</g>',
        f'<g class="mark-line role-mark">{"".join(lines)}</g>',
        f'<g class="mark-symbol role-mark">{"".join(points)}</g>',
        f'<g class="mark-rule role-mark">{"".join(rules)}</g>',
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
    """One bar per row, grouped by x and offset by series; then each spread's rule."""
    group_at = {x: band.at(i) for i, x in enumerate(xs)}
    offset_at = {s: offsets.at(i) for i, s in enumerate(series)}
    bar_w = max(0.25, offsets.bandwidth)
    bars: list[str] = []
    rules: list[str] = []
    ordered = [r for _, group in _by_series(rows, xs) for r in group]
    for r in ordered:
        left = group_at[r.x] + offset_at[r.series]
        top, bottom = y(max(r.value, 0.0)), y(min(r.value, 0.0))
        bars.append(
            f'<path d="M{coord(left)},{coord(top)}h{coord(bar_w)}v{coord(bottom - top)}'
            f'h-{coord(bar_w)}Z" fill="{colour[r.series]}"/>'
        )
        rules.append(_rule(r, left + offsets.bandwidth / 2, y, RULE_STROKE))
    return [
        f'<g class="mark-rect role-mark">{"".join(bars)}</g>',
        f'<g class="mark-rule role-mark">{"".join(rules)}</g>',
    ]


def _rule(row: ChartRow, x: float, y: ValueScale, stroke: str) -> str:
    return f'<path d="M{coord(x)},{coord(y(row.low))}V{coord(y(row.high))}" stroke="{stroke}"/>'


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
                f'<path transform="translate({coord(x + 6)},6)" '
                f'd="M5,0A5,5,0,1,1,-5,0A5,5,0,1,1,5,0" '
                f'fill="{colour[name]}" stroke="{colour[name]}" stroke-width="1.5" opacity="0.35"/>'
            )
        else:
            symbol = (
                f'<path transform="translate({coord(x + 6)},6)" d="M-5,-5h10v10h-10Z" '
                f'fill="{colour[name]}"/>'
            )
        entries.append(
            f'<g class="role-legend-entry">{symbol}<text x="{coord(x + 16)}" y="9" {FONT} '
            f'font-size="{LABEL_FONT_PX}px" fill="#000">{escape(name)}</text></g>'
        )
        x += 16 + text_width(name) + LEGEND_GAP_PX
    return "".join(entries), max(0.0, x - LEGEND_GAP_PX)


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
