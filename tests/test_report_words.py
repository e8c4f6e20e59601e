"""Words from the run: a report's tagline, lede and findings intro say what its run did.

Built with the seed run (re-hosted: its page keeps the old page's words, checked sentence by
sentence in tests/test_seed_report.py) and a HumanEval-suite run of three models, no pairs:
nothing on the HumanEval page speaks of Python scripts, cascades or handoffs, and it names its
benchmark and tasks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.record.analysis import RunAnalysis
from bench.record.schema import RunRecord, TaskSpec
from bench.site.report import lede, report_path, tagline
from tests.support.records import CHECKS, make_record, write_run
from tests.support.sitebuild import REPO, SEED_RUN, build_site, make_project, page_text

pytestmark = pytest.mark.slow  # builds sites or drives Chromium: not in `scripts/test --fast`

TASKS = 30
NOWHERE = ("Python script", "generic benchmark filler", "raw JSON")  # the seed's own words
NOT_IN_THE_HEADER = ("cascade", "handoff", "refiner")  # the run has no pairs


def humaneval_record() -> RunRecord:
    record = make_record(
        benchmark_id="humaneval",
        title="HumanEval",
        tasks=[f"HumanEval_{i}" for i in range(TASKS)],
        pairs=(),
        repeats=2,
    )
    tasks = tuple(
        TaskSpec(id=f"HumanEval_{i}", title=f"HumanEval/{i}", checks=CHECKS) for i in range(TASKS)
    )
    return RunRecord.model_validate(record.model_copy(update={"tasks": tasks}).model_dump())


HUMANEVAL = humaneval_record()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("words")
    archive = tmp / "archive"
    shutil.copytree(REPO / "archive", archive)
    write_run(archive, HUMANEVAL, {})
    return build_site(make_project(tmp, archive))


def _text(site: Path, path: str) -> str:
    return page_text((site / path).read_text(encoding="utf-8"))


def _header(site: Path, path: str) -> str:
    """The page's title, tagline and lede: the words before its start time."""
    text = _text(site, path)
    return text[: text.index("Started:")]


def test_a_humaneval_run_is_described_by_its_benchmark_and_tasks(site: Path) -> None:
    words = _header(site, report_path(HUMANEVAL))
    assert "3 models asked directly, on 30 tasks" in words
    assert (
        "This report compares 3 local models, each asked directly. The HumanEval benchmark "
        "asked each candidate its 30 tasks (HumanEval/0 to HumanEval/29), 2 times each"
    ) in words
    for old in NOT_IN_THE_HEADER:
        assert old not in words.lower(), old
    page = _text(site, report_path(HUMANEVAL))
    assert "What this run's record supports" in page
    assert "failed most often across direct candidates." in page
    assert "Which differences are real Each direct model against the next size up" in page
    for old in NOWHERE:
        assert old not in page, old


def test_the_seed_keeps_its_own_words(site: Path) -> None:
    words = _text(site, f"{SEED_RUN}/report.html")
    assert "Direct vs cascade codegen, with actual takeaways" in words
    assert "It is focused on the Python script benchmark in this run" in words
    assert "These are conclusions inferred from the run output, not generic benchmark filler." in (
        words
    )


@pytest.mark.parametrize(
    ("models", "pairs", "tasks", "says"),
    [
        (("big:8b",), (), ("window_report",), "This report measures one local model"),
        (
            ("tiny:0.5b", "big:8b"),
            (("tiny:0.5b", "big:8b"),),
            ("window_report",),
            "asking a smaller model first and then handing its draft to a larger refiner",
        ),
    ],
    ids=["one-model", "with-a-pair"],
)
def test_the_words_follow_what_the_run_compared(
    models: tuple[str, ...], pairs: tuple[tuple[str, str], ...], tasks: tuple[str, ...], says: str
) -> None:
    run = RunAnalysis(make_record(models=models, pairs=pairs, tasks=tasks))
    assert says in lede(run)
    assert "the task “window_report”, once;" in lede(run)
    line = tagline(run)
    assert line.startswith(f"{len(models)} model")
    assert ("handoff pair" in line) == bool(pairs)
    assert line.endswith("on the task “window_report”")
