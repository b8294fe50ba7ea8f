"""Checked AST → the claim-level layers of a columnar module as one C function (``columnar_c``).

A third generator from the same plan as ``codegen_columnar_layers``: the same layers, in the same
order, with the same arithmetic, but written as C statements inside one loop over the claims,
which reads the int64 columns ``prepare`` left and the year_to_date and writes each payer's and
each accumulator's column directly (no blocks, no temporaries). NumPy's int64 semantics are kept
exactly: ``+ - *`` wrap (the kernel is compiled with ``-fwrapv``), ``//`` and ``%`` floor as
NumPy's do (``fdiv``/``fmod`` below, 0 for a divisor of 0, and INT64_MIN / -1 wraps instead of
trapping), and the ``div_*`` rounding helpers are ``runtime_columnar``'s, step for step.

Only what can never fail is taken: a layer that reads a claim's own fields, a `given` layer, a
rate by bill line, a division whose divisor is not a literal, a computed rate that may fall
outside 0–100%, or a check that divides has no C form here (``CUnsupported`` names it), and the
generated NumPy code settles that policy. Policy text never enters the C source: a layer is its
index (``l_0``), a column its place in the kernel's inputs (``in_3``), numbers pass through ``int``.
"""

from __future__ import annotations

from fractions import Fraction

from yibao.dsl import ast
from yibao.dsl.checks import CheckedPolicy

from .codegen_c_int64 import DIV as _DIV
from .codegen_c_int64 import PREAMBLE as _PREAMBLE
from .codegen_c_int64 import CUnsupported
from .codegen_c_int64 import lit as _lit
from .codegen_expr import _COMPARE, _NONNEGATIVE, _QUANTITY_VARS, _ident, _op, round_steps
from .constructs import (
    LAYER_RESULTS,
    PAID_IN,
    accumulator_adds,
    accumulator_key,
    divides,
    layer_accumulators,
    rate_by_line,
)
from .money import FEN_PER_YUAN, RATE_ONE, percent_to_ppm

_NUMERIC = frozenset({"money", "rate", "count", "number"})


