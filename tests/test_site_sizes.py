"""No page or data file grows with the archive (issue 25: each under 300 kB at 10,000 runs): a
model's page lists its newest runs and counts the older by month, a busy month's runs are paged,
and the filters' data is a file a month, in parts."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.record.analysis import RunAnalysis
from bench.site import browse, modelpage
from bench.site.index import IndexEntry
from bench.site.leaderboard import model_entries, model_runs
from tests.support.records import BENCHMARK, make_series

RECORDS = make_series(130, every=dt.timedelta(hours=12))  # 65 days: three months
ENTRIES = [IndexEntry.of(RunAnalysis(r)) for r in RECORDS]


def test_a_model_page_lists_its_newest_runs_and_counts_the_older_by_month() -> None:
    runs = model_runs((BENCHMARK, model_entries(RunAnalysis(r))) for r in RECORDS)[BENCHMARK]
    key, history = max(runs.items(), key=lambda item: len(item[1]))
    assert len(history) > modelpage.NEWEST_ROWS

    page = modelpage.model_page(BENCHMARK, key, history)

    assert len(page.rows) == modelpage.NEWEST_ROWS
    assert page.rows[0].run_id == history[-1].run_id
    older = history[: -modelpage.NEWEST_ROWS]
    assert sum(m.runs for m in page.older) == len(older)
    assert [m.month for m in page.older] == sorted({r.started_at[:7] for r in older}, reverse=True)
    month = page.older[-1]
    assert month.month_href == f"../archive/{month.month}.html"
    query = parse_qs(urlsplit(month.filter_href).query)
    assert query["benchmark"] == [BENCHMARK] and query["model"] == [history[-1].name]
    assert query["from"][0].startswith(month.month) and query["to"][0].startswith(month.month)
    assert [s.id for s in page.sections] == ["charts", "runs", "older"]
    assert "the older ones are listed by month" in page.intro


def test_a_busy_month_is_paged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "MONTH_PAGE_RUNS", 25)
    _, months = browse.benchmark_pages(ENTRIES, {}, {})

    busiest = max({p.month for p in months}, key=lambda m: sum(p.month == m for p in months))
    pages = [p for p in months if p.month == busiest]
    assert len(pages) == -(-pages[0].runs // 25) > 1
    assert [p.page_src.rsplit("/", 1)[1] for p in pages] == [
        f"{busiest}.md",
        *(f"{busiest}-{n}.md" for n in range(2, len(pages) + 1)),
    ]
    assert [p.first for p in pages] == [1 + 25 * n for n in range(len(pages))]
    assert sum(len(p.entries) for p in pages) == pages[0].runs
    for newer, older in itertools.pairwise(months):  # one chain, newest first
        assert newer.older is not None and older.newer is not None
        assert newer.older.href.removesuffix(".html") == older.page_src.rsplit("/")[-1][:-3]
        assert older.newer.href.removesuffix(".html") == newer.page_src.rsplit("/")[-1][:-3]
    assert pages[1].label == f"{busiest} (2 of {len(pages)})"


def test_the_filters_data_is_a_file_a_month_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "DATA_PART_BYTES", 10_000)
    files = browse.data_files(BENCHMARK, ENTRIES)

    sources = browse.data_sources(files)
    assert list(sources) == [BENCHMARK]
    assert set(sources[BENCHMARK]) == {e.started_at.strftime("%Y-%m") for e in ENTRIES}
    seen = []
    for month, stems in sources[BENCHMARK].items():
        assert stems[0] == f"{BENCHMARK}/runs/{month}"
        assert stems[1:] == [f"{BENCHMARK}/runs/{month}-{n}" for n in range(2, len(stems) + 1)]
        for stem in stems:
            script = files[f"{stem}.js"]
            head = f'(window.benchRunData = window.benchRunData || {{}})["{stem}"] = '
            assert script.startswith(head) and script.isascii()
            rows = json.loads(script[len(head) : -2])
            assert len(script) < 10_000 + 2_000 or len(rows) == 1
            assert {r["time"][:7] for r in rows} == {month}
            seen += [r["run"] for r in rows]
    assert sorted(seen) == sorted(e.run_id for e in ENTRIES)
    assert any(len(stems) > 1 for stems in sources[BENCHMARK].values())
