"""What a page or the index shows of a host: its short fingerprint, and filters by CPU and GPU.

    summary = host_summary(record.provenance.host)   # CPU model, cores, memory GiB, GPU names
    facets = host_facets(records)                    # every CPU and GPU in an archive, to filter by
    host_matches(summary, cpu="AMD Ryzen 9 7950X")

Data only: the words and number formats are made on the site's side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bench.record.schema import GpuProbe, HostInfo, RunRecord

GIB = 2**30


@dataclass(frozen=True)
class HostSummary:
    """The parts of a short fingerprint: "on <CPU>, <cores>, <memory>[, <GPU>]"."""

    cpu_model: str | None
    physical_cores: int | None
    logical_cores: int | None
    memory_gib: float | None
    gpu_names: tuple[str, ...]
    gpu_memory_gib: tuple[float | None, ...]  # one per GPU name, None when not reported
    gpus_looked_for: bool  # False when neither nvidia-smi nor rocm-smi was on PATH

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpu_names)


@dataclass(frozen=True)
class HostFacets:
    """The distinct CPUs and GPUs of the runs' hosts, sorted: the values of the index filter."""

    cpus: tuple[str, ...]
    gpus: tuple[str, ...]


def host_summary(host: HostInfo) -> HostSummary:
    return HostSummary(
        cpu_model=host.cpu_model,
        physical_cores=host.physical_cores,
        logical_cores=host.logical_cores,
        memory_gib=host.memory_bytes / GIB if host.memory_bytes is not None else None,
        gpu_names=tuple(g.name for g in host.gpus),
        gpu_memory_gib=tuple(
            g.memory_bytes / GIB if g.memory_bytes is not None else None for g in host.gpus
        ),
        gpus_looked_for=host.gpu_probes != (GpuProbe.NO_TOOL,),
    )


def record_host(record: RunRecord) -> HostSummary | None:
    """The run's host summary; None for a record made before fingerprints."""
    host = record.provenance.host
    return host_summary(host) if host is not None else None


def host_facets(records: Iterable[RunRecord]) -> HostFacets:
    return facets_of(record_host(record) for record in records)


def facets_of(summaries: Iterable[HostSummary | None]) -> HostFacets:
    """Every CPU and GPU among these hosts (None: a host without a fingerprint)."""
    cpus: set[str] = set()
    gpus: set[str] = set()
    for summary in summaries:
        if summary is None:
            continue
        if summary.cpu_model:
            cpus.add(summary.cpu_model)
        gpus.update(summary.gpu_names)
    return HostFacets(cpus=tuple(sorted(cpus)), gpus=tuple(sorted(gpus)))


def host_matches(
    summary: HostSummary | None, *, cpu: str | None = None, gpu: str | None = None
) -> bool:
    """True when the host has the CPU and the GPU asked for (None: any); an unknown host
    matches only when nothing is asked."""
    if cpu is None and gpu is None:
        return True
    if summary is None:
        return False
    return (cpu is None or summary.cpu_model == cpu) and (gpu is None or gpu in summary.gpu_names)
