"""`bench plan CONFIG --difference 5`: how many tasks and repeats a run needs to tell a
difference of that many points, for each comparison it will make, and how long it would take.

The spreads come from earlier runs of the same benchmark in the archive (the same comparison's
where one made it, else every comparison's pooled), or from a stated default; the wall time
from the archive's call times. The figures are `bench.record.power`'s and
`bench.record.planning`'s; this module words them. They are imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.cli._common import ExitCode

if TYPE_CHECKING:
    from bench.record.analysis import RunAnalysis
    from bench.record.planning import Candidate, PlannedComparison
    from bench.record.power import Plan, Variance
    from bench.runner.config import RunConfig


@dataclass(frozen=True)
class PlanRow:
    a: str  # display names
    b: str
    variance: Variance
    spread_from: str  # which spreads were used, in words
    needs: Plan | None  # None: no design within the suite and the repeats cap reaches it
    config_tells_pts: float  # what the config as written could tell


@dataclass(frozen=True)
class WallEstimate:
    seconds: float | None  # None: no call time to go by
    from_archive: int  # of the candidates, how many had their own call times in the archive
    candidates: int


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "plan",
        help="tasks and repeats a run needs to tell a difference, and its wall time",
        description="For each comparison a run config will make, the tasks and repeats that "
        "tell a difference of --difference points at 95%% confidence with 80%% power, from "
        "the spreads measured in earlier runs of its benchmark (or a stated default), and the "
        "wall time the archive's call times give.",
    )
    parser.add_argument("config", type=Path, help="the run config (YAML)")
    parser.add_argument(
        "--difference",
        type=float,
        required=True,
        metavar="PTS",
        help="the difference to tell, in points of score (0-100)",
    )
    parser.add_argument(
        "--archive",
        type=Path,
        help="archive folder of earlier runs (default: the config's `archive`)",
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from bench.record.archive import ArchiveError
    from bench.runner.config import ConfigError, load_config
    from bench.runner.tasks import UnknownTasks, select_tasks

    if not 0 < args.difference <= 100:
        print(
            f"bench plan: --difference: expected points above 0 and up to 100, "
            f"found {args.difference:g}",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    try:
        config = load_config(args.config).config
    except ConfigError as error:
        print(error, file=sys.stderr)
        return ExitCode.USAGE
    try:
        asked = len(select_tasks(config.task_names, config.task_sample, config.sampling.seed))
        available = len(select_tasks(config.task_names, None, config.sampling.seed))
    except (UnknownTasks, ValueError) as error:
        print(f"{args.config}: tasks: {error}", file=sys.stderr)
        return ExitCode.USAGE
    archive: Path = args.archive or config.archive
    try:
        runs = earlier_runs(archive, config.benchmark) if archive.exists() else []
    except ArchiveError as error:
        print(error, file=sys.stderr)
        return ExitCode.INVALID
    rows = plan_rows(config, runs, args.difference, asked, available)
    wall = wall_estimate(config, runs, _most(rows, asked, config.repeat_count))
    sys.stdout.write(render(config, runs, rows, wall, args.difference, asked, available))
    return ExitCode.OK


def earlier_runs(archive: Path, benchmark: str) -> list[RunAnalysis]:
    from bench.record.analysis import RunAnalysis
    from bench.record.archive import load_archive

    return [
        RunAnalysis(run.record)
        for run in load_archive(archive)
        if run.facts.benchmark_id == benchmark
    ]


def plan_rows(
    config: RunConfig, runs: list[RunAnalysis], difference_pts: float, asked: int, available: int
) -> list[PlanRow]:
    from bench.record.planning import benchmark_variance, measured_variance, planned_comparisons
    from bench.record.power import DEFAULT_VARIANCE, detectable_pts, plan

    comparisons = planned_comparisons(
        [(m.tag, m.params_b) for m in config.models], [(p.small, p.large) for p in config.pairs]
    )
    pooled = benchmark_variance(runs)
    rows = []
    for comparison in comparisons:
        own = measured_variance(runs, comparison)
        if own is not None:
            variance, spread_from = own, _measured("this comparison", own)
        elif pooled is not None:
            variance, spread_from = pooled, _measured("this benchmark's comparisons", pooled)
        else:
            variance = DEFAULT_VARIANCE
            spread_from = "default (no earlier run of this benchmark)"
        a, b = _names(config, comparison)
        needs = plan(variance, difference_pts, most_tasks=available)
        tells = detectable_pts(variance.task_sd_pts(config.repeat_count), max(asked, 2))
        rows.append(PlanRow(a, b, variance, spread_from, needs, tells))
    return rows


def wall_estimate(config: RunConfig, runs: list[RunAnalysis], samples: int) -> WallEstimate:
    """Each server's calls one after another (or `concurrency` at once), servers at once:
    the longest server's time."""
    from bench.record.planning import any_call_wall_s, call_wall_s, refine_wall_s

    fallback = any_call_wall_s(runs)
    per_server: dict[tuple[str, str], float] = {}
    own = 0
    unknown = False
    calls: list[tuple[str, float | None]] = []
    for model in config.models:
        wall = call_wall_s(runs, model.tag)
        own += wall is not None
        calls.append((model.tag, wall))
    for pair in config.pairs:
        wall = refine_wall_s(runs, (pair.small, pair.large)) or call_wall_s(runs, pair.large)
        own += wall is not None
        calls.append((pair.large, wall))
    for tag, wall in calls:
        wall = wall if wall is not None else fallback
        if wall is None:
            unknown = True
            continue
        server = config.model(tag).server
        per_server[server] = per_server.get(server, 0.0) + wall * samples
    slots = config.concurrency()
    seconds = None if unknown else max(t / slots[s] for s, t in per_server.items())
    return WallEstimate(seconds, own, len(calls))


