"""`bench verify RUN`: evaluate every archived candidate of a run again, in the sandbox, and
confirm that each check's verdict and each score in its record is what the candidate earns.

Exits 0 when every one agrees, 1 when a sample differs (or the record is invalid), 2 when RUN
names no run. The work is `bench.runner.verify`'s, imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.cli._common import DEFAULT_ARCHIVE, ExitCode, shown_path

_SHOWN = 20  # differing samples listed in full; the rest are counted


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify",
        help="evaluate a run's archived candidates again and check its scores",
        description=(
            "Evaluate every archived candidate of RUN again, in the sandbox, and check that "
            "each verdict and score in its record is what the candidate earns. Exit 0 when "
            "all agree, 1 when any differs."
        ),
    )
    verify.add_argument("run", help="a run.json, a run folder or a run id in the archive")
    verify.add_argument(
        "--archive", type=Path, default=DEFAULT_ARCHIVE, help="where to find a run id"
    )
    verify.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from bench.record.archive import ArchiveError, RunNotFound, find_run, load_record
    from bench.record.schema import METHODOLOGY_VERSION
    from bench.runner.verify import verify_run

    try:
        path = find_run(args.run, args.archive)
        record = load_record(path)
    except RunNotFound as error:
        print(error, file=sys.stderr)
        return ExitCode.USAGE
    except ArchiveError as error:
        print(error, file=sys.stderr)
        return ExitCode.INVALID
    where = shown_path(path.parent)
    print(
        f"Verifying {record.run_id} ({where}): methodology v{record.methodology_version} "
        f"when recorded, v{METHODOLOGY_VERSION} now",
        flush=True,
    )
    result = verify_run(record, path.parent)
    for task in result.unknown_tasks:
        print(f"task {task}: not known to this harness; its samples are not checked")
    for task in result.changed_tasks:
        print(f"task {task}: its content hash differs from the record's (the task changed)")
    for verdict in result.differing[:_SHOWN]:
        print(f"{verdict.where} ({verdict.task}, {verdict.candidate}):")
        for difference in verdict.differences:
            print(f"  {difference}")
    if len(result.differing) > _SHOWN:
        print(f"... and {len(result.differing) - _SHOWN} more samples that differ")
    agree = len(result.verdicts) - len(result.differing)
    print(
        f"{len(result.verdicts)} archived candidates evaluated again: {agree} agree with the "
        f"record, {len(result.differing)} differ"
        + (
            f"; {result.not_archived} samples have no archived candidate"
            if result.not_archived
            else ""
        )
    )
    return ExitCode.INVALID if result.differing else ExitCode.OK
