"""`bench validate [PATH]`: check run records with the messages the site build gives."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.cli._common import DEFAULT_ARCHIVE, ExitCode


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    validate.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from bench.record.archive import ArchiveError, load_archive  # at run time: a quick `bench`
    from bench.record.schema import RECORD_FILENAME

    path: Path = args.path
    try:
        runs = load_archive(path)
    except ArchiveError as error:
        print(error, file=sys.stderr)
        return ExitCode.INVALID
    if not runs:
        print(f"{path}: expected at least one {RECORD_FILENAME}, found none", file=sys.stderr)
        return ExitCode.INVALID
    print(f"{len(runs)} run record{'s' if len(runs) != 1 else ''} valid in {path}")
    return ExitCode.OK
