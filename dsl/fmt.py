"""``yibao fmt``: one canonical layout for a policy file, with every comment kept in its place.

The layout (docs/language.md, "Formatting"): two spaces per block; one space around operators
and after commas, none inside brackets or before a call's ``(``; continuation lines inside
brackets one level deeper than their statement; the columns of a table's rows and the arrows
of its rows and of bands aligned; the statements of a header, layer, parameter, exception,
``classify``, check and source in one order; exactly one blank line between top-level blocks
(consecutive ``field`` or ``enum`` declarations may go without), at most one inside a block;
two spaces before a trailing comment; no trailing whitespace; a final newline. The line breaks
an author made inside brackets are kept.

``format_source`` parses the text first (a policy that does not parse raises the usual
``PolicyError``; the AST says which ``-`` is unary and which name a call), lays it out from its
own lines (``fmt_outline``), then parses the result and
refuses it unless the two parse to the same policy, positions aside.
"""

from __future__ import annotations

import dataclasses

from . import ast, codes
from .errors import Diagnostic, PolicyError, display_width
from .fmt_outline import Entry, Line, Note, OutlineError, Stmt, Tok, outline
from .parser import parse_own
from .phrase import P

INDENT = "  "
COMMENT_GAP = "  "

# The order of the statements inside each kind of block (by first word). Statements of the same
# rank keep their order: citations, caps, dated versions and exceptions are ordered lists.
_CITES = {"cite": 0, "assume": 0}
_ORDER: dict[str, dict[str, int]] = {
    "policy": {"extends": 0, "document": 1, "effective": 2, "year": 3, "input": 4, "applies": 5,
               "amount": 6, "remainder": 7, "rounding": 8},
    "source": {"document": 0, "file": 1},
    "parameter": {**_CITES, "value": 1, "table": 1, "from": 1, "exception": 2},
    "amend": {**_CITES, "value": 1, "table": 1, "from": 1, "exception": 2},
    "exception": {**_CITES, "value": 1, "table": 1},
    "classify": {**_CITES, "as": 1, "category": 2},
    # as the layer applies them (docs/language.md, "Order of operations inside a layer")
    "layer": {**_CITES, "when": 1, "base": 2, "ceiling": 3, "deductible": 4, "ceiling after": 5,
              "rate": 6, "bands": 6, "fixed": 6, "given": 6, "cap": 7, "rounding": 8},
    "check": {**_CITES, "holds": 1},
}
_NO_SPACE_BEFORE = {",", ")", "}", ":", "."}
_NO_SPACE_AFTER = {"(", "{", "."}
# Fields of the AST that say where a node is, not what it is.
_POSITIONS = {"path", "text", "texts"}


class FormatError(PolicyError):
    """The formatted text would not be the same policy: the file is left as it is."""


def format_source(text: str, path: str = "<policy>") -> str:
    """The canonical layout of a policy; ``PolicyError`` if it does not parse or cannot be kept."""
    before = parse_own(text, path)
    source = text if text.endswith("\n") else text + "\n"
    try:
        entries = outline(source)
    except OutlineError as err:  # parse_own accepted the text: cannot happen, but never a traceback
        span = ast.Span(path, err.line, err.column, err.line, err.column + 1)
        raise FormatError([Diagnostic(codes.FORMAT_REFUSED, span, P("yibao fmt cannot read this character"),
                                      P("the file is left as it is"))], text) from None
    unary, calls = _marks(before)
    out: list[str] = []
    _emit(entries, 0, out, Spacing(unary, calls), top=True)
    formatted = "\n".join(out).rstrip("\n") + "\n"
    try:
        after = parse_own(formatted, path)
    except PolicyError as err:
        first = err.diagnostics[0]
        raise FormatError([Diagnostic(codes.FORMAT_REFUSED, before.header.span,
                                      P("yibao fmt would break this policy (the result: {message} at line "
                                        "{line})", message=first.phrase or first.message,
                                        line=first.span.line),
                                      P("the file is left as it is; please report this"))], text) from None
    where = first_difference(before, after)
    if where is not None:
        raise FormatError([Diagnostic(codes.FORMAT_REFUSED, where,
                                      P("yibao fmt would change what this statement means"),
                                      P("the file is left as it is; please report this"))], text)
    return formatted


