"""The fast accept path in C: the claim reader's table, derived from the tables the Python check reads.

The generated Python check (``claim_fast.build_view``) costs most of ``Policy.settle(dict)``; any
check written in Python costs more than settling the claim (``benchmarks/README.md``). So each
claim policy also gets a ``Reader`` from the C extension ``_claim_reader``: generic, and driven
by the table ``spec`` builds here from ``claim_fields.CLAIM`` and the policy's ``Scope`` — the
same field table, value sets, number maps, defaults, limits, date cache and ``applies`` the
Python check is generated from. ``reader.read(data)`` returns exactly the ``ClaimView`` the
Python check returns, or None (declined: anything not of an exact type, any form or value the
Python check would decline or only it handles); ``reader(data)`` runs the Python check when it
declines, and ``Policy.settle`` runs the full validator when that declines too, so every result
and every message is the Python path's.

Without the extension (a build that could not compile it) ``build`` returns None and the Python
check is the fast path, as before.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from yibao.dsl import ast
from yibao.dsl.types import CATEGORIES

from .claim_fast import Scope, _date_reader, amount_digits, enum_numbers
from .claim_fields import (
    CLAIM,
    MAX_AMOUNT_FEN,
    MAX_CODE_CHARS,
    MAX_YEAR,
    MAX_YTD_ENTRIES,
    PERSON,
    SPLIT_KEYS,
    VISIT,
    YEAR_KEY,
    Field,
)
from .claim_view import ClaimView, LineView, PackedLines
from .claims import Claim, Line, enum_default

try:
    from . import _claim_reader as C
except ImportError:  # not compiled: the Python check alone
    C = None  # type: ignore[assignment]

Check = Callable[[Any], ClaimView | None]
_CLAIM_SLOTS = {name: i for i, name in enumerate(ClaimView._fields)}
_LINE_SLOTS = {name: i for i, name in enumerate(LineView._fields)}


def available() -> bool:
    """Whether the C reader was compiled into this installation."""
    return C is not None


def build(scope: Scope, dates: dict[str, Any], fallback: Check | None = None) -> Check | None:
    """The C reader of one policy giving the ``ClaimView``, falling back to ``fallback`` (the Python
    check) where it declines; None without the extension. ``dates`` is the Python check's date
    cache, shared."""
    if C is None:
        return None
    reader: Check = C.Reader(spec(scope, dates), fallback)
    return reader


ClaimCheck = Callable[[Any], Claim | None]


def build_claims(scope: Scope, dates: dict[str, Any], fallback: ClaimCheck | None = None,
                 rules: tuple[tuple[int, int, int, int], ...] | None = None) -> ClaimCheck | None:
    """The same reader giving the ``Claim`` itself (``to_claim`` of the view, its ``Line`` s filled
    in C the same way), which the generated ``settle`` reads as fast as a validated claim; None
    without the extension. ``fallback``: the Python check's ``Claim`` (``claim_fast.claims_of``).
    ``rules``: the policy's ``LINE_RULES`` (``line_pass.fused_table``), by which the reader's
    ``read_sums(data)`` also sums the claim's out-of-scope and first self-pay while it reads the
    lines (``compiler/line_rule.h``, the columnar fused pass's rule), for the generated
    ``settle_sums``."""
    if C is None:
        return None
    reader: ClaimCheck = C.Reader(spec(scope, dates, claims=True, rules=rules), fallback)
    return reader


def settler(reader: ClaimCheck, settle_sums: Callable[..., Any],
            method: Callable[..., Any]) -> Callable[..., Any]:
    """``Policy.settle`` (``method``) with its common case in C: ``settler(data)`` of a dict alone is
    ``reader.read_settle(data, settle_sums)`` without a Python frame in between; any other call, a
    claim the reader declines, or a settlement that raises an ``Exception``, is ``method`` itself."""
    assert C is not None  # a reader exists
    got: Callable[..., Any] = C.Settler(reader, settle_sums, method)
    return got


def spec(scope: Scope, dates: dict[str, Any], *, claims: bool = False,
         rules: tuple[tuple[int, int, int, int], ...] | None = None) -> tuple[Any, ...]:
    """The reader's table (its layout: ``Reader_init`` in ``_claim_reader.c``, ``parse_field`` in
    ``claim_reader_spec.c``); with ``claims`` its records are the slotted ``Claim`` and ``Line``,
    slot by slot in the views' order, else the views; with ``rules`` the line rules by category code
    (a category's code is its place in ``CATEGORIES``, as in a columnar batch)."""
    age = _CLAIM_SLOTS["age"] if scope.requires_age else -1
    claim = (Claim, ClaimView._fields) if claims else ClaimView
    line = (Line, LineView._fields) if claims else LineView
    return (_object(scope, CLAIM, _CLAIM_SLOTS, line=line), claim, len(ClaimView._fields), dates,
            _date_reader(scope, dates), _CLAIM_SLOTS["raw"], age, coverage(scope) or scope.applies,
            None if rules is None else (tuple(CATEGORIES), rules, PackedLines))


Cover = tuple[tuple[int, tuple[str, ...], bool], ...]
_ENUM_SLOTS = {f.enum: _CLAIM_SLOTS[f.attr] for part in (PERSON, VISIT) for f in part if f.kind == "enum"}
MAX_COVER = 8  # conjuncts, and members of each (the C side's MAX_COVER, MAX_MEMBERS)


def coverage(scope: Scope) -> Cover | None:
    """The policy's ``applies when`` as the reader tests it without calling ``applies``: one entry per
    conjunct ``field == member``, ``field != member`` or ``field in {members}`` of a claim's enum field
    (``not`` of one turns it round), each (the field's slot, the members, whether the value must be
    among them); None for any other condition (the reader calls ``applies``). The value compared is
    the one ``applies`` reads, so both say the same of every claim (``test_claim_reader``)."""
    expr = scope.applies_when
    if expr is None:
        return None
    conjuncts = expr.operands if isinstance(expr, ast.BoolOp) and expr.op == "and" else (expr,)
    cover = []
    for e in conjuncts:
        want = True
        if isinstance(e, ast.Not):
            want, e = False, e.operand
        if isinstance(e, ast.Compare) and e.op in ("==", "!="):
            field, other = (e.left, e.right) if isinstance(e.left, ast.Field) else (e.right, e.left)
            members: tuple[ast.Expr, ...] = (other,)
            want = want == (e.op == "==")
        elif isinstance(e, ast.MemberOf):
            field, members = e.operand, e.members
        else:
            return None
        values = scope.enums.get(field.dotted, ()) if isinstance(field, ast.Field) else ()
        names = tuple(m.name for m in members if isinstance(m, ast.Name) and m.name in values)
        if not isinstance(field, ast.Field) or field.dotted not in _ENUM_SLOTS or not 0 < len(names) == len(
                members) <= MAX_COVER:
            return None
        cover.append((_ENUM_SLOTS[field.dotted], tuple(sys.intern(n) for n in names), want))
    return tuple(cover) if len(cover) <= MAX_COVER else None


def _object(scope: Scope, fields: tuple[Field, ...], slots: dict[str, int],
            keys: frozenset[str] | None = None,
            *, line: Any = LineView) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """An object's allowed keys (all its fields' unless ``keys``), in the fields' order — the order a
    claim usually gives them in, which the reader tries first — and its fields' entries (``line``:
    what a bill line is made into)."""
    allowed = tuple(f.key for f in fields if keys is None or f.key in keys)
    return allowed, tuple(entry for f in fields if (entry := _field(scope, f, slots, line)) is not None)


def _entry(kind: int, f: Field, slot: int, *, default: Any = None, values: Any = None, numbers: Any = None,
           extra: Any = None, limit: int | None = None) -> tuple[Any, ...]:
    return (kind, f.key, f.required, default, f.limit if limit is None else limit, f.minimum, slot, values,
            numbers, extra)


def _field(scope: Scope, f: Field, slots: dict[str, int], line: Any) -> tuple[Any, ...] | None:
    """One field's entry, as ``claim_fast._fields`` reads the same field."""
    assert C is not None
    slot = slots.get(f.attr, -1)  # a field without a slot of its own: the C side refuses -1 if read
    if f.kind == "text":
        return _entry(C.TEXT, f, slot, default=f.default)
    if f.kind == "enum":
        values = CATEGORIES if f.enum == "line.category" else scope.enums[f.enum or ""]
        members = tuple(sys.intern(v) for v in values)  # the generated code's constants, interned alike
        return _entry(C.ENUM, f, slot, default=enum_default(f, values), values=frozenset(members),
                      numbers=enum_numbers(values) or None, extra=members)
    if f.kind == "int":
        return _entry(C.INT, f, slot, default=f.default)
    if f.kind == "amount":
        return _entry(C.AMOUNT, f, slot, extra=amount_digits(f.limit))
    if f.kind == "split":
        if f.key != SPLIT_KEYS[0]:
            return None
        if not scope.as_billed:  # the keys are refused with the line's; the split stays None
            return _entry(C.CONST, f, slot)
        return _entry(C.SPLIT, f, slot, extra=(SPLIT_KEYS, amount_digits(f.limit), slots["amount"]))
    if f.kind == "date":
        return _entry(C.DATE, f, slots["date"], extra=(slots["day"], slots["year"]))
    if f.kind == "codes":
        return _entry(C.CODES, f, slot, default=frozenset(), extra=MAX_CODE_CHARS)
    if f.kind == "object":
        return _entry(C.OBJECT, f, 0, extra=_object(scope, f.fields, slots, line=line))
    if f.kind == "lines":
        keys = f.keys if scope.as_billed else f.keys - set(SPLIT_KEYS)
        fields = _object(scope, f.fields, _LINE_SLOTS, frozenset(keys))
        priced = frozenset(scope.priced) or None
        ls = _LINE_SLOTS
        return _entry(C.LINES, f, slots["lines"], extra=(
            fields, line, len(LineView._fields), priced, ls["category"], ls["item_class"], ls["unit_price"],
            ls["split"], ls["amount"], slots["total"], MAX_AMOUNT_FEN))
    if f.kind == "ytd":
        return _entry(C.YTD, f, slots["ytd"], extra=(
            YEAR_KEY, frozenset(scope.accumulators), MAX_YTD_ENTRIES, MAX_YEAR, amount_digits(f.limit),
            slots["ytd_year"], slots["ytd_ignored"], slots["ytd_periods"], slots["year"]))
    if f.kind == "paid":
        return _entry(C.PAID, f, slots["paid"], extra=(
            frozenset(scope.given), len(set(scope.given)), amount_digits(f.limit)))
    raise ValueError(f"no C reading for a {f.kind} field")  # a kind added to the table: read it here too
