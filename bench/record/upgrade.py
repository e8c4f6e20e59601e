"""Read a version 1 record as a version 2 one, in memory: one task, its samples numbered.

Version 1 held one task: `task_id` and `checks` at the top, samples without a task or repeat.
Version 2 holds a suite (`tasks`, each with its checks) and every sample names its task and
repeat. A version 1 record becomes a one-task run: its task is `task_id` with the record's
checks, and each sample's repeat is its seed's offset from the run's base seed when the seeds
say so, else its place in the list. The record in memory is a version 2 one; the file is never
rewritten.

`v1_loc` maps a version 2 field path back to the version 1 field it came from, so an error in a
version 1 file names the field the file holds.
"""

from __future__ import annotations

from typing import Any

V1_ONLY = ("task_id", "checks")
Loc = tuple[int | str, ...]


def upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """The version 2 form of a version 1 record's data (a new dict; `data` is left alone).

    A field the upgrade needs but cannot use is left for validation to report (a missing
    `task_id` is reported as `task_id`, through `v1_loc`)."""
    out = {k: v for k, v in data.items() if k not in V1_ONLY}
    out["schema_version"] = 2
    task_id = data.get("task_id")
    task: dict[str, Any] = {}
    if "task_id" in data:
        task["id"] = task_id
    if "checks" in data:
        task["checks"] = data["checks"]
    out["tasks"] = [task]
    base_seed = _base_seed(data)
    repeats = data.get("repeats", 1)
    for group in ("direct", "cascades"):
        results = data.get(group)
        if not isinstance(results, list):
            continue
        out[group] = [_numbered(r, task_id, base_seed, repeats) for r in results]
    most = max((len(r["samples"]) for r in _results(data)), default=0)
    if isinstance(repeats, int) and not isinstance(repeats, bool) and most > repeats:
        out["repeats"] = most  # version 1 did not hold its samples to `repeats`
    return out


def _results(data: dict[str, Any]) -> list[dict[str, Any]]:
    groups = [data.get(group) for group in ("direct", "cascades")]
    return [
        r
        for results in groups
        if isinstance(results, list)
        for r in results
        if isinstance(r, dict) and isinstance(r.get("samples"), list)
    ]


def v1_loc(loc: Loc) -> Loc:
    """Where a version 1 file holds what sits at `loc` in its version 2 form."""
    if loc[:3] == ("tasks", 0, "checks"):
        return ("checks", *loc[3:])
    if loc[:3] == ("tasks", 0, "id") or loc == ("tasks", 0):
        return ("task_id",)
    return loc


def _base_seed(data: dict[str, Any]) -> int | None:
    provenance = data.get("provenance")
    sampling = provenance.get("sampling") if isinstance(provenance, dict) else None
    seed = sampling.get("seed") if isinstance(sampling, dict) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def _numbered(result: Any, task_id: Any, base_seed: int | None, repeats: Any) -> Any:
    if not isinstance(result, dict) or not isinstance(result.get("samples"), list):
        return result
    samples = result["samples"]
    repeat_of = _repeats(samples, base_seed, repeats)
    numbered = []
    for sample, repeat in zip(samples, repeat_of, strict=True):
        if not isinstance(sample, dict):
            numbered.append(sample)
            continue
        sample = {"task": task_id, "repeat": repeat, **sample}
        draft = sample.get("draft")
        if isinstance(draft, dict):
            sample["draft"] = {"task": task_id, "repeat": repeat, **draft}
        numbered.append(sample)
    return {**result, "samples": numbered}


def _repeats(samples: list[Any], base_seed: int | None, repeats: Any) -> list[int]:
    """Each sample's repeat: its seed's offset from the base seed when every seed gives a
    distinct repeat in range (how the runner keyed them), else its place in the list."""
    if base_seed is not None and isinstance(repeats, int):
        seeds = [s.get("seed") if isinstance(s, dict) else None for s in samples]
        offsets = [s - base_seed if isinstance(s, int) else -1 for s in seeds]
        if all(0 <= o < repeats for o in offsets) and len(set(offsets)) == len(offsets):
            return offsets
    return list(range(len(samples)))
