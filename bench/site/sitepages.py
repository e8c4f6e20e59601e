"""Every generated page of the site, as data: what the plugin hands to MkDocs, knowing nothing
of MkDocs itself.

For each page: its source path, its title, how to render its body (and its table of contents),
and, for the pages there are thousands of (run reports, comparisons), the key of its cached
HTML (`bench.site.pagecache`), from the inputs that make it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import Environment
from pydantic_core import to_json

from bench.record.archive import ArchivedRun
from bench.record.compare import compare_runs
from bench.record.history import Mark
from bench.record.models import ModelIdentity
from bench.site import browse
from bench.site.cache import BuildCache
from bench.site.comparison import COMPARE_NAME, compare_page, render_compare
from bench.site.index import IndexEntry
from bench.site.leaderboard import ModelRun, model_page_path, model_runs, site_names
from bench.site.listed import ListedRun, Listings
from bench.site.modelpage import model_page, model_title
from bench.site.pagecache import PageCache
from bench.site.report import Section, render_report
from bench.site.runsite import RunSite, run_site, task_digests
from bench.site.suitepage import render_task
from bench.site.trends import (
    TREND_MAX_RUNS,
    BenchmarkTrends,
    render_trends,
    trends_for,
    trends_page,
)

HOME_RUNS = 50  # the newest runs the home page lists
Rendered = tuple[str, Sequence[Section]]  # the page's body and its table of contents
TASK_SECTIONS = (Section("task", "The task"), Section("repeats", "Across repeats"))


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    title: str
    render: Callable[[Environment], Rendered]
    cache_key: str | None = None  # of its inputs (their JSON for a listing page); None:
    # rendered every build (a page in the search)
    searched: bool = True  # False: a page there are many of, out of the search unless asked


@dataclass
class SitePages:
    runs: list[ListedRun]
    trends: list[BenchmarkTrends]
    entries: list[IndexEntry]
    pages: dict[str, GeneratedPage]  # by source path
    data_files: dict[str, str]  # site path -> content
    benchmark_pages: dict[str, str]  # benchmark id -> its page's path
    redraw: Callable[[ListedRun], ListedRun]  # a run's listing made again (a file was lost)


def site_pages(
    archived: Sequence[ArchivedRun],
    cache: BuildCache,
    pages: PageCache,
    listings: Listings,
    cache_dir: Path,
) -> SitePages:
    """Every generated page; a run whose listing is kept in `listings` is not analysed unless
    one of its pages is rendered (its record, or the run before it, changed)."""
    sites = {run.digest: run_site(run, cache) for run in archived}
    listed = sorted(
        (listings.listed(s, cache_dir) for s in sites.values()),
        key=lambda r: (r.entry.started_at, r.entry.run_id),
    )
    by_href = {r.entry.href: r for r in listed}
    near = browse.neighbours(r.entry for r in listed)

    def changes(before: str, after: str) -> tuple[Mark, ...]:
        a, b = by_href[before].digest, by_href[after].digest
        return listings.marks(a, b, lambda: browse.pair_marks(sites[a].analysis, sites[b].analysis))

    found_marks = browse.run_marks(near, changes)
    listings.save()
    names = site_names(r.models for r in listed)
    tag_names = {r.digest: {key.tag: names[key].name for key, _ in r.models} for r in listed}

    def renamed(r: ListedRun) -> IndexEntry:
        """The run's entry and marks in the site's names of its models."""
        own = {m.name: names[key].name for key, m in r.models}
        own |= {key.tag: names[key].name for key, _ in r.models}  # a re-hosted run's marks
        found = found_marks.get(r.entry.href, ())
        marks = [replace(m, name=own.get(m.name, m.name)) for m in found]
        return browse.with_marks(r.entry.named(tag_names[r.digest]), marks)

    entries = [renamed(r) for r in listed]
    by_benchmark: dict[str, list[ListedRun]] = defaultdict(list)
    for r in listed:
        by_benchmark[r.facts.benchmark_id].append(r)
    newest = [r for group in by_benchmark.values() for r in group[-TREND_MAX_RUNS:]]
    trends = trends_for(
        (listings.trend(sites[r.digest]) for r in newest),
        cache,
        {b: len(group) for b, group in by_benchmark.items()},
        names,
    )
    trend_links = {t.benchmark_id: t.page_path for t in trends}
    models = model_runs(((r.facts.benchmark_id, r.models) for r in listed), found_marks)
    bench_pages, month_pages = browse.benchmark_pages(entries, models, trend_links)
    generated: dict[str, GeneratedPage] = {}
    named = {r.digest: sites[r.digest].named(tag_names[r.digest]) for r in listed}
    renamed_runs = {
        r.digest for r in listed if any(m.name != tag_names[r.digest][k.tag] for k, m in r.models)
    }

    def published(run: ListedRun, fresh: bool = False) -> ListedRun:
        """A run whose models the site names otherwise: its charts drawn in the site's names."""
        if run.digest not in renamed_runs:
            return run
        return listings.named(run, named[run.digest], cache_dir, fresh)

    for run in listed:
        site = named[run.digest]
        previous = near[run.entry.href].compared
        previous_id = previous.run_id if previous else None
        generated[site.page_src] = GeneratedPage(
            site.page_src,
            run.title,
            _report(site, previous_id),
            pages.key("report", run.digest, previous_id or "", _content(site.names)),
            searched=False,
        )
        for task_id, task_digest in task_digests(site.archived.folder, run.tasks).items():
            src = site.task_src(task_id)
            generated[src] = GeneratedPage(
                src,
                f"{task_id} · {run.entry.run_id}",
                _task(site, task_id),
                pages.key("task", run.digest, task_digest, _content(site.names)),
                searched=False,
            )
        if previous is not None:
            src = f"{site.folder}/{COMPARE_NAME.removesuffix('.html')}.md"
            before = named[by_href[previous.href].digest]
            same_host = previous is near[run.entry.href].on_host
            generated[src] = GeneratedPage(
                src,
                f"{run.entry.run_id} against {previous.run_id}",
                _compare(before, site, same_host),
                pages.key(
                    "compare",
                    before.archived.digest,
                    run.digest,
                    str(same_host),
                    _content(before.names, site.names),
                ),
                searched=False,
            )
    for t in trends:
        title = f"{t.title}: trends"
        generated[t.page_src] = GeneratedPage(
            t.page_src, title, _trends(t), pages.key("trends", title, _content(t)), searched=False
        )
    for b in bench_pages:
        generated[b.page_src] = GeneratedPage(
            b.page_src,
            f"{b.benchmark_id}: leaderboard",
            _body("bench/benchmark.html", "benchmark", b),
        )
    for m in month_pages:
        title = f"{m.benchmark_id}: {m.month}"
        generated[m.page_src] = GeneratedPage(
            m.page_src,
            title,
            _body("bench/month.html", "month", m),
            pages.key("month", title, _content(m)),
            searched=False,
        )
    for benchmark_id, by_model in models.items():
        for key, history in by_model.items():
            src = model_page_path(benchmark_id, key).removesuffix(".html") + ".md"
            title = model_title(benchmark_id, key, history)
            generated[src] = GeneratedPage(
                src,
                title,
                _model(benchmark_id, key, history),
                pages.key("model", title, _content(benchmark_id, key, history)),
                searched=False,
            )
    runs = [published(r) for r in listed]
    listings.save()  # with the files of the runs the site names otherwise
    data: dict[str, str] = {}
    for b in bench_pages:
        data |= browse.data_files(
            b.benchmark_id, [e for e in entries if e.benchmark_id == b.benchmark_id]
        )

    def redraw(run: ListedRun) -> ListedRun:
        return published(listings.remake(sites[run.digest], cache_dir), fresh=True)

    return SitePages(
        runs=runs,
        trends=trends,
        entries=entries,
        pages=generated,
        data_files=data,
        benchmark_pages={
            b.benchmark_id: b.page_src.removesuffix(".md") + ".html" for b in bench_pages
        },
        redraw=redraw,
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


def _compare(a: RunSite, b: RunSite, same_host: bool) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        page = compare_page(compare_runs(a.analysis, b.analysis), same_host)
        return render_compare(env, page), tuple(Section(s.id, s.title) for s in page.sections)

    return render


def _trends(trends: BenchmarkTrends) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        model = trends_page(trends)
        return render_trends(env, model), model.sections

    return render


def _content(*models: object) -> str:
    """What a listing page shows, as JSON (pydantic's, of any dataclass): its cache key. Not
    repr, which differs between a figure made now and the same figure read from the cache."""
    return to_json(models).decode()


def _model(
    benchmark_id: str, key: ModelIdentity, history: Sequence[ModelRun]
) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        page = model_page(benchmark_id, key, history)
        return env.get_template("bench/model.html").render(model=page), page.sections

    return render


def _body(template: str, name: str, model: object) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        sections: Sequence[Section] = getattr(model, "sections", ())
        return env.get_template(template).render(**{name: model}), sections

    return render
