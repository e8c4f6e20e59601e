"""The `bench` command.

    bench run CONFIG.yaml                  run a benchmark into the archive
    bench run --resume RUN [CONFIG.yaml]   finish an interrupted run (RUN: run id or folder)
    bench validate [PATH]                  check run records (a run.json, a run or an archive)

A subcommand is a function that adds its parser to `SUBCOMMANDS`' subparsers and sets
`handler`; add one by writing `_add_NAME` and listing it in `SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from bench import compare
from bench.archive import ArchiveError, load_archive
from bench.runner.config import ConfigError, load_config
from bench.runner.progress import RichProgress, print_summary
from bench.runner.run import PreparedRun, prepare
from bench.runner.store import CONFIG_FILENAME, ResumeError, StoreError, find_run_dir
from bench.schema import RECORD_FILENAME

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DEFAULT_ARCHIVE = Path("archive")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench", description="Benchmark local language models on code generation."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    run.set_defaults(handler=_run)


def _add_validate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = commands.add_parser(
        "validate",
        help="check run records against the schema",
        description="Check run records; exit 0 when all are valid, 1 otherwise.",
    )
    validate.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=DEFAULT_ARCHIVE,
        help="a run.json, a run folder or an archive folder (default: archive/)",
    )
    validate.set_defaults(handler=_validate)


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    _add_run,
    _add_validate,
    compare.add_parser,
]


def _run(args: argparse.Namespace) -> int:
    out, err = Console(), Console(stderr=True)
    if args.config is None and args.resume is None:
        err.print("bench run: expected a CONFIG file or --resume RUN, found neither")
        return EXIT_USAGE
    if args.retry_failed and args.resume is None:
        err.print("bench run: --retry-failed expected --resume RUN, found no --resume")
        return EXIT_USAGE
    try:
        prepared = _prepare(args)
    except (ConfigError, ResumeError, ArchiveError, StoreError) as error:
        err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("Interrupted before the first call.")
        return EXIT_INTERRUPTED
    err.print(f"Run folder: {prepared.state.run_dir}", markup=False, highlight=False)
    try:
        with RichProgress(err) as progress:
            record = prepared.orchestrator.run(progress)
    except KeyboardInterrupt:
        _say_partial(err, prepared.state.run_dir, "Interrupted")
        if prepared.orchestrator.busy():
            _leave_now(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except StoreError as error:
        err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        _say_partial(err, prepared.state.run_dir, "The run stopped")
        return EXIT_INVALID
    except Exception:
        _say_partial(err, prepared.state.run_dir, "The run failed")
        raise
    prepared.close()
    print_summary(out, record, prepared.record_path)
    return EXIT_OK


def _prepare(args: argparse.Namespace) -> PreparedRun:
    loaded = load_config(args.config) if args.config is not None else None
    if args.resume is None:
        assert loaded is not None
        return prepare(loaded, archive=args.archive)
    archive = args.archive or (loaded.config.archive if loaded else DEFAULT_ARCHIVE)
    run_dir = find_run_dir(args.resume, archive)
    loaded = loaded or load_config(run_dir / CONFIG_FILENAME)
    return prepare(loaded, resume=run_dir, retry_failed=args.retry_failed)


def _say_partial(console: Console, run_dir: Path, what: str) -> None:
    console.print(
        f"{what}; the record of the calls so far is in {run_dir}.\n"
        f"Resume with: bench run --resume {run_dir}",
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


def _validate(args: argparse.Namespace) -> int:
    path: Path = args.path
    try:
        runs = load_archive(path)
    except ArchiveError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    if not runs:
        print(f"{path}: expected at least one {RECORD_FILENAME}, found none", file=sys.stderr)
        return EXIT_INVALID
    print(f"{len(runs)} run record{'s' if len(runs) != 1 else ''} valid in {path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
