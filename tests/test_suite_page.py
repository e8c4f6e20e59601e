"""The page of a suite run: KPIs and score charts with their intervals, paired comparisons, the
task table (a sortable heat map), the tasks that fail most, and a page per task with every
answer, its checks and its code, kept out of the search; 164 tasks stay under 300 kB."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.schema import CandidateFile, CascadeSample, RunRecord, Sample, TaskSpec, slug
from bench.record.stats import paired
from bench.record.suite import TaskState, paired_table, task_hotspots, task_table
from bench.site import fmt
from bench.site.report import report_path
from bench.site.sure import mean_score
from tests.support.html import with_end_tags
from tests.support.records import CHECKS, COMPILE, evaluation, make_record, write_run
from tests.support.sitebuild import SEED_RUN, build_site, downloaded_spec, make_project, page_text

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

TASKS = ("he-0", "he-1", "he-2", "he-3")
HOSTILE = "<script>alert('title')</script>"
CODE = "print('</code></pre><script>alert(\"code\")</script>')\n"
PAGE_LIMIT_BYTES = 300_000
S = TypeVar("S", Sample, CascadeSample)


def suite_record() -> tuple[RunRecord, dict[str, str]]:
    """Four tasks asked twice; tiny fails he-0 and he-1 at the gate, mid fails he-0's merge;
    big fails he-2 once of twice (a partial), the pairs fail nothing; every answer's code
    archived, and he-1 has a hostile title."""
    record = make_record(
        tasks=TASKS,
        repeats=2,
        failed={
            "tiny:0.5b": {"he-0": (COMPILE,), "he-1": (COMPILE,)},
            "mid:3b": {"he-0": ("merges_windows",)},
            "big:8b": {},
            "tiny:0.5b -> big:8b": {},
            "mid:3b -> big:8b": {},
        },
    )
    sources: dict[str, str] = {}

    def archived(who: str, sample: S) -> S:
        path = f"candidates/{slug(who)}-{sample.task}-{sample.repeat + 1}.py"
        sources[path] = f"# {who} on {sample.task}, repeat {sample.repeat + 1}\n{CODE}"
        found = sample.evaluation
        if who == "big:8b" and sample.task == "he-2" and sample.repeat == 1:
            found = evaluation(("writes_output",))
        file = CandidateFile(name="solution.py", path=path)
        return sample.model_copy(
            update={"evaluation": found.model_copy(update={"candidate": file})}
        )

    direct = tuple(
        d.model_copy(update={"samples": tuple(archived(d.model.tag, s) for s in d.samples)})
        for d in record.direct
    )
    cascades = tuple(
        c.model_copy(
            update={"samples": tuple(archived(f"{c.small}-{c.large}", s) for s in c.samples)}
        )
        for c in record.cascades
    )
    tasks = tuple(
        TaskSpec(id=t, title=HOSTILE if t == "he-1" else f"Task {t}", checks=CHECKS) for t in TASKS
    )
    suite = record.model_copy(update={"direct": direct, "cascades": cascades, "tasks": tasks})
    return RunRecord.model_validate(suite.model_dump()), sources


RECORD, SOURCES = suite_record()
RUN = RunAnalysis(RECORD)
BIG_SUITE = make_record(
    tasks=[f"humaneval-{i}" for i in range(164)], repeats=2, run_id="synthetic-codegen-164-tasks"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("suite")
    archive = tmp / "archive"
    write_run(archive, RECORD, SOURCES)
    write_run(archive, BIG_SUITE, {})
    return build_site(make_project(tmp, archive))


@pytest.fixture(scope="module")
def html(site: Path) -> str:
    return (site / report_path(RECORD)).read_text(encoding="utf-8")


class Rows(HTMLParser):
    """Each table row of the section with `id`, as (cell classes, cell texts)."""

    def __init__(self, section: str) -> None:
        super().__init__()
        self.section, self.inside, self.depth = section, False, 0
        self.rows: list[tuple[list[str], list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self.depth += 1
            if found.get("id") == self.section:
                self.inside, self.depth = True, 1
        if not self.inside:
            return
        if tag == "tr":
            self.rows.append(([], []))
        elif tag in ("td", "th") and self.rows:
            self.rows[-1][0].append(found.get("class") or "")
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.inside:
            self.depth -= 1
            self.inside = self.depth > 0
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rows(html: str, section: str) -> list[tuple[list[str], list[str]]]:
    parser = Rows(section)
    parser.feed(with_end_tags(html))  # the cells a browser reads
    return parser.rows


def test_the_kpis_give_the_mean_score_and_pass_rate_with_their_intervals(html: str) -> None:
    best = RUN.best_direct
    assert best is not None
    s = best.summary
    text = page_text(html)
    assert f"Best Direct {best.name} Score {mean_score(s)}" in text
    assert s.interval is not None and "95% CI" in mean_score(s)
    low, high = fmt.percent(s.pass_interval.low), fmt.percent(s.pass_interval.high)
    assert (
        f"Pass Rate {fmt.percent(s.pass_rate)} Best direct, every check passed; 95% CI "
        f"{low}–{high} (Wilson), n = 4 tasks × 2 repeats = 8"
    ) in text


def test_the_score_charts_draw_the_mean_and_its_interval(site: Path, html: str) -> None:
    folder = site / RECORD.benchmark_id / RECORD.run_id / "charts"
    spec = json.loads(downloaded_spec(site, folder.parent / "report.html", "direct-score"))
    values = {v["x"]: v for v in spec["data"]["values"]}
    for d in RUN.direct:
        s = d.summary
        assert s.interval is not None
        row = values[fmt.size_label(d.model.params_b or 0)]
        assert row["value"] == s.mean_pts
        assert (row["low"], row["high"]) == (max(0, s.interval.low), min(100, s.interval.high))
    assert "95% CI low" in page_text(html)
    assert (folder / "direct-score.svg").read_text(encoding="utf-8").count("mark-rule") == 1


def test_a_self_refine_pair_is_compared_with_its_one_model_once() -> None:
    run = RunAnalysis(
        make_record(models=("mid:3b",), pairs=(("mid:3b", "mid:3b"),), tasks=TASKS, repeats=2)
    )

    rows = [(r.a, r.b, r.against) for r in paired_table(run)]

    assert rows == [("Mid 3B -> Mid 3B", "Mid 3B", "own")]


def test_the_paired_table_has_the_figures_of_stats_paired(html: str) -> None:
    shown = [cells for _, cells in rows(html, "paired-comparisons")][1:]
    expected = paired_table(RUN)
    by_name = {c.name: c for c in (*RUN.direct, *RUN.cascades)}
    assert [(r.a, r.b, r.against) for r in expected] == [
        ("Tiny 0.5B -> Big 8B", "Big 8B", "large"),
        ("Tiny 0.5B -> Big 8B", "Tiny 0.5B", "small"),
        ("Mid 3B -> Big 8B", "Big 8B", "large"),
        ("Mid 3B -> Big 8B", "Mid 3B", "small"),
        ("Tiny 0.5B", "Mid 3B", "larger"),
        ("Mid 3B", "Big 8B", "larger"),
    ]
    assert len(shown) == len(expected)
    for cells, row in zip(shown, expected, strict=True):
        c = paired(by_name[row.a].observations, by_name[row.b].observations)
        assert c == row.comparison
        assert cells[0] == row.a and cells[1].startswith(row.b + " (")
        assert cells[2:5] == [str(c.wins), str(c.losses), str(c.ties)]
        assert cells[5] == fmt.signed_pts(c.mean_diff_pts)
        interval = c.interval
        assert interval is not None and -100 <= interval.low <= c.mean_diff_pts <= interval.high
        low, high = fmt.signed_number(interval.low), fmt.signed_number(interval.high)
        assert cells[6] == f"mean of {c.tasks} tasks, 95% CI {low} to {high} pts"
        assert c.mcnemar_p is not None and cells[7] == fmt.p_value(c.mcnemar_p)


def test_the_tables_say_what_the_kpis_and_the_paired_comparisons_say(html: str) -> None:
    # One statistic a page: the direct table's score is the KPI's mean over tasks with its
    # interval, and the cascade table's differences are the paired comparisons' means.
    direct = {cells[0]: cells for _, cells in rows(html, "direct-models")[1:]}
    for d in RUN.direct:
        assert direct[d.name][2] == mean_score(d.summary)
        assert d.summary.interval is not None and "mean of 4 tasks, 95% CI" in direct[d.name][2]
    paired_rows = {
        (cells[0], cells[1].split(" (")[0]): cells
        for _, cells in rows(html, "paired-comparisons")[1:]
    }
    cascades = {cells[0]: cells for _, cells in rows(html, "handoff-pairs")[1:]}
    for c in RUN.cascades:
        cells = cascades[c.name]
        assert cells[1:4] == [
            mean_score(c.small.summary),
            mean_score(c.large.summary),
            mean_score(c.summary),
        ]
        for column, against in ((4, c.large), (5, c.small)):
            shown = paired_rows[(c.name, against.name)]
            assert cells[column] == f"{shown[5]} ({shown[6]})"


def test_the_task_table_shows_each_candidates_state_and_mean_score(html: str) -> None:
    table = rows(html, "tasks")
    header = table[0][1]
    assert header == [
        "Task",
        "Failed",
        "Tiny 0.5B",
        "Mid 3B",
        "Big 8B",
        *(c.name for c in RUN.cascades),
    ]
    body = {cells[0]: (classes, cells) for classes, cells in table[1:]}
    assert list(body) == list(TASKS)
    classes, cells = body["he-0"]
    assert cells[1:5] == ["4", "0 ✗", "85 ✗", "100 ✓"]  # tiny at the gate, mid its merge
    assert classes[2:5] == ["h0", "h3", "h4"]
    classes, cells = body["he-2"]
    assert cells[1:5] == ["1", "100 ✓", "100 ✓", "92.5 ◐"]  # big failed one repeat of two
    assert classes[4] == "h3"
    assert [c.state for c in task_table(RUN)[2].cells][2] is TaskState.PARTIAL
    assert re.search(r'<a href="tasks/he-0\.html"[^>]*>he-0</a>', html)
    assert '<table class="bench-index bench-tasks">' in html  # sortable, by index.js
    assert html.count('data-sort="number"') >= len(header) - 1


def test_the_task_hotspot_ranks_tasks_by_failures_across_candidates(html: str) -> None:
    expected = [(h.task.id, h.failures) for h in task_hotspots(RUN)]
    assert expected == [("he-0", 4), ("he-1", 2), ("he-2", 1)]  # he-3: none failed
    section = html.split('id="task-hotspots"')[1].split("</table>")[0]
    shown = re.findall(r'<a href="tasks/([^"]+)\.html"', section)
    assert shown == ["he-0", "he-1", "he-2"]
    assert "4 of 10" in page_text(section)


def test_each_task_has_a_page_with_every_answer_escaped_and_out_of_search(site: Path) -> None:
    folder = site / RECORD.benchmark_id / RECORD.run_id / "tasks"
    assert sorted(p.name for p in folder.iterdir()) == [f"{t}.html" for t in TASKS]
    page = (folder / "he-2.html").read_text(encoding="utf-8")
    text = page_text(page)
    assert "Task he-2" in text and "Content hash" in text
    for who in ("tiny:0.5b", "mid:3b", "big:8b", "tiny:0.5b-big:8b", "mid:3b-big:8b"):
        assert f"# {who} on he-2, repeat 2" in text
    assert "<script>alert" not in page
    assert """'</code></pre><script>alert("code")</script>'""" in text  # shown, never run
    assert '<div class="highlight">' in page and '<span class="nb">print</span>' in page
    assert 'href="../candidates/big-8b-he-2-2.py.txt"' in page
    assert "Big 8B ✓ ✗ 100 · 85 yes" in text  # the outcome changed across repeats
    assert "writes_output ✗ failed assertion failed" in text
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"] for doc in index["docs"]}
    assert not any("/tasks/" in loc for loc in locations)


def test_a_hostile_task_title_stays_text_on_every_page(site: Path, html: str) -> None:
    pages = [html, (site / RECORD.benchmark_id / RECORD.run_id / "tasks" / "he-1.html").read_text()]
    for page in pages:
        assert "<script>alert('title')" not in page
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in pages[0]  # the link's title
    assert HOSTILE in page_text(pages[1])


def test_a_164_task_run_page_stays_under_300_kb(site: Path) -> None:
    page = site / report_path(BIG_SUITE)
    size = page.stat().st_size
    assert size < PAGE_LIMIT_BYTES, size
    assert len(rows(page.read_text(encoding="utf-8"), "tasks")) == 1 + 164
    assert len(list((page.parent / "tasks").iterdir())) == 164


def test_a_one_task_run_has_no_suite_sections(tmp_path_factory: pytest.TempPathFactory) -> None:
    site = build_site(make_project(tmp_path_factory.mktemp("seed")))
    page = (site / SEED_RUN / "report.html").read_text(encoding="utf-8")
    for section in ('id="paired-comparisons"', 'id="tasks"', 'id="task-hotspots"'):
        assert section not in page
    assert not (site / SEED_RUN / "tasks").exists()
