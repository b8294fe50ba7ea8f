"""The layers of a columnar module (``codegen_columnar``): each layer over the claims of one wave
(the k-th claim of every person at once), its deductible, rate, caps and bands, a rate by bill
line shared out over the lines, and what it passes on to the next layer. Mixed into
``ColumnarGenerator``, whose masks, failures and expressions it uses, as ``codegen_layers`` is into
the scalar ``CodeGenerator``."""

from __future__ import annotations

from yibao.dsl import ast

from .codegen_expr import _NONNEGATIVE, ExprEmitter, _ident
from .constructs import PAID_IN, accumulator_key, divides, layer_accumulators, rate_by_line


class ColumnarLayers(ExprEmitter):
    """A layer's columnar code: the methods ``ColumnarGenerator.module`` calls per layer."""

    def rate_by_line(self, layer: ast.Layer, n: str, mode: str) -> None:
        """The eligible amount shared out over the claim's lines by in-scope cost (cumulative floors)
        and each share paid at its line's rate, as ``codegen_layers.rate_by_line`` does claim by claim."""
        w = self.w
        r = layer.rate
        assert r is not None
        with w.at(r.span):
            w("li, lo = c.wave_lines()")
            w("weight = c.line_value('weight', li)")
            w(f"rate = c.line_value({'rate_' + n!r}, li)")
            w("own = np.repeat(np.arange(c.n), np.diff(lo))")
            w("cum = np.cumsum(weight)")
            w("cum = cum - np.concatenate(([0], cum))[lo[:-1]][own]  # within the claim")
            w("total_weight = sums(weight, lo)[own]")
            w(f"upto = floor_mul_div(elig_{n}[own], cum, total_weight)")
            w("before = np.concatenate(([0], upto[:-1]))")
            w("before[lo[:-1][np.diff(lo) > 0]] = 0  # a claim's first line")
            w("share = upto - before")
            w(f"pay = sums({self.round_mul('share', r, 'rate', mode, nonneg=True)}, lo)")

    # ------------------------------------------------------------ layers
    def layer(self, index: int, layer: ast.Layer) -> None:
        w = self.w
        n = _ident(layer.name, layer.span)
        mode = layer.rounding or self.default_mode
        with w.at(layer.span):
            w(repr(f"layer {n}: {layer.label.en}"), layer.span)
            for acc in layer_accumulators(layer):
                w(f"{acc.var}_{n} = ytd[{accumulator_key(n, acc)!r}]")
            if layer.given is not None:
                with w.at(layer.given):
                    w(f"pay = c.paid[{n!r}]")
                    self.fail("pay > unpaid", layer.given,
                              f"lambda i: overpaid({n!r}, pay, unpaid, i, {index == 0})")
                w(f"l_{n} = pay")
                for var in ("ded", "elig", "base", "over"):
                    w(f"{var}_{n} = zero")
                self.pass_on(index, n)
                return
            act = "True"
            if layer.when is not None:
                act = f"act_{n}"
                w(f"{act} = full(c.n, {self.expr(layer.when, mode)})", layer.when.span)
            with self.masked(act):
                self.layer_body(index, layer, n, mode)
            if layer.when is not None:
                for var in ("l", "ded", "elig", "base", "over"):
                    w(f"{var}_{n} = where({act}, {var}_{n}, 0)")
            self.pass_on(index, n)

    def layer_body(self, index: int, layer: ast.Layer, n: str, mode: str) -> None:
        w = self.w
        base_name = layer.base.name if isinstance(layer.base, ast.Name) else None
        if layer.base is None:
            base_name = "remaining"
        base = self.expr(layer.base, mode) if layer.base is not None else "remaining"
        base_span = layer.base.span if layer.base is not None else layer.span
        w(f"base = full(c.n, {base})", base_span)
        if base_name not in _NONNEGATIVE:
            w("base = np.maximum(base, 0)", base_span)
        after = layer.ceiling_after_deductible
        w(f"over_{n} = zero")
        if layer.ceiling is not None and not after:
            ce = layer.ceiling
            with w.at(ce.span):
                self.ceiling_room(layer, ce, n)
                w(f"over_{n} = np.maximum(base - room, 0)")
                w(f"base = base - over_{n}")
        if not after:
            w(f"base_{n} = base")
        if layer.deductible is not None:
            self.deductible(layer, n)
        else:
            w(f"ded_{n} = zero")
        if after:
            ce = layer.ceiling
            assert ce is not None
            with w.at(ce.span):
                self.ceiling_room(layer, ce, n)
                w(f"over_{n} = np.maximum(base - ded_{n} - room, 0)")
                w(f"base = base - over_{n}")
            w(f"base_{n} = base")
        w(f"elig_{n} = base - ded_{n}")
        if layer.fixed is not None:
            f = layer.fixed
            w(f"pay = np.maximum(np.minimum({self.expr(f.expr, mode)}, base), 0)", f.span)
        elif rate_by_line(layer):
            self.rate_by_line(layer, n, mode)
        elif layer.rate is not None:
            r = layer.rate
            rate = self.expr(r, mode)
            if not isinstance(r, ast.Percent):
                w(f"rate = full(c.n, {rate})", r.span)
                self.check_rate("rate", r, r.span)
                rate = "rate"
            w(f"pay = {self.round_mul(f'elig_{n}', r, rate, mode, nonneg=True)}", r.span)
        else:
            self.bands(layer, n, mode)
        for cap in layer.caps:
            with w.at(cap.span):
                capv = self.expr(cap.expr, mode)
                if cap.period in PAID_IN:
                    w(f"pay = np.minimum(pay, np.maximum({capv} - {PAID_IN[cap.period].var}_{n}, 0))")
                else:
                    w(f"pay = np.minimum(pay, {capv})")
        left_by_earlier = base_name in ("remaining", "unpaid")
        if not (left_by_earlier or (index == 0 and base_name in ("in_scope", "total"))):
            w("pay = np.minimum(pay, unpaid)")
        w(f"l_{n} = pay")

    def ceiling_room(self, layer: ast.Layer, ce: ast.Periodic, n: str) -> None:
        value = self.expr(ce.expr, layer.rounding or self.default_mode)
        room = f"{value} - ye_{n}" if ce.period == "year" else value
        self.w(f"room = np.maximum({room}, 0)")

    def deductible(self, layer: ast.Layer, n: str) -> None:
        w = self.w
        d = layer.deductible
        assert d is not None
        mode = layer.rounding or self.default_mode
        with w.at(d.span):
            due = self.expr(d.expr, mode)
            if d.period == "year":
                w(f"ded_due = np.maximum({due} - yd_{n}, 0)")
            else:
                w(f"ded_due = full(c.n, {due})")
            if layer.deductible_limit is not None:
                limit = self.expr(layer.deductible_limit.expr, mode)
                w(f"ded_room = {limit} - yd_{n}")
                w("ded_due = where(ded_due > ded_room, np.maximum(ded_room, 0), ded_due)")
            w(f"ded_{n} = np.minimum(base, ded_due)")

    def bands(self, layer: ast.Layer, n: str, mode: str) -> None:
        w = self.w
        b = layer.bands
        assert b is not None
        with w.at(b.span):
            w(f"before = yb_{n}" if b.period == "year" else "before = zero")
            w(f"after = before + elig_{n}")
            w("pay = zero")
        lower = "0"
        for band in b.bands:
            with w.at(band.span):
                if band.lower is not None:
                    lower = self.expr(band.lower, mode)
                if not (isinstance(band.rate, ast.Percent) and band.rate.value == 0):  # 0% pays nothing
                    w(f"lo = np.maximum({lower}, before)")
                    w(f"hi = np.minimum({self.expr(band.upper, mode)}, after)" if band.upper is not None
                      else "hi = after")
                    w("part = np.maximum(hi - lo, 0)")  # a band the year has not reached: 0
                    with self.masked(f"all_of({self.active}, part > 0)"):  # the scalar `if hi > lo`
                        rate = self.expr(band.rate, mode)
                        if not isinstance(band.rate, ast.Percent):
                            w(f"rate = full(c.n, {rate})")
                            self.check_rate("rate", band.rate, band.span)
                            rate = "rate"
                    w(f"pay = pay + {self.round_mul('part', band.rate, rate, mode, nonneg=True)}")
                if band.upper is not None:
                    lower = self.expr(band.upper, mode)

    def pass_on(self, index: int, n: str) -> None:
        """What the layer leaves to the next one (nothing to work out after the last, unless a
        check reads it)."""
        if index == len(self.p.layers) - 1 and not any(divides(chk.holds) for chk in self.p.checks):
            return
        w = self.w
        w(f"unpaid = unpaid - l_{n}")
        w(f"remaining = np.maximum(remaining - l_{n}, 0)")
