"""A benchmark's trends over its newest runs: `<benchmark>/trends.html`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jinja2 import Environment

from bench.site.kinds._registry import GeneratedPage, PageKey, Rendered, page_kind
from bench.site.kinds._site import SiteData, content
from bench.site.trends import TEMPLATE, BenchmarkTrends, render_trends, trends_page


@page_kind("trends", order=40, templates=(TEMPLATE,))
def trends_pages(site: SiteData, key: PageKey) -> Iterator[GeneratedPage]:
    for t in site.trends:
        title = f"{t.title}: trends"
        yield GeneratedPage(t.page_src, title, _render(t), key(title, content(t)), searched=False)


def _render(trends: BenchmarkTrends) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        model = trends_page(trends)
        return render_trends(env, model), model.sections

    return render
