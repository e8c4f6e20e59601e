"""A record is read as strictly as the published JSON Schema says, and a bad one is named.

The conformance test feeds the same mutations of the seed record to the exported JSON Schema
(Draft 2020-12, with `jsonschema`) and to the loader, and expects the same verdict from both,
except where a rule is one JSON Schema cannot say: those are listed, each with its reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bench.record.archive import ArchiveError, load_archive, load_record
from bench.record.schema import MAX_SECONDS
from bench.record.strictjson import MAX_DEPTH
from bench.record.upgrade import upgrade_v1
from scripts.export_schema import V1
from tests.support.sitebuild import REPO, SEED_RUN, make_project, mkdocs_build

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

SEED_TEXT = (REPO / "archive" / SEED_RUN / "run.json").read_text(encoding="utf-8")
VALIDATOR = Draft202012Validator(json.loads(V1.read_text(encoding="utf-8")))  # the seed's
NUMBER = "__number__"  # a placeholder for a number token json.dumps cannot write

Edit = Callable[[dict[str, Any]], object]


def _sample(d: dict[str, Any]) -> dict[str, Any]:
    sample: dict[str, Any] = d["direct"][0]["samples"][0]
    return sample


def _set_number(d: dict[str, Any]) -> None:
    d["provenance"]["sampling"]["temperature"] = NUMBER


ACCEPT, REJECT = "accept", "reject"
# Rules only the loader applies, each with why JSON Schema cannot (or does not) say it.
LOADER_ONLY = {
    "score-off-its-checks": "cross-field: a score follows from its checks' weights",
    "finished-before-started": "cross-field: compares two fields",
    "model-twice": "cross-field: tags unique across direct results",
    "pair-of-unknown-model": "cross-field: a pair names direct models",
    "unknown-check-name": "cross-field: a result names a check of the run",
    "time-without-offset": "`format: date-time` is an annotation in Draft 2020-12, not asserted",
    "time-not-a-time": "`format: date-time` is an annotation in Draft 2020-12, not asserted",
    "integral-float-for-integer": "JSON Schema counts 1.0 an integer; the loader wants 1",
    "number-too-large": "1e400 is JSON, read as infinity; JSON Schema has no 'finite' keyword",
    "repeated-key": "JSON Schema sees the parsed object, where the last value won",
    "lone-surrogate": "\\ud800 is no Unicode text; Python's json reads it, pydantic's does not",
}

# name -> (edit of the parsed seed, text to put for NUMBER, verdict of both)
MUTATIONS: dict[str, tuple[Edit, str | None, str]] = {
    "seed": (lambda d: None, None, ACCEPT),
    "integer-for-number": (lambda d: _sample(d)["generation"].update(call_wall_s=50), None, ACCEPT),
    "optional-null": (lambda d: d.update(finished_at=None), None, ACCEPT),
    "plain-candidate-path": (
        lambda d: _sample(d)["evaluation"]["candidate"].update(path="candidates/a/x.py"),
        None,
        ACCEPT,
    ),
    "score-as-string": (lambda d: _sample(d)["evaluation"].update(score="0"), None, REJECT),
    "seed-true": (lambda d: _sample(d).update(seed=True), None, REJECT),
    "seed-fraction": (lambda d: _sample(d).update(seed=1.5), None, REJECT),
    "bool-for-number": (lambda d: _sample(d)["generation"].update(call_wall_s=True), None, REJECT),
    "string-for-bool": (lambda d: d["checks"][0].update(gate="true"), None, REJECT),
    "number-for-string": (lambda d: d.update(host=81), None, REJECT),
    "array-for-object": (lambda d: d.update(provenance=[]), None, REJECT),
    "infinity": (_set_number, "Infinity", REJECT),
    "minus-infinity": (_set_number, "-Infinity", REJECT),
    "nan": (_set_number, "NaN", REJECT),
    "extra-field": (lambda d: d.update(hots="vps-81"), None, REJECT),
    "missing-field": (lambda d: d.pop("title"), None, REJECT),
    "null-for-required": (lambda d: d.update(host=None), None, REJECT),
    "wrong-enum": (
        lambda d: _sample(d)["evaluation"]["checks"][0].update(outcome="maybe"),
        None,
        REJECT,
    ),
    "negative-weight": (lambda d: d["checks"][0].update(weight=-1), None, REJECT),
    "score-over-100": (lambda d: _sample(d)["evaluation"].update(score=101), None, REJECT),
    "empty-title": (lambda d: d.update(title=""), None, REJECT),
    "bad-identifier": (lambda d: d.update(run_id="../up"), None, REJECT),
    "zero-params": (lambda d: d["direct"][0]["model"].update(params_b=0), None, REJECT),
    "no-samples": (lambda d: d["direct"][0].update(samples=[]), None, REJECT),
    "other-schema-version": (lambda d: d.update(schema_version=2), None, REJECT),
    "schema-version-true": (lambda d: d.update(schema_version=True), None, REJECT),
    "time-as-number": (lambda d: d.update(started_at=1776690507), None, REJECT),
    "absurd-wall-time": (
        lambda d: _sample(d)["generation"].update(call_wall_s=1.7e308),  # finite; twice is not
        None,
        REJECT,
    ),
    "absurd-weight": (lambda d: d["checks"][0].update(weight=1e300), None, REJECT),
    "absurd-throughput": (
        lambda d: _sample(d)["generation"].update(throughput_tok_s=1e300),
        None,
        REJECT,
    ),
    "integer-of-5000-digits": (_set_number, "9" * 5000, REJECT),
    "deep-nesting": (
        lambda d: d["provenance"]["legacy"].update(notes=[json.loads("[" * 80 + "]" * 80)]),
        None,
        REJECT,
    ),
    "scheme-candidate-path": (
        lambda d: _sample(d)["evaluation"]["candidate"].update(path="javascript:alert(1)"),
        None,
        REJECT,
    ),
    "absolute-candidate-path": (
        lambda d: _sample(d)["evaluation"]["candidate"].update(path="/etc/passwd"),
        None,
        REJECT,
    ),
    "dotdot-candidate-path": (
        lambda d: _sample(d)["evaluation"]["candidate"].update(path="a/../../x.py"),
        None,
        REJECT,
    ),
    "backslash-candidate-path": (
        lambda d: _sample(d)["evaluation"]["candidate"].update(path="a\\x.py"),
        None,
        REJECT,
    ),
    "empty-segment-candidate-path": (
        lambda d: _sample(d)["evaluation"]["candidate"].update(path="a//x.py"),
        None,
        REJECT,
    ),
    "dot-candidate-path": (
        lambda d: _sample(d)["evaluation"]["candidate"].update(path="./x.py"),
        None,
        REJECT,
    ),
    "control-in-candidate-path": (
        lambda d: _sample(d)["evaluation"]["candidate"].update(path="x\x00.py"),
        None,
        REJECT,
    ),
    # Only the loader rejects these (see LOADER_ONLY).
    "score-off-its-checks": (lambda d: _sample(d)["evaluation"].update(score=60), None, REJECT),
    "finished-before-started": (
        lambda d: d.update(finished_at="2026-04-20T12:00:00Z"),
        None,
        REJECT,
    ),
    "model-twice": (lambda d: d["direct"].append(d["direct"][0]), None, REJECT),
    "pair-of-unknown-model": (lambda d: d["cascades"][0].update(large="x:1b"), None, REJECT),
    "unknown-check-name": (
        lambda d: _sample(d)["evaluation"]["checks"][0].update(name="nope"),
        None,
        REJECT,
    ),
    "time-without-offset": (lambda d: d.update(started_at="2026-04-20T13:08:27"), None, REJECT),
    "time-not-a-time": (lambda d: d.update(started_at="yesterday"), None, REJECT),
    "integral-float-for-integer": (lambda d: d.update(repeats=1.0), None, REJECT),
    "number-too-large": (_set_number, "1e400", REJECT),
    "repeated-key": (lambda d: d.update(host="__repeat__"), None, REJECT),
    "lone-surrogate": (lambda d: d.update(host="__surrogate__"), None, REJECT),
}


def mutated(name: str) -> str:
    edit, number, _ = MUTATIONS[name]
    data = json.loads(SEED_TEXT)
    edit(data)
    text = json.dumps(data, indent=2)
    if number is not None:
        text = text.replace(f'"{NUMBER}"', number)
    text = text.replace('"host": "__surrogate__"', '"host": "vps\\ud800"')
    return text.replace('"host": "__repeat__"', '"host": "vps-81", "host": "vps-82"')


def schema_accepts(text: str) -> bool:
    """The JSON Schema's verdict on a JSON text: NaN and Infinity are not JSON (RFC 8259)."""

    def not_json(token: str) -> float:
        raise ValueError(f"{token} is not JSON")

    try:
        data = json.loads(text, parse_constant=not_json)
    except ValueError:
        return False
    return bool(VALIDATOR.is_valid(data))


