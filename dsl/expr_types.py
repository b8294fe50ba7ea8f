"""Expression typing: the type with its unit (money, rate, count, …) of every expression.

The checker (``checks.py``) walks a policy's statements; each expression it meets is typed
here, names and claim fields resolved, units combined by ``+ - * /`` and bare numbers given
the unit of their context (``coerce``). It is its own module because the rules of units
are one subject, apart from what a policy's blocks must contain. ``ExprTyping`` is a
mixin: it keeps its state (``types``, ``deps``, …) on the checker it is mixed into.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

# What a later layer or a check may read of an earlier layer (``basic.paid``, CLAIM_RESULTS) and what
# its year-to-date accumulators held before this claim (``basic.year_deductible``, YEAR_RESULTS) are
# defined once, with the generator's names for them, in ``compiler/constructs.py``.
from yibao.compiler.constructs import CLAIM_RESULTS, YEAR_RESULTS, accumulates

from . import ast, codes
from .errors import Diagnostic, suggest
from .phrase import Names, P, Phrase
from .types import (
    BOOL,
    CLAIM_FIELDS,
    COUNT,
    DATE,
    FUNCTIONS,
    LAYER_ONLY_QUANTITIES,
    LINE_FIELDS,
    MONEY,
    NUMBER,
    QUANTITIES,
    RATE,
    SCALAR_TYPES,
    TEXTSET,
    Type,
)

__all__ = ["ExprTyping"]

class ExprTyping:
    """Types expressions for ``checks._Checker``, recording each in ``types`` (id of the node → type)."""

    policy: ast.Policy
    diags: list[Diagnostic]
    types: dict[int, Type]
    enums: dict[str, tuple[str, ...]]
    enum_sets: dict[str, frozenset[str]]
    params: dict[str, ast.Parameter]
    deps: dict[str, set[str]]
    used_params: set[str]
    visible_layers: set[str]
    current_layer: str | None
    is_record: bool
    record_fields: dict[str, ast.RecordField]
    numbers: list[ast.Number]
    in_line_rule: bool = False  # typing a `classify` row or a rate, where `line.…` fields have a value
    line_enums: dict[str, tuple[str, ...]]  # line.category and line.class: the classes rows name

    def report(self, code: codes.Code, span: ast.Span, message: Phrase, hint: Phrase | None = None) -> None:
        raise NotImplementedError  # the checker's

    def param_type(self, p: ast.Parameter) -> Type | None:
        raise NotImplementedError  # the checker's

    def field(self, f: ast.Field) -> Type | None:
        if f.path[0] == "record":
            if not self.is_record:
                self.report(codes.RECORD_ONLY,
                            f.span, P("`{name}` is a record field, but this policy settles claims",
                                      name=f.dotted),
                           P("add `input record` to the policy header and declare the field"))
                return None
            decl = self.record_fields.get(f.path[1]) if len(f.path) == 2 else None
            if decl is None:
                self.report(codes.UNKNOWN_RECORD_FIELD, f.span, P("unknown record field `{name}`",
                                                                  name=f.dotted),
                           suggest(f.dotted, [f"record.{n}" for n in self.record_fields])
                           or P("declare it: `{example}`", example=f'field {f.path[-1]} "…" / "…": money'))
                return None
            return SCALAR_TYPES.get(decl.type_name)
        if f.path[0] == "line" and not self.is_record:
            lt = LINE_FIELDS.get(f.dotted)
            if lt is None:
                self.report(codes.UNKNOWN_FIELD, f.span, P("unknown line field `{name}`", name=f.dotted),
                           suggest(f.dotted, LINE_FIELDS) or P("one of {names}",
                                                               names=Names(tuple(LINE_FIELDS))))
            elif not self.in_line_rule:
                self.report(codes.LINE_FIELD_OUTSIDE, f.span,
                            P("`{name}` is a bill line's field: it has a value only in a `classify` row or a "
                              "layer's `rate`", name=f.dotted),
                            P("compare it in a row's `when` or share, or in a rate by line: `{example}`",
                              example="rate if line.class == implant then 70% else 80%"))
            return lt
        t = CLAIM_FIELDS.get(f.dotted)
        if t is not None:
            if self.is_record:
                self.report(codes.CLAIM_IN_RECORD,
                            f.span, P("`{name}` is a claim field, but this policy's input is a record",
                                      name=f.dotted),
                           suggest(f"record.{f.path[-1]}", [f"record.{n}" for n in self.record_fields]))
                return None
            return t
        layers = {layer.name: layer for layer in self.policy.layers}
        if len(f.path) == 2 and f.path[0] in layers and f.path[1] in YEAR_RESULTS:
            # What the year's accumulators held before this claim: readable from the layer itself on.
            layer, acc = layers[f.path[0]], YEAR_RESULTS[f.path[1]]
            if f.path[0] not in self.visible_layers and f.path[0] != self.current_layer:
                self.report(codes.NOT_YET_APPLIED,
                            f.span, P("`{name}` is not known here: layer `{layer}` has not been applied yet",
                                      name=f.dotted, layer=f.path[0]), P("read it in the layer itself, later "
                                                                         "layers and checks"))
            elif not accumulates(layer, acc):
                self.report(codes.NO_SUCH_RESULT,
                            f.span, P("layer `{layer}` keeps no `{name}`", layer=f.path[0],
                                      name=f.path[1]), acc.needs)
            return MONEY
        if len(f.path) == 2 and f.path[0] in layers:
            if f.path[0] not in self.visible_layers:
                self.report(codes.NOT_YET_APPLIED,
                            f.span, P("`{name}` is not known here: layer `{layer}` has not been applied yet",
                                      name=f.dotted, layer=f.path[0]), P("read a layer's results only in "
                                                                         "later layers and in checks"))
            elif f.path[1] not in CLAIM_RESULTS:
                self.report(codes.NO_SUCH_RESULT, f.span, P("layer `{layer}` has no result `{name}`",
                                                            layer=f.path[0], name=f.path[1]),
                           suggest(f.path[1], CLAIM_RESULTS) or P("one of {names}",
                                                                  names=Names(tuple(CLAIM_RESULTS))))
            elif layers[f.path[0]].given is not None and f.path[1] != "paid":
                self.report(codes.NO_SUCH_RESULT,
                            f.span, P("layer `{layer}` is `given`: the claim says only what it paid, not its "
                                      "`{name}`", layer=f.path[0], name=f.path[1]), P("read `{name}`",
                                                                                      name=f"{f.path[0]}.paid"))
            return MONEY
        candidates = [*CLAIM_FIELDS, *(f"{n}.{r}" for n in self.visible_layers
                                        for r in [*CLAIM_RESULTS, *YEAR_RESULTS])]
        self.report(codes.UNKNOWN_FIELD,
                    f.span, P("unknown claim field `{name}`", name=f.dotted), suggest(f.dotted, candidates))
        return None

    def layer_expr(self, e: ast.Expr) -> Type | None:
        return self.expr(e, param=None, in_layer=True)

    def expect(self, got: Type | None, want: Type, node: ast.Expr, what: str) -> None:
        if got is None or got == want:
            self.coerce(node, want)
            return
        if got == NUMBER and want in (MONEY, COUNT):
            self.coerce(node, want)
            return
        hint = None
        if want == RATE and got in (NUMBER, MONEY):
            hint = P("write a rate with `%`, e.g. `90%`")
        self.report(codes.TYPE_MISMATCH,
                    node.span, P("{what} must be {want}, not {got}", what=what, want=want.described,
                                 got=got.described), hint)

    def coerce(self, node: ast.Expr, want: Type) -> None:
        """Fix the type of bare literals once their context is known (a stack: sums can be long)."""
        if want not in (MONEY, COUNT):
            return
        todo = [node]
        while todo:
            n = todo.pop()
            if self.types.get(id(n)) != NUMBER:
                continue
            self.types[id(n)] = want
            if isinstance(n, ast.Number):
                self.check_number(n, want)
            elif isinstance(n, ast.BinOp) and n.op in "*/":
                # Of a product or quotient of bare numbers one side carries the unit: the dividend,
                # or the factor written as money (`2 * 10.00`), else the left one. Scaling both, or
                # neither, would pay 10.00 * 2 as 0.20 or 2,000.00.
                side = n.right if n.op == "*" and _written_as_money(n.right) \
                    and not _written_as_money(n.left) else n.left
                todo.append(side)
            else:
                todo.extend(reversed(tuple(_children(n))))

    def check_fractions(self) -> None:
        """A bare number with decimals must have become money by now: whole fen are exact, 1.5 is not."""
        for n in self.numbers:
            if self.types.get(id(n)) == NUMBER and n.value != n.value.to_integral_value():
                self.report(codes.FRACTION,
                            n.span, P("`{value}` has decimals, but here it is a plain number, not money",
                                      value=n.value),
                           P("multiply or divide by whole numbers (for `× 1.5` write `* 3 / 2`), or take a "
                             "share with a rate such as `50%`"))

    def check_number(self, node: ast.Number, want: Type) -> None:
        exponent = node.value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) else 0
        if want == MONEY and places > 2:
            self.report(codes.MONEY_PRECISION,
                        node.span, P("money has at most two decimals (fen); `{value}` has {n}",
                                     value=node.value, n=places))
        if want == COUNT and places > 0:
            self.report(codes.MONEY_PRECISION, node.span, P("a count is a whole number, not `{value}`",
                                                            value=node.value))

    def expr(self, e: ast.Expr, *, param: str | None, in_layer: bool = False) -> Type | None:
        t = self._expr(e, param, in_layer)
        if t is not None:
            self.types[id(e)] = t
        return t

    def _expr(self, e: ast.Expr, param: str | None, in_layer: bool) -> Type | None:
        sub = lambda x: self.expr(x, param=param, in_layer=in_layer)  # noqa: E731
        if isinstance(e, ast.Number):
            self.numbers.append(e)
            return NUMBER
        if isinstance(e, ast.Percent):
            if not Decimal(0) <= e.value <= Decimal(100):
                self.report(codes.RATE_RANGE, e.span, P("a rate must lie between 0% and 100%, not {value}%",
                                                        value=e.value),
                            P("a rate is the share of the base that is paid: 100% pays all of it, 0% none"))
            if -(e.value.as_tuple().exponent) > 4:  # type: ignore[operator]
                self.report(codes.RATE_PRECISION, e.span, P("a rate has at most four decimals of a percent"))
            return RATE
        if isinstance(e, ast.DateLit):
            return DATE
        if isinstance(e, ast.BoolLit):
            return BOOL
        if isinstance(e, ast.Field):
            return self.field(e)
        if isinstance(e, ast.Name):
            return self.name(e, param, in_layer)
        if isinstance(e, ast.Neg):
            t = sub(e.operand)
            if t is not None and t not in (MONEY, RATE, COUNT, NUMBER):
                self.report(codes.OPERAND, e.span, P("cannot negate {t}", t=t))
            return t
        if isinstance(e, ast.BinOp):
            # Down the left operands in a loop, not by recursion: `a + b + …` of 10,000 terms is a
            # tree 10,000 deep; the parser limits nesting only elsewhere.
            spine = [e]
            while isinstance(spine[-1].left, ast.BinOp):
                spine.append(spine[-1].left)  # type: ignore[arg-type]
            t = sub(spine[-1].left)
            for node in reversed(spine[1:]):
                t = self.binop(node, t, sub(node.right))
                if t is not None:
                    self.types[id(node)] = t
            return self.binop(e, t, sub(e.right))
        if isinstance(e, ast.Compare):
            return self.compare(e, param, in_layer)
        if isinstance(e, ast.MemberOf):
            t = sub(e.operand)
            if t is not None:
                if t.name != "enum":
                    self.report(codes.OPERAND, e.operand.span, P("`in {…}` needs an enum field, not {t}",
                                                                 t=t))
                else:
                    for m in e.members:
                        self.member(m, t)
            return BOOL
        if isinstance(e, ast.Contains):
            t = self.field(e.collection)
            if t is not None and t != TEXTSET:
                self.report(codes.OPERAND, e.collection.span,
                            P('`"…" in` needs a list field such as `visit.diseases`, not {t}', t=t))
            return BOOL
        if isinstance(e, ast.BoolOp | ast.Not):
            operands = e.operands if isinstance(e, ast.BoolOp) else (e.operand,)
            for o in operands:
                t = sub(o)
                if t is not None and t != BOOL:
                    self.report(codes.OPERAND,
                                o.span, P("`{op}` needs true/false, not {t}", op=getattr(e, "op", "not"),
                                          t=t))
            return BOOL
        if isinstance(e, ast.If):
            c = sub(e.cond)
            if c is not None and c != BOOL:
                self.report(codes.TYPE_MISMATCH, e.cond.span, P("a condition must be true/false, not {t}",
                                                                t=c))
            return self.unify(e, [sub(e.then), sub(e.orelse)], P("`if` branches"))
        if isinstance(e, ast.Call):
            if e.func not in FUNCTIONS:
                self.report(codes.UNKNOWN_FUNCTION,
                            e.span, P("unknown function `{name}`", name=e.func), suggest(e.func, FUNCTIONS))
                for a in e.args:
                    sub(a)
                return None
            if len(e.args) < 2:
                self.report(codes.OPERAND, e.span, P("`{name}` needs at least two arguments", name=e.func))
            t = self.unify(e, [sub(a) for a in e.args], P("arguments of `{name}`", name=e.func))
            if t is not None and t not in (MONEY, RATE, COUNT, NUMBER, DATE):
                self.report(codes.OPERAND, e.span, P("`{name}` compares numbers, not {t}", name=e.func, t=t))
            return t
        raise AssertionError(f"unknown node {e!r}")

    def unify(self, node: ast.Expr, types: list[Type | None], what: str) -> Type | None:
        known = [t for t in types if t is not None]
        if not known:
            return None
        concrete = [t for t in known if t != NUMBER]
        if not concrete:
            return NUMBER
        first = concrete[0]
        for t in concrete[1:]:
            if t != first:
                self.report(codes.UNITS, node.span, P("{what} mix {first} and {t}", what=what, first=first,
                                                      t=t))
                return None
        if first not in (MONEY, COUNT) and NUMBER in known:
            self.report(codes.UNITS, node.span, P("{what} mix {first} and a bare number", what=what,
                                                  first=first),
                       P("write rates with `%`") if first == RATE else None)
            return None
        for child in _children(node):
            self.coerce(child, first)
        return first

    def name(self, e: ast.Name, param: str | None, in_layer: bool) -> Type | None:
        if e.name in self.params:
            if param is not None:
                self.deps[param].add(e.name)
            self.used_params.add(e.name)
            return self.param_type(self.params[e.name])
        if e.name in QUANTITIES:
            if e.name in LAYER_ONLY_QUANTITIES and not in_layer:
                self.report(codes.LAYER_ONLY,
                            e.span, P("`{name}` depends on the layers and can be read only in a layer",
                                      name=e.name),
                           P("use `in_scope` or `total` here"))
            return QUANTITIES[e.name][0]
        candidates = list(self.params) + list(QUANTITIES)
        self.report(codes.UNKNOWN_NAME, e.span, P("unknown name `{name}`", name=e.name), suggest(e.name,
                                                                                                 candidates)
                   or suggest(e.name, [f for f in CLAIM_FIELDS]))
        return None

    def member(self, m: ast.Name, t: Type) -> None:
        if m.name not in self.enum_sets.get(t.enum or "", ()):
            dom = self.enums.get(t.enum or "", ()) or self.line_enums.get(t.enum or "", ())
            self.report(codes.NOT_A_VALUE, m.span, P("`{value}` is not a value of `{field}`", value=m.name,
                                                     field=t.enum),
                       suggest(m.name, dom) or P("one of {names}", names=Names(tuple(dom))))
        self.types[id(m)] = t

    def compare(self, e: ast.Compare, param: str | None, in_layer: bool) -> Type:
        sub = lambda x: self.expr(x, param=param, in_layer=in_layer)  # noqa: E731
        left_t = sub(e.left)
        if left_t is not None and left_t.name == "enum":
            if e.op not in ("==", "!="):
                self.report(codes.COMPARISON,
                            e.span, P("enum values have no order: `{op}` cannot compare `{enum}`", op=e.op,
                                      enum=left_t.enum),
                           P("use `==`, `!=` or `in {…}`"))
            if isinstance(e.right, ast.Name) and e.right.name not in self.params \
                    and e.right.name not in QUANTITIES:
                self.member(e.right, left_t)
            elif isinstance(e.right, ast.Number) and left_t.enum == "visit.level":
                self.member(ast.Name(str(e.right.value), e.right.span), left_t)
                self.types[id(e.right)] = left_t
            else:
                right_t = sub(e.right)
                if right_t is not None and right_t != left_t:
                    self.report(codes.COMPARISON,
                                e.span, P("cannot compare enum `{enum}` with {t}", enum=left_t.enum,
                                          t=right_t),
                               P("compare with one of {values}",
                                 values=Names(tuple(self.enums[left_t.enum or ""]))))
            return BOOL
        right_t = sub(e.right)
        if left_t is None or right_t is None:
            return BOOL
        if right_t.name == "enum":
            self.report(codes.COMPARISON, e.span, P("put the claim field on the left: `visit.level == 3`"))
            return BOOL
        t = self.unify(e, [left_t, right_t], P("the two sides of a comparison"))
        if t in (BOOL, TEXTSET) and e.op not in ("==", "!="):
            self.report(codes.COMPARISON, e.span, P("`{op}` cannot compare {t}", op=e.op, t=t))
        return BOOL

    def binop(self, e: ast.BinOp, lt: Type | None, rt: Type | None) -> Type | None:
        if lt is None or rt is None:
            return None
        numeric = (MONEY, RATE, COUNT, NUMBER)
        if lt not in numeric or rt not in numeric:
            bad = lt if lt not in numeric else rt
            self.report(codes.OPERAND, e.span, P("`{op}` needs numbers, not {t}", op=e.op, t=bad))
            return None
        if e.op in "+-":
            if RATE in (lt, rt) and {lt, rt} & {MONEY, NUMBER}:
                verb = P("add") if e.op == "+" else P("subtract")
                bare = e.left if lt == NUMBER else e.right
                if NUMBER in (lt, rt) and not (isinstance(bare, ast.Number) and "." in str(bare.value)):
                    self.report(codes.UNITS, e.span, P("cannot {verb} a bare number and a rate", verb=verb),
                               P("write percentage points with `%`, e.g. `80% - 10%`"))
                else:
                    self.report(codes.UNITS,
                                e.span, P("cannot {verb} money and a rate",
                                          verb=verb), P("did you mean `money × rate`?"))
                return None
            return self.unify(e, [lt, rt], P("the two sides of `{op}`", op=e.op))
        if e.op == "*":
            pair = {lt, rt}
            if pair == {MONEY, RATE}:
                return MONEY
            if pair == {RATE}:
                return RATE
            if NUMBER in pair and len(pair) == 2:
                other = (pair - {NUMBER}).pop()
                if other == RATE:  # a bare number times a rate is an amount of money
                    for side in (e.left, e.right):
                        self.coerce(side, MONEY)
                    return MONEY
                return other
            if pair == {MONEY}:
                self.report(codes.UNITS, e.span, P("cannot multiply money by money"))
                return None
            if pair == {MONEY, COUNT}:
                return MONEY
            if pair == {RATE, COUNT}:  # e.g. 1% a year of age
                return RATE
            return self.unify(e, [lt, rt], P("the two sides of `{op}`", op="*"))
        # division: money, a count or a rate by a number or count; a rate by a rate is a ratio
        if rt in (NUMBER, COUNT) and lt in (MONEY, COUNT, NUMBER, RATE):
            return lt
        if lt == RATE and rt == RATE:
            return RATE
        self.report(codes.UNITS,
                    e.span, P("cannot divide {a} by {b}", a=lt,
                              b=rt), P("divide money by a number, e.g. `deductible / 2`"))
        return None


def _children(node: ast.Expr) -> Iterable[ast.Expr]:
    if isinstance(node, ast.BinOp):
        if node.op in "+-":
            return (node.left, node.right)
        return ()
    if isinstance(node, ast.If):
        return (node.then, node.orelse)
    if isinstance(node, ast.Compare):  # the two sides of a comparison share their unit
        return (node.left, node.right)
    if isinstance(node, ast.Call):
        return node.args
    if isinstance(node, ast.Neg):
        return (node.operand,)
    return ()


def _written_as_money(e: ast.Expr) -> bool:
    """A literal with decimals, such as ``10.00``."""
    if not isinstance(e, ast.Number):
        return False
    exponent = e.value.as_tuple().exponent
    return isinstance(exponent, int) and exponent < 0
