"""The examples a newcomer starts from: the example archive, real runs recorded by `bench run`,
builds into a site with trends, comparisons and a leaderboard; the example task scores its
reference 100 and a candidate with a bug less, and registers as the README says."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.record.archive import load_archive
from bench.record.schema import CheckOutcome, RunStatus
from bench.runner import tasks
from bench.runner.config import parse_config
from examples.tasks.top_words import TopWords
from tests.support.sitebuild import REPO, mkdocs_build, page_text

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

EXAMPLES = REPO / "examples"


def _example_runs() -> dict[str, Path]:
    """Run id -> run folder, for every run of the example archive."""
    return {p.parent.name: p.parent for p in sorted((EXAMPLES / "archive").glob("*/*/run.json"))}


# -- the example archive ---------------------------------------------------------------------------


def test_the_example_archive_holds_real_runs_of_every_kind() -> None:
    records = [run.record for run in load_archive(EXAMPLES / "archive")]

    assert len(records) >= 3
    assert all(r.provenance.legacy is None and r.provenance.tool_version for r in records)
    assert all(r.status is RunStatus.COMPLETE for r in records)
    assert any(r.repeats >= 2 for r in records)
    assert any(r.cascades for r in records)
    assert len({tuple(t.id for t in r.tasks) for r in records}) == len(records)  # other samples
    assert len({r.benchmark_id for r in records}) == 1  # one benchmark: its trends have points


def test_the_published_archive_holds_no_example_run() -> None:
    published = {p.name for p in (REPO / "archive").iterdir()}
    assert not published & {p.name for p in (EXAMPLES / "archive").iterdir()}


def test_the_example_configs_record_into_the_example_archive() -> None:
    configs = sorted((EXAMPLES / "configs").glob("*.yaml"))
    assert len(configs) == len(_example_runs())
    for path in configs:
        config = parse_config(path.read_text(encoding="utf-8"), path).config
        assert config.archive.resolve() == (EXAMPLES / "archive").resolve(), path


def test_the_example_site_builds_strictly_and_lists_every_run(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")  # what examples/mkdocs.yml inherits
    shutil.copytree(REPO / "site_src", project / "site_src")
    shutil.copytree(
        EXAMPLES, project / "examples", symlinks=True, ignore=shutil.ignore_patterns("site", ".*")
    )

    done = mkdocs_build(project, "-f", "examples/mkdocs.yml")  # the README's command

    assert done.returncode == 0, done.stderr
    site = project / "examples" / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    runs = _example_runs()
    for run_id, folder in runs.items():
        benchmark = folder.parent.name
        assert f'href="{benchmark}/{run_id}/report.html"' in index, run_id
        assert (site / benchmark / run_id / "report.html").is_file()
    (benchmark,) = {folder.parent.name for folder in runs.values()}
    trends = page_text((site / benchmark / "trends.html").read_text(encoding="utf-8"))
    assert all(run_id in trends for run_id in runs)
    assert "Methodology" in (site / "methodology.html").read_text(encoding="utf-8")
    assert not (project / "site").exists()  # nothing built from the published archive


# -- the example task ------------------------------------------------------------------------------


def test_the_example_task_scores_its_reference_100() -> None:
    task = TopWords()
    evaluation = task.evaluate(task.reference_source(), None)

    assert evaluation.score == 100, evaluation.checks
    assert sum(spec.weight for spec in task.checks) == 100
    assert task.checks[0].gate


def test_the_example_task_fails_the_checks_a_bug_breaks() -> None:
    task = TopWords()
    no_tie_break = task.reference_source().replace("(-item[1], item[0])", "-item[1]")
    assert no_tie_break != task.reference_source()

    outcomes = {c.name: c.outcome for c in task.evaluate(no_tie_break, None).checks}

    assert outcomes["ties_in_alphabetical_order"] is CheckOutcome.FAILED
    assert outcomes["counts_words"] is CheckOutcome.FAILED  # "it" counted before "cat"
    assert outcomes["rejects_n_below_one"] is CheckOutcome.PASSED


def test_the_example_task_registers_as_the_readme_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tasks._TASKS, TopWords.id, TopWords)

    assert tasks.select_tasks(["top_words"], None, 0) == ["top_words"]
    task = tasks.get_task("top_words")
    assert "{{" not in task.refine_prompt("def top_words(text, n): ...")
    assert task.spec().content_hash.startswith("sha256:")
