"""Every generated page of the site, as data: what the build hands to MkDocs, knowing nothing
of MkDocs itself.

The site's runs and listings are made once (`SiteData`); each page kind (`bench.site.kinds`,
one module a kind) makes its pages from them: for each page its source path, its title, how to
render its body (and its table of contents) and, for the pages there are thousands of, the key
of its cached HTML (`bench.site.pagecache`), from its inputs and its kind's code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.record.archive import ArchivedRun
from bench.record.history import Mark
from bench.record.models import unified
from bench.site import browse
from bench.site.cache import BuildCache, CacheLayout
from bench.site.codekey import CodeKeys
from bench.site.figures import Figures
from bench.site.index import IndexEntry
from bench.site.kinds import GeneratedPage, PageKind, Rendered, SiteData, page_kinds
from bench.site.leaderboard import model_runs, site_names
from bench.site.listed import ListedRun, Listings
from bench.site.runsite import Analyses, RunSite, run_site
from bench.site.trends import (
    TREND_MAX_RUNS,
    BenchmarkTrends,
    TrendRun,
    benchmark_trends,
    trends_key,
)

__all__ = ["HOME_RUNS", "GeneratedPage", "Rendered", "SitePages", "data_stems", "site_pages"]

HOME_RUNS = 50  # the newest runs the home page lists
PageKeyOf = Callable[[PageKind, Sequence[str]], str]  # a kind and a page's inputs -> its key


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
    key_of: PageKeyOf,
    listings: Listings,
    cache_dir: Path,
) -> SitePages:
    """Every generated page; a run whose listing is kept in `listings` is not analysed unless
    one of its pages is rendered (its record, or the run before it, changed)."""
    data, published = site_data(archived, cache, listings, cache_dir)
    generated: dict[str, GeneratedPage] = {}
    for kind in page_kinds():

        def key(*inputs: str, kind: PageKind = kind) -> str:
            return key_of(kind, inputs)

        for page in kind.provide(data, key):
            generated[page.src_uri] = page
    generated = _by_run(generated, data.listed)
    kept = Figures(
        CacheLayout(cache_dir).figures,
        f"{cache.code}\0{CodeKeys().digest(['bench.site.browse'])}",
        {href: r.digest for href, r in data.by_href.items()},
        name="data",
    )
    by_benchmark: dict[str, list[IndexEntry]] = defaultdict(list)
    for entry in data.entries:
        by_benchmark[entry.benchmark_id].append(entry)
    files: dict[str, str] = {}
    for b in data.benchmark_pages:
        files |= browse.data_files(b.benchmark_id, by_benchmark[b.benchmark_id], kept)
    kept.save()
    runs = [published(r, False) for r in data.listed]

    def redraw(run: ListedRun) -> ListedRun:
        return published(listings.remake(data.sites[run.digest], cache_dir), True)

    return SitePages(
        runs=runs,
        trends=list(data.trends),
        entries=list(data.entries),
        pages=generated,
        data_files=files,
        benchmark_pages={
            b.benchmark_id: b.page_src.removesuffix(".md") + ".html" for b in data.benchmark_pages
        },
        redraw=redraw,
    )


def _by_run(pages: dict[str, GeneratedPage], runs: Sequence[ListedRun]) -> dict[str, GeneratedPage]:
    """The pages with each run's together (its report, tasks and comparison, in the kinds'
    order), runs in the order they started, then the rest: MkDocs renders them in this order,
    so each run's record is read and analysed once for all its pages (`Analyses`), and the one
    before it, which its comparison reads, is still at hand."""
    order = {run.folder: i for i, run in enumerate(runs)}

    def place(src_uri: str) -> int:
        return order.get("/".join(src_uri.split("/", 2)[:2]), len(order))

    return {src: pages[src] for src in sorted(pages, key=place)}


def site_data(
    archived: Sequence[ArchivedRun], cache: BuildCache, listings: Listings, cache_dir: Path
) -> tuple[SiteData, Callable[[ListedRun, bool], ListedRun]]:
    """The runs, their listings, marks, trends and models: what every page kind reads; and how
    to publish a run (its listing, with charts in the site's names of its models where those
    differ from the run's own, made again when `fresh`)."""
    analyses = Analyses()
    sites = {run.digest: run_site(run, cache, analyses) for run in archived}
    listed = sorted(
        (listings.listed(s, cache_dir) for s in sites.values()),
        key=lambda r: (r.entry.started_at, r.entry.run_id),
    )
    by_href = {r.entry.href: r for r in listed}
    near = browse.neighbours(r.entry for r in listed)

    same = unified(key for r in listed for key, _ in r.models)
    names = site_names((r.models for r in listed), same)
    tag_names = {r.digest: {key.tag: names[key].name for key, _ in r.models} for r in listed}
    named = {r.digest: sites[r.digest].named(tag_names[r.digest]) for r in listed}
    renamed_runs = {
        r.digest for r in listed if any(m.name != tag_names[r.digest][k.tag] for k, m in r.models)
    }
    by_benchmark: dict[str, list[ListedRun]] = defaultdict(list)
    for r in listed:
        by_benchmark[r.facts.benchmark_id].append(r)
    trend_keys = {
        b: trends_key(b, [r.digest for r in group[-TREND_MAX_RUNS:]], len(group), names)
        for b, group in by_benchmark.items()
    }
    trend_runs = {  # the runs of the trends not kept
        r.digest
        for b, group in by_benchmark.items()
        if not listings.has_trends(trend_keys[b])
        for r in group[-TREND_MAX_RUNS:]
    }

    # What else reads a run's analysis, in one pass run after run in each benchmark's order: a
    # cold build reads each record once for it all (`Analyses` keeps the last few, and the run
    # before on its host is among them).
    def pair_marks(a: RunSite, b: RunSite) -> Callable[[], tuple[Mark, ...]]:
        return lambda: browse.pair_marks(a.analysis, b.analysis)

    found_marks: dict[str, tuple[Mark, ...]] = {}
    trend_of: dict[str, TrendRun] = {}
    in_names: dict[str, ListedRun] = {}
    for href, n in near.items():
        run = by_href[href]
        if n.on_host is not None:
            a, b = by_href[n.on_host.href].digest, run.digest
            found_marks[href] = listings.marks(a, b, pair_marks(sites[a], sites[b]))
        if run.digest in trend_runs:
            trend_of[run.digest] = listings.trend(sites[run.digest])
        if run.digest in renamed_runs:
            in_names[run.digest] = listings.named(run, named[run.digest], cache_dir)

    def renamed(r: ListedRun) -> IndexEntry:
        """The run's entry and marks in the site's names of its models."""
        entry = r.entry.named(tag_names[r.digest])
        found = found_marks.get(r.entry.href, ())
        if not found:
            return entry
        own = {m.name: names[key].name for key, m in r.models}
        own |= {key.tag: names[key].name for key, _ in r.models}  # a re-hosted run's marks
        return browse.with_marks(entry, [replace(m, name=own.get(m.name, m.name)) for m in found])

    entries = [renamed(r) for r in listed]

    def benchmark_trends_of(group: Sequence[ListedRun]) -> BenchmarkTrends:
        """The trends of the group's newest runs (`benchmark_trends`): kept by their records'
        digests, the site's names and the count of runs (the code is the listings')."""
        shown = group[-TREND_MAX_RUNS:]
        return listings.trends(
            trend_keys[group[0].facts.benchmark_id],
            lambda: benchmark_trends([trend_of[r.digest] for r in shown], cache, len(group), names),
        )

    trends = [benchmark_trends_of(by_benchmark[b]) for b in sorted(by_benchmark)]
    trend_links = {t.benchmark_id: t.page_path for t in trends}
    models = model_runs(
        ((r.facts.benchmark_id, r.models) for r in listed),
        found_marks,
        names=names,
        sources=[r.digest for r in listed],
        same=same,
    )
    figures = Figures(
        CacheLayout(cache_dir).figures,
        figures_code(cache),
        {href: r.digest for href, r in by_href.items()},
    )
    bench_pages, month_pages = browse.benchmark_pages(entries, models, trend_links, figures)
    figures.save()

    def published(run: ListedRun, fresh: bool = False) -> ListedRun:
        """A run whose models the site names otherwise: its charts drawn in the site's names."""
        if run.digest not in renamed_runs:
            return run
        if not fresh:
            return in_names[run.digest]
        return listings.named(run, named[run.digest], cache_dir, fresh)

    data = SiteData(
        listed=listed,
        sites=sites,
        named=named,
        by_href=by_href,
        near=near,
        entries=entries,
        trends=trends,
        models=models,
        benchmark_pages=bench_pages,
        month_pages=month_pages,
        code=cache.code,
    )
    return data, published


def data_stems(pages: SitePages) -> dict[str, dict[str, list[str]]]:
    """benchmark id -> month -> its data files' paths without `.js`, for the home page's
    filters."""
    return browse.data_sources(pages.data_files)


def figures_code(cache: BuildCache) -> str:
    """The code of the figures kept between builds: the listings', which make the samples they
    pool, and `bench.site.figures`' own (how they are kept)."""
    return cache.code + CodeKeys().digest(["bench.site.figures"])
