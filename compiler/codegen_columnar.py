"""Checked AST → a columnar Python module that settles a whole batch over NumPy int64 arrays.

A second generator from the same semantic plan as ``codegen.py``: it reads the checked AST and
the constructs' definitions (``constructs.py``: accumulators, layer results) and reuses the
scalar generator's expression emitter (``codegen_expr.ExprEmitter``: names, units, rates in
parts per million, ``round_mul``) wherever Python's integer arithmetic is also NumPy's
(``+ - * //`` on int64 are exact and floor the same way). Only what has no elementwise form
is emitted differently here: conditionals become ``where``, ``and``/``or``/``not`` become
``all_of``/``any_of``/``~``, ``in (…)`` becomes ``isin``, ``if`` statements become masks.

The module has two entry points, driven by ``columnar_settle.settle_batch``:

- ``prepare(c)``: per claim, what does not depend on the year so far — parameters, the
  classification of every bill line (masks over the line arrays, summed per claim with
  ``np.add.reduceat`` over the list offsets), the totals;
- ``settle_layers(c, env, ytd)``: the layers, for claims of distinct persons at once (the
  k-th claim of every person), with their year_to_date in, the new year_to_date out.

A construct this generator has no columnar form for is refused by name (``ColumnarUnsupported``).
The classification's code comes from ``codegen_columnar_classify`` and the layers' from
``codegen_columnar_layers`` (mixed in, as ``codegen_layers`` is into the scalar generator).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from yibao.dsl import ast
from yibao.dsl.checks import CheckedPolicy
from yibao.dsl.errors import YibaoError
from yibao.dsl.types import CATEGORIES

from .codegen import GENERATOR, _Writer
from .codegen_columnar_c import CUnsupported, generate_c_params
from .codegen_columnar_classify import ColumnarClassify
from .codegen_columnar_layers import ColumnarLayers
from .codegen_expr import _FIELDS, _QUANTITY_VARS, _ident
from .columnar_failures import no_row
from .constructs import (
    TREATMENTS,
    accumulator_adds,
    accumulator_key,
    divides,
    layer_accumulators,
    rate_by_line,
)
from .line_pass import fused_table
from .money import RATE_ONE

COLUMNAR_GENERATOR = GENERATOR.replace("codegen", "codegen-columnar")
_PERIODS = ("year", "visit", "month", "quarter")  # `per month` and `per quarter`: caps only (the checker)
# In a classification row, the line's own fields, and the claim's through the line's owner (``L``).
_LINE_FIELDS = {"line.unit_price": "unit_price", "line.amount": "amount", "line.category": "c.line_category",
                "line.class": "c.line_class"}


class ColumnarUnsupported(YibaoError):
    """A policy construct the columnar backend cannot settle; the message names it."""


class ColumnarGenerator(ColumnarClassify, ColumnarLayers):
    """One policy's columnar module."""

    def __init__(self, checked: CheckedPolicy) -> None:
        self.c = checked
        self.p = checked.policy
        self.w = _Writer(self.p.path)
        self.default_mode = self.p.header.rounding or "half_up"
        self.active = "True"  # the mask of claims the code being emitted applies to
        self.lines = False  # emitting a classification row: expressions are per line
        self.common: dict[str, str] = {}  # claim-field tests already computed (``shared``)
        # Enum values are small integers in a batch: their index in the policy's value set.
        self.codes = {f: {v: i for i, v in enumerate(values)} for f, values in self.c.enums.items()}
        self.tmp = 0
        self.line_fails = False  # a test over bill lines was emitted: ``commit_lines`` after them
        self.early: tuple[str, ...] = ()  # the parameters a C loop computes (``c_params``)
        self._refuse_unsupported()
        assert self.p.classify is not None
        # The classification as the fused line pass's table, where it has that form (line_pass.py).
        by_line = any(rate_by_line(x) for x in self.p.layers)
        self.fused = fused_table(self.p.classify, self.default_mode, by_line)

    # ------------------------------------------------------------ what has no columnar form
    def _refuse_unsupported(self) -> None:
        h = self.p.header
        if h.input != "claim":
            raise ColumnarUnsupported(f"{self.p.path}: `input {h.input}` policies have no columnar form "
                                      "(records are settled one at a time: use --engine scalar)")
        for node in ast.walk(self.p):
            if isinstance(node, ast.Periodic) and node.period not in _PERIODS:
                raise ColumnarUnsupported(f"{node.span.file}:{node.span.line}: `per {node.period}` has no "
                                          "columnar form yet (use --engine scalar)")
            if isinstance(node, ast.Field) and node.dotted not in _FIELDS and node.path[0] in (
                    "line", "record"):
                raise ColumnarUnsupported(f"{node.span.file}:{node.span.line}: `{node.dotted}` has no "
                                          "columnar form yet (use --engine scalar)")
            if isinstance(node, ast.Treatment) and node.kind not in TREATMENTS:
                raise ColumnarUnsupported(f"{node.span.file}:{node.span.line}: the treatment `{node.kind}` "
                                          "has no columnar form yet (use --engine scalar)")
        if self.p.classify is None:
            raise ColumnarUnsupported(f"{self.p.path}: a policy without `classify` has no columnar form")
        if h.applies is not None and divides(h.applies):
            a = h.applies.span
            raise ColumnarUnsupported(f"{a.file}:{a.line}: `applies when` with a division has no columnar "
                                      "form yet (use --engine scalar)")
        late = self.quantity_params()
        for layer in self.p.layers:  # a rate by bill line: per line in `prepare`, so of early figures only
            r = layer.rate
            if r is None or not rate_by_line(layer):
                continue
            layer_names = {y.name for y in self.p.layers}
            reads_late = any((isinstance(x, ast.Name) and (x.name in _QUANTITY_VARS or x.name in late))
                             or (isinstance(x, ast.Field) and x.path[0] in layer_names) for x in ast.walk(r))
            if reads_late or not self.rate_in_range(r) or divides(r):
                raise ColumnarUnsupported(f"{r.span.file}:{r.span.line}: a rate by bill line that is "
                                          "computed (not a choice among rates), divides, or reads the "
                                          "settlement's figures has no columnar form yet "
                                          "(use --engine scalar)")
        lines_ok = [x.rate for x in self.p.layers if x.rate is not None and rate_by_line(x)]
        outside = (*self.p.parameters, *(x for x in self.p.layers), *self.p.checks, self.p.header)
        for part in outside:
            for node in ast.walk(part):
                if isinstance(node, ast.Field) and node.path[0] == "line" and not any(
                        node is y for r in lines_ok for y in ast.walk(r)):
                    raise ColumnarUnsupported(f"{node.span.file}:{node.span.line}: `{node.dotted}` outside "
                                              "`classify` and a layer's rate has no columnar form")


    # ------------------------------------------------------------ expressions
    def expr(self, e: ast.Expr, mode: str) -> str:
        """Every part of ``e`` is computed for every claim (line); a part the scalar code
        evaluates only for some (a branch of ``if``, an operand after ``and``/``or``) is
        emitted with those as the mask (``active``) its checks apply to."""
        if isinstance(e, ast.If):
            cond = self.expr(e.cond, mode)
            with self.masked(self.both(self.active, cond)):
                then = self.expr(e.then, mode)
            with self.masked(self.both(self.active, f"np.logical_not({cond})")):
                orelse = self.expr(e.orelse, mode)
            return f"where({cond}, {then}, {orelse})"
        if isinstance(e, ast.BoolOp):
            func = "all_of" if e.op == "and" else "any_of"
            if e.op not in ("and", "or"):
                raise AssertionError(f"unknown operator {e.op!r}")
            operands, mask = [], self.active
            for o in e.operands:  # Python stops at the first false (`and`) or true (`or`) operand
                with self.masked(mask):
                    code = self.expr(o, mode)
                operands.append(code)
                mask = self.both(mask, code if e.op == "and" else f"np.logical_not({code})")
            return f"{func}(" + ", ".join(operands) + ")"
        if isinstance(e, ast.Not):
            return f"np.logical_not({self.expr(e.operand, mode)})"
        if isinstance(e, ast.MemberOf):
            field = self.type_of(e.operand).enum
            members = tuple(self.code(field, m.name, m.span) for m in e.members)
            return f"isin({self.expr(e.operand, mode)}, {members!r})"
        t = self.type_of(e)
        if t.name == "enum" and (isinstance(e, ast.Number) or (
                isinstance(e, ast.Name) and e.name not in self.c.params and e.name not in _QUANTITY_VARS)):
            value = str(e.value) if isinstance(e, ast.Number) else e.name
            if t.enum == "line.class":  # a line's class is its text in a batch
                return repr(value)
            return str(self.code(t.enum, value, e.span))
        if isinstance(e, ast.Contains):
            return f"{'L' if self.lines else 'c'}.has({e.item!r})"
        if self.lines and isinstance(e, ast.Field):
            if e.dotted in _LINE_FIELDS:
                return _LINE_FIELDS[e.dotted]
            if e.dotted in _FIELDS:
                return "L." + _FIELDS[e.dotted][2:]
        if self.lines and isinstance(e, ast.Name) and e.name in self.c.params:
            return f"p_{_ident(e.name, e.span)}[own]"
        return super().expr(e, mode)

    def code(self, field: str | None, value: str, span: ast.Span) -> int:
        """An enum value's integer in a batch (its index in the policy's value set); a line's class
        is its text, a line's category its index in A, B, C."""
        if field == "line.class":
            return value  # type: ignore[return-value]
        if field == "line.category":
            return CATEGORIES.index(value)
        codes = self.codes.get(field or "")
        if codes is None or value not in codes:
            raise ColumnarUnsupported(f"{span.file}:{span.line}: the enum value `{value}` has no known "
                                      "field; it has no columnar form (use --engine scalar)")
        return codes[value]

    def divisor(self, code: str, e: ast.BinOp) -> str:
        """Where the scalar code divides by zero (``ZeroDivisionError``), the claim fails with its
        message; NumPy's quotient there (0) is never used."""
        if not divides(e):
            return code
        bad = f"({code}) == 0"
        if self.lines:
            self.line_fails = True
            where = f"({e.span.file!r}, {int(e.span.line)})"
            self.w(f"fail_lines(c, own, {self.both(self.active, bad)}, {where}, DIVISION_BY_ZERO, INFO)",
                   e.span)
        else:
            self.fail(self.both(self.active, bad), e.span, "DIVISION_BY_ZERO")
        return code

    @staticmethod
    def both(mask: str, cond: str) -> str:
        """The mask of claims (lines) where ``mask`` and ``cond`` hold."""
        return cond if mask == "True" else f"all_of({mask}, {cond})"

    def check_rate(self, var: str, e: ast.Expr, line: ast.Span) -> None:
        if not self.rate_in_range(e):
            self.fail(f"{self.active} & ((({var}) < 0) | (({var}) > {RATE_ONE}))", line,
                      f"lambda i: rate_text({var}, i)")

    def fail(self, bad: str, span: ast.Span, reason: str) -> None:
        self.w(f"fail(c, {bad}, ({span.file!r}, {int(span.line)}), {reason}, INFO)", span)

    @contextmanager
    def masked(self, mask: str) -> Iterator[None]:
        saved, self.active = self.active, mask
        try:
            yield
        finally:
            self.active = saved

    def fresh(self, stem: str) -> str:
        self.tmp += 1
        return f"{stem}{self.tmp}"

    # ------------------------------------------------------------ parameters
    def quantity_params(self) -> set[str]:
        direct = {p.name for p in self.p.parameters
                  if any(isinstance(n, ast.Name) and n.name in _QUANTITY_VARS for n in ast.walk(p))}
        late = set(direct)
        for p in self.c.param_order:
            if self.c.param_deps[p.name] & late:
                late.add(p.name)
        return late

    def parameter(self, p: ast.Parameter) -> None:
        """Exceptions by priority, then dated versions latest first: the first that holds gives the value."""
        w = self.w
        mode = self.default_mode
        var = f"p_{_ident(p.name, p.span)}"
        with w.at(p.span):
            w(repr(f"parameter {p.name}: {p.label.en}"), p.span)
            branches: list[tuple[ast.Expr | str | None, ast.Definition, ast.Span]] = []
            for ex in p.exceptions_by_priority():
                branches.append((ex.when, ex.definition, ex.span))
            versions = list(p.versions)
            for k, version in enumerate(reversed(versions)):
                last = k == len(versions) - 1
                cond = None if last else f"(c.day >= {int(version.start.toordinal())})"
                branches.append((cond, version.definition, version.span))
            if len(branches) == 1:
                w(f"{var} = full(c.n, {self.definition(branches[0][1], p.name)})")
                return
            taken = "False"
            pairs = []
            for when, definition, span in branches:
                if isinstance(when, ast.Expr):  # an exception's test, once the earlier ones failed
                    with self.masked(self.both(self.active, f"np.logical_not({taken})")):
                        cond: str | None = self.expr(when, mode)
                else:
                    cond = when
                mask = self.fresh("m")
                here = cond if cond is not None else "True"
                w(f"{mask} = all_of({self.active}, np.logical_not({taken}), {here})", span)
                with self.masked(mask):
                    value = self.definition(definition, p.name)
                pairs.append((cond, value))
                taken = f"any_of({taken}, {cond})" if cond is not None else taken
            conds = [c_ for c_, _ in pairs if c_ is not None]
            values = [v for c_, v in pairs if c_ is not None]
            default = pairs[-1][1]
            w(f"{var} = full(c.n, choose(c.n, [{', '.join(conds)}], [{', '.join(values)}], {default}))")

    def definition(self, d: ast.Definition, name: str) -> str:
        """Code for a definition's value (emitting the statements it needs first)."""
        mode = self.default_mode
        if isinstance(d, ast.Value):
            return self.expr(d.expr, mode)
        w = self.w
        tests = []
        for row in d.rows:  # each row's test once (a test another table made too: its variable)
            test = self.row_test(d, row)
            if test != "True" and test.startswith("all_of("):
                test = self.shared(test, row.span)
            tests.append(test)
        values = []
        for k, (row, test) in enumerate(zip(d.rows, tests, strict=True)):
            mask = self.active if test == "True" else self.both(self.active, test)
            if k:
                mask = self.both(mask, f"np.logical_not(any_of({', '.join(tests[:k])}))")
            with self.masked(mask):
                values.append(self.expr(row.value, mode))
            if test == "True":
                break  # no later row is ever reached
        var = self.fresh("t")
        if tests and tests[0] == "True":
            return values[0]
        cut = next((i for i, t in enumerate(tests) if t == "True"), None)
        if cut is None:
            any_row = self.shared(f"any_of({', '.join(tests)})", d.span)
            self.fail(self.shared(f"all_of({self.active}, np.logical_not({any_row}))", d.span), d.span,
                      repr(no_row(name, int(d.span.line))))
            default = "0"
        else:
            tests, default = tests[:cut], values[cut]
            values = values[:cut]
        rows = ""
        used = d.rows[: len(tests) + (cut is not None)]  # the rows whose values are chosen from
        if all(isinstance(r.value, (ast.Number, ast.Percent)) for r in used):
            # constant values: looked up by the rows' tests as bits, shared with a table of the same rows
            rows = ", rows=" + self.shared(f"row_bits(c.n, [{', '.join(tests)}])", d.span)
        w(f"{var} = choose(c.n, [{', '.join(tests)}], [{', '.join(values)}], {default}{rows})", d.span)
        return var

    def row_test(self, d: ast.Table, row: ast.Row) -> str:
        conds = []
        for key, pat in zip(d.keys, row.patterns, strict=True):
            if pat.alternatives is None:
                continue
            f = _FIELDS[key.dotted]
            codes = tuple(self.code(key.dotted, str(a), row.span) for a in pat.alternatives)
            if len(codes) == 1:
                conds.append(self.shared(f"({f} == {codes[0]})", row.span))
            else:
                conds.append(self.shared(f"isin({f}, {codes!r})", row.span))
        if not conds:
            return "True"
        return conds[0] if len(conds) == 1 else "all_of(" + ", ".join(conds) + ")"

    def shared(self, code: str, span: ast.Span) -> str:
        """A test of claim fields, computed once per module function (``prepare`` is straight-line)."""
        var = self.common.get(code)
        if var is None:
            var = self.common[code] = self.fresh("f")
            self.w(f"{var} = {code}", span)
        return var

    def c_params(self, early: list[ast.Parameter]) -> bool:
        """Whether the parameters computed before the classification have a C form (one loop)."""
        if not early:
            return False
        try:
            generate_c_params(self.c, early)
        except CUnsupported:
            return False
        self.early = tuple(p.name for p in early)
        return True

    # ------------------------------------------------------------ the module
    def module(self) -> str:
        h = self.p.header
        w = self.w
        late = self.quantity_params()
        w("def applies(c):", h.span)
        with w.indent():
            w('"""Which claims the policy covers at all."""')
            w(f"return full(c.n, {self.expr(h.applies, self.default_mode) if h.applies else 'True'})")
        w()
        w()
        w("def prepare(c):", h.span)
        with w.indent():
            w('"""Per claim: parameters, the classification of every line, the totals."""')
            w("zero = np.zeros(c.n, dtype=I64)")
            self.common = {}
            params = list(self.c.param_order)
            early = [p for p in params if p.name not in late]
            if self.c_params(early):  # the compiled loop where it runs (columnar_c), else NumPy
                w("got = KERNELS.params(c) if KERNELS is not None else None  # None: NumPy (columnar_c.py)")
                w("if got is not None:")
                with w.indent():
                    w(", ".join(f"p_{_ident(p.name, p.span)}" for p in early) + ", = got")
                w("else:")
                saved = dict(self.common)  # a test first computed in this branch is not for after it
                with w.indent():
                    for p in early:
                        self.parameter(p)
                self.common = saved
            else:
                for p in early:
                    self.parameter(p)
            self.classify()
            self.line_rates()
            for p in params:
                if p.name in late:
                    self.parameter(p)
            names = ["total", "out_of_scope", "first_self_pay", "in_scope"] + [
                f"p_{_ident(p.name, p.span)}" for p in params]
            w("return {")
            with w.indent():
                for name in names:
                    w(f"{name!r}: {name},")
            w("}")
        w()
        w()
        w("def settle_layers(c, env, ytd):", h.span)
        with w.indent():
            w('"""The layers, for claims of distinct persons; year_to_date in, the new one out."""')
            w("zero = np.zeros(c.n, dtype=I64)")
            for name in names:
                w(f"{name} = env[{name!r}]")
            w("unpaid = total")
            w("remaining = in_scope")
            for index, layer in enumerate(self.p.layers):
                self.layer(index, layer)
            for chk in self.p.checks:  # a batch has no checks' results, but a check can fail
                if divides(chk.holds):
                    with w.at(chk.span):
                        self.expr(chk.holds, self.default_mode)
            payers = ", ".join(f"l_{_ident(x.name, x.span)}" for x in self.p.layers)
            w(f"paid = ({payers},)")
            w("new_ytd = {")
            with w.indent():
                for layer in self.p.layers:
                    n = layer.name
                    for acc in layer_accumulators(layer):
                        w(f"{accumulator_key(n, acc)!r}: {acc.var}_{n} + {accumulator_adds(layer, acc)}_{n},")
            w("}")
            w("return paid, new_ytd")
        head = _Writer()
        head(f'"""Columnar settlement code for the policy POLICY_ID in SOURCE, by {COLUMNAR_GENERATOR}.')
        head()
        head("Do not edit: change the policy and recompile.")
        head('"""')
        head()
        head("import numpy as np")
        head()
        head("from yibao.compiler.columnar_failures import (")
        for name in ("DIVISION_BY_ZERO", "PolicyLines", "commit_lines", "fail", "fail_lines", "overpaid",
                     "rate_text"):
            head(f"    {name},")
        head(")")
        head("from yibao.compiler.runtime_columnar import (")
        for name in ("I64", "all_of", "any_of", "choose", "div_down", "div_half_even", "div_half_up",
                     "div_up", "floor_mul_div", "full", "isin", "max", "min", "row_bits", "sums", "where"):
            head(f"    {name},")
        head(")")
        if self.fused is not None:
            head("from yibao.compiler.line_pass import line_sums")
        head()
        head(f"POLICY_ID = {h.name!r}")
        head(f"SOURCE = {self.p.path!r}")
        start = int(h.effective.toordinal()) if h.effective else dt.date.min.toordinal()
        end = int(h.until.toordinal()) if h.until else None
        head(f"EFFECTIVE = ({start}, {end})")
        head("ENUMS = {  # the value sets; a batch holds each value as its index here")
        for key, values in sorted(self.c.enums.items()):
            head(f"    {key!r}: {values!r},")
        head("}")
        head(f"LAYERS = {tuple(x.name for x in self.p.layers)!r}")
        accs = tuple(accumulator_key(x.name, a) for x in self.p.layers for a in layer_accumulators(x))
        head(f"ACCUMULATORS = {accs!r}")
        head(f"YEAR_START = {h.year_start or (1, 1)!r}  # quarters count from the insurance year's start")
        head("INFO = PolicyLines(SOURCE, {})  # the policy's text, set by the loader, for error messages")
        if self.early:
            head(f"C_PARAMS = {self.early!r}  # computed by KERNELS.params where it runs (columnar_c)")
        head("KERNELS = None  # the compiled parts (columnar_c.Kernels), set by the loader")
        if self.fused is not None:
            head(f"LINE_RULES = {self.fused!r}  # per line category: (op, p, q, mode), line_pass.fused_table")
        head()
        head()
        source = "\n".join(head.lines + w.lines).rstrip() + "\n"
        return source


def generate_columnar(checked: CheckedPolicy) -> str:
    """The columnar module's source; raises ``ColumnarUnsupported`` naming a construct it lacks."""
    return ColumnarGenerator(checked).module()
