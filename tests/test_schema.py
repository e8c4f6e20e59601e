"""The run record's JSON Schema in the repo is the one the code validates with."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from scripts.export_schema import TARGET, schema_text
from tests.support.sitebuild import REPO, SEED_RUN


def test_exported_schema_is_up_to_date() -> None:
    assert TARGET.read_text(encoding="utf-8") == schema_text(), (
        "schema/ is stale: run `python scripts/export_schema.py`"
    )


def test_schema_names_what_a_record_holds() -> None:
    schema = json.loads(TARGET.read_text(encoding="utf-8"))
    required = set(schema["required"])
    assert {"benchmark_id", "run_id", "title", "host", "started_at", "checks"} <= required
    defs = schema["$defs"]
    assert {"passed", "failed", "skipped"} == set(defs["CheckOutcome"]["enum"])
    assert "throughput_source" in defs["Generation"]["properties"]
    assert "legacy" in defs["Provenance"]["properties"]


def test_seed_record_validates_against_the_exported_schema() -> None:
    record = json.loads((REPO / "archive" / SEED_RUN / "run.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(json.loads(TARGET.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(record)) == []
    record["direct"][0]["samples"][0]["evaluation"]["score"] = 101
    (error,) = validator.iter_errors(record)
    assert list(error.path) == ["direct", 0, "samples", 0, "evaluation", "score"]
