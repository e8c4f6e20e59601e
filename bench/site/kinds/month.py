"""The runs of a benchmark in one month: `<benchmark>/<yyyy-mm>.html`."""

from __future__ import annotations

from collections.abc import Iterator

from bench.site.kinds._registry import GeneratedPage, PageKey, page_kind
from bench.site.kinds._site import SiteData, body, content

TEMPLATE = "bench/month.html"


@page_kind("month", order=60, templates=(TEMPLATE,))
def month_pages(site: SiteData, key: PageKey) -> Iterator[GeneratedPage]:
    for m in site.month_pages:
        title = f"{m.benchmark_id}: {m.label}"
        yield GeneratedPage(
            m.page_src, title, body(TEMPLATE, "month", m), key(title, content(m)), searched=False
        )
