"""The chart cache: keyed by content, outside the folders a build reads or writes, deletable."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from bench.record.analysis import RunAnalysis
from bench.record.archive import ArchiveError, RecordFacts, load_archive
from bench.record.files import Stamp
from bench.record.schema import RunRecord
from bench.site import summary
from bench.site.build import BuildError, SiteBuild
from bench.site.cache import BuildCache
from bench.site.charts import model as charts
from bench.site.charts import svg as svgchart
from bench.site.charts.model import altair_spec, charts_for, label_angle, svg_path_for
from bench.site.charts.svg import draw_svg
from tests.support.records import make_record, make_series, write_archive
from tests.support.sitebuild import build_site, make_project, mkdocs_build

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

SERIES_RUNS = 12

Tree = dict[str, tuple[str, int, str]]  # path -> (kind, mtime_ns, sha256 of a file's bytes)


def _tree(root: Path) -> Tree:
    """Every file and folder below `root`, with its mtime and, for a file, its content."""
    found: Tree = {}
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[path.relative_to(root).as_posix()] = (
            "file" if path.is_file() else "dir",
            stat.st_mtime_ns,
            digest,
        )
    found["."] = ("dir", root.stat().st_mtime_ns, "")
    return found


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@dataclass(frozen=True)
class Builds:
    project: Path
    cache: Path
    inputs_before: dict[str, Tree]
    inputs_after: dict[str, Tree]
    cold: dict[str, bytes]
    warm: dict[str, bytes]
    cache_files_cold: Tree
    cache_files_warm: Tree
    rebuilt: dict[str, bytes]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """A cold build, a warm one, and one more after deleting the cache, of the same archive."""
    tmp = tmp_path_factory.mktemp("cache")
    archive = write_archive(tmp / "archive", make_series(SERIES_RUNS))
    project = make_project(tmp, archive)
    cache = project / ".cache" / "bench"
    inputs = ("archive", "site_src")
    before = {name: _tree(project / name) for name in inputs}
    cold = _files(build_site(project))
    cache_files_cold = _tree(cache)
    warm = _files(build_site(project))
    cache_files_warm = _tree(cache)
    after = {name: _tree(project / name) for name in inputs}
    shutil.rmtree(project / ".cache")
    rebuilt = _files(build_site(project))
    return Builds(
        project, cache, before, after, cold, warm, cache_files_cold, cache_files_warm, rebuilt
    )


def test_a_cold_build_draws_every_chart_into_the_cache(builds: Builds) -> None:
    run_charts = [p for p in builds.cold if "/charts/" in p and p.endswith(".svg")]
    assert len(run_charts) == SERIES_RUNS * 5  # four, and the frontier chart
    trend_charts = [p for p in builds.cold if "/trends-" in p and p.endswith(".svg")]
    assert trend_charts
    cached = [p for p in builds.cache_files_cold if p.endswith(".svg")]
    assert len(cached) == len({builds.cold[p] for p in run_charts + trend_charts})


def test_charts_in_the_site_are_the_charts_the_core_draws(builds: Builds, tmp_path: Path) -> None:
    record = make_series(SERIES_RUNS)[-1]
    folder = f"{record.benchmark_id}/{record.run_id}/charts"
    for chart in charts_for(RunAnalysis(record), BuildCache()):
        drawn_here = svg_path_for(chart, tmp_path).read_bytes()
        assert builds.cold[f"{folder}/{chart.name}.svg"] == drawn_here, chart.name
        assert drawn_here.decode() == draw_svg(chart)


def test_deleting_the_cache_builds_the_same_site(builds: Builds) -> None:
    assert builds.rebuilt.keys() == builds.cold.keys()
    changed = [path for path, data in builds.rebuilt.items() if builds.cold[path] != data]
    assert changed == []
    assert (builds.cache / "charts").is_dir(), "the rebuild made the cache again"


def test_a_warm_build_draws_nothing_and_builds_the_same_site(builds: Builds) -> None:
    assert builds.cache_files_warm == builds.cache_files_cold
    assert builds.warm == builds.cold


def test_the_cache_lives_outside_docs_site_and_archive(builds: Builds) -> None:
    assert any(builds.cache.rglob("*.svg"))
    for folder in ("site_src", "site", "archive"):
        assert not builds.cache.is_relative_to(builds.project / folder), folder
    cached_names = {Path(p).name for p in builds.cache_files_cold}
    for folder in ("site_src", "archive"):
        names = {p.name for p in (builds.project / folder).rglob("*")}
        assert not names & cached_names, f"a cache file in {folder}/"


def test_a_build_never_writes_into_the_archive_or_the_docs(builds: Builds) -> None:
    for name, before in builds.inputs_before.items():
        assert builds.inputs_after[name] == before, name


@pytest.mark.parametrize("inside", ["archive/.cache", "site_src/.cache", "site/.cache", "site"])
def test_a_cache_inside_an_input_or_the_output_is_refused(tmp_path: Path, inside: str) -> None:
    build = SiteBuild(tmp_path / "archive", tmp_path / inside, [])
    with pytest.raises(BuildError, match="cache_dir must be outside"):
        build.check_places(tmp_path / "site_src", tmp_path / "site")
    assert not (tmp_path / inside).exists()


def test_mkdocs_build_names_a_misplaced_cache_and_builds_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path, write_archive(tmp_path / "archive", make_series(1)))
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    setting = "archive_dir: archive\n      cache_dir: site/.cache\n"
    config.write_text(text.replace("archive_dir: archive\n", setting), encoding="utf-8")
    result = mkdocs_build(project)
    assert result.returncode != 0
    assert "bench-archive: cache_dir must be outside docs_dir and site_dir" in result.stderr
    assert not (project / "site").exists()


def _single_run(tmp_path: Path, record: RunRecord) -> Path:
    return make_project(tmp_path, write_archive(tmp_path / "archive", [record]))


def test_a_changed_record_redraws_its_changed_charts_only(tmp_path: Path) -> None:
    walls = {"tiny:0.5b": 7.0, "mid:3b": 17.0, "big:8b": 37.0}
    record = make_record(call_wall_s=walls)
    project = _single_run(tmp_path, record)
    charts_dir = project / "site" / record.benchmark_id / record.run_id / "charts"
    site = build_site(project)
    before = {p.name: p.read_bytes() for p in charts_dir.glob("*.svg")}
    cached = {p.name: p.stat().st_mtime_ns for p in (project / ".cache").rglob("*.svg")}

    changed = make_record(call_wall_s={**walls, "big:8b": 61.0})
    write_archive(project / "archive", [changed])
    page = (build_site(project) / record.benchmark_id / record.run_id / "report.html").read_text()
    after = {p.name: p.read_bytes() for p in charts_dir.glob("*.svg")}

    assert site.is_dir() and "61.0s" in page
    assert after["direct-wall.svg"] != before["direct-wall.svg"]
    assert after["cascade-wall.svg"] != before["cascade-wall.svg"]
    assert after["direct-score.svg"] == before["direct-score.svg"]
    assert after["cascade-score.svg"] == before["cascade-score.svg"]
    now = {p.name: p.stat().st_mtime_ns for p in (project / ".cache").rglob("*.svg")}
    assert {name: now[name] for name in cached} == cached, "unchanged charts were redrawn"
    folder = project / ".cache" / "bench" / "charts"
    drawn = {(folder / name).read_bytes() for name in now.keys() - cached}
    assert {after["direct-wall.svg"], after["cascade-wall.svg"]} <= drawn


def test_a_changed_chart_style_redraws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart = charts_for(RunAnalysis(make_record()), BuildCache())[0]
    drawn = svg_path_for(chart, tmp_path)
    monkeypatch.setattr(charts, "WIDTH_PX", charts.WIDTH_PX + 100)
    restyled = charts_for(RunAnalysis(make_record()), BuildCache())[0]
    redrawn = svg_path_for(restyled, tmp_path)
    assert redrawn != drawn
    assert json.loads(restyled.spec_json)["width"] == charts.WIDTH_PX
    assert redrawn.read_bytes() != drawn.read_bytes()


def test_a_changed_chart_drawing_redraws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing bench/site/charts/svg.py (code or style) changes the key of every run chart."""
    chart = charts_for(RunAnalysis(make_record()), BuildCache())[0]
    drawn = svg_path_for(chart, tmp_path)
    source = Path(svgchart.__file__).read_bytes()
    monkeypatch.setattr(charts, "_SVGCHART_VERSION", hashlib.sha256(source + b"#").hexdigest())
    assert svg_path_for(chart, tmp_path) != drawn


