"""The blocks of a rendered document laid out as plain text: the ``text`` letter's filters.

The text template (``templates/letter.txt.j2``) walks the same ``Document`` as the Markdown
and HTML ones; these filters turn its blocks into lines of at most ``width`` terminal cells
(``text_width``: a Chinese character is two cells), so columns line up in a monospaced font.
Text is not markup: nothing is escaped, but a value's line breaks become spaces and control
characters are dropped, so a policy string can neither break the layout nor drive a terminal.
"""

from __future__ import annotations

import re
from typing import Any

from .render_model import Block, Item, Table
from .text_width import cell_len, hang, pad, pad_left, wrap

__all__ = ["FILTERS", "LETTER_WIDTH", "plain", "strip_controls"]

LETTER_WIDTH = 88  # cells: a printed A4 page in a monospaced font
_GAP = "  "  # between table columns
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but the tab and the line feed


def strip_controls(value: Any) -> str:
    """The environment's ``finalize``: what the template writes, less control characters."""
    return "" if value is None else _CONTROL.sub("", str(value).replace("\t", " "))


def plain(value: Any) -> str:
    """One value on one line: every line break a space, no control characters."""
    if value is None:
        return ""
    return " ".join(strip_controls(" ".join(str(value).splitlines())).split())


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lead(item: Item, colon: str) -> str:
    return f"{_cap(plain(item.lead))}{colon}" if item.lead else ""


def underline(title: Any, char: str = "-") -> str:
    """A heading over a rule of its own width in cells."""
    text = plain(title)
    return f"{text}\n{char * cell_len(text)}"


def paragraph(text: Any, width: int, lead: str = "", indent: int = 0) -> str:
    """Wrapped text, continuation lines under the text (not under ``lead``)."""
    return "\n".join(hang(lead, plain(text), indent, width))


def _facts(entries: list[Item], colon: str, width: int) -> list[str]:
    """Label–value pairs with the values in one column, unless a label would take a third of the line."""
    leads = [_lead(i, colon) for i in entries]
    column = max((cell_len(lead) for lead in leads), default=0)  # the colon ends in a space or is wide
    out = []
    for lead, item in zip(leads, entries, strict=True):
        if column <= width // 3:
            out += hang(pad(lead, column), plain(item.text), 0, width)
        else:  # a long label: label and value wrap as one sentence
            out += wrap(lead + plain(item.text), width)
    return out


def _listing(entries: list[Item], ordered: bool, colon: str, width: int) -> list[str]:
    out = []
    marks = [f"{n}. " if ordered else "- " for n in range(1, len(entries) + 1)]
    size = max((cell_len(m) for m in marks), default=0)
    for mark, item in zip(marks, entries, strict=True):
        out += hang(pad(mark, size), _lead(item, colon) + plain(item.text), 0, width)
    return out


def _table(t: Table, colon: str, width: int, lang: str) -> list[str]:
    """Columns when they fit the line; otherwise one entry per row, its other cells as 'header: value'."""
    headers = [_cap(plain(h)) for h in t.headers]
    rows = [[plain(c) for c in row] for row in t.rows]
    out = [plain(t.caption)] if t.caption else []
    sizes = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    if sum(sizes) + len(_GAP) * (len(sizes) - 1) <= width:
        def line(cells: list[str]) -> str:
            return _GAP.join(pad_left(c, n) if right else pad(c, n)
                             for c, n, right in zip(cells, sizes, t.numeric, strict=True)).rstrip()
        out += [line(headers), line(["-" * n for n in sizes]), *(line(r) for r in rows)]
    else:
        named = 2 if len(headers) > 2 and not t.numeric[1] else 1  # a code and its name head the entry
        sep = "；" if lang == "zh" else "; "
        for row in rows:
            head = " ".join(c for c in row[:named] if c)
            rest = sep.join(f"{h}{colon}{c}" for h, c in zip(headers[named:], row[named:], strict=True) if c)
            out += hang("", head, 0, width)
            if rest:
                out += hang("", rest, 4, width)
    if t.note:
        out += wrap(plain(t.note), width)
    return out


def block(b: Block, colon: str, width: int, lang: str) -> str:
    """One paragraph, table, list, set of facts or references, as lines."""
    if b.kind == "para":
        lines = hang(_lead(b, colon), plain(b.text), 0, width)
    elif b.kind == "table" and b.table is not None:
        lines = _table(b.table, colon, width, lang)
    elif b.kind == "list":
        lines = _listing(b.items, b.ordered, colon, width)
    elif b.kind == "facts":
        lines = _facts(b.items, colon, width)
    elif b.kind == "refs":
        note = f"（{plain(b.text)}）" if lang == "zh" else f" ({plain(b.text)})"
        note = note if b.text else ""
        source, assumed = ("依据", "假设") if lang == "zh" else ("Source", "Assumed")
        lines = [line for c in b.cites for line in hang(f"{source}{note}{colon}", plain(c), 0, width)]
        lines += [line for a in b.assumptions for line in hang(f"{assumed}{note}{colon}", plain(a), 0, width)]
    else:
        lines = []
    return "\n".join(lines)


def facts(entries: list[Item], colon: str, width: int) -> str:
    return "\n".join(_facts(entries, colon, width))


FILTERS = {"text_block": block, "text_facts": facts, "text_para": paragraph, "underline": underline}
