"""A benchmark's page: its leaderboard and its months (`<benchmark>/index.html`); in the
search, so rendered every build."""

from __future__ import annotations

from collections.abc import Iterator

from bench.site.kinds._registry import GeneratedPage, PageKey, page_kind
from bench.site.kinds._site import SiteData, body

TEMPLATE = "bench/benchmark.html"


@page_kind("benchmark", order=50, templates=(TEMPLATE,))
def benchmark_pages(site: SiteData, key: PageKey) -> Iterator[GeneratedPage]:
    for b in site.benchmark_pages:
        yield GeneratedPage(
            b.page_src, f"{b.benchmark_id}: leaderboard", body(TEMPLATE, "benchmark", b)
        )
