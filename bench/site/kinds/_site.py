"""What every page kind makes its pages from: the site's runs and listings, made once a build
(`bench.site.sitepages.site_data`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jinja2 import Environment
from pydantic_core import to_json

# For typing only: a kind's code (`bench.site.codekey`) is what its own module imports.
if TYPE_CHECKING:
    from bench.record.models import ModelIdentity
    from bench.site.browse import BenchmarkPage, MonthPage, Neighbours
    from bench.site.index import IndexEntry
    from bench.site.kinds._registry import Rendered
    from bench.site.leaderboard import ModelHistory
    from bench.site.listed import ListedRun
    from bench.site.report import Section
    from bench.site.runsite import RunSite
    from bench.site.trends import BenchmarkTrends


@dataclass(frozen=True)
class SiteData:
    listed: Sequence[ListedRun]  # every run, in the order they started
    sites: Mapping[str, RunSite]  # by record digest
    named: Mapping[str, RunSite]  # the same, with its models in the site's names (its pages)
    by_href: Mapping[str, ListedRun]  # by report page
    near: Mapping[str, Neighbours]  # by report page: the runs it is compared with
    entries: Sequence[IndexEntry]  # with their marks
    trends: Sequence[BenchmarkTrends]
    models: Mapping[str, Mapping[ModelIdentity, ModelHistory]]  # benchmark -> model -> runs
    benchmark_pages: Sequence[BenchmarkPage]
    month_pages: Sequence[MonthPage]
    code: str = ""  # of the listings (`BuildCache.code`): a key made of records' digests has it


def content(*models: object) -> str:
    """What a listing page shows, as JSON (pydantic's, of any dataclass): its cache key. Not
    repr, which differs between a figure made now and the same figure read from the cache."""
    return to_json(models).decode()


def body(template: str, name: str, model: object) -> Callable[[Environment], Rendered]:
    """A page that is `template` rendered with `model` as `name`."""

    def render(env: Environment) -> Rendered:
        sections: Sequence[Section] = getattr(model, "sections", ())
        return env.get_template(template).render(**{name: model}), sections

    return render
