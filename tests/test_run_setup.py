"""The whole setup in the record, and a prompt that does not fit the context caught: what a
rerun needs (issue 26), against the fake Ollama and OpenAI-compatible servers."""

from __future__ import annotations

import hashlib
import json
import re
from html import unescape
from pathlib import Path

import pytest
from fakes.ollama_server import FakeModel
from fakes.openai_server import CHAT_TEMPLATE, FakeCompletion, FakeOpenAI

from bench import cli
from bench.cli._common import ExitCode
from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.schema import (
    RECORD_FILENAME,
    ContextSource,
    Generation,
    ModelSetup,
    RunRecord,
    RunSetup,
)
from bench.record.setup import truncated_count
from bench.runner.run import context_warnings
from bench.runner.tasks import get_task
from bench.site.render import environment
from bench.site.report import render_report, report_page
from tests.support.records import make_record
from tests.support.runs import TimedOllama, fenced, ollama_model, run_dirs, write_config

TASK = get_task("deployment_window_analyzer")
REPLY = fenced(TASK.reference_source())
SERVED = FakeModel(name="served:1.5b", reply=REPLY, num_ctx=8192, template="{{ .Messages }}")
FITS = FakeModel(name="fits:1.5b", reply=REPLY, prompt_eval_count=1100)
CUT = FakeModel(name="cut:1.5b", reply=REPLY, prompt_eval_count=2048)  # Ollama kept what fitted


def _run(
    config: Path, capsys: pytest.CaptureFixture[str], expect: int = cli.EXIT_OK
) -> tuple[RunRecord, str]:
    code = cli.main(["run", str(config)])
    captured = capsys.readouterr()
    assert code == expect, captured.out + captured.err
    [run_dir] = run_dirs(config.parent / "archive")
    return load_record(run_dir / RECORD_FILENAME), captured.err


def _sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_an_ollama_run_records_template_context_settings_and_hashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(SERVED) as ollama:
        config = write_config(tmp_path, [ollama_model(SERVED.name, ollama.url)])
        record, _ = _run(config, capsys)

    setup = record.setup
    assert setup is not None
    [model] = setup.models
    assert model.chat_template_sha256 == _sha256("{{ .Messages }}")
    assert (model.context_tokens, model.context_source) == (8192, ContextSource.SERVER)
    assert model.server_settings["num_ctx"] == "8192"
    assert model.server_settings["stop"] == '"<|im_start|>" "<|im_end|>"'
    assert setup.prompts_sha256 is not None and setup.suite_sha256 is not None
    assert setup.longest_prompt_chars == len(TASK.prompt())
    assert setup.config is not None and setup.config["models"][0]["tag"] == SERVED.name
    assert "host" not in setup.config and "archive" not in setup.config
    assert record.direct[0].model.server_version == "0.12.6"


def test_the_configs_context_is_in_effect_where_the_call_can_set_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(SERVED) as ollama:
        config = write_config(
            tmp_path,
            [ollama_model(SERVED.name, ollama.url)],
            sampling={"seed": 7, "num_ctx": 16384, "max_tokens": 256},
        )
        record, _ = _run(config, capsys)

    assert record.setup is not None
    [model] = record.setup.models
    assert (model.context_tokens, model.context_source) == (16384, ContextSource.CONFIG)


def test_a_llama_cpp_server_reports_its_fixed_context_and_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAI.running(n_ctx=2048, completion=FakeCompletion(pieces=(REPLY,))) as fake:
        config = write_config(
            tmp_path,
            [{"tag": fake.model, "backend": "openai", "url": fake.url}],
            sampling={"seed": 7, "num_ctx": 16384, "max_tokens": 256},  # not sent: no such field
        )
        record, _ = _run(config, capsys)

    assert record.setup is not None
    [model] = record.setup.models
    assert (model.context_tokens, model.context_source) == (2048, ContextSource.SERVER)
    assert model.chat_template_sha256 == _sha256(CHAT_TEMPLATE)
    assert model.server_settings["top_k"] == "40" and model.server_settings["n_ctx"] == "2048"


