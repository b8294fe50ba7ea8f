"""The classification of a columnar module (``codegen_columnar``): every bill line of a batch at
once, each category's rows as masks over the line arrays (the first row that matches a line gives
its treatment), or the fused line pass where the rows are a table of line rules
(``line_pass.fused_table``); and, for a rate by bill line, each line's weight and rate kept for
the layers. Mixed into ``ColumnarGenerator``, whose masks, failures and expressions it uses."""

from __future__ import annotations

from yibao.dsl import ast
from yibao.dsl.types import CATEGORIES

from .codegen_expr import ExprEmitter, _ident
from .constructs import rate_by_line
from .money import RATE_ONE


class ColumnarClassify(ExprEmitter):
    """The classification's columnar code: the methods ``ColumnarGenerator.module`` calls."""

    def classify(self) -> None:
        """Every bill line at once: the first row of its category that matches gives its treatment."""
        w = self.w
        cls = self.p.classify
        assert cls is not None
        mode = self.default_mode
        with w.at(cls.span):
            w(repr(f"classify: {cls.label.en}"), cls.span)
            if self.fused is None:
                self.classify_numpy(cls, mode)
            else:
                w("fused = line_sums(c, LINE_RULES)  # None: left to NumPy (line_pass.py)")
                w("if fused is not None:")
                with w.indent():
                    w("out_of_scope, first_self_pay, total = fused")
                w("else:")
                saved = dict(self.common)  # a test first computed in this branch is not for after it
                with w.indent():
                    self.classify_numpy(cls, mode)
                self.common = saved
            w("in_scope = total - out_of_scope - first_self_pay")

    def classify_numpy(self, cls: ast.Classify, mode: str) -> None:
        """The classification as NumPy over every line: masks per row, ``where``, ``sums``."""
        w = self.w
        w("own = c.line_owner()")
        w("L = c.take(own)  # the claim's fields, line by line")
        w("amount = c.line_amount")
        w("unit_price = c.line_unit_price")
        w("oos = 0  # a number until a row of the classification sets some lines")
        w("fsp = 0")
        billed = ""
        if cls.as_billed is not None:
            with w.at(cls.as_billed):
                w("billed = c.line_billed  # taken as the platform split it")
                w("oos = where(billed, c.line_self_pay + c.line_over_limit, 0)")
                w("fsp = where(billed, c.line_first_self_pay, 0)")
            billed = " & ~billed"
        self.lines = True
        try:
            for cat in CATEGORIES:
                rows = [r for r in cls.rows if r.category == cat]
                if all(r.treatment.kind == "in_scope" for r in rows):
                    continue  # nothing to count: in scope is what is left
                ordered = sorted(rows, key=lambda r: (r.item_class is None) * 2 + (r.when is None))
                w(f"free = (c.line_category == {CATEGORIES.index(cat)}){billed}  # {cat}", rows[0].span)
                for k, r in enumerate(ordered):
                    self.class_row(r, mode, last=k == len(ordered) - 1)
        finally:
            self.lines = False
        if self.line_fails:
            w("commit_lines(c)  # a claim fails at its first failing line")
        w("total = c.total if c.total is not None else sums(amount, c.line_offsets)")
        w("out_of_scope = sums(oos, c.line_offsets)")
        w("first_self_pay = sums(fsp, c.line_offsets)")

    def line_rates(self) -> None:
        """For a rate by bill line: each line's in-scope cost (its weight) and its rate, kept on the
        batch (``Batch.line_values``) for ``settle_layers`` (``constructs.RATE_LINE``)."""
        by_line = [x for x in self.p.layers if rate_by_line(x)]
        if not by_line:
            return
        w = self.w
        w("c.line_values['weight'] = amount - oos - fsp")
        self.lines = True
        try:
            for layer in by_line:
                r = layer.rate
                assert r is not None
                n = _ident(layer.name, layer.span)
                rate = self.expr(r, layer.rounding or self.default_mode)
                w(f"c.line_values[{'rate_' + n!r}] = full(L.n, {rate})", r.span)
        finally:
            self.lines = False

    def class_row(self, r: ast.ClassRow, mode: str, last: bool) -> None:
        w = self.w
        tests = ["free"]
        if r.item_class is not None:
            tests.append(f"(c.line_class == {r.item_class!r})")
        if r.when is not None:  # tested on the lines still free, of the row's class
            with self.masked(" & ".join(tests)):
                tests.append(f"full(L.n, {self.expr(r.when, mode)})")
        w(f"sel = {' & '.join(tests)}", r.span)
        if not last:  # the lines this row takes are not for the rows after it
            w("free = free & ~sel", r.span)
        t = r.treatment
        if t.kind == "out_of_scope":
            w("oos = where(sel, amount, oos)", r.span)
        elif t.kind != "in_scope":
            assert t.share is not None
            with self.masked("sel"):
                share = self.expr(t.share, mode)
            if not isinstance(t.share, ast.Percent):
                w(f"share = full(L.n, {share})", r.span)
                if not self.rate_in_range(t.share):
                    self.line_fails = True
                    w(f"fail_lines(c, own, sel & ((share < 0) | (share > {RATE_ONE})), "
                      f"({r.span.file!r}, {int(r.span.line)}), lambda j: rate_text(share, j), INFO)", r.span)
                share = "share"
            part = self.round_mul("amount", t.share, share, mode, nonneg=True)
            if t.kind == "in_scope_share":
                part = f"amount - {part}"
            w(f"fsp = where(sel, {part}, fsp)", r.span)
