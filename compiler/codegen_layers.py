"""Classification and layers to Python: what a claim's bill is split into, and what each payer pays.

Split from ``codegen.py``: one method per construct (``classify``, ``layer``, ``ceiling``,
``deductible``, ``cap``, ``bands``), each emitting the fast path's arithmetic and, when traced,
its record, so a construct's Python reads next to its neighbours'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from yibao.dsl import ast
from yibao.dsl.types import CATEGORIES

from . import constructs as C
from . import phrases
from .codegen_expr import _NONNEGATIVE, ExprEmitter
from .constructs import Construct, accumulator_key, layer_accumulators, record

if TYPE_CHECKING:
    from .codegen import _Texts


class LayerEmitter(ExprEmitter):
    """The line loop and the layers; ``site`` and ``text`` are the generator's."""

    p: ast.Policy
    default_mode: str
    text: _Texts
    site: Callable[..., int]

    def classify(self, kind: str, totals: bool = True) -> None:
        """Emit the line loop. ``kind``: fast (sums only), traced, or parts (per-line parts only);
        ``totals``: then the claim's total and in-scope amount (``settle_sums`` writes them itself)."""
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
            if branches or cls.as_billed is not None:
                w("for i, ln in enumerate(c.lines):" if traced else "for ln in c.lines:")
                with w.indent():
                    if cls.as_billed is not None:
                        self.as_billed(cls, kind)
                    w("cat = ln.category")
                    for n, (cat, rows) in enumerate(branches):
                        w(f"{'if' if n == 0 else 'elif'} cat == {cat!r}:", rows[0].span)
                        with w.indent():
                            self.class_rows(rows, kind)
            if sums and totals:
                self.claim_totals()

    def claim_totals(self) -> None:
        """The claim's total and in-scope amount, from the sums of its lines."""
        self.w("total = c.total")
        self.w("in_scope = total - out_of_scope - first_self_pay")

    def as_billed(self, cls: ast.Classify, kind: str) -> None:
        """``as billed``: a line that carries the platform's split is taken as it came."""
        w = self.w
        span = cls.as_billed
        assert span is not None
        sums, keep_parts, traced = kind != "parts", kind != "fast", kind == "traced"
        with w.at(span):
            w("sp = ln.split")
            w("if sp is not None:")
            with w.indent():
                if sums:
                    w("out_of_scope += sp[0] + sp[1]")
                    w("first_self_pay += sp[2]")
                if keep_parts:
                    w("keep((sp[0] + sp[1], sp[2]))")
                if traced:
                    zh, en = (phrases.phrase(C.CLASSIFY_BILLED.name, "title", lang) for lang in ("zh", "en"))
                    sid = self.site("cls:billed", C.CLASSIFY_BILLED, rule="classify.billed",
                                    label=ast.Label(zh, en, span), refs=cls.references, span=span,
                                    en={"category": en}, zh={"category": zh})
                    rec = record(C.CLASSIFY_BILLED, line="i", code="ln.code", name="ln.name",
                                 amount="ln.amount", self_pay="sp[0]", over_limit="sp[1]",
                                 first_self_pay="sp[2]", in_scope="sp[3]")
                    w(f"t(({sid}, {rec}))")
                w("continue")

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
            else:  # a share: of first self-pay, or (``in scope 70%``) of the in-scope part
                assert t.share is not None
                share = self.expr(t.share, self.default_mode)
                if not isinstance(t.share, ast.Percent):
                    w(f"share = {share}")
                    self.check_rate("share", t.share, row.span)
                    share = "share"
                part = self.round_mul("ln.amount", t.share, share, self.default_mode, nonneg=True)
                w(f"fsp = ln.amount - {part}" if t.kind == "in_scope_share" else f"fsp = {part}")
                if sums:
                    w("first_self_pay += fsp")
                if keep_parts:
                    w("keep((0, fsp))")
                if traced:
                    construct = C.TREATMENTS[t.kind]
                    sid = site(construct, t.share)
                    rec = record(construct, **line, share=share, first_self_pay="fsp",
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

        if layer.given is not None:
            self.given(index, layer, traced, site)
            return
        base_name = layer.base.name if isinstance(layer.base, ast.Name) else None
        if layer.base is None:
            base_name = "remaining"
        with w.at(layer.span):
            w(repr(f"layer {n}: {layer.label.en}"), layer.span)  # a string statement: no code, no comment
            for acc, var in self.layer_accumulators(layer):
                w(f"{var} = ytd.get({acc!r}, 0)")
            if C.rate_by_line(layer):
                w(f"lp_{n} = None  # each line's pay, for the per-line split")
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
            after = layer.ceiling_after_deductible  # the ceiling comes after the deductible
            if layer.ceiling is not None and not after:
                self.ceiling(layer, traced, site)
            elif layer.ceiling is None and any(
                    self.reads_result(x, n, "over_ceiling") for x in later + tuple(self.p.checks)):
                w(f"over_{n} = 0")
            keep_base = (layer.ceiling is not None and layer.ceiling.period == "year") or any(
                self.reads_result(x, n, "base") for x in later + tuple(self.p.checks))
            if keep_base and not after:
                w(f"base_{n} = base")
            if layer.deductible is not None:
                self.deductible(layer, traced, site)
            elif any(self.reads_result(x, n, "deductible") for x in later + tuple(self.p.checks)):
                w(f"ded_{n} = 0")  # read by a later rule: a layer without a deductible applied none
            if after:
                self.ceiling_after_deductible(layer, traced, site)
                if keep_base:
                    w(f"base_{n} = base")
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
            elif C.rate_by_line(layer):
                self.rate_by_line(layer, traced, site)
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
            self.pass_on(index, layer)

    def pass_on(self, index: int, layer: ast.Layer) -> None:
        """What a layer paid leaves ``unpaid`` (and ``remaining``) for the layers and checks after it."""
        w = self.w
        n = layer.name
        followers = (*self.p.layers[index + 1 :], *self.p.checks)
        if followers or len(self.p.layers) > 1:
            w(f"unpaid -= l_{n}")
            if any(self.reads_remaining(x) for x in followers):
                w(f"remaining -= l_{n}")
                w("if remaining < 0:")
                with w.indent():
                    w("remaining = 0")

    def given(self, index: int, layer: ast.Layer, traced: bool, site: Callable[..., int]) -> None:
        """``given``: the claim says what the layer paid (``paid.<layer>``), settled upstream.

        It may not exceed what the claim's total less the earlier layers leaves unpaid: a figure
        that does is a wrong claim or a wrong policy, so settling fails at the layer's line, naming
        both figures, rather than cap it silently.
        """
        w = self.w
        n = layer.name
        g = layer.given
        assert g is not None

        with w.at(layer.span):
            w(repr(f"layer {n}: {layer.label.en}"), layer.span)  # a string statement: no code, no comment
            for acc, var in self.layer_accumulators(layer):
                w(f"{var} = ytd.get({acc!r}, 0)")
            with w.at(g):
                w(f"pay = c.paid[{n!r}]")
                w("if pay > unpaid:")
                with w.indent():
                    w(f"raise SettlementError.overpaid({n!r}, pay, unpaid, {index == 0})")
                if traced:
                    sid = site(C.GIVEN, g)
                    w(f"t(({sid}, {record(C.GIVEN, given='pay', unpaid='unpaid', pay='pay')}))")
            w(f"l_{n} = pay")
            if traced:
                payer = phrases.payer_zh(layer.label.zh)
                sid = site(C.PAYS, layer.span, en={"layer": n}, zh={"payer": payer})
                w(f"t(({sid}, {record(C.PAYS, pay='pay')}))")
            self.pass_on(index, layer)

    def reads_result(self, node: object, layer: str, result: str) -> bool:
        return any(isinstance(x, ast.Field) and x.path == (layer, result) for x in ast.walk(node))

    def ceiling_room(self, layer: ast.Layer, ce: ast.Periodic) -> None:
        """``ceiling`` and the ``room`` left under it (less what entered this year, for per year)."""
        w = self.w
        w(f"ceiling = {self.expr(ce.expr, layer.rounding or self.default_mode)}")
        w(f"room = ceiling - ye_{layer.name}" if ce.period == "year" else "room = ceiling")
        w("if room < 0:")
        with w.indent():
            w("room = 0")

    def ceiling(self, layer: ast.Layer, traced: bool, site: Callable[..., int]) -> None:
        w = self.w
        n = layer.name
        ce = layer.ceiling
        assert ce is not None
        with w.at(ce.span):
            self.ceiling_room(layer, ce)
            w(f"over_{n} = base - room if base > room else 0")
            w(f"base -= over_{n}")
            if traced:
                kind = C.CEILING_YEAR if ce.period == "year" else C.CEILING_VISIT
                sid = site(kind, ce.span, ce.expr)
                rec = record(kind, ceiling="ceiling", room="room", entered="base", over=f"over_{n}")
                w(f"t(({sid}, {rec}))")

    def ceiling_after_deductible(self, layer: ast.Layer, traced: bool, site: Callable[..., int]) -> None:
        """``ceiling … after deductible``: room is measured on base − deductible; the part above it
        leaves the base (so the rate, bands and ``remaining`` see it as not paid by this layer)."""
        w = self.w
        n = layer.name
        ce = layer.ceiling
        assert ce is not None
        with w.at(ce.span):
            self.ceiling_room(layer, ce)
            w(f"eligible = base - ded_{n}")
            w(f"over_{n} = eligible - room if eligible > room else 0")
            w(f"base -= over_{n}")
            if traced:
                year = ce.period == "year"
                kind = C.CEILING_AFTER_DEDUCTIBLE_YEAR if year else C.CEILING_AFTER_DEDUCTIBLE_VISIT
                sid = site(kind, ce.span, ce.expr)
                rec = record(kind, ceiling="ceiling", room="room", eligible="eligible",
                             entered=f"eligible - over_{n}", over=f"over_{n}")
                w(f"t(({sid}, {rec}))")

    def reads_remaining(self, node: ast.Layer | ast.Check) -> bool:
        return (isinstance(node, ast.Layer) and node.base is None and node.given is None) or any(
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

    def rate_by_line(self, layer: ast.Layer, traced: bool, site: Callable[..., int]) -> None:
        """A rate that reads the bill line: the eligible amount shared out over the lines by their
        in-scope cost, each share at its line's rate (``constructs.RATE_LINE``)."""
        w = self.w
        n = layer.name
        r = layer.rate
        assert r is not None
        mode = layer.rounding or self.default_mode
        with w.at(r.span):
            w("pay = 0")
            w("split = line_parts(c)")
            w(f"lp_{n} = [0] * len(c.lines)")
            w("weight = sum(ln.amount - o - f for ln, (o, f) in zip(c.lines, split, strict=True))")
            w("if weight > 0:")
            with w.indent():
                w("cum = cut = 0")
                w("for i, (ln, (o, f)) in enumerate(zip(c.lines, split, strict=True)):")
                with w.indent():
                    w("ins = ln.amount - o - f")
                    w("if not ins:")
                    with w.indent():
                        w("continue")
                    w("cum += ins")
                    w(f"share = elig_{n} * cum // weight - cut")
                    w("cut += share")
                    w(f"rate = {self.expr(r, mode)}")
                    self.check_rate("rate", r, r.span)
                    w(f"line_pay = {self.round_mul('share', r, 'rate', mode, nonneg=True)}")
                    w("pay += line_pay")
                    w(f"lp_{n}[i] = line_pay")
                    if traced:
                        sid = site(C.RATE_LINE, r.span, r)
                        rec = record(C.RATE_LINE, line="i", code="ln.code", name="ln.name", in_scope="ins",
                                     share="share", rate="rate", pay="line_pay")
                        w(f"t(({sid}, {rec}))")
            if traced:
                sid = site(C.RATE_BY_LINE, r.span)
                rec = record(C.RATE_BY_LINE, base="base", deductible=f"base - elig_{n}",
                             eligible=f"elig_{n}", pay="pay")
                w(f"t(({sid}, {rec}))")

    def cap(self, layer: ast.Layer, cap: ast.Periodic, traced: bool, site: Callable[..., int]) -> None:
        w = self.w
        n = layer.name
        with w.at(cap.span):
            w(f"cap = {self.expr(cap.expr, layer.rounding or self.default_mode)}")
            paid = C.PAID_IN.get(cap.period)
            before = f"{paid.var}_{n}" if paid is not None else None
            if before is not None:
                w(f"cap_left = cap - {before}")
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
                construct = C.CAPS[cap.period]
                if before is not None:
                    sid = site(construct, cap.span, cap.expr)
                    rec = record(construct, cap="cap", paid_before=before, before_cap="before_cap",
                                 cap_left="cap_left", pay="pay")
                else:
                    sid = site(construct, cap.span, cap.expr)
                    rec = record(construct, before_cap="before_cap", cap="cap", pay="pay")
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

