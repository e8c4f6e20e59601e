"""The `bench` command: wires the runner, the record and the site for the command line.

    bench run CONFIG.yaml                  run a benchmark into the archive
    bench run --resume RUN [CONFIG.yaml]   finish an interrupted run (RUN: run id or folder)
    bench validate [PATH]                  check run records (a run.json, a run or an archive)
    bench compare RUN_A RUN_B              what changed between two runs
    bench hosts [CONFIG.yaml] [--json]     this machine's fingerprint, as a run records it
    bench verify RUN                       evaluate a run's archived candidates again
    bench reproduce RUN                    run a run again and judge it against the original
    bench plan CONFIG.yaml --difference 5  tasks and repeats to tell 5 pts, and the wall time

A subcommand is a module with `add_parser(commands)`, which adds its parser and sets
`handler`; add one by listing its `add_parser` in `SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from bench import __version__
from bench.cli import compare, hosts, plan, reproduce, run, validate, verify
from bench.cli._common import ExitCode

__all__ = ["EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "ExitCode", "main"]

EXIT_OK = ExitCode.OK
EXIT_INVALID = ExitCode.INVALID
EXIT_USAGE = ExitCode.USAGE
EXIT_INTERRUPTED = ExitCode.INTERRUPTED

SUBCOMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    run.add_parser,
    validate.add_parser,
    compare.add_parser,
    hosts.add_parser,
    verify.add_parser,
    reproduce.add_parser,
    plan.add_parser,
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench", description="Benchmark local language models on code generation."
    )
    parser.add_argument("--version", action="version", version=f"bench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(commands)
    return parser
