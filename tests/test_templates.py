"""Pages from Jinja templates a user can override, a block at a time, with autoescape."""

from __future__ import annotations

import fnmatch
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.schema import RunRecord
from bench.site.cache import BuildCache
from bench.site.charts.model import charts_for
from bench.site.render import TEMPLATES_DIR, environment
from bench.site.report import report_page, report_path
from bench.site.trends import TrendRun, benchmark_trends, trends_page
from tests.support.records import direct, make_series, record, sample, write_archive
from tests.support.sitebuild import REPO, SEED_RUN, build_in_process, make_project, page_text

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

TOC_LINK = re.compile(r'<a href="#([^"]+)" class="md-nav__link">')
SECTION = re.compile(r'<section class="bench-section" id="([^"]+)"')
BENCHMARK = "synthetic-codegen"


def _article(html: str) -> str:
    return html[html.index("<article") : html.index("</article>")]


def _toc(html: str) -> list[str]:
    """The anchors of the page's table of contents (the theme's secondary nav), in order."""
    nav = html[html.index('data-md-component="toc"') :]
    return TOC_LINK.findall(nav[: nav.index("</nav>")])


def _with_errors() -> RunRecord:
    return record(
        [direct("m:1b", 1, sample(3, error="refused")), direct("n:3b", 3, sample(5))],
        run_id="bench-2026-06-03_09-00-00",
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("templates")
    archive = shutil.copytree(REPO / "archive", tmp / "archive")
    write_archive(archive, [*make_series(4, methodology_change_at=2), _with_errors()])
    return build_in_process(make_project(tmp, archive))


@pytest.mark.parametrize(
    "page",
    [
        SEED_RUN + "/report.html",
        report_path(_with_errors()),
        f"{BENCHMARK}/trends.html",
        "bench/trends.html",
    ],
    ids=["seed-run", "run-with-call-errors", "trends-with-a-change", "trends-plain"],
)
def test_the_contents_list_the_sections_of_the_body_in_order(site: Path, page: str) -> None:
    html = (site / page).read_text(encoding="utf-8")
    sections = SECTION.findall(_article(html))
    assert sections
    assert _toc(html) == sections


def test_call_errors_are_in_the_contents_when_the_body_has_them(site: Path) -> None:
    html = (site / report_path(_with_errors())).read_text(encoding="utf-8")
    assert "call-errors" in _toc(html)
    seed = (site / SEED_RUN / "report.html").read_text(encoding="utf-8")
    assert "call-errors" not in _toc(seed) + SECTION.findall(_article(seed))


def test_record_text_is_escaped_once(site: Path) -> None:
    """The theme does not escape; our templates do, and page.title is escaped by the plugin."""
    html = (site / SEED_RUN / "report.html").read_text(encoding="utf-8")
    assert "qwen3:0.6b -&gt; qwen2.5-coder:1.5b (40)" in html
    assert "&amp;gt;" not in html and "&amp;#" not in html
    assert "<title>Prompt Handoff Benchmark · prompt-handoff-codegen-2026-04-20" in html


# Overrides from a user's custom_dir, in a real build


# docs/internals.md's example of overriding one block.
DOCS_EXAMPLE = re.search(
    r"```jinja\n\{# overrides/bench/report.html #\}\n(.*?)```",
    (REPO / "docs" / "internals.md").read_text(encoding="utf-8"),
    re.S,
)
TRENDS_PAGE = """<h1>{{ trends.title }}</h1>
<p class="mine">{{ trends.rows | length }} rows, our own page</p>
"""
USER_CSS = ".bench-kpi { border-color: rebeccapurple; }\n"


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("overrides")
    project = make_project(tmp)
    overrides = project / "overrides" / "bench"
    overrides.mkdir(parents=True)
    assert DOCS_EXAMPLE, "docs/internals.md: the example of overriding a block"
    (overrides / "report.html").write_text(DOCS_EXAMPLE[1], encoding="utf-8")
    (overrides / "trends.html").write_text(TRENDS_PAGE, encoding="utf-8")
    (project / "site_src" / "css").mkdir()
    (project / "site_src" / "css" / "mine.css").write_text(USER_CSS, encoding="utf-8")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n")
    config.write_text(text + "extra_css:\n  - css/mine.css\n", encoding="utf-8")
    return build_in_process(project)


def test_a_block_of_a_page_can_be_overridden(overridden: Path) -> None:
    html = (overridden / SEED_RUN / "report.html").read_text(encoding="utf-8")
    body = _article(html)
    note = "Read these 6 findings with the methodology in mind."
    mine = body.index(f'<p class="our-note">{note}</p>')
    assert mine < body.index('id="findings"'), "the block's own content follows, via super()"
    text = page_text(html)
    for kept in ("What kept breaking", "Direct baseline breakdown", "Check matrix"):
        assert kept in text
    assert _toc(html) == SECTION.findall(body)


def test_a_page_kind_can_be_replaced_whole(overridden: Path) -> None:
    html = (overridden / "prompt-handoff-codegen" / "trends.html").read_text(encoding="utf-8")
    body = _article(html)
    assert '<p class="mine">2 rows, our own page</p>' in body
    assert "bench-trends" not in body and "Trend data" not in body


def test_the_plugin_css_comes_before_the_user_css(overridden: Path) -> None:
    html = (overridden / SEED_RUN / "report.html").read_text(encoding="utf-8")
    ours = html.index('href="../../assets/bench/bench.css"')
    theirs = html.index('href="../../css/mine.css"')
    assert ours < theirs, "the user's rules come later and win"
    assert html.count("assets/bench/bench.css") == 1


def test_without_overrides_the_shipped_templates_render(site: Path) -> None:
    html = (site / SEED_RUN / "report.html").read_text(encoding="utf-8")
    assert 'class="our-note"' not in html and "What this run actually says" in html


def test_every_template_ships_as_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["bench"]
    package = REPO / "bench"
    templates = [p.relative_to(package).as_posix() for p in TEMPLATES_DIR.rglob("*.html")]
    assert len(templates) >= 6
    for path in templates:
        assert any(fnmatch.fnmatch(path, g) and g.count("/") == path.count("/") for g in globs), (
            path
        )


def test_each_section_has_its_block_in_the_template() -> None:
    """A section in the list without a block would be in the contents and not in the body."""
    env = environment()
    run = RunAnalysis(_with_errors())
    report = report_page(run, charts_for(run, BuildCache()))
    trends = benchmark_trends(
        [TrendRun.of(RunAnalysis(r)) for r in make_series(4, methodology_change_at=2)], BuildCache()
    )
    for template, sections in (
        ("bench/base/report.html", report.sections),
        ("bench/base/trends.html", trends_page(trends).sections),
    ):
        blocks = env.get_template(template).blocks
        assert [s.block for s in sections if s.block not in blocks] == [], template
    assert "call-errors" in [s.id for s in report.sections]
