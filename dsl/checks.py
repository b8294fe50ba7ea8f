"""Static checks: names, types with units, tables, exceptions, layers.

Like miniwdl, every check runs and every diagnostic is collected before one
``PolicyError`` is raised, so an author sees all a file's problems at once.
The result, ``CheckedPolicy``, carries what the code generator needs: the type
of every expression and the parameters in dependency order.

The checker walks the policy's blocks; expressions are typed by the ``ExprTyping``
mixin (``expr_types.py``), the blocks that settle (`classify`, layers, bands, checks) are
checked by the ``LayerChecks`` mixin (``checks_layers.py``), and whether two exceptions can
both apply is ``overlap.py``'s analysis. This module holds the header, records, sources, enums
and parameters, and the state every check shares.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import ast, codes
from .checks_layers import RESERVED, LayerChecks, names_in
from .collector import collector_paused
from .errors import Diagnostic, PolicyError, suggest
from .overlap import may_overlap, priority
from .phrase import Names, P, Phrase
from .types import (
    BOOL,
    DEFAULT_ENUMS,
    MONEY,
    QUANTITIES,
    ROUNDING_MODES,
    SCALAR_TYPES,
    Type,
    enum_type,
)


@dataclass
class CheckedPolicy:
    """A policy that passed every check, with what code generation needs."""

    policy: ast.Policy
    types: dict[int, Type]  # id(expr node) → type
    enums: dict[str, tuple[str, ...]]  # claim field → its value set
    param_order: tuple[ast.Parameter, ...]  # dependencies first
    param_deps: dict[str, frozenset[str]]  # parameter → parameters it reads directly
    warnings: tuple[Diagnostic, ...] = ()
    params: dict[str, ast.Parameter] = field(default_factory=dict)

    def type_of(self, node: ast.Expr) -> Type:
        return self.types[id(node)]

    def reads(self, node: object) -> list[str]:
        """Parameters an expression (or a whole rule) reads, transitively, in order."""
        seen: dict[str, None] = {}
        for name in names_in(node):
            if name not in self.params or name in seen:
                continue
            # depth first, dependencies before what reads them; a stack, for chains of any length
            todo = [(name, iter(sorted(self.param_deps[name])))]
            entered = {name}
            while todo:
                current, deps = todo[-1]
                for dep in deps:
                    if dep not in seen and dep not in entered:
                        entered.add(dep)
                        todo.append((dep, iter(sorted(self.param_deps[dep]))))
                        break
                else:
                    todo.pop()
                    seen[current] = None
        return list(seen)


class _Checker(LayerChecks):
    def __init__(self, policy: ast.Policy) -> None:
        self.policy = policy
        self.diags: list[Diagnostic] = []
        self.types: dict[int, Type] = {}
        self.enums: dict[str, tuple[str, ...]] = dict(DEFAULT_ENUMS)
        self.params = {p.name: p for p in policy.parameters}
        self.sources = {s.name: s for s in policy.sources}
        self.deps: dict[str, set[str]] = {p.name: set() for p in policy.parameters}
        self.used_params: set[str] = set()
        self.rounding = policy.header.rounding or "half_up"
        self.visible_layers: set[str] = set()  # layers whose results the current rule may read
        self.current_layer: str | None = None
        self.is_record = policy.header.input == "record"
        self.record_fields = {f.name: f for f in policy.fields}
        self.enum_sets: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in self.enums.items()}
        self.line_enums: dict[str, tuple[str, ...]] = {}
        self._scope: dict[str, frozenset[str]] | None = None
        self.numbers: list[ast.Number] = []  # every bare number met, to check once types are settled
        self._totals_readers: set[str] | None = None

    # ------------------------------------------------------------ reporting
    def report(self, code: codes.Code, span: ast.Span, message: Phrase, hint: Phrase | None = None) -> None:
        """One diagnostic; its code (required) says what kind of problem, and whether it is an error."""
        self.diags.append(Diagnostic(code, span, message, hint))

    # ------------------------------------------------------------ entry
    def run(self) -> CheckedPolicy:
        self.check_header()
        self.check_sources()
        self.check_enums()
        self.check_record()
        self.check_parameters()
        order = self.parameter_order()
        if self.is_record:
            if self.policy.classify is not None:
                self.report(codes.RECORD_CLASSIFY,
                            self.policy.classify.span, P("a record policy has no bill lines to classify"),
                           P("remove `classify`, or make the policy's input a claim"))
        else:
            self.check_classify()
        self.check_layers()
        self.check_fractions()
        for p in self.policy.parameters:
            if p.name not in self.used_params:
                self.report(codes.UNUSED, p.span, P("parameter `{name}` is never used", name=p.name))
        errors = [d for d in self.diags if d.severity == "error"]
        if errors:
            raise PolicyError(self.diags, self.policy.texts or self.policy.text)
        return CheckedPolicy(
            policy=self.policy,
            types=self.types,
            enums=self.enums,
            param_order=order,
            param_deps={k: frozenset(v) for k, v in self.deps.items()},
            warnings=tuple(self.diags),
            params=self.params,
        )

    # ------------------------------------------------------------ header, sources, enums
    def check_header(self) -> None:
        h = self.policy.header
        self.check_label(h.label, P("policy `{name}`", name=h.name))
        if h.effective is None:
            self.report(codes.NO_EFFECTIVE, h.span, P("the policy header needs `effective <date>`"),
                       P("write the date the document takes effect, e.g. `{example}`",
                         example="effective 2020-01-01"))
        elif h.until is not None and h.until < h.effective:
            self.report(codes.UNTIL_BEFORE, h.until_span or h.span,
                        P("`until {until}` is before `effective {effective}`", until=h.until,
                          effective=h.effective),
                        P("the policy must be in force for at least a day: check the two dates"))
        self.check_rounding(h.rounding, h.span)
        self.check_year_start(h)
        if h.applies is not None:
            self.expect(self.expr(h.applies, param=None), BOOL, h.applies, P("`applies when`"))
            for node in ast.walk(h.applies):
                if isinstance(node, ast.Name) and (node.name in self.params or node.name in QUANTITIES):
                    self.report(codes.APPLIES_READS,
                                node.span, P("`applies when` reads only the claim's fields, not `{name}`",
                                             name=node.name),
                               P("it decides whether the policy covers the claim before anything is "
                                 "computed"))

    def check_year_start(self, h: ast.PolicyHeader) -> None:
        """`year starts MM-DD` names a day every year has, so that each insurance year has a start."""
        if h.year_start is None:
            return
        month, day = h.year_start
        span = h.year_start_span or h.span
        if (month, day) == (2, 29):
            self.report(codes.YEAR_START,
                        span, P("an insurance year cannot start on 02-29: most years have no such day"),
                       P("start it on 03-01 or 02-28"))
            return
        try:
            dt.date(2001, month, day)
        except ValueError:
            self.report(codes.YEAR_START, span, P("`{monthday}` is not a day of the year",
                                                  monthday=f"{format(month, '02d')}-{format(day, '02d')}"),
                       P("write the month, then the day, e.g. `year starts 07-01` for 1 July"))

    def check_rounding(self, mode: str | None, span: ast.Span) -> None:
        if mode is not None and mode not in ROUNDING_MODES:
            self.report(codes.UNKNOWN_ROUNDING,
                        span, P("unknown rounding `{mode}`; expected one of {modes}", mode=mode,
                                modes=Names(tuple(ROUNDING_MODES))),
                       suggest(mode, ROUNDING_MODES))

    def check_label(self, label: ast.Label, what: str) -> None:
        if not label.zh.strip() or not label.en.strip():
            self.report(codes.LABEL, label.span, P("{what} needs a bilingual label", what=what),
                       P('write it as "中文" / "English"'))

    def check_record(self) -> None:
        """A record policy declares its fields and the amount its layers share out."""
        h = self.policy.header
        if not self.is_record:
            for f in self.policy.fields:
                self.report(codes.RECORD_ONLY,
                            f.span, P("`field` declares a record's fields, but this policy settles claims"),
                           P("add `input record` to the policy header"))
            for what, node in (("amount", h.amount), ("remainder", h.remainder)):
                if node is not None:
                    self.report(codes.RECORD_ONLY,
                                node.span, P("`{what}` is for a policy whose input is a record", what=what))
            return
        seen: dict[str, ast.RecordField] = {}
        for f in self.policy.fields:
            if f.name in seen:
                self.report(codes.DECLARED_TWICE, f.span, P("field `{name}` is declared twice", name=f.name))
            seen[f.name] = f
            self.check_label(f.label, P("field `{name}`", name=f.name))
            if f.references:
                self.check_references(f.references, f.span, P("field `{name}`", name=f.name))
            if f.type_name not in SCALAR_TYPES:
                self.report(codes.UNKNOWN_TYPE, f.type_span, P("unknown type `{name}`", name=f.type_name),
                           suggest(f.type_name, SCALAR_TYPES) or P("one of {names}",
                                                                   names=Names(tuple(SCALAR_TYPES))))
        if h.amount is None:
            self.report(codes.NO_AMOUNT, h.span, P("a record policy says what its layers share out"),
                       P("add `amount <expression>` to the header, e.g. `{example}`",
                         example="amount record.surplus"))
        else:
            self.expect(self.expr(h.amount, param=None), MONEY, h.amount, P("the amount"))
            for n in ast.walk(h.amount):
                if isinstance(n, ast.Name) and n.name in QUANTITIES:
                    self.report(codes.AMOUNT_READS,
                                n.span, P("the amount cannot read `{name}`: it is what `{name2}` is made of",
                                          name=n.name, name2=n.name))
        if h.remainder is not None:
            self.check_label(h.remainder, P("the remainder"))

    def check_sources(self) -> None:
        seen: dict[str, ast.Source] = {}
        for s in self.policy.sources:
            if s.name in seen:
                self.report(codes.DECLARED_TWICE, s.span, P("source `{name}` is declared twice", name=s.name),
                           P("the first is at line {line}", line=seen[s.name].span.line))
            seen[s.name] = s
            self.check_label(s.label, P("source `{name}`", name=s.name))

    def check_references(self, refs: tuple[ast.Reference, ...], span: ast.Span, what: str) -> None:
        if not refs:
            self.report(codes.NO_CITATION, span, P("{what} has no citation", what=what),
                       P('add `cite <source> "section"`, or `assume "…"` for an open figure'))
        for ref in refs:
            if isinstance(ref, ast.Citation) and ref.source not in self.sources:
                hint = suggest(ref.source, self.sources) or (
                    P("declare it: `{example}`", example=f'source {ref.source} "…" / "…"'))
                self.report(codes.UNKNOWN_SOURCE, ref.span, P("unknown source `{name}`", name=ref.source),
                            hint)
            elif isinstance(ref, ast.Assumption) and not ref.en:
                self.report(codes.ASSUMPTION_ONE_LANGUAGE, ref.span,
                            P("the assumption of {what} is in one language only", what=what),
                            P('write it in both, as a label is: `assume "中文" / "English"`'))

    def check_enums(self) -> None:
        seen: set[str] = set()
        for decl in self.policy.enums:
            name = decl.field.dotted
            if name not in DEFAULT_ENUMS:
                self.report(codes.NOT_AN_ENUM, decl.field.span,
                            P("`{name}` is not an enum field of the claim", name=name),
                           suggest(name, DEFAULT_ENUMS))
                continue
            if name in seen:
                self.report(codes.DECLARED_TWICE, decl.span, P("values of `{name}` are declared twice",
                                                               name=name))
            seen.add(name)
            members = [m.name for m in decl.members]
            counts = Counter(members)
            for m in decl.members:
                if counts[m.name] > 1:
                    self.report(codes.DECLARED_TWICE, m.span, P("`{name}` is listed twice", name=m.name))
            self.enums[name] = tuple(dict.fromkeys(members))
            self.enum_sets[name] = frozenset(members)

    # ------------------------------------------------------------ parameters
    def check_parameters(self) -> None:
        seen: dict[str, ast.Parameter] = {}
        for p in self.policy.parameters:
            if p.name in seen:
                self.report(codes.DECLARED_TWICE, p.span, P("parameter `{name}` is declared twice",
                                                            name=p.name),
                           P("the first is at line {line}", line=seen[p.name].span.line))
            if p.name in RESERVED:
                self.report(codes.NAME_TAKEN, p.span, P("`{name}` is a reserved name", name=p.name),
                            P("choose another name"))
            owners = [f for f, values in self.enum_sets.items() if p.name in values]
            if owners:
                self.report(codes.NAME_TAKEN,
                            p.span, P("parameter `{name}` has the name of a value of `{owner}`", name=p.name,
                                      owner=owners[0]),
                            P("choose another name, or `{example}` would read it",
                              example=f"{owners[0]} == {p.name}"))
            seen[p.name] = p
            self.check_label(p.label, P("parameter `{name}`", name=p.name))
            self.check_references(p.references, p.span, P("parameter `{name}`", name=p.name))
            ptype = self.param_type(p)
            if ptype is None:
                known = [*SCALAR_TYPES, *DEFAULT_ENUMS]
                self.report(codes.UNKNOWN_TYPE, p.type_span, P("unknown type `{name}`", name=p.type_name),
                           suggest(p.type_name, known) or P("one of {names}", names=Names(tuple(known))))
                continue
            self.check_versions(p)
            self.check_defined(p)
            for version in p.versions:
                self.definition(version.definition, ptype, p)
            self.check_exceptions(p, ptype)

    def param_type(self, p: ast.Parameter) -> Type | None:
        """money, rate, count, date, bool — or the value set of a claim field, e.g. `visit.level`."""
        if p.type_name in DEFAULT_ENUMS:
            return enum_type(p.type_name)
        return SCALAR_TYPES.get(p.type_name)

    def check_defined(self, p: ast.Parameter) -> None:
        """A parameter needs a value for when no exception applies; the grammar lets `cite` stand alone."""
        if p.versions:
            return
        if p.exceptions:
            self.report(codes.NO_VALUE,
                        p.span, P("parameter `{name}` has no value when none of its exceptions applies",
                                  name=p.name),
                       P("give it a `value …` or a `table` for the other cases"))
        else:
            self.report(codes.NO_VALUE,
                        p.span, P("parameter `{name}` has no value",
                                  name=p.name), P("give it a `value …` or a `table`"))

    def check_versions(self, p: ast.Parameter) -> None:
        starts = [v.start for v in p.versions]
        for a, b in itertools.pairwise(p.versions):
            if b.start <= a.start:
                self.report(codes.DATES_ORDER,
                            b.span, P("dates of `{name}` must increase: {b} follows {a}", name=p.name,
                                      b=b.start, a=a.start))
        effective = self.policy.header.effective
        if effective and starts and starts[0] > effective:
            self.report(codes.VALUE_GAP, p.versions[0].span,
                       P("`{name}` has no value from {start} (the policy's start) to {first}", name=p.name,
                         start=effective, first=starts[0]),
                       P("start its first value at `from {start}` or earlier", start=effective))

    def definition(self, d: ast.Definition, ptype: Type, p: ast.Parameter) -> None:
        if isinstance(d, ast.Value):
            self.expect(self.value(d.expr, ptype, p), ptype, d.expr, f"`{p.name}`")
            return
        self.table(d, ptype, p)

    def value(self, e: ast.Expr, ptype: Type, p: ast.Parameter) -> Type | None:
        """A parameter's value; for an enum parameter a bare name is one of its values."""
        if ptype.name == "enum" and isinstance(e, ast.Name | ast.Number) and not (
                isinstance(e, ast.Name) and (e.name in self.params or e.name in QUANTITIES)):
            name = e if isinstance(e, ast.Name) else ast.Name(str(e.value), e.span)
            self.member(name, ptype)
            self.types[id(e)] = ptype
            return ptype
        return self.expr(e, param=p.name)

    def scope(self) -> dict[str, frozenset[str]]:
        """The values each claim field can have in a claim this policy applies to.

        Read from `applies when` where it is a conjunction of `field == v`, `field != v`,
        `field in {…}`, `not field in {…}` and yes/no fields; anything else restricts nothing.
        """
        if self._scope is not None:
            return self._scope
        allowed: dict[str, frozenset[str]] = {}
        h = self.policy.header
        todo = [h.applies] if h.applies is not None else []
        while todo:
            e = todo.pop()
            if isinstance(e, ast.BoolOp) and e.op == "and":
                todo.extend(e.operands)
                continue
            found = _restriction(e, self.enum_sets)
            if found is not None:
                name, values = found
                allowed[name] = allowed.get(name, values) & values
        self._scope = allowed
        return allowed

    def table(self, t: ast.Table, ptype: Type, p: ast.Parameter) -> None:
        domains: list[tuple[str, ...] | None] = []
        for key in t.keys:
            ktype = self.field(key)
            if ktype is None:
                domains.append(None)
            elif ktype.name == "enum":
                domains.append(self.enums[key.dotted])
            elif ktype == BOOL:
                domains.append(("true", "false"))
            else:
                self.report(codes.TABLE_KEY,
                            key.span, P("a table can be keyed only by enum fields; `{key}` is {type}",
                                        key=key.dotted, type=ktype))
                domains.append(None)
        domain_sets = [frozenset(d or ()) for d in domains]
        for row in t.rows:
            if len(row.patterns) != len(t.keys):
                keys = Names(tuple(k.dotted for k in t.keys))
                self.report(codes.ROW_WIDTH, row.span, P("row has {n} cells; the table has {k} keys ({keys})",
                                                         n=len(row.patterns), k=len(t.keys), keys=keys))
                continue
            for pat, key, dom, dom_set in zip(row.patterns, t.keys, domains, domain_sets, strict=True):
                if pat.alternatives is None or dom is None:
                    continue
                for alt in pat.alternatives:
                    if alt not in dom_set:
                        self.report(codes.NOT_A_VALUE, pat.span, P("`{value}` is not a value of `{field}`",
                                                                   value=alt, field=key.dotted),
                                   suggest(alt, dom) or P("one of {names}", names=Names(tuple(dom))))
            self.expect(self.value(row.value, ptype, p), ptype, row.value, f"`{p.name}`")
        if any(d is None for d in domains) or any(len(r.patterns) != len(t.keys) for r in t.rows):
            return
        # Exhaustiveness and reachability over the product of the key domains.
        covered: set[tuple[str, ...]] = set()
        for row in t.rows:
            cells = [pat.alternatives if pat.alternatives is not None else dom
                     for pat, dom in zip(row.patterns, domains, strict=True)]
            combos = set(itertools.product(*cells))  # type: ignore[arg-type]
            if combos <= covered:
                self.report(codes.ROW_UNREACHABLE,
                            row.span, P("this row never applies: the rows above cover every case it matches"),
                           P("remove it or move it above the rows that cover it"))
            covered |= combos
        # Only the claims the policy sees need a row: `applies when person.scheme == resident`
        # leaves no claim of another scheme to look up.
        scope = self.scope()
        seen = [tuple(v for v in dom if v in scope[key.dotted]) if key.dotted in scope else dom
                for key, dom in zip(t.keys, domains, strict=True)]
        missing = [c for c in itertools.product(*seen) if c not in covered]  # type: ignore[arg-type]
        if missing:
            example = Names(tuple(missing[0]))
            if len(missing) > 1:
                message = P("table of `{name}` has no row for {example_row} (and {n} more)", name=p.name,
                            example_row=example, n=len(missing) - 1)
            else:
                message = P("table of `{name}` has no row for {example_row}", name=p.name,
                            example_row=example)
            self.report(codes.NOT_EXHAUSTIVE, t.span, message,
                        P("add the missing rows or a default row `{row}`",
                          row=", ".join("_" for _ in t.keys) + " -> …"))

    def check_exceptions(self, p: ast.Parameter, ptype: Type) -> None:
        names = {e.name: e for e in p.exceptions}
        for e in p.exceptions:
            self.check_label(e.label, P("exception `{name}`", name=e.name))
            if e.references:  # an exception without its own citation inherits the parameter's
                self.check_references(e.references, e.span, P("exception `{name}`", name=e.name))
            self.expect(self.expr(e.when, param=p.name), BOOL, e.when, P("an exception's condition"))
            self.definition(e.definition, ptype, p)
            for other in e.over:
                if other not in names:
                    self.report(codes.EXCEPTION_PRIORITY, e.span,
                               P("`{name}` is over `{other}`, which is not an exception of `{param}`",
                                 name=e.name, other=other, param=p.name),
                               suggest(other, names))
        if len(names) != len(p.exceptions):
            self.report(codes.DECLARED_TWICE, p.span, P("two exceptions of `{name}` share a name",
                                                        name=p.name))
            return
        # Priority: `a over b` means a wins. Incomparable exceptions must not overlap.
        wins = priority(p.exceptions)  # every exception each one is over, directly or through others
        for a in wins:
            if a in wins[a]:
                self.report(codes.EXCEPTION_PRIORITY,
                            names[a].span, P("exceptions of `{name}` are over each other in a cycle",
                                             name=p.name))
                return
        for a, b in itertools.combinations(p.exceptions, 2):
            if b.name in wins[a.name] or a.name in wins[b.name]:
                continue
            if may_overlap(a.when, b.when, self.enums):
                self.report(codes.EXCEPTIONS_OVERLAP, b.span,
                           P("exceptions `{a}` (line {line}) and `{b}` can both apply and neither has "
                             "priority", a=a.name, line=a.span.line, b=b.name),
                           P("say which wins: `{example}`, or make their conditions exclusive",
                             example=f"exception {b.name} … over {a.name}"))

    def parameter_order(self) -> tuple[ast.Parameter, ...]:
        """Dependencies first, depth first in name order; a stack, for chains of any length."""
        order: list[ast.Parameter] = []
        state: dict[str, int] = {}  # 1 while its dependencies are visited, 2 once placed

        def deps_of(name: str) -> Iterator[str]:
            return (d for d in sorted(self.deps.get(name, ())) if d in self.params)

        for p in self.policy.parameters:
            if state.get(p.name):
                continue
            state[p.name] = 1
            path, todo = [p.name], [deps_of(p.name)]
            while todo:
                for dep in todo[-1]:
                    if state.get(dep) == 2:
                        continue
                    if state.get(dep) == 1:
                        cycle = [*path[path.index(dep):], dep]
                        self.report(codes.PARAMETER_CYCLE, self.params[dep].span,
                                    P("parameters depend on each other in a cycle: {cycle}",
                                      cycle=" → ".join(cycle)))
                        continue
                    state[dep] = 1
                    path.append(dep)
                    todo.append(deps_of(dep))
                    break
                else:
                    todo.pop()
                    name = path.pop()
                    state[name] = 2
                    order.append(self.params[name])
        return tuple(order)


