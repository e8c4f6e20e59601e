"""A run against the one before it: `<benchmark>/<run>/compare.html`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jinja2 import Environment

from bench.record.compare import compare_runs
from bench.site.comparison import COMPARE_NAME, TEMPLATE, compare_page, render_compare
from bench.site.kinds._registry import GeneratedPage, PageKey, Rendered, page_kind
from bench.site.kinds._site import SiteData, content
from bench.site.report import Section
from bench.site.runsite import RunSite


@page_kind("compare", order=30, templates=(TEMPLATE,))
def comparison_pages(site: SiteData, key: PageKey) -> Iterator[GeneratedPage]:
    for run in site.listed:
        near = site.near[run.entry.href]
        previous = near.compared
        if previous is None:
            continue
        after = site.named[run.digest]
        before = site.named[site.by_href[previous.href].digest]
        same_host = previous is near.on_host
        yield GeneratedPage(
            f"{after.folder}/{COMPARE_NAME.removesuffix('.html')}.md",
            f"{run.entry.run_id} against {previous.run_id}",
            _render(before, after, same_host),
            key(
                before.archived.digest,
                run.digest,
                str(same_host),
                content(before.names, after.names),
            ),
            searched=False,
        )


def _render(a: RunSite, b: RunSite, same_host: bool) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        page = compare_page(compare_runs(a.analysis, b.analysis), same_host)
        return render_compare(env, page), tuple(Section(s.id, s.title) for s in page.sections)

    return render
