"""Charts that stay readable at 100 runs of 10 models on 4 hosts.

A synthetic site (the scale benchmark's generator, one benchmark, 10 models with one
quantization each, 4 hosts, methodology versions mixed at random so changes pile up): every
colour a chart draws has a legend entry, trends draw one line per model and host, the
methodology labels never overlap nor leave the plot (their boxes read back from Chromium), the
trend SVGs stay under a bound, and the frontier's points at 100 are drawn whole.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bench.record.archive import load_archive
from bench.record.schema import RunRecord
from bench.site.trends import LABEL_GAP_PX, METRICS
from tests.support.browser import screenshot, serve_site
from tests.support.html import with_end_tags
from tests.support.records import (
    BENCHMARKS,
    SCALE_MODELS,
    ScaleShape,
    write_synthetic_archive,
)
from tests.support.sitebuild import build_site, make_project

if TYPE_CHECKING:
    from playwright.sync_api import Browser

RUNS = 100
SHAPE = ScaleShape(
    models=(
        *SCALE_MODELS,
        ("llama3.1:8b", "Llama3.1 8b", 8.0),
        ("deepseek-coder-v2:16b", "DeepSeek-C2 16b", 16.0),
    ),
    hosts=("vps-81", "workstation", "laptop-m2", "gpu-box"),
    benchmarks=BENCHMARKS[:1],
    quantizations=("Q4_K_M",),
)

pytestmark = pytest.mark.slow  # builds sites or drives Chromium: not in `scripts/test --fast`
BENCH = BENCHMARKS[0][0]
# A trend chart's bound at 100 runs: it was 180 kB at 70 runs; ~135 kB now, most of it the
# ~350 linked points (about 250 bytes each, link included).
TREND_SVG_MAX_BYTES = 150_000
FILL = re.compile(r'fill="(#[0-9a-fA-F]{6})"')


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scale-charts") / "archive"
    write_synthetic_archive(root, RUNS, seed=3, shape=SHAPE)
    return root


@pytest.fixture(scope="module")
def records(archive: Path) -> list[RunRecord]:
    return [run.record for run in load_archive(archive)]


@pytest.fixture(scope="module")
def site(archive: Path) -> Path:
    return build_site(make_project(archive.parent, archive))


@pytest.fixture(scope="module")
def http_root(site: Path) -> Iterator[str]:
    with serve_site(site) as root:
        yield root


def test_the_archive_has_the_shape_asked_for(records: list[RunRecord]) -> None:
    assert len(records) == RUNS
    assert len({d.model.tag for r in records for d in r.direct}) == 10
    assert len({r.host for r in records}) == 4
    changes = sum(
        a.methodology_version != b.methodology_version for a, b in itertools.pairwise(records)
    )
    assert changes > 20  # more than the 26 labels of 70 runs that once piled up


def _legend(svg: str) -> str:
    return svg[svg.index("role-legend") :]


def _plot(svg: str) -> str:
    return svg[: svg.index("role-legend")]


@pytest.mark.parametrize("metric", [m.name for m in METRICS])
def test_a_trend_chart_has_a_legend_for_every_colour_and_stays_small(
    site: Path, metric: str
) -> None:
    svg = (site / BENCH / f"trends-{metric}.svg").read_text(encoding="utf-8")
    assert len(svg.encode()) < TREND_SVG_MAX_BYTES, len(svg.encode())
    points = re.findall(r'<a [^>]*><path [^>]*fill="(#[0-9a-fA-F]{6})"', _plot(svg))
    assert len(points) > 150
    assert set(points) <= set(FILL.findall(_legend(svg)))
    for title in ("Model", "Host (line)", "Host (point)"):
        assert f">{title}</text>" in svg, title


def test_each_model_on_each_host_is_a_line_of_its_own(site: Path, records: list[RunRecord]) -> None:
    spec = (site / BENCH / "trends-score.vl.json").read_text(encoding="utf-8")
    pairs = {(d.model.label, r.host) for r in records for d in r.direct if d.samples}
    for label, host in pairs:
        assert f'"series":"{label} on {host}"' in spec, (label, host)
    assert '"detail":{"field":"series"' in spec


def test_methodology_labels_never_overlap_nor_leave_the_plot(
    browser: Browser, http_root: str, site: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for metric in METRICS:
        page.goto(f"{http_root}{BENCH}/trends-{metric.name}.svg")
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('text')]
                .filter(t => /^v\\d+$/.test(t.textContent))
                .map(t => { const b = t.getBoundingClientRect();
                            return [b.left, b.right, b.top, b.bottom]; })"""
        )
        plot = page.evaluate(
            "() => { const b = document.querySelector('path.background')"
            ".getBoundingClientRect(); return [b.left, b.right, b.top]; }"
        )
        assert len(boxes) >= 5, metric.name
        boxes.sort()
        for (_, right, _, _), (left, _, _, _) in itertools.pairwise(boxes):
            assert left >= right + LABEL_GAP_PX / 2, (metric.name, boxes)
        assert boxes[-1][1] <= plot[1] + 1, (metric.name, boxes[-1], plot)
        assert all(bottom <= plot[2] + 1 for *_, bottom in boxes), "labels sit above the plot"
    page.goto(f"{http_root}{BENCH}/trends.html")
    page.locator("figure.bench-chart").first.scroll_into_view_if_needed()
    screenshot(page, "trends-at-100-runs")
    page.close()


def test_a_model_page_chart_has_a_key_for_every_host_colour(site: Path) -> None:
    pages = list((site / BENCH / "models").glob("*.html"))
    assert len(pages) == 10
    for path in pages:
        html = path.read_text(encoding="utf-8")
        for svg in re.findall(r'<svg [^>]*class="bench-model-chart".*?</svg>', html, re.S):
            drawn = set(re.findall(r'<circle [^>]*fill="(#[0-9a-fA-F]{6})"', svg))
            found = re.search(r'<g class="bench-key">(.*?)</g>', svg)
            assert found is not None, path.name
            key = found.group(1)
            assert drawn and drawn <= set(FILL.findall(key)), path.name
            cells = with_end_tags(html)  # the cells a browser reads
            hosts = set(re.findall(r"<td>(vps-81|workstation|laptop-m2|gpu-box)</td>", cells))
            assert hosts == set(re.findall(r"font-size=\"11\">([^<]+)</text>", key)), path.name


def test_frontier_points_at_100_are_drawn_whole(
    browser: Browser, http_root: str, records: list[RunRecord]
) -> None:
    top = next(
        r for r in records if any(s.evaluation.score == 100 for d in r.direct for s in d.samples)
    )
    page = browser.new_page()
    page.goto(f"{http_root}{BENCH}/{top.run_id}/charts/frontier.svg")
    inside = page.evaluate(
        """() => { const svg = document.documentElement.getBoundingClientRect();
            return [...document.querySelectorAll('path, circle, line')].every(e => {
              const b = e.getBoundingClientRect();
              return b.top >= svg.top - 0.5 && b.left >= svg.left - 0.5
                  && b.bottom <= svg.bottom + 0.5 && b.right <= svg.right + 0.5; }); }"""
    )
    page.close()
    assert inside
