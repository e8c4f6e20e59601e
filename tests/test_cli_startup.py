"""`bench` starts at once: `--help` and `--version` cost little CPU, because a subcommand
imports what it needs only when it runs (under load, a CLI that imports everything up front
took 10-20 s to print its version)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest

from tests.support.runs import REPO

pytestmark = pytest.mark.slow  # builds sites or runs servers: not in `scripts/test --fast`

CPU_BOUND_S = 0.3
# What `bench` must not import before a subcommand runs: each costs tens to hundreds of ms.
HEAVY = (
    "scipy",
    "numpy",
    "altair",
    "pydantic",
    "httpx",
    "rich",
    "jinja2",
    "mkdocs",
    "vl_convert",
    "ruamel",
    "bench.record",
    "bench.runner",
    "bench.site",
)


def _child_cpu_s(*args: str) -> float:
    """The CPU time (user + system) of `python -m bench.cli ARGS`, from this process's
    children's usage before and after it: CPU, not wall, so a loaded machine does not count."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "bench.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_bench_answers_version_and_help_in_little_cpu(flag: str) -> None:
    # The least of three: a page fault storm or a cold disk cache once is not the CLI's cost.
    spent = min(_child_cpu_s(flag) for _ in range(3))

    assert spent < CPU_BOUND_S, f"bench {flag} took {spent:.2f} s of CPU"


def test_the_cli_imports_no_heavy_module_before_a_subcommand_runs() -> None:
    script = (
        "import json, sys\n"
        "import bench.cli\n"
        "bench.cli.build_parser()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(done.stdout)

    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []


def test_a_subcommand_still_gets_what_it_needs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.cli", "validate", "archive"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "valid in archive" in done.stdout
