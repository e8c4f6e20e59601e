"""Comparisons warn when setups differ: `bench compare`, comparison pages and leaderboards name
the model digest, quantization, context or harness version two runs do not share, rather than
show a score change as if it were the model's (issue 26)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.cli.compare import render_markdown
from bench.record.analysis import RunAnalysis
from bench.record.compare import compare_runs
from bench.record.schema import ModelSetup, RunRecord, RunSetup
from bench.record.setup import setup_differences
from bench.site.browse import benchmark_pages
from bench.site.comparison import compare_page
from bench.site.index import IndexEntry
from bench.site.leaderboard import leaderboard, model_entries, model_runs
from bench.site.render import environment
from tests.support.records import START, make_record

TAG = "qwen2.5-coder:1.5b"


def _with_setup(
    record: RunRecord,
    *,
    digest: str = "6d3abb8d2d53",
    context: int = 4096,
    version: str = "0.2.0",
    template: str = "sha256:" + "a" * 64,
) -> RunRecord:
    direct = tuple(
        d.model_copy(update={"model": d.model.model_copy(update={"digest": digest})})
        for d in record.direct
    )
    setup = RunSetup(
        bench_version=version,
        models=tuple(
            ModelSetup(tag=d.model.tag, context_tokens=context, chat_template_sha256=template)
            for d in record.direct
        ),
    )
    return record.model_copy(update={"direct": direct, "setup": setup})


def _pair(**b_setup: Any) -> tuple[RunRecord, RunRecord]:
    a = _with_setup(make_record(models=(TAG,), pairs=()))
    later = START + dt.timedelta(days=1)
    b = _with_setup(make_record(models=(TAG,), pairs=(), started_at=later), **b_setup)
    return a, b


def test_the_same_setup_gives_no_difference() -> None:
    a, b = _pair()

    assert setup_differences(a, b) == ()
    warnings = compare_runs(RunAnalysis(a), RunAnalysis(b)).warnings
    assert not any("setups differ" in w for w in warnings)


def test_each_differing_aspect_is_named_with_both_values() -> None:
    a, b = _pair(digest="0f0f0f0f0f0f", context=2048, version="0.3.0")

    found = {(d.aspect, d.model, d.a, d.b) for d in setup_differences(a, b)}

    assert found == {
        ("harness version", None, "0.2.0", "0.3.0"),
        ("model digest", TAG, "6d3abb8d2d53", "0f0f0f0f0f0f"),
        ("context", TAG, "4096 tokens", "2048 tokens"),
    }


def test_an_aspect_one_run_does_not_record_is_not_a_difference() -> None:
    a, b = _pair(digest="0f0f0f0f0f0f")
    older = make_record(models=(TAG,), pairs=())  # no setup, no digest; tool version 0.1.0

    assert [d.aspect for d in setup_differences(older, b)] == ["harness version"]
    assert len(setup_differences(a, b)) == 1


def test_the_comparison_page_and_bench_compare_warn() -> None:
    a, b = _pair(template="sha256:" + "b" * 64)
    comparison = compare_runs(RunAnalysis(a), RunAnalysis(b))

    page = compare_page(comparison, same_host=True)

    [warning] = [w for w in page.warnings if "setups differ" in w]
    assert f"chat template of {TAG}: sha256:aaaaaaaaaaaa in A, sha256:bbbbbbbbbbbb in B" in warning
    assert "may be the setup's, not the model's" in warning
    markdown = render_markdown(comparison)
    assert "**Note:** The runs' setups differ" in markdown


def test_a_leaderboard_row_pooling_runs_of_different_setups_says_so() -> None:
    a, b = _pair(context=2048)
    same_a, same_b = _pair()

    def row(*records: RunRecord) -> str:
        runs = model_runs(("bench", model_entries(RunAnalysis(r))) for r in records)
        [only] = leaderboard("bench", runs["bench"])
        return only.setup_note

    assert row(a, b) == "setups differ: context"
    assert row(same_a, same_b) == ""


def test_the_benchmark_page_shows_the_setup_note_beside_the_row() -> None:
    # Not the digest: another digest is another model (bench.record.models), another row.
    a, b = _pair(context=2048)
    analyses = [RunAnalysis(a), RunAnalysis(b)]
    runs = model_runs((r.record.benchmark_id, model_entries(r)) for r in analyses)
    [page], _ = benchmark_pages([IndexEntry.of(r) for r in analyses], runs, {})

    html = environment().get_template("bench/benchmark.html").render(benchmark=page)

    assert '<span class="bench-note bench-setup-differs">setups differ: context</span>' in html
