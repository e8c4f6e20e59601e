"""What `bench run` shows while it runs: the call in progress, an ETA from the calls finished
so far (or from the previous run of the same config), on a line that fits 80 columns; and
paths as a person reads them."""

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
REFERENCE = get_task("deployment_window_analyzer").reference_source()


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
    progress.planned(total=3, done=0)
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
    progress = Progress(parallel=2, prior_call_s=20.0, clock=clock)
    progress.planned(total=5, done=1)

    assert progress.remaining_s() == 40  # four calls of 20 s, two at a time


def test_the_bar_names_the_call_in_progress_and_fits_80_columns() -> None:
    clock = Clock()
    progress = RichProgress(Console(file=io.StringIO(), width=80), Progress(clock=clock))
    progress.planned(3, 0)
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
    progress.planned(3, 0)
    progress.started(FIRST)
    progress.started(THIRD)

    line = _line(progress, 120)

    assert "… +1 " in line and LONG_TAG[:40] in line
    assert all(len(row) <= 120 for row in line.splitlines())


@pytest.fixture
def ollama() -> Iterator[TimedOllama]:
    with TimedOllama.running(FakeModel(name="large:1.5b", reply=fenced(REFERENCE))) as server:
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
        Console(file=io.StringIO(), width=80), Progress(names={LONG_TAG: "Long 32B"})
    )
    progress.planned(3, 0)
    progress.started(Call("refine", LONG_TAG, 1, pair=("tiny:0.5b", LONG_TAG)))

    assert _line(progress).startswith("tiny:0.5b -> Long 32B #2 ")  # no label: the tag


def test_the_first_eta_of_a_run_comes_from_the_previous_run_of_its_config(
    tmp_path: Path, ollama: TimedOllama
) -> None:
    config = write_config(tmp_path, [ollama_model("large:1.5b", ollama.url)], repeats=2)
    assert cli.main(["run", str(config)]) == cli.EXIT_OK
    [first] = (tmp_path / "archive").rglob("run.json")
    walls = [g.call_wall_s for g in load_record(first).generations()]

    again = prepare(load_config(config))
    try:
        progress = again.progress()
    finally:
        again.close()

    assert progress.prior_call_s == statistics.median(walls)
    assert progress.parallel == 1
    assert progress.names == {"large:1.5b": "large:1.5b"}


def test_a_changed_config_gives_no_first_eta(tmp_path: Path, ollama: TimedOllama) -> None:
    config = write_config(tmp_path, [ollama_model("large:1.5b", ollama.url)])
    assert cli.main(["run", str(config)]) == cli.EXIT_OK
    config.write_text(config.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")

    again = prepare(load_config(config))
    try:
        assert again.progress().prior_call_s is None
    finally:
        again.close()
