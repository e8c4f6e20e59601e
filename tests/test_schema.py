"""The run record's JSON Schema in the repo is the one the code validates with."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from bench.record.schema import Generation, GpuProbe, HostInfo, RunRecord, TimingSource
from bench.record.upgrade import upgrade_v1
from scripts.export_schema import TARGET, V1, schema_text
from tests.support.records import make_record
from tests.support.sitebuild import REPO, SEED_RUN


def test_exported_schema_is_up_to_date() -> None:
    assert TARGET.read_text(encoding="utf-8") == schema_text(), (
        "schema/ is stale: run `python scripts/export_schema.py`"
    )


def test_schema_names_what_a_record_holds() -> None:
    schema = json.loads(TARGET.read_text(encoding="utf-8"))
    required = set(schema["required"])
    assert {"benchmark_id", "run_id", "title", "host", "started_at", "tasks"} <= required
    assert schema["properties"]["schema_version"]["const"] == 2
    defs = schema["$defs"]
    assert {"id", "checks"} <= set(defs["TaskSpec"]["required"])
    assert {"task", "repeat"} <= set(defs["Sample"]["required"])
    assert {"passed", "failed", "skipped"} == set(defs["CheckOutcome"]["enum"])
    assert "throughput_source" in defs["Generation"]["properties"]
    assert "legacy" in defs["Provenance"]["properties"]


def test_a_suite_record_validates_against_the_version_2_schema() -> None:
    record = make_record(tasks=("humaneval-0", "humaneval-1"), repeats=2)
    data = json.loads(record.model_dump_json())
    validator = Draft202012Validator(json.loads(TARGET.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(data)) == []
    data["direct"][0]["samples"][0].pop("task")
    (error,) = validator.iter_errors(data)
    assert list(error.path) == ["direct", 0, "samples", 0]


def test_the_seed_validates_against_the_version_1_schema_published_beside_it() -> None:
    record = json.loads((REPO / "archive" / SEED_RUN / "run.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(json.loads(V1.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(record)) == []
    record["direct"][0]["samples"][0]["evaluation"]["score"] = 101
    (error,) = validator.iter_errors(record)
    assert list(error.path) == ["direct", 0, "samples", 0, "evaluation", "score"]


def _seed_json() -> dict[str, Any]:
    """The seed's data as a version 2 record holds it: one task, its samples numbered."""
    path = REPO / "archive" / SEED_RUN / "run.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return upgrade_v1(data)


def test_the_seed_record_without_host_or_timings_still_loads() -> None:
    record = RunRecord.model_validate(_seed_json())

    assert record.provenance.host is None and record.warmups == ()
    generation = record.direct[0].samples[0].generation
    assert (generation.ttft_s, generation.prompt_tok_s, generation.load_s) == (None, None, None)


def test_a_host_fingerprint_and_timings_round_trip() -> None:
    data = _seed_json()
    data["provenance"]["host"] = {
        "cpu_model": "AMD Ryzen 9 7950X",
        "physical_cores": 16,
        "logical_cores": 32,
        "memory_bytes": 64 * 2**30,
        "gpus": [{"name": "NVIDIA GeForce RTX 4090", "memory_bytes": 24 * 2**30,
                  "probe": "nvidia-smi"}],
        "gpu_probes": ["nvidia-smi"],
        "servers": [{"backend": "ollama", "url": "http://127.0.0.1:11434", "version": "0.12.6"}],
        "load_avg_start": {"one_min": 0.5, "five_min": 0.4, "fifteen_min": 0.3},
    }  # fmt: skip
    generation = data["direct"][0]["samples"][0]["generation"]
    generation.update(ttft_s=0.2, ttft_source="server_counters", prompt_tok_s=180.0,
                      prompt_tok_s_source="server_counters", load_s=0.01,
                      load_source="server_counters")  # fmt: skip
    data["warmups"] = [{"tag": data["direct"][0]["model"]["tag"], "generation": {"call_wall_s": 9}}]

    record = RunRecord.model_validate(data)

    assert RunRecord.model_validate_json(record.model_dump_json()) == record
    validator = Draft202012Validator(json.loads(TARGET.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(json.loads(record.model_dump_json()))) == []
    assert record.provenance.host is not None
    assert record.provenance.host.gpus[0].probe is GpuProbe.NVIDIA_SMI
    assert record.direct[0].samples[0].generation.ttft_source is TimingSource.SERVER_COUNTERS


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1.0])
def test_timing_figures_are_finite_and_not_negative(value: float) -> None:
    with pytest.raises(ValidationError):
        Generation(call_wall_s=1, ttft_s=value)
    with pytest.raises(ValidationError):
        Generation(call_wall_s=1, prompt_tok_s=value)


def test_one_warm_up_per_model() -> None:
    data = _seed_json()
    tag = data["direct"][0]["model"]["tag"]
    data["warmups"] = [{"tag": tag, "generation": {"call_wall_s": 1}}] * 2

    with pytest.raises(ValidationError, match=r"one warm-up per model"):
        RunRecord.model_validate(data)


def test_a_host_says_how_gpus_were_looked_for() -> None:
    with pytest.raises(ValidationError, match="gpu_probes"):
        HostInfo.model_validate({"cpu_model": "x", "gpu_probes": []})
