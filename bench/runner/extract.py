"""Get the Python source out of a model's reply.

A reply may hold reasoning (`<think>...</think>`, as qwen3 and deepseek-r1 emit), prose, one or
more fenced blocks (``` or ~~~, tagged or not, the last one perhaps cut off), or bare code.
Only the text is parsed here, never run: what comes out is judged by the task's compile gate.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

__all__ = ["extract_code", "strip_reasoning"]

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_PYTHON_TAG = re.compile(r"^(python|py)[\d.]*$")  # python, py, python3, python3.11
_CODE_START = re.compile(
    r"^(#!|# -\*-|from\s+[\w.]+\s+import\s|import\s+\w|def\s+\w|async\s+def\s|class\s+\w|@\w"
    r'|"""|\'\'\'|if\s+__name__\s*==)'
)
_MAX_TRAILING_LINES_DROPPED = 40


@dataclass(frozen=True)
class _Block:
    language: str  # first word of the info string, lower case; "" when untagged
    text: str


def extract_code(reply: str) -> str:
    """The Python source in `reply`; "" when there is none.

    Fenced blocks win over the text around them: the largest block tagged Python, else the
    largest untagged block that parses, else the largest untagged block (a cut-off or broken
    script, which the compile gate then judges). Blocks of other languages (json, bash...) are
    never taken.
    Without a usable block, the reply itself when it parses, else the code from its first
    code-like line (an import, a def, a class...), less trailing prose; "" when no line looks
    like code, so that a reply of prose alone does not pass the compile gate.
    """
    text = strip_reasoning(reply)
    block = _choose(_fenced_blocks(text))
    if block is not None:
        return _ending_in_newline(block.text)
    return _bare_code(text)


def strip_reasoning(reply: str) -> str:
    """`reply` without its reasoning blocks.

    A `<think>` never closed (the reply was cut off while reasoning) drops the rest; a lone
    `</think>` (the template opened the block) drops everything before it.
    """
    text = _THINK_BLOCK.sub("", reply)
    opened = _THINK_OPEN.search(text)
    if opened:
        text = text[: opened.start()]
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    return text


def _fenced_blocks(text: str) -> list[_Block]:
    lines = text.splitlines()
    blocks: list[_Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        while index < len(lines) and not closing.match(lines[index]):
            body.append(_dedent(lines[index], indent))
            index += 1
        index += 1  # past the closing fence (or the end of a cut-off reply)
        blocks.append(_Block(_language(opening["info"]), "\n".join(body)))
    return blocks


def _language(info: str) -> str:
    words = info.strip().strip("{}").lstrip(".").split()
    return words[0].lower().lstrip(".") if words else ""


def _dedent(line: str, indent: int) -> str:
    prefix = len(line) - len(line.lstrip(" \t"))
    return line[min(prefix, indent) :]


def _choose(blocks: list[_Block]) -> _Block | None:
    filled = [b for b in blocks if b.text.strip()]
    untagged = [b for b in filled if not b.language]
    for group in (
        [b for b in filled if _PYTHON_TAG.match(b.language)],
        [b for b in untagged if _parses(b.text)],
        untagged,
    ):
        if group:
            return max(group, key=lambda b: len(b.text.strip()))
    return None


def _bare_code(text: str) -> str:
    """The code of an unfenced reply; "" when no line looks like the start of a script."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return ""
    if _parses(text):
        return _ending_in_newline(text.strip("\n"))
    code = lines[start:]
    for end in range(len(code), max(len(code) - _MAX_TRAILING_LINES_DROPPED, 0), -1):
        if code[end - 1].strip() and _parses("\n".join(code[:end])):
            return _ending_in_newline("\n".join(code[:end]))
    return _ending_in_newline("\n".join(code).strip("\n"))


def _parses(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<reply>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _ending_in_newline(text: str) -> str:
    return text.rstrip() + "\n" if text.strip() else ""