def loader_accepts(text: str, folder: Path) -> bool:
    path = folder / "run.json"
    path.write_text(text, encoding="utf-8")
    try:
        load_record(path)
    except ArchiveError:
        return False
    return True


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_schema_and_loader_give_the_same_verdict(name: str, tmp_path: Path) -> None:
    text = mutated(name)
    verdict = MUTATIONS[name][2]
    loader = ACCEPT if loader_accepts(text, tmp_path) else REJECT
    schema = ACCEPT if schema_accepts(text) else REJECT
    assert loader == verdict
    assert schema == (ACCEPT if name in LOADER_ONLY else verdict), LOADER_ONLY.get(name)


def test_every_listed_difference_is_a_mutation() -> None:
    assert set(LOADER_ONLY) <= set(MUTATIONS)


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    path = folder / "run.json"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ArchiveError) as caught:
        load_record(path)
    return [str(p) for p in caught.value.problems]


def test_a_string_score_and_a_boolean_seed_are_named(tmp_path: Path) -> None:
    data = json.loads(SEED_TEXT)
    _sample(data)["evaluation"]["score"] = "0"
    data["direct"][1]["samples"][0]["seed"] = True
    path = write(tmp_path / "r", json.dumps(data))
    assert problems_of(path) == [
        f'{path}: direct[0].samples[0].evaluation.score: expected a valid number, found "0"',
        f"{path}: direct[1].samples[0].seed: expected a valid integer, found true",
    ]


