"""Every interval a built site shows means something: on every page kind of a synthetic archive
(one to three repeats a run, one task or several), a score's interval lies within 0-100, a
difference's within -100..+100, each holds its point and is named (the mean of how many of
what), none is zero-width, and a figure of too few samples says so instead of an interval."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.support.records import START, make_record, write_archive, write_synthetic_archive
from tests.support.sitebuild import build_site, make_project, page_text

NUMBER = r"[+-]?\d+(?:\.\d+)?"
# `62.5 (mean of 20 tasks, 95% CI 51 to 74)`, `+3 pts (mean of 6 paired repeats, 95% CI -4 to
# +10 pts)`; a table cell that shows the point in its own column starts at `mean of`.
NAMED = re.compile(
    rf"(?:(?P<point>{NUMBER})(?P<unit> pts|s)? \()?mean of (?P<n>\d+) (?P<what>[a-z ]+?), "
    rf"95% CI (?P<low>{NUMBER})s? to (?P<high>{NUMBER})"
)
ANY_CI = re.compile(rf"95% CI {NUMBER}")  # an interval shown, not a header naming one
PERCENT_CI = re.compile(r"95% CI (\d+\.\d)%(?:–| to )(\d+\.\d)%")
TOO_FEW = re.compile(r"(\d+) (?:samples?|tasks?|paired repeats?): too few for an interval")
# A score with an unlabelled range, as the pages had it: `85 (0–100)`.
UNLABELLED = re.compile(rf"(?<![\w.%])\d+(?:\.\d)? \({NUMBER}–{NUMBER}\)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("intervals")
    archive = tmp / "archive"
    write_synthetic_archive(archive, 16, seed=22)  # one task, one to three repeats a run
    suites = [
        make_record(
            started_at=START + dt.timedelta(days=n),
            host="lab-1",
            tasks=tuple(f"task_{k}" for k in range(tasks)),
            repeats=repeats,
            failed={"tiny:0.5b": {"task_0": ("writes_output",), "task_1": ("merges_windows",)}},
        )
        for n, (tasks, repeats) in enumerate([(1, 2), (1, 3), (3, 1), (5, 2), (6, 3)])
    ]
    write_archive(archive, suites)
    return build_site(make_project(tmp, archive))


def pages(site: Path) -> dict[str, str]:
    """Every page's article text, by its path; the theme's own pages left out."""
    found = {}
    for path in sorted(site.rglob("*.html")):
        name = path.relative_to(site).as_posix()
        if name.startswith(("assets/", "search/")) or name in ("404.html", "methodology.html"):
            continue
        found[name] = page_text(path.read_text(encoding="utf-8"))
    return found


def kind(name: str) -> str:
    if name.endswith("report.html"):
        return "report"
    if "/tasks/" in name:
        return "task"
    if "/models/" in name:
        return "model"
    if "/archive/" in name:
        return "month"
    if name.endswith("trends.html"):
        return "trends"
    return "index" if name == "index.html" else "benchmark"


@pytest.mark.slow
def test_every_interval_is_bounded_holds_its_point_and_is_named(site: Path) -> None:
    seen: Counter[str] = Counter()
    for name, text in pages(site).items():
        named = list(NAMED.finditer(text))
        percents = list(PERCENT_CI.finditer(text))
        # every "95% CI" on a page is one of these: a named mean, or a share (Wilson)
        assert len(ANY_CI.findall(text)) == len(named) + len(percents), name
        for m in named:
            low, high = float(m["low"]), float(m["high"])
            assert int(m["n"]) >= 3, (name, m[0])
            assert low < high, f"{name}: a zero-width interval: {m[0]}"
            if m["point"] is not None:
                point = float(m["point"])
                assert low <= point <= high, f"{name}: the point is outside: {m[0]}"
            if m["unit"] == "s":
                continue
            signed = m["low"][0] in "+-" or m["unit"] == " pts"
            bounds = (-100.0, 100.0) if signed else (0.0, 100.0)
            assert bounds[0] <= low and high <= bounds[1], f"{name}: out of bounds: {m[0]}"
            seen[kind(name)] += 1
        for p in percents:
            assert 0 <= float(p[1]) <= float(p[2]) <= 100, (name, p[0])
        assert not UNLABELLED.search(text), (name, UNLABELLED.findall(text)[:3])
    # the rules were checked where intervals are shown, not vacuously (a task page shows each
    # answer's score, no interval: it is checked for unlabelled ranges only)
    assert any(kind(name) == "task" for name in pages(site))
    for page_kind in ("report", "benchmark", "month", "model", "trends", "index"):
        assert seen[page_kind] > 0, f"no interval checked on a {page_kind} page"


@pytest.mark.slow
def test_too_few_samples_say_so_instead_of_an_interval(site: Path) -> None:
    texts = pages(site)
    # one task asked twice, each answer the same as the other: said so, never `100 (100–100)`
    one_task_two_repeats = next(t for n, t in texts.items() if "2026-03-01" in n and "report" in n)
    assert "(the same on both samples)" in one_task_two_repeats
    assert "mean of 2 samples" not in one_task_two_repeats
    said = Counter(kind(n) for n, t in texts.items() for _ in TOO_FEW.finditer(t))
    assert said["report"] and said["benchmark"] and said["model"]
    for name, text in texts.items():
        for m in TOO_FEW.finditer(text):
            assert int(m[1]) < 3, (name, m[0])