class CLayersGenerator:
    """One policy's ``settle_layers`` as C: ``source()``, and the columns it reads (``inputs``)."""

    prefix, index = "in", "i"  # an input column and the claim's place in it in C: ``in_3[i]``

    def __init__(self, checked: CheckedPolicy) -> None:
        self.c = checked
        self.p = checked.policy
        self.default_mode = self.p.header.rounding or "half_up"
        self.inputs: list[str] = []  # env names, in the order of the kernel's `in` array
        self.lines: list[str] = []
        self.depth = 2  # the loop's body: statements indented by block
        # a layer is its index in C (``{var}_{k}``): no policy name enters the source
        self.layer_index = {x.name: k for k, x in enumerate(self.p.layers)}
        self.accumulators = tuple(accumulator_key(x.name, a)
                                  for x in self.p.layers for a in layer_accumulators(x))
        self._refuse()

    # ------------------------------------------------------------ what has no C form
    def _refuse(self) -> None:
        for layer in self.p.layers:
            if layer.given is not None:
                raise CUnsupported("a `given` layer (its check can fail)")
            if rate_by_line(layer):
                raise CUnsupported("a rate by bill line")
            if divides(layer):
                raise CUnsupported("a division by a computed divisor (it can fail)")
            rates = [layer.rate] if layer.rate is not None and not isinstance(layer.rate, ast.Percent) else []
            if layer.bands is not None:
                rates += [b.rate for b in layer.bands.bands if not isinstance(b.rate, ast.Percent)]
            for r in rates:
                if not self.rate_in_range(r):
                    raise CUnsupported("a computed rate that may fall outside 0%..100% (it can fail)")
        if any(divides(chk.holds) for chk in self.p.checks):
            raise CUnsupported("a check that divides (it can fail)")

    def rate_in_range(self, e: ast.Expr) -> bool:
        from .codegen_expr import ExprEmitter

        return ExprEmitter.rate_in_range(self, e)  # type: ignore[arg-type]  # reads self.c only

    # ------------------------------------------------------------ expressions
    def type_name(self, e: ast.Expr) -> str:
        t = self.c.types.get(id(e))
        return t.name if t is not None else "number"

    def column(self, name: str) -> str:
        """An env column, read at claim i; its place in the kernel's inputs."""
        if name not in self.inputs:
            self.inputs.append(name)
        return f"{self.prefix}_{self.inputs.index(name)}[{self.index}]"

    def param(self, e: ast.Name) -> str:
        """A parameter: the column ``prepare`` left."""
        return self.column(f"p_{_ident(e.name, e.span)}")

    def expr(self, e: ast.Expr, mode: str) -> str:
        """C for ``e``, as ``ExprEmitter.expr`` and ``ColumnarGenerator.expr`` compute it over NumPy."""
        t = self.type_name(e)
        if isinstance(e, ast.Number):
            if t == "money":
                return _lit(int(e.value * FEN_PER_YUAN))
            if t not in _NUMERIC or e.value != e.value.to_integral_value():
                raise CUnsupported("a number that is not an integer amount")
            return _lit(int(e.value))
        if isinstance(e, ast.Percent):
            return _lit(int(percent_to_ppm(e.value)))
        if isinstance(e, ast.BoolLit):
            return "1" if e.value else "0"
        if isinstance(e, ast.Name):
            if e.name in self.c.params:
                if t not in _NUMERIC and t != "bool":
                    raise CUnsupported("a parameter that is not a number, an amount, a rate or a yes/no")
                return self.param(e)
            if e.name in ("remaining", "unpaid"):
                return e.name  # the kernel's locals
            if e.name in _QUANTITY_VARS:
                return self.column(e.name)
            raise CUnsupported("an enum value")
        if isinstance(e, ast.Field):
            if len(e.path) == 2 and e.path[0] in self.layer_index and e.path[1] in LAYER_RESULTS:
                return f"{LAYER_RESULTS[e.path[1]].var}_{self.layer_index[e.path[0]]}"
            raise CUnsupported("a claim's own field (other than a table's key)")
        if isinstance(e, ast.Neg):
            return f"(-{self.expr(e.operand, mode)})"
        if isinstance(e, ast.BinOp):
            return self.binop(e, mode)
        if isinstance(e, ast.Compare):
            return f"({self.expr(e.left, mode)} {_op(e.op, _COMPARE, e.span)} {self.expr(e.right, mode)})"
        if isinstance(e, ast.BoolOp):
            op = {"and": " && ", "or": " || "}.get(e.op)
            if op is None:
                raise CUnsupported("an unknown boolean operator")
            return "(" + op.join(f"({self.expr(o, mode)} != 0)" for o in e.operands) + ")"
        if isinstance(e, ast.Not):
            return f"(!{self.expr(e.operand, mode)})"
        if isinstance(e, ast.Call):
            func = {"min": "imin", "max": "imax"}.get(e.func)
            if func is None or not e.args:
                raise CUnsupported("an unknown function")
            out = self.expr(e.args[0], mode)
            for a in e.args[1:]:
                out = f"{func}({out}, {self.expr(a, mode)})"
            return out
        if isinstance(e, ast.If):
            return f"(({self.expr(e.cond, mode)}) ? {self.expr(e.then, mode)} : {self.expr(e.orelse, mode)})"
        raise CUnsupported(f"the expression {type(e).__name__}")

    def binop(self, e: ast.BinOp, mode: str) -> str:
        """``ExprEmitter.binop``: the same products and rounded divisions."""
        div = _DIV[mode]
        op = e.op
        lt, rt = self.type_name(e.left), self.type_name(e.right)
        left, right = self.expr(e.left, mode), self.expr(e.right, mode)
        if op in ("+", "-"):
            return f"({left} {op} {right})"
        if op == "*":
            if (lt == "rate" and rt in ("money", "rate")) or (rt == "rate" and lt in ("money", "rate")):
                return f"{div}({left} * {right}, {_lit(RATE_ONE)})"
            for num, other in ((e.left, right), (e.right, left)):
                if isinstance(num, ast.Number) and self.type_name(num) == "number":
                    frac = Fraction(num.value)
                    if frac.denominator != 1:
                        return f"{div}({other} * {_lit(frac.numerator)}, {_lit(frac.denominator)})"
            return f"({left} * {right})"
        if op != "/":
            raise CUnsupported("an unknown operator")
        if lt == "rate" and rt == "rate":
            return f"{div}({left} * {_lit(RATE_ONE)}, {right})"
        if isinstance(e.right, ast.Number):
            frac = Fraction(e.right.value)
            return f"{div}({left} * {_lit(frac.denominator)}, {_lit(frac.numerator)})"
        return f"{div}({left}, {right})"

    def round_mul(self, x: str, rate: ast.Expr, rate_code: str, mode: str) -> str:
        """``ExprEmitter.round_mul`` with ``nonneg`` (``round_steps``), floored as NumPy floors."""
        st = round_steps(x, rate, rate_code, mode, nonneg=True, lit=_lit)
        if st.form == "exact":
            return f"({st.prod})"
        if st.form == "half_up_even":
            return f"fdiv({st.prod} + {_lit(st.q // 2)}, {_lit(st.q)})"
        if st.form == "half_up":
            return f"fdiv(2 * {st.prod} + {_lit(st.q)}, {_lit(2 * st.q)})"
        if st.form == "down":
            return f"fdiv({st.prod}, {_lit(st.q)})"
        return f"{_DIV[mode]}({st.prod}, {_lit(st.q)})"

    # ------------------------------------------------------------ layers
    def w(self, line: str) -> None:
        """A statement, indented by the depth of its block (a line ending in ``{`` opens one)."""
        self.depth -= line.startswith("}")
        self.lines.append("    " * self.depth + line)
        self.depth += line.endswith("{")

    def layer(self, index: int, layer: ast.Layer) -> None:
        """``ColumnarLayers.layer`` for one claim."""
        n = str(index)
        mode = layer.rounding or self.default_mode
        self.w(f"/* layer {index} */")
        for acc in layer_accumulators(layer):
            self.w(f"const i64 {acc.var}_{n} = {self.column('ytd ' + accumulator_key(layer.name, acc))};")
        for var in ("l", "ded", "elig", "base", "over"):
            self.w(f"i64 {var}_{n} = 0;")
        act = "1"
        if layer.when is not None:
            act = f"act_{n}"
            self.w(f"const int {act} = ({self.expr(layer.when, mode)}) != 0;")
        self.w("{")
        self.layer_body(index, layer, n, mode)
        self.w("}")
        if layer.when is not None:
            self.w(f"if (!{act}) {{ l_{n} = 0; ded_{n} = 0; elig_{n} = 0; base_{n} = 0; over_{n} = 0; }}")
        self.w(f"unpaid = unpaid - l_{n};")
        self.w(f"remaining = imax(remaining - l_{n}, 0);")

    def layer_body(self, index: int, layer: ast.Layer, n: str, mode: str) -> None:
        w = self.w
        base_name = layer.base.name if isinstance(layer.base, ast.Name) else None
        if layer.base is None:
            base_name = "remaining"
        base = self.expr(layer.base, mode) if layer.base is not None else "remaining"
        w(f"i64 base = {base};")
        if base_name not in _NONNEGATIVE:
            w("base = imax(base, 0);")
        w("i64 pay = 0, room = 0;")
        after = layer.ceiling_after_deductible
        over = f"over_{n}"
        if layer.ceiling is not None and not after:
            self.ceiling_room(layer, layer.ceiling, n)
            w(f"{over} = imax(base - room, 0);")
            w(f"base = base - {over};")
        if not after:
            w(f"base_{n} = base;")
        if layer.deductible is not None:
            self.deductible(layer, n)
        if after:
            assert layer.ceiling is not None
            self.ceiling_room(layer, layer.ceiling, n)
            w(f"{over} = imax(base - ded_{n} - room, 0);")
            w(f"base = base - {over};")
            w(f"base_{n} = base;")
        w(f"elig_{n} = base - ded_{n};")
        if layer.fixed is not None:
            w(f"pay = imax(imin({self.expr(layer.fixed.expr, mode)}, base), 0);")
        elif layer.rate is not None:
            r = layer.rate
            rate = self.expr(r, mode)
            if not isinstance(r, ast.Percent):
                w(f"const i64 rate = {rate};")
                rate = "rate"
            w(f"pay = {self.round_mul(f'elig_{n}', r, rate, mode)};")
        else:
            self.bands(layer, n, mode)
        for cap in layer.caps:
            capv = self.expr(cap.expr, mode)
            if cap.period in PAID_IN:
                w(f"pay = imin(pay, imax({capv} - {PAID_IN[cap.period].var}_{n}, 0));")
            else:
                w(f"pay = imin(pay, {capv});")
        left_by_earlier = base_name in ("remaining", "unpaid")
        if not (left_by_earlier or (index == 0 and base_name in ("in_scope", "total"))):
            w("pay = imin(pay, unpaid);")
        w(f"l_{n} = pay;")
        w("(void)room;")

    def ceiling_room(self, layer: ast.Layer, ce: ast.Periodic, n: str) -> None:
        value = self.expr(ce.expr, layer.rounding or self.default_mode)
        room = f"{value} - ye_{n}" if ce.period == "year" else value
        self.w(f"room = imax({room}, 0);")

    def deductible(self, layer: ast.Layer, n: str) -> None:
        d = layer.deductible
        assert d is not None
        mode = layer.rounding or self.default_mode
        due = self.expr(d.expr, mode)
        self.w("{")
        self.w(f"i64 ded_due = imax({due} - yd_{n}, 0);" if d.period == "year" else f"i64 ded_due = {due};")
        if layer.deductible_limit is not None:
            limit = self.expr(layer.deductible_limit.expr, mode)
            self.w(f"const i64 ded_room = {limit} - yd_{n};")
            self.w("if (ded_due > ded_room) ded_due = imax(ded_room, 0);")
        self.w(f"ded_{n} = imin(base, ded_due);")
        self.w("}")

    def bands(self, layer: ast.Layer, n: str, mode: str) -> None:
        b = layer.bands
        assert b is not None
        w = self.w
        w("{")
        w(f"const i64 before = {'yb_' + n if b.period == 'year' else '0'};")
        w(f"const i64 after = before + elig_{n};")
        lower = "0"
        for band in b.bands:
            if band.lower is not None:
                lower = self.expr(band.lower, mode)
            if not (isinstance(band.rate, ast.Percent) and band.rate.value == 0):
                hi = f"imin({self.expr(band.upper, mode)}, after)" if band.upper is not None else "after"
                w("{")
                w(f"const i64 lo = imax({lower}, before), hi = {hi};")
                w("const i64 part = imax(hi - lo, 0);")
                rate = self.expr(band.rate, mode)
                if not isinstance(band.rate, ast.Percent):
                    w(f"const i64 rate = {rate};")
                    rate = "rate"
                w(f"pay = pay + {self.round_mul('part', band.rate, rate, mode)};")
                w("}")
            if band.upper is not None:
                lower = self.expr(band.upper, mode)
        w("}")

    # ------------------------------------------------------------ the function
    def claim(self) -> int:
        """One claim's statements: the layers, then ``out_0``, ... the payers, the accumulators and
        the person; how many outputs."""
        self.w(f"const i64 unpaid_in = {self.column('total')};")  # `unpaid` and `remaining` start here
        self.w("i64 unpaid = unpaid_in;")
        self.w(f"i64 remaining = {self.column('in_scope')};")
        for index, layer in enumerate(self.p.layers):
            self.layer(index, layer)
        k = 0
        for index, _layer in enumerate(self.p.layers):
            self.w(f"out_{k}[i] = l_{index};")
            k += 1
        for index, layer in enumerate(self.p.layers):
            n = str(index)
            for acc in layer_accumulators(layer):
                self.w(f"out_{k}[i] = {acc.var}_{n} + {accumulator_adds(layer, acc)}_{n};")
                k += 1
        person = " - ".join(["unpaid_in", *(f"l_{k}" for k in range(len(self.p.layers)))])
        self.w(f"out_{k}[i] = {person};  /* the person: the bill less every payer, as int64 wraps */")
        self.w("(void)unpaid; (void)remaining;")
        return k + 1

    def source(self) -> str:
        """The C source: the helpers, then ``yibao_settle_layers(n, in, out)``; ``in`` holds
        ``inputs`` (env columns, then ``ytd <key>``), ``out`` the payers, ``accumulators``, the person."""
        k = self.claim()
        reads = [f"    const i64 *const in_{j} = in[{j}];" for j in range(len(self.inputs))]
        writes = [f"    i64 *const out_{j} = out[{j}];" for j in range(k)]
        lines = [_PREAMBLE,
                 "/* in: the columns of KERNEL_INPUTS; out: the payers, the accumulators, the person. */",
                 "void yibao_settle_layers(i64 n, const i64 *const *in, i64 *const *out) {",
                 *reads, *writes,
                 "    for (i64 i = 0; i < n; i++) {",
                 *self.lines,
                 "    }",
                 "}"]
        return "\n".join(lines) + "\n"


