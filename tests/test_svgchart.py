"""Run charts drawn by bench.site.charts.svg show what Vega draws from the same Vega-Lite spec.

Each chart is drawn twice: by `draw_svg` (what the site publishes) and by vl-convert from the
chart's downloadable spec. Every mark (bar, point, area, line, spread rule), matched by what it
says to a screen reader, must sit at the same coordinates; the axes must carry the same tick
labels at the same places, and the legend and title the same words.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest
import vl_convert

from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.schema import RunRecord
from bench.site.cache import BuildCache
from bench.site.charts.frontier import frontier_chart
from bench.site.charts.model import Chart, ChartKind, charts_for, drawn_size
from bench.site.charts.svg import draw_svg
from tests.support import records as varied
from tests.support.records import make_record
from tests.support.sitebuild import REPO, SEED_RUN

MARK_PX = 0.051  # marks are placed by the same arithmetic, to 1/10 of a pixel
TEXT_PX = 1.0  # text anchors: Vega rounds some of them to whole pixels

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
_TRANSLATE = re.compile(r"translate\(\s*(-?[\d.e-]+)[ ,]\s*(-?[\d.e-]+)\s*\)")


Geometry = tuple[float, ...]


@dataclass
class Drawn:
    """What a reader sees in an SVG chart, in pixels from the plot's top left corner."""

    bars: list[Geometry] = field(default_factory=list)  # x, y, width, height
    points: list[Geometry] = field(default_factory=list)  # x, y
    rules: list[Geometry] = field(default_factory=list)  # x, top, bottom
    paths: list[tuple[str, list[Geometry]]] = field(default_factory=list)  # area, line
    texts: list[tuple[str, float, float]] = field(default_factory=list)
    rotated: list[tuple[str, float, float]] = field(default_factory=list)  # and where

    def moved(self, ox: float, oy: float) -> Drawn:
        def at(points: list[Geometry]) -> list[Geometry]:
            return sorted((x - ox, y - oy) for x, y in points)

        return Drawn(
            bars=sorted((x - ox, y - oy, w, h) for x, y, w, h in self.bars),
            points=at(self.points),
            rules=sorted((x - ox, top - oy, bottom - oy) for x, top, bottom in self.rules),
            paths=sorted((kind, [(x - ox, y - oy) for x, y in p]) for kind, p in self.paths),
            texts=sorted((t, x - ox, y - oy) for t, x, y in self.texts),
            rotated=sorted((t, x - ox, y - oy) for t, x, y in self.rotated),
        )


def _read(svg: str) -> Drawn:
    """Marks found by their mark group (`<g class="mark-rect role-mark">`, Vega's and ours)."""
    root = ET.fromstring(svg)
    drawn = Drawn()
    origin: list[tuple[float, float]] = []

    def walk(node: ET.Element, dx: float, dy: float, mark: str) -> None:
        transform = node.get("transform", "")
        moved = _TRANSLATE.match(transform)
        if moved and "rotate" not in transform:
            dx, dy = dx + float(moved.group(1)), dy + float(moved.group(2))
        classes = node.get("class", "").split()
        if "role-frame" in classes and not origin:
            origin.append((dx, dy))
        if "role-mark" in classes:
            mark = classes[0].removeprefix("mark-")
        tag = node.tag.rpartition("}")[2]
        d = [float(n) for n in _NUMBER.findall(node.get("d", ""))]
        if mark and tag in ("path", "line", "circle"):
            if mark == "rect":  # Vega's: a path a bar; ours: a path a series, a subpath a bar
                for bar in _subpaths(node.get("d", "")):
                    assert len(bar) == 5, bar  # M x,y h width v height h -width Z
                    drawn.bars.append((dx + bar[0], dy + bar[1], bar[2], bar[3]))
            elif mark == "symbol" and tag == "circle":  # ours
                drawn.points.append(
                    (dx + float(node.get("cx", "")), dy + float(node.get("cy", "")))
                )
            elif mark == "symbol":  # Vega's: a circle path moved to its place
                drawn.points.append((dx, dy))
            elif mark == "rule" and tag == "line":  # Vega's: translate(x, y1), y2 = y2 - y1
                drawn.rules.append((dx, *sorted((dy, dy + float(node.get("y2", "0"))))))
            elif mark == "rule":  # ours: a path a colour, each rule M x,y1 V y2
                for x, y1, y2 in map(tuple, _subpaths(node.get("d", ""))):
                    drawn.rules.append((dx + x, *sorted((dy + y1, dy + y2))))
            elif mark in ("area", "line"):
                points: list[Geometry] = [
                    (dx + x, dy + y) for x, y in zip(d[::2], d[1::2], strict=True)
                ]
                drawn.paths.append((mark, points))
        if tag == "text":
            text = "".join(node.itertext())
            if "rotate" in transform:  # where it turns: the translate before the rotate
                at = _TRANSLATE.match(transform)
                assert at is not None, transform
                drawn.rotated.append((text, dx + float(at.group(1)), dy + float(at.group(2))))
            else:
                drawn.texts.append(
                    (text, dx + float(node.get("x", "0")), dy + float(node.get("y", "0")))
                )
        for child in node:
            walk(child, dx, dy, mark)

    walk(root, 0.0, 0.0, "")
    assert origin, "the chart has a plot frame"
    return drawn.moved(*origin[0])


