"""A run's report page: `<benchmark>/<run>/report.html`, ending with the run against the one
before it (`bench.site.comparison`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jinja2 import Environment

from bench.record.compare import compare_runs
from bench.site.comparison import TEMPLATE as COMPARE_TEMPLATE
from bench.site.comparison import compare_page, render_compare
from bench.site.kinds._registry import GeneratedPage, PageKey, Rendered, page_kind
from bench.site.kinds._site import SiteData, content
from bench.site.report import TEMPLATE, Section, render_report
from bench.site.runsite import RunSite


@page_kind("report", order=10, templates=(TEMPLATE, "bench/partials/banner.html", COMPARE_TEMPLATE))
def report_pages(site: SiteData, key: PageKey) -> Iterator[GeneratedPage]:
    for run in site.listed:
        near = site.near[run.entry.href]
        previous = near.compared
        run_site = site.named[run.digest]
        before = None if previous is None else site.named[site.by_href[previous.href].digest]
        same_host = previous is not None and previous is near.on_host
        compared = () if before is None else (before.archived.digest, str(same_host))
        yield GeneratedPage(
            run_site.page_src,
            run.title,
            _render(run_site, before, same_host),
            key(
                run.digest,
                *compared,
                content(run_site.names, before.names if before else None),
            ),
            searched=False,
        )


def _render(
    site: RunSite, before: RunSite | None, same_host: bool
) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        report = site.page(before.archived.facts.run_id if before else None)
        if before is None:
            return render_report(env, report), report.sections
        page = compare_page(compare_runs(before.analysis, site.analysis), same_host)
        return (
            render_report(env, report) + "\n" + render_compare(env, page),
            (*report.sections, Section(page.id, page.title)),
        )

    return render
