"""A model's runs on a benchmark: `<benchmark>/models/<model>.html`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from jinja2 import Environment

from bench.record.models import ModelIdentity
from bench.site.kinds._registry import GeneratedPage, PageKey, Rendered, page_kind
from bench.site.kinds._site import SiteData, content
from bench.site.leaderboard import ModelRun, model_page_path
from bench.site.modelpage import model_page, model_title

TEMPLATE = "bench/model.html"


@page_kind("model", order=70, templates=(TEMPLATE,))
def model_pages(site: SiteData, key: PageKey) -> Iterator[GeneratedPage]:
    for benchmark_id, by_model in site.models.items():
        for model, history in by_model.items():
            title = model_title(benchmark_id, model, history)
            yield GeneratedPage(
                model_page_path(benchmark_id, model).removesuffix(".html") + ".md",
                title,
                _render(benchmark_id, model, history),
                key(title, site.code, content(benchmark_id, model), *history.inputs()),
                searched=False,
            )


def _render(
    benchmark_id: str, model: ModelIdentity, history: Sequence[ModelRun]
) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        page = model_page(benchmark_id, model, history)
        return env.get_template(TEMPLATE).render(model=page), page.sections

    return render
