"""Run pages for runs unlike the seed: repeats, partial runs, current methodology, mkdocs serve."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench.record.analysis import RunAnalysis
from bench.record.schema import METHODOLOGY_VERSION, RunRecord
from bench.site.cache import BuildCache
from bench.site.charts.model import charts_for
from bench.site.findings import findings_for
from bench.site.render import environment
from bench.site.report import render_report, report_page, report_path
from bench.site.sure import mean_score
from tests.support.records import (
    COMPILE,
    MODELS,
    PAIRS,
    cascade,
    direct,
    make_record,
    record,
    sample,
)
from tests.support.sitebuild import (
    REPO,
    SEED_RUN,
    ServeLog,
    build_site,
    make_project,
    page_text,
)

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

MERGE = ("merge_overlaps_expected_windows",)


def write(archive: Path, run: RunRecord) -> Path:
    folder = archive / run.benchmark_id / run.run_id
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(run.model_dump_json(indent=2), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunRecord, RunRecord]:
    tmp = tmp_path_factory.mktemp("pages")
    archive = tmp / "archive"
    repeated = record(
        [
            direct(
                "m:1b", 1, sample(10, MERGE, seed=1), sample(14, (), seed=2), sample(30, (), seed=3)
            ),
            direct("n:3b", 3, sample(20, seed=1), sample(22, seed=2), sample(26, MERGE, seed=3)),
        ],
        [cascade("m:1b", "n:3b", (30.0, ()), (40.0, MERGE), (35.0, ()))],
        run_id="bench-2026-06-01_09-00-00",
        repeats=3,
        provenance={
            "tool_version": "0.1.0",
            "git_commit": "0123456789abcdef",
            "isolation": "netns+pidns+uid+rlimits",
        },
    )
    partial = record(
        [direct("m:1b", 1, sample(10))],
        run_id="bench-2026-06-02_09-00-00",
        status="partial",
        finished_at=None,
    )
    write(archive, repeated)
    write(archive, partial)
    site = build_site(make_project(tmp, archive))
    return site, repeated, partial


def test_repeats_show_the_mean_score_and_median_times(
    built: tuple[Path, RunRecord, RunRecord],
) -> None:
    site, repeated, _ = built
    text = page_text((site / report_path(repeated)).read_text(encoding="utf-8"))
    m = next(d for d in RunAnalysis(repeated).direct if d.tag == "m:1b")
    assert f"m:1b 1 {mean_score(m.summary)} 14.0s (10.0s–30.0s)" in text
    assert m.summary.estimate.n == 3 and m.summary.interval is not None
    assert "35.0s (30.0s–40.0s)" in text  # pipeline wall of the pair
    for finding in findings_for(RunAnalysis(repeated)):
        assert finding.text in text
    assert "m:1b #3" in text  # the check matrix lists every sample


def test_current_methodology_run_has_no_legacy_banner(
    built: tuple[Path, RunRecord, RunRecord],
) -> None:
    site, repeated, _ = built
    text = page_text((site / report_path(repeated)).read_text(encoding="utf-8"))
    assert "historical telemetry" not in text and "Re-hosted" not in text
    assert "Recorded by bench 0.1.0 (0123456789ab)." in text
    current = f"methodology v{METHODOLOGY_VERSION}"
    assert current not in text.split("Provenance")[0]  # current: no warning
    assert "netns+pidns+uid+rlimits" in text
    assert "throughput source: server_counters" in text


def test_partial_run_says_so_on_its_page_and_in_the_index(
    built: tuple[Path, RunRecord, RunRecord],
) -> None:
    site, _, partial = built
    text = page_text((site / report_path(partial)).read_text(encoding="utf-8"))
    assert "Partial run: it stopped before every call finished" in text
    assert "Finished: —" in text
    index = page_text((site / "index.html").read_text(encoding="utf-8"))
    assert "partial" in index


def test_index_lists_newest_first(built: tuple[Path, RunRecord, RunRecord]) -> None:
    site, repeated, partial = built
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.index(partial.run_id) < index.index(repeated.run_id)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_mkdocs_serve_reloads_when_a_run_lands(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    log = ServeLog(server)
    new_run = "prompt-handoff-codegen/prompt-handoff-codegen-2026-07-01_12-00-00"
    try:
        base = f"http://127.0.0.1:{port}"
        log.wait_for("Serving on")  # after the first build
        assert httpx.get(f"{base}/{SEED_RUN}/report.html").status_code == 200
        assert httpx.get(f"{base}/{new_run}/report.html").status_code == 404
        data = json.loads((REPO / "archive" / SEED_RUN / "run.json").read_text(encoding="utf-8"))
        data["run_id"] = new_run.split("/")[1]
        landing = tmp_path / "landing"
        landing.mkdir()
        (landing / "run.json").write_text(json.dumps(data), encoding="utf-8")
        landing.rename(project / "archive" / new_run)  # the run lands at once: one change

        log.wait_for("Detected file changes")
        log.wait_for("Reloading browsers")  # the rebuild is served

        assert httpx.get(f"{base}/{new_run}/report.html").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    shutil.rmtree(project / "archive" / new_run.split("/")[0] / new_run.split("/")[1])


@pytest.mark.parametrize("repeats", [1, 2])
def test_a_score_chart_whose_every_score_is_0_says_so_instead_of_an_empty_frame(
    repeats: int,
) -> None:
    nothing_passes = {tag: (COMPILE,) for tag in MODELS}
    nothing_passes |= {f"{small} -> {large}": (COMPILE,) for small, large in PAIRS}
    run = RunAnalysis(make_record(failed=nothing_passes, repeats=repeats))
    assert {d.score.high for d in run.direct} == {0}

    html = render_report(environment(), report_page(run, charts_for(run, BuildCache())))

    assert "charts/direct-score.svg" not in html and "charts/cascade-score.svg" not in html
    assert page_text(html).count("Every score in this chart is 0, so there is nothing to draw") == 2
    assert "charts/direct-wall.svg" in html  # the times are drawn
    assert 'data-file="direct-score.vl.json"' in html  # and the data stays
