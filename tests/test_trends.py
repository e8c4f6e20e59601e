"""Per-model trends across runs: one line per model, methodology changes marked, points linked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic_core import to_json

from bench.record.analysis import RunAnalysis
from bench.record.models import ModelIdentity, ModelName
from bench.record.schema import METHODOLOGY_VERSION, RunRecord
from bench.site import trends as trends_module
from bench.site.cache import BuildCache
from bench.site.charts.model import svg_path_for
from bench.site.listed import Listings
from bench.site.trends import (
    METRICS,
    BenchmarkTrends,
    TimeAxis,
    TrendChart,
    TrendRun,
    altair_spec,
    benchmark_trends,
    trends_key,
    trends_page,
)
from tests.support.records import make_series, two_benchmarks, write_archive
from tests.support.sitebuild import build_site, make_project

PREVIOUS = METHODOLOGY_VERSION - 1  # the series' runs before the change
SERIES = make_series(8, methodology_change_at=3)
SVG_LINK = re.compile(r'<a ([^>]*)xlink:href="([^"]+)"')


@pytest.fixture(scope="module")
def trends() -> BenchmarkTrends:
    return benchmark_trends([TrendRun.of(RunAnalysis(r)) for r in SERIES], BuildCache())


def _chart(trends: BenchmarkTrends, name: str) -> TrendChart:
    return next(c for c in trends.charts if c.name == name)


def _layers(chart: TrendChart) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = chart.spec["layer"]
    return layers


def _values(chart: TrendChart, layer: dict[str, Any]) -> list[dict[str, Any]]:
    """A layer's data rows: its own, else the chart's (the points, once for every layer that
    draws them); altair may keep them in the spec's named datasets."""
    data = layer.get("data") or chart.spec["data"]
    values: list[dict[str, Any]] = data.get("values") or chart.spec["datasets"][data["name"]]
    return values


def _marks(chart: TrendChart) -> list[str]:
    return [layer["mark"]["type"] for layer in _layers(chart)]


def test_one_chart_per_figure_with_one_series_per_model(trends: BenchmarkTrends) -> None:
    assert [c.name for c in trends.charts] == ["score", "call-wall", "throughput"]
    every_model = {d.model.label for r in SERIES for d in r.direct}
    for chart in trends.charts:
        line = _layers(chart)[_marks(chart).index("line")]
        assert line["encoding"]["color"]["field"] == "model"
        assert line["encoding"]["detail"]["field"] == "series"
        assert set(chart.models) == every_model
        values = _values(chart, line)
        for name in every_model:
            runs_with_it = [r for r in SERIES if name in [d.model.label for d in r.direct]]
            assert len([v for v in values if v["model"] == name]) == len(runs_with_it)


def test_points_are_the_run_pages_figures(trends: BenchmarkTrends) -> None:
    record = SERIES[3]  # repeated twice: a trend point is the median, as on the run page
    run = RunAnalysis(record)
    points = {
        (c.name, p.model): p.value
        for c in trends.charts
        for p in c.points
        if p.run_id == record.run_id
    }
    for d in run.direct:
        for metric in METRICS:
            stat = metric.of(d)
            assert stat is not None
            assert points[(metric.name, d.name)] == round(stat.median, 3)
    assert points[("call-wall", "Big 8B")] == 40.25  # 37 + 3, samples 40.0 and 40.5


def test_the_methodology_change_is_marked(trends: BenchmarkTrends) -> None:
    (change,) = trends.changes
    assert (change.previous, change.version) == (PREVIOUS, METHODOLOGY_VERSION)
    assert change.run_id == SERIES[3].run_id
    for chart in trends.charts:
        assert "rule" in _marks(chart)
        rule = _layers(chart)[_marks(chart).index("rule")]
        assert _values(chart, rule)[0]["started_at"] == "2026-03-04T09:00:00Z"
        text = _layers(chart)[_marks(chart).index("text")]
        assert _values(chart, text)[0]["label"] == f"v{METHODOLOGY_VERSION}"


def test_a_benchmark_with_one_methodology_has_no_mark() -> None:
    trends = benchmark_trends([TrendRun.of(RunAnalysis(r)) for r in make_series(4)], BuildCache())
    assert trends.changes == ()
    assert "rule" not in _marks(trends.charts[0])


def test_charts_stay_bounded_as_runs_pile_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trends_module, "TREND_MAX_RUNS", 5)
    trends = benchmark_trends([TrendRun.of(RunAnalysis(r)) for r in SERIES], BuildCache())

    assert len(trends.charts) == len(METRICS)
    assert trends.total_runs == 8
    assert [r.run_id for r in trends.runs] == [r.run_id for r in SERIES[3:]]
    assert {p.run_id for p in trends.charts[0].points} == {r.run_id for r in SERIES[3:]}


@pytest.mark.parametrize("records", [SERIES, two_benchmarks()[:1]], ids=["a-change", "no-change"])
def test_each_trend_spec_is_the_one_altair_builds(records: list[RunRecord]) -> None:
    trends = benchmark_trends([TrendRun.of(RunAnalysis(r)) for r in records], BuildCache())
    for metric, chart in zip(METRICS, trends.charts, strict=True):
        points = [p.__dict__ for p in chart.points]
        changes = [c.__dict__ for c in trends.changes]
        axis = TimeAxis.over(trends.runs)
        assert chart.spec == altair_spec(metric, points, changes, axis), metric.name


def _tick_labels(svg: str) -> list[str]:
    return re.findall(r'<text text-anchor="middle" [^>]*opacity="1">([^<]+)</text>', svg)