def test_a_prompt_that_fills_the_context_is_truncated_and_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(FITS, CUT) as ollama:
        config = write_config(
            tmp_path,
            [ollama_model(FITS.name, ollama.url), ollama_model(CUT.name, ollama.url)],
            sampling={"seed": 7, "num_ctx": 2048, "max_tokens": 256},
        )
        record, err = _run(config, capsys)

    assert truncated_count(record) == 1
    fits, cut = (d.samples[0].generation for d in record.direct)
    assert not fits.truncated and fits.error is None
    assert cut.truncated and cut.missing
    assert "a prompt of 2048 tokens does not fit the context of 2048 tokens" in (cut.error or "")
    run = RunAnalysis(record)
    assert [d.tag for d in run.direct] == [FITS.name]  # the truncated model: no score, not 0
    assert [u.who for u in run.unmeasured] == [CUT.name]
    assert "Warning" not in err  # the prompt, about 1,000 tokens, looked as if it fitted


def test_preflight_warns_of_a_context_smaller_than_the_longest_prompt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = FakeModel(name="small:1.5b", reply=REPLY, prompt_eval_count=128)
    with TimedOllama.running(small) as ollama:
        config = write_config(
            tmp_path,
            [ollama_model(small.name, ollama.url)],
            sampling={"seed": 7, "num_ctx": 128, "max_tokens": 64},
        )
        record, err = _run(config, capsys, expect=ExitCode.RUN_FAILED)  # its one call was cut

    assert "Warning: small:1.5b: the context in effect (128 tokens) is smaller than" in err
    assert truncated_count(record) == 1
    html = render_report(environment(), report_page(RunAnalysis(record), ()))
    assert "No call succeeded: this run has no figures. 1 of them was truncated" in html
    assert "num_ctx: 128" in html and "top_p" not in html  # the config, its unset fields left out


def test_a_sample_that_fits_scores_and_is_not_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(FITS) as ollama:
        config = write_config(
            tmp_path,
            [ollama_model(FITS.name, ollama.url)],
            sampling={"seed": 7, "num_ctx": 4096, "max_tokens": 256},
        )
        record, _ = _run(config, capsys)
        [run_dir] = run_dirs(tmp_path / "archive")

    assert truncated_count(record) == 0
    assert record.direct[0].samples[0].evaluation.score == 100
    raw = json.loads((run_dir / RECORD_FILENAME).read_text(encoding="utf-8"))
    assert "truncated" not in raw["direct"][0]["samples"][0]["generation"]  # false: left out


def test_older_records_read_as_before() -> None:
    record = make_record()
    again = RunRecord.model_validate_json(record.model_dump_json())

    assert again.setup is None and truncated_count(again) == 0
    assert '"setup"' not in record.model_dump_json()  # written as before, e.g. when resumed
    assert Generation.model_validate({"call_wall_s": 1.0}).truncated is False


def test_the_run_page_says_how_to_reproduce_it_and_how_many_calls_were_truncated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TimedOllama.running(FITS, CUT) as ollama:
        config = write_config(
            tmp_path,
            [ollama_model(FITS.name, ollama.url), ollama_model(CUT.name, ollama.url)],
            sampling={"seed": 7, "num_ctx": 2048, "max_tokens": 256},
        )
        record, _ = _run(config, capsys)

    html = render_report(environment(), report_page(RunAnalysis(record), ()))
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))

    assert 'id="reproduce"' in html
    assert f"bench reproduce {record.run_id}" in text
    assert f"tag: {FITS.name}" in text and "num_ctx: 2048" in text  # the config, as YAML
    assert record.setup is not None and record.setup.suite_sha256 in text
    assert "1 call was truncated: the prompt did not fit the context in effect" in text
    assert "1 of them was truncated" in text  # the banner's count of failed calls
    assert "context 2048 tokens; server ollama 0.12.6" in text


def test_an_older_record_has_a_reproduce_section_without_a_config() -> None:
    record = make_record()

    html = render_report(environment(), report_page(RunAnalysis(record), ()))

    assert "made before the config was recorded in it" in html
    assert "bench run config.yaml" in html and f"bench reproduce {record.run_id}" not in html


def test_a_context_no_server_reports_is_warned_of_when_a_prompt_may_outgrow_a_default() -> None:
    long_suite = RunSetup(
        longest_prompt_chars=10_000,  # about 2,500 tokens or more
        models=(ModelSetup(tag="unsaid:7b"), ModelSetup(tag="said:7b", context_tokens=8192)),
    )
    short_suite = long_suite.model_copy(update={"longest_prompt_chars": 4_000})

    [warning] = context_warnings(long_suite)
    assert warning.startswith("unsaid:7b: the server does not say its context")
    assert "set sampling.num_ctx" in warning
    assert context_warnings(short_suite) == []
