"""What `bench run` shows while it runs: the call in progress, named in words; an ETA that
weighs each call by its kind, model and prompt size from the calls finished so far (or from
the previous run of the same config), never 0 while a call runs, on a line that fits 80
columns; and paths as a person reads them."""

from __future__ import annotations

import io
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.ollama_server import FakeModel
from rich.console import Console

from bench import cli
from bench.cli.progress import RichProgress
from bench.record.archive import load_record
from bench.runner.config import load_config
from bench.runner.progress import Call, Progress
from bench.runner.run import prepare
from bench.runner.tasks import get_task
from tests.support.runs import TimedOllama, fenced, ollama_model, write_config

LONG_TAG = "a-very-long-model-name-from-a-registry/with-a-namespace:32b-instruct-q4_K_M"
FIRST, SECOND, THIRD = (Call("direct", LONG_TAG, n) for n in range(3))
TASK = get_task("deployment_window_analyzer")
REFERENCE = TASK.reference_source()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _line(progress: RichProgress, width: int = 80) -> str:
    screen = Console(file=io.StringIO(), width=width, color_system=None)
    screen.print(progress._bar.get_renderable())  # the bar as it is drawn now
    return screen.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_the_eta_is_unknown_until_a_call_tells_how_long_calls_take() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    progress.planned(3, (FIRST, SECOND, THIRD))
    progress.started(FIRST)
    clock.now += 40

    assert progress.remaining_s() is None
    progress.finished(FIRST)
    progress.started(SECOND)
    clock.now += 10

    # one call took 40 s: the second has 30 s left, the third 40 s.
    assert progress.remaining_s() == 70


def test_the_first_eta_comes_from_the_previous_run_and_counts_the_call_slots() -> None:
    clock = Clock()
    progress = Progress(parallel=2, prior_s={("direct", LONG_TAG): 20.0}, clock=clock)
    progress.planned(5, tuple(Call("direct", LONG_TAG, n) for n in range(1, 5)))

    assert progress.remaining_s() == 40  # four calls of 20 s, two at a time


def test_the_bar_names_the_call_in_progress_and_fits_80_columns() -> None:
    clock = Clock()
    progress = RichProgress(Console(file=io.StringIO(), width=80), Progress(clock=clock))
    progress.planned(3, (FIRST, SECOND, THIRD))
    progress.started(FIRST)
    clock.now += 30
    progress.finished(FIRST, None)
    progress.started(SECOND)

    line = _line(progress)

    assert line.startswith("a-very-long-model-name")  # the call now running, shortened
    assert "1/3 calls" in line
    assert "ETA 0:01:00" in line  # two calls of 30 s left
    assert all(len(row) <= 80 for row in line.splitlines())


def test_several_calls_in_progress_are_counted() -> None:
    progress = RichProgress(Console(file=io.StringIO(), width=120), Progress(parallel=2))
    progress.planned(3, (FIRST, SECOND, THIRD))
    progress.started(FIRST)
    progress.started(THIRD)

    line = _line(progress, 120)

    assert "… (+1 more running) " in line and LONG_TAG[:30] in line
    assert all(len(row) <= 120 for row in line.splitlines())


@pytest.fixture
def ollama() -> Iterator[TimedOllama]:
    models = (FakeModel(name=tag, reply=fenced(REFERENCE)) for tag in ("small:0.5b", "large:1.5b"))
    with TimedOllama.running(*models) as server:
        yield server


