"""Typed AST of a policy: frozen dataclasses, every node with a source span.

The parser builds these; the checker reads them; the code generator and the
renderer read them after checking. Nothing here knows about Lark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")

# ---------------------------------------------------------------- the nodes' shared methods
# Every node is a frozen dataclass with slots. ``dataclass`` writes and compiles (``exec``) six
# methods for each class, which made importing this module the largest part of ``yibao check``'s
# start-up (issue 12); ``__eq__``, ``__hash__`` and ``__repr__`` are the same for every node, so
# they are written once here, with the meaning ``dataclass`` gives them (fields compared and shown
# unless ``compare=False`` / ``repr=False``), and ``dataclass`` writes the other three.
_COMPARED: dict[type, tuple[str, ...]] = {}
_SHOWN: dict[type, tuple[str, ...]] = {}


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = _COMPARED[self.__class__]
    return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, n) for n in _COMPARED[self.__class__]))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in _SHOWN[self.__class__])
    return f"{self.__class__.__qualname__}({shown})"


def node(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True, slots=True)``, with the shared ``__eq__``, ``__hash__``, ``__repr__``."""
    cls.__eq__ = _eq  # type: ignore[assignment,method-assign]
    cls.__hash__ = _hash  # type: ignore[assignment,method-assign]
    cls.__repr__ = _repr  # type: ignore[assignment,method-assign]
    made: Callable[[type[T]], type[T]] = dataclass(frozen=True, slots=True, eq=False, repr=False)
    out = made(cls)
    _COMPARED[out] = tuple(f.name for f in fields(out) if f.compare)  # type: ignore[arg-type]
    _SHOWN[out] = tuple(f.name for f in fields(out) if f.repr)  # type: ignore[arg-type]
    return out


@node
class Span:
    """Where a node came from: 1-based line and column, end exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@node
class Label:
    """A bilingual label: Chinese first, as in the document, then English."""

    zh: str
    en: str
    span: Span


# ---------------------------------------------------------------- expressions


@node
class Number:
    value: Decimal
    span: Span


@node
class Percent:
    value: Decimal  # as written: 90 for 90%
    span: Span


@node
class DateLit:
    value: dt.date
    span: Span


@node
class BoolLit:
    value: bool
    span: Span


@node
class Name:
    """A bare name: a parameter, an enum member or a settlement quantity."""

    name: str
    span: Span


@node
class Field:
    """A claim field such as ``visit.level`` or ``person.category``."""

    path: tuple[str, ...]
    span: Span

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@node
class BinOp:
    op: str  # + - * /
    left: Expr
    right: Expr
    span: Span


@node
class Neg:
    operand: Expr
    span: Span


@node
class Compare:
    op: str  # == != < <= > >=
    left: Expr
    right: Expr
    span: Span


@node
class MemberOf:
    """``visit.region in {in_province, out_of_province}``."""

    operand: Expr
    members: tuple[Name, ...]
    span: Span


@node
class Contains:
    """``"hypertension" in visit.diseases``."""

    item: str
    collection: Field
    span: Span


@node
class BoolOp:
    op: str  # and / or
    operands: tuple[Expr, ...]
    span: Span


@node
class Not:
    operand: Expr
    span: Span


@node
class Call:
    func: str  # min / max
    args: tuple[Expr, ...]
    span: Span


@node
class If:
    cond: Expr
    then: Expr
    orelse: Expr
    span: Span


Expr = (
    Number | Percent | DateLit | BoolLit | Name | Field | BinOp | Neg | Compare | MemberOf
    | Contains | BoolOp | Not | Call | If
)


# ---------------------------------------------------------------- declarations


@node
class Citation:
    """``cite SOURCE "section"``: where in a document a rule is written."""

    source: str
    section: str | None
    span: Span


@node
class Assumption:
    """``assume "中文" / "English"``: an open figure the document does not give.

    ``text`` is the first (Chinese) text, ``en`` the English; an assumption written in one
    language only has ``en == ""`` and shows ``text`` in both (the checker warns about it).
    """

    text: str
    span: Span
    en: str = ""

    def in_lang(self, lang: str) -> str:
        """The assumption in ``lang``: the Chinese text for zh, the English for en (when written)."""
        return self.en if lang == "en" and self.en else self.text


Reference = Citation | Assumption


@node
class Source:
    name: str
    label: Label
    document: str | None
    file: str | None
    span: Span


@node
class RecordField:
    """A field of a record policy's input, read as ``record.<name>``."""

    name: str
    label: Label
    type_name: str
    type_span: Span
    references: tuple[Reference, ...]
    span: Span


