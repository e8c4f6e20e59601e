"""`bench run CONFIG.yaml` and `bench run --resume RUN`: a benchmark into the archive.

The runner, rich and the record are imported when the command runs, not when `bench` starts:
`bench --help` and the other subcommands do not pay for them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bench.cli._common import DEFAULT_ARCHIVE, ExitCode, say, shown_path

if TYPE_CHECKING:
    from rich.console import Console

    from bench.record.schema import RunRecord
    from bench.runner.run import PreparedRun


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="run a benchmark described by a YAML config",
        description="Run a benchmark; the record goes to <archive>/<benchmark>/<run id>/.",
    )
    run.add_argument("config", nargs="?", type=Path, help="the run config (YAML)")
    run.add_argument(
        "--resume",
        metavar="RUN",
        help="finish an interrupted run: its run id, folder or run.json; "
        "the config it started with is used unless CONFIG is given",
    )
    run.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume: ask again the calls that failed (server down, timeout), "
        "keeping the failed attempts in the record",
    )
    run.add_argument(
        "--archive",
        type=Path,
        help="archive folder (default: the config's `archive`, else ./archive)",
    )
    run.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from rich.console import Console

    from bench.record.archive import ArchiveError, RunNotFound
    from bench.runner.config import ConfigError
    from bench.runner.store import ResumeError, StoreError

    out, err = Console(), Console(stderr=True)
    if args.config is None and args.resume is None:
        err.print("bench run: expected a CONFIG file or --resume RUN, found neither")
        return ExitCode.USAGE
    if args.retry_failed and args.resume is None:
        err.print("bench run: --retry-failed expected --resume RUN, found no --resume")
        return ExitCode.USAGE
    try:
        prepared = _prepare(args)
    except (ConfigError, ResumeError, ArchiveError, RunNotFound, StoreError) as error:
        say(err, str(error))
        return ExitCode.USAGE
    except KeyboardInterrupt:
        err.print("Interrupted before the first call.")
        return ExitCode.INTERRUPTED
    code, _ = execute(prepared, out, err)
    return code


def execute(prepared: PreparedRun, out: Console, err: Console) -> tuple[int, RunRecord | None]:
    """Run a prepared run with its progress shown; the exit code, and the record when the run
    finished (complete or failed)."""
    from bench.cli.progress import RichProgress, print_summary
    from bench.record.schema import RunStatus
    from bench.runner.store import StoreError

    err.print(f"Run folder: {shown_path(prepared.state.run_dir)}", markup=False, highlight=False)
    for warning in prepared.warnings:
        say(err, f"Warning: {warning}")
    try:
        with RichProgress(err, prepared.progress()) as progress:
            record = prepared.orchestrator.run(progress)
    except KeyboardInterrupt:
        _say_partial(err, prepared.state.run_dir, "Interrupted")
        if prepared.orchestrator.busy():
            _leave_now(ExitCode.INTERRUPTED)
        return ExitCode.INTERRUPTED, None
    except StoreError as error:
        say(err, str(error))
        _say_partial(err, prepared.state.run_dir, "The run stopped")
        return ExitCode.STORE_FAILED, None
    except Exception:
        _say_partial(err, prepared.state.run_dir, "The run failed")
        raise
    prepared.close()
    print_summary(out, record, prepared.record_path)
    code = ExitCode.RUN_FAILED if record.status is RunStatus.FAILED else ExitCode.OK
    return code, record


def _prepare(args: argparse.Namespace) -> PreparedRun:
    from bench.record.archive import find_run
    from bench.runner.config import load_config
    from bench.runner.run import prepare
    from bench.runner.store import CONFIG_FILENAME

    loaded = load_config(args.config) if args.config is not None else None
    if args.resume is None:
        assert loaded is not None
        return prepare(loaded, archive=args.archive)
    archive = args.archive or (loaded.config.archive if loaded else DEFAULT_ARCHIVE)
    run_dir = find_run(args.resume, archive).parent
    loaded = loaded or load_config(run_dir / CONFIG_FILENAME)
    return prepare(loaded, resume=run_dir, retry_failed=args.retry_failed)


def _say_partial(console: Console, run_dir: Path, what: str) -> None:
    console.print(
        f"{what}; the record of the calls so far is in {shown_path(run_dir)}.\n"
        f"Resume with: bench run --resume {shown_path(run_dir)}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _leave_now(code: int) -> None:
    """Exit without tearing the interpreter down under a call still running in a thread.

    The record is complete on disk; a model call in flight (an HTTP request, or llama.cpp
    decoding in this process) cannot be stopped from Python, and finalising the interpreter
    while it runs can crash it.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