@pytest.mark.parametrize("token", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_a_number_that_is_not_finite_is_named(tmp_path: Path, token: str) -> None:
    text = mutated("infinity").replace("Infinity", token)
    path = write(tmp_path / "r", text)
    (line,) = problems_of(path)
    assert line.startswith(f"{path}: provenance.sampling.temperature: expected a finite number")


def test_a_repeated_key_is_named_with_its_object(tmp_path: Path) -> None:
    text = SEED_TEXT.replace('"score": 0,', '"score": 0, "score": 50,', 1)
    path = write(tmp_path / "r", text)
    assert problems_of(path) == [
        f"{path}: direct[0].samples[0].evaluation: expected each key once in an object, "
        "found 'score' more than once"
    ]


@pytest.mark.parametrize("version", [1, 2])
def test_a_record_read_again_is_the_record_loaded(tmp_path: Path, version: int) -> None:
    data = json.loads(SEED_TEXT)
    text = SEED_TEXT if version == 1 else json.dumps(upgrade_v1(data))
    write(tmp_path / "archive" / SEED_RUN, text)
    [run] = load_archive(tmp_path / "archive")

    assert run.read() == run.read() == run.record


def test_a_record_edited_after_its_load_is_refused_when_read_again(tmp_path: Path) -> None:
    path = write(tmp_path / "archive" / SEED_RUN, SEED_TEXT)
    [run] = load_archive(tmp_path / "archive")
    run.read()
    path.write_text(SEED_TEXT.replace('"score": 0,', '"score": 0, "score": 50,', 1))

    with pytest.raises(ArchiveError, match="the bytes it was loaded with"):
        run.read()


def test_one_bad_sample_is_one_problem_with_no_follow_on(tmp_path: Path) -> None:
    data = json.loads(SEED_TEXT)
    _sample(data)["generation"]["call_wall_s"] = -1
    path = write(tmp_path / "r", json.dumps(data))
    assert problems_of(path) == [
        f"{path}: direct[0].samples[0].generation.call_wall_s: expected greater than or equal "
        "to 0, found -1"
    ]


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 100_000])
def test_deep_nesting_names_the_file_and_hides_no_other(tmp_path: Path, levels: int) -> None:
    archive = tmp_path / "archive"
    data = json.loads(SEED_TEXT)
    notes = "[" * levels + "]" * levels
    text = json.dumps(data).replace('"notes": [', f'"notes": [{notes}, ', 1)
    deep = write(archive / data["benchmark_id"] / "deep", text.replace(data["run_id"], "deep"))
    data.update(run_id="other", host="")
    other = write(archive / data["benchmark_id"] / "other", json.dumps(data))
    with pytest.raises(ArchiveError) as caught:
        load_archive(archive)
    assert [str(p) for p in caught.value.problems] == [
        f"{deep}: (document): expected arrays and objects nested at most {MAX_DEPTH} deep, "
        f"found {levels + 4:,} levels",  # inside the record, provenance, legacy, notes
        f'{other}: host: expected at least 1 character, found ""',
    ]


@pytest.mark.parametrize(
    ("number", "expected", "found"),
    [
        ("Infinity", "a finite number", "Infinity"),
        ("1.7e308", f"less than or equal to {MAX_SECONDS:.0f}", "1.7e+308"),
    ],
)
def test_the_build_names_a_number_the_charts_could_not_draw(
    tmp_path: Path, number: str, expected: str, found: str
) -> None:
    archive = tmp_path / "archive"
    data = json.loads(SEED_TEXT)
    data["run_id"] = "inf"
    _sample(data)["generation"]["call_wall_s"] = NUMBER
    text = json.dumps(data).replace(f'"{NUMBER}"', number)
    write(archive / data["benchmark_id"] / "inf", text)
    result = mkdocs_build(make_project(tmp_path, archive))
    assert result.returncode != 0
    assert "OverflowError" not in result.stderr and "Traceback" not in result.stderr
    assert (
        "prompt-handoff-codegen/inf/run.json: direct[0].samples[0].generation.call_wall_s: "
        f"expected {expected}, found {found}"
    ) in result.stderr


def test_the_validation_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_validate.py"), "--sizes", "10,100"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    rows = result.stdout.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["10", "100"]
    assert rows[1].split()[-1].endswith("x")
