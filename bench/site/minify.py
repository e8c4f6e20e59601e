"""Built pages without their template's indentation (~10 % of a run page's bytes), and the
site's script without its comments and indentation."""

from __future__ import annotations

import re

# An element whose whitespace is content, kept whole; elsewhere a line break and the
# indentation (and blank lines) after it, which HTML renders as one space, as a line break does.
_KEPT = re.compile(r"<(pre|textarea|script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_INDENT = re.compile(r"\n[ \t\r\n]+")


def strip_indentation(html: str) -> str:
    """`html` with every line break's trailing blanks removed, outside <pre>, <textarea>,
    <script> and <style>; what a browser shows does not change. (Indentation is whitespace
    and an element starts with `<`: the two never overlap, so each is found on its own, and
    the indentation is replaced by a pattern without a Python call per match.)"""
    parts: list[str] = []
    start = 0
    for kept in _KEPT.finditer(html):
        parts += (_INDENT.sub("\n", html[start : kept.start()]), kept[0])
        start = kept.end()
    parts.append(_INDENT.sub("\n", html[start:]))
    return "".join(parts)


# A string literal, kept whole, or a block comment. The script has neither line comments,
# regular expression literals nor template literals: `strip_script` refuses one that has.
_STRING_OR_COMMENT = re.compile(r""""(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|/\*.*?\*/""", re.DOTALL)
_UNSUPPORTED = re.compile(r"`|//|[(=,:!&|?]\s*/[^*/]")


def strip_script(source: str) -> str:
    """`source`, a script of ours, without block comments, indentation or blank lines: what
    it does does not change (each statement keeps its line)."""
    if found := _UNSUPPORTED.search(_STRING_OR_COMMENT.sub('""', source)):
        raise ValueError(f"strip_script: a template, regular expression or // comment: {found[0]}")
    bare = _STRING_OR_COMMENT.sub(lambda m: "" if m[0].startswith("/*") else m[0], source)
    return "".join(line.strip() + "\n" for line in bare.splitlines() if line.strip())
