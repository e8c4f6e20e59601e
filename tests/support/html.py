"""A built page's tables as a browser reads them: with the end tags a page may leave out.

Built pages leave out the end tags of table cells and rows that the next tag implies
(`bench.site.minify.omit_end_tags`); a browser closes those elements where HTML says they end.
`html.parser` does not, so a test that reads cells puts the end tags back first, by those rules
(tests/test_minify.py checks in Chromium that the page is the same document either way).
"""

from __future__ import annotations

import re

_TAG = re.compile(
    r"<(pre|script|style|textarea)\b.*?</\1\s*>|<(/?)(td|th|tr|tbody|thead|tfoot|table)\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_CELLS = ("td", "th")
_PARTS = ("tbody", "thead", "tfoot")
# What a tag closes when it comes while one of these is open: HTML's table parsing rules.
_CLOSES = {
    ("", "td"): _CELLS,
    ("", "th"): _CELLS,
    ("", "tr"): (*_CELLS, "tr"),
    **{("", part): (*_CELLS, "tr", *_PARTS) for part in _PARTS},
    ("/", "tr"): _CELLS,
    **{("/", part): (*_CELLS, "tr") for part in _PARTS},
    ("/", "table"): (*_CELLS, "tr", *_PARTS),
}


def with_end_tags(html: str) -> str:
    """`html` with every table cell's and row's end tag written out, where a browser ends it."""
    out: list[str] = []
    open_elements: list[str] = []
    at = 0
    for found in _TAG.finditer(html):
        if found[1]:  # text that is content: no tag inside it is one
            continue
        slash, name = found[2], found[3].lower()
        implied = []
        while open_elements and open_elements[-1] in _CLOSES.get((slash, name), ()):
            implied.append(open_elements.pop())
        out += [html[at : found.start()], *(f"</{tag}>" for tag in implied), found[0]]
        at = found.end()
        if not slash:
            open_elements.append(name)
        elif open_elements and open_elements[-1] == name:
            open_elements.pop()
    out.append(html[at:])
    return "".join(out)
