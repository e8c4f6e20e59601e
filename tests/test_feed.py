"""The Atom feed of runs: valid Atom, newest first, each entry linking its built report page."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench.record.analysis import RunAnalysis
from bench.site import feed as feed_module
from bench.site.feed import entry_summary, render_feed
from bench.site.index import IndexEntry
from tests.support.records import make_record, make_series, two_benchmarks, write_archive
from tests.support.sitebuild import build_site, make_project

ATOM = "{http://www.w3.org/2005/Atom}"
RECORDS = two_benchmarks()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("feed")
    return build_site(make_project(tmp, write_archive(tmp / "archive", RECORDS)))


@pytest.fixture(scope="module")
def feed(site: Path) -> ET.Element:
    return ET.parse(site / "feed.xml").getroot()


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(f"{ATOM}{tag}")
    assert found is not None and found.text, f"<{tag}> missing from <{element.tag}>"
    return found.text


def _stamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


@pytest.mark.slow
def test_the_feed_is_atom_with_what_a_reader_requires(feed: ET.Element) -> None:
    assert feed.tag == f"{ATOM}feed"
    assert _text(feed, "id").startswith("urn:uuid:")
    assert _text(feed, "title") == "Local LLM benchmark archive"
    newest = max(r.finished_at or r.started_at for r in RECORDS)
    assert _stamp(_text(feed, "updated")) == newest
    links = {link.get("rel"): link.get("href") for link in feed.iter(f"{ATOM}link")}
    assert links["self"] == "feed.xml"
    assert _text(feed.find(f"{ATOM}author"), "name")  # type: ignore[arg-type]


@pytest.mark.slow
def test_entries_are_the_runs_newest_first(feed: ET.Element) -> None:
    entries = feed.findall(f"{ATOM}entry")
    by_date = sorted(RECORDS, key=lambda r: r.started_at, reverse=True)

    assert [_text(x, "title").rpartition(" · ")[2] for x in entries] == [r.run_id for r in by_date]
    ids = [_text(x, "id") for x in entries]
    assert len(set(ids)) == len(ids)
    for entry, record in zip(entries, by_date, strict=True):
        assert _stamp(_text(entry, "updated")) == record.finished_at
        assert _stamp(_text(entry, "published")) == record.started_at


@pytest.mark.slow
def test_each_entry_links_its_built_report(feed: ET.Element, site: Path) -> None:
    for entry in feed.findall(f"{ATOM}entry"):
        (link,) = entry.findall(f"{ATOM}link")
        assert link.get("rel") == "alternate"
        href = link.get("href")
        assert href is not None
        assert (site / href).is_file(), href
        assert href.endswith(f"/{_text(entry, 'title').rpartition(' · ')[2]}/report.html")


@pytest.mark.slow
def test_entry_summary_is_the_index_figures(feed: ET.Element) -> None:
    record = RECORDS[-1]
    entry = IndexEntry.of(RunAnalysis(record))
    summaries = {_text(x, "id"): _text(x, "summary") for x in feed.findall(f"{ATOM}entry")}

    assert entry_summary(entry) in summaries.values()
    assert entry_summary(entry) == (
        f"Best direct: {entry.best_direct}. Best cascade: {entry.best_cascade}."
    )
    assert entry.best_direct == "Big 8B (85)"  # the model's label, its one display name


@pytest.mark.slow
def test_the_index_page_links_the_feed(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<a rel="alternate" type="application/atom+xml" href="feed.xml">' in index


def test_hostile_text_stays_text_and_links_go_absolute_with_a_site_url() -> None:
    hostile = make_record(title='Runs <&> \x07 "quoted" ]]>')
    xml = render_feed(
        [IndexEntry.of(RunAnalysis(hostile))], title="A & B", site_url="https://example.org/b/"
    )
    root = ET.fromstring(xml)

    (entry,) = root.findall(f"{ATOM}entry")
    assert _text(entry, "title").startswith('Runs <&> \\x07 "quoted" ]]> · ')  # shown, not raw
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert (
        link.get("href")
        == f"https://example.org/b/{hostile.benchmark_id}/{hostile.run_id}/report.html"
    )


def test_the_feed_keeps_only_the_newest_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "FEED_MAX_ENTRIES", 3)
    records = make_series(5)
    root = ET.fromstring(render_feed([IndexEntry.of(RunAnalysis(r)) for r in records], title="t"))

    titles = [_text(x, "title").rpartition(" · ")[2] for x in root.findall(f"{ATOM}entry")]
    assert titles == [r.run_id for r in reversed(records[2:])]
