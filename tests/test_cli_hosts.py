"""`bench hosts`: this machine's fingerprint, the one a run records, as a table or JSON."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fakes.ollama_server import FakeOllama

from bench import cli
from bench.record.schema import HostInfo, ServerInfo
from bench.runner.host import fingerprint
from tests.support.runs import ollama_model, write_config


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> HostInfo:
    assert cli.main(["hosts", "--json", *args]) == cli.EXIT_OK
    return HostInfo.model_validate_json(capsys.readouterr().out)


def test_json_is_the_fingerprint_a_run_records(capsys: pytest.CaptureFixture[str]) -> None:
    printed = _json(capsys)

    moving = {"load_avg_start", "load_avg_end"}
    assert printed.model_dump(exclude=moving) == fingerprint().model_dump(exclude=moving)
    assert printed.load_avg_start is not None


def test_the_table_names_cpu_memory_and_gpus(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = tmp_path / "nvidia-smi"
    tool.write_text('#!/bin/sh\necho "NVIDIA L4, 23034"\n', encoding="utf-8")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")

    assert cli.main(["hosts"]) == cli.EXIT_OK

    out = capsys.readouterr().out
    host = fingerprint()
    assert host.cpu_model is not None and host.cpu_model in out
    assert f"{host.physical_cores} physical, {host.logical_cores} logical" in out
    assert "NVIDIA L4, 22.5 GiB (nvidia-smi)" in out


def test_with_a_config_its_servers_are_asked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with FakeOllama.running() as ollama:
        config = write_config(tmp_path, [ollama_model("qwen2.5-coder:1.5b", ollama.url)])
        printed = _json(capsys, str(config))

    assert printed.servers == (ServerInfo(backend="ollama", url=ollama.url, version="0.12.6"),)


def test_a_bad_config_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("benchmark: x\n", encoding="utf-8")

    assert cli.main(["hosts", str(config)]) == cli.EXIT_USAGE
    assert "bad.yaml" in capsys.readouterr().err


def test_a_server_that_is_down_is_said_not_reachable_in_the_words_bench_run_uses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    with FakeOllama.running() as ollama:
        config = write_config(tmp_path, [ollama_model("qwen2.5-coder:1.5b", ollama.url)])
        ollama.go_down()
        said = f"the Ollama server at {ollama.url} is not reachable ("

        assert cli.main(["hosts", str(config)]) == cli.EXIT_OK
        hosts = " ".join(capsys.readouterr().out.split())
        assert cli.main(["run", str(config)]) == cli.EXIT_USAGE
        run = " ".join(capsys.readouterr().err.split())

    assert said in hosts and said in run
    assert "version unknown" not in hosts
    sentence = run[run.index(said) :].split("; start it (ollama serve)")[0]
    assert sentence in hosts  # the same words, the reason too