@pytest.mark.parametrize("every_h", [1, 24, 24 * 9], ids=["hourly", "daily", "every-9-days"])
def test_time_axis_labels_never_repeat(every_h: int, tmp_path: Path) -> None:
    series = make_series(30, every=dt.timedelta(hours=every_h))
    trends = benchmark_trends([TrendRun.of(RunAnalysis(r)) for r in series], BuildCache())
    shown = _tick_labels(svg_path_for(trends.charts[0], tmp_path).read_text(encoding="utf-8"))
    dates = [t for t in shown if re.fullmatch(r"\d{4}-\d\d-\d\d", t)]
    times = [t for t in shown if re.fullmatch(r"\d\d:\d\d", t)]
    assert len(dates) + len(times) >= 3, shown
    assert len(dates) == len(set(dates)), shown
    if every_h == 1:
        assert times and dates == ["2026-03-02"], shown  # 09:00 on day 1 to 14:00 on day 2


@pytest.mark.parametrize(
    ("every", "label"),
    [(dt.timedelta(minutes=10), r"\d\d:\d\d"), (dt.timedelta(seconds=20), r"\d\d:\d\d:\d\d")],
    ids=["minutes-apart", "seconds-apart"],
)
def test_runs_of_one_day_tick_without_repeating_and_name_the_day(
    every: dt.timedelta, label: str, tmp_path: Path
) -> None:
    series = make_series(8, every=every)
    trends = benchmark_trends([TrendRun.of(RunAnalysis(r)) for r in series], BuildCache())
    svg = svg_path_for(trends.charts[0], tmp_path).read_text(encoding="utf-8")

    labels = _tick_labels(svg)
    shown = [t for t in labels if re.fullmatch(r"[\d:]+", t) and ":" in t]
    assert len(shown) >= 3 and all(re.fullmatch(label, t) for t in shown), shown
    assert not [t for t in labels if re.fullmatch(r"\d+ [AP]M|:\d\d", t)], labels  # Vega's own
    assert len(shown) == len(set(shown)), shown
    assert f"Run start (UTC), {series[0].started_at:%Y-%m-%d}" in svg


# The built site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("trends")
    return build_site(make_project(tmp, write_archive(tmp / "archive", two_benchmarks())))


@pytest.mark.slow
def test_every_point_links_an_existing_run_page(site: Path, trends: BenchmarkTrends) -> None:
    folder = site / "synthetic-codegen"
    for chart in trends.charts:
        hrefs = {p.href for p in chart.points}
        assert len(hrefs) == len(SERIES)
        for href in hrefs:
            assert (folder / href).is_file(), href
        point = _layers(chart)[_marks(chart).index("point")]
        assert point["encoding"]["href"]["field"] == "href"


@pytest.mark.slow
def test_the_drawn_charts_keep_their_links(site: Path) -> None:
    folder = site / "synthetic-codegen"
    for metric in METRICS:
        svg = (folder / f"trends-{metric.name}.svg").read_text(encoding="utf-8")
        links = SVG_LINK.findall(svg)
        run_links = {href for _, href in links}
        assert len(run_links) == len(SERIES)
        for attributes, href in links:
            assert (folder / href).is_file(), href
            assert 'target="_top"' in attributes
        assert "vega.github.io" not in svg
        assert f">v{METHODOLOGY_VERSION}</text>" in svg


@pytest.mark.slow
def test_the_trends_page_embeds_charts_and_lists_the_change(site: Path) -> None:
    page = (site / "synthetic-codegen" / "trends.html").read_text(encoding="utf-8")
    for metric in METRICS:
        assert f'<object data="trends-{metric.name}.svg" type="image/svg+xml"' in page
        assert f'href="trends-{metric.name}.vl.json"' in page
    change = SERIES[3].run_id
    versions = f"v{PREVIOUS} → v{METHODOLOGY_VERSION}"
    assert f'{versions}, from run <a href="{change}/report.html">{change}</a>' in page
    assert 'href="../index.html"' in page
    other = (site / "other-codegen" / "trends.html").read_text(encoding="utf-8")
    assert "Every run shown used the same methodology version." in other


def test_a_trend_chart_does_not_repeat_the_heading_above_it(trends: BenchmarkTrends) -> None:
    for chart in trends.charts:
        assert "title" not in chart.spec  # the page's <h3> names the chart


def test_kept_trends_read_back_are_those_made(trends: BenchmarkTrends, tmp_path: Path) -> None:
    """What a later build reads of the trends kept in the listings: the same page and specs;
    from a damaged file, made again."""
    made: list[BenchmarkTrends] = []

    def make() -> BenchmarkTrends:
        made.append(trends)
        return trends

    Listings(tmp_path, "code").trends("key", make)
    listings = Listings(tmp_path, "code")
    listings.trends("key", make)
    listings.save()
    kept = Listings(tmp_path, "code").trends("key", make)
    assert len(made) == 2  # the first Listings was never saved
    assert to_json(kept) == to_json(trends)
    assert [c.spec_json for c in kept.charts] == [c.spec_json for c in trends.charts]
    assert trends_page(kept) == trends_page(trends)
    for path in tmp_path.glob("trends-*.json"):
        path.chmod(0o644)
        path.write_bytes(path.read_bytes().replace(b'"run_id":', b'"run_id":1'))
    Listings(tmp_path, "code").trends("key", make)
    assert len(made) == 3


def test_trends_are_kept_by_their_runs_count_and_names() -> None:
    names = {ModelIdentity("m:1b"): ModelName("M")}
    key = trends_key("bench", ["a", "b"], 2, names)
    assert key == trends_key("bench", ["a", "b"], 2, dict(names))
    assert key != trends_key("bench", ["a", "c"], 2, names)
    assert key != trends_key("bench", ["a", "b"], 3, names)
    assert key != trends_key("bench", ["a", "b"], 2, {ModelIdentity("m:1b"): ModelName("N")})
