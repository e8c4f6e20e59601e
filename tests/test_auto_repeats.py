"""`repeats: auto`: the runner asks repeat by repeat while a paired comparison is undecided,
stops once each is settled or at `max_repeats`, and the record says why; the page's paired
intervals of such a run are the confidence sequence the rule read."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.ollama_server import FakeModel

from bench import cli
from bench.record.analysis import RunAnalysis
from bench.record.archive import load_record
from bench.record.power import confidence_sequence, repeated_interval, stream
from bench.record.schema import RECORD_FILENAME, RunRecord, RunStatus
from bench.record.stats import paired
from bench.record.suite import paired_table
from bench.runner.tasks import get_task
from tests.support.records import make_record, write_archive
from tests.support.runs import REPO, TimedOllama, fenced, ollama_model, run_dirs, write_config
from tests.support.sitebuild import build_site, make_project, page_text

TASK = get_task("deployment_window_analyzer")
BROKEN = FakeModel(name="small:0.5b", reply=fenced("def broken(:\n    pass\n"))
RIGHT = FakeModel(name="large:1.5b", reply=fenced(TASK.reference_source()))
ALSO_RIGHT = FakeModel(name="mid:1b", reply=fenced(TASK.reference_source()))


@pytest.fixture
def ollama() -> Iterator[TimedOllama]:
    with TimedOllama.running(BROKEN, RIGHT, ALSO_RIGHT) as server:
        yield server


def _run(config: Path, capsys: pytest.CaptureFixture[str]) -> RunRecord:
    code = cli.main(["run", str(config)])
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK, out
    [run_dir] = run_dirs(config.parent / "archive")
    record = load_record(run_dir / RECORD_FILENAME)
    assert record.auto_repeats is not None
    summary = " ".join(out.split())
    assert f"Repeats stopped by repeats: auto after {record.repeats} of at most" in summary
    return record


def _sizes(url: str, *models: tuple[FakeModel, float]) -> list[dict[str, object]]:
    return [ollama_model(m.name, url, params_b=size) for m, size in models]


def test_a_difference_the_sequence_settles_stops_the_repeats_before_the_cap(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    # the small model always scores 0, the large 100: one paired difference of 100 per repeat;
    # the sequence leaves out 0 once it has 16 of them (`confidence_sequence([100] * 16)`)
    assert not confidence_sequence([100.0] * 15).excludes_zero()
    assert confidence_sequence([100.0] * 16).excludes_zero()
    config = write_config(
        tmp_path, _sizes(ollama.url, (BROKEN, 0.5), (RIGHT, 1.5)), repeats="auto", max_repeats=25
    )

    record = _run(config, capsys)

    assert record.status is RunStatus.COMPLETE
    assert record.repeats == 16
    assert len(ollama.chats()) == 2 * 16
    auto = record.auto_repeats
    assert auto is not None
    assert (auto.stopped, auto.max_repeats, auto.settle_within_pts) == ("settled", 25, 10)
    assert auto.method == "obf-rci"  # one task: under MIN_TASKS, read by the Bernstein sequence
    [comparison] = auto.comparisons
    assert (comparison.a, comparison.b, comparison.verdict) == (
        BROKEN.name,
        RIGHT.name,
        "differs",
    )
    assert comparison.high_pts < 0


def test_an_undecided_comparison_runs_to_the_cap_and_says_so(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path,
        _sizes(ollama.url, (ALSO_RIGHT, 1.0), (RIGHT, 1.5)),
        repeats="auto",
        max_repeats=3,
    )

    record = _run(config, capsys)

    assert record.repeats == 3 and len(ollama.chats()) == 2 * 3
    assert record.auto_repeats is not None
    assert record.auto_repeats.stopped == "cap"
    [comparison] = record.auto_repeats.comparisons
    assert comparison.verdict == "undecided"


def test_a_run_with_nothing_to_compare_asks_once(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, _sizes(ollama.url, (RIGHT, 1.5)), repeats="auto")

    record = _run(config, capsys)

    assert record.repeats == 1 and len(ollama.chats()) == 1
    assert record.auto_repeats is not None
    assert record.auto_repeats.stopped == "nothing-to-compare"


@pytest.mark.parametrize("method", ["obf-rci", None])
def test_the_page_of_such_a_run_shows_the_sequences_interval_not_the_bootstrap(
    method: str | None,
) -> None:
    # None: a record made before the group-sequential rule, whose rule read the Bernstein
    # sequence; its page shows that
    record = make_record(
        models=("tiny:0.5b", "big:8b"),
        pairs=(),
        tasks=tuple(f"t{n}" for n in range(10)),
        repeats=2,
        failed={"tiny:0.5b": {f"t{n}": ("writes_output",) for n in range(6)}},  # type: ignore[dict-item]
    )
    fixed = RunAnalysis(record)
    data = json.loads(record.model_dump_json())
    data["auto_repeats"] = {"max_repeats": 4, "settle_within_pts": 10, "stopped": "cap"}
    if method is not None:
        data["auto_repeats"]["method"] = method
    auto = RunAnalysis(RunRecord.model_validate(data))

    [row_fixed] = paired_table(fixed)
    [row_auto] = paired_table(auto)

    tiny, big = (next(d for d in fixed.direct if d.tag == t) for t in ("tiny:0.5b", "big:8b"))
    assert row_fixed.comparison == paired(tiny.observations, big.observations)
    assert row_auto.comparison.mean_diff_pts == row_fixed.comparison.mean_diff_pts
    sequence = row_auto.comparison.interval
    bootstrap = row_fixed.comparison.interval
    assert sequence is not None and bootstrap is not None
    assert sequence.low < bootstrap.low and sequence.high > bootstrap.high
    matched = list(zip(tiny.observations, big.observations, strict=True))
    read = (
        repeated_interval(matched, 4)
        if method == "obf-rci"
        else confidence_sequence(stream(matched))
    )
    assert read is not None
    assert (sequence.low, sequence.high) == pytest.approx((read.low, read.high))


def test_an_older_record_loads_unchanged_without_the_field(tmp_path: Path) -> None:
    record = make_record()
    text = record.model_dump_json(exclude_defaults=True)
    assert "auto_repeats" not in text

    assert RunRecord.model_validate_json(text) == record
    assert record.auto_repeats is None


@pytest.mark.slow  # builds a site
def test_the_run_page_says_why_the_repeats_stopped(tmp_path: Path) -> None:
    record = make_record(models=("tiny:0.5b", "big:8b"), pairs=(), tasks=("t0", "t1"), repeats=3)
    data = json.loads(record.model_dump_json())
    data["auto_repeats"] = {"max_repeats": 8, "settle_within_pts": 10, "stopped": "settled"}
    project = make_project(tmp_path)
    write_archive(project / "archive", [RunRecord.model_validate(data)])

    site = build_site(project)

    [page] = site.glob(f"*/{record.run_id}/report.html")
    text = page_text(page.read_text(encoding="utf-8"))
    assert (
        "Repeats stopped by repeats: auto after 3 of at most 8: every paired comparison was "
        "settled. Its paired intervals are the ones the stopping rule read, valid at "
        "whichever repeat it stopped" in text
    )


def test_the_simulation_benchmark_prints_calls_and_error_rates_per_design() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_sequential.py", "--runs", "8", "--tasks", "20"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    row = re.compile(r"^(.+?)\s+(fixed|auto)\s+(\d+)\s+([\d.]+)%\s+(.+)$")
    rows = [m.groups() for line in done.stdout.splitlines() if (m := row.match(line))]

    assert [(scenario, design) for scenario, design, *_ in rows] == [
        (scenario, design)
        for scenario in ("no difference", "+10 pts", "+20 pts", "+30 pts")
        for design in ("fixed", "auto")
    ]
    for _, design, calls, clear, _ in rows:
        assert int(calls) <= 2 * 20 * 8 and 0 <= float(clear) <= 100
        assert design == "auto" or int(calls) == 2 * 20 * 8
    assert done.stdout.splitlines()[-1].startswith("auto spent ")


def test_a_run_resumed_after_its_repeats_stopped_asks_only_what_it_lacks(
    tmp_path: Path, ollama: TimedOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    # one model: the rule stops after the first repeat, well before the cap
    config = write_config(tmp_path, _sizes(ollama.url, (RIGHT, 1.5)), repeats="auto")
    record = _run(config, capsys)
    [run_dir] = run_dirs(tmp_path / "archive")
    # as if interrupted after the rule stopped, before the last sample was kept
    data = json.loads((run_dir / RECORD_FILENAME).read_text(encoding="utf-8"))
    data["status"], data["finished_at"] = "partial", None
    data["direct"] = []
    (run_dir / RECORD_FILENAME).write_text(json.dumps(data), encoding="utf-8")
    asked = len(ollama.chats())

    code = cli.main(["run", "--resume", str(run_dir)])

    assert code == cli.EXIT_OK, capsys.readouterr()
    resumed = load_record(run_dir / RECORD_FILENAME)
    assert len(ollama.chats()) == asked + 1
    assert resumed.status is RunStatus.COMPLETE and resumed.repeats == record.repeats == 1
    assert resumed.auto_repeats == record.auto_repeats


def test_the_stopping_rule_reads_each_comparisons_repeated_interval_over_tasks() -> None:
    from bench.runner.stopping import verdicts

    record = make_record(
        models=("tiny:0.5b", "big:8b"),
        pairs=(),
        tasks=tuple(f"t{n}" for n in range(12)),
        repeats=3,
        failed={"tiny:0.5b": {f"t{n}": ("writes_output",) for n in range(8)}},  # type: ignore[dict-item]
    )
    run = RunAnalysis(record)
    tiny, big = (next(d for d in run.direct if d.tag == t) for t in ("tiny:0.5b", "big:8b"))
    matched = list(zip(tiny.observations, big.observations, strict=True))

    for cap, expected in ((3, "differs"), (10, "undecided")):
        [found] = verdicts(record, 10, cap)
        read = repeated_interval(matched, cap)
        assert read is not None
        assert (found.low_pts, found.high_pts) == pytest.approx((read.low, read.high))
        assert found.verdict == expected  # the same data: clear at the last look, not early
