"""The figures a page and the index take from timings and hosts: medians with their spread
over repeats, per handoff stage, never a warm-up; a host's short fingerprint and filters."""

from __future__ import annotations

from typing import Any

import pytest

from bench.record.analysis import TIMING_FIGURES, RunAnalysis
from bench.record.hosts import host_facets, host_matches, record_host
from bench.record.schema import GpuProbe, RunRecord, ThroughputSource, TimingSource
from tests.support.records import make_record

TIMED = {
    "ttft_s": [0.4, 0.2, 0.3],
    "prompt_tok_s": [300.0, 500.0, 400.0],
    "load_s": [0.0, 0.01, 0.02],
    "throughput_tok_s": [40.0, 60.0, 50.0],
}
SOURCES = {
    "ttft_source": "client_stream",
    "prompt_tok_s_source": "llama_cpp_timings",
    "load_source": "server_counters",
}


def _timed(generation: dict[str, Any], n: int, scale: float = 1.0) -> dict[str, Any]:
    return {
        **generation,
        **{name: values[n] * scale for name, values in TIMED.items()},
        **SOURCES,
    }


def _record(**host: Any) -> RunRecord:
    data = make_record(models=("tiny:0.5b", "big:8b"), pairs=(("tiny:0.5b", "big:8b"),),
                       repeats=3).model_dump(mode="json")  # fmt: skip
    for direct in data["direct"]:
        for n, sample in enumerate(direct["samples"]):
            sample["generation"] = _timed(sample["generation"], n)
    big = data["direct"][1]["samples"]
    for n, cascade in enumerate(data["cascades"][0]["samples"]):
        cascade["draft"] = data["direct"][0]["samples"][n]
        cascade["refine"] = _timed(big[n]["generation"], n, scale=10)
    absurd = {"call_wall_s": 999.0, "ttft_s": 500.0, "prompt_tok_s": 1.0, "load_s": 400.0,
              "throughput_tok_s": 0.5}  # fmt: skip
    data["warmups"] = [{"tag": d["model"]["tag"], "generation": absurd} for d in data["direct"]]
    if host:
        data["provenance"]["host"] = {"gpu_probes": ["no_tool_on_path"], **host}
    return RunRecord.model_validate(data)


def test_direct_timings_are_medians_with_their_spread_over_repeats() -> None:
    tiny = RunAnalysis(_record()).direct[0]

    assert tiny.ttft_s is not None and tiny.prompt_tok_s is not None and tiny.load_s is not None
    assert (tiny.ttft_s.median, tiny.ttft_s.low, tiny.ttft_s.high, tiny.ttft_s.n) == (
        pytest.approx(0.3), pytest.approx(0.2), pytest.approx(0.4), 3,
    )  # fmt: skip
    assert (tiny.prompt_tok_s.median, tiny.prompt_tok_s.low) == (400.0, 300.0)
    assert tiny.load_s.high == pytest.approx(0.02)
    generation = tiny.timing("generation_tok_s")
    assert generation is not None and generation == tiny.throughput_tok_s
    assert generation.median == 50.0
    assert tiny.timing_sources("ttft_s") == (TimingSource.CLIENT_STREAM,)
    assert tiny.timing_sources("generation_tok_s") == (ThroughputSource.SERVER_COUNTERS,)


def test_no_figure_takes_the_warm_up() -> None:
    analysis = RunAnalysis(_record())

    fields = {"generation_tok_s": "throughput_tok_s"}
    for summary, warmup in zip(analysis.direct, analysis.record.warmups, strict=True):
        for figure in TIMING_FIGURES:
            stat = summary.timing(figure)
            warm = getattr(warmup.generation, fields.get(figure, figure))
            assert stat is not None and stat.n == 3
            assert not stat.low <= warm <= stat.high, figure
        assert summary.call_wall_s is not None and summary.call_wall_s.high < 999.0


def test_each_handoff_stage_has_its_timings() -> None:
    pair = RunAnalysis(_record()).cascades[0]

    draft = pair.stage_timing("draft", "ttft_s")
    refine = pair.stage_timing("refine", "ttft_s")
    assert draft is not None and refine is not None
    assert (draft.median, refine.median) == (pytest.approx(0.3), pytest.approx(3.0))
    assert pair.stage_timing_sources("refine", "prompt_tok_s") == (TimingSource.LLAMA_CPP_TIMINGS,)


def test_old_records_have_no_timings_and_no_host() -> None:
    analysis = RunAnalysis(make_record())

    assert all(d.ttft_s is None and d.prompt_tok_s is None for d in analysis.direct)
    assert analysis.host is None


def test_the_short_fingerprint_of_a_host() -> None:
    record = _record(
        cpu_model="AMD Ryzen 9 7950X", physical_cores=16, logical_cores=32,
        memory_bytes=64 * 2**30, gpu_probes=["nvidia-smi"],
        gpus=[{"name": "RTX 4090", "memory_bytes": 24 * 2**30, "probe": "nvidia-smi"}],
    )  # fmt: skip

    host = RunAnalysis(record).host

    assert host is not None
    assert (host.cpu_model, host.physical_cores, host.logical_cores) == (
        "AMD Ryzen 9 7950X",
        16,
        32,
    )
    assert host.memory_gib == 64.0
    assert (host.gpu_names, host.gpu_memory_gib) == (("RTX 4090",), (24.0,))
    assert host.has_gpu and host.gpus_looked_for
    cpu_only = record_host(_record(cpu_model="Xeon", logical_cores=2))
    assert cpu_only is not None and not cpu_only.has_gpu and not cpu_only.gpus_looked_for
    assert GpuProbe.NO_TOOL.value == "no_tool_on_path"


def test_hosts_filter_by_cpu_and_gpu() -> None:
    gpu_box = _record(cpu_model="AMD Ryzen 9 7950X", gpus=[
        {"name": "RTX 4090", "probe": "nvidia-smi"}], gpu_probes=["nvidia-smi"])  # fmt: skip
    laptop = _record(cpu_model="Intel Core i7-1260P")
    records = [gpu_box, laptop, make_record()]

    facets = host_facets(records)

    assert facets.cpus == ("AMD Ryzen 9 7950X", "Intel Core i7-1260P")
    assert facets.gpus == ("RTX 4090",)
    hosts = [record_host(r) for r in records]
    assert [host_matches(h, gpu="RTX 4090") for h in hosts] == [True, False, False]
    assert [host_matches(h, cpu="Intel Core i7-1260P") for h in hosts] == [False, True, False]
    assert all(host_matches(h) for h in hosts)
