"""A suite task's page in a run: `<benchmark>/<run>/tasks/<task>.html`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jinja2 import Environment

from bench.site.kinds._registry import GeneratedPage, PageKey, Rendered, page_kind
from bench.site.kinds._site import SiteData, content
from bench.site.report import Section
from bench.site.runsite import RunSite, task_digests
from bench.site.suitepage import TASK_TEMPLATE, render_task

TASK_SECTIONS = (Section("task", "The task"), Section("repeats", "Across repeats"))


@page_kind("task", order=20, templates=(TASK_TEMPLATE,))
def task_pages(site: SiteData, key: PageKey) -> Iterator[GeneratedPage]:
    for run in site.listed:
        run_site = site.named[run.digest]
        for task_id, task_digest in task_digests(run_site.archived.folder, run.tasks).items():
            yield GeneratedPage(
                run_site.task_src(task_id),
                f"{task_id} · {run.entry.run_id}",
                _render(run_site, task_id),
                key(run.digest, task_digest, content(run_site.names)),
                searched=False,
            )


def _render(site: RunSite, task_id: str) -> Callable[[Environment], Rendered]:
    def render(env: Environment) -> Rendered:
        return render_task(env, site.task_page(task_id)), TASK_SECTIONS

    return render
