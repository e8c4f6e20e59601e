"""The house: three packages with one concern each, and the imports allowed between them.

`bench.record` is the contract and imports neither of the others; `bench.runner` and
`bench.site` import `bench.record` and never each other; `bench.cli` wires them; only
`bench.site.mkdocs_plugin` imports MkDocs. Every import counts, at module level, inside a
function or under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.sitebuild import REPO

PACKAGE = REPO / "bench"
PACKAGES = ("record", "runner", "site", "cli")
FORBIDDEN = {
    "bench.record": ("bench.runner", "bench.site", "bench.cli", "mkdocs", "rich", "jinja2"),
    "bench.runner": ("bench.site", "bench.cli", "mkdocs", "jinja2"),
    "bench.site": ("bench.runner", "bench.cli", "rich"),
    "bench.cli": ("mkdocs",),
}
MKDOCS_ONLY_IN = "bench.site.mkdocs_plugin"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str) -> set[str]:
    """Every module `source` (the text of `module`) imports, relative imports resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: -node.level]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def crossings(module: str, imports: set[str]) -> list[str]:
    """The imports of `module` that cross a line of the layout."""
    owner = ".".join(module.split(".")[:2])
    bad = [
        name
        for name in sorted(imports)
        for banned in FORBIDDEN.get(owner, ())
        if name == banned or name.startswith(banned + ".")
    ]
    if module != MKDOCS_ONLY_IN:
        bad += [n for n in sorted(imports) if n == "mkdocs" or n.startswith("mkdocs.")]
    return sorted(set(bad))


def modules() -> list[tuple[str, Path]]:
    return [(module_name(p), p) for p in sorted(PACKAGE.rglob("*.py"))]


def test_bench_holds_the_three_packages_and_the_cli_only() -> None:
    loose = sorted(
        p.name
        for p in PACKAGE.iterdir()
        if p.name not in ("__init__.py", "py.typed", "__pycache__", *PACKAGES)
    )
    assert loose == []
    assert all((PACKAGE / name / "__init__.py").is_file() for name in PACKAGES)


@pytest.mark.parametrize(("module", "path"), modules(), ids=lambda x: str(x))
def test_no_module_crosses_the_layout(module: str, path: Path) -> None:
    assert crossings(module, imported(path.read_text(encoding="utf-8"), module)) == []


@pytest.mark.parametrize(
    ("module", "source", "crossing"),
    [
        ("bench.record.analysis", "from bench.site import fmt", "bench.site"),
        ("bench.record.schema", "def f():\n    import bench.runner.store", "bench.runner.store"),
        ("bench.runner.run", "from ..site.report import e", "bench.site.report"),
        ("bench.site.index", "if TYPE_CHECKING:\n    from bench.runner import x", "bench.runner"),
        ("bench.site.report", "from mkdocs.structure.toc import get_toc", "mkdocs.structure.toc"),
        ("bench.cli.run", "import mkdocs", "mkdocs"),
    ],
)
def test_a_crossing_is_caught(module: str, source: str, crossing: str) -> None:
    assert crossing in crossings(module, imported(source, module))


def test_the_plugin_may_import_mkdocs() -> None:
    source = "from mkdocs.plugins import BasePlugin\nfrom bench.record.archive import load_archive"
    assert crossings(MKDOCS_ONLY_IN, imported(source, MKDOCS_ONLY_IN)) == []
