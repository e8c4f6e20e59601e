"""The run page's frontier chart: mean score against median wall time per task, every direct
model and handoff pair a point with its error bars, the frontier as a step line through the
points no other beats, and each pair's mixing line. A Vega-Lite spec built with altair, drawn
to SVG by `bench.site.charts.frontier_svg` as Vega draws it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from bench.record.analysis import RunAnalysis
from bench.record.frontier import Frontier, Point, run_frontier
from bench.record.safety import printable
from bench.site import fmt, sure
from bench.site.cache import BuildCache
from bench.site.charts.frontier_svg import draw_frontier_svg
from bench.site.charts.model import HEIGHT_PX, WIDTH_PX, ChartKind, SpecData, spec_text

NAME = "frontier"
X_TITLE = "Median wall time per task (s)"
Y_TITLE = "Mean score (0-100)"
KIND_LABEL = {"direct": "direct model", "handoff": "handoff pair"}


@dataclass(frozen=True)
class FrontierRow:
    """One candidate's point, as the chart's data table shows it."""

    name: str
    kind: str  # "direct model", "handoff pair"
    score: str  # mean, with its 95% interval or why it has none (`sure.estimate`)
    wall: str  # median per task, with its spread
    frontier: str  # "on the frontier", or how far below it


@dataclass(frozen=True)
class FrontierChart:
    """What the page and the drawer need; like `Chart`, it publishes its SVG and its spec."""

    figures: Frontier
    spec: dict[str, Any]
    spec_data: SpecData
    name: str = NAME
    kind: ChartKind = ChartKind.FRONTIER
    title: str = "Score against time: the frontier"
    description: str = (
        "Up and to the left is better. Each model and handoff pair is its mean score (with its "
        "95% interval) against its median wall time per task (with its spread); the solid step "
        "line is the frontier, the points no other scores more on in less time, and a dashed "
        "line joins each pair's two models: what asking one or the other at random would give."
    )

    @functools.cached_property
    def spec_json(self) -> str:
        return spec_text(self.spec)

    @property
    def kicker(self) -> str:
        return self.kind.kicker

    @property
    def series(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.figures.points)

    @property
    def rows(self) -> tuple[FrontierRow, ...]:
        return tuple(_row(p) for p in self.figures.points)

    @property
    def empty_note(self) -> str | None:
        """None: points at a score of 0 are drawn, on the frame's floor."""
        return None

    @property
    def width_px(self) -> int:
        return WIDTH_PX

    @property
    def height_px(self) -> int:
        return HEIGHT_PX

    def draw(self) -> str:
        return draw_frontier_svg(self.figures, self.title, WIDTH_PX, HEIGHT_PX, X_TITLE, Y_TITLE)


def frontier_chart(run: RunAnalysis, cache: BuildCache) -> FrontierChart:
    figures = run_frontier(run)
    data = SpecData(TEMPLATE, values(figures))
    return FrontierChart(figures, _spec(cache, data), data)


def _row(p: Point) -> FrontierRow:
    w = p.wall
    spread = "" if w.low_s == w.high_s else f" ({fmt.seconds(w.low_s)}–{fmt.seconds(w.high_s)})"
    where = (
        "on the frontier"
        if p.on_frontier
        else f"{fmt.score(p.below_frontier_pts)} pts below the frontier"
    )
    return FrontierRow(
        name=p.name,
        kind=KIND_LABEL[p.kind],
        score=sure.estimate(p.score),
        wall=f"{fmt.seconds(p.wall_s)}{spread}",
        frontier=where,
    )


def values(figures: Frontier) -> list[dict[str, Any]]:
    """The spec's data: a row per point, and two per mixing line (its ends)."""
    found: list[dict[str, Any]] = [
        {
            "layer": "point",
            "name": printable(p.name),  # the spec's data is shown as it is, by any Vega viewer
            "kind": p.kind,
            "score": p.score_pts,
            "score_low": p.score_low_pts,
            "score_high": p.score_high_pts,
            "wall": p.wall_s,
            "wall_low": p.wall.low_s,
            "wall_high": p.wall.high_s,
            "frontier": p.on_frontier,
        }
        for p in figures.points
    ]
    for n, mix in enumerate(figures.mixes):
        found += [
            {"layer": "mix", "line": n, "wall": end.wall_s, "score": end.score_pts}
            for end in (mix.small, mix.large)
        ]
    return found


# A placeholder altair carries through into the template spec, and how it reads in its JSON.
_VALUES = [{"\x00values": 0}]
VALUES_JSON = json.dumps(_VALUES)
TEMPLATE = "run-frontier"


def template_json(cache: BuildCache) -> str:
    """altair's spec for the frontier chart, its data a placeholder."""
    return cache.template(TEMPLATE, [__file__], lambda: json.dumps(altair_spec(_VALUES)))


def _spec(cache: BuildCache, data: SpecData) -> dict[str, Any]:
    """altair's spec for this data: its template, with the data put in (as `model._spec`)."""
    text = template_json(cache).replace(VALUES_JSON, json.dumps(data.values))
    spec: dict[str, Any] = json.loads(text)
    return spec


def altair_spec(data: list[dict[str, Any]]) -> dict[str, Any]:
    """The chart's Vega-Lite spec, built and validated by altair."""
    import altair as alt  # ~0.2 s; a build with every template kept never imports it

    base = alt.Chart(alt.Data(values=data))  # type: ignore[no-untyped-call]
    points = base.transform_filter(alt.datum.layer == "point")
    x = alt.X("wall:Q", title=X_TITLE, scale=alt.Scale(zero=True))
    y = alt.Y("score:Q", title=Y_TITLE, scale=alt.Scale(domain=[0, 100]))
    mixes = (
        base.transform_filter(alt.datum.layer == "mix")
        .mark_line(color="#999", strokeDash=[4, 3])
        .encode(x=x, y=y, detail="line:N")
    )
    frontier = (
        points.transform_filter(alt.datum.frontier)
        .mark_line(color="#333", interpolate="step-after")
        .encode(x=x, y=y)
    )
    score_bars = points.mark_rule(color="#333").encode(x=x, y="score_low:Q", y2="score_high:Q")
    wall_bars = points.mark_rule(color="#333").encode(x="wall_low:Q", x2="wall_high:Q", y=y)
    marks = points.mark_point(filled=True, opacity=1, size=60).encode(
        x=x,
        y=y,
        color=alt.Color("name:N", title=None, legend=alt.Legend(orient="bottom", columns=1)),
        shape=alt.Shape("kind:N", legend=None),
        tooltip=[alt.Tooltip("name:N"), alt.Tooltip("score:Q"), alt.Tooltip("wall:Q")],
    )
    # No title: the page's heading just above the chart names it (and the SVG's aria-label).
    chart = (mixes + frontier + score_bars + wall_bars + marks).properties(
        width=WIDTH_PX, height=HEIGHT_PX
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec
