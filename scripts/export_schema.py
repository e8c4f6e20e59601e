"""Write the run record's JSON Schema into schema/ (run after changing bench/schema.py)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.record.schema import SCHEMA_VERSION, json_schema

TARGET = (
    Path(__file__).resolve().parents[1] / "schema" / f"run-record.v{SCHEMA_VERSION}.schema.json"
)


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {TARGET}")