def generate_c_layers(checked: CheckedPolicy) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(C source, the kernel's input columns, its output columns); raises ``CUnsupported``."""
    g = CLayersGenerator(checked)
    source = g.source()
    outputs = (*(x.name for x in g.p.layers), *g.accumulators)
    return source, tuple(g.inputs), outputs


# ------------------------------------------------------------ the parameters
_ENUM_KEYS = {"person.scheme": "scheme", "person.category": "category", "visit.kind": "kind",
              "visit.facility": "facility", "visit.level": "level", "visit.region": "region",
              "visit.referral": "referral"}  # a table's keys the kernel reads (int8 codes in a batch)


class CParamsGenerator(CLayersGenerator):
    """The parameters ``prepare`` computes before the classification, as one C loop: a value, or a
    table over the claim's enum fields with constant values (the first row that matches; none
    matching: the claim fails at that table, as ``ColumnarGenerator.definition`` fails it)."""

    def __init__(self, checked: CheckedPolicy, params: list[ast.Parameter], prefix: str = "in") -> None:
        self.c = checked
        self.p = checked.policy
        self.default_mode = self.p.header.rounding or "half_up"
        self.inputs = []  # batch enum columns (int8)
        self.lines = []
        self.depth = 2
        self.prefix = prefix
        self.index = "c" if prefix == "en" else "i"  # the step's claim in its batch (codegen_columnar_step)
        self.layer_index = {}
        self.params = params
        self.local = {p.name: k for k, p in enumerate(params)}
        self.failures: list[tuple[ast.Span, str]] = []  # per table that can match no row: its site, name

    def param(self, e: ast.Name) -> str:
        if e.name not in self.local:
            raise CUnsupported("a parameter computed after the classification")
        return f"pv_{self.local[e.name]}"

    def table(self, d: ast.Table, k: int, name: str) -> None:
        """A table looked up without a branch: the first row whose test holds (``&`` and ``|`` of
        comparisons; the lowest bit set of one per row, or past 63 rows a select per row from the
        last to the first), its value from a constant array; a place past the last row stands for
        no row at all (the claim fails at this table) unless a row always holds."""
        keys = []
        for key in d.keys:
            if key.dotted not in _ENUM_KEYS:
                raise CUnsupported("a table keyed by a field that is not a coded value")
            keys.append(self.column(_ENUM_KEYS[key.dotted]))
        codes = self.c.enums
        tests: list[str] = []
        values: list[str] = []
        always = False
        for row in d.rows:
            conds = []
            for col, key, pat in zip(keys, d.keys, row.patterns, strict=True):
                if pat.alternatives is None:
                    continue
                values_of = codes.get(key.dotted, ())
                alts = []
                for a in pat.alternatives:
                    if str(a) not in values_of:
                        raise CUnsupported("a table value outside its field's value set")
                    alts.append(f"({col} == {int(values_of.index(str(a)))})")
                conds.append("(" + " | ".join(alts) + ")")
            if not isinstance(row.value, (ast.Number, ast.Percent)):
                raise CUnsupported("a table row whose value is computed")
            values.append(self.expr(row.value, self.default_mode))
            if not conds:  # it always holds: the rows after it are never reached
                always = True
                break
            tests.append(" & ".join(conds))
        if not always:
            values.append("0")
        none = len(tests)  # "no row before": the last value's place
        self.w("{")
        self.w(f"static const i64 v[] = {{{', '.join(values)}}};")
        if none < 64:  # each row's test a bit, the first that holds the lowest set (measured faster)
            self.w("const int row = __builtin_ctzll(")
            for r, t in enumerate(tests):
                self.w(f"    ((uint64_t)({t}) << {r}) |")
            self.w(f"    (UINT64_C(1) << {none}));")
        else:
            self.w(f"int row = {none};")
            for r in reversed(range(none)):
                self.w(f"row = ({tests[r]}) ? {r} : row;")
        self.w(f"pv_{k} = v[row];")
        if not always:
            self.failures.append((d.span, name))
            self.w(f"if (row == {none} && !failed) failed = {len(self.failures)};")
        self.w("}")

    def claim(self, write: bool = True) -> None:
        """One claim's parameters, ``pv_0``, ...; ``failed`` set to the first table (1-based) no row of
        which matched; each written to ``out[k]`` when ``write``."""
        for k, p in enumerate(self.params):
            if p.exceptions or len(p.versions) != 1:
                raise CUnsupported("a parameter with exceptions or dated versions")
            if divides(p):
                raise CUnsupported("a parameter that divides by a computed divisor (it can fail)")
            d = p.versions[0].definition
            if self.type_name_of_param(p) not in _NUMERIC:
                raise CUnsupported("a parameter that is not a number, an amount or a rate")
            self.w(f"i64 pv_{k} = 0;")
            if isinstance(d, ast.Value):
                self.w(f"pv_{k} = {self.expr(d.expr, self.default_mode)};")
            else:
                self.table(d, k, p.name)
            if write:
                self.w(f"out[{k}][i] = pv_{k};")

    def source(self) -> str:
        """``yibao_params(n, in, out, failed)``: ``in`` the enum columns (``inputs``), ``out`` the
        parameters in order, ``failed`` per claim the first table (1-based) no row of which matched."""
        self.claim()
        reads = [f"    const int8_t *const in_{j} = in[{j}];" for j in range(len(self.inputs))]
        lines = [_PREAMBLE,
                 "/* in: the enum columns of KERNEL_INPUTS; out: the parameters; failed: 0, or the table. */",
                 "void yibao_params(i64 n, const int8_t *const *in, i64 *const *out, uint8_t *fail) {",
                 *reads,
                 "    for (i64 i = 0; i < n; i++) {",
                 "        uint8_t failed = 0;",
                 *self.lines,
                 "        fail[i] = failed;",
                 "    }",
                 "}"]
        return "\n".join(lines) + "\n"

    def type_name_of_param(self, p: ast.Parameter) -> str:
        """The type of what the parameter's definition gives (every row's value has the same)."""
        d = p.versions[0].definition
        values = [d.expr] if isinstance(d, ast.Value) else [r.value for r in d.rows]
        names = {self.type_name(v) for v in values}
        return names.pop() if len(names) == 1 else "mixed"


def generate_c_params(checked: CheckedPolicy, params: list[ast.Parameter]
                      ) -> tuple[str, tuple[str, ...], list[tuple[ast.Span, str]]]:
    """(C source, the enum columns it reads, per failing table its site and name); ``CUnsupported``."""
    if len(params) > 250:
        raise CUnsupported("more tables than a failure code holds")
    g = CParamsGenerator(checked, params)
    source = g.source()
    return source, tuple(g.inputs), g.failures
