"""The machine a run runs on: a curated fingerprint, read once at the start of a run.

    host = fingerprint(servers)        # HostInfo: CPU, cores, memory, GPUs, OS, Python, servers
    host = finished(host, load_average())

CPU and memory come from `/proc/cpuinfo` and `/proc/meminfo` (Linux); elsewhere from what
`platform` and `os` say. GPUs are asked of `nvidia-smi` and `rocm-smi` when on PATH, each with a
short timeout; with neither, the fingerprint says so (`GpuProbe.NO_TOOL`) rather than claiming
no GPU. Nothing here raises: a fact that cannot be read is None.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.record.schema import Gpu, GpuProbe, HostInfo, LoadAverage, ServerInfo

CPUINFO = Path("/proc/cpuinfo")
MEMINFO = Path("/proc/meminfo")
GPU_TOOL_TIMEOUT_S = 5.0
NVIDIA_QUERY = ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"]
ROCM_QUERY = ["--showproductname", "--showmeminfo", "vram", "--json"]
_MIB = 2**20
_KIB = 2**10


def fingerprint(servers: Iterable[ServerInfo] = ()) -> HostInfo:
    """This machine's fingerprint, with the model servers a run talks to."""
    cpu_model, physical_cores = read_cpuinfo(CPUINFO)
    gpus, probes, errors = probe_gpus()
    return HostInfo(
        cpu_model=cpu_model or platform.processor() or None,
        physical_cores=physical_cores or os.cpu_count(),  # no core ids (some VMs, ARM)
        logical_cores=os.cpu_count(),
        memory_bytes=read_memtotal(MEMINFO),
        gpus=gpus,
        gpu_probes=probes,
        gpu_probe_errors=errors,
        os=os_name(),
        kernel=platform.release() or None,
        machine=platform.machine() or None,
        python=platform.python_version(),
        servers=tuple(servers),
        load_avg_start=load_average(),
    )


def finished(host: HostInfo, load_avg_end: LoadAverage | None) -> HostInfo:
    return host.model_copy(update={"load_avg_end": load_avg_end})


def load_average() -> LoadAverage | None:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return None
    return LoadAverage(one_min=one, five_min=five, fifteen_min=fifteen)


def read_cpuinfo(path: Path) -> tuple[str | None, int | None]:
    """The CPU's model name and its physical cores: unique (physical id, core id) pairs."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, None
    model: str | None = None
    cores: set[tuple[str, str]] = set()
    for block in text.split("\n\n"):
        fields = _colon_fields(block)
        model = model or fields.get("model name") or fields.get("Model") or None
        if "core id" in fields:
            cores.add((fields.get("physical id", "0"), fields["core id"]))
    return model, len(cores) or None


def read_memtotal(path: Path) -> int | None:
    """`MemTotal` in bytes (the file says kB, meaning KiB)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.MULTILINE)
    return int(match.group(1)) * _KIB if match else None


def os_name() -> str | None:
    """The distribution's PRETTY_NAME on Linux (e.g. "Ubuntu 24.04.1 LTS"), else OS and release."""
    try:
        pretty = platform.freedesktop_os_release().get("PRETTY_NAME")
    except OSError:
        pretty = None
    if pretty:
        return pretty
    system = platform.system()
    return " ".join(part for part in (system, platform.release()) if part) or None


def probe_gpus() -> tuple[tuple[Gpu, ...], tuple[GpuProbe, ...], tuple[str, ...]]:
    """The GPUs nvidia-smi and rocm-smi report, the tools asked, and why a tool gave nothing."""
    gpus: list[Gpu] = []
    probes: list[GpuProbe] = []
    errors: list[str] = []
    for probe, arguments, parse in (
        (GpuProbe.NVIDIA_SMI, NVIDIA_QUERY, parse_nvidia_smi),
        (GpuProbe.ROCM_SMI, ROCM_QUERY, parse_rocm_smi),
    ):
        executable = shutil.which(probe.value)
        if executable is None:
            continue
        probes.append(probe)
        output, error = _run_tool(executable, arguments)
        if error is not None:
            errors.append(f"{probe.value}: {error}")
            continue
        gpus += parse(output)
    return tuple(gpus), tuple(probes) or (GpuProbe.NO_TOOL,), tuple(errors)


def parse_nvidia_smi(output: str) -> list[Gpu]:
    """`name, memory.total` CSV lines, memory in MiB (`nounits`)."""
    gpus: list[Gpu] = []
    for line in output.splitlines():
        name, comma, memory = line.rpartition(",")
        name = name.strip() if comma else line.strip()
        if not name:
            continue
        memory_mib = _number(memory) if comma else None
        memory_bytes = int(memory_mib * _MIB) if memory_mib is not None else None
        gpus.append(Gpu(name=name, memory_bytes=memory_bytes, probe=GpuProbe.NVIDIA_SMI))
    return gpus


def parse_rocm_smi(output: str) -> list[Gpu]:
    """`{"card0": {"Card series": ..., "VRAM Total Memory (B)": ...}, ...}`."""
    try:
        cards = json.loads(output)
    except json.JSONDecodeError:
        return []
    if not isinstance(cards, dict):
        return []
    gpus: list[Gpu] = []
    for card, facts in sorted(cards.items()):
        if not (card.startswith("card") and isinstance(facts, dict)):
            continue
        name = _first_text(facts, ("Card series", "Card model", "Card SKU", "Device Name"))
        memory = _number(facts.get("VRAM Total Memory (B)"))
        gpus.append(
            Gpu(
                name=name or card,
                memory_bytes=int(memory) if memory is not None else None,
                probe=GpuProbe.ROCM_SMI,
            )
        )
    return gpus


def _run_tool(executable: str, arguments: list[str]) -> tuple[str, str | None]:
    try:
        done = subprocess.run(
            [executable, *arguments],
            capture_output=True,
            text=True,
            timeout=GPU_TOOL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "", f"no answer within {GPU_TOOL_TIMEOUT_S:g} s"
    except OSError as error:
        return "", f"could not run: {error}"
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        return "", f"exited {done.returncode}" + (f": {detail[0][:200]}" if detail else "")
    return done.stdout, None


def _colon_fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in block.splitlines():
        key, colon, value = line.partition(":")
        if colon:
            fields.setdefault(key.strip(), value.strip())
    return fields


def _first_text(facts: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = facts.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _number(value: object) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