def check(policy: ast.Policy) -> CheckedPolicy:
    """Run every check; raise ``PolicyError`` listing all errors, or return the result.

    With the collector paused (``collector_paused``): the types, dependencies and tables made here
    are all kept, and a large policy's heap would be walked again and again."""
    with collector_paused():
        return _Checker(policy).run()


def _value(e: ast.Expr) -> str | None:
    """An enum value as written in a condition: a name, or a number such as a hospital level."""
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.Number) and e.value == e.value.to_integral_value():
        return str(int(e.value))
    return None


def _restriction(e: ast.Expr, enums: dict[str, frozenset[str]]) -> tuple[str, frozenset[str]] | None:
    """(field, the values it may have) when ``e`` holds, for the simple conditions ``scope`` reads."""
    negate = isinstance(e, ast.Not)
    if negate:
        e = e.operand  # type: ignore[union-attr]
    if isinstance(e, ast.Field) and e.dotted in enums and enums[e.dotted] == frozenset({"true", "false"}):
        return e.dotted, frozenset({"false" if negate else "true"})
    if isinstance(e, ast.MemberOf) and isinstance(e.operand, ast.Field) and e.operand.dotted in enums:
        domain = enums[e.operand.dotted]
        values = frozenset(m.name for m in e.members) & domain
        return e.operand.dotted, (domain - values) if negate else values
    if isinstance(e, ast.Compare) and e.op in ("==", "!=") and not negate:
        field, other = (e.left, e.right) if isinstance(e.left, ast.Field) else (e.right, e.left)
        value = _value(other)
        if isinstance(field, ast.Field) and field.dotted in enums and value is not None:
            domain = enums[field.dotted]
            return field.dotted, (frozenset({value}) & domain) if e.op == "==" else domain - {value}
    return None
