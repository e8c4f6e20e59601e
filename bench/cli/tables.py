"""Terminal tables that fit the terminal without cutting a word: a model's name stays whole.

Rich shrinks a table to the console's width by narrowing its widest columns first, and cuts
what then does not fit (`qwen3:0.6` / `b`, `(10.0s–132.1…`). `fit` gives each column its
longest word at least and shares the rest of the width by what each column would take more;
when the words do not all fit in a frame, the table is drawn without its frame (one space
between columns). Only a table too wide even so has its longest words folded: nothing is
cropped.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text


def fit(table: Table, console: Console) -> Table:
    """`table`, its columns' widths set to fit `console` (see the module's docstring)."""
    columns = table.columns
    least = [_longest_word(c) for c in columns]
    most = [max(low, _widest_line(c)) for low, c in zip(least, columns, strict=True)]
    for column in columns:
        column.overflow = "fold"
    for framed in (True, False):
        if not framed:
            _unframe(table)
        room = console.width - _frame_width(table, console)
        if sum(least) <= room:
            for column, width in zip(columns, _share(least, most, room), strict=True):
                column.width = width
            return table
    return table  # too narrow for its words: rich folds them


def _share(least: list[int], most: list[int], room: int) -> list[int]:
    """Widths from `least` up to `most`: the first column (the names) first, as they read
    best on one line; the room left then shared in proportion to what each other column
    would take more."""
    if sum(most) <= room:
        return most
    first = min(most[0], room - sum(least[1:]))
    spare = room - first - sum(least[1:])
    wants = [m - low for m, low in zip(most[1:], least[1:], strict=True)]
    given = [spare * want // max(1, sum(wants)) for want in wants]
    for n in sorted(range(len(wants)), key=lambda n: given[n] - wants[n])[: spare - sum(given)]:
        given[n] += 1
    return [first, *(low + extra for low, extra in zip(least[1:], given, strict=True))]


def _unframe(table: Table) -> None:
    table.box = box.SIMPLE_HEAD  # the column separator is a space
    table.show_edge = False
    table.padding = (0, 0)


def _frame_width(table: Table, console: Console) -> int:
    """What the table's borders and padding take: its width with every column 1 wide, less 1
    a column."""
    widths = [c.width for c in table.columns]
    for column in table.columns:
        column.width = 1
    framed = console.measure(table, options=console.options.update_width(10**4)).maximum
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    return framed - len(table.columns)


def _longest_word(column: Column) -> int:
    words = [word for cell in _cells(column) for word in cell.split()]
    return max(map(len, words), default=1)


def _widest_line(column: Column) -> int:
    lines = [line for cell in _cells(column) for line in cell.splitlines()]
    return max(map(len, lines), default=1)


def _cells(column: Column) -> list[str]:
    return [_plain(cell) for cell in (column.header, *column.cells)]


def _plain(cell: object) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        return Text.from_markup(cell).plain
    return str(cell)
