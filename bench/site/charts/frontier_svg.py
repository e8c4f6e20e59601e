"""The frontier chart drawn to SVG in Python, the way Vega draws its Vega-Lite spec.

The same scales, marks, colours and layout as Vega (`bench.site.charts.svg` holds what the run
charts share): a linear time axis from 0 to d3's nice top, in `ceil(width / 40)` ticks with
its end labels flush, the 0-100 score axis, each pair's dashed mixing line, the frontier as a
step line, each point's error bars as rules, the points (circles: direct models, squares:
handoff pairs) and a legend of one entry a line. `tests/test_frontier_chart.py` compares the
drawing with vl-convert's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from bench.record.frontier import Frontier, Point
from bench.site.charts.svg import (
    AXIS_TITLE_FONT_PX,
    CATEGORY,
    LABEL_FONT_PX,
    PADDING,
    RULE_STROKE,
    TICK_PX,
    ValueScale,
    axis_group,
    axis_title,
    circle_path,
    coord,
    document_start,
    escape,
    frame_and_grid,
    mark_group,
    nice_top,
    rule_path,
    text_width,
    tick_labels,
    tick_values,
    y_axis,
)

SYMBOL_SIZE = 60  # the points' area, px²
X_LABEL_Y_PX = 15  # below the axis: Vega's label baseline
X_TITLE_Y_PX = 30
LEGEND_BELOW_PX = 50  # from the axis to the legend's top
LEGEND_ROW_PX = 13
MIX_STROKE = "#999"
_R = math.sqrt(SYMBOL_SIZE) / 2


def draw_frontier_svg(
    figures: Frontier, title: str, width: int, height: int, x_title: str, y_title: str
) -> str:
    """The chart as a standalone SVG document."""
    w, h = float(width), float(height)
    points = figures.points
    reach = max((max(p.wall.high_s, p.wall_s) for p in points), default=0.0)
    x_top = nice_top(reach) if reach > 0 else 1.0
    x_ticks = tick_values(x_top, math.ceil(w / 40))

    def x(value: float) -> float:
        return value / x_top * w

    y = ValueScale(100.0, h)
    y_ticks = tick_values(100.0, math.ceil(h / 40))
    y_labels = tick_labels(y_ticks)
    names = sorted({p.name for p in points})  # Vega sorts the colour domain
    colour = {name: CATEGORY[i % len(CATEGORY)] for i, name in enumerate(names)}

    title_x = TICK_PX + 2 + max(text_width(t) for t in y_labels) + 4
    left = math.ceil(PADDING + title_x + AXIS_TITLE_FONT_PX)
    top = PADDING + math.ceil(max(LABEL_FONT_PX / 2, _R))
    legend_y = h + LEGEND_BELOW_PX
    legend, legend_w = _legend(names, colour)
    svg_w = left + math.ceil(max(w + 1, legend_w)) + PADDING
    svg_h = math.ceil(top + legend_y + LEGEND_ROW_PX * max(len(names) - 1, 0) + 12 + PADDING)
    parts = [
        document_start(svg_w, svg_h, title, left, top),
        frame_and_grid(w, h, _grid(x_ticks, x, y_ticks, y, w, h)),
        _x_axis(x_ticks, x, w, h, x_title),
        y_axis(y_ticks, y_labels, y, h, title_x, y_title),
        *_marks(figures, x, y, colour),
        f'<g transform="translate(0,{coord(legend_y)})">{legend}</g>',
        "</g></svg>",
    ]
    return "".join(parts)


def _grid(
    x_ticks: Sequence[float],
    x: Callable[[float], float],
    y_ticks: Sequence[float],
    y: ValueScale,
    w: float,
    h: float,
) -> str:
    lines = "".join(f"M{coord(x(t) + 0.5)},0.5v{coord(h)}" for t in x_ticks)
    return lines + "".join(f"M0.5,{coord(y(t) + 0.5)}h{coord(w)}" for t in y_ticks)


def _x_axis(
    ticks: Sequence[float], x: Callable[[float], float], w: float, h: float, title: str
) -> str:
    """Vega's continuous x axis: the first label starts at its tick, the last ends at it."""
    base = h + 0.5
    labels = tick_labels(ticks)
    texts = []
    for i, (t, label) in enumerate(zip(ticks, labels, strict=True)):
        anchor = "start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
        at = f'x="{coord(x(t) + 0.5)}" y="{coord(base + X_LABEL_Y_PX)}"'
        texts.append(f'<text text-anchor="{anchor}" {at}>{escape(label)}</text>')
    axis = axis_group(
        f"M0.5,{coord(base)}h{coord(w)}",
        "".join(f"M{coord(x(t) + 0.5)},{coord(base)}v{TICK_PX}" for t in ticks),
        "middle",
        "".join(texts),
    )
    return axis + axis_title(f'x="{coord(w / 2 + 0.5)}" y="{coord(base + X_TITLE_Y_PX)}"', title)