def _subpaths(d: str) -> list[list[float]]:
    """Each subpath's numbers, from its M to the next."""
    return [[float(n) for n in _NUMBER.findall(sub)] for sub in d.split("M")[1:]]


def _close(ours: Geometry, vega: Geometry, tolerance: float) -> bool:
    return len(ours) == len(vega) and all(
        abs(a - b) <= tolerance for a, b in zip(ours, vega, strict=False)
    )


def _same(ours: list[Geometry], vega: list[Geometry], tolerance: float) -> bool:
    return len(ours) == len(vega) and all(
        _close(a, b, tolerance) for a, b in zip(ours, vega, strict=True)
    )


def _records() -> dict[str, RunRecord]:
    seed = load_record(REPO / "archive" / SEED_RUN / "run.json")
    walls = {"tiny:0.5b": 1234.5, "mid:3b": 2047.0, "big:8b": 4321.25}
    quick = {"tiny:0.5b": 0.034, "mid:3b": 0.05, "big:8b": 0.21}
    failed_call = varied.record(
        [
            varied.direct("a:1b", 1.0, varied.sample(3.0)),
            varied.direct("b:7b", 7.0, varied.sample(9.0, error="HTTP 500")),
            varied.direct("c:13b", 13.0, varied.sample(21.5, failed=("cli_output_file",))),
        ],
        [varied.cascade("a:1b", "c:13b", (30.0, ()))],
    )
    same_sizes = ("qwen2.5-coder:7b", "mistral:7b", "llama3.1:8b", "gemma2:9b")
    return {
        "seed": seed,
        "long-labels": make_record(
            models=same_sizes,
            pairs=tuple((small, "gemma2:9b") for small in same_sizes[:3]),
        ),
        "three-models-two-pairs": make_record(),
        "repeats-with-spread": make_record(repeats=3),
        "suite-with-intervals": make_record(
            tasks=("t-0", "t-1", "t-2"),
            repeats=2,
            failed={
                "tiny:0.5b": {"t-0": ("python_compile",)},
                "mid:3b": {"t-1": ("parses_input",)},
            },
        ),
        "thousands-of-seconds": make_record(call_wall_s=walls),
        "fractions-of-a-second": make_record(call_wall_s=quick),
        "five-models": make_record(
            models=("a:0.5b", "b:1b", "c:3b", "d:7b", "e:14b"),
            pairs=(("a:0.5b", "e:14b"), ("b:1b", "e:14b"), ("c:3b", "d:7b")),
        ),
        "nothing-passes": make_record(failed={m: ("python_compile",) for m in ("tiny:0.5b",)}),
        "a-failed-call": failed_call,
        "one-model": make_record(models=("solo:3b",), pairs=()),
    }


RECORD_NAMES = (
    "seed",
    "long-labels",
    "three-models-two-pairs",
    "repeats-with-spread",
    "suite-with-intervals",
    "thousands-of-seconds",
    "fractions-of-a-second",
    "five-models",
    "nothing-passes",
    "a-failed-call",
    "one-model",
)


@pytest.fixture(scope="module")
def records() -> dict[str, RunRecord]:
    """Made when the first test asks, not when the module is collected."""
    found = _records()
    assert tuple(found) == RECORD_NAMES
    return found


@pytest.fixture(scope="module")
def cache() -> BuildCache:
    """This module's one build: each spec template is built once."""
    return BuildCache()


def _drawn_charts(record: RunRecord, cache: BuildCache) -> list[Chart]:
    return [chart for chart in charts_for(RunAnalysis(record), cache) if chart.rows]


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_marks_ticks_and_labels_are_where_vega_draws_them(
    name: str, records: dict[str, RunRecord], cache: BuildCache
) -> None:
    for chart in _drawn_charts(records[name], cache):
        _same_as_vega(chart)


