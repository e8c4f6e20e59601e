"""Every generated page of the site, as data: what the plugin hands to MkDocs, knowing nothing
of MkDocs itself.

For each page: its source path, its title, how to render its body (and its table of contents),
and, for the pages there are thousands of (run reports, comparisons), the key of its cached
HTML (`bench.site.pagecache`), from the inputs that make it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jinja2 import Environment

from bench.record.analysis import RunAnalysis
from bench.record.archive import ArchivedRun
from bench.record.compare import compare_runs
from bench.site import browse
from bench.site.cache import BuildCache
from bench.site.comparison import COMPARE_NAME, compare_page, render_compare
from bench.site.index import IndexEntry
from bench.site.leaderboard import model_runs
from bench.site.modelpage import model_page
from bench.site.pagecache import PageCache
from bench.site.report import REPORT_NAME, Section, render_report
from bench.site.runsite import RunSite, SiteFile, run_site
from bench.site.suitepage import render_task
from bench.site.trends import BenchmarkTrends, render_trends, trends_for, trends_page

HOME_RUNS = 50  # the newest runs the home page lists
Rendered = tuple[str, Sequence[Section]]  # the page's body and its table of contents
TASK_SECTIONS = (Section("task", "The task"), Section("repeats", "Across repeats"))


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    title: str
    render: Callable[[Environment], Rendered]
    cache_key: str | None = None  # None: rendered every build (a page there are few of)
    searched: bool = True  # False: a page there are many of, out of the search unless asked


@dataclass
class SitePages:
    runs: dict[str, RunSite]  # by page source
    trends: list[BenchmarkTrends]
    entries: list[IndexEntry]
    pages: dict[str, GeneratedPage]  # by source path
    data_files: dict[str, str]  # site path -> content
    benchmark_pages: dict[str, str]  # benchmark id -> its page's path
    files: list[SiteFile] = field(default_factory=list)  # records, candidates, charts


def site_pages(archived: Sequence[ArchivedRun], cache: BuildCache, pages: PageCache) -> SitePages:
    sites = [run_site(run, cache) for run in archived]
    runs = {s.page_src: s for s in sites}
    analyses = [s.analysis for s in sites]
    near = browse.neighbours(analyses)
    found_marks = browse.run_marks(near, analyses)
    entries = [
        browse.with_marks(s.index_entry(), found_marks.get(s.index_entry().href, ())) for s in sites
    ]
    trends = trends_for(analyses, cache)
    trend_links = {t.benchmark_id: t.page_path for t in trends}
    models = model_runs(analyses, found_marks)
    bench_pages, month_pages = browse.benchmark_pages(entries, models, trend_links)
    generated: dict[str, GeneratedPage] = {}
    digests = {s.folder: s.archived.digest for s in sites}
    for site in sites:
        near_run = near[f"{site.folder}/{REPORT_NAME}"]
        previous = near_run.compared
        previous_id = previous.record.run_id if previous else None
        generated[site.page_src] = GeneratedPage(
            site.page_src,
            site.title,
            _report(site, previous_id),
            pages.key("report", site.archived.digest, previous_id or ""),
            searched=False,
        )
        for task_id, task_digest in site.task_digests().items():
            src = site.task_src(task_id)
            generated[src] = GeneratedPage(
                src,
                f"{task_id} · {site.archived.record.run_id}",
                _task(site, task_id),
                pages.key("task", site.archived.digest, task_digest),
                run=True,
            )
        if previous is not None:
            src = f"{site.folder}/{COMPARE_NAME.removesuffix('.html')}.md"
            before = f"{previous.record.benchmark_id}/{previous.record.run_id}"
            same_host = previous is near_run.on_host
            generated[src] = GeneratedPage(
                src,
                f"{site.archived.record.run_id} against {previous.record.run_id}",
                _compare(previous, site, same_host),
                pages.key("compare", digests[before], site.archived.digest, str(same_host)),
                searched=False,
            )
    for t in trends:
        generated[t.page_src] = GeneratedPage(
            t.page_src, f"{t.title}: trends", _trends(t), searched=False
        )
    for b in bench_pages:
        generated[b.page_src] = GeneratedPage(
            b.page_src,
            f"{b.benchmark_id}: leaderboard",
            _body("bench/benchmark.html", "benchmark", b),
        )
    for m in month_pages:
        generated[m.page_src] = GeneratedPage(
            m.page_src,
            f"{m.benchmark_id}: {m.month}",
            _body("bench/month.html", "month", m),
            searched=False,
        )
    for benchmark_id, by_model in models.items():
        for key, history in by_model.items():
            page = model_page(benchmark_id, key, history)
            generated[page.page_src] = GeneratedPage(
                page.page_src,
                page.title,
                _body("bench/model.html", "model", page),
                searched=False,
            )
    data: dict[str, str] = {}
    for b in bench_pages:
        data |= browse.data_files(
            b.benchmark_id, [e for e in entries if e.benchmark_id == b.benchmark_id]
        )
    return SitePages(
        runs=runs,
        trends=trends,
        entries=entries,
        pages=generated,
        data_files=data,
        benchmark_pages={
            b.benchmark_id: b.page_src.removesuffix(".md") + ".html" for b in bench_pages
        },
    )


def data_stems(pages: SitePages) -> dict[str, str]:
    """benchmark id -> its data file's path without the suffix, for the home page's filters."""
    return {b: f"{b}/{browse.DATA_NAME}" for b in pages.benchmark_pages}


def _report(site: RunSite, previous_id: str | None) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        report = site.page(previous_id)
        return render_report(env, report), report.sections

    return render


def _task(site: RunSite, task_id: str) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        return render_task(env, site.task_page(task_id)), TASK_SECTIONS

    return render


def _compare(a: RunAnalysis, b: RunSite, same_host: bool) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        page = compare_page(compare_runs(a, b.analysis), same_host)
        return render_compare(env, page), tuple(Section(s.id, s.title) for s in page.sections)

    return render


def _trends(trends: BenchmarkTrends) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        model = trends_page(trends)
        return render_trends(env, model), model.sections

    return render


def _body(template: str, name: str, model: object) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        sections: Sequence[Section] = getattr(model, "sections", ())
        return env.get_template(template).render(**{name: model}), sections

    return render
