"""Building the site at scale: the synthetic archive of the scale benchmark, the search index."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bench.record.archive import load_archive
from bench.record.schema import METHODOLOGY_VERSION, RunStatus
from tests.support.sitebuild import REPO, SEED_RUN, build_site, make_project

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

RUNS = 60


def _scale_script() -> ModuleType:
    path = REPO / "benchmarks" / "bench_site_scale.py"
    spec = importlib.util.spec_from_file_location("bench_site_scale", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scale() -> ModuleType:
    return _scale_script()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_synthetic_archive_is_valid_and_varied(scale: ModuleType, tmp_path: Path) -> None:
    scale.write_synthetic_archive(tmp_path, RUNS, seed=1)
    records = [run.record for run in load_archive(tmp_path)]
    assert len(records) == RUNS
    complete = [r for r in records if r.status is RunStatus.COMPLETE]
    assert {len(r.direct) for r in complete} == {2, 3, 4, 5}
    assert {len(r.cascades) for r in records} == {0, 1, 2, 3}
    assert {r.repeats for r in records} == {1, 2, 3}
    assert {r.methodology_version for r in records} == {1, METHODOLOGY_VERSION}
    assert len({r.host for r in records}) >= 3
    assert len({r.benchmark_id for r in records}) == 2
    statuses = Counter(r.status for r in records)
    assert (
        statuses[RunStatus.PARTIAL] > 0
        and statuses[RunStatus.COMPLETE] > statuses[RunStatus.PARTIAL]
    )
    errors = [s.generation.error for r in records for d in r.direct for s in d.samples]
    assert any(errors) and not all(errors)
    days = max(r.started_at for r in records) - min(r.started_at for r in records)
    assert days.days > 300


def test_the_synthetic_archive_is_the_same_for_the_same_seed(
    scale: ModuleType, tmp_path: Path
) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        scale.write_synthetic_archive(tmp_path / name, 20, seed=seed)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


def _search_locations(site: Path) -> set[str]:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return {doc["location"].partition("#")[0] for doc in index["docs"]}


@pytest.mark.parametrize("searched", [False, True], ids=["default", "search_run_pages"])
def test_run_pages_stay_out_of_the_search_index_unless_asked(
    tmp_path: Path, searched: bool
) -> None:
    project = make_project(tmp_path)
    if searched:
        config = project / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        plugin = "  - bench-archive:\n"
        config.write_text(text.replace(plugin, f"{plugin}      search_run_pages: true\n"), "utf-8")
    site = build_site(project)
    pages = _search_locations(site)
    assert {"index.html", "methodology.html"} <= pages
    run_page = f"{SEED_RUN}/report.html"
    assert (run_page in pages) is searched
    assert 'id="failure-hotspots"' in (site / run_page).read_text(encoding="utf-8")


def _row(scale: ModuleType, runs: int, *, page_bytes: int, unchanged_s: float) -> Any:
    def build(wall_s: float) -> Any:
        return scale.Build(wall_s, wall_s, 400 * 10**6, 300 * 10**6, 1.0)

    def measured(unchanged: Any) -> Any:
        size = scale.SiteSize(400 * 10**6, 1000, "a/models/m.html", page_bytes, 0, 20_000, 50_000)
        size.largest_file, size.largest_file_bytes = "a/runs.js", 120_000
        served = scale.Served(2.4, 2.0, 3.1, 1.0)
        return scale.Measured(runs, build(300.0), build(3.5), size, unchanged, build(3.9), served)

    return scale.Row(runs, measured(build(unchanged_s)), measured(None))


def test_the_scale_script_prints_each_figure_with_its_target_and_fails_on_a_miss(
    scale: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "figures.json"
    rows = [_row(scale, 10_000, page_bytes=200_000, unchanged_s=2.5)]
    figures.write_text(json.dumps([dataclasses.asdict(r) for r in rows]), encoding="utf-8")
    assert scale.main(["--report", str(figures)]) == 0
    said = capsys.readouterr().out
    assert "PASS  nothing changed in 10,000 builds in <= 3 s: 2.5s" in said
    assert "PASS  one run added to 10,000 builds in <= 4 s: 3.5s" in said
    assert "PASS  no page over 300 kB at 10,000 runs: 200 kB, a/models/m.html" in said
    assert "PASS  cold build of 10,000 peaks at <= 1 GB: 400 MB" in said
    assert (
        "PASS  mkdocs serve shows its first page no later than a no-change build: "
        "first server 2.4s, the next 2.0s; no-change build 2.5s" in said
    )
    assert "PASS  mkdocs serve shows an added run within a one-run-added build's time: 3.1s" in said
    rows = [_row(scale, 10_000, page_bytes=543_000, unchanged_s=5.9)]
    figures.write_text(json.dumps([dataclasses.asdict(r) for r in rows]), encoding="utf-8")
    assert scale.main(["--report", str(figures)]) == 1
    said = capsys.readouterr().out
    assert "FAIL  nothing changed in 10,000 builds in <= 3 s: 5.9s" in said
    assert "FAIL  no page over 300 kB at 10,000 runs: 543 kB, a/models/m.html" in said
    rows = [_row(scale, 10_000, page_bytes=200_000, unchanged_s=2.2)]
    figures.write_text(json.dumps([dataclasses.asdict(r) for r in rows]), encoding="utf-8")
    assert scale.main(["--report", str(figures)]) == 1
    said = capsys.readouterr().out
    assert "FAIL  mkdocs serve shows its first page no later than a no-change build" in said


def test_the_scale_script_counts_the_build_process_alone(scale: ModuleType) -> None:
    """Its own high-water mark since its exec, not the launching process's size at fork."""
    ballast = b"x" * (200 * 10**6)  # this process: 200 MB more, resident
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1)"])
    sampler = scale._TreeSampler(child.pid)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    assert usage.ru_maxrss * 1024 > len(ballast)  # what getrusage says: the fork's size
    assert 0 < sampler.main_peak_bytes < 50 * 10**6
    assert scale._hwm_bytes(2**22 + 1) == 0  # no such process
