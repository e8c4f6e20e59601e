"""The frontier chart on a run page: drawn in Python where Vega draws its spec, published as
SVG with its Vega-Lite spec beside it, names from the record escaped; the seed page keeps every
sentence it had."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import vl_convert

from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.schema import RunRecord
from bench.site import sure
from bench.site.cache import BuildCache
from bench.site.charts.frontier import FrontierChart, altair_spec, frontier_chart, values
from bench.site.report import report_path
from tests.support import records as varied
from tests.support.records import handoff_run, make_record, write_archive
from tests.support.sitebuild import (
    REPO,
    SEED_RUN,
    build_in_process,
    downloaded_spec,
    make_project,
    page_text,
)

MARK_PX = 0.051  # the same arithmetic, to 1/10 of a pixel
TEXT_PX = 1.0
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
_TRANSLATE = re.compile(r"translate\(\s*(-?[\d.e-]+)[ ,]\s*(-?[\d.e-]+)\s*\)")

YES, NO = True, False
ON = handoff_run([YES] * 4, [NO, NO, NO, YES], [YES, NO, YES, YES], large_wall_s=60.0)
OFF = handoff_run([NO] * 3, [YES, NO, YES], [NO] * 3, run_id="bench-2026-05-02_10-00-00")


@dataclass
class Drawn:
    """Marks and texts, in pixels from the plot's top left corner."""

    rules: list[tuple[float, ...]] = field(default_factory=list)  # x1, y1, x2, y2
    symbols: list[tuple[str, float, float]] = field(default_factory=list)  # shape, x, y
    lines: list[list[tuple[float, float]]] = field(default_factory=list)
    texts: list[tuple[str, float, float]] = field(default_factory=list)


def read(svg: str) -> Drawn:
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
        d = node.get("d", "")
        numbers = [float(n) for n in _NUMBER.findall(d)]
        if mark == "rule" and tag == "line":  # Vega's
            x2, y2 = float(node.get("x2", "0")), float(node.get("y2", "0"))
            drawn.rules.append(_segment(dx, dy, dx + x2, dy + y2))
        elif mark == "rule" and tag == "path":  # ours, a path a layer: M x,y V y2 or M x,y H x2
            for rule in d.split("M")[1:]:
                x, y, to = (float(n) for n in _NUMBER.findall(rule))
                end = (x, to) if "V" in rule else (to, y)
                drawn.rules.append(_segment(dx + x, dy + y, dx + end[0], dy + end[1]))
        elif mark == "symbol" and tag == "path":
            drawn.symbols.append(("circle" if "A" in d else "square", dx, dy))
        elif mark == "line" and tag == "path":
            pairs = zip(numbers[::2], numbers[1::2], strict=True)
            drawn.lines.append([(dx + x, dy + y) for x, y in pairs])
        if tag == "text" and "rotate" not in transform:
            text = "".join(node.itertext())
            drawn.texts.append(
                (text, dx + float(node.get("x", "0")), dy + float(node.get("y", "0")))
            )
        for child in node:
            walk(child, dx, dy, mark)

    walk(ET.fromstring(svg), 0.0, 0.0, "")
    ox, oy = origin[0]
    return Drawn(
        rules=sorted(_segment(a - ox, b - oy, c - ox, e - oy) for a, b, c, e in drawn.rules),
        symbols=sorted((s, x - ox, y - oy) for s, x, y in drawn.symbols),
        lines=sorted([(x - ox, y - oy) for x, y in line] for line in drawn.lines),
        texts=sorted((t, x - ox, y - oy) for t, x, y in drawn.texts),
    )


def _segment(x1: float, y1: float, x2: float, y2: float) -> tuple[float, ...]:
    return (*min((x1, y1), (x2, y2)), *max((x1, y1), (x2, y2)))


def near(ours: tuple[float, ...], vega: tuple[float, ...], tolerance: float) -> bool:
    return len(ours) == len(vega) and all(
        abs(a - b) <= tolerance for a, b in zip(ours, vega, strict=True)
    )


CHARTS = {
    "handoff on the frontier": ON,
    "handoff off the frontier": OFF,
    "seed": load_record(REPO / "archive" / SEED_RUN / "run.json"),
    "three models, two pairs, repeats": make_record(repeats=3),
    "thousands of seconds": make_record(
        call_wall_s={"tiny:0.5b": 1234.5, "mid:3b": 2047.0, "big:8b": 4321.25}
    ),
}
CACHE = BuildCache()


def chart_of(record: RunRecord) -> FrontierChart:
    return frontier_chart(RunAnalysis(record), CACHE)


