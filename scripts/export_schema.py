"""Write the run record's JSON Schema into schema/ (run after changing bench/record/schema.py).

Only the current version's is written; version 1's (`V1`) is kept as it was published, the
contract of the version 1 files in archives (the loader reads them as one-task runs)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.record.schema import SCHEMA_VERSION, json_schema

TARGET = (
    Path(__file__).resolve().parents[1] / "schema" / f"run-record.v{SCHEMA_VERSION}.schema.json"
)


V1 = TARGET.with_name("run-record.v1.schema.json")


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {TARGET}")
