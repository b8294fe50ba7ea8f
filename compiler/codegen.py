"""Checked AST → one readable, deterministic Python module per policy.

Shaped like Jinja2's compiler: a writer that emits lines and remembers, for each
generated line, the policy line it came from, so a failure while settling names
the policy line. One generator emits both entry points: ``settle`` (fast) and
``settle_traced`` (records a step at every rule); they share every formula.

Safe by construction, whatever the AST holds (it can be built or altered through the
API, not only parsed): policy text (labels, citations, paths, source text) only ever
reaches the module through ``repr`` of a string constant, never a comment or a
docstring; a name becomes a Python identifier only after ``_ident`` has checked it,
an operator only from a fixed set, a number only through ``int``.

Nothing nests with the size of the policy, since CPython's parser and compiler cannot
take thousands of levels: tables longer than ``_CHAIN_ROWS`` are looked up in dicts at
module level rather than an ``if``/``elif`` chain, a long sum is grouped, an else-if
chain is one conditional expression.

This module assembles the module (header, sites, ``settle``/``settle_traced``, ``META``);
what goes into it is emitted by the mixins ``CodeGenerator`` inherits: expressions
(``codegen_expr.py``), parameters and tables (``codegen_tables.py``), classification and
layers (``codegen_layers.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from yibao.dsl import ast
from yibao.dsl.checks import CheckedPolicy
from yibao.dsl.collector import collector_paused

from . import constructs as C
from . import phrases
from .codegen_expr import _TYPE_CODE, _day, _ident, _plain
from .codegen_groups import ParamGroups
from .codegen_layers import LayerEmitter
from .codegen_tables import TableEmitter, _Lookup
from .constructs import Construct, accumulator_adds, accumulator_key, layer_accumulators, record
from .line_rules import Rule, fused_table

GENERATOR = "yibao-codegen/1"


@dataclass(frozen=True)
class GeneratedModule:
    source: str
    linemap: tuple[tuple[str, int], ...]  # generated line (index) → (policy file, line); line 0: none
    filename: str


class _Writer:
    """Emits lines and remembers, for each, the policy file and line it came from."""

    def __init__(self, file: str = "") -> None:
        self.lines: list[str] = []
        self.linemap: list[tuple[str, int]] = []
        self.depth = 0
        self.src: tuple[str, int] = (file, 0)

    def _where(self, src: ast.Span | int | None) -> tuple[str, int]:
        if src is None:
            return self.src
        if isinstance(src, ast.Span):
            return (src.file, src.line)
        return (self.src[0], src)

    def __call__(self, text: str = "", src: ast.Span | int | None = None) -> None:
        self.lines.append(("    " * self.depth + text) if text else "")
        self.linemap.append(self._where(src))

    @contextmanager
    def indent(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    @contextmanager
    def at(self, src: ast.Span | int) -> Iterator[None]:
        saved, self.src = self.src, self._where(src)
        try:
            yield
        finally:
            self.src = saved


def _cite(refs: tuple[ast.Reference, ...], policy: ast.Policy, lang: str = "zh") -> str:
    """A rule's citation as the trace shows it, in ``lang``: sources with their sections, assumptions."""
    sources = {s.name: s for s in policy.sources}
    parts = []
    for r in refs:
        if isinstance(r, ast.Citation):
            s = sources.get(r.source)
            name = (s.label.en or s.label.zh if lang == "en" else s.label.zh) if s else r.source
            parts.append(name + (f" {r.section}" if r.section else ""))
        else:
            parts.append(("assumption: " if lang == "en" else "假设：") + r.in_lang(lang))
    return "; ".join(parts) if lang == "en" else "；".join(parts)


class _Texts:
    """The policy text a node was written as, on one line; each file is split into lines once."""

    def __init__(self, policy: ast.Policy) -> None:
        self.policy = policy
        self.lines: dict[str, list[str]] = {}

    def __call__(self, span: ast.Span) -> str:
        lines = self.lines.get(span.file)
        if lines is None:
            lines = self.lines[span.file] = self.policy.texts.get(span.file, self.policy.text).split("\n")
        if span.line != span.end_line:
            return lines[span.line - 1][span.column - 1 :].strip()
        return lines[span.line - 1][span.column - 1 : span.end_column - 1].strip()

    def row_keys(self, row: ast.Row) -> str:
        """A table row's patterns (``local, 2, _``), whatever spaces align its columns in the file."""
        return ", ".join("_" if p.alternatives is None else " | ".join(p.alternatives) for p in row.patterns)


