"""An Atom feed of archived runs, newest first, for feed readers (RFC 4287).

Links are relative to the feed, which sits at the site root, unless the site's URL is known;
ids are URNs made from the benchmark and run ids, so they never change when the site moves.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bench.record.safety import printable

if TYPE_CHECKING:
    from bench.site.index import IndexEntry

FEED_PATH = "feed.xml"
FEED_MAX_ENTRIES = 100
ATOM_NS = "http://www.w3.org/2005/Atom"
_ID_NAMESPACE = uuid.UUID("1b2f4b8e-55c4-4a8a-9a57-0c0a8c7f6a10")  # this project's, fixed


def render_feed(
    entries: Sequence[IndexEntry],
    *,
    title: str,
    site_url: str = "",
    index_path: str = "index.html",
) -> str:
    """The feed's XML: the newest FEED_MAX_ENTRIES runs, each linking its report page."""
    from bench.site.index import newest_first  # here: it imports every page's code (~0.3 s)

    newest = newest_first(entries)[:FEED_MAX_ENTRIES]
    feed = ET.Element("feed", xmlns=ATOM_NS)
    _text(feed, "id", _urn("feed", site_url or title))
    _text(feed, "title", title)
    _text(feed, "updated", _stamp(max((_updated(x) for x in newest), default=_EPOCH)))
    _link(feed, _url(site_url, index_path), rel="alternate", type="text/html")
    _link(feed, _url(site_url, FEED_PATH), rel="self", type="application/atom+xml")
    author = ET.SubElement(feed, "author")
    _text(author, "name", title)
    _text(feed, "generator", "bench-archive")
    for entry in newest:
        feed.append(_entry(entry, site_url))
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def entry_summary(entry: IndexEntry) -> str:
    return f"Best direct: {entry.best_direct}. Best cascade: {entry.best_cascade}."


def _entry(entry: IndexEntry, site_url: str) -> ET.Element:
    element = ET.Element("entry")
    _text(element, "id", _urn("run", f"{entry.benchmark_id}/{entry.run_id}"))
    _text(element, "title", f"{entry.title} · {entry.run_id}")
    _text(element, "updated", _stamp(_updated(entry)))
    _text(element, "published", _stamp(entry.started_at))
    _link(element, _url(site_url, entry.href), rel="alternate", type="text/html")
    category = ET.SubElement(element, "category")
    category.set("term", entry.benchmark_id)
    _text(element, "summary", entry_summary(entry))
    return element


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _updated(entry: IndexEntry) -> dt.datetime:
    return entry.finished_at or entry.started_at


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(kind: str, name: str) -> str:
    return uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}").urn


def _url(site_url: str, path: str) -> str:
    return f"{site_url.rstrip('/')}/{path}" if site_url else path


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = printable(text)  # XML 1.0 forbids most controls: shown, not dropped
    return child


def _link(parent: ET.Element, href: str, **attributes: str) -> None:
    link = ET.SubElement(parent, "link")
    link.set("href", href)
    for name, value in attributes.items():
        link.set(name, value)
