"""Text measured in terminal cells: padding, clipping, wrapping and plain-text columns.

A Chinese character takes two cells in a terminal or a monospaced font, so ``str.ljust``
and ``len`` misalign any column holding one. Every plain-text table and letter (the
explainer's letter, a policy test's failure, a diff's summary) pads, clips and wraps
through this one module, which measures with ``rich.cells.cell_len``. It lives in
``compiler/`` so that the compiler's writers and the explainer (``tui/``) share it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

__all__ = ["cell_len", "clip", "clip_middle", "columns", "hang", "pad", "pad_left", "wrap"]


def pad(text: str, width: int) -> str:
    """Pad to ``width`` cells on the right (left-aligned): columns of Chinese and Latin text line up."""
    return text + " " * max(width - cell_len(text), 0)


def pad_left(text: str, width: int) -> str:
    """Pad to ``width`` cells on the left (right-aligned): figures in a column."""
    return " " * max(width - cell_len(text), 0) + text


def clip(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` terminal cells (Chinese characters take two), with an ellipsis."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)).rstrip() + "…"


def clip_middle(title: str, width: int) -> str:
    """Cut a step title to ``width`` cells keeping its end (``band 2``, ``deductible``), which
    tells steps of one layer apart: ``critical-illness insur… · band 2``."""
    if cell_len(title) <= width:
        return title
    head, sep, tail = title.rpartition(" · ")
    if sep and cell_len(sep + tail) + 4 <= width:
        return clip(head, width - cell_len(sep + tail)) + sep + tail
    return clip(title, width)


def columns(rows: Sequence[Sequence[str]], indent: int = 0) -> list[str]:
    """Rows as text columns two spaces apart: the first left-aligned, the others right-aligned."""
    widths = [max(cell_len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [pad(r[0], widths[0])] + [pad_left(c, w) for c, w in zip(r[1:], widths[1:], strict=True)]
        out.append(" " * indent + "  ".join(cells).rstrip())
    return out


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of at most ``width`` cells: at spaces, or between Chinese characters."""
    lines: list[str] = []
    line, cells = "", 0
    for token in _tokens(text):
        size = cell_len(token)
        if token.isspace():
            if line:
                line, cells = line + token, cells + size
            continue
        if cells + size > width and line.strip():
            lines.append(line.rstrip())
            line, cells = "", 0
        while size > width:  # a single word longer than the line
            lines.append(set_cell_size(token, width))
            token = token[len(set_cell_size(token, width).rstrip()):]
            size = cell_len(token)
        line, cells = line + token, cells + size
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def hang(label: str, text: str, indent: int, width: int) -> list[str]:
    """``label`` then ``text`` wrapped, with continuation lines under the text."""
    body = wrap(text, max(width - indent - cell_len(label), 20))
    lead = " " * (indent + cell_len(label))
    return [" " * indent + label + body[0], *(lead + b for b in body[1:])]


_WIDE = r"\u2e80-\u9fff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(rf"[{_WIDE}]|[^\s{_WIDE}]+|\s+")
_CLOSING = set("，。、；：？！）》」』】〉,.;:?!)]")  # never starts a line
_OPENING = set("（《「『【〈([")  # never ends a line


def _tokens(text: str) -> list[str]:
    """Words and single Chinese characters, with punctuation kept on the right side of a break."""
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if out and not out[-1].isspace() and not tok.isspace() and (
                tok[0] in _CLOSING or out[-1][-1] in _OPENING):
            out[-1] += tok
        else:
            out.append(tok)
    return out
