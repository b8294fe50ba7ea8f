"""Checked AST → one readable, deterministic Python module per policy.

Shaped like Jinja2's compiler: a writer that emits lines and remembers, for each
generated line, the policy line it came from, so a failure while settling names
the policy line. One generator emits both entry points: ``settle`` (fast) and
``settle_traced`` (records a step at every rule); they share every formula.

Safe by construction, whatever the AST holds (it can be built or altered through the
API, not only parsed): policy text (labels, citations, paths, source text) only ever
reaches the module through ``repr`` of a string constant, never a comment or a
docstring; a name becomes a Python identifier only after ``_ident`` has checked it,
an operator only from a fixed set, a number only through ``int``.

Nothing nests with the size of the policy, since CPython's parser and compiler cannot
take thousands of levels: tables longer than ``_CHAIN_ROWS`` are looked up in dicts at
module level rather than an ``if``/``elif`` chain, a long sum is grouped, an else-if
chain is one conditional expression.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

from yibao.dsl import ast
from yibao.dsl.checks import CheckedPolicy
from yibao.dsl.errors import Diagnostic, PolicyError
from yibao.dsl.types import CATEGORIES, FUNCTIONS, MONEY, NUMBER, RATE, Type

from . import constructs as C
from . import phrases
from .constructs import LAYER_RESULTS, Construct, accumulator_key, layer_accumulators, record
from .money import FEN_PER_YUAN, RATE_ONE, percent_to_ppm

GENERATOR = "yibao-codegen/1"


@dataclass(frozen=True)
class GeneratedModule:
    source: str
    linemap: tuple[tuple[str, int], ...]  # generated line (index) → (policy file, line); line 0: none
    filename: str


class _Writer:
    """Emits lines and remembers, for each, the policy file and line it came from."""

    def __init__(self, file: str = "") -> None:
        self.lines: list[str] = []
        self.linemap: list[tuple[str, int]] = []
        self.depth = 0
        self.src: tuple[str, int] = (file, 0)

    def _where(self, src: ast.Span | int | None) -> tuple[str, int]:
        if src is None:
            return self.src
        if isinstance(src, ast.Span):
            return (src.file, src.line)
        return (self.src[0], src)

    def __call__(self, text: str = "", src: ast.Span | int | None = None) -> None:
        self.lines.append(("    " * self.depth + text) if text else "")
        self.linemap.append(self._where(src))

    @contextmanager
    def indent(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    @contextmanager
    def at(self, src: ast.Span | int) -> Iterator[None]:
        saved, self.src = self.src, self._where(src)
        try:
            yield
        finally:
            self.src = saved


_DIV = {"half_up": "div_half_up", "half_even": "div_half_even", "down": "div_down", "up": "div_up"}
_FIELDS = {
    "person.scheme": "c.scheme", "person.category": "c.category", "person.age": "c.age",
    "visit.kind": "c.kind", "visit.facility": "c.facility", "visit.level": "c.level",
    "visit.region": "c.region",
    "visit.referral": "c.referral", "visit.admission_no": "c.admission_no",
    "visit.diseases": "c.diseases", "claim.date": "c.day",
}
_QUANTITY_VARS = {"total", "in_scope", "out_of_scope", "first_self_pay", "remaining", "unpaid"}
_NONNEGATIVE = _QUANTITY_VARS  # settlement quantities never go below zero
_LAYER_RESULT_VARS = {name: r.var for name, r in LAYER_RESULTS.items()}
_TYPE_CODE = {"money": "m", "rate": "r", "count": "c", "date": "d", "bool": "b"}
_BINOPS = frozenset({"+", "-", "*", "/"})
_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})
_BOOLOPS = frozenset({"and", "or"})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Up to this many rows a table is an if/elif chain (readable, and as fast as a dict for a few
# rows); longer ones are looked up in dicts: CPython nests an elif chain and fails on thousands.
_CHAIN_ROWS = 16
# A longer chain of + and - is grouped, a group in parentheses, so that no sum nests deeply.
_FLAT_TERMS = 32
# A row with alternatives becomes one dict entry per combination; past this many entries per
# row on average the table is searched by a flat function instead.
_EXPANSION = 8


def _ident(name: object, span: ast.Span) -> str:
    """A policy name that is about to become part of a Python identifier, checked."""
    if isinstance(name, str) and _IDENT.fullmatch(name):
        return name
    raise PolicyError([Diagnostic(span, f"{name!r} is not a name the compiler can use",
                                  "names are letters, digits and `_`, not starting with a digit")])


def _op(op: object, allowed: frozenset[str], span: ast.Span) -> str:
    if isinstance(op, str) and op in allowed:
        return op
    raise PolicyError([Diagnostic(span, f"unknown operator {op!r}")])


def _day(ordinal: int) -> str:
    """A date for a comment, rebuilt from the ordinal the generator wrote: never policy text."""
    return dt.date.fromordinal(ordinal).isoformat()


# How a long table finds its row: (indices of the keys its rows constrain, default row) per dict,
# or "search" for a flat search function.
_Shapes = list[tuple[tuple[int, ...], int]] | str


@dataclass(frozen=True)
class _Lookup:
    """A long table's module-level code: its lines (with the policy span of each) and how to use it."""

    name: str
    lines: list[tuple[str, ast.Span]]
    shapes: _Shapes
    constant: bool  # every row's value is a constant, kept in ``{name}_values``


_SLOT = re.compile(r"\{(\d+:[a-z])\}")


def _plain(text: str) -> str:
    """Policy text for a trace template: a ``{0:m}`` in it is shown as written, never filled.

    A word joiner (invisible) after the brace keeps the template's slot pattern from matching.
    """
    return _SLOT.sub("{\u2060\\1}", text)


_LITERAL = re.compile(r"-?\d+|\(-\d+\)|True|False|'[A-Za-z0-9_.]*'")


def _param_record(var: str, version: int, exception: int, row: str) -> str:
    """A parameter step's record: the value, and which version, exception and row gave it."""
    return record(C.PARAMETER, value=var, version=str(int(version)), exception=str(int(exception)), row=row)


def _is_literal(code: str) -> bool:
    """Whether generated expression code is a constant (a table of constants needs no code per row)."""
    return _LITERAL.fullmatch(code) is not None


def _cite(refs: tuple[ast.Reference, ...], policy: ast.Policy) -> str:
    sources = {s.name: s for s in policy.sources}
    parts = []
    for r in refs:
        if isinstance(r, ast.Citation):
            s = sources.get(r.source)
            doc = (s.label.zh if s else r.source) + (f" {r.section}" if r.section else "")
            parts.append(doc)
        else:
            parts.append(f"assumption: {r.text}")
    return "; ".join(parts)


