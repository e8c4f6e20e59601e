"""What a well-kept project carries: a licence that matches its metadata, a changelog entry
for the version it installs as, the version in one place, a README whose commands and configs
work, a test command that says what it installs and that it is still at it."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import bench
from bench.runner.config import parse_config
from tests.support.sitebuild import REPO, make_project


def test_the_licence_file_is_the_one_the_package_declares() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = (REPO / project["license"]["file"]).read_text(encoding="utf-8")

    assert licence.startswith("MIT License\n")
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]


def test_the_version_lives_in_pyproject_only_and_the_changelog_has_it() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")

    assert bench.__version__ == importlib.metadata.version("bench-archive") == project["version"]
    newest = re.search(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, re.M)
    assert newest is not None and newest.group(1) == project["version"]
    literal = re.compile(rf"['\"]{re.escape(project['version'])}['\"]")
    assert not [p for p in (REPO / "bench").rglob("*.py") if literal.search(p.read_text("utf-8"))]


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_starts_with_the_two_commands_ci_runs() -> None:
    install, test = _readme_commands()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")

    assert install in ci.splitlines()
    assert test == "scripts/test" and "scripts/test" in ci
    assert "NO_MKDOCS_2_WARNING=1" in install  # no end-of-life banner on the user's first build


@pytest.mark.slow  # a second real build: the fast set keeps one
def test_the_readme_build_prints_no_end_of_life_banner(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    install, _ = _readme_commands()
    build = install.split("&&")[-1].strip()  # NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build
    env_assignment, command = build.split(" ", 1)
    name, value = env_assignment.split("=", 1)
    mkdocs = Path(sys.executable).with_name("mkdocs")
    plain = {k: v for k, v in os.environ.items() if k != name}

    def build_with(env: dict[str, str]) -> str:
        argv = [str(mkdocs), *command.split()[1:]]
        done = subprocess.run(
            argv, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    assert "end of life" in build_with(plain)  # what the README's setting silences
    assert "end of life" not in build_with(plain | {name: value})


# -- the README ------------------------------------------------------------------------------------


def test_the_readme_configs_are_valid_configs(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    configs = [block for block in blocks if "benchmark:" in block]
    backends = set()
    for block in configs:
        config = parse_config(block, tmp_path / "my-models.yaml").config
        backends |= {model.backend for model in config.models}
    assert backends == {"ollama", "openai", "llama-inprocess"}


def test_the_readme_installs_the_llama_extra_as_scripts_test_does() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    script = (REPO / "scripts" / "test").read_text(encoding="utf-8")
    flags = re.search(r'CMAKE_ARGS="\$\{CMAKE_ARGS:-(.*?)\}"', script)

    assert flags is not None
    install = f'CMAKE_ARGS="{flags[1]}" .venv/bin/pip install -e ".[llama]"'
    assert install in readme
    assert 'pip install -e ".[llama]"' not in readme.replace(install, "")


# -- scripts/test ----------------------------------------------------------------------------------


def _fake_project(tmp_path: Path, llama_status: int) -> tuple[Path, Path, dict[str, str]]:
    """A copy of scripts/test beside a fake .venv whose pip installs the llama extra once the
    script's heartbeat has spoken (or 30 s have passed), then exits `llama_status`, and whose
    ruff exits 7."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "test", project / "scripts" / "test")
    out = tmp_path / "out.txt"
    bin_ = project / ".venv" / "bin"
    bin_.mkdir(parents=True)
    tools = tmp_path / "tools"
    tools.mkdir()
    scripts = {
        bin_ / "python": f"""case "$*" in
  *llama*) for _ in $(seq 600); do grep -q "still installing" "{out}" && break; sleep 0.05; done
    exit {llama_status};;
esac""",
        bin_ / "ruff": "exit 7",
        tools / "chromium": "exit 0",
    }
    for path, body in scripts.items():
        path.write_text(f"#!/usr/bin/env bash\n{body}\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "BENCH_HEARTBEAT_S": "0.2", "PATH": f"{tools}:{os.environ['PATH']}"}
    return project, out, env


@pytest.mark.parametrize("llama_status", [0, 3], ids=["installed", "failed"])
def test_scripts_test_says_what_it_installs_and_that_it_is_still_at_it(
    tmp_path: Path, llama_status: int
) -> None:
    project, out, env = _fake_project(tmp_path, llama_status)

    with out.open("w") as stdout:
        done = subprocess.run(
            [str(project / "scripts" / "test")], stdout=stdout, env=env, timeout=120, check=False
        )

    said = out.read_text(encoding="utf-8")
    assert "llama.cpp compiles from source the first time, about 25-50 min on 2 cores" in said
    assert re.search(r"still installing the llama extra: 0 min \d+ s", said)
    assert f"pip exited with status {llama_status} after" in said
    # A failed install stops the script with pip's status; else it goes on, to ruff (exit 7).
    assert done.returncode == (llama_status or 7)


def test_scripts_test_fast_installs_no_extra_and_runs_the_tests_not_marked_slow(
    tmp_path: Path,
) -> None:
    project, out, env = _fake_project(tmp_path, 0)
    bin_ = project / ".venv" / "bin"
    called = tmp_path / "called.txt"
    for tool in ("ruff", "mypy", "python"):
        (bin_ / tool).write_text(
            f'#!/usr/bin/env bash\necho "{tool} $*" >> "{called}"\n', encoding="utf-8"
        )
        (bin_ / tool).chmod(0o755)

    with out.open("w") as stdout:
        done = subprocess.run(
            [str(project / "scripts" / "test"), "--fast", "-x"],
            stdout=stdout,
            env=env,
            timeout=60,
            check=False,
        )

    assert done.returncode == 0
    assert "llama" not in out.read_text(encoding="utf-8")
    calls = called.read_text(encoding="utf-8").splitlines()
    assert not any("llama" in call for call in calls)
    assert calls[-4:] == [
        "ruff check .",
        "ruff format --check .",
        "mypy ",
        "python -m pytest -m not slow -x",
    ]