@node
class EnumMember:
    name: str
    label: Label | None
    span: Span


@node
class EnumDecl:
    """The policy's own value set for a claim field, e.g. person categories."""

    field: Field
    members: tuple[EnumMember, ...]
    span: Span


@node
class Pattern:
    """One cell of a table row: ``_`` (any) or alternatives ``a | b``."""

    alternatives: tuple[str, ...] | None  # None is the wildcard
    span: Span

    @property
    def is_wildcard(self) -> bool:
        return self.alternatives is None


@node
class Row:
    patterns: tuple[Pattern, ...]
    value: Expr
    span: Span


@node
class Table:
    keys: tuple[Field, ...]
    rows: tuple[Row, ...]
    span: Span


@node
class Value:
    expr: Expr
    span: Span


Definition = Value | Table


@node
class Dated:
    """A definition that holds from a date until the next one."""

    start: dt.date
    definition: Definition
    span: Span


@node
class Exception_:
    """A rule that replaces the parameter's value when its condition holds."""

    name: str
    label: Label
    over: tuple[str, ...]
    when: Expr
    references: tuple[Reference, ...]
    definition: Definition
    span: Span


@node
class Parameter:
    name: str
    label: Label
    type_name: str
    type_span: Span
    references: tuple[Reference, ...]
    versions: tuple[Dated, ...]  # an undated definition is a version from the policy start
    exceptions: tuple[Exception_, ...]
    span: Span

    def exceptions_by_priority(self) -> list[Exception_]:
        """Winners first: an exception comes before every exception it is ``over``.

        The one statement of priority: the generated code tries exceptions in this order and
        documents list them in it.
        """
        over_it: dict[str, list[Exception_]] = {}  # name → the exceptions over it, in written order
        for other in self.exceptions:
            for name in dict.fromkeys(other.over):
                over_it.setdefault(name, []).append(other)
        done: list[Exception_] = []
        placed: set[int] = set()
        for e in self.exceptions:  # depth first with a stack: `over` chains can be long
            if id(e) in placed:
                continue
            todo, entered = [(e, iter(over_it.get(e.name, ())))], {id(e)}
            while todo:
                current, winners = todo[-1]
                for other in winners:  # anything over it goes first
                    if id(other) not in placed and id(other) not in entered:
                        entered.add(id(other))
                        todo.append((other, iter(over_it.get(other.name, ()))))
                        break
                else:
                    todo.pop()
                    placed.add(id(current))
                    done.append(current)
        return done


@node
class Amend:
    """In a reform: new dated values or exceptions for a parameter of the base policy."""

    name: str
    references: tuple[Reference, ...]
    versions: tuple[Dated, ...]
    exceptions: tuple[Exception_, ...]
    span: Span


@node
class Treatment:
    kind: str  # in_scope / out_of_scope / first_self_pay / in_scope_share
    share: Expr | None  # the first self-pay share, or for ``in_scope_share`` the share in scope
    span: Span


@node
class ClassRow:
    category: str
    item_class: str | None
    when: Expr | None  # a condition on the visit, e.g. only at county TCM hospitals
    treatment: Treatment
    span: Span


@node
class Classify:
    label: Label
    references: tuple[Reference, ...]
    rows: tuple[ClassRow, ...]
    span: Span
    as_billed: Span | None = None  # ``as billed``: a line carrying the platform's split is taken as billed


@node
class Band:
    lower: Expr | None  # the band's start; an ``above X`` band starts at X
    upper: Expr | None  # None for the open top band (``above X``)
    rate: Expr
    span: Span


