"""Built pages without their template's indentation (~10 % of a run page's bytes) nor the end
tags of table cells and rows that HTML lets a page leave out (~7 %), and the site's script
without its comments and indentation."""

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


# An element whose text is content, kept whole; else an end tag HTML lets a page leave out
# because the tag right after it closes the element anyway: a cell's (`</td>`, `</th>`) before
# the next cell, row or the end of its row or table part, a row's (`</tr>`) before the next row
# or the end of its table part (HTML's "optional tags", which the Nu checker accepts).
_KEPT_OR_END_TAG = re.compile(
    r"(<(pre|textarea|script|style)\b.*?</\2\s*>)"
    r"|</tr>(?=<tr[\s>]|</t(?:body|head|foot)>|</table>)"
    r"|</t[dh]>(?=<t[dh][\s>]|<tr[\s>]|</tr>|</t(?:body|head|foot)>|</table>)",
    re.DOTALL | re.IGNORECASE,
)


def omit_end_tags(html: str) -> str:
    """`html` without the end tags of table cells and rows that the next tag implies, outside
    <pre>, <textarea>, <script> and <style>: a browser builds the same document from it."""
    return _KEPT_OR_END_TAG.sub(lambda m: m.group(1) or "", html)


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
