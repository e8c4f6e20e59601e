"""The report's four charts: Vega-Lite specs built with altair, drawn to SVG offline."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt

from bench import fmt
from bench.analysis import RunAnalysis, Stat

WIDTH_PX = 360
HEIGHT_PX = 220
SCORE_AXIS = "Score (0-100)"
WALL_AXIS = "Wall time (s)"


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
    kind: str  # "Area Chart" or "Bar Chart"
    title: str
    description: str
    series: tuple[str, ...]
    rows: tuple[ChartRow, ...]
    unit: str  # "score" or "seconds"
    spec: dict[str, Any]

    @property
    def spec_json(self) -> str:
        return json.dumps(self.spec, indent=2, sort_keys=True)

    def value_text(self, value: float) -> str:
        return fmt.score(value) if self.unit == "score" else fmt.seconds(value)


def charts_for(run: RunAnalysis) -> list[Chart]:
    labels = run.axis_labels()
    ladder = run.by_size()
    order = [labels[d.tag] for d in ladder]
    pairs = [c.axis_label for c in run.cascades]
    return [
        _chart(
            "direct-score",
            "Area Chart",
            "Direct quality by model size",
            "Higher is better. This shows whether scaling the direct model improved the "
            "functional score on the script benchmark.",
            [_row(labels[d.tag], "Direct score", d.score) for d in ladder],
            order,
            "score",
        ),
        _chart(
            "direct-wall",
            "Area Chart",
            "Direct latency by model size",
            "Lower is better. This captures the first-pass wall time for the same benchmark "
            "prompt with no smaller-model draft attached.",
            [_row(labels[d.tag], "Direct wall time", d.call_wall_s) for d in ladder],
            order,
            "seconds",
        ),
        _chart(
            "cascade-score",
            "Bar Chart",
            "Cascade score vs direct refiner score",
            "This is the real quality comparison for each pair: did the larger model improve "
            "when it inherited the smaller draft, or did it get dragged down?",
            [
                row
                for c in run.cascades
                for row in (
                    _row(c.axis_label, "Cascade score", c.score),
                    _row(c.axis_label, "Direct refiner score", c.large.score),
                )
            ],
            pairs,
            "score",
        ),
        _chart(
            "cascade-wall",
            "Bar Chart",
            "Cascade pipeline wall vs direct refiner wall",
            "This shows whether the two-step path saved time or just added latency on top of "
            "the direct larger-model call.",
            [
                row
                for c in run.cascades
                for row in (
                    _row(c.axis_label, "Cascade pipeline wall", c.pipeline_wall_s),
                    _row(c.axis_label, "Direct refiner wall", c.large.call_wall_s),
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


def _chart(
    name: str,
    kind: str,
    title: str,
    description: str,
    maybe_rows: list[ChartRow | None],
    order: list[str],
    unit: str,
) -> Chart:
    rows = tuple(r for r in maybe_rows if r is not None)
    series = tuple(dict.fromkeys(r.series for r in rows))
    spec = _spec(kind, title, rows, order, unit)
    return Chart(name, kind, title, description, series, rows, unit, spec)


def _spec(
    kind: str, title: str, rows: tuple[ChartRow, ...], order: list[str], unit: str
) -> dict[str, Any]:
    values = [r.__dict__ for r in rows]
    y_title = SCORE_AXIS if unit == "score" else WALL_AXIS
    y_scale = alt.Scale(domain=[0, 100]) if unit == "score" else alt.Scale(zero=True)
    base = alt.Chart(alt.Data(values=values))  # type: ignore[no-untyped-call]
    x = alt.X("x:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    color = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
    tooltip = [alt.Tooltip("series:N"), alt.Tooltip("x:N"), alt.Tooltip("value:Q")]
    if kind == "Area Chart":
        marks = base.mark_area(line=True, point=True, opacity=0.35).encode(
            x=x, y=y, color=color, tooltip=tooltip
        )
        spread = base.mark_rule().encode(x=x, y="low:Q", y2="high:Q", color=color)
    else:
        marks = base.mark_bar().encode(x=x, xOffset="series:N", y=y, color=color, tooltip=tooltip)
        spread = base.mark_rule().encode(
            x=x, xOffset="series:N", y="low:Q", y2="high:Q", color=alt.value("#333")
        )
    chart = (marks + spread).properties(width=WIDTH_PX, height=HEIGHT_PX, title=title)
    spec: dict[str, Any] = chart.to_dict()
    return spec


def svg_path_for(chart: Chart, cache_dir: Path) -> Path:
    """The chart drawn to SVG by vl-convert, cached by the content of its spec."""
    path = cache_dir / "charts" / f"{_key(chart)}.svg"
    if not path.exists():
        import vl_convert

        _write_atomic(path, vl_convert.vegalite_to_svg(chart.spec))
    return path


def spec_path_for(chart: Chart, cache_dir: Path) -> Path:
    path = cache_dir / "charts" / f"{_key(chart)}.vl.json"
    if not path.exists():
        _write_atomic(path, chart.spec_json + "\n")
    return path


def _key(chart: Chart) -> str:
    content = f"{_renderer_version()}\n{chart.spec_json}"
    return hashlib.sha256(content.encode()).hexdigest()


@functools.cache
def _renderer_version() -> str:
    from importlib.metadata import version

    return f"vl-convert {version('vl-convert-python')} altair {alt.__version__}"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
