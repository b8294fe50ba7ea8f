"""A policy's text as an outline of statements, with every comment in its place, for ``fmt``.

Lark folds comments into ``_NL`` and drops them, so the formatter reads the raw lines itself:
each line becomes tokens (strings, numbers, names, operators) and perhaps a trailing comment.
A statement is one line, or several while a ``(`` or ``{`` is open; its block is the deeper
lines below it, found as the parser's indenter finds them. An own-line comment belongs to the
block whose indentation it is nearest, among the blocks open between the code line before it
and the code line after it. Only text that has already parsed is given to this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
    (?P<ws>[ \t]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<percent>\d+(?:\.\d+)?%)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>->|==|!=|<=|>=|[<>+\-*×/|,:.(){}=])
""", re.VERBOSE)
_MONTHDAY = re.compile(r"\d{2}-\d{2}")  # only after `year starts`, as the grammar's contextual lexer
TAB = 8  # as ``parser.PolicyIndenter.tab_len``


class OutlineError(Exception):
    """A character the formatter's tokenizer does not know (the parser accepted the text)."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(f"cannot read line {line}, column {column}")
        self.line, self.column = line, column


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # string, date, percent, number, name, op, monthday
    text: str
    at: tuple[int, int]  # line and column, 1-based, as the AST's spans


@dataclass(slots=True)
class Line:
    """One physical line of a statement: its tokens and its trailing comment."""

    toks: list[Tok]
    comment: str | None


@dataclass(slots=True)
class Note:
    """An own-line comment."""

    text: str
    blank_before: bool


@dataclass(slots=True)
class Stmt:
    """A statement: its first line, continuation lines inside brackets, and its block."""

    lines: list[Line]
    blank_before: bool
    children: list[Note | Stmt] = field(default_factory=list)

    @property
    def head(self) -> str:
        return self.lines[0].toks[0].text


Entry = Note | Stmt


def _indent(text: str) -> int:
    lead = text[: len(text) - len(text.lstrip(" \t"))]
    return lead.count(" ") + lead.count("\t") * TAB


def _tokens(line: str, number: int) -> tuple[list[Tok], str | None]:
    toks: list[Tok] = []
    i = 0
    while i < len(line):
        if toks and toks[-1].text == "starts" and (m := _MONTHDAY.match(line, i)):
            toks.append(Tok("monthday", m.group(), (number, i + 1)))
            i = m.end()
            continue
        m = _TOKEN.match(line, i)
        if m is None:
            raise OutlineError(number, i + 1)
        kind = m.lastgroup or ""
        if kind == "comment":
            return toks, m.group().rstrip()
        if kind != "ws":
            toks.append(Tok(kind, m.group(), (number, i + 1)))
        i = m.end()
    return toks, None


def _depth_of_note(column: int, levels: list[int], after: int, before: int, cap: int) -> int:
    """The open block an own-line comment belongs to: nearest by indentation, between the depth
    of the next code line (``after``) and that of the previous one (``before``), not deeper than
    the comment before it (``cap``), so that comments keep their order."""
    hi = max(after, min(max(before, after), cap))
    return min(range(after, hi + 1), key=lambda d: (abs(levels[d] - column), -d))


def outline(text: str) -> list[Entry]:
    """The top-level entries of a policy text that parses (comments and blank lines kept)."""
    top: list[Entry] = []
    open_blocks: list[list[Entry]] = [top]  # open_blocks[d]: where an entry of depth d goes
    levels = [0]  # the indenter's stack of indentations
    depth = 0  # of the last code line
    brackets = 0
    current: Stmt | None = None
    pending: list[tuple[int, str, bool]] = []  # own-line comments waiting for the next code line
    blank = False

    def place_notes(after: int, note_levels: list[int]) -> None:
        cap = max(depth, after)
        for column, comment, blank_before in pending:
            d = _depth_of_note(column, note_levels, after, depth, cap)
            cap = d
            open_blocks[d].append(Note(comment, blank_before))
        pending.clear()

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        toks, comment = _tokens(line, number)
        if current is not None and brackets > 0:  # inside ( … ) or { … }: line breaks do not count
            if toks or comment:
                current.lines.append(Line(toks, comment))
            brackets += _bracket_change(toks)
            continue
        if not toks:
            if comment is None:
                blank = True
            else:
                pending.append((_indent(line), comment, blank))
                blank = False
            continue
        indent = 0 if number == 1 else _indent(line)
        before_levels = list(levels)
        while indent < levels[-1]:
            levels.pop()
        if indent > levels[-1]:
            levels.append(indent)
        new_depth = len(levels) - 1
        note_levels = before_levels if len(before_levels) > new_depth else levels
        place_notes(new_depth, note_levels)
        current = Stmt([Line(toks, comment)], blank)
        blank = False
        del open_blocks[new_depth + 1:]
        open_blocks[new_depth].append(current)
        open_blocks.append(current.children)
        depth = new_depth
        brackets = _bracket_change(toks)
    place_notes(0, levels)
    return top


def _bracket_change(toks: list[Tok]) -> int:
    return sum(1 if t.text in "({" else -1 if t.text in ")}" else 0 for t in toks if t.kind == "op")