def _marks(
    figures: Frontier, x: Callable[[float], float], y: ValueScale, colour: dict[str, str]
) -> list[str]:
    """As the spec's layers: mixing lines, the frontier, score bars, time bars, points."""
    mixes = "".join(
        f'<path d="{_line([(e.wall_s, e.score_pts) for e in (m.small, m.large)], x, y)}"/>'
        for m in figures.mixes
    )
    steps = [(p.wall_s, p.score_pts) for p in figures.frontier]
    frontier = f'<path d="{_steps(steps, x, y)}"/>' if steps else ""
    points = figures.points
    score_bars = "".join(
        f"M{coord(x(p.wall_s))},{coord(y(p.score_low_pts))}V{coord(y(p.score_high_pts))}"
        for p in points
    )
    wall_bars = "".join(
        f"M{coord(x(p.wall.low_s))},{coord(y(p.score_pts))}H{coord(x(p.wall.high_s))}"
        for p in points
    )
    symbols = "".join(_symbol(p, x(p.wall_s), y(p.score_pts), colour[p.name]) for p in points)
    line = 'fill="none" stroke-width="2" stroke='
    return [
        mark_group("line", mixes, f'{line}"{MIX_STROKE}" stroke-dasharray="4,3"'),
        mark_group("line", frontier, f'{line}"{RULE_STROKE}"'),
        mark_group("rule", rule_path(score_bars, RULE_STROKE) if points else ""),
        mark_group("rule", rule_path(wall_bars, RULE_STROKE) if points else ""),
        mark_group("symbol", symbols),
    ]


def _line(ends: list[tuple[float, float]], x: Callable[[float], float], y: ValueScale) -> str:
    ordered = sorted(ends)  # Vega draws a line along x
    return "M" + "L".join(f"{coord(x(t))},{coord(y(s))}" for t, s in ordered)


def _steps(at: list[tuple[float, float]], x: Callable[[float], float], y: ValueScale) -> str:
    """d3's step-after curve: across to the next point's time, then up to its score."""
    path = f"M{coord(x(at[0][0]))},{coord(y(at[0][1]))}"
    for (_, s0), (t1, s1) in itertools.pairwise(at):
        path += f"L{coord(x(t1))},{coord(y(s0))}L{coord(x(t1))},{coord(y(s1))}"
    return path


def _symbol(p: Point, cx: float, cy: float, fill: str) -> str:
    r = coord(_R)
    if p.kind == "handoff":
        side = coord(2 * _R)
        d = f"M-{r},-{r}h{side}v{side}h-{side}Z"
    else:
        d = f"M{r},0A{r},{r},0,1,1,-{r},0A{r},{r},0,1,1,{r},0"
    return f'<path transform="translate({coord(cx)},{coord(cy)})" d="{d}" fill="{fill}"/>'


def _legend(names: Sequence[str], colour: dict[str, str]) -> tuple[str, float]:
    """One entry a line, each a circle in its colour and its name; and the legend's width."""
    entries = [
        f'<path d="{circle_path(6, 6 + LEGEND_ROW_PX * i, 5)}" fill="{colour[name]}"/>'
        f'<text x="16" y="{9 + LEGEND_ROW_PX * i}">{escape(name)}</text>'
        for i, name in enumerate(names)
    ]
    width = max((16 + text_width(name) for name in names), default=0.0)
    return "".join(entries), width
