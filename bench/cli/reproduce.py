"""`bench reproduce RUN`: run a run again with the same settings, and say whether it was
reproduced.

The config is the one the record holds (`setup.config`; an older record's run folder
`config.yaml`), run on this machine into the archive as a new run that names the original
(`setup.reproduces`). Then, paired on the same tasks and repeats, each model's new mean score
is set against the original's 95% interval (`bench.record.reproduce`), and every aspect of
the setup that differs is named. Exits 0 when reproduced, 1 when not, 2 when RUN names no run
or its config cannot run here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bench.cli._common import DEFAULT_ARCHIVE, ExitCode, say

if TYPE_CHECKING:
    from bench.record.schema import RunRecord
    from bench.runner.config import LoadedConfig


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reproduce = commands.add_parser(
        "reproduce",
        help="run a run again with the same settings and judge the new scores",
        description=(
            "Run RUN again with the config it recorded, as a new run in the archive, and say "
            "whether each model's new mean score, paired on the same tasks and repeats, lies "
            "within the original's 95% interval, and what in the setup differs. Exit 0 when "
            "reproduced, 1 when not."
        ),
    )
    reproduce.add_argument("run", help="a run.json, a run folder or a run id in the archive")
    reproduce.add_argument(
        "--archive",
        type=Path,
        default=DEFAULT_ARCHIVE,
        help="where to find RUN, and where the new run goes",
    )
    reproduce.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.text import Text

    from bench.cli.run import execute
    from bench.record.analysis import RunAnalysis
    from bench.record.archive import ArchiveError, RunNotFound, find_run, load_record
    from bench.record.reproduce import reproduction
    from bench.runner.config import ConfigError
    from bench.runner.run import prepare
    from bench.runner.store import StoreError
    from bench.site.reproduce import reproduction_lines

    out, err = Console(), Console(stderr=True)
    try:
        path = find_run(args.run, args.archive)
        original = load_record(path)
        loaded = _config(original, path)
        prepared = prepare(loaded, archive=args.archive, reproduces=original.run_id)
    except (RunNotFound, ConfigError, StoreError) as error:
        say(err, str(error))
        return ExitCode.USAGE
    except ArchiveError as error:
        say(err, str(error))
        return ExitCode.INVALID
    except KeyboardInterrupt:
        err.print("Interrupted before the first call.")
        return ExitCode.INTERRUPTED
    code, record = execute(prepared, out, err)
    if record is None:
        return code
    found = reproduction(RunAnalysis(original), RunAnalysis(record))
    for line in reproduction_lines(found):
        out.print(Text(line))
    return ExitCode.OK if found.reproduced else ExitCode.INVALID


def _config(original: RunRecord, record_path: Path) -> LoadedConfig:
    """The config the run recorded (`setup.config`), else its run folder's `config.yaml`.

    Raises:
        ConfigError: neither is there, or it does not validate with this harness.
    """
    from bench.runner.config import ConfigError, parse_config
    from bench.runner.store import CONFIG_FILENAME
    from bench.site.reproduce import config_yaml

    text = config_yaml(original)
    if text is not None:
        return parse_config(text, record_path.with_name(f"{record_path.name} setup.config"))
    folder_config = record_path.parent / CONFIG_FILENAME
    try:
        return parse_config(folder_config.read_text(encoding="utf-8"), folder_config)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            [
                f"{record_path}: setup.config: expected the config the run ran with, found "
                f"none (an older record), and its run folder's {CONFIG_FILENAME} cannot be "
                f"read ({error})"
            ]
        ) from None
