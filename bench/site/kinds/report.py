"""A run's report page: `<benchmark>/<run>/report.html`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jinja2 import Environment

from bench.site.kinds._registry import GeneratedPage, PageKey, Rendered, page_kind
from bench.site.kinds._site import SiteData, content
from bench.site.report import TEMPLATE, render_report
from bench.site.runsite import RunSite


@page_kind("report", order=10, templates=(TEMPLATE, "bench/partials/banner.html"))
def report_pages(site: SiteData, key: PageKey) -> Iterator[GeneratedPage]:
    for run in site.listed:
        previous = site.near[run.entry.href].compared
        previous_id = previous.run_id if previous else None
        run_site = site.named[run.digest]
        yield GeneratedPage(
            run_site.page_src,
            run.title,
            _render(run_site, previous_id),
            key(run.digest, previous_id or "", content(run_site.names)),
            searched=False,
        )


def _render(site: RunSite, previous_id: str | None) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        report = site.page(previous_id)
        return render_report(env, report), report.sections

    return render