# ---------------------------------------------------------------------------- spacing


def _marks(policy: ast.Policy) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Where (line, column) each unary minus and the name of each call is: a ``Neg`` starts at
    its ``-``, a ``Call`` at its name. Any other ``-`` is binary, any other ``(`` a bracket."""
    unary: set[tuple[int, int]] = set()
    calls: set[tuple[int, int]] = set()
    for node in ast.walk(policy):
        if isinstance(node, ast.Neg):
            unary.add((node.span.line, node.span.column))
        elif isinstance(node, ast.Call):
            calls.add((node.span.line, node.span.column))
    return unary, calls


@dataclasses.dataclass(frozen=True, slots=True)
class Spacing:
    """What the tokens alone cannot say: which ``-`` is unary, which name is a call."""

    unary: set[tuple[int, int]]
    calls: set[tuple[int, int]]

    def join(self, toks: list[Tok]) -> str:
        """Tokens with canonical spaces between them."""
        parts: list[str] = []
        prev: Tok | None = None
        for tok in toks:
            if prev is not None and self._space(prev, tok):
                parts.append(" ")
            parts.append(tok.text)
            prev = tok
        return "".join(parts)

    def _space(self, prev: Tok, tok: Tok) -> bool:
        if tok.kind == "op" and tok.text in _NO_SPACE_BEFORE:
            return False
        if prev.kind == "op" and prev.text in _NO_SPACE_AFTER:
            return False
        if prev.kind == "op" and prev.text == "-" and prev.at in self.unary:
            return False
        return not (tok.text == "(" and prev.kind == "name" and prev.at in self.calls)


# ---------------------------------------------------------------------------- layout


def _emit(entries: list[Entry], depth: int, out: list[str], sp: Spacing, *, top: bool = False,
          kind: str | None = None) -> None:
    """Append the lines of ``entries`` (a block at ``depth``) to ``out``."""
    entries = _reordered(entries, _ORDER.get(kind or "", {}))
    aligned = _aligned_rows(entries, sp, kind) if kind in ("table", "bands") else {}
    prev: Entry | None = None
    for entry in entries:
        if prev is not None and (entry.blank_before or (top and isinstance(prev, Stmt)
                                                        and not _grouped(prev, entry))):
            out.append("")
        if isinstance(entry, Note):
            out.append(INDENT * depth + entry.text)
        else:
            _emit_stmt(entry, depth, out, sp, aligned.get(id(entry)))
            _emit(entry.children, depth + 1, out, sp, kind=_block_kind(entry))
        prev = entry


def _grouped(prev: Stmt, entry: Entry) -> bool:
    """Record fields, and enums, may be listed without blank lines between them."""
    return isinstance(entry, Stmt) and entry.head == prev.head and prev.head in ("field", "enum")


def _emit_stmt(stmt: Stmt, depth: int, out: list[str], sp: Spacing, first: str | None) -> None:
    for i, line in enumerate(stmt.lines):
        code = first if i == 0 and first is not None else sp.join(line.toks)
        pad = INDENT * (depth + (1 if i else 0))
        if line.comment is None:
            out.append(pad + code)
        elif code:
            out.append(pad + code + COMMENT_GAP + line.comment)
        else:
            out.append(pad + line.comment)


def _block_kind(stmt: Stmt) -> str:
    """What the block under a statement holds: ``table`` rows, ``bands``, or its statements."""
    words = [t.text for t in stmt.lines[0].toks if t.kind == "name"][:2]
    if stmt.head == "table" or (stmt.head == "from" and "table" in words):
        return "table"
    return stmt.head


def _reordered(entries: list[Entry], ranks: dict[str, int]) -> list[Entry]:
    """Statements in their block's order, each with the comments above it."""
    if not ranks:
        return entries
    units: list[list[Entry]] = []
    pending: list[Entry] = []
    for entry in entries:
        pending.append(entry)
        if isinstance(entry, Stmt):
            units.append(pending)
            pending = []
    units.sort(key=lambda unit: ranks.get(_kind(unit[-1]), len(ranks)) if isinstance(unit[-1], Stmt) else 0)
    return [e for unit in units for e in unit] + pending


def _kind(stmt: Stmt) -> str:
    """A statement's first word; a ceiling applied after the deductible is ``ceiling after``."""
    words = [t.text for t in stmt.lines[-1].toks[-2:]]
    return "ceiling after" if stmt.head == "ceiling" and words == ["after", "deductible"] else stmt.head


def _split(toks: list[Tok], sep: str) -> list[list[Tok]]:
    parts: list[list[Tok]] = [[]]
    for tok in toks:
        if tok.kind == "op" and tok.text == sep:
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _arrow(line: Line) -> int | None:
    for i, tok in enumerate(line.toks):
        if tok.kind == "op" and tok.text == "->":
            return i
    return None


def _aligned_rows(entries: list[Entry], sp: Spacing, kind: str) -> dict[int, str]:
    """The first line of each row of a table (its columns and arrows aligned) or of each band
    (arrows aligned), by the row's ``id``."""
    rows: list[tuple[int, list[str], str]] = []
    for entry in entries:
        arrow = _arrow(entry.lines[0]) if isinstance(entry, Stmt) else None
        if not isinstance(entry, Stmt) or arrow is None:  # a band whose bound goes on below
            continue
        left = entry.lines[0].toks[:arrow]
        cells = [sp.join(c) for c in _split(left, ",")] if kind == "table" else [sp.join(left)]
        cells = [c + "," for c in cells[:-1]] + cells[-1:]
        rows.append((id(entry), cells, sp.join(entry.lines[0].toks[arrow + 1:])))
    widths: dict[int, int] = {}
    for _, cells, _ in rows:
        for i, cell in enumerate(cells):
            widths[i] = max(widths.get(i, 0), display_width(cell))
    lefts = [(key, " ".join(_pad(c, widths[i]) for i, c in enumerate(cells)).rstrip(), rest)
             for key, cells, rest in rows]
    width = max((display_width(left) for _, left, _ in lefts), default=0)
    return {key: f"{_pad(left, width)} -> {rest}" for key, left, rest in lefts}


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


# ---------------------------------------------------------------------------- same policy


def first_difference(a: ast.Policy, b: ast.Policy) -> ast.Span | None:
    """Where two parsed policies first differ, positions aside (``None``: they are the same).

    Iterative: a sum of 10,000 terms is an expression 10,000 deep.
    """
    stack: list[tuple[object, object, ast.Span]] = [(a, b, a.header.span)]
    while stack:
        x, y, where = stack.pop()
        if isinstance(x, ast.Span) and isinstance(y, ast.Span):
            continue
        if type(x) is not type(y):
            return where
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            span = getattr(x, "span", None)
            here = span if isinstance(span, ast.Span) else where
            for f in dataclasses.fields(x):
                if f.name not in _POSITIONS:
                    stack.append((getattr(x, f.name), getattr(y, f.name), here))
        elif isinstance(x, tuple | list):
            assert isinstance(y, tuple | list)
            if len(x) != len(y):
                return where
            stack.extend((p, q, where) for p, q in zip(x, y, strict=True))
        elif isinstance(x, dict):
            assert isinstance(y, dict)
            if x.keys() != y.keys():
                return where
            stack.extend((x[k], y[k], where) for k in x)
        elif x != y:
            return where
    return None

