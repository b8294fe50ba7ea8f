"""Expressions to Python: the generator's only way from a policy name, operator or number to code.

Split from ``codegen.py`` so that what makes generated code safe (``_ident`` checks every name,
``_op`` every operator, numbers pass through ``int``) and exact (rates in parts per million,
divisions rounded by the policy's mode, long sums grouped) reads in one place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

from yibao.dsl import ast, codes
from yibao.dsl.checks import CheckedPolicy
from yibao.dsl.errors import Diagnostic, PolicyError
from yibao.dsl.phrase import P
from yibao.dsl.types import FUNCTIONS, MONEY, NUMBER, RATE, Type

from .constructs import LAYER_RESULTS
from .money import FEN_PER_YUAN, RATE_ONE, percent_to_ppm

if TYPE_CHECKING:
    from .codegen import _Writer

_DIV = {"half_up": "div_half_up", "half_even": "div_half_even", "down": "div_down", "up": "div_up"}
_FIELDS = {
    "person.scheme": "c.scheme", "person.category": "c.category", "person.age": "c.age",
    "visit.kind": "c.kind", "visit.facility": "c.facility", "visit.level": "c.level",
    "visit.region": "c.region",
    "visit.referral": "c.referral", "visit.admission_no": "c.admission_no",
    "visit.diseases": "c.diseases", "claim.date": "c.day",
    "line.unit_price": "ln.unit_price", "line.amount": "ln.amount",  # in a classify row or a rate
    "line.category": "ln.category", "line.class": "ln.item_class",
}
_QUANTITY_VARS = {"total", "in_scope", "out_of_scope", "first_self_pay", "remaining", "unpaid"}
_NONNEGATIVE = _QUANTITY_VARS  # settlement quantities never go below zero
_LAYER_RESULT_VARS = {name: r.var for name, r in LAYER_RESULTS.items()}
_TYPE_CODE = {"money": "m", "rate": "r", "count": "c", "date": "d", "bool": "b"}
_BINOPS = frozenset({"+", "-", "*", "/"})
_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})
_BOOLOPS = frozenset({"and", "or"})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A longer chain of + and - is grouped, a group in parentheses, so that no sum nests deeply.
_FLAT_TERMS = 32


def _ident(name: object, span: ast.Span) -> str:
    """A policy name that is about to become part of a Python identifier, checked."""
    if isinstance(name, str) and _IDENT.fullmatch(name):
        return name
    raise PolicyError([Diagnostic(codes.COMPILER_REFUSED,
                                  span, P("{name} is not a name the compiler can use", name=repr(name)),
                                  P("names are letters, digits and `_`, not starting with a digit"))])


def _op(op: object, allowed: frozenset[str], span: ast.Span) -> str:
    if isinstance(op, str) and op in allowed:
        return op
    raise PolicyError([Diagnostic(codes.COMPILER_REFUSED, span, P("unknown operator {op}", op=repr(op)))])


def _day(ordinal: int) -> str:
    """A date for a comment, rebuilt from the ordinal the generator wrote: never policy text."""
    return dt.date.fromordinal(ordinal).isoformat()


_SLOT = re.compile(r"\{(\d+:[a-z])\}")


def _plain(text: str) -> str:
    """Policy text for a trace template: a ``{0:m}`` in it is shown as written, never filled.

    A word joiner (invisible) after the brace keeps the template's slot pattern from matching.
    """
    return _SLOT.sub("{\u2060\\1}", text)


_LITERAL = re.compile(r"-?\d+|\(-\d+\)|True|False|'[A-Za-z0-9_.]*'")


def _is_literal(code: str) -> bool:
    """Whether generated expression code is a constant (a table of constants needs no code per row)."""
    return _LITERAL.fullmatch(code) is not None


class RoundSteps(NamedTuple):
    """How ``x × rate`` is rounded to the fen in integer steps (``round_steps``): ``prod`` over ``q``,
    by ``form``: "exact" (q is 1), "half_up_even" ((prod + q/2) // q), "half_up"
    ((2·prod + q) // 2q), "down" (prod // q), or "helper" (the mode's ``div_*`` helper)."""

    prod: str
    q: int
    form: str


def round_steps(x: str, rate: ast.Expr, rate_code: str, mode: str, *, nonneg: bool,
                lit: Callable[[int], str] = str) -> RoundSteps:
    """The one decision of how a rate times money rounds, which every code generator writes in
    its own language: a literal percent reduced to its lowest terms, plain floor division where
    the signs are known (``nonneg``)."""
    if isinstance(rate, ast.Percent):
        frac = Fraction(percent_to_ppm(rate.value), RATE_ONE)
        p, q = frac.numerator, frac.denominator
        prod = x if p == 1 else f"{x} * {lit(p)}"
        if q == 1:
            return RoundSteps(prod, q, "exact")
    else:
        prod, q = f"{x} * {rate_code}", RATE_ONE
    if nonneg and mode == "half_up":
        return RoundSteps(prod, q, "half_up_even" if q % 2 == 0 else "half_up")
    if nonneg and mode == "down":
        return RoundSteps(prod, q, "down")
    return RoundSteps(prod, q, "helper")


class ExprEmitter:
    """Expression code and rounded products; the generator's state it reads is declared here."""

    c: CheckedPolicy
    w: _Writer

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
            return f"{div}({left} * {RATE_ONE}, {self.divisor(right, e)})"
        # division by a number or a count
        if isinstance(e.right, ast.Number):
            frac = Fraction(e.right.value)
            return f"{div}({left} * {int(frac.denominator)}, {self.divisor(str(int(frac.numerator)), e)})"
        return f"{div}({left}, {self.divisor(right, e)})"

    def divisor(self, code: str, e: ast.BinOp) -> str:
        """The code of ``e``'s divisor. Here Python raises ``ZeroDivisionError`` where it is 0
        (reported as ``constructs.DIVISION_BY_ZERO`` at the policy line); the columnar generator
        checks it for the claims that evaluate ``e``."""
        return code

    def round_mul(self, x: str, rate: ast.Expr, rate_code: str, mode: str, *, nonneg: bool) -> str:
        """``x × rate`` rounded to the fen, as plain integer arithmetic where the signs are known."""
        st = round_steps(x, rate, rate_code, mode, nonneg=nonneg)
        if st.form == "exact":
            return f"({st.prod})"
        if st.form == "half_up_even":
            return f"({st.prod} + {st.q // 2}) // {st.q}"
        if st.form == "half_up":
            return f"(2 * {st.prod} + {st.q}) // {2 * st.q}"
        if st.form == "down":
            return f"{st.prod} // {st.q}"
        return f"{_DIV[mode]}({st.prod}, {st.q})"

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
                self.w(f"raise SettlementError.rate_outside({var})",
                       line)
