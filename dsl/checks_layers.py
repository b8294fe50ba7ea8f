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
            self.report(codes.NO_CLASSIFY, span, "the policy has no `classify` block",
                       "say how category A, B and C lines are treated, e.g. `category C -> out of scope`")
            return
        self.check_label(c.label, "`classify`")
        self.check_references(c.references, c.span, "`classify`")
        classes = tuple(dict.fromkeys(r.item_class for r in c.rows if r.item_class is not None))
        self.line_enums = {"line.category": CATEGORIES, "line.class": classes}
        for key, values in self.line_enums.items():  # after the parameters: their names may be a class
            self.enum_sets[key] = frozenset(values)
        seen: dict[tuple[str, str | None], ast.ClassRow] = {}
        for row in c.rows:
            if row.category not in CATEGORIES:
                self.report(codes.UNKNOWN_CATEGORY,
                            row.span, f"unknown category `{row.category}`; expected A, B or C",
                           suggest(row.category, CATEGORIES))
            for part in (row.when, row.treatment.share):
                self.no_totals(part, "a line rule")
            self.in_line_rule = True
            if row.treatment.share is not None:
                what = ("an in-scope share" if row.treatment.kind == "in_scope_share"
                        else "a first self-pay share")
                self.expect(self.expr(row.treatment.share, param=None), RATE, row.treatment.share, what)
            if row.when is not None:
                self.expect(self.expr(row.when, param=None), BOOL, row.when, "a line rule's `when`")
            self.in_line_rule = False
            if row.when is not None:
                continue  # conditional rows come before the row that always applies
            key = (row.category, row.item_class)
            if key in seen:
                self.report(codes.CLASS_TWICE, row.span, "this line class is treated twice",
                           f"the first is at line {seen[key].span.line}")
            seen[key] = row
        for cat in CATEGORIES:
            if (cat, None) not in seen:
                self.report(codes.CATEGORY_UNTREATED,
                            c.span, f"`classify` does not say how category {cat} is treated",
                           f"add `category {cat} -> in scope`, `-> out of scope` or "
                           "`-> first self pay <rate>`")

    def no_totals(self, node: ast.Expr | None, what: str) -> None:
        """Line rules make the claim's totals, so they cannot read them (even through a parameter)."""
        if node is None:
            return
        for n in ast.walk(node):
            if not isinstance(n, ast.Name):
                continue
            if n.name in QUANTITIES:
                self.report(codes.LINE_RULE_TOTALS,
                            n.span, f"{what} cannot read `{n.name}`: the totals are made from the lines",
                           "decide by the visit or the line's class instead")
            elif n.name in self.params and self.reads_totals(n.name):
                self.report(codes.LINE_RULE_TOTALS,
                            n.span, f"{what} cannot read `{n.name}`: it depends on the claim's totals, "
                           "which are made from the lines")

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
                        self.policy.header.span, "the policy has no `layer`: nobody pays anything",
                       "add `layer basic \"统筹基金\" / \"basic fund\"` with a rate")
        seen: dict[str, ast.Layer] = {}
        for layer in self.policy.layers:
            if layer.name in seen:
                self.report(codes.DECLARED_TWICE, layer.span, f"layer `{layer.name}` is declared twice")
            if layer.name in RESERVED or layer.name in self.params:
                self.report(codes.NAME_TAKEN, layer.span, f"layer name `{layer.name}` is already taken")
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
                self.report(codes.DECLARED_TWICE, chk.span, f"check `{chk.name}` is declared twice")
            seen.add(chk.name)
            self.check_label(chk.label, f"check `{chk.name}`")
            self.check_references(chk.references, chk.span, f"check `{chk.name}`")
            self.expect(self.layer_expr(chk.holds), BOOL, chk.holds, "a check's `holds`")

    def check_layer(self, layer: ast.Layer) -> None:
        what = f"layer `{layer.name}`"
        self.check_label(layer.label, what)
        self.check_references(layer.references, layer.span, what)
        if layer.given is not None:
            self.check_given(layer, what)
            return
        self.check_rounding(layer.rounding, layer.span)
        if layer.when is not None:
            self.expect(self.layer_expr(layer.when), BOOL, layer.when, "a layer's `when`")
        if layer.base is not None:
            self.expect(self.layer_expr(layer.base), MONEY, layer.base, "a layer's base")
        for key, node in (("ceiling", layer.ceiling), ("deductible", layer.deductible),
                          ("deductible limit", layer.deductible_limit), ("fixed", layer.fixed),
                          ("bands", layer.bands)):
            if node is not None and node.period in ("month", "quarter"):
                self.report(codes.PERIOD, node.span,
                            f"`per {node.period}` limits a cap only; a {key} is per year or per visit",
                            f"write `cap … per {node.period}` for a {node.period}ly limit on what the "
                            "layer pays")
        pay_rules = [x for x in (layer.rate, layer.bands, layer.fixed) if x is not None]
        if len(pay_rules) != 1:
            self.report(codes.PAY_RULE, layer.span, f"{what} needs exactly one of `rate`, `bands` or `fixed`"
                       f" (it has {len(pay_rules)})")
        if layer.ceiling is not None:
            self.expect(self.layer_expr(layer.ceiling.expr), MONEY, layer.ceiling.expr, "a ceiling")
            if layer.ceiling_after_deductible and layer.deductible is None:
                self.report(codes.CEILING_NO_DEDUCTIBLE,
                            layer.ceiling.span,
                            f"{what} has a ceiling after its deductible but no deductible",
                           "add `deductible … per year`, or drop `after deductible` to limit the base")
        if layer.deductible is not None:
            self.expect(self.layer_expr(layer.deductible.expr), MONEY, layer.deductible.expr,
                        "a deductible")
        if layer.deductible_limit is not None:
            lim = layer.deductible_limit
            self.expect(self.layer_expr(lim.expr), MONEY, lim.expr, "a yearly limit on deductibles")
            if lim.period != "year":
                self.report(codes.PERIOD,
                            lim.span, "the limit on deductibles is per year", "write `at most … per year`")
        if layer.rate is not None:
            self.in_line_rule = True  # a rate may be set per bill line (`rate if line.class == …`)
            self.expect(self.layer_expr(layer.rate), RATE, layer.rate, "a rate")
            self.in_line_rule = False
        periods = [c.period for c in layer.caps]
        for cap in layer.caps:
            self.expect(self.layer_expr(cap.expr), MONEY, cap.expr, "a cap")
            if periods.count(cap.period) > 1:
                self.report(codes.TWO_CAPS, cap.span, f"{what} has two caps per {cap.period}")
        if layer.fixed is not None:
            self.expect(self.layer_expr(layer.fixed.expr), MONEY, layer.fixed.expr, "a fixed payment")
            if layer.fixed.period != "visit":
                self.report(codes.PERIOD,
                            layer.fixed.span, "a fixed payment is per visit", "write `fixed … per visit`")
            if layer.deductible is not None:
                self.report(codes.FIXED_DEDUCTIBLE,
                            layer.deductible.span, "a fixed payment has no deductible")
        if layer.bands is not None:
            self.check_bands(layer.bands)

    def check_given(self, layer: ast.Layer, what: str) -> None:
        """A given layer's amount comes from the claim (``paid.<layer>``): nothing in it is computed,
        so every rule that would compute or limit it is an error, each at its own line."""
        assert layer.given is not None
        if self.is_record:
            self.report(codes.CLAIM_IN_RECORD,
                        layer.given, f"{what} is `given`, but this policy's input is a record",
                       "a record has no `paid`: compute the layer with `rate`, `bands` or `fixed`")
        drop = "remove it, or remove `given` to compute the layer here"
        rules: list[tuple[str, ast.Span, str, str]] = []
        if layer.when is not None:
            rules.append(("when", layer.when.span, "whoever paid it already decided whether it applies",
                          f"when it paid nothing, the claim says `\"paid\": {{\"{layer.name}\": \"0.00\"}}`"))
        if layer.base is not None:
            rules.append(("base", layer.base.span, "its amount is not computed from a base", drop))
        for key, node in (("rate", layer.rate), ("bands", layer.bands), ("fixed", layer.fixed)):
            if node is not None:
                rules.append((key, node.span, "the claim says what it paid", drop))
        limits = [("ceiling", layer.ceiling), ("deductible", layer.deductible),
                  *(("cap", c) for c in layer.caps)]
        for key, node in limits:
            if node is not None:
                rules.append((key, node.span, "its limits were applied by whoever paid it",
                              "remove it; a later layer's `cap` or `base` limits what follows"))
        if layer.rounding is not None:
            rules.append(("rounding", layer.span, "nothing in it is computed", "remove `rounding`"))
        for key, span, why, hint in sorted(rules, key=lambda r: (r[1].line, r[1].column)):
            self.report(codes.GIVEN_RULE, span, f"{what} is `given`: {why}, so it has no `{key}`", hint)

    def check_bands(self, bands: ast.Bands) -> None:
        previous_upper: Decimal | None = Decimal(0)
        for i, band in enumerate(bands.bands):
            lower = band.lower
            if lower is not None:
                self.expect(self.layer_expr(lower), MONEY, lower, "a band bound")
            if band.upper is not None:
                self.expect(self.layer_expr(band.upper), MONEY, band.upper, "a band bound")
            self.expect(self.layer_expr(band.rate), RATE, band.rate, "a band rate")
            lo, hi = const(lower), const(band.upper)
            if i == 0 and lo is not None and lo != 0:
                self.report(codes.BANDS_START, band.span, f"bands start at 0.00; the first starts at {lo}",
                           f"add a first band `0.00 to {lo} -> 0%`")
            if previous_upper is not None and lo is not None and i > 0 and lo != previous_upper:
                self.report(codes.BANDS_GAP,
                            band.span, f"band starts at {lo} but the one above ends at {previous_upper}",
                           "bands must meet with no gap or overlap")
            if lo is not None and hi is not None and hi <= lo:
                self.report(codes.BAND_EMPTY, band.span, f"band ends at {hi}, not above its start {lo}")
            if band.upper is None and i != len(bands.bands) - 1:
                self.report(codes.BAND_OPEN, band.span, "only the last band can be open (`above …`)")
            previous_upper = hi