def test_printed_paths_are_normalised_and_relative_to_where_the_user_stands(
    tmp_path: Path,
    ollama: TimedOllama,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    config = write_config(configs, [ollama_model("large:1.5b", ollama.url)], archive="../archive")
    monkeypatch.chdir(tmp_path)

    assert cli.main(["run", "configs/../configs/run.yaml"]) == cli.EXIT_OK

    captured = capsys.readouterr()
    [record] = (tmp_path / "archive").rglob("run.json")
    shown = str(record.relative_to(tmp_path))
    assert f"Record (complete): {shown}" in captured.out
    assert f"Run folder: {record.parent.relative_to(tmp_path)}" in captured.err
    assert ".." not in captured.out + captured.err
    assert config.is_file()


def test_the_bar_names_calls_by_the_configs_labels() -> None:
    progress = RichProgress(
        Console(file=io.StringIO(), width=100), Progress(names={LONG_TAG: "Long 32B"}, repeats=2)
    )
    refine = Call("refine", LONG_TAG, 1, pair=("tiny:0.5b", LONG_TAG))
    progress.planned(3, (refine,))
    progress.started(refine)

    assert _line(progress, 100).startswith("tiny:0.5b -> Long 32B, repeat 2 of 2 ")  # no label


def test_a_call_of_a_suite_is_named_by_its_task_and_repeat_in_words() -> None:
    progress = Progress(names={"smollm2:135m": "SmolLM2 135M"}, tasks=164, repeats=2)

    name = progress.name(Call("direct", "smollm2:135m", 0, task="humaneval-55"))

    assert name == "SmolLM2 135M humaneval-55, repeat 1 of 2"


def test_the_first_eta_of_a_run_comes_from_the_previous_run_of_its_config(
    tmp_path: Path, ollama: TimedOllama
) -> None:
    models = [ollama_model("small:0.5b", ollama.url), ollama_model("large:1.5b", ollama.url)]
    config = write_config(tmp_path, models, pairs=(("small:0.5b", "large:1.5b"),), repeats=2)
    assert cli.main(["run", str(config)]) == cli.EXIT_OK
    [first] = (tmp_path / "archive").rglob("run.json")
    record = load_record(first)

    again = prepare(load_config(config))
    try:
        progress = again.progress()
    finally:
        again.close()

    large = next(d for d in record.direct if d.model.tag == "large:1.5b")
    refines = [s.refine.call_wall_s for s in record.cascades[0].samples if s.refine]
    assert progress.prior_s[("direct", "large:1.5b")] == statistics.fmean(
        s.generation.call_wall_s for s in large.samples
    )
    assert progress.prior_s[("refine", "large:1.5b")] == statistics.fmean(refines)
    assert set(progress.prior_s) == {
        ("direct", "small:0.5b"),
        ("direct", "large:1.5b"),
        ("refine", "large:1.5b"),
    }
    assert progress.parallel == 1
    assert progress.repeats == 2
    assert progress.names == {"small:0.5b": "small:0.5b", "large:1.5b": "large:1.5b"}
    assert progress.prompt_chars == {TASK.id: len(TASK.prompt())}


def test_a_changed_config_gives_no_first_eta(tmp_path: Path, ollama: TimedOllama) -> None:
    config = write_config(tmp_path, [ollama_model("large:1.5b", ollama.url)])
    assert cli.main(["run", str(config)]) == cli.EXIT_OK
    config.write_text(config.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")

    again = prepare(load_config(config))
    try:
        assert again.progress().prior_s == {}
    finally:
        again.close()


# A recorded run, replayed: two models and their handoff over five tasks of growing prompt
# size, twice, in the orchestrator's order (each model's calls, then the pair's). Refines read
# the task and a draft and rewrite it: about four times the large model's direct call.
PROMPT_CHARS = {f"task-{n}": chars for n, chars in enumerate((300, 600, 900, 1200, 1500))}
BASE_S = {("direct", "small:0.5b"): 9.0, ("direct", "large:1.5b"): 31.0}
BASE_S[("refine", "large:1.5b")] = 4.2 * BASE_S[("direct", "large:1.5b")]
JITTER = (0.93, 1.08, 0.97, 1.11, 0.9, 1.04, 1.0, 0.95, 1.07, 0.98)


def _recorded_run(jitter_from: int = 0) -> list[tuple[Call, float]]:
    """Each call with the wall it took: its group's base, grown with its prompt, jittered."""
    calls = [
        Call("direct", tag, repeat, task=task)
        for tag in ("small:0.5b", "large:1.5b")
        for repeat in range(2)
        for task in PROMPT_CHARS
    ]
    pair = ("small:0.5b", "large:1.5b")
    calls += [Call("refine", pair[1], r, pair, task=t) for r in range(2) for t in PROMPT_CHARS]
    return [
        (call, BASE_S[call.group] * (0.5 + PROMPT_CHARS[call.task] / 1800) * JITTER[n % 10])
        for n, call in enumerate(calls, start=jitter_from)
    ]


def _eta_after(
    timings: list[tuple[Call, float]], finished: int, progress: Progress, clock: Clock
) -> float | None:
    """Replay the first `finished` calls one after another, start the next, read the ETA."""
    progress.planned(len(timings), [call for call, _ in timings])
    for call, wall in timings[:finished]:
        progress.started(call)
        clock.now += wall
        progress.finished(call)
    progress.started(timings[finished][0])
    return progress.remaining_s()


def _error(eta: float | None, timings: list[tuple[Call, float]], finished: int) -> float:
    truth = sum(wall for _, wall in timings[finished:])
    assert eta is not None
    return abs(eta - truth) / truth


def test_half_way_through_a_recorded_run_the_eta_is_within_a_quarter_of_the_truth() -> None:
    earlier, timings = _recorded_run(jitter_from=3), _recorded_run()
    prior = {
        group: statistics.fmean(wall for call, wall in earlier if call.group == group)
        for group in BASE_S
    }
    half = len(timings) // 2  # the small model's calls and half of the large one's: no refine
    clock = Clock()

    eta = _eta_after(
        timings, half, Progress(prompt_chars=PROMPT_CHARS, prior_s=prior, clock=clock), clock
    )

    assert _error(eta, timings, half) <= 0.25
    # One median wall for every call, as the ETA was, is far off here: the test can tell.
    one_median = statistics.median(wall for _, wall in timings[:half]) * (len(timings) - half)
    assert _error(one_median, timings, half) > 0.25


def test_without_an_earlier_run_the_refines_are_weighed_by_the_first_one_finished() -> None:
    timings = _recorded_run()
    first_refine = next(n for n, (call, _) in enumerate(timings) if call.kind == "refine")
    clock = Clock()

    eta = _eta_after(
        timings, first_refine + 1, Progress(prompt_chars=PROMPT_CHARS, clock=clock), clock
    )

    assert _error(eta, timings, first_refine + 1) <= 0.25


def test_the_eta_is_never_0_while_a_call_runs() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    progress.planned(3, (FIRST, SECOND, THIRD))
    for call in (FIRST, SECOND):
        progress.started(call)
        clock.now += 30
        progress.finished(call)
    progress.started(THIRD)
    clock.now += 29.9
    left_on_time = progress.remaining_s()
    clock.now += 270  # five minutes past the estimate of 30 s

    late = progress.remaining_s()

    assert left_on_time is not None and late is not None
    assert left_on_time >= 1
    assert late > left_on_time  # a call past its estimate: more to come, not 0
