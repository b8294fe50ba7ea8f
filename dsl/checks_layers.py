"""Static checks of the blocks that settle: `classify`, the layers, their bands and `check`s.

A mixin of the checker (``checks._Checker``), which holds the diagnostics, the symbol tables
and the layers in scope these checks share; expressions are typed by ``ExprTyping``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from . import ast, codes
from .errors import suggest
from .expr_types import ExprTyping
from .phrase import P
from .types import BOOL, CATEGORIES, FUNCTIONS, MONEY, QUANTITIES, RATE

RESERVED = frozenset(QUANTITIES) | frozenset(FUNCTIONS) | {"person", "visit", "claim", "line", "record"}


def names_in(node: object) -> Iterator[str]:
    """The names an expression reads."""
    return (n.name for n in ast.walk(node) if isinstance(n, ast.Name))


def const(e: ast.Expr | None) -> Decimal | None:
    """A literal number's value, or None."""
    return e.value if isinstance(e, ast.Number) else None


class LayerChecks(ExprTyping):
    """The checks of `classify`, of every layer and its bands, and of the policy's `check`s."""

    def check_classify(self) -> None:
        c = self.policy.classify
        if c is None:
            span = ast.Span(self.policy.path, self.policy.header.span.line, 1,
                            self.policy.header.span.line, 2)
            self.report(codes.NO_CLASSIFY, span, P("the policy has no `classify` block"),
                       P("say how category A, B and C lines are treated, e.g. `{example}`",
                         example="category C -> out of scope"))
            return
        self.check_label(c.label, P("`classify`"))
        self.check_references(c.references, c.span, P("`classify`"))
        classes = tuple(dict.fromkeys(r.item_class for r in c.rows if r.item_class is not None))
        self.line_enums = {"line.category": CATEGORIES, "line.class": classes}
        for key, values in self.line_enums.items():  # after the parameters: their names may be a class
            self.enum_sets[key] = frozenset(values)
        seen: dict[tuple[str, str | None], ast.ClassRow] = {}
        for row in c.rows:
            if row.category not in CATEGORIES:
                self.report(codes.UNKNOWN_CATEGORY,
                            row.span, P("unknown category `{name}`; expected A, B or C", name=row.category),
                           suggest(row.category, CATEGORIES))
            for part in (row.when, row.treatment.share):
                self.no_totals(part, P("a line rule"))
            self.in_line_rule = True
            if row.treatment.share is not None:
                what = (P("an in-scope share") if row.treatment.kind == "in_scope_share"
                        else "a first self-pay share")
                self.expect(self.expr(row.treatment.share, param=None), RATE, row.treatment.share, what)
            if row.when is not None:
                self.expect(self.expr(row.when, param=None), BOOL, row.when, P("a line rule's `when`"))
            self.in_line_rule = False
            if row.when is not None:
                continue  # conditional rows come before the row that always applies
            key = (row.category, row.item_class)
            if key in seen:
                self.report(codes.CLASS_TWICE, row.span, P("this line class is treated twice"),
                           P("the first is at line {line}", line=seen[key].span.line))
            seen[key] = row
        for cat in CATEGORIES:
            if (cat, None) not in seen:
                self.report(codes.CATEGORY_UNTREATED,
                            c.span, P("`classify` does not say how category {cat} is treated", cat=cat),
                           P("add `category {cat} -> in scope`, `-> out of scope` or `-> first self pay "
                             "<rate>`", cat=cat))

    def no_totals(self, node: ast.Expr | None, what: str) -> None:
        """Line rules make the claim's totals, so they cannot read them (even through a parameter)."""
        if node is None:
            return
        for n in ast.walk(node):
            if not isinstance(n, ast.Name):
                continue
            if n.name in QUANTITIES:
                self.report(codes.LINE_RULE_TOTALS,
                            n.span, P("{what} cannot read `{name}`: the totals are made from the lines",
                                      what=what, name=n.name),
                           P("decide by the visit or the line's class instead"))
            elif n.name in self.params and self.reads_totals(n.name):
                self.report(codes.LINE_RULE_TOTALS,
                            n.span, P("{what} cannot read `{name}`: it depends on the claim's totals, which "
                                      "are made from the lines", what=what, name=n.name))

    def reads_totals(self, param: str) -> bool:
        """Whether a parameter reads a claim total, itself or through the parameters it names."""
        if self._totals_readers is None:
            readers: set[str] = set()
            read_by: dict[str, set[str]] = {}
            for p in self.params.values():
                for name in names_in(p):
                    if name in QUANTITIES:
                        readers.add(p.name)
                    elif name in self.params:
                        read_by.setdefault(name, set()).add(p.name)
            todo = list(readers)
            while todo:  # whatever names a reader of totals reads them too
                for other in read_by.get(todo.pop(), ()):
                    if other not in readers:
                        readers.add(other)
                        todo.append(other)
            self._totals_readers = readers
        return param in self._totals_readers

    # ------------------------------------------------------------ layers
    def check_layers(self) -> None:
        if not self.policy.layers:
            self.report(codes.NO_LAYER,
                        self.policy.header.span, P("the policy has no `layer`: nobody pays anything"),
                       P("add `{example}` with a rate", example='layer basic "统筹基金" / "basic fund"'))
        seen: dict[str, ast.Layer] = {}
        for layer in self.policy.layers:
            if layer.name in seen:
                self.report(codes.DECLARED_TWICE, layer.span, P("layer `{name}` is declared twice",
                                                                name=layer.name))
            if layer.name in RESERVED or layer.name in self.params:
                self.report(codes.NAME_TAKEN, layer.span, P("layer name `{name}` is already taken",
                                                            name=layer.name))
            seen[layer.name] = layer
            self.current_layer = layer.name
            self.check_layer(layer)
            self.current_layer = None
            self.visible_layers.add(layer.name)
        self.check_checks()

    def check_checks(self) -> None:
        seen: set[str] = set()
        for chk in self.policy.checks:
            if chk.name in seen:
                self.report(codes.DECLARED_TWICE, chk.span, P("check `{name}` is declared twice",
                                                              name=chk.name))
            seen.add(chk.name)
            self.check_label(chk.label, P("check `{name}`", name=chk.name))
            self.check_references(chk.references, chk.span, P("check `{name}`", name=chk.name))
            self.expect(self.layer_expr(chk.holds), BOOL, chk.holds, P("a check's `holds`"))

    def check_layer(self, layer: ast.Layer) -> None:
        what = P("layer `{name}`", name=layer.name)
        self.check_label(layer.label, what)
        self.check_references(layer.references, layer.span, what)
        if layer.given is not None:
            self.check_given(layer, what)
            return
        self.check_rounding(layer.rounding, layer.span)
        if layer.when is not None:
            self.expect(self.layer_expr(layer.when), BOOL, layer.when, P("a layer's `when`"))
        if layer.base is not None:
            self.expect(self.layer_expr(layer.base), MONEY, layer.base, P("a layer's base"))
        for key, node in (("ceiling", layer.ceiling), ("deductible", layer.deductible),
                          ("deductible limit", layer.deductible_limit), ("fixed", layer.fixed),
                          ("bands", layer.bands)):
            if node is not None and node.period in ("month", "quarter"):
                self.report(codes.PERIOD, node.span,
                            P("`per {period}` limits a cap only; a {key} is per year or per visit",
                              period=node.period, key=key),
                            P("write `cap … per {period}` for a {period2}ly limit on what the layer pays",
                              period=node.period, period2=node.period))
        pay_rules = [x for x in (layer.rate, layer.bands, layer.fixed) if x is not None]
        if len(pay_rules) != 1:
            self.report(codes.PAY_RULE, layer.span,
                        P("{what} needs exactly one of `rate`, `bands` or `fixed` (it has {n})", what=what,
                          n=len(pay_rules)))
        if layer.ceiling is not None:
            self.expect(self.layer_expr(layer.ceiling.expr), MONEY, layer.ceiling.expr, P("a ceiling"))
            if layer.ceiling_after_deductible and layer.deductible is None:
                self.report(codes.CEILING_NO_DEDUCTIBLE,
                            layer.ceiling.span,
                            P("{what} has a ceiling after its deductible but no deductible", what=what),
                           P("add `deductible … per year`, or drop `after deductible` to limit the base"))
        if layer.deductible is not None:
            self.expect(self.layer_expr(layer.deductible.expr), MONEY, layer.deductible.expr,
                        "a deductible")
        if layer.deductible_limit is not None:
            lim = layer.deductible_limit
            self.expect(self.layer_expr(lim.expr), MONEY, lim.expr, P("a yearly limit on deductibles"))
            if lim.period != "year":
                self.report(codes.PERIOD,
                            lim.span, P("the limit on deductibles is per year"),
                            P("write `at most … per year`"))
        if layer.rate is not None:
            self.in_line_rule = True  # a rate may be set per bill line (`rate if line.class == …`)
            self.expect(self.layer_expr(layer.rate), RATE, layer.rate, P("a rate"))
            self.in_line_rule = False
        periods = [c.period for c in layer.caps]
        for cap in layer.caps:
            self.expect(self.layer_expr(cap.expr), MONEY, cap.expr, P("a cap"))
            if periods.count(cap.period) > 1:
                self.report(codes.TWO_CAPS, cap.span, P("{what} has two caps per {period}", what=what,
                                                        period=cap.period))
        if layer.fixed is not None:
            self.expect(self.layer_expr(layer.fixed.expr), MONEY, layer.fixed.expr, P("a fixed payment"))
            if layer.fixed.period != "visit":
                self.report(codes.PERIOD,
                            layer.fixed.span, P("a fixed payment is per visit"),
                            P("write `fixed … per visit`"))
            if layer.deductible is not None:
                self.report(codes.FIXED_DEDUCTIBLE,
                            layer.deductible.span, P("a fixed payment has no deductible"))
        if layer.bands is not None:
            self.check_bands(layer.bands)

    def check_given(self, layer: ast.Layer, what: str) -> None:
        """A given layer's amount comes from the claim (``paid.<layer>``): nothing in it is computed,
        so every rule that would compute or limit it is an error, each at its own line."""
        assert layer.given is not None
        if self.is_record:
            self.report(codes.CLAIM_IN_RECORD,
                        layer.given, P("{what} is `given`, but this policy's input is a record", what=what),
                       P("a record has no `paid`: compute the layer with `rate`, `bands` or `fixed`"))
        drop = P("remove it, or remove `given` to compute the layer here")
        rules: list[tuple[str, ast.Span, str, str]] = []
        if layer.when is not None:
            rules.append(("when", layer.when.span, P("whoever paid it already decided whether it applies"),
                          P("when it paid nothing, the claim says `{paid}`",
                            paid=f'"paid": {{"{layer.name}": "0.00"}}')))
        if layer.base is not None:
            rules.append(("base", layer.base.span, P("its amount is not computed from a base"), drop))
        for key, node in (("rate", layer.rate), ("bands", layer.bands), ("fixed", layer.fixed)):
            if node is not None:
                rules.append((key, node.span, P("the claim says what it paid"), drop))
        limits = [("ceiling", layer.ceiling), ("deductible", layer.deductible),
                  *(("cap", c) for c in layer.caps)]
        for key, node in limits:
            if node is not None:
                rules.append((key, node.span, P("its limits were applied by whoever paid it"),
                              P("remove it; a later layer's `cap` or `base` limits what follows")))
        if layer.rounding is not None:
            rules.append(("rounding", layer.span, P("nothing in it is computed"), P("remove `rounding`")))
        for key, span, why, hint in sorted(rules, key=lambda r: (r[1].line, r[1].column)):
            self.report(codes.GIVEN_RULE, span, P("{what} is `given`: {why}, so it has no `{key}`", what=what,
                                                  why=why, key=key), hint)

    def check_bands(self, bands: ast.Bands) -> None:
        previous_upper: Decimal | None = Decimal(0)
        for i, band in enumerate(bands.bands):
            lower = band.lower
            if lower is not None:
                self.expect(self.layer_expr(lower), MONEY, lower, P("a band bound"))
            if band.upper is not None:
                self.expect(self.layer_expr(band.upper), MONEY, band.upper, P("a band bound"))
            self.expect(self.layer_expr(band.rate), RATE, band.rate, P("a band rate"))
            lo, hi = const(lower), const(band.upper)
            if i == 0 and lo is not None and lo != 0:
                self.report(codes.BANDS_START, band.span, P("bands start at 0.00; the first starts at {lo}",
                                                            lo=lo),
                           P("add a first band `{band}`", band=f"0.00 to {lo} -> 0%"))
            if previous_upper is not None and lo is not None and i > 0 and lo != previous_upper:
                self.report(codes.BANDS_GAP,
                            band.span, P("band starts at {lo} but the one above ends at {hi}", lo=lo,
                                         hi=previous_upper),
                           P("bands must meet with no gap or overlap"))
            if lo is not None and hi is not None and hi <= lo:
                self.report(codes.BAND_EMPTY, band.span, P("band ends at {hi}, not above its start {lo}",
                                                           hi=hi, lo=lo))
            if band.upper is None and i != len(bands.bands) - 1:
                self.report(codes.BAND_OPEN, band.span, P("only the last band can be open (`above …`)"))
            previous_upper = hi

