"""Page kinds: one module a kind, each registering how it makes its pages (`_registry`)."""

from __future__ import annotations

from bench.site.kinds._registry import GeneratedPage, PageKey, PageKind, Rendered, page_kinds
from bench.site.kinds._site import SiteData

__all__ = ["GeneratedPage", "PageKey", "PageKind", "Rendered", "SiteData", "page_kinds"]
