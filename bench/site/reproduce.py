"""A run page's Reproduce section: the config as YAML, the commands, every identity a rerun
is checked against (issue 26)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from ruamel.yaml import YAML

from bench.record.reproduce import Reproduction
from bench.record.schema import RunRecord
from bench.record.setup import context_of, difference_text, harness_version, truncated_count
from bench.site import fmt, sure

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Reproduce:
    """What the Reproduce section shows, as text."""

    config_yaml: str | None  # None: a record made before its setup was recorded
    commands: tuple[str, ...]
    identities: tuple[tuple[str, str], ...]
    truncated: str | None  # how many calls were truncated, when any


def config_yaml(record: RunRecord) -> str | None:
    """The run's config as YAML, as `bench reproduce` runs it; None when not recorded."""
    if record.setup is None or record.setup.config is None:
        return None
    text = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.dump(record.setup.config, text)
    return text.getvalue()


def reproduce_section(record: RunRecord) -> Reproduce:
    recorded = config_yaml(record) is not None
    commands: tuple[str, ...] = (f"bench reproduce {record.run_id}",) if recorded else ()
    commands += ("bench run config.yaml",)
    count = truncated_count(record)
    truncated = None
    if count:
        calls = "call was" if count == 1 else "calls were"
        truncated = (
            f"{count:,} {calls} truncated: the prompt did not fit the context in "
            "effect. They are the setup's failure, kept out of every score as missing data."
        )
    return Reproduce(config_yaml(record), commands, tuple(identities(record)), truncated)


def identities(record: RunRecord) -> list[tuple[str, str]]:
    """Every identity a rerun is checked against: the harness, the suite, each model's setup."""
    setup = record.setup
    found = [
        ("Harness", harness_version(record) or NOT_RECORDED),
        ("Suite", setup.suite_sha256 if setup and setup.suite_sha256 else NOT_RECORDED),
        ("Prompts", setup.prompts_sha256 if setup and setup.prompts_sha256 else NOT_RECORDED),
    ]
    for result in record.direct:
        m = result.model
        served = setup.model(m.tag) if setup is not None else None
        context = context_of(record, m.tag)
        said = [
            ("digest", m.digest),
            ("quantization", m.quantization),
            ("chat template", served.chat_template_sha256 if served else None),
            ("context", f"{context} tokens" if context is not None else None),
            ("server", " ".join(filter(None, (m.backend, m.server_version))) or None),
        ]
        if served is not None and served.server_settings:
            settings = ", ".join(f"{k}={v}" for k, v in sorted(served.server_settings.items()))
            said.append(("server settings", settings))
        text = "; ".join(f"{name} {value if value else NOT_RECORDED}" for name, value in said)
        found.append((f"Model {m.tag}", text))
    return found


def reproduction_lines(found: Reproduction) -> tuple[str, ...]:
    """The verdict first (`Reproduced: ...` or `Not reproduced: ...`), then one line per model:
    `Mid 3B: 64.2 in B; A: 61.5 (mean of 12 tasks, 95% CI 50 to 72): within`."""
    if found.reproduced:
        hosts = [d for d in found.differences if d.aspect == "host"]
        where = f" on another host ({hosts[0].a} in A, {hosts[0].b} in B)" if hosts else ""
        head = (
            f"Reproduced{where}: {found.new_run} scores within {found.original_run}'s 95% "
            "intervals, paired on the same tasks and repeats, under the same setup."
        )
    else:
        why = [m.name for m in found.models if not m.within]
        reasons = []
        if why:
            reasons.append(f"{', '.join(why)} outside the original's interval (or not measured)")
        if found.setup_differs:
            reasons.append(
                "the setups differ: " + "; ".join(difference_text(d) for d in found.setup_differs)
            )
        if not found.models:
            reasons.append("no model of the original was run again")
        head = f"Not reproduced: {'; and '.join(reasons)}."
    lines = [head]
    for m in found.models:
        if m.original is None or m.new_pts is None:
            lines.append(f"{m.name}: no sample of the same task and repeat in both runs")
            continue
        verdict = "within" if m.within else "outside"
        lines.append(
            f"{m.name}: {fmt.score(m.new_pts)} in {found.new_run}; {found.original_run}: "
            f"{sure.estimate(m.original)}: {verdict}"
        )
    return tuple(lines)
