"""A Rich table of many rows, drawn as Rich draws it, in linear time with a small constant.

Rich measures and renders every cell through its general machinery (padding, wrapping, line
splitting, shaping), about a millisecond a row: a 10,000-line bill with its trace took over 20 s.
Nearly every cell of a bill or a trace is plain text, whose lines are its words wrapped by Rich's
own ``divide_line`` and padded to the column. ``LongTable`` draws those directly and hands every
other cell (styled, markup, a tab or a control character, one Rich would crop) to Rich, exactly
as ``Table`` would; column widths come from Rich, from the few rows that decide them.

The result is the same text and styles as ``Table`` gives (tests/compiler/test_long_table.py
compares them). A table Rich would draw with features not handled here, or a short one, is
drawn by Rich itself.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
from collections.abc import Iterable

from rich._wrap import divide_line
from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text

# Below this many rows Rich is fast enough, and drawing with it keeps the common case plain.
THRESHOLD = 200
_TRAILING = re.compile(r"\s+$")  # as rich.text strips it


class _CellText(dict[int, str]):
    """``str.translate`` table: each character as many characters as the cells it takes."""

    def __missing__(self, code: int) -> str:
        if len(self) > 65536:  # bounded, however many distinct characters a claim holds
            self.clear()
        width = get_character_cell_size(chr(code))
        self[code] = text = "" if width == 0 else chr(code) if width == 1 else "  "
        return text


_CELL_TEXT = _CellText()


def _cell_len(text: str) -> int:
    """``rich.cells.cell_len``, a character's width looked up in C: Chinese text is summed per
    character in Python there, and a long bill measures a few million characters."""
    if text.isascii():
        return len(text) if text.isprintable() else cell_len(text)
    if "\u200d" in text or "\ufe0f" in text:  # joiners and emoji selectors: Rich's own rules
        return cell_len(text)
    return len(text.translate(_CELL_TEXT))


def _is_plain(cell: object) -> bool:
    """A ``Text`` with nothing but its characters: no spans, style or overrides of the column's."""
    return (isinstance(cell, Text) and not cell.spans and not cell.style and cell.justify is None
            and cell.overflow is None and cell.no_wrap is None and cell.end == "\n"
            and cell.tab_size is None)


def _plain_lines(text: str, room: int, column: Column) -> list[str] | None:
    """The lines Rich draws plain ``text`` as in ``room`` cells of ``column``, each ``room`` wide.

    ``Text.wrap`` step by step with Rich's own ``divide_line``: words wrapped (folded if the column
    folds), whitespace beyond the width dropped, then justified. ``None`` where Rich would crop or
    add an ellipsis, or for text with tabs, control characters, blank or unusual lines: Rich draws
    those.
    """
    if text.startswith("\n") or text.endswith("\n") or "\n\n" in text:
        return None
    left = column.justify == "left"
    out: list[str] = []
    for line in text.split("\n"):
        if not line.isprintable():
            return None
        if column.no_wrap:
            pieces = [line]
        else:
            # a line that fits has no break (divide_line would find none)
            fold = column.overflow == "fold"
            breaks = [] if _cell_len(line) <= room else divide_line(line, room, fold=fold)
            bounds = [0, *breaks, len(line)]
            pieces = []
            for a, b in itertools.pairwise(bounds):
                piece = line[a:b]
                if len(piece) > room and (gap := _TRAILING.search(piece)):  # Text.rstrip_end
                    piece = piece[:len(piece) - min(len(gap.group(0)), len(piece) - room)]
                pieces.append(piece)
        for piece in pieces:
            if not left:
                piece = piece.rstrip()
            width = _cell_len(piece)
            if width > room:
                return None
            out.append(piece + " " * (room - width) if left else " " * (room - width) + piece)
    return out


def _measure(text: str) -> tuple[int, int]:
    """Rich's measurement of plain text: its longest word and its longest line."""
    lines = text.splitlines()
    longest = max(map(_cell_len, lines)) if lines else 0
    words = text.split()
    return (max(map(_cell_len, words)) if words else longest), longest


