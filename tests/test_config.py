"""`bench run CONFIG`: the config is read with line numbers and refused, before any model call,
with the file, the line and what is wrong."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.ollama_server import FakeOllama

from bench import cli
from bench.runner.config import ConfigError, RunConfig, load_config
from bench.runner.tasks import select_tasks
from tests.support.runs import REPO

EXAMPLES = sorted((REPO / "configs").glob("*.yaml"))


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama.running() as server:
        yield server


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return [p.removeprefix(f"{path}:") for p in raised.value.problems]


GOOD = """\
benchmark: bench-one
title: One
task: deployment_window_analyzer
models:
  - tag: a
    backend: ollama
    url: http://127.0.0.1:11434
  - tag: b
    backend: openai
    url: http://127.0.0.1:8080
pairs:
  - {small: a, large: b}
"""


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_config_loads(path: Path) -> None:
    config = load_config(path).config

    tasks = select_tasks(config.task_names, config.task_sample, config.sampling.seed)
    assert config.models and "deployment_window_analyzer" in tasks
    assert config.archive.resolve() == (REPO / "archive").resolve()


def test_the_humaneval_examples_ask_the_suite() -> None:
    ollama = load_config(REPO / "configs" / "humaneval-ollama.yaml").config
    seed = load_config(REPO / "configs" / "ollama-seed.yaml").config
    assert ollama.models == seed.models and ollama.pairs == seed.pairs
    assert len(select_tasks(ollama.task_names, ollama.task_sample, 0)) == 165
    local = load_config(REPO / "configs" / "humaneval-smollm2.yaml").config
    tasks = select_tasks(local.task_names, local.task_sample, local.sampling.seed)
    assert len(tasks) == 6 and [m.backend for m in local.models] == ["llama-inprocess"]


def test_the_seed_example_names_the_seed_models_and_pair() -> None:
    config = load_config(REPO / "configs" / "ollama-seed.yaml").config

    assert [(m.tag, m.label, m.backend) for m in config.models] == [
        ("qwen3:0.6b", "Qwen3 0.6b", "ollama"),
        ("qwen2.5-coder:1.5b", "Qwen2.5-C 1.5b", "ollama"),
    ]
    assert [(p.small, p.large) for p in config.pairs] == [("qwen3:0.6b", "qwen2.5-coder:1.5b")]


def test_the_local_example_needs_no_model_server() -> None:
    config = load_config(REPO / "configs" / "smollm2-local.yaml").config

    assert {m.backend for m in config.models} == {"llama-inprocess"}


def test_defaults_host_to_this_machine_and_archive_to_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(GOOD, encoding="utf-8")

    config: RunConfig = load_config(path).config

    assert config.host == socket.gethostname()
    assert config.archive == tmp_path / "archive"
    assert (config.repeats, config.sampling.seed) == (1, 0)


def test_repeats_auto_plans_for_its_cap(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        GOOD.replace("models:", "repeats: auto\nmax_repeats: 6\nsettle_within_pts: 8\nmodels:"),
        encoding="utf-8",
    )

    config = load_config(path).config

    assert (config.auto_repeats, config.repeat_count, config.settle_within_pts) == (True, 6, 8)


@pytest.mark.parametrize("value", ["0", "true", "2.5", "automatic"])
def test_repeats_other_than_a_count_or_auto_are_refused(tmp_path: Path, value: str) -> None:
    text = GOOD.replace("models:", f"repeats: {value}\nmodels:")

    [problem] = _problems(tmp_path, text)

    assert problem.startswith("4: repeats: expected a whole number of 1 or more, or auto, found")


def test_a_bad_url_is_named_with_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("url: http://127.0.0.1:8080", "url: localhost")

    assert _problems(tmp_path, text) == [
        "10: models[1].url: expected an http(s) URL, found 'localhost'"
    ]


def test_every_problem_of_shape_and_type_is_listed_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace("title: One\n", "")
        .replace("backend: openai", "backend: vllm")
        .replace("models:", "repeats: twice\nmodels:")
    )

    assert _problems(tmp_path, text) == [
        "1: title: expected a value (the field is required), found nothing",
        "3: repeats: expected a whole number of 1 or more, or auto, found 'twice'",
        "9: models[1].backend: expected 'ollama', 'openai' or 'llama-inprocess', found 'vllm'",
    ]


def test_unknown_fields_are_refused(tmp_path: Path) -> None:
    text = GOOD.replace("  - tag: a\n", "  - tag: a\n    lable: A\n")

    assert _problems(tmp_path, text) == [
        "6: models[0].lable: expected no such field, found 'A'; did you mean `label`?"
    ]


def test_pairs_must_name_models_of_the_list(tmp_path: Path) -> None:
    text = GOOD.replace("{small: a, large: b}", "{small: a, large: c}")

    assert _problems(tmp_path, text) == [
        "12: pairs[0].large: expected one of the models' tags (a, b), found 'c'"
    ]


def test_a_tag_may_appear_once(tmp_path: Path) -> None:
    text = GOOD.replace("  - tag: b\n", "  - tag: a\n")

    problems = _problems(tmp_path, text)

    assert (
        "8: models[1].tag: expected a tag not used before, found 'a' (models[0] has it)" in problems
    )


def test_models_of_one_server_agree_on_its_concurrency(tmp_path: Path) -> None:
    text = (
        GOOD.replace("url: http://127.0.0.1:8080", "url: http://127.0.0.1:11434")
        .replace("backend: openai", "backend: ollama\n    concurrency: 2")
        .replace("  - tag: a\n", "  - tag: a\n    concurrency: 3\n")
    )

    assert _problems(tmp_path, text) == [
        "11: models[1].concurrency: expected 3, as models[0] on the same server, found 2"
    ]


def test_yaml_syntax_errors_carry_their_line(tmp_path: Path) -> None:
    text = GOOD.replace("title: One", "title: [One")

    [problem] = _problems(tmp_path, text)

    assert problem.startswith("3: expected valid YAML, found ")


def test_a_bad_config_is_refused_before_any_model_is_called(
    tmp_path: Path, ollama: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    text = GOOD.replace("http://127.0.0.1:11434", ollama.url).replace(
        "http://127.0.0.1:8080", "localhost"
    )
    path.write_text(f"{text}archive: runs\n", encoding="utf-8")

    code = cli.main(["run", str(path)])

    assert code == cli.EXIT_USAGE
    assert f"{path}:10: models[1].url: expected an http(s) URL, found 'localhost'" in (
        capsys.readouterr().err
    )
    assert ollama.requests == []
    assert not (tmp_path / "runs").exists()


def test_an_unknown_task_is_refused_before_any_model_is_called(
    tmp_path: Path, ollama: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    text = GOOD.replace("http://127.0.0.1:11434", ollama.url).replace(
        "deployment_window_analyzer", "no_such_task"
    )
    path.write_text(text, encoding="utf-8")

    code = cli.main(["run", str(path)])

    assert code == cli.EXIT_USAGE
    known = "deployment_window_analyzer, humaneval-0 … humaneval-163"
    assert (
        f"{path}:3: task: expected a suite (humaneval) or a task ({known}), found 'no_such_task'"
        in (capsys.readouterr().err)
    )
    assert ollama.requests == []


def test_every_unknown_task_id_is_reported_at_once(
    tmp_path: Path, ollama: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    text = GOOD.replace("http://127.0.0.1:11434", ollama.url).replace(
        "task: deployment_window_analyzer",
        "tasks:\n  - humanevil\n  - deployment_window_analyzer\n  - humaneval-999",
    )
    path.write_text(text, encoding="utf-8")

    code = cli.main(["run", str(path)])

    err = " ".join(capsys.readouterr().err.split())
    assert code == cli.EXIT_USAGE
    assert f"{path}:4: tasks[0]: expected a suite (humaneval) or a task (" in err
    assert f"{path}:6: tasks[2]: expected a suite (humaneval) or a task (" in err
    assert "found 'humanevil'" in err and "found 'humaneval-999'" in err
    assert ollama.requests == []


def test_a_near_miss_field_is_named_with_what_was_meant(tmp_path: Path) -> None:
    text = GOOD.replace("models:", "repeat: 2\nmodels:").replace(
        "  - tag: a\n", "  - tag: a\n    lable: A\n"
    )

    assert _problems(tmp_path, text) == [
        "4: repeat: expected no such field, found 2; did you mean `repeats`?",
        "7: models[0].lable: expected no such field, found 'A'; did you mean `label`?",
    ]


def test_a_field_far_from_any_is_not_given_a_guess(tmp_path: Path) -> None:
    text = GOOD.replace("models:", "colour: blue\nmodels:")

    assert _problems(tmp_path, text) == ["4: colour: expected no such field, found 'blue'"]


def test_problems_are_listed_in_the_order_of_their_lines(tmp_path: Path) -> None:
    text = GOOD.replace("{small: a, large: b}", "{small: c, large: a}").replace(
        "url: http://127.0.0.1:8080", "url: localhost"
    )

    problems = _problems(tmp_path, text)

    assert [int(p.split(":")[0]) for p in problems] == [10, 12]


def test_a_bad_backend_brings_no_follow_on_error(tmp_path: Path) -> None:
    text = GOOD.replace("backend: ollama", "backend: olama").replace(
        "backend: openai", "backend: vllm"
    )

    assert _problems(tmp_path, text) == [
        "6: models[0].backend: expected 'ollama', 'openai' or 'llama-inprocess', found 'olama'",
        "9: models[1].backend: expected 'ollama', 'openai' or 'llama-inprocess', found 'vllm'",
    ]
