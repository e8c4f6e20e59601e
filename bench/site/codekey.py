"""The code that makes a page, as a digest: its modules with every module of this package they
import, and its templates with every template they extend, include or import.

A cached page is keyed by what makes it (`bench.site.pagecache`): its inputs and this digest.
So an edit of a runner module, or of another page kind's module or template, renders no page
again; an edit of `bench.record.analysis`, which every report reads, renders every report.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # bench/
TEMPLATES = Path(__file__).resolve().parent / "templates"


class CodeKeys:
    """Digests of code, each module and template read once: one of these a build."""

    def __init__(self, package: Path = PACKAGE, templates: Path = TEMPLATES) -> None:
        self.package = package
        self.templates = templates
        self._imports: dict[str, tuple[str, ...]] = {}
        self._uses: dict[str, tuple[str, ...]] = {}
        self._sources: dict[str, bytes | None] = {}  # module -> its bytes, None if not ours

    def digest(
        self, modules: Iterable[str], templates: Iterable[str] = (), *, imports: bool = True
    ) -> str:
        """SHA-256 of the bytes of `modules` (dotted names) and `templates` (names under our
        templates folder), each with all it imports (`imports`: the modules', else only their
        own bytes), in a stable order."""
        digest = hashlib.sha256()
        ours = {m for m in modules if self._source(m) is not None}
        found = self.modules(modules) if imports else ours
        for path in sorted(found):
            digest.update(f"{path}\0".encode() + (self._source(path) or b"") + b"\0")
        for name in sorted(self.templates_of(templates)):
            digest.update(f"{name}\0".encode() + (self.templates / name).read_bytes() + b"\0")
        return digest.hexdigest()

    def modules(self, names: Iterable[str]) -> set[str]:
        """`names` and every module of this package they import, directly or not."""
        found: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name not in found and self._source(name) is not None:
                found.add(name)
                todo += self._imported(name)
        return found

    def templates_of(self, names: Iterable[str]) -> set[str]:
        """`names` and every template of ours they extend, include or import."""
        found: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name not in found and (self.templates / name).is_file():
                found.add(name)
                todo += self._used(name)
        return found

    def _file(self, module: str) -> Path:
        parts = module.split(".")
        if parts[0] != self.package.name:
            return self.package / "\0"  # not ours: never a file
        folder = self.package.joinpath(*parts[1:])
        return folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")

    def _source(self, module: str) -> bytes | None:
        """The bytes of a module of this package, read once a build; None for any other."""
        if module not in self._sources:
            path = self._file(module)
            self._sources[module] = path.read_bytes() if path.is_file() else None
        return self._sources[module]

    def _imported(self, module: str) -> tuple[str, ...]:
        found = self._imports.get(module)
        if found is None:
            source = (self._source(module) or b"").decode("utf-8")
            found = self._imports[module] = imported(source)
        return found

    def _used(self, template: str) -> tuple[str, ...]:
        found = self._uses.get(template)
        if found is None:
            source = (self.templates / template).read_text("utf-8")
            found = self._uses[template] = referenced(source)
        return found


_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)|import[ \t]+([^\n#]*))",
    re.M,
)
_TYPING_BLOCK = re.compile(
    r"^([ \t]*)if[ \t]+(?:typing\.)?TYPE_CHECKING[ \t]*:[^\n]*\n((?:\1[ \t]+[^\n]*\n|[ \t]*\n)*)",
    re.M,
)


_REFERENCE = re.compile(
    r"""\{%[-+]?\s*(?:extends|include|import|from)\s+(\[[^\]]*\]|"[^"]*"|'[^']*')"""
)
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_NAME = re.compile(r""""([^"]*)"|'([^']*)'""")


def referenced(source: str) -> tuple[str, ...]:
    """The templates a Jinja template's `source` extends, includes or imports by name, read
    from its text (~50x quicker than parsing it): what `jinja2.meta.find_referenced_templates`
    finds (a tag that only looks like a reference counts too: a key then holds more than it
    needs)."""
    names: list[str] = []
    for found in _REFERENCE.finditer(_COMMENT.sub("", source)):
        names += [a or b for a, b in _NAME.findall(found.group(1))]
    return tuple(names)


def imported(source: str) -> tuple[str, ...]:
    """The modules (and `module.name`s, which may be modules) that Python `source` imports,
    but for typing only (under `if TYPE_CHECKING:`): read from its text, which is ~10x
    quicker than parsing it; a line that only looks like an import counts too (safe: a key
    then holds more code than it needs)."""
    typing_only = [m.span(2) for m in _TYPING_BLOCK.finditer(source)]
    names: list[str] = []
    for found in _IMPORT.finditer(source):
        if any(start <= found.start() < end for start, end in typing_only):
            continue
        module, names_from, plain = found.groups()
        if module is not None:
            names.append(module)
            for name in re.split(r"[\s,()]+", names_from):
                if name and name != "as" and not name.startswith("\\"):
                    names.append(f"{module}.{name}")
        else:
            names += [part.split()[0] for part in plain.split(",") if part.strip()]
    return tuple(names)
