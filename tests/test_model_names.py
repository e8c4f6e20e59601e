"""One model, one identity, one name: every page of a built site calls a model the same.

The archive: six runs on three hosts. `big:8b` (quantization Q4_K_M) was labelled `Big Old` in
the first three runs and `Big 8B` since; `tiny:0.5b` has its content digest recorded in one run
only. A model is its tag, quantization and digest (`bench.record.models`), named as its newest
run names it; the older names are aliases, and an alias appears only where a page says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.record.models import ModelIdentity, ModelName, model_names, unified
from bench.record.schema import RunRecord
from tests.support.html import with_end_tags
from tests.support.records import HOSTS, make_series, write_archive
from tests.support.sitebuild import build_site, make_project, page_text

pytestmark = pytest.mark.slow  # builds sites or drives Chromium: not in `scripts/test --fast`

OLD, NEW = "Big Old", "Big 8B"
DIGEST = "sha256:" + "ab" * 32
BENCHMARK = "synthetic-codegen"
ALIAS_SAID = "also recorded as "


def _renamed(record: RunRecord, n: int) -> RunRecord:
    direct = []
    for d in record.direct:
        model = d.model
        if model.tag == "big:8b":
            model = model.model_copy(
                update={"label": OLD if n < 3 else NEW, "quantization": "Q4_K_M"}
            )
        if model.tag == "tiny:0.5b" and n == 4:
            model = model.model_copy(update={"digest": DIGEST})
        direct.append(d.model_copy(update={"model": model}))
    return record.model_copy(update={"direct": tuple(direct)})


RECORDS = [_renamed(r, n) for n, r in enumerate(make_series(6))]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    archive = write_archive(root / "archive", RECORDS)
    return build_site(make_project(root, archive))


def _pages(site: Path) -> dict[str, str]:
    """Every page of the benchmark, by path, as a reader sees its article."""
    return {
        p.relative_to(site).as_posix(): page_text(p.read_text(encoding="utf-8"))
        for p in (site / BENCHMARK).rglob("*.html")
    }


def test_the_newest_name_wins_and_older_ones_are_aliases() -> None:
    big = ModelIdentity("big:8b", "Q4_K_M")
    names = model_names(
        [
            (big, "2026-03-01T09:00:00Z", "Big Old"),
            (big, "2026-03-03T09:00:00Z", "Big 8B"),
            (big, "2026-03-02T09:00:00Z", "Big Old"),
        ]
    )
    assert names == {big: ModelName("Big 8B", ("Big Old",))}


def test_two_models_never_share_a_name() -> None:
    q4, q8 = ModelIdentity("qwen3:0.6b", "Q4_K_M"), ModelIdentity("qwen3:0.6b", "Q8_0")
    names = model_names([(q4, "2026-03-01", "Qwen3 0.6b"), (q8, "2026-03-02", "Qwen3 0.6b")])
    assert {n.name for n in names.values()} == {"Qwen3 0.6b · Q4_K_M", "Qwen3 0.6b · Q8_0"}


def test_a_run_without_a_digest_is_the_model_its_tag_was_recorded_with() -> None:
    bare, hashed = ModelIdentity("tiny:0.5b"), ModelIdentity("tiny:0.5b", None, DIGEST)
    other = ModelIdentity("tiny:0.5b", None, "sha256:" + "cd" * 32)
    assert unified([bare, hashed]) == {bare: hashed, hashed: hashed}
    assert unified([bare, hashed, other])[bare] == bare  # two digests: cannot tell which


def test_every_page_names_a_model_one_way_and_aliases_only_as_aliases(site: Path) -> None:
    pages = _pages(site)
    kinds = {"index.html", "trends.html", "report.html"}
    seen = {Path(p).name for p, text in pages.items() if NEW in text}
    assert kinds <= seen, seen
    assert any(p.startswith(f"{BENCHMARK}/models/") for p, text in pages.items() if NEW in text)
    for path, text in pages.items():
        for m in re.finditer(re.escape(OLD), text):
            said = text[max(0, m.start() - 60) : m.start()]
            assert ALIAS_SAID in said, f"{path}: {OLD!r} as a name: …{said}{OLD}…"
    for metric in ("score", "call-wall", "throughput"):
        svg = (site / BENCHMARK / f"trends-{metric}.svg").read_text(encoding="utf-8")
        assert NEW in svg and OLD not in svg, metric
    charts = list((site / BENCHMARK).glob("*/charts/*.svg"))
    assert any(NEW in c.read_text(encoding="utf-8") for c in charts)
    assert not [c for c in charts if OLD in c.read_text(encoding="utf-8")]


def test_the_leaderboard_has_one_row_per_model_and_host(site: Path) -> None:
    html = with_end_tags((site / BENCHMARK / "index.html").read_text(encoding="utf-8"))
    board = html[html.index('id="leaderboard"') : html.index('id="newest-runs"')]
    rows = re.findall(r"<tr><td data-value.*?</tr>", board, flags=re.S)
    names = [re.search(r'<td><a href="[^"]+">([^<]+)</a>', row) for row in rows]
    hosts = [re.findall(r"<td>([^<]+)</td>", row)[0] for row in rows]
    found = [(m.group(1) if m else "", h) for m, h in zip(names, hosts, strict=True)]
    assert len(found) == len(set(found)), found  # tiny:0.5b with and without its digest: one
    for model in ("Tiny 0.5B", NEW):
        assert sorted(h for n, h in found if n == model) == sorted(HOSTS), found
    assert f"{ALIAS_SAID}{OLD}" in page_text(board)


def test_a_model_page_is_titled_by_its_name_once_and_lists_its_aliases(site: Path) -> None:
    titles = {}
    for path in (site / BENCHMARK / "models").glob("*.html"):
        html = path.read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
        assert h1 is not None, path
        titles[page_text(h1.group(1))] = page_text(html)
    every = ("Tiny 0.5B", "Mid 3B", NEW, "Huge 14B")
    assert sorted(titles) == sorted(f"{n} on {BENCHMARK}" for n in every)
    assert f"{NEW} (big:8b · Q4_K_M; {ALIAS_SAID}{OLD})" in titles[f"{NEW} on {BENCHMARK}"]
    for title in titles:
        assert not re.search(r"(.+) \(\1\)", title), title


def test_a_new_name_reaches_the_pages_a_previous_build_kept(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("renamed")
    project = make_project(root, write_archive(root / "archive", RECORDS[:3]))
    first = (build_site(project) / BENCHMARK / RECORDS[0].run_id / "report.html").read_text(
        encoding="utf-8"
    )
    assert OLD in page_text(first) and NEW not in page_text(first)
    write_archive(project / "archive", RECORDS[3:])
    site = build_site(project)
    again = page_text(
        (site / BENCHMARK / RECORDS[0].run_id / "report.html").read_text(encoding="utf-8")
    )
    assert NEW in again and OLD not in again
    frontier = site / BENCHMARK / RECORDS[0].run_id / "charts" / "frontier.svg"
    assert OLD not in frontier.read_text(encoding="utf-8")
