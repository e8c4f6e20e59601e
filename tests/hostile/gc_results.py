"""Hostile candidate: implements nothing; looks through the garbage collector for the
harness's results, requests and answer functions, and rewrites or calls them."""

import gc
import json
import os

touched = []
for obj in gc.get_objects():
    if isinstance(obj, dict) and "calls" in obj and "candidate" in obj:
        obj["calls"] = []
        touched.append("requests")
    elif isinstance(obj, dict) and "check" in obj and "detail" in obj:
        obj["detail"] = None
        touched.append("result")
    elif callable(obj) and getattr(obj, "__name__", "") in {"send", "emit"}:
        for name in ("python_compile", "merge_overlaps_expected_windows"):
            try:
                obj(name, None) if obj.__name__ == "emit" else obj({"id": "merge", "returned": []})
                touched.append(obj.__name__)
            except Exception as error:
                touched.append(f"{obj.__name__}: {type(error).__name__}")
os.write(2, f"EVIDENCE {json.dumps(touched)}\n".encode())