@node
class Periodic:
    """A figure with its period: ``per year`` (accumulated), ``per visit``, or for a cap also
    ``per month`` / ``per quarter`` (accumulated within the month or quarter)."""

    expr: Expr
    period: str  # year / visit / month / quarter
    span: Span


@node
class Bands:
    period: str
    bands: tuple[Band, ...]
    span: Span


@node
class Layer:
    """A payer: applied in order, each on what the earlier ones left."""

    name: str
    label: Label
    references: tuple[Reference, ...]
    when: Expr | None
    base: Expr | None
    ceiling: Periodic | None  # only the first part of the base enters; the rest passes on
    deductible: Periodic | None
    deductible_limit: Periodic | None  # at most this much deductible a year, in total
    rate: Expr | None
    bands: Bands | None
    caps: tuple[Periodic, ...]
    fixed: Periodic | None
    rounding: str | None
    span: Span
    placement: tuple[str, str] | None = None  # in a reform: ("before" | "after", layer)
    # `ceiling … after deductible`: the ceiling limits the eligible amount (base − deductible), not the base
    ceiling_after_deductible: bool = False
    given: Span | None = None  # `given`: the claim says what it paid (``paid.<layer>``); nothing computed


@node
class Check:
    """A promise the policy makes about every settlement (e.g. the 10% guarantee), reported."""

    name: str
    label: Label
    references: tuple[Reference, ...]
    holds: Expr
    span: Span


@node
class PolicyHeader:
    name: str
    label: Label
    document: str | None
    effective: dt.date | None
    until: dt.date | None
    applies: Expr | None
    rounding: str | None
    span: Span
    extends: str | None = None  # a reform names the policy it changes
    extends_span: Span | None = None
    input: str = "claim"  # or "record": a budget or other record with declared fields
    amount: Expr | None = None  # for a record: the amount the layers share out
    remainder: Label | None = None  # for a record: what is left after the layers
    # `year starts MM-DD`: (month, day) the insurance year starts on; None: 1 January
    year_start: tuple[int, int] | None = None
    year_start_span: Span | None = None
    until_span: Span | None = None  # where `until <date>` is written, for diagnostics about it


@node
class Policy:
    header: PolicyHeader
    sources: tuple[Source, ...] = ()
    enums: tuple[EnumDecl, ...] = ()
    fields: tuple[RecordField, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    classify: Classify | None = None
    layers: tuple[Layer, ...] = ()
    checks: tuple[Check, ...] = ()
    amends: tuple[Amend, ...] = ()  # only before a reform is applied to its base
    path: str = ""
    text: str = field(default="", repr=False, compare=False)
    # Every file the policy's nodes come from (a reform and its bases), by path.
    texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    base: Policy | None = field(default=None, repr=False, compare=False)  # what a reform changed


_NOT_CHILDREN = frozenset({"text", "texts", "span", "label"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = _CHILD_FIELDS[cls] = tuple(
            name for name in cls.__dataclass_fields__  # type: ignore[attr-defined]
            if name not in _NOT_CHILDREN and not (name == "base" and cls is Policy))
    return names


def _is_node(value: object) -> bool:
    return hasattr(value, "__dataclass_fields__") and not isinstance(value, Span | Label)


def children(node: object) -> list[object]:
    """The AST nodes directly under ``node``, in field order (tuples, however nested, opened)."""
    out: list[object] = []
    for name in _child_fields(type(node)):
        todo = [getattr(node, name)]
        while todo:
            value = todo.pop()
            if isinstance(value, tuple):
                todo.extend(reversed(value))
            elif _is_node(value):
                out.append(value)
    return out


def walk(node: object) -> Iterator[object]:
    """Every AST node under ``node`` (itself included), depth first, in field order.

    A reform's ``base`` is not a child: the merged policy already holds what it kept. An explicit
    stack, not recursion: a sum of 10,000 terms is a tree 10,000 deep.
    """
    todo: list[object] = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, tuple):
            todo.extend(reversed(item))
        elif _is_node(item):
            yield item
            todo.extend(reversed(children(item)))
