"""The build's Jinja environment for page bodies: one per build, autoescaping.

Page bodies are templates under `templates/bench/`, looked up along the theme's search path
(the user's `custom_dir` first, the theme, then ours), so a user's file of the same name wins.
Every value from a record reaches the HTML through autoescape, or escaped by the filter that
marks it safe: `breakable` (escaped, then `<wbr>` added), `highlighted` (Pygments escapes),
`spec_data` (JSON for a <script>, its `<`, `>` and `&` written as \\u escapes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
)
from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from bench.record.safety import printable
from bench.site import fmt

if TYPE_CHECKING:
    from bench.site.charts.model import Drawable

TEMPLATES_DIR = Path(__file__).parent / "templates"
"""Our templates' folder: `bench/<kind>.html` to override, `bench/base/<kind>.html` to extend."""


def bytecode_cache() -> FileSystemBytecodeCache:
    """Jinja's cache of compiled templates, in its default place: a folder of the system's
    temporary folder that only this user owns and may write (Jinja refuses any other)."""
    return FileSystemBytecodeCache()


def environment(search_path: Iterable[str | Path] = (TEMPLATES_DIR,)) -> Environment:
    """A Jinja environment that finds templates along `search_path`, first match wins."""
    env = Environment(
        loader=FileSystemLoader([str(p) for p in search_path]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        auto_reload=False,
        finalize=_shown,
        bytecode_cache=bytecode_cache(),
    )
    env.filters["breakable"] = breakable
    env.filters["drawn_size"] = drawn_size
    env.filters["highlighted"] = highlighted
    env.filters["seconds"] = fmt.seconds
    env.filters["spec_data"] = spec_data
    env.filters["tok_s"] = fmt.tok_s
    return env


def spec_data(chart: Drawable) -> Markup:
    """`bench.site.charts.specs.spec_data_json`, imported when a page shows its first chart
    (see `drawn_size`)."""
    from bench.site.charts.specs import spec_data_json

    return spec_data_json(chart)


def drawn_size(chart: Drawable) -> tuple[int, int] | None:
    """`bench.site.charts.model.drawn_size`, imported when a page shows its first chart: the
    charts' code imports the record's analysis and statistics (~0.3 s), which a build with
    nothing changed never needs."""
    from bench.site.charts.model import drawn_size as of_chart

    return of_chart(chart)


_BREAK_AFTER = re.compile(r"([:/_.\-])(?=\w)")
_LONG_WORD = re.compile(r"\S{13,}")


def breakable(text: str) -> Markup:
    """`text` escaped, with a line-break opportunity (`<wbr>`) after `:`, `/`, `_`, `.` and
    `-` in words too long for a narrow card (a model tag): they wrap there, not mid-word."""
    escaped = str(escape(printable(text)))
    return Markup(_LONG_WORD.sub(lambda m: _BREAK_AFTER.sub(r"\1<wbr>", m.group()), escaped))


def highlighted(code: str) -> Markup:
    """Python source as highlighted HTML (Pygments, the highlighter MkDocs' Markdown uses;
    Material styles its `highlight` classes). Pygments escapes every character of the source;
    control characters are shown as `\\x00` first, as everywhere else."""
    formatter = HtmlFormatter(cssclass="highlight", wrapcode=True)
    return Markup(highlight(printable(code), PythonLexer(), formatter))


def _shown(value: object) -> object:
    """What a `{{ … }}` prints: control characters made visible (`\\x00`), then escaped."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value