@pytest.mark.parametrize(
    "record",
    [
        make_record(),
        make_record(repeats=2, pairs=()),
        make_record(models=("a:1b", "b:1b", "c:latest"), pairs=(("a:1b", "c:latest"),)),
        make_record(
            models=("qwen2.5-coder:7b", "mistral:7b", "llama3.1:8b", "gemma2:9b"),
            pairs=(("qwen2.5-coder:7b", "gemma2:9b"), ("mistral:7b", "gemma2:9b")),
        ),
    ],
    ids=["pairs", "no-pairs-repeated", "same-sizes", "slanted-labels"],
)
def test_each_chart_spec_is_the_one_altair_builds(record: RunRecord) -> None:
    run = RunAnalysis(record)
    labels = summary.axis_labels(run)
    sizes = [labels[d.tag] for d in run.by_size()]
    pairs = list(summary.pair_labels(run).values())
    cache = BuildCache()
    for chart in charts_for(run, cache):
        order = sizes if chart.name.startswith("direct") else pairs
        values = [dict(r.__dict__) for r in chart.rows]
        angle = label_angle(chart.kind, [r.x for r in chart.rows if r.series == chart.series[0]])
        expected = altair_spec(chart.kind, values, order, chart.unit, angle)
        assert chart.spec == expected, chart.name
        assert chart.label_angle == angle
    slanted = [c.name for c in charts_for(run, cache) if c.label_angle]
    assert bool(slanted) == ("mistral:7b" in summary.axis_labels(run)), slanted


