"""End to end: a real llama.cpp server (llama-cpp-python) with SmolLM2 on loopback, a whole
benchmark through the `bench` command in a child process, a record that validates."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import cli
from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.safety import as_text_file, text_file_href
from bench.record.schema import RECORD_FILENAME, RunStatus, ThroughputSource
from bench.site import fmt, summary
from bench.site.findings import findings_for
from bench.site.report import report_path
from tests.support.runs import BENCHMARK, bench, run_dirs, write_config
from tests.support.sitebuild import build_site, make_project, page_text

if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip(
        'llama_cpp is not importable: pip install -e ".[llama]" (CI does)',
        allow_module_level=True,
    )

from fakes.llama_server import LlamaServer, running_llama_server

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

MAX_TOKENS = 200  # enough for a start of the script; keeps two calls to a minute on 2 CPUs


@pytest.fixture(scope="module")
def llama() -> Iterator[LlamaServer]:
    with running_llama_server(n_ctx=2048) as server:
        yield server


def test_a_direct_model_and_a_handoff_on_a_real_llama_cpp_server(
    tmp_path: Path, llama: LlamaServer
) -> None:
    tag = llama.model
    config = write_config(
        tmp_path,
        [{"tag": tag, "label": "SmolLM2 135M", "backend": "openai", "url": llama.url}],
        pairs=((tag, tag),),
        timeout_s=300,
        sampling={"temperature": 0, "seed": 3, "max_tokens": MAX_TOKENS},
    )

    result = bench("run", str(config), cwd=tmp_path, timeout_s=900)

    assert result.returncode == cli.EXIT_OK, result.stderr
    [run_dir] = run_dirs(tmp_path / "archive")
    record = load_record(run_dir / RECORD_FILENAME)
    assert (
        f"Record (complete): {(run_dir / RECORD_FILENAME).relative_to(tmp_path)}" in result.stdout
    )
    assert record.status is RunStatus.COMPLETE and record.benchmark_id == BENCHMARK
    [direct] = record.direct
    [sample] = direct.samples
    [pair] = record.cascades
    [handoff] = pair.samples
    assert (direct.model.tag, direct.model.backend, direct.model.label) == (
        tag,
        "openai",
        "SmolLM2 135M",
    )
    assert (pair.small, pair.large) == (tag, tag)
    for generation in (sample.generation, handoff.refine):
        assert generation is not None and generation.error is None
        tokens = generation.generated_tokens  # llama.cpp's server may leave usage out of a stream
        assert tokens is None or 0 < tokens <= MAX_TOKENS
        assert generation.throughput_tok_s and generation.throughput_tok_s > 0
        assert generation.throughput_source in (
            ThroughputSource.LLAMA_CPP_TIMINGS,
            ThroughputSource.CLIENT_STREAM,
        )
    assert handoff.draft == sample and handoff.seed == sample.seed == 3
    assert handoff.refine is not None
    assert handoff.pipeline_wall_s == pytest.approx(
        sample.generation.call_wall_s + handoff.refine.call_wall_s
    )
    for evaluation in (sample.evaluation, handoff.evaluation):
        assert evaluation.checks and len(evaluation.checks) == len(record.checks)
        assert evaluation.candidate is not None and evaluation.candidate.path is not None
        assert (run_dir / evaluation.candidate.path).is_file()
    assert record.provenance.sampling.max_tokens == MAX_TOKENS
    assert record.provenance.isolation

    # The next site build shows the new run's report page with its figures.
    site = build_site(make_project(tmp_path, tmp_path / "archive"))
    page = site / report_path(record)
    assert page.is_file()
    html = page.read_text(encoding="utf-8")
    text = page_text(html)
    analysis = RunAnalysis(record)
    assert f"Best direct: {summary.best_direct_text(analysis)}" in text
    assert f"Best cascade: {summary.best_cascade_text(analysis)}" in text
    for finding in findings_for(analysis):
        assert finding.text in text
    assert fmt.stat(analysis.direct[0].call_wall_s, "seconds") in text
    assert record.provenance.isolation in text
    for evaluation in (sample.evaluation, handoff.evaluation):
        assert evaluation.candidate is not None and evaluation.candidate.path is not None
        assert f'href="{text_file_href(evaluation.candidate.path)}"' in html
        assert (page.parent / as_text_file(evaluation.candidate.path)).is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="{report_path(record)}"' in index