def _same_as_vega(chart: Chart) -> None:
    ours = _read(draw_svg(chart))
    vega = _read(vl_convert.vegalite_to_svg(chart.spec))

    assert len(ours.bars) + len(ours.points) == len(ours.rules) == len(chart.rows)
    assert _same(ours.bars, vega.bars, MARK_PX)
    assert _same(ours.points, vega.points, MARK_PX)
    assert _same(ours.rules, vega.rules, MARK_PX)
    assert [kind for kind, _ in ours.paths] == [kind for kind, _ in vega.paths]
    assert bool(ours.paths) == (chart.kind is ChartKind.AREA)
    for (kind, points), (_, vega_points) in zip(ours.paths, vega.paths, strict=True):
        assert _same(points, vega_points, MARK_PX), kind

    y_title = chart.spec["layer"][0]["encoding"]["y"]["title"]
    assert [t for t, _, _ in ours.rotated] == [t for t, _, _ in vega.rotated]
    assert y_title in [t for t, _, _ in ours.rotated]
    slanted = len(ours.rotated) - 1
    assert slanted == (len(chart.order) if chart.label_angle else 0)
    for (text, x, y), (_, vx, vy) in zip(ours.rotated, vega.rotated, strict=True):
        if text != y_title:  # its distance from the axis follows the tick labels' width
            assert _close((x, y), (vx, vy), TEXT_PX), text
    legend = set(chart.series)
    assert [t for t, _, _ in ours.texts] == [t for t, _, _ in vega.texts]
    for (text, x, y), (_, vx, vy) in zip(ours.texts, vega.texts, strict=True):
        if text in legend:
            continue  # placed after the entries before it, whose width Vega measures
        assert _close((x, y), (vx, vy), TEXT_PX), text


def test_the_value_axis_starts_at_zero_in_round_steps_above_the_highest_value(
    records: dict[str, RunRecord], cache: BuildCache
) -> None:
    run = RunAnalysis(records["thousands-of-seconds"])
    chart = next(c for c in charts_for(run, cache) if c.name == "direct-wall")
    drawn = _read(draw_svg(chart))
    bottom_up = sorted(drawn.texts, key=lambda text: -text[2])
    ticks = [t for t, x, _ in bottom_up if x < 0]
    assert ticks == ["0", "1,000", "2,000", "3,000", "4,000"]
    highest = max(chart.rows, key=lambda r: r.value)
    assert highest.value == 4321.25
    top = min(y for _, y in drawn.points)  # the highest point, 4321.25 s
    assert 0 < top < _tick_y(drawn, "4,000")


def _tick_y(drawn: Drawn, text: str) -> float:
    return next(y for t, x, y in drawn.texts if t == text and x < 0)


def test_text_from_the_record_is_escaped(cache: BuildCache) -> None:
    """The run charts label models by size; the frontier names them: the name must reach it."""
    record = varied.record(
        [
            varied.direct("<b>&co:7b", 7.0, varied.sample(3.0)),
            varied.direct("x:1b", 1.0, varied.sample(2.0)),
        ]
    )
    analysis = RunAnalysis(record)
    for svg in [*(draw_svg(c) for c in _drawn_charts(record, cache))]:
        ET.fromstring(svg)  # well-formed
        assert "<b>" not in svg
    frontier = frontier_chart(analysis, cache).draw()
    ET.fromstring(frontier)
    assert "&lt;b&gt;&amp;co:7b" in frontier and "<b>" not in frontier


def test_a_chart_is_a_standalone_svg_document(
    records: dict[str, RunRecord], cache: BuildCache
) -> None:
    chart = _drawn_charts(records["seed"], cache)[0]
    svg = draw_svg(chart)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.get("width", "0")) > chart.spec["width"]
    assert float(root.get("height", "0")) > chart.spec["height"]
    assert root.get("aria-label") == chart.title


def test_a_page_gives_each_chart_the_size_it_is_drawn_at(
    records: dict[str, RunRecord], cache: BuildCache
) -> None:
    charts = [c for record in records.values() for c in charts_for(RunAnalysis(record), cache)]

    for chart in charts:
        root = ET.fromstring(draw_svg(chart))
        assert drawn_size(chart) == (int(root.get("width", "")), int(root.get("height", "")))


def test_one_model_is_drawn_as_a_bar_not_a_lone_dot(
    records: dict[str, RunRecord], cache: BuildCache
) -> None:
    charts = {c.name: c for c in charts_for(RunAnalysis(records["one-model"]), cache)}

    for name in ("direct-score", "direct-wall"):
        assert (charts[name].kind, charts[name].kicker) == (ChartKind.BAR, "Bar Chart")
        svg = draw_svg(charts[name])
        assert "mark-area" not in svg and "mark-rect" in svg


def test_a_chart_without_rows_is_an_empty_plot(cache: BuildCache) -> None:
    chart = charts_for(RunAnalysis(make_record(pairs=())), cache)[2]
    assert chart.name == "cascade-score" and not chart.rows
    drawn = _read(draw_svg(chart))
    assert (drawn.bars, drawn.points, drawn.rules, drawn.paths) == ([], [], [], [])
    assert {t for t, x, _ in drawn.texts if x < 0} == {"0", "20", "40", "60", "80", "100"}


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_a_chart_does_not_repeat_the_heading_above_it(
    name: str, records: dict[str, RunRecord], cache: BuildCache
) -> None:
    for chart in _drawn_charts(records[name], cache):
        texts = re.findall(r">([^<>]+)</text>", draw_svg(chart))
        assert chart.title not in texts, chart.name
        assert "title" not in chart.spec, chart.name  # the page's <h3> names the chart