def test_spec_templates_are_kept_in_the_cache_and_fill_the_same_specs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm build reads altair's templates from the cache instead of building them."""
    run = RunAnalysis(make_record())
    built = [c.spec for c in charts_for(run, BuildCache())]
    kept_first = [c.spec for c in charts_for(run, BuildCache(tmp_path))]
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(charts, "altair_spec", _must_not_build)
    kept_again = [c.spec for c in charts_for(run, BuildCache(tmp_path))]
    assert built == kept_first == kept_again
    assert {n.rsplit("-", 1)[0] for n in files} == {
        "run-area-score-0",
        "run-area-seconds-0",
        "run-bar-score-0",
        "run-bar-seconds-0",
    }
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files


def _must_not_build(*args: object, **kwargs: object) -> dict[str, object]:
    raise AssertionError("a kept template was built again")


def test_spec_templates_belong_to_the_build_not_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One build fills every chart from templates it built once; the next build builds its own."""
    run = RunAnalysis(make_record())
    build = BuildCache()
    first = [c.spec for c in charts_for(run, build)]
    monkeypatch.setattr(charts, "altair_spec", _must_not_build)
    assert [c.spec for c in charts_for(run, build)] == first
    with pytest.raises(AssertionError, match="built again"):
        charts_for(run, BuildCache())


def test_site_modules_hold_no_build_state() -> None:
    """No memo or global at module level: what a build makes or reads belongs to its BuildCache."""
    memos = {"cache", "lru_cache"}
    for module in sorted(Path(charts.__file__).parents[1].rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            assert not isinstance(node, ast.Global), f"{module}:{node.lineno}"
            if isinstance(node, ast.FunctionDef):
                names = {
                    ast.unparse(d).rpartition(".")[2].partition("(")[0] for d in node.decorator_list
                }
                assert not names & memos, f"{module}:{node.lineno}: {node.name}"


def test_cached_files_are_linked_and_a_dirty_build_never_writes_into_them(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive", make_series(3))
    project = make_project(tmp_path, archive)
    cache = project / ".cache" / "bench"
    build_site(project)
    site = build_site(project)  # warm: run pages come from the cache
    page = next(site.rglob("report.html"))
    assert page.stat().st_nlink > 1, "a cached page is published as a link to the cache"
    # But for the build's records of what it did: the page index and the last build's site.
    records = ("pages/index-", "last-build-")
    kept = {k: v for k, v in _files(cache).items() if not k.startswith(records)}
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("site_name:", "site_name: Other"), "utf-8")
    build(load_config(str(config), strict=False), dirty=True)  # every page again, over links
    assert "Other" in page.read_text("utf-8")
    assert {k: v for k, v in _files(cache).items() if k in kept} == kept


def test_a_warm_build_validates_no_unchanged_record_and_every_changed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = write_archive(tmp_path / "archive", make_series(3))
    project = make_project(tmp_path, archive)
    cold = _files(build_site(project))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated again")

    with monkeypatch.context() as patched:
        patched.setattr(RunRecord, "model_validate_json", refuse)
        assert _files(build_site(project)) == cold  # every run listed from the cache
    path = sorted((project / "archive").rglob("run.json"))[0]
    path.write_text(path.read_text("utf-8").replace('"repeats": ', '"repeats": -', 1), "utf-8")
    failed = mkdocs_build(project)
    assert failed.returncode != 0
    assert re.search(r"run\.json: repeats: expected", failed.stderr), failed.stderr


def test_known_records_are_not_parsed_and_still_checked(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive", make_series(2))
    first = load_archive(archive)
    known = Seen({run.digest: run.facts for run in first})
    again = load_archive(archive, known)
    assert [r.facts for r in again] == [r.facts for r in first]
    assert not any("record" in r.__dict__ for r in again)  # read only when asked
    assert [r.record for r in again] == [r.record for r in first]
    moved = again[0].folder.parent / "elsewhere"
    again[0].folder.rename(moved)
    with pytest.raises(ArchiveError, match=r"\(location\): expected <archive>/"):
        load_archive(archive, known)


def test_a_record_file_whose_stamp_is_unchanged_is_not_read_again(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive", make_series(2))
    first = load_archive(archive)
    known = Seen({run.digest: run.facts for run in first})
    load_archive(archive, known)  # read once, stamps kept
    path = first[0].path
    stamp, _ = known.stamps[str(path)]
    known.stamps[str(path)] = (stamp, "0" * 64)  # what a file's stamp says is believed
    known.known["0" * 64] = first[0].facts
    believed = load_archive(archive, known)
    assert [run.digest for run in believed if run.path == path] == ["0" * 64]
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"repeats": ', b'"repeats": -', 1))  # a new ctime
    with pytest.raises(ArchiveError, match=r"run\.json: repeats: expected"):
        load_archive(archive, known)


class Seen:
    """What a site's cache remembers of records, in memory."""

    def __init__(self, facts: dict[str, RecordFacts]) -> None:
        self.known = facts
        self.stamps: dict[str, tuple[Stamp, str]] = {}

    def facts(self, digest: str) -> RecordFacts | None:
        return self.known.get(digest)

    def digest(self, path: str, stamp: Stamp) -> str | None:
        kept = self.stamps.get(path)
        return kept[1] if kept is not None and kept[0] == stamp else None

    def read(self, path: str, stamp: Stamp, digest: str) -> None:
        self.stamps[path] = (stamp, digest)