@pytest.mark.parametrize("record", CHARTS.values(), ids=CHARTS.keys())
def test_marks_ticks_and_labels_are_where_vega_draws_them(record: RunRecord) -> None:
    chart = chart_of(record)
    ours, vega = read(chart.draw()), read(vl_convert.vegalite_to_svg(chart.spec))

    points = chart.figures.points
    assert len(ours.symbols) == len(points) and len(ours.rules) == 2 * len(points)
    assert [s for s, _, _ in ours.symbols] == [s for s, _, _ in vega.symbols]
    assert all(near(a[1:], b[1:], MARK_PX) for a, b in zip(ours.symbols, vega.symbols, strict=True))
    assert all(near(a, b, MARK_PX) for a, b in zip(ours.rules, vega.rules, strict=True))
    assert len(ours.lines) == len(vega.lines) == 1 + len(chart.figures.mixes)
    for line, vega_line in zip(ours.lines, vega.lines, strict=True):
        assert len(line) == len(vega_line)
        assert all(near(a, b, MARK_PX) for a, b in zip(line, vega_line, strict=True))
    assert [t for t, _, _ in ours.texts] == [t for t, _, _ in vega.texts]
    for (text, x, y), (_, vx, vy) in zip(ours.texts, vega.texts, strict=True):
        assert near((x, y), (vx, vy), TEXT_PX), text


def test_the_frontier_is_a_step_line_through_the_points_no_other_beats() -> None:
    chart = chart_of(ON)
    drawn = read(chart.draw())

    on = sorted((p.wall_s, p.score_pts) for p in chart.figures.points if p.on_frontier)
    assert len(on) == 2  # small:1b, and the handoff: quicker and better than big:7b alone
    [mix] = chart.figures.mixes
    assert (mix.small.name, mix.large.name) == ("small:1b", "big:7b")
    frontier = next(line for line in drawn.lines if len(line) == 3)  # one step up
    assert frontier[0][1] == frontier[1][1] and frontier[1][0] == frontier[2][0]


def test_names_from_the_record_are_escaped() -> None:
    record = varied.record(
        [
            varied.direct("<script>a:1b", 1.0, varied.sample(3.0)),
            varied.direct("b&c:7b", 7.0, varied.sample(9.0)),
        ],
        [varied.cascade("<script>a:1b", "b&c:7b", (20.0, ()))],
    )
    svg = chart_of(record).draw()

    ET.fromstring(svg)  # well-formed
    assert "<script" not in svg and "&lt;script&gt;a:1b -&gt; b&amp;c:7b" in svg


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("frontier")
    return build_in_process(make_project(tmp, write_archive(tmp / "archive", [ON, OFF])))


@pytest.mark.slow
def test_the_run_page_shows_the_chart_and_publishes_its_svg_and_spec(site: Path) -> None:
    page = site / report_path(ON)
    html = page.read_text(encoding="utf-8")
    text = page_text(html)

    assert '<img src="charts/frontier.svg" alt="Score against time: the frontier"' in html
    svg = (page.parent / "charts" / "frontier.svg").read_text(encoding="utf-8")
    assert svg == chart_of(ON).draw()
    spec = json.loads(downloaded_spec(site, page, "frontier"))
    assert spec == chart_of(ON).spec
    assert "vega-lite" in spec["$schema"]
    names = {row["name"] for row in spec["data"]["values"] if row["layer"] == "point"}
    assert names == {"small:1b", "big:7b", "small:1b -> big:7b"}
    run = RunAnalysis(ON)
    (pair,) = run.cascades
    big = next(d for d in run.direct if d.tag == "big:7b")
    pair_score, big_score = (
        sure.estimate(pair.summary.estimate),
        sure.estimate(big.summary.estimate),
    )
    assert pair_score.startswith("96.9 (mean of 4 samples, 95% CI ")
    assert big_score.startswith("90.6 (mean of 4 samples, 95% CI ")
    assert (
        f"small:1b -> big:7b handoff pair {pair_score} 30.1s (30.0s–30.3s) on the frontier"
    ) in text
    assert f"big:7b direct model {big_score} 60.2s (60.0s–60.3s) 6.2 pts below" in text


@pytest.mark.slow
def test_the_verdict_is_on_the_page_with_the_figures_of_the_chart(site: Path) -> None:
    on = page_text((site / report_path(ON)).read_text(encoding="utf-8"))
    off = page_text((site / report_path(OFF)).read_text(encoding="utf-8"))

    assert "Handoff verdict small:1b -> big:7b: the refiner fixed 3 of 4 drafts" in on
    assert "the handoff sits on the frontier, at 96.9 pts in 30.1s." in on
    assert "not clear: +6.2 pts (mean of 4 paired repeats, 95% CI " in on
    assert "small:1b -> big:7b: none of its 3 drafts failed, and the refiner broke 2" in off
    assert "it sits 8.3 pts below the frontier, at 91.7 pts in 30.1s: small:1b scored" in off


def test_the_spec_filled_from_its_template_is_the_spec_altair_builds() -> None:
    chart = chart_of(OFF)

    assert chart.spec == altair_spec(values(chart.figures))