def render(
    config: RunConfig,
    runs: list[RunAnalysis],
    rows: list[PlanRow],
    wall: WallEstimate,
    difference_pts: float,
    asked: int,
    available: int,
) -> str:
    from bench.site import fmt

    pts = fmt.number(difference_pts)
    repeats = (
        f"up to {config.max_repeats} repeats (auto)"
        if config.auto_repeats
        else f"{config.repeat_count} repeat{'s' if config.repeat_count != 1 else ''}"
    )
    lines = [
        f"Plan for {config.benchmark}: to tell a difference of {pts} pts at 95% confidence "
        "with 80% power (paired t test over tasks).",
        f"The config asks {asked} of {available} tasks × {repeats}; "
        f"{len(runs)} earlier run{'s' if len(runs) != 1 else ''} of {config.benchmark} "
        "in the archive.",
        "",
    ]
    if not rows:
        lines.append("This config makes no paired comparison (one model, no handoff, or no sizes).")
    for row in rows:
        v = row.variance
        lines += [
            f"{row.a} vs {row.b}",
            f"  spread: {row.spread_from}: between tasks {fmt.number(v.between_sd_pts)} pts, "
            f"between repeats {fmt.number(v.within_sd_pts)} pts",
            f"  needs: {_needs(row.needs, available)}",
            f"  as configured it can tell ±{fmt.number(row.config_tells_pts)} pts",
        ]
    reached = [r.needs for r in rows if r.needs is not None]
    if rows and len(reached) == len(rows):
        most = max(reached, key=lambda p: (p.samples, p.repeats))
        lines += [
            "",
            f"The run needs {most.tasks} tasks × {most.repeats} "
            f"repeat{'s' if most.repeats != 1 else ''} ({most.samples} samples per candidate), "
            "the most any comparison needs.",
            _wall_line(wall, "so"),
        ]
    elif rows:
        lines += [
            "",
            f"At least one comparison cannot tell {pts} pts within the suite's {available} "
            f"tasks and 10 repeats; as configured, the run can tell "
            f"±{fmt.number(max(r.config_tells_pts for r in rows))} pts at best.",
            _wall_line(wall, "as configured"),
        ]
    return "\n".join(lines) + "\n"


def _needs(needs: Plan | None, available: int) -> str:
    if needs is None:
        return (
            f"more than the {available} tasks × 10 repeats the suite allows: "
            "no design within it has 80% power"
        )
    return (
        f"{needs.tasks} tasks × {needs.repeats} repeat{'s' if needs.repeats != 1 else ''} "
        f"(power {needs.power:.0%})"
    )


def _most(rows: list[PlanRow], asked: int, repeats: int) -> int:
    reached = [r.needs.samples for r in rows if r.needs is not None]
    if not reached or len(reached) < len(rows):
        return asked * repeats
    return max(reached)


def _wall_line(wall: WallEstimate, design: str) -> str:
    if wall.seconds is None:
        return f"Wall time {design}: no call times in the archive to estimate it from."
    if wall.from_archive == wall.candidates:
        source = "the archive's median call time of each model and handoff"
    elif wall.from_archive:
        source = (
            f"the archive's median call time of {wall.from_archive} of {wall.candidates} models "
            "and handoffs, and of every model's calls for the others"
        )
    else:
        source = "the archive's median call time over every model: none of these was timed"
    return f"Wall time {design}: about {duration(wall.seconds)} of model calls (from {source})."


def _measured(what: str, v: Variance) -> str:
    return f"measured on {what} in the archive ({v.tasks} tasks, up to {v.repeats} repeats)"


def _names(config: RunConfig, comparison: PlannedComparison) -> tuple[str, str]:
    def name(who: Candidate) -> str:
        if isinstance(who, str):
            return config.model(who).display_label
        small, large = config.model(who[0]), config.model(who[1])
        return f"{small.display_label} → {large.display_label}"

    return name(comparison.a), name(comparison.b)


def duration(seconds: float) -> str:
    """`40 s`, `12 min`, `3 h 20 min`."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
