"""The one list of page kinds: each kind's module registers how it makes its pages
(`page_kind`); nothing else lists them. A new kind of page is one module in this package.

A kind is keyed by its code: its module, every module of this package that one imports, and
its templates (`bench.site.codekey`), so an edit of one kind renders only its pages again.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from jinja2 import Environment

if TYPE_CHECKING:
    from bench.site.kinds._site import SiteData
    from bench.site.report import Section

Rendered: TypeAlias = "tuple[str, Sequence[Section]]"  # the page's body and its contents
PageKey = Callable[..., str]  # a page's inputs (text) -> its cache key, the kind's code mixed in


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    title: str
    render: Callable[[Environment], Rendered]
    cache_key: str | None = None  # of its inputs (their JSON for a listing page); None:
    # rendered every build (a page in the search)
    searched: bool = True  # False: a page there are many of, out of the search unless asked


Provide = Callable[["SiteData", PageKey], Iterable[GeneratedPage]]


@dataclass(frozen=True)
class PageKind:
    name: str  # what a cache key says it is, e.g. "report"
    order: int  # where its pages come among the site's (MkDocs reads them in this order)
    module: str  # the module that makes its pages: with its imports, the code of its pages
    templates: tuple[str, ...]  # the templates its pages render, under `templates/`
    provide: Provide  # every page of the kind, from the site's data


_KINDS: dict[str, PageKind] = {}


def page_kind(
    name: str, *, order: int, templates: Sequence[str] = ()
) -> Callable[[Provide], Provide]:
    """Function decorator: the pages of kind `name` are the ones this function provides."""

    def add(provide: Provide) -> Provide:
        _KINDS[name] = PageKind(name, order, provide.__module__, tuple(templates), provide)
        return provide

    return add


def page_kinds() -> tuple[PageKind, ...]:
    """Every page kind, in page order: each module of this package is imported first."""
    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package}.{module.name}")
    return tuple(sorted(_KINDS.values(), key=lambda k: (k.order, k.name)))