class CodeGenerator(ParamGroups, TableEmitter, LayerEmitter):
    """One policy's module; the emitters it inherits write the parameters, lines and layers."""

    def __init__(self, checked: CheckedPolicy) -> None:
        self.c = checked
        self.p = checked.policy
        self.w = _Writer()
        self.sites: list[str] = []
        self.site_ids: dict[str, int] = {}
        self.default_mode = self.p.header.rounding or "half_up"
        self.late = self._quantity_params()
        self.init_groups()
        self.text = _Texts(self.p)
        # Module-level lookups of long tables, by id of their ast.Table.
        self.tables: dict[int, _Lookup] = {}
        for p in self.p.parameters:
            _ident(p.name, p.span)
        for name, p in self.c.params.items():
            _ident(name, p.span)
        for x in (*self.p.layers, *self.p.checks):
            _ident(x.name, x.span)

    # ------------------------------------------------------------ sites
    def site(self, key: str, construct: Construct, *, rule: str, label: ast.Label,
             refs: tuple[ast.Reference, ...], span: ast.Span, inputs: tuple[str, ...] = (),
             en: dict[str, str] | None = None, zh: dict[str, str] | None = None,
             codes: dict[str, str] | None = None, layer: str = "", ordinal: int = 0,
             subject: str = "") -> int:
        """Register a trace site of ``construct``: its formulas are the construct's phrases.

        ``en`` and ``zh`` give the phrases' ``{@name}`` text (policy text, kept from reading as
        a slot); ``codes`` overrides a field's format (a parameter's value has its own type).
        """
        if key in self.site_ids:
            return self.site_ids[key]
        self.site_ids[key] = len(self.sites)
        fields = {name: (i, (codes or {}).get(name, code)) for i, (name, code) in enumerate(construct.fields)}
        ctx_en = en or {}
        template = phrases.positional(phrases.phrase(construct.name, "formula", "en"), fields, ctx_en, _plain)
        template_zh = phrases.positional(phrases.phrase(construct.name, "formula", "zh"), fields,
                                         ctx_en if zh is None else zh, _plain)
        result = construct.result_index
        result_code = fields[construct.result][1] if construct.result is not None else "m"
        extra = (f", file={span.file!r}" if span.file != self.p.path else "") + (
            f", template_zh={template_zh!r}" if template_zh != template else "")
        extra += f", construct={construct.name!r}"
        cite_en = _cite(refs, self.p, "en")
        if cite_en != _cite(refs, self.p):
            extra += f", cite_en={cite_en!r}"
        if layer:
            extra += f", layer={_ident(layer, span)!r}"
        if ordinal:
            extra += f", ordinal={int(ordinal)}"
        if subject:
            extra += f", subject={_ident(subject, span)!r}"
        self.sites.append(
            f"Site({rule!r}, {construct.kind!r}, {label.zh!r}, {label.en!r}, {_cite(refs, self.p)!r}, "
            f"{int(span.line)}, {int(span.end_line)}, {template!r}, {int(result)}, {result_code!r}, "
            f"{inputs!r}{extra})"
        )
        return self.site_ids[key]

    # ------------------------------------------------------------ expressions
    # ------------------------------------------------------------ whole module
    def line_rules(self) -> tuple[Rule, ...] | None:
        """The classification as per-category line rules (``line_rules.fused_table``), where it has
        that form: then the module also has ``settle_sums``, ``settle`` after its line loop, which the
        C reader enters with the sums it took while reading the lines."""
        cls = self.p.classify
        if self.p.header.input != "claim" or cls is None:
            return None
        return fused_table(cls, self.default_mode, any(C.rate_by_line(x) for x in self.p.layers))

    def settle_function(self, traced: bool, sums: bool = False) -> None:
        """``settle_traced``, ``settle``, or with ``sums`` ``settle_sums``: ``settle`` after the line
        loop, its sums given (the same code, emitted twice: ``settle`` stays one call)."""
        w = self.w
        name = "settle_traced" if traced else "settle_sums" if sums else "settle"
        doc = ("Settle a validated claim and record every step." if traced
               else "Settle a validated claim whose lines are summed (by LINE_RULES): no trace." if sums
               else "Settle a validated claim (fast path, no trace).")
        w(f"def {name}(c, out_of_scope, first_self_pay):" if sums else f"def {name}(c):", self.p.header.span)
        with w.indent():
            w(f'"""{doc}"""')
            w("ytd = c.ytd")
            if traced:
                w("rec = []")
                w("t = rec.append")
                sid = self.site("ytd_ignored", C.YTD_IGNORED, rule="year_to_date",
                                label=ast.Label("年度累计", "year to date", self.p.header.span),
                                refs=(), span=self.p.header.span)
                w("if c.ytd_ignored:")
                with w.indent():
                    w(f"t(({sid}, {record(C.YTD_IGNORED, ytd_year='c.ytd_year', year='c.year')}))")
            early = [p for p in self.c.param_order if p.name not in self.late]
            late = [p for p in self.c.param_order if p.name in self.late]
            self.parameters(early, traced)  # in line, or in groups for a policy of very many
            if self.p.header.input == "record":
                self.amount(traced)
            elif sums:
                self.claim_totals()
            else:
                self.classify("traced" if traced else "fast")
            for p in late:
                self.parameter(p, traced)
            w("unpaid = total")
            if any(self.reads_remaining(x) for x in (*self.p.layers, *self.p.checks)):
                w("remaining = in_scope")
            for index, layer in enumerate(self.p.layers):
                self.layer(index, layer, traced)
            w("new_ytd = {")
            with w.indent():
                w("**ytd,")
                for layer in self.p.layers:
                    n = layer.name
                    for acc in layer_accumulators(layer):
                        w(f"{accumulator_key(n, acc)!r}: {acc.var}_{n} + {accumulator_adds(layer, acc)}_{n},")
            w("}")
            payers = ", ".join(f"l_{layer.name}" for layer in self.p.layers)
            if len(self.p.layers) == 1:
                payers += ","
            checks = self.checks(traced)
            unpaid_is_kept = len(self.p.layers) > 1 or bool(self.p.checks)
            person = "unpaid" if unpaid_is_kept else f"total - l_{self.p.layers[0].name}"
            if traced:
                h = self.p.header
                is_record = h.input == "record"
                label = (h.remainder or ast.Label(*phrases.labels("remainder"), h.span)) if is_record else \
                    ast.Label(*phrases.labels("person"), h.span)
                kind = C.REMAINDER if is_record else C.PERSON
                sid = self.site("person", kind, rule=kind.name, label=label, refs=(), span=h.span)
                w(f"person = {person}")
                w(f"t(({sid}, {record(kind, total='total', paid='total - person', person='person')}))")
                person = "person"
            records = ("parts", "rec") if traced else ("None", "None")
            by_line = ""
            if any(C.rate_by_line(x) for x in self.p.layers):  # each line's pay, layer by layer
                pays = [f"lp_{x.name}" if C.rate_by_line(x) else "None" for x in self.p.layers]
                by_line = ", line_pays=(" + ", ".join(pays) + ",)"
            w(f"return Settlement(META, c, total, out_of_scope, first_self_pay, in_scope, ({payers}), "
              f"{person}, new_ytd, {records[0]}, {records[1]}{', ' + checks if checks != '()' else ''}"
              f"{by_line})")
        w()
        w()

    def checks(self, traced: bool) -> str:
        """Evaluate the policy's checks after every layer; return the tuple expression of results."""
        w = self.w
        names = []
        for chk in self.p.checks:
            var = f"chk_{chk.name}"
            with w.at(chk.span):
                w(f"{var} = {self.expr(chk.holds, self.default_mode)}", chk.holds.span)
                if traced:
                    text = self.text(chk.holds.span)
                    sid = self.site(f"check:{chk.name}", C.CHECK, rule=f"check.{chk.name}",
                                    label=chk.label, refs=chk.references, span=chk.span, subject=chk.name,
                                    inputs=tuple(self.c.reads(chk.holds)))
                    w(f"t(({sid}, {record(C.CHECK, holds=var, condition=repr(text))}))", chk.holds.span)
            names.append(var)
        if not names:
            return "()"
        return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"

    def amount(self, traced: bool) -> None:
        """A record policy's stand-in for classification: the amount the layers share out."""
        w = self.w
        h = self.p.header
        assert h.amount is not None
        with w.at(h.amount.span):
            w(f"total = {self.expr(h.amount, self.default_mode)}")
            w("if total < 0:")
            with w.indent():
                w("total = 0")
            if traced:
                sid = self.site("amount", C.AMOUNT, rule="amount",
                                label=ast.Label("分配金额", "amount shared out", h.span), refs=(),
                                span=h.amount.span, inputs=tuple(self.c.reads(h.amount)),
                                en={"expr": self.text(h.amount.span)})
                w(f"t(({sid}, {record(C.AMOUNT, amount='total')}))")
            w("out_of_scope = first_self_pay = 0")
            w("in_scope = total")
            w("parts = []")

    def line_parts_function(self) -> None:
        """Per-line (out of scope, first self-pay), computed only when someone reads the lines."""
        w = self.w
        cls = self.p.classify
        if cls is None:  # a record has no lines
            w("def line_parts(c):")
            with w.indent():
                w('"""A record has no bill lines."""')
                w("return []")
            w()
            w()
            return
        w("def line_parts(c):", cls.span)
        with w.indent():
            w('"""Each line\'s (out of scope, first self-pay), for the line-by-line shares."""')
            needed = set(self.c.reads(cls))
            self.parameters([p for p in self.c.param_order if p.name in needed], traced=False)
            self.classify("parts")
            w("return parts")
        w()
        w()

    def module(self) -> GeneratedModule:
        h = self.p.header
        body = _Writer(self.p.path)
        # Both entry points are generated into their own writer first, since they add sites.
        self.w = body
        self.w("def applies(c):", h.span)
        with self.w.indent():
            self.w('"""Whether the policy covers this claim at all."""')
            self.w(f"return {self.expr(h.applies, self.default_mode)}" if h.applies is not None
                   else "return True", h.applies.span.line if h.applies else h.span.line)
        self.w()
        self.w()
        rules = self.line_rules()
        self.settle_function(traced=False)
        if rules is not None:  # the same settlement entered after the line loop, for the C reader
            self.settle_function(traced=False, sums=True)
        self.settle_function(traced=True)
        self.line_parts_function()
        self.w("META = PolicyMeta(")
        with self.w.indent():
            self.w(f"{h.name!r}, {h.label.zh!r}, {h.label.en!r}, {self.p.path!r},")
            self.w("(")
            for layer in self.p.layers:
                self.w(f"    LayerInfo({layer.name!r}, {layer.label.zh!r}, {layer.label.en!r}, "
                       f"{int(layer.span.line)}),")
            self.w("),")
            self.w("SITES,")
            self.w("PARAMS,")
            self.w("line_parts,")
            self.w("(")
            for chk in self.p.checks:
                self.w(f"    CheckInfo({chk.name!r}, {chk.label.zh!r}, {chk.label.en!r}, "
                       f"{int(chk.span.line)}),")
            self.w("),")
            if h.input == "record":
                rest = h.remainder or ast.Label(*phrases.labels("remainder"), h.span)
                self.w(f"input={h.input!r},")
                self.w(f"remainder=({rest.zh!r}, {rest.en!r}),")
                labels = tuple((f.name, f.label.zh or f.label.en) for f in self.p.fields)
                if labels:
                    self.w(f"fields={labels!r},")
            if h.year_start is not None and any(
                    a.period != "year" for layer in self.p.layers for a in layer_accumulators(layer)):
                self.w(f"year_start={h.year_start!r},")  # quarters count from the insurance year's start
        self.w(")")

        head = _Writer()
        # No policy text in the docstring or any comment: it is in POLICY_ID, SOURCE and META.
        head(f'"""Settlement code for the policy POLICY_ID in SOURCE, generated by {GENERATOR}.')
        head()
        head("Do not edit: change the policy and recompile.")
        head('"""')
        head()
        head("from yibao.compiler.runtime import (")
        for name in ("CheckInfo", "LayerInfo", "ParamInfo", "PolicyMeta", "Settlement", "SettlementError",
                     "Site", "div_down", "div_half_even", "div_half_up", "div_up", "no_row"):
            head(f"    {name},")
        head(")")
        head()
        head(f"POLICY_ID = {h.name!r}")
        head(f"SOURCE = {self.p.path!r}")
        start = int(h.effective.toordinal()) if h.effective else dt.date.min.toordinal()
        end = int(h.until.toordinal()) if h.until else None
        head(f"EFFECTIVE = ({start}, {end})  # {_day(start) if h.effective else None} .. "
             f"{_day(end) if end is not None else 'open'}")
        head("ENUMS = {  # the value sets this policy accepts in a claim")
        for key, values in sorted(self.c.enums.items()):
            head(f"    {key!r}: {values!r},")
        head("}")
        head(f"REQUIRES = {tuple(sorted(self._required_fields()))!r}")
        head(f"ACCUMULATORS = {self._accumulators()!r}")
        given = tuple(layer.name for layer in self.p.layers if layer.given is not None)
        if given:  # only such a policy reads a claim's `paid`
            head(f"GIVEN = {given!r}  # the layers whose amount the claim gives (`paid`)")
        cls = self.p.classify
        if cls is not None and cls.as_billed is not None:  # only such a policy reads a line's split
            head("AS_BILLED = True")
        priced = self._priced_lines()
        if priced:
            head(f"PRICED = {priced!r}")
        if h.year_start is not None:  # absent: the insurance year is the calendar year (the loader's default)
            head(f"YEAR_START = {h.year_start!r}  # (month, day) the insurance year starts on")
        head(f"INPUT = {h.input!r}")
        if h.input == "record":
            fields = {f.name: _TYPE_CODE[f.type_name] for f in self.p.fields}
            head(f"FIELDS = {fields!r}  # the record's fields and their types")
        head("_IN = (0, 0)")
        if rules is not None:  # the C reader sums the lines by them while it reads (claim_reader.py)
            head(f"LINE_RULES = {rules!r}")
        head()
        head("SITES = (")
        for i, s in enumerate(self.sites):
            head(f"    {s},  # {i}")
        head(")")
        head()
        head("PARAMS = {")
        for p in self.p.parameters:
            head(f"    {p.name!r}: {self._param_info(p)},")
        head("}")
        head()
        tables = _Writer(self.p.path)
        for lookup in self.tables.values():
            for text, span in lookup.lines:
                tables(text, span)
            tables()
        tables()
        groups = self.group_lines
        lines = head.lines + tables.lines + [text for text, _ in groups] + body.lines
        linemap = ([(self.p.path, 0)] * len(head.lines) + tables.linemap + [src for _, src in groups]
                   + body.linemap)
        source = "\n".join(lines).rstrip() + "\n"
        linemap = linemap[: source.count("\n")]
        # The file name Python's compile() is given: it takes any text but NUL.
        return GeneratedModule(source, tuple(linemap), self.p.path.replace("\0", "\\0"))

    def _param_info(self, p: ast.Parameter) -> str:
        def where(span: ast.Span) -> tuple[int] | tuple[int, str]:
            return (span.line,) if span.file == self.p.path else (span.line, span.file)

        def rows(d: ast.Definition) -> tuple[tuple[str | int, ...], ...]:
            """(keys as written, line[, file if not the policy's]) per table row; one for a value."""
            if isinstance(d, ast.Table):
                return tuple((self.text.row_keys(r), *where(r.span)) for r in d.rows)
            return (("", *where(d.span)),)

        start = self.p.header.effective or dt.date.min
        versions = tuple(
            ((start if v.start == dt.date.min else v.start).isoformat(), rows(v.definition))
            for v in p.versions
        )
        # An exception is cited by its own references, or by its parameter's when it has none.
        exceptions = tuple((e.name, e.label.zh, e.label.en, rows(e.definition),
                            _cite(e.references or p.references, self.p)) for e in p.exceptions)
        code = _TYPE_CODE.get(p.type_name, "t")
        return (f"ParamInfo({p.name!r}, {p.label.zh!r}, {p.label.en!r}, {code!r}, "
                f"{_cite(p.references, self.p)!r}, {int(p.span.line)}, {versions!r}, {exceptions!r})")

    def _accumulators(self) -> tuple[str, ...]:
        """The year_to_date keys this policy reads and writes, in layer order."""
        return tuple(accumulator_key(layer.name, a)
                     for layer in self.p.layers for a in layer_accumulators(layer))

    def _priced_lines(self) -> tuple[tuple[str, str | None], ...]:
        """The lines a `classify` row judges by ``line.unit_price``, which must therefore carry one."""
        cls = self.p.classify
        rows = cls.rows if cls is not None else ()
        return tuple(sorted({(r.category, r.item_class) for r in rows if any(
            isinstance(n, ast.Field) and n.dotted == "line.unit_price"
            for part in (r.when, r.treatment.share) if part is not None for n in ast.walk(part))},
            key=lambda k: (k[0], k[1] or "")))

    def _required_fields(self) -> set[str]:
        return {n.dotted for n in ast.walk(self.p) if isinstance(n, ast.Field) and n.dotted == "person.age"}


def generate(checked: CheckedPolicy) -> GeneratedModule:
    """The module of a checked policy, made with the collector paused (``collector_paused``): its
    lines, sites and tables are all kept until the module is assembled."""
    with collector_paused():
        return CodeGenerator(checked).module()


