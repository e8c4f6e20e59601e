"""`bench hosts [CONFIG.yaml] [--json]`: this machine's fingerprint, as a run would record it.

With a config, its model servers are asked for their versions too, as `bench run` asks them,
and whether they are up and have their models, in `bench run`'s words.
What the command needs is imported when it runs, so that `bench` starts at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bench.cli._common import ExitCode

if TYPE_CHECKING:
    from rich.table import Table

    from bench.record.schema import HostInfo, LoadAverage, ServerInfo

UNKNOWN = "unknown"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hosts = commands.add_parser(
        "hosts",
        help="print this machine's fingerprint, as a run records it",
        description="Print this machine's fingerprint (CPU, cores, memory, GPUs, OS, Python,"
        " load), the one `bench run` records; with CONFIG, its servers' versions too.",
    )
    hosts.add_argument(
        "config", nargs="?", type=Path, help="a run config whose servers to ask (optional)"
    )
    hosts.add_argument("--json", action="store_true", help="print the fingerprint as JSON")
    hosts.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from rich.console import Console

    from bench.runner.config import ConfigError
    from bench.runner.host import fingerprint

    try:
        servers, problems = _servers(args.config) if args.config is not None else ((), {})
    except ConfigError as error:
        print(error, file=sys.stderr)
        return ExitCode.USAGE
    host = fingerprint(servers)
    if args.json:
        print(host.model_dump_json(indent=2))
        for problem in dict.fromkeys(p for found in problems.values() for p in found):
            print(problem, file=sys.stderr)
    else:
        Console().print(host_table(host, problems))
    return ExitCode.OK


def _servers(config_path: Path) -> tuple[tuple[ServerInfo, ...], dict[str, list[str]]]:
    """Each server of the config with its version, and what is wrong with each (by URL)."""
    from bench.runner.backends import make_backend
    from bench.runner.config import load_config
    from bench.runner.run import open_backends, server_infos, server_problems

    loaded = load_config(config_path)
    backends = open_backends(loaded.config, make_backend)
    try:
        problems: dict[str, list[str]] = {}
        for _, _, server, problem in server_problems(loaded.config, backends):
            found = problems.setdefault(backends[server].url or "", [])
            found += [problem] if problem not in found else []
        return server_infos(backends), problems
    finally:
        for backend in backends.values():
            backend.close()


def host_table(host: HostInfo, problems: dict[str, list[str]] | None = None) -> Table:
    from rich.table import Table

    from bench.record.hosts import host_summary
    from bench.site import fmt

    summary = host_summary(host)
    table = Table(title="This host, as a run records it", title_justify="left", show_header=False)
    table.add_column("Fact", style="bold")
    table.add_column("Value")
    memory = fmt.gib(summary.memory_gib) if summary.memory_gib is not None else UNKNOWN
    rows = [
        ("CPU", host.cpu_model or UNKNOWN),
        ("Cores", _cores(host)),
        ("Memory", memory),
        ("GPUs", _gpus(host)),
        ("OS", host.os or UNKNOWN),
        ("Kernel", host.kernel or UNKNOWN),
        ("Machine", host.machine or UNKNOWN),
        ("Python", host.python or UNKNOWN),
        ("Load average", _load(host.load_avg_start)),
        *(
            (f"Server {s.backend}", _server(s, (problems or {}).get(s.url, [])))
            for s in host.servers
        ),
    ]
    for fact, value in rows:
        table.add_row(fact, value)
    return table


def _server(server: ServerInfo, problems: list[str]) -> str:
    """`URL · version 0.12.6`, or what is wrong with it, as `bench run` says it."""
    return (
        "\n".join(problems) if problems else f"{server.url} · version {server.version or UNKNOWN}"
    )


def _cores(host: HostInfo) -> str:
    physical = host.physical_cores if host.physical_cores is not None else UNKNOWN
    logical = host.logical_cores if host.logical_cores is not None else UNKNOWN
    return f"{physical} physical, {logical} logical"


def _gpus(host: HostInfo) -> str:
    from bench.record.hosts import GIB
    from bench.record.schema import GpuProbe
    from bench.site import fmt

    if host.gpu_probes == (GpuProbe.NO_TOOL,):
        return "none found: neither nvidia-smi nor rocm-smi on PATH"
    lines = [
        f"{g.name}"
        + (f", {fmt.gib(g.memory_bytes / GIB)}" if g.memory_bytes else "")
        + f" ({g.probe.value})"
        for g in host.gpus
    ]
    asked = ", ".join(p.value for p in host.gpu_probes)
    lines = lines or [f"none found by {asked}"]
    return "\n".join([*lines, *host.gpu_probe_errors])


def _load(load: LoadAverage | None) -> str:
    if load is None:
        return UNKNOWN
    return f"{load.one_min:.2f} {load.five_min:.2f} {load.fifteen_min:.2f} (1, 5, 15 min)"