def test_a_chart_deleted_from_the_cache_is_drawn_again(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive", make_series(3))
    project = make_project(tmp_path, archive)
    warm = _files(build_site(project))
    shutil.rmtree(project / ".cache" / "bench" / "charts")
    assert _files(build_site(project)) == warm


def test_pages_from_the_cache_stay_in_the_sitemap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITE_URL", "https://example.org/bench/")
    archive = write_archive(tmp_path / "archive", make_series(3))
    project = make_project(tmp_path, archive)
    cold = (build_site(project) / "sitemap.xml").read_text("utf-8")
    warm = (build_site(project) / "sitemap.xml").read_text("utf-8")

    def locs(sitemap: str) -> set[str]:
        return set(re.findall(r"<loc>(.*?)</loc>", sitemap))

    assert "https://example.org/bench/" + next(
        p.relative_to(project / "site").as_posix() for p in (project / "site").rglob("report.html")
    ) in locs(warm)
    assert locs(warm) == locs(cold)


def test_mkdocs_build_empties_the_old_site_as_mkdocs_does(tmp_path: Path) -> None:
    """`mkdocs build` moves the old site aside and deletes it in a second process: what the
    site held is gone after the build, a dotfile (a gh-pages checkout's .git) stays, and
    nothing is left in the cache."""
    project = make_project(tmp_path, write_archive(tmp_path / "archive", make_series(2)))
    assert mkdocs_build(project).returncode == 0
    site = project / "site"
    (site / "stale.html").write_text("old", "utf-8")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n", "utf-8")
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    assert not (site / "stale.html").exists()
    assert (site / ".git" / "HEAD").read_text("utf-8") == "ref: refs/heads/gh-pages\n"
    assert (site / "index.html").is_file()
    assert not (project / ".cache" / "bench" / "old-sites").exists()


def test_mkdocs_build_keeps_a_run_folder_only_while_it_holds_what_the_build_would_link(
    tmp_path: Path,
) -> None:
    records = make_series(3)
    project = make_project(tmp_path, write_archive(tmp_path / "archive", records))
    assert mkdocs_build(project).returncode == 0
    site = project / "site"
    kept, tampered = (site / r.benchmark_id / r.run_id for r in records[:2])
    folder_before = kept.stat().st_ino
    page_before = (kept / "report.html").read_bytes()
    (tampered / "extra.html").write_text("<script>alert(1)</script>", "utf-8")
    cold = _files(site)

    again = mkdocs_build(project)

    assert again.returncode == 0, again.stderr
    assert kept.stat().st_ino == folder_before, "an unchanged run's folder is moved back whole"
    assert (kept / "report.html").read_bytes() == page_before
    assert not (tampered / "extra.html").exists(), "a folder holding anything else is rebuilt"
    del cold[f"{records[1].benchmark_id}/{records[1].run_id}/extra.html"]
    assert _files(site) == cold