class _Texts:
    """The policy text a node was written as, on one line; each file is split into lines once."""

    def __init__(self, policy: ast.Policy) -> None:
        self.policy = policy
        self.lines: dict[str, list[str]] = {}

    def __call__(self, span: ast.Span) -> str:
        lines = self.lines.get(span.file)
        if lines is None:
            lines = self.lines[span.file] = self.policy.texts.get(span.file, self.policy.text).split("\n")
        if span.line != span.end_line:
            return lines[span.line - 1][span.column - 1 :].strip()
        return lines[span.line - 1][span.column - 1 : span.end_column - 1].strip()

    def row_keys(self, row: ast.Row) -> str:
        """A table row's patterns as written (``local, 2, _``)."""
        s = row.span
        return self(ast.Span(s.file, s.line, s.column, s.line, s.end_column)).split("->")[0].strip()


class CodeGenerator:
    def __init__(self, checked: CheckedPolicy) -> None:
        self.c = checked
        self.p = checked.policy
        self.w = _Writer()
        self.sites: list[str] = []
        self.site_ids: dict[str, int] = {}
        self.default_mode = self.p.header.rounding or "half_up"
        self.late = self._quantity_params()
        self.text = _Texts(self.p)
        # Module-level lookups of long tables, by id of their ast.Table.
        self.tables: dict[int, _Lookup] = {}
        for p in self.p.parameters:
            _ident(p.name, p.span)
        for name, p in self.c.params.items():
            _ident(name, p.span)
        for x in (*self.p.layers, *self.p.checks):
            _ident(x.name, x.span)

    # ------------------------------------------------------------ sites
    def site(self, key: str, construct: Construct, *, rule: str, label: ast.Label,
             refs: tuple[ast.Reference, ...], span: ast.Span, inputs: tuple[str, ...] = (),
             en: dict[str, str] | None = None, zh: dict[str, str] | None = None,
             codes: dict[str, str] | None = None, layer: str = "", ordinal: int = 0) -> int:
        """Register a trace site of ``construct``: its formulas are the construct's phrases.

        ``en`` and ``zh`` give the phrases' ``{@name}`` text (policy text, kept from reading as
        a slot); ``codes`` overrides a field's format (a parameter's value has its own type).
        """
        if key in self.site_ids:
            return self.site_ids[key]
        self.site_ids[key] = len(self.sites)
        fields = {name: (i, (codes or {}).get(name, code)) for i, (name, code) in enumerate(construct.fields)}
        ctx_en = en or {}
        template = phrases.positional(phrases.phrase(construct.name, "formula", "en"), fields, ctx_en, _plain)
        template_zh = phrases.positional(phrases.phrase(construct.name, "formula", "zh"), fields,
                                         ctx_en if zh is None else zh, _plain)
        result = construct.result_index
        result_code = fields[construct.result][1] if construct.result is not None else "m"
        extra = (f", file={span.file!r}" if span.file != self.p.path else "") + (
            f", template_zh={template_zh!r}" if template_zh != template else "")
        extra += f", construct={construct.name!r}"
        if layer:
            extra += f", layer={_ident(layer, span)!r}"
        if ordinal:
            extra += f", ordinal={int(ordinal)}"
        self.sites.append(
            f"Site({rule!r}, {construct.kind!r}, {label.zh!r}, {label.en!r}, {_cite(refs, self.p)!r}, "
            f"{int(span.line)}, {int(span.end_line)}, {template!r}, {int(result)}, {result_code!r}, "
            f"{inputs!r}{extra})"
        )
        return self.site_ids[key]

    # ------------------------------------------------------------ expressions
    def type_of(self, e: ast.Expr) -> Type:
        return self.c.types.get(id(e), NUMBER)

    def expr(self, e: ast.Expr, mode: str) -> str:
        t = self.type_of(e)
        if isinstance(e, ast.Number):
            if t == MONEY:
                return str(int(e.value * FEN_PER_YUAN))  # int: whatever the AST holds, digits only
            if t.name == "enum":
                return repr(str(e.value))
            if e.value != e.value.to_integral_value():
                raise AssertionError("a fractional bare number survived checking")
            return str(int(e.value))
        if isinstance(e, ast.Percent):
            return str(int(percent_to_ppm(e.value)))
        if isinstance(e, ast.DateLit):
            return str(int(e.value.toordinal()))
        if isinstance(e, ast.BoolLit):
            return "True" if e.value else "False"
        if isinstance(e, ast.Field):
            if e.path[0] == "record":
                return f"c.values[{e.path[1]!r}]"
            if e.dotted in _FIELDS:
                return _FIELDS[e.dotted]
            layer, result = e.path  # a result of an earlier layer, e.g. basic.paid
            return f"{_LAYER_RESULT_VARS[result]}_{_ident(layer, e.span)}"
        if isinstance(e, ast.Name):
            if e.name in self.c.params:
                return f"p_{_ident(e.name, e.span)}"
            if e.name in _QUANTITY_VARS:
                return e.name
            return repr(e.name)  # an enum member
        if isinstance(e, ast.Neg):
            return f"(-{self.expr(e.operand, mode)})"
        if isinstance(e, ast.BinOp):
            return self.binop(e, mode)
        if isinstance(e, ast.Compare):
            return f"({self.expr(e.left, mode)} {_op(e.op, _COMPARE, e.span)} {self.expr(e.right, mode)})"
        if isinstance(e, ast.MemberOf):
            members = tuple(m.name for m in e.members)
            return f"({self.expr(e.operand, mode)} in {members!r})"
        if isinstance(e, ast.Contains):
            return f"({e.item!r} in {_FIELDS[e.collection.dotted]})"
        if isinstance(e, ast.BoolOp):
            return "(" + f" {_op(e.op, _BOOLOPS, e.span)} ".join(self.expr(o, mode) for o in e.operands) + ")"
        if isinstance(e, ast.Not):
            return f"(not {self.expr(e.operand, mode)})"
        if isinstance(e, ast.Call):
            func = _op(e.func, frozenset(FUNCTIONS), e.span)
            return f"{func}(" + ", ".join(self.expr(a, mode) for a in e.args) + ")"
        if isinstance(e, ast.If):  # else-if chains without nesting: `a if c else b if d else e`
            parts = []
            node: ast.Expr = e
            while isinstance(node, ast.If):
                parts.append(f"{self.expr(node.then, mode)} if {self.expr(node.cond, mode)} else ")
                node = node.orelse
            return "(" + "".join(parts) + self.expr(node, mode) + ")"
        raise AssertionError(f"cannot compile {e!r}")

    def sum_chain(self, e: ast.BinOp, mode: str) -> str:
        """A chain of ``+`` and ``-`` as one flat sum, in groups of ``_FLAT_TERMS`` when long.

        Nested parentheses stop CPython's parser at 200 levels and its compiler at some
        thousands; every operand is an int, so grouping the terms differently is exact.
        """
        terms: list[tuple[str, ast.Expr]] = []
        node: ast.Expr = e
        while isinstance(node, ast.BinOp) and node.op in ("+", "-"):  # down the left side, no recursion
            terms.append((_op(node.op, _BINOPS, node.span), node.right))
            node = node.left
        terms.append(("+", node))
        codes = [(op, self.expr(t, mode)) for op, t in reversed(terms)]
        while True:
            groups = [codes[i : i + _FLAT_TERMS] for i in range(0, len(codes), _FLAT_TERMS)]
            flat = ["(" + ("-" if g[0][0] == "-" else "") + g[0][1] + "".join(f" {op} {c}" for op, c in g[1:])
                    + ")" for g in groups]
            if len(flat) == 1:
                return flat[0]
            codes = [("+", c) for c in flat]

    def binop(self, e: ast.BinOp, mode: str) -> str:
        div = _DIV[mode]
        op = _op(e.op, _BINOPS, e.span)
        if op in ("+", "-"):
            return self.sum_chain(e, mode)
        lt, rt = self.type_of(e.left), self.type_of(e.right)
        left, right = self.expr(e.left, mode), self.expr(e.right, mode)
        if op == "*":
            if (lt == RATE and rt in (MONEY, RATE)) or (rt == RATE and lt in (MONEY, RATE)):
                return f"{div}({left} * {right}, {RATE_ONE})"
            for num, other in ((e.left, right), (e.right, left)):
                if isinstance(num, ast.Number) and self.type_of(num) == NUMBER:
                    frac = Fraction(num.value)
                    if frac.denominator != 1:
                        return f"{div}({other} * {int(frac.numerator)}, {int(frac.denominator)})"
            return f"({left} * {right})"
        if lt == RATE and rt == RATE:  # a ratio of two rates, itself a rate
            return f"{div}({left} * {RATE_ONE}, {right})"
        # division by a number or a count
        if isinstance(e.right, ast.Number):
            frac = Fraction(e.right.value)
            return f"{div}({left} * {int(frac.denominator)}, {int(frac.numerator)})"
        return f"{div}({left}, {right})"

    # ------------------------------------------------------------ parameters
    def _quantity_params(self) -> set[str]:
        """Parameters that read claim totals, and so must wait for classification."""
        direct = {
            p.name for p in self.p.parameters
            if any(isinstance(n, ast.Name) and n.name in _QUANTITY_VARS for n in ast.walk(p))
        }
        late = set(direct)
        for p in self.c.param_order:
            if self.c.param_deps[p.name] & late:
                late.add(p.name)
        return late

    def parameter(self, p: ast.Parameter, traced: bool) -> None:
        w = self.w
        var = f"p_{p.name}"
        code = _TYPE_CODE.get(p.type_name, "t")
        sid = self.site(f"param:{p.name}", C.PARAMETER, rule=f"parameter:{p.name}", label=p.label,
                        refs=p.references, span=p.span, en={"name": p.name},
                        zh={"label": p.label.zh}, codes={"value": code})
        mode = self.default_mode
        with w.at(p.span):
            w(repr(f"parameter {p.name}: {p.label.en}"), p.span)  # a string statement: no code, no comment
            first = True
            for ex in p.exceptions_by_priority():
                kw = "if" if first else "elif"
                first = False
                w(f"{kw} {self.expr(ex.when, mode)}:", ex.span)
                with w.indent():
                    self.definition(ex.definition, var, mode, traced, sid, version=-1,
                                    exception=p.exceptions.index(ex))
            versions = list(enumerate(p.versions))
            for n, (vi, version) in enumerate(reversed(versions)):
                is_last = n == len(versions) - 1
                if first and is_last:
                    self.definition(version.definition, var, mode, traced, sid, version=vi, exception=-1)
                    break
                if is_last:
                    w("else:", version.span)
                else:
                    kw = "if" if first else "elif"
                    day = int(version.start.toordinal())
                    w(f"{kw} c.day >= {day}:  # from {_day(day)}", version.span.line)
                first = False
                with w.indent():
                    self.definition(version.definition, var, mode, traced, sid, version=vi, exception=-1)

    def definition(self, d: ast.Definition, var: str, mode: str, traced: bool, sid: int, *,
                   version: int, exception: int) -> None:
        w = self.w
        if isinstance(d, ast.Value):
            w(f"{var} = {self.expr(d.expr, mode)}", d.span)
            if traced:
                w(f"t(({sid}, {_param_record(var, version, exception, '-1')}))",
                  d.span)
            return
        if len(d.rows) > _CHAIN_ROWS:
            self.long_table(d, var, mode, traced, sid, version=version, exception=exception)
            return
        rows = list(enumerate(d.rows))
        for n, (ri, row) in enumerate(rows):
            test = self.row_test(d, row)
            last = n == len(rows) - 1
            if not test:
                w("else:" if n else "if True:", row.span)
            elif n == 0:
                w(f"if {test}:", row.span)
            else:
                w(f"elif {test}:", row.span)
            with w.indent():
                w(f"{var} = {self.expr(row.value, mode)}", row.span)
                if traced:
                    w(f"t(({sid}, {_param_record(var, version, exception, str(ri))}))",
                      row.span)
            if last and test:
                w("else:", d.span)
                with w.indent():
                    w(f"no_row({var[2:]!r}, {int(d.span.line)})", d.span)

    def row_test(self, d: ast.Table, row: ast.Row) -> str:
        """A row's patterns as a condition on the claim; empty when every pattern is ``_``."""
        conds = []
        for key, pat in zip(d.keys, row.patterns, strict=True):
            if pat.alternatives is None:
                continue
            field = _FIELDS[key.dotted]
            if len(pat.alternatives) == 1:
                conds.append(f"{field} == {pat.alternatives[0]!r}")
            else:
                conds.append(f"{field} in {tuple(pat.alternatives)!r}")
        return " and ".join(conds)

    def long_table(self, d: ast.Table, var: str, mode: str, traced: bool, sid: int, *,
                   version: int, exception: int) -> None:
        """A long table without nesting: find the first matching row ``ri``, then its value.

        The row is found in dicts, one per set of keys the rows constrain (a row's ``_`` keys
        are left out of its dict key): each maps the claim's values to the first row of that
        shape, and the first of those wins, as in the chain. Values that are constants are read
        from a tuple; others are computed in a binary ``if ri < …`` tree, log₂(rows) deep.
        """
        w = self.w
        lookup = self.table_lookup(d)
        name, tables = lookup.name, lookup.shapes
        end = len(d.rows)
        with w.at(d.span):
            if tables == "search":
                w(f"ri = {name}_row(c)", d.span)
            else:
                for k, (mask, default) in enumerate(tables):
                    key = ", ".join(_FIELDS[d.keys[i].dotted] for i in mask)
                    key = key if len(mask) == 1 else f"({key})"
                    if k == 0:
                        w(f"ri = {name}_{k}.get({key}, {default})" if mask else f"ri = {default}", d.span)
                    else:
                        w(f"r = {name}_{k}.get({key}, {end})", d.span)
                        w("if r < ri:", d.span)
                        with w.indent():
                            w("ri = r", d.span)
            if not any(all(p.alternatives is None for p in r.patterns) for r in d.rows):
                w(f"if ri == {end}:", d.span)
                with w.indent():
                    w(f"no_row({var[2:]!r}, {int(d.span.line)})", d.span)
            if lookup.constant:
                w(f"{var} = {name}_values[ri]", d.span)
            else:
                self.value_tree(d, var, [self.expr(r.value, mode) for r in d.rows], 0, end)
            if traced:
                w(f"t(({sid}, {_param_record(var, version, exception, 'ri')}))",
                  d.span)

    def value_tree(self, d: ast.Table, var: str, values: list[str], lo: int, hi: int) -> None:
        """``var = `` the value of row ``ri``, for rows lo..hi-1, by halves."""
        w = self.w
        if hi - lo <= 4:
            for ri in range(lo, hi):
                if ri == hi - 1:
                    w("else:" if ri > lo else "if True:", d.rows[ri].span)
                else:
                    w(f"{'if' if ri == lo else 'elif'} ri == {ri}:", d.rows[ri].span)
                with w.indent():
                    w(f"{var} = {values[ri]}", d.rows[ri].span)
            return
        mid = (lo + hi) // 2
        w(f"if ri < {mid}:", d.span)
        with w.indent():
            self.value_tree(d, var, values, lo, mid)
        w("else:", d.span)
        with w.indent():
            self.value_tree(d, var, values, mid, hi)

    def table_lookup(self, d: ast.Table) -> _Lookup:
        """The module-level tables of a long table, made once: name, and (keys, default) per dict.

        A table whose rows have too many alternatives to list every combination is searched by
        a module-level function of flat ``if …: return row`` statements instead ("search").
        """
        if id(d) in self.tables:
            return self.tables[id(d)]
        name = f"_TABLE{len(self.tables)}"
        lines: list[tuple[str, ast.Span]] = []
        end = len(d.rows)
        default = next((ri for ri, r in enumerate(d.rows) if all(p.alternatives is None for p in r.patterns)),
                       end)
        masks: dict[tuple[int, ...], dict[object, int]] = {}
        entries = 0
        budget = _EXPANSION * end
        for ri, row in enumerate(d.rows[:default]):  # rows after an all-`_` row never match
            mask = tuple(i for i, p in enumerate(row.patterns) if p.alternatives is not None)
            table = masks.setdefault(mask, {})
            for combo in itertools.product(*(tuple(row.patterns[i].alternatives or ()) for i in mask)):
                key = combo[0] if len(combo) == 1 else combo
                if key not in table:
                    table[key] = ri
                    entries += 1
            if entries > budget:
                break
        shapes: _Shapes
        if entries > budget:
            shapes = "search"
            lines.append((f"def {name}_row(c):", d.span))
            lines.append(('    """The first row of a long table that matches the claim."""', d.span))
            for ri, row in enumerate(d.rows[:default]):
                lines.append((f"    if {self.row_test(d, row)}:", row.span))
                lines.append((f"        return {ri}", row.span))
            lines.append((f"    return {default}", d.span))
            lines.append(("", d.span))
            lines.append(("", d.span))
        else:
            shapes = []
            for k, (mask, table) in enumerate(masks.items()):
                shapes.append((mask, default if k == 0 else end))
                lines.append((f"{name}_{k} = {{  # claim values -> first row of this shape", d.span))
                for key, ri in table.items():
                    lines.append((f"    {key!r}: {ri},", d.rows[ri].span))
                lines.append(("}", d.span))
            if not masks:
                shapes.append(((), default))
        values = [self.expr(r.value, self.default_mode) for r in d.rows]
        constant = all(_is_literal(v) for v in values)
        if constant:
            lines.append((f"{name}_values = (  # the value of each row", d.span))
            for ri, v in enumerate(values):
                lines.append((f"    {v},", d.rows[ri].span))
            lines.append((")", d.span))
        self.tables[id(d)] = _Lookup(name, lines, shapes, constant)
        return self.tables[id(d)]

    # ------------------------------------------------------------ classification
    # ------------------------------------------------------------ rounding and static facts
    def round_mul(self, x: str, rate: ast.Expr, rate_code: str, mode: str, *, nonneg: bool) -> str:
        """``x × rate`` rounded to the fen, as plain integer arithmetic where the signs are known."""
        if isinstance(rate, ast.Percent):
            frac = Fraction(percent_to_ppm(rate.value), RATE_ONE)
            p, q = frac.numerator, frac.denominator
            prod = x if p == 1 else f"{x} * {p}"
            if q == 1:
                return f"({prod})"
        else:
            prod, q = f"{x} * {rate_code}", RATE_ONE
        if nonneg and mode == "half_up":
            if q % 2 == 0:
                return f"({prod} + {q // 2}) // {q}"
            return f"(2 * {prod} + {q}) // {2 * q}"
        if nonneg and mode == "down":
            return f"{prod} // {q}"
        return f"{_DIV[mode]}({prod}, {q})"

    def rate_in_range(self, e: ast.Expr) -> bool:
        """Whether a rate is 0–100% whatever the claim: literals, or choices among literals."""
        if isinstance(e, ast.Percent):
            return True
        if isinstance(e, ast.Name) and e.name in self.c.params:
            p = self.c.params[e.name]
            defs = [v.definition for v in p.versions] + [x.definition for x in p.exceptions]
            values = [d.expr if isinstance(d, ast.Value) else r.value
                      for d in defs for r in (d.rows if isinstance(d, ast.Table) else (None,))]
            return all(v is not None and self.rate_in_range(v) for v in values)
        if isinstance(e, ast.If):
            return self.rate_in_range(e.then) and self.rate_in_range(e.orelse)
        if isinstance(e, ast.Call):
            return all(self.rate_in_range(a) for a in e.args)
        return False

    def check_rate(self, var: str, e: ast.Expr, line: ast.Span) -> None:
        if not self.rate_in_range(e):
            self.w(f"if not 0 <= {var} <= {RATE_ONE}:", line)
            with self.w.indent():
                self.w(f"raise SettlementError('a rate outside 0%..100%: ' + str({var} / 10000) + '%')",
                       line)

    # ------------------------------------------------------------ classification
    def classify(self, kind: str) -> None:
        """Emit the line loop. ``kind``: fast (sums only), traced, or parts (per-line parts only)."""
        w = self.w
        cls = self.p.classify
        assert cls is not None
        sums, keep_parts, traced = kind != "parts", kind != "fast", kind == "traced"
        with w.at(cls.span):
            w(repr(f"classify: {cls.label.en}"), cls.span)  # a string statement: no code, no comment
            if sums:
                w("out_of_scope = 0")
                w("first_self_pay = 0")
            if keep_parts:
                w("parts = []")
                w("keep = parts.append")
            branches = []
            for cat in CATEGORIES:
                rows = [r for r in cls.rows if r.category == cat]
                if kind == "fast" and all(r.treatment.kind == "in_scope" for r in rows):
                    continue  # nothing to count: in scope is what is left
                branches.append((cat, rows))
            if branches:
                w("for i, ln in enumerate(c.lines):" if traced else "for ln in c.lines:")
                with w.indent():
                    w("cat = ln.category")
                    for n, (cat, rows) in enumerate(branches):
                        w(f"{'if' if n == 0 else 'elif'} cat == {cat!r}:", rows[0].span)
                        with w.indent():
                            self.class_rows(rows, kind)
            if sums:
                w("total = c.total")
                w("in_scope = total - out_of_scope - first_self_pay")

    def class_rows(self, rows: list[ast.ClassRow], kind: str) -> None:
        """One category's rows, most specific first: class and condition, class, condition, plain."""
        def rank(r: ast.ClassRow) -> int:
            return (r.item_class is None) * 2 + (r.when is None)

        ordered = sorted(rows, key=rank)
        w = self.w
        for k, r in enumerate(ordered):
            tests = []
            if r.item_class is not None:
                tests.append(f"ln.item_class == {r.item_class!r}")
            if r.when is not None:
                tests.append(self.expr(r.when, self.default_mode))
            if not tests:
                if k == 0:
                    self.treatment(r, kind)
                else:
                    w("else:", r.span)
                    with w.indent():
                        self.treatment(r, kind)
                break
            w(f"{'if' if k == 0 else 'elif'} {' and '.join(tests)}:", r.span)
            with w.indent():
                self.treatment(r, kind)

    def treatment(self, row: ast.ClassRow, kind: str) -> None:
        w = self.w
        t = row.treatment
        sums, keep_parts, traced = kind != "parts", kind != "fast", kind == "traced"
        key = f"{row.category}" + (f".{row.item_class}" if row.item_class else "")
        label = ast.Label(f"费用分类 {key}", f"classify {key}", row.span)
        refs = self.p.classify.references if self.p.classify else ()
        site_key = f"cls:{key}"
        if row.when is not None:
            condition = self.text(row.when.span)
            label = ast.Label(f"{label.zh}（{condition}）", f"{label.en} when {condition}", row.span)
            site_key += f"@{row.span.file}:{row.span.line}"  # rows that differ only by their condition

        cat_zh = {"A": "甲类", "B": "乙类", "C": "丙类"}[row.category] + (
            f"（{row.item_class}）" if row.item_class else "")

        def site(construct: Construct, node: object = None) -> int:
            reads = [*self.c.reads(row.when), *(self.c.reads(node) if node is not None else ())]
            return self.site(site_key, construct, rule=f"classify.{key}", label=label,
                             refs=refs, span=row.span, inputs=tuple(dict.fromkeys(reads)),
                             en={"category": key}, zh={"category": cat_zh})

        line = {"line": "i", "code": "ln.code", "name": "ln.name", "amount": "ln.amount"}

        with w.at(row.span):
            if t.kind == "in_scope":
                if keep_parts:
                    w("keep(_IN)")
                if traced:
                    sid = site(C.CLASSIFY_IN)
                    w(f"t(({sid}, {record(C.CLASSIFY_IN, **line)}))")
                if not keep_parts:
                    w("pass")
            elif t.kind == "out_of_scope":
                if sums:
                    w("out_of_scope += ln.amount")
                if keep_parts:
                    w("keep((ln.amount, 0))")
                if traced:
                    sid = site(C.CLASSIFY_OUT)
                    w(f"t(({sid}, {record(C.CLASSIFY_OUT, **line)}))")
            else:
                assert t.share is not None
                share = self.expr(t.share, self.default_mode)
                if not isinstance(t.share, ast.Percent):
                    w(f"share = {share}")
                    self.check_rate("share", t.share, row.span)
                    share = "share"
                fsp = self.round_mul("ln.amount", t.share, share, self.default_mode, nonneg=True)
                w(f"fsp = {fsp}")
                if sums:
                    w("first_self_pay += fsp")
                if keep_parts:
                    w("keep((0, fsp))")
                if traced:
                    sid = site(C.CLASSIFY_SHARE, t.share)
                    rec = record(C.CLASSIFY_SHARE, **line, share=share, first_self_pay="fsp",
                                 in_scope="ln.amount - fsp")
                    w(f"t(({sid}, {rec}))")

    # ------------------------------------------------------------ layers
    def layer(self, index: int, layer: ast.Layer, traced: bool) -> None:
        w = self.w
        n = layer.name
        mode = layer.rounding or self.default_mode
        refs = layer.references
        later = self.p.layers[index + 1 :]

        def site(construct: Construct, span: ast.Span, node: object = None,
                 en: dict[str, str] | None = None, zh: dict[str, str] | None = None) -> int:
            part = construct.part
            return self.site(f"{n}:{part}", construct, rule=f"{n}.{part}", label=layer.label,
                             refs=refs, span=span, en=en, zh=zh, layer=n,
                             inputs=tuple(self.c.reads(node)) if node is not None else ())

        base_name = layer.base.name if isinstance(layer.base, ast.Name) else None
        if layer.base is None:
            base_name = "remaining"
        with w.at(layer.span):
            w(repr(f"layer {n}: {layer.label.en}"), layer.span)  # a string statement: no code, no comment
            for acc, var in self.layer_accumulators(layer):
                w(f"{var} = ytd.get({acc!r}, 0)")
            if layer.when is not None:
                w(f"l_{n} = ded_{n} = elig_{n} = base_{n} = over_{n} = 0")
                w(f"if {self.expr(layer.when, mode)}:", layer.when.span)
                w.depth += 1
            base = self.expr(layer.base, mode) if layer.base is not None else "remaining"
            base_span = layer.base.span if layer.base is not None else layer.span
            base_text = self.text(layer.base.span) if layer.base is not None else "remaining"
            w(f"base = {base}", base_span)
            if base_name not in _NONNEGATIVE:
                w("if base < 0:", base_span)
                with w.indent():
                    w("base = 0", base_span)
            if traced:
                sid = site(C.BASE, base_span, layer.base, en={"expr": base_text})
                w(f"t(({sid}, {record(C.BASE, base='base')}))", base_span)
            if layer.ceiling is not None:
                self.ceiling(layer, traced, site)
            elif any(self.reads_result(x, n, "over_ceiling") for x in later + tuple(self.p.checks)):
                w(f"over_{n} = 0")
            if (layer.ceiling is not None and layer.ceiling.period == "year") or any(
                    self.reads_result(x, n, "base") for x in later + tuple(self.p.checks)):
                w(f"base_{n} = base")
            if layer.deductible is not None:
                self.deductible(layer, traced, site)
            elif any(self.reads_result(x, n, "deductible") for x in later + tuple(self.p.checks)):
                w(f"ded_{n} = 0")  # read by a later rule: a layer without a deductible applied none
            w(f"elig_{n} = base - ded_{n}" if layer.deductible is not None else f"elig_{n} = base")
            if layer.fixed is not None:
                f = layer.fixed
                w(f"fixed = {self.expr(f.expr, mode)}", f.span)
                w("pay = fixed if fixed < base else base", f.span)
                w("if pay < 0:", f.span)
                with w.indent():
                    w("pay = 0", f.span)
                if traced:
                    sid = site(C.FIXED, f.span, f.expr)
                    w(f"t(({sid}, {record(C.FIXED, fixed='fixed', cost='base', pay='pay')}))", f.span)
            elif layer.rate is not None:
                r = layer.rate
                rate = self.expr(r, mode)
                if not isinstance(r, ast.Percent):
                    w(f"rate = {rate}", r.span)
                    self.check_rate("rate", r, r.span)
                    rate = "rate"
                w(f"pay = {self.round_mul(f'elig_{n}', r, rate, mode, nonneg=True)}", r.span)
                if traced:
                    kind = C.RATE_AFTER_DEDUCTIBLE if layer.deductible is not None else C.RATE
                    sid = site(kind, r.span, r)
                    rec = record(kind, base="base", deductible=f"base - elig_{n}", rate=rate, pay="pay")
                    w(f"t(({sid}, {rec}))", r.span)
            else:
                self.bands(layer, traced)
            for cap in layer.caps:
                self.cap(layer, cap, traced, site)
            # A payer never pays more than is left unpaid; this can only happen when the base
            # is not what the earlier layers left.
            left_by_earlier = base_name in ("remaining", "unpaid")
            if not (left_by_earlier or (index == 0 and base_name in ("in_scope", "total"))):
                w("if pay > unpaid:")
                with w.indent():
                    w("pay = unpaid")
            w(f"l_{n} = pay")
            if traced:
                payer = phrases.payer_zh(layer.label.zh)
                sid = site(C.PAYS, layer.span, en={"layer": n}, zh={"payer": payer})
                w(f"t(({sid}, {record(C.PAYS, pay='pay')}))")
            if layer.when is not None:
                w.depth -= 1
                if traced:
                    w("else:", layer.when.span)
                    with w.indent():
                        sid = site(C.SKIPPED, layer.when.span, layer.when)
                        w(f"t(({sid}, {record(C.SKIPPED, condition=repr(self.text(layer.when.span)))}))",
                          layer.when.span.line)
            followers = (*later, *self.p.checks)
            if followers or len(self.p.layers) > 1:
                w(f"unpaid -= l_{n}")
                if any(self.reads_remaining(x) for x in followers):
                    w(f"remaining -= l_{n}")
                    w("if remaining < 0:")
                    with w.indent():
                        w("remaining = 0")

    def reads_result(self, node: object, layer: str, result: str) -> bool:
        return any(isinstance(x, ast.Field) and x.path == (layer, result) for x in ast.walk(node))

    def ceiling(self, layer: ast.Layer, traced: bool, site: Callable[..., int]) -> None:
        w = self.w
        n = layer.name
        ce = layer.ceiling
        assert ce is not None
        with w.at(ce.span):
            w(f"ceiling = {self.expr(ce.expr, layer.rounding or self.default_mode)}")
            w(f"room = ceiling - ye_{n}" if ce.period == "year" else "room = ceiling")
            w("if room < 0:")
            with w.indent():
                w("room = 0")
            w(f"over_{n} = base - room if base > room else 0")
            w(f"base -= over_{n}")
            if traced:
                kind = C.CEILING_YEAR if ce.period == "year" else C.CEILING_VISIT
                sid = site(kind, ce.span, ce.expr)
                rec = record(kind, ceiling="ceiling", room="room", entered="base", over=f"over_{n}")
                w(f"t(({sid}, {rec}))")

    def reads_remaining(self, node: ast.Layer | ast.Check) -> bool:
        return (isinstance(node, ast.Layer) and node.base is None) or any(
            isinstance(x, ast.Name) and x.name == "remaining" for x in ast.walk(node))

    def layer_accumulators(self, layer: ast.Layer) -> list[tuple[str, str]]:
        """(year_to_date key, local variable) pairs a layer reads (``constructs.ACCUMULATORS``)."""
        n = layer.name
        return [(accumulator_key(n, a), f"{a.var}_{n}") for a in layer_accumulators(layer)]

    def deductible(self, layer: ast.Layer, traced: bool, site: Callable[..., int]) -> None:
        w = self.w
        n = layer.name
        d = layer.deductible
        assert d is not None
        line = d.span
        due = self.expr(d.expr, layer.rounding or self.default_mode)
        with w.at(line):
            if d.period == "year":
                w(f"ded = {due}")
                w(f"ded_due = ded - yd_{n}")
                w("if ded_due < 0:")
                with w.indent():
                    w("ded_due = 0")
            else:
                w(f"ded_due = {due}")
            if layer.deductible_limit is not None:
                limit = self.expr(layer.deductible_limit.expr, layer.rounding or self.default_mode)
                w(f"ded_room = {limit} - yd_{n}")
                w("if ded_due > ded_room:")
                with w.indent():
                    w("ded_due = ded_room if ded_room > 0 else 0")
            w(f"ded_{n} = base if base < ded_due else ded_due")
            if traced:
                if d.period == "year":
                    sid = site(C.DEDUCTIBLE_YEAR, d.span, d.expr)
                    rec = record(C.DEDUCTIBLE_YEAR, deductible="ded", paid_before=f"yd_{n}", due="ded_due",
                                 base="base", applied=f"ded_{n}")
                else:
                    limited = layer.deductible_limit is not None
                    kind = C.DEDUCTIBLE_VISIT_LIMITED if limited else C.DEDUCTIBLE_VISIT
                    sid = site(kind, d.span, d.expr)
                    rec = record(kind, deductible="ded_due", base="base", applied=f"ded_{n}",
                                 paid_before=f"yd_{n}")
                w(f"t(({sid}, {rec}))")

    def cap(self, layer: ast.Layer, cap: ast.Periodic, traced: bool, site: Callable[..., int]) -> None:
        w = self.w
        n = layer.name
        with w.at(cap.span):
            w(f"cap = {self.expr(cap.expr, layer.rounding or self.default_mode)}")
            if cap.period == "year":
                w(f"cap_left = cap - yp_{n}")
                w("if cap_left < 0:")
                with w.indent():
                    w("cap_left = 0")
            else:
                w("cap_left = cap")
            if traced:
                w("before_cap = pay")
            w("if pay > cap_left:")
            with w.indent():
                w("pay = cap_left")
            if traced:
                if cap.period == "year":
                    sid = site(C.CAP_YEAR, cap.span, cap.expr)
                    rec = record(C.CAP_YEAR, cap="cap", paid_before=f"yp_{n}", before_cap="before_cap",
                                 cap_left="cap_left", pay="pay")
                else:
                    sid = site(C.CAP_VISIT, cap.span, cap.expr)
                    rec = record(C.CAP_VISIT, before_cap="before_cap", cap="cap", pay="pay")
                w(f"t(({sid}, {rec}))")

    def bands(self, layer: ast.Layer, traced: bool) -> None:
        w = self.w
        n = layer.name
        b = layer.bands
        assert b is not None
        mode = layer.rounding or self.default_mode
        line = b.span
        w(f"before = yb_{n}" if b.period == "year" else "before = 0", line)
        w(f"after = before + elig_{n}", line)
        w("pay = 0", line)
        lower = "0"
        for i, band in enumerate(b.bands):
            bl = band.span
            if band.lower is not None:
                lower = self.expr(band.lower, mode)
            w(f"lo = {lower} if before < {lower} else before", bl)
            if band.upper is not None:
                upper = self.expr(band.upper, mode)
                w(f"hi = {upper} if after > {upper} else after", bl)
            else:
                w("hi = after", bl)
            w("if hi > lo:", bl)
            with w.indent():
                rate = self.expr(band.rate, mode)
                if not isinstance(band.rate, ast.Percent):
                    w(f"rate = {rate}", bl)
                    self.check_rate("rate", band.rate, bl)
                    rate = "rate"
                w(f"part = {self.round_mul('(hi - lo)', band.rate, rate, mode, nonneg=True)}", bl)
                w("pay += part", bl)
                if traced:
                    label = ast.Label(layer.label.zh + f" 第{i + 1}段", layer.label.en + f", band {i + 1}",
                                      band.span)
                    kind = C.BAND_YEAR if b.period == "year" else C.BAND_VISIT
                    sid = self.site(f"{n}:band{i}", kind, rule=f"{n}.band{i + 1}", label=label,
                                    refs=layer.references, span=band.span, inputs=tuple(self.c.reads(band)),
                                    layer=n, ordinal=i + 1)
                    rec = record(kind, lower="lo", upper="hi", slice="hi - lo", rate=rate, pay="part")
                    w(f"t(({sid}, {rec}))", bl)
            if band.upper is not None:
                lower = self.expr(band.upper, mode)

    # ------------------------------------------------------------ whole module
    def settle_function(self, traced: bool) -> None:
        w = self.w
        name = "settle_traced" if traced else "settle"
        doc = ("Settle a validated claim and record every step." if traced
               else "Settle a validated claim (fast path, no trace).")
        w(f"def {name}(c):", self.p.header.span)
        with w.indent():
            w(f'"""{doc}"""')
            w("ytd = c.ytd")
            if traced:
                w("rec = []")
                w("t = rec.append")
                sid = self.site("ytd_ignored", C.YTD_IGNORED, rule="year_to_date",
                                label=ast.Label("年度累计", "year to date", self.p.header.span),
                                refs=(), span=self.p.header.span)
                w("if c.ytd_ignored:")
                with w.indent():
                    w(f"t(({sid}, {record(C.YTD_IGNORED, ytd_year='c.ytd_year', year='c.year')}))")
            early = [p for p in self.c.param_order if p.name not in self.late]
            late = [p for p in self.c.param_order if p.name in self.late]
            for p in early:
                self.parameter(p, traced)
            if self.p.header.input == "record":
                self.amount(traced)
            else:
                self.classify("traced" if traced else "fast")
            for p in late:
                self.parameter(p, traced)
            w("unpaid = total")
            if any(self.reads_remaining(x) for x in (*self.p.layers, *self.p.checks)):
                w("remaining = in_scope")
            for index, layer in enumerate(self.p.layers):
                self.layer(index, layer, traced)
            w("new_ytd = {")
            with w.indent():
                w("**ytd,")
                for layer in self.p.layers:
                    n = layer.name
                    for acc in layer_accumulators(layer):
                        w(f"{accumulator_key(n, acc)!r}: {acc.var}_{n} + {acc.adds}_{n},")
            w("}")
            payers = ", ".join(f"l_{layer.name}" for layer in self.p.layers)
            if len(self.p.layers) == 1:
                payers += ","
            checks = self.checks(traced)
            unpaid_is_kept = len(self.p.layers) > 1 or bool(self.p.checks)
            person = "unpaid" if unpaid_is_kept else f"total - l_{self.p.layers[0].name}"
            if traced:
                h = self.p.header
                is_record = h.input == "record"
                label = (h.remainder or ast.Label("结余", "remainder", h.span)) if is_record else \
                    ast.Label("个人负担", "the person pays", h.span)
                kind = C.REMAINDER if is_record else C.PERSON
                sid = self.site("person", kind, rule=kind.name, label=label, refs=(), span=h.span)
                w(f"person = {person}")
                w(f"t(({sid}, {record(kind, total='total', paid='total - person', person='person')}))")
                person = "person"
            records = ("parts", "rec") if traced else ("None", "None")
            w(f"return Settlement(META, c, total, out_of_scope, first_self_pay, in_scope, ({payers}), "
              f"{person}, new_ytd, {records[0]}, {records[1]}{', ' + checks if checks != '()' else ''})")
        w()
        w()

    def checks(self, traced: bool) -> str:
        """Evaluate the policy's checks after every layer; return the tuple expression of results."""
        w = self.w
        names = []
        for chk in self.p.checks:
            var = f"chk_{chk.name}"
            with w.at(chk.span):
                w(f"{var} = {self.expr(chk.holds, self.default_mode)}", chk.holds.span)
                if traced:
                    text = self.text(chk.holds.span)
                    sid = self.site(f"check:{chk.name}", C.CHECK, rule=f"check.{chk.name}",
                                    label=chk.label, refs=chk.references, span=chk.span,
                                    inputs=tuple(self.c.reads(chk.holds)))
                    w(f"t(({sid}, {record(C.CHECK, holds=var, condition=repr(text))}))", chk.holds.span)
            names.append(var)
        if not names:
            return "()"
        return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"

    def amount(self, traced: bool) -> None:
        """A record policy's stand-in for classification: the amount the layers share out."""
        w = self.w
        h = self.p.header
        assert h.amount is not None
        with w.at(h.amount.span):
            w(f"total = {self.expr(h.amount, self.default_mode)}")
            w("if total < 0:")
            with w.indent():
                w("total = 0")
            if traced:
                sid = self.site("amount", C.AMOUNT, rule="amount",
                                label=ast.Label("分配金额", "amount shared out", h.span), refs=(),
                                span=h.amount.span, inputs=tuple(self.c.reads(h.amount)),
                                en={"expr": self.text(h.amount.span)})
                w(f"t(({sid}, {record(C.AMOUNT, amount='total')}))")
            w("out_of_scope = first_self_pay = 0")
            w("in_scope = total")
            w("parts = []")

    def line_parts_function(self) -> None:
        """Per-line (out of scope, first self-pay), computed only when someone reads the lines."""
        w = self.w
        cls = self.p.classify
        if cls is None:  # a record has no lines
            w("def line_parts(c):")
            with w.indent():
                w('"""A record has no bill lines."""')
                w("return []")
            w()
            w()
            return
        w("def line_parts(c):", cls.span)
        with w.indent():
            w('"""Each line\'s (out of scope, first self-pay), for the line-by-line shares."""')
            needed = set(self.c.reads(cls))
            for p in self.c.param_order:
                if p.name in needed:
                    self.parameter(p, traced=False)
            self.classify("parts")
            w("return parts")
        w()
        w()

    def module(self) -> GeneratedModule:
        h = self.p.header
        body = _Writer(self.p.path)
        # Both entry points are generated into their own writer first, since they add sites.
        self.w = body
        self.w("def applies(c):", h.span)
        with self.w.indent():
            self.w('"""Whether the policy covers this claim at all."""')
            self.w(f"return {self.expr(h.applies, self.default_mode)}" if h.applies is not None
                   else "return True", h.applies.span.line if h.applies else h.span.line)
        self.w()
        self.w()
        self.settle_function(traced=False)
        self.settle_function(traced=True)
        self.line_parts_function()
        self.w("META = PolicyMeta(")
        with self.w.indent():
            self.w(f"{h.name!r}, {h.label.zh!r}, {h.label.en!r}, {self.p.path!r},")
            self.w("(")
            for layer in self.p.layers:
                self.w(f"    LayerInfo({layer.name!r}, {layer.label.zh!r}, {layer.label.en!r}, "
                       f"{int(layer.span.line)}),")
            self.w("),")
            self.w("SITES,")
            self.w("PARAMS,")
            self.w("line_parts,")
            self.w("(")
            for chk in self.p.checks:
                self.w(f"    CheckInfo({chk.name!r}, {chk.label.zh!r}, {chk.label.en!r}, "
                       f"{int(chk.span.line)}),")
            self.w("),")
            if h.input == "record":
                rest = h.remainder or ast.Label("结余", "remainder", h.span)
                self.w(f"input={h.input!r},")
                self.w(f"remainder=({rest.zh!r}, {rest.en!r}),")
        self.w(")")

        head = _Writer()
        # No policy text in the docstring or any comment: it is in POLICY_ID, SOURCE and META.
        head(f'"""Settlement code for the policy POLICY_ID in SOURCE, generated by {GENERATOR}.')
        head()
        head("Do not edit: change the policy and recompile.")
        head('"""')
        head()
        head("from yibao.compiler.runtime import (")
        for name in ("CheckInfo", "LayerInfo", "ParamInfo", "PolicyMeta", "Settlement", "SettlementError",
                     "Site", "div_down", "div_half_even", "div_half_up", "div_up", "no_row"):
            head(f"    {name},")
        head(")")
        head()
        head(f"POLICY_ID = {h.name!r}")
        head(f"SOURCE = {self.p.path!r}")
        start = int(h.effective.toordinal()) if h.effective else dt.date.min.toordinal()
        end = int(h.until.toordinal()) if h.until else None
        head(f"EFFECTIVE = ({start}, {end})  # {_day(start) if h.effective else None} .. "
             f"{_day(end) if end is not None else 'open'}")
        head("ENUMS = {  # the value sets this policy accepts in a claim")
        for key, values in sorted(self.c.enums.items()):
            head(f"    {key!r}: {values!r},")
        head("}")
        head(f"REQUIRES = {tuple(sorted(self._required_fields()))!r}")
        head(f"ACCUMULATORS = {self._accumulators()!r}")
        head(f"INPUT = {h.input!r}")
        if h.input == "record":
            fields = {f.name: _TYPE_CODE[f.type_name] for f in self.p.fields}
            head(f"FIELDS = {fields!r}  # the record's fields and their types")
        head("_IN = (0, 0)")
        head()
        head("SITES = (")
        for i, s in enumerate(self.sites):
            head(f"    {s},  # {i}")
        head(")")
        head()
        head("PARAMS = {")
        for p in self.p.parameters:
            head(f"    {p.name!r}: {self._param_info(p)},")
        head("}")
        head()
        tables = _Writer(self.p.path)
        for lookup in self.tables.values():
            for text, span in lookup.lines:
                tables(text, span)
            tables()
        tables()
        lines = head.lines + tables.lines + body.lines
        linemap = [(self.p.path, 0)] * len(head.lines) + tables.linemap + body.linemap
        source = "\n".join(lines).rstrip() + "\n"
        linemap = linemap[: source.count("\n")]
        # The file name Python's compile() is given: it takes any text but NUL.
        return GeneratedModule(source, tuple(linemap), self.p.path.replace("\0", "\\0"))

    def _param_info(self, p: ast.Parameter) -> str:
        def where(span: ast.Span) -> tuple[int] | tuple[int, str]:
            return (span.line,) if span.file == self.p.path else (span.line, span.file)

        def rows(d: ast.Definition) -> tuple[tuple[str | int, ...], ...]:
            """(keys as written, line[, file if not the policy's]) per table row; one for a value."""
            if isinstance(d, ast.Table):
                return tuple((self.text.row_keys(r), *where(r.span)) for r in d.rows)
            return (("", *where(d.span)),)

        start = self.p.header.effective or dt.date.min
        versions = tuple(
            ((start if v.start == dt.date.min else v.start).isoformat(), rows(v.definition))
            for v in p.versions
        )
        # An exception is cited by its own references, or by its parameter's when it has none.
        exceptions = tuple((e.name, e.label.zh, e.label.en, rows(e.definition),
                            _cite(e.references or p.references, self.p)) for e in p.exceptions)
        code = _TYPE_CODE.get(p.type_name, "t")
        return (f"ParamInfo({p.name!r}, {p.label.zh!r}, {p.label.en!r}, {code!r}, "
                f"{_cite(p.references, self.p)!r}, {int(p.span.line)}, {versions!r}, {exceptions!r})")

    def _accumulators(self) -> tuple[str, ...]:
        """The year_to_date keys this policy reads and writes, in layer order."""
        return tuple(accumulator_key(layer.name, a)
                     for layer in self.p.layers for a in layer_accumulators(layer))

    def _required_fields(self) -> set[str]:
        return {n.dotted for n in ast.walk(self.p) if isinstance(n, ast.Field) and n.dotted == "person.age"}


def generate(checked: CheckedPolicy) -> GeneratedModule:
    return CodeGenerator(checked).module()