class LongTable:
    """``table`` as Rich would draw it; rows beyond ``threshold`` go through the fast path."""

    def __init__(self, table: Table, threshold: int | None = None) -> None:
        self.table = table
        self.threshold = threshold  # None: THRESHOLD when drawn

    def _fast(self) -> bool:
        t = self.table
        threshold = THRESHOLD if self.threshold is None else self.threshold
        return (len(t.rows) >= max(threshold, 1) and t.box is not None and t.show_header and not t.show_edge
                and not t.show_footer and not t.show_lines and not t.leading and t.width is None
                and t.min_width is None and not t.expand and not t.collapse_padding and not t.caption
                and not t.row_styles and not t.highlight and tuple(t.padding)[::2] == (0, 0)
                and bool(t.box.mid_vertical.strip()) and bool(t.box.foot_vertical.strip())
                and all(r.style is None and not r.end_section for r in t.rows)
                and all(not c.style and not c.highlight and c.vertical == "top"
                        and c.justify in ("left", "right") for c in t.columns))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self._fast():
            yield self.table
            return
        t = self.table
        widths = self._widths(console, options)
        if min(w - sum(self._pad(i)) for i, w in enumerate(widths)) < 1:
            yield self.table  # a column with no room: Rich crops everything
            return
        # The title, the header and the rule under it: a table of no rows and the same widths. Its
        # own width is theirs: a table wider than the console (no-wrap columns) is not narrowed
        # again, and the console crops its lines as it crops Rich's. (A set width implies `expand`;
        # with no ratios and no room left there is nothing to spread.)
        head = copy.copy(t)
        head.columns = [dataclasses.replace(c, width=w - sum(self._pad(c._index)), ratio=None, _cells=[])
                        for c, w in zip(t.columns, widths, strict=True)]
        head.rows = []
        head.width = sum(widths) + t._extra_width
        yield head
        yield from self._rows(console, options, widths)

    def _pad(self, index: int) -> tuple[int, int]:
        """A column's (left, right) padding: none at the table's outer edges without ``pad_edge``."""
        t = self.table
        _, right, _, left = t.padding
        if not t.pad_edge:
            left = 0 if index == 0 else left
            right = 0 if index == len(t.columns) - 1 else right
        return left, right

    def _widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        """Rich's column widths, from the rows that reach each column's widest measurement.

        A column's measurement is the largest of its cells' (minimum, maximum), each through
        functions that never decrease, so the rows with the longest word and the longest line of
        each column decide it; a cell that is not plain text is always measured by Rich.
        """
        t = self.table
        keep: set[int] = set()
        for column in t.columns:
            best: list[tuple[int, int]] = [(-1, -1), (-1, -1)]  # (value, row) for minimum, maximum
            for row, cell in enumerate(column._cells):
                if not _is_plain(cell):
                    keep.add(row)
                    continue
                for k, value in enumerate(_measure(cell.plain)):  # type: ignore[union-attr]
                    if value > best[k][0]:
                        best[k] = (value, row)
            keep.update(row for _, row in best if row >= 0)
        rows = sorted(keep)
        proxy = copy.copy(t)
        proxy.columns = [dataclasses.replace(c, _cells=[c._cells[r] for r in rows]) for c in t.columns]
        proxy.rows = [t.rows[r] for r in rows]
        return proxy._calculate_column_widths(console,
                                              options.update_width(options.max_width - t._extra_width))

    def _rows(self, console: Console, options: ConsoleOptions, widths: list[int]) -> Iterable[Segment]:
        """The body rows, as ``Table._render`` lays them out after the header."""
        t = self.table
        render_options = options.update(width=sum(widths) + t._extra_width, highlight=t.highlight,
                                        height=None)
        border = console.get_style(t.style or "") + console.get_style(t.border_style or "")
        assert t.box is not None
        safe = t.safe_box if t.safe_box is not None else console.safe_box
        box = t.box.substitute(render_options, safe=safe)
        mid, foot = Segment(box.mid_vertical, border), Segment(box.foot_vertical, border)
        new_line = Segment.line()
        columns = t.columns
        pads = [self._pad(i) for i in range(len(columns))]
        room = [w - left - right for w, (left, right) in zip(widths, pads, strict=True)]
        blanks = [[Segment(" " * w)] for w in widths]
        plain = not border
        n = len(t.rows)
        for r in range(n):
            last = r == n - 1
            cells: list[list[list[Segment]]] = []
            height = 1
            simple = True  # every cell drawn here, none by Rich
            for i, column in enumerate(columns):
                cell = column._cells[r]
                lines = _plain_lines(cell.plain, room[i], column) if _is_plain(cell) else None
                if lines is None:
                    drawn = self._rich_cell(console, render_options, column, cell, widths[i], r)
                    simple = False
                else:
                    left, right = pads[i]
                    drawn = [[Segment(" " * left + s + " " * right)] for s in lines]
                cells.append(drawn)
                height = max(height, len(drawn))
            for i, drawn in enumerate(cells):
                if len(drawn) < height:
                    cells[i] = drawn + [blanks[i]] * (height - len(drawn))
            divider = foot if last else mid
            for line_no in range(height):
                segments: list[Segment] = []
                for i, drawn in enumerate(cells):
                    if i:
                        segments.append(divider)
                    segments.extend(drawn[line_no])
                if plain and (simple or not any(seg.style or seg.control for seg in segments)):
                    yield Segment("".join([seg.text for seg in segments]))  # unstyled: one segment a line
                else:
                    yield from segments
                yield new_line

    def _rich_cell(self, console: Console, options: ConsoleOptions, column: Column, cell: object,
                   width: int, row: int) -> list[list[Segment]]:
        """One cell drawn by Rich, aligned and shaped as ``Table._render`` does."""
        t = self.table
        left, right = self._pad(column._index)
        cell_options = options.update(width=width, justify=column.justify, no_wrap=column.no_wrap,
                                      overflow=column.overflow, height=None, highlight=column.highlight)
        style = console.get_style(column.style or "") + console.get_style(t.get_row_style(console, row))
        lines = console.render_lines(Padding(cell, (0, right, 0, left)), cell_options,  # type: ignore[arg-type]
                                     style=style)
        return Segment.set_shape(lines, width, len(lines))
