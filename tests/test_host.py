"""The host fingerprint: what /proc and os say about this machine, GPUs from the tools on PATH."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from bench.record.schema import GpuProbe, LoadAverage, ServerInfo
from bench.runner.host import (
    fingerprint,
    finished,
    parse_nvidia_smi,
    parse_rocm_smi,
    read_cpuinfo,
)

CPUINFO = Path("/proc/cpuinfo")
MEMINFO = Path("/proc/meminfo")
NEEDS_PROC = pytest.mark.skipif(not CPUINFO.is_file(), reason="no /proc/cpuinfo (not Linux)")


def _tool(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def tools_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH holding only the folder returned (empty at first): no real GPU tool is found."""
    monkeypatch.setenv("PATH", str(tmp_path))
    return tmp_path


@NEEDS_PROC
def test_cpu_and_memory_match_proc_and_os() -> None:
    host = fingerprint()

    cpuinfo = CPUINFO.read_text(encoding="utf-8")
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    assert host.cpu_model == models[0].strip()
    cores = set(
        re.findall(r"^physical id\s*:\s*(\d+)$.*?^core id\s*:\s*(\d+)$", cpuinfo, re.M | re.S)
    )
    assert host.physical_cores == (len(cores) or os.cpu_count())
    assert host.logical_cores == os.cpu_count()
    assert host.physical_cores is not None and host.logical_cores is not None
    assert 1 <= host.physical_cores <= host.logical_cores
    kib = re.search(r"^MemTotal:\s+(\d+) kB$", MEMINFO.read_text(encoding="utf-8"), re.M)
    assert kib is not None and host.memory_bytes == int(kib.group(1)) * 1024
    assert host.python is not None and host.kernel == os.uname().release
    assert host.load_avg_start is not None and host.load_avg_end is None


def test_physical_cores_are_unique_core_ids_per_package(tmp_path: Path) -> None:
    blocks = [
        f"processor\t: {n}\nmodel name\t: Test CPU 9000\nphysical id\t: {n // 4}\n"
        f"core id\t\t: {(n // 2) % 2}\n"
        for n in range(8)
    ]  # two packages, two cores each, two threads a core
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("\n".join(blocks), encoding="utf-8")

    assert read_cpuinfo(cpuinfo) == ("Test CPU 9000", 4)
    assert read_cpuinfo(tmp_path / "missing") == (None, None)


def test_a_fake_nvidia_smi_on_path_gives_a_gpu(tools_only: Path) -> None:
    _tool(
        tools_only,
        "nvidia-smi",
        'case "$*" in *--query-gpu=name,memory.total*) echo "NVIDIA GeForce RTX 4090, 24564";;'
        " *) exit 2;; esac",
    )

    host = fingerprint()

    assert host.gpu_probes == (GpuProbe.NVIDIA_SMI,)
    [gpu] = host.gpus
    assert gpu.name == "NVIDIA GeForce RTX 4090"
    assert gpu.memory_bytes == 24564 * 2**20
    assert gpu.probe is GpuProbe.NVIDIA_SMI
    assert host.gpu_probe_errors == ()


def test_no_gpu_tool_on_path_says_so(tools_only: Path) -> None:
    host = fingerprint()

    assert host.gpus == ()
    assert host.gpu_probes == (GpuProbe.NO_TOOL,)


def test_a_gpu_tool_that_fails_is_named(tools_only: Path) -> None:
    _tool(tools_only, "nvidia-smi", 'echo "NVIDIA-SMI has failed: no driver" >&2; exit 9')

    host = fingerprint()

    assert host.gpus == () and host.gpu_probes == (GpuProbe.NVIDIA_SMI,)
    assert host.gpu_probe_errors == ("nvidia-smi: exited 9: NVIDIA-SMI has failed: no driver",)


def test_a_fake_rocm_smi_on_path_gives_a_gpu(tools_only: Path) -> None:
    reply = (
        '{"card0": {"Card series": "Radeon RX 7900 XTX", "VRAM Total Memory (B)": "25753026560"}}'
    )
    _tool(tools_only, "rocm-smi", f"echo '{reply}'")

    [gpu] = fingerprint().gpus

    assert (gpu.name, gpu.memory_bytes, gpu.probe) == (
        "Radeon RX 7900 XTX",
        25753026560,
        GpuProbe.ROCM_SMI,
    )


def test_gpu_tool_output_is_read_leniently() -> None:
    assert [g.name for g in parse_nvidia_smi("A100, 81920\nH100, [N/A]\n\n")] == ["A100", "H100"]
    assert parse_nvidia_smi("H100, [N/A]")[0].memory_bytes is None
    assert parse_rocm_smi("not json") == []
    assert parse_rocm_smi('{"system": {"Driver version": "6.7"}}') == []


def test_servers_and_the_end_load_are_recorded() -> None:
    server = ServerInfo(backend="ollama", url="http://127.0.0.1:11434", version="0.12.6")
    host = fingerprint([server])
    end = LoadAverage(one_min=1.0, five_min=0.5, fifteen_min=0.25)

    assert host.servers == (server,)
    assert finished(host, end).load_avg_end == end
