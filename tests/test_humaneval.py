"""The `humaneval` suite: HumanEval's 164 problems as tasks `humaneval-0` … `humaneval-163`,
scored all or nothing by each problem's own check, run where the candidate cannot reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.ollama_server import FakeModel

from bench import cli
from bench.record.archive import load_record
from bench.record.schema import RECORD_FILENAME, CheckOutcome, RunStatus
from bench.runner.config import load_config
from bench.runner.tasks import get_task, task_ids
from bench.runner.tasks.humaneval import CHECKS, PROBLEM_COUNT, HumanEvalTask
from bench.runner.tasks.humaneval.problems import Problem, load_problems
from tests.support.runs import TimedOllama, fenced, ollama_model, run_dirs, write_config

PROBLEMS = load_problems()


def _task(index: int) -> HumanEvalTask:
    return HumanEvalTask(PROBLEMS[index])  # its limit is CPU time: load does not matter


def test_the_suite_has_the_164_problems_with_their_ids_and_titles() -> None:
    assert len(PROBLEMS) == PROBLEM_COUNT == 164
    ids = [f"humaneval-{n}" for n in range(164)]
    assert set(ids) <= set(task_ids())
    assert "deployment_window_analyzer" in task_ids()
    for n, problem in enumerate(PROBLEMS):
        task = get_task(ids[n])
        assert isinstance(task, HumanEvalTask)
        assert (task.id, task.title, task.candidate_name) == (
            ids[n],
            f"HumanEval/{n}",
            f"humaneval_{n}.py",
        )
        assert problem.task_id == f"HumanEval/{n}"


def test_the_checks_are_a_gate_and_the_test_all_or_nothing() -> None:
    assert [(spec.name, spec.weight, spec.gate) for spec in CHECKS] == [
        ("python_compile", 0, True),
        ("passes_tests", 100, False),
    ]


def test_the_prompt_asks_for_the_completed_function_and_the_refine_prompt_holds_the_draft() -> None:
    task = get_task("humaneval-0")
    prompt = task.prompt()
    assert "```python\n" + PROBLEMS[0].prompt.strip("\n") + "\n```" in prompt
    assert "whole function" in prompt and "one ```python block" in prompt
    refine = task.refine_prompt("def has_close_elements(numbers, threshold):\n    return 1\n")
    assert prompt.strip() in refine and "return 1" in refine and "{{" not in refine


def test_the_reference_is_the_prompt_completed_by_the_canonical_solution() -> None:
    problem = PROBLEMS[7]
    assert get_task("humaneval-7").reference_source() == (
        problem.prompt + problem.canonical_solution
    )


@pytest.mark.parametrize("index", range(164), ids=lambda n: f"HumanEval/{n}")
def test_every_canonical_solution_scores_100_through_evaluate(index: int) -> None:
    task = _task(index)
    evaluation = task.evaluate(task.reference_source(), None)
    assert evaluation.score == 100, evaluation.checks
    assert evaluation.candidate.name == f"humaneval_{index}.py"


ADD = 53  # add(x, y): its check makes 105 calls, 100 of them with random arguments
WRONG = {  # a source, and what the failed check says
    "empty": ("", "the candidate is empty"),
    "does-not-compile": ("def add(x: int, y: int) -> int:\n    return x +\n", "line 2"),
    "wrong": (
        "def add(x: int, y: int) -> int:\n    return x - y\n",
        "the test failed at `assert candidate(0, 1) == 1`",
    ),
    "no-such-function": (  # `add` is the prompt's, whose body is its docstring (as in HumanEval)
        "def plus(x, y):\n    return x + y\n",
        "the test failed at `assert candidate(0, 1) == 1`",
    ),
    "always-equal": (
        "class X:\n    __eq__ = lambda s, o: True\n\ndef add(x, y):\n    return X()\n",
        "returned an object of class X, which defines its own __eq__",
    ),
    "patched-assertion-error": (
        "import builtins\n"
        "builtins.AssertionError = type('Quiet', (BaseException,), {})\n"
        "def add(x, y):\n    return 0\n",
        "the test failed at `assert candidate(0, 1) == 1`",
    ),
    "exits-early": ("import sys\n\ndef add(x, y):\n    sys.exit(0)\n", "SystemExit at `assert"),
    "exits-the-process": (
        "import os\n\ndef add(x, y):\n    os._exit(0)\n",
        "the candidate's process ended before it answered to candidate(0, 1)",
    ),
    "right-for-the-literals-only": (
        "def add(x, y):\n    return {(0, 1): 1, (1, 0): 1, (5, 7): 12, (7, 5): 12, (2, 3): 5}"
        ".get((x, y), 0)\n",
        "the test failed at `assert candidate(x, y) == x + y`",
    ),
}


@pytest.mark.parametrize(("source", "detail"), WRONG.values(), ids=WRONG.keys())
def test_a_wrong_or_hostile_solution_scores_0(source: str, detail: str) -> None:
    evaluation = _task(ADD).evaluate(source, None)
    assert evaluation.score == 0, evaluation.checks
    [failed] = [check for check in evaluation.checks if check.outcome is CheckOutcome.FAILED]
    assert detail in str(failed.detail)
    if failed.name == "python_compile":
        assert evaluation.checks[1].outcome is CheckOutcome.SKIPPED


def test_a_check_over_helpers_of_the_prompt_uses_the_prompt_s_helpers() -> None:
    task = _task(38)  # decode_cyclic: check encodes random strings with the prompt's helper
    assert task.evaluate(task.reference_source(), None).score == 100
    wrong = PROBLEMS[38].prompt + "    return s\n"
    evaluation = task.evaluate(wrong, None)
    assert evaluation.score == 0
    assert "the test failed at `assert candidate(encoded_str) == str`" in str(
        evaluation.checks[1].detail
    )


def test_a_task_named_in_a_config_is_a_humaneval_problem(tmp_path: Path) -> None:
    path = tmp_path / "he.yaml"
    path.write_text(
        "benchmark: he\ntitle: HumanEval 0\ntask: humaneval-0\nmodels:\n"
        "  - tag: a\n    backend: ollama\n    url: http://127.0.0.1:11434\n",
        encoding="utf-8",
    )
    config = load_config(path).config
    task = get_task(config.task)
    assert task.id == "humaneval-0"
    assert task.evaluate(task.reference_source(), None).score == 100


def test_a_run_of_a_humaneval_task_scores_its_models_and_its_handoff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task = get_task(f"humaneval-{ADD}")
    small = FakeModel(name="small:0.5b", reply=fenced(WRONG["wrong"][0]), parameter_size="500M")
    large = FakeModel(name="large:1.5b", reply=fenced(task.reference_source()))
    with TimedOllama.running(small, large) as ollama:
        config = write_config(
            tmp_path,
            [ollama_model(small.name, ollama.url), ollama_model(large.name, ollama.url)],
            pairs=((small.name, large.name),),
            task=task.id,
        )
        code = cli.main(["run", str(config)])
        refine_prompt = ollama.chats()[-1]["messages"][0]["content"]

    assert code == cli.EXIT_OK, capsys.readouterr().out
    [run_dir] = run_dirs(tmp_path / "archive")
    record = load_record(run_dir / RECORD_FILENAME)
    assert record.status is RunStatus.COMPLETE and record.checks == CHECKS
    assert [m.samples[0].evaluation.score for m in record.direct] == [0, 100]
    assert record.cascades[0].samples[0].evaluation.score == 100
    assert refine_prompt == task.refine_prompt(WRONG["wrong"][0])


def test_a_call_whose_arguments_come_from_another_answer_is_made_with_that_answer() -> None:
    problem = Problem(
        task_id="HumanEval/0",
        prompt='def inc(x: int) -> int:\n    """x plus one."""\n',
        entry_point="inc",
        canonical_solution="    return x + 1\n",
        test="def check(candidate):\n    assert candidate(candidate(1)) == 3\n",
    )
    task = HumanEvalTask(problem)
    assert task.evaluate("def inc(x):\n    return x + 1\n", None).score == 100
    evaluation = task.evaluate("def inc(x):\n    return x + 2\n", None)
    assert evaluation.score == 0
    assert "the test failed at `assert candidate(candidate(1)) == 3`" in str(
        evaluation.checks[1].detail
    )


def test_without_the_fork_server_the_verdicts_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.runner import zygote

    def verdicts() -> list[tuple[float, list[str | None]]]:
        found = []
        for source, _ in WRONG.values():
            evaluation = _task(ADD).evaluate(source, None)
            found.append((evaluation.score, [check.detail for check in evaluation.checks]))
        return found

    warm = verdicts()
    monkeypatch.setattr(zygote, "_server", None)
    monkeypatch.setattr(zygote, "_tried", True)  # as with BENCH_FORK_SERVER=0
    assert verdicts() == warm
    task = _task(ADD)
    assessment = task.assess(task.reference_source())
    assert assessment.evaluation.score == 100
    assert assessment.runs["module"].exit_code == 0


def test_a_fork_server_killed_from_outside_is_started_anew() -> None:
    from bench.runner import zygote

    task = _task(ADD)
    assert task.evaluate(task.reference_source(), None).score == 100
    server = zygote.server()
    if server is None:
        pytest.skip("no fork server here")
    server._process.kill()
    server._process.wait()
    assert task.evaluate(task.reference_source(), None).score == 100
    assert zygote.server() not in (None, server)
