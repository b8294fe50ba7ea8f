"""Trace steps: the compiled policy records raw figures; this turns them into steps.

Recording is a tuple append on the traced path; formatting happens only when a
person (the CLI, the explainer, a snapshot) reads the trace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any, NamedTuple

from . import phrases
from .claims import Claim
from .constructs import CONSTRUCTS
from .money import money_display, money_str, rate_display
from .runtime import PolicyMeta, Site

_SLOT = re.compile(r"\{(\d+):([mrcdtb])\}")


_NO_VALUES: Mapping[str, Any] = MappingProxyType({})


class Input(NamedTuple):
    """A parameter a step read, with the value and the version that applied."""

    name: str
    zh: str
    en: str
    value: str
    effective_from: str | None
    branch: str | None  # the table row or exception that gave the value
    branch_zh: str | None = None  # the same, in Chinese
    exception: str | None = None  # the exception that gave the value, by name
    row: str | None = None  # the table row that gave the value, its keys as written


class Step(NamedTuple):
    index: int
    rule: str
    kind: str
    zh: str
    en: str
    citation: str
    file: str
    line: int
    end_line: int
    formula: str
    formula_zh: str  # the same formula, in Chinese
    result: str | None
    inputs: tuple[Input, ...]
    claim_line: int | None  # index of the bill line the step is about
    construct: str = ""  # what kind of rule recorded it (compiler/constructs.py)
    layer: str = ""  # the layer it belongs to, for a layer's steps
    values: Mapping[str, Any] = _NO_VALUES  # the recorded figures by name, as the construct names them
    ordinal: int = 0  # a band's number within its layer
    citation_en: str = ""  # the citation in English, when it reads differently
    subject: str = ""  # the parameter or check the step is about (``Site.subject``)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def citation_in(self, lang: str = "zh") -> str:
        return self.citation_en or self.citation if lang == "en" else self.citation

    def formula_in(self, lang: str = "zh") -> str:
        return self.formula_zh if lang == "zh" else self.formula

    def to_dict(self) -> dict[str, Any]:
        d = self._asdict()
        d["inputs"] = [i._asdict() for i in self.inputs]
        d["values"] = json_values(self.construct, self.values)
        return d


def _date(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _bool(value: object) -> str:
    return "true" if value else "false"


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "m": money_display, "r": rate_display, "d": _date, "b": _bool, "c": str, "t": str,
}


def fmt_value(value: Any, code: str) -> str:
    return _FORMATTERS[code](value)


_JSON: dict[str, Callable[[Any], Any]] = {
    "m": money_str, "r": rate_display, "d": _date, "b": bool, "c": int, "t": str,
}


def json_values(construct: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A step's named figures for the settlement JSON: money as yuan strings, rates as percentages."""
    c = CONSTRUCTS.get(construct)
    if c is None:
        return {}
    codes = dict(c.fields)
    # A parameter's value is already in its JSON form (its type is the parameter's, not the construct's).
    return {k: v if (c.name, k) == ("parameter", "value") else _JSON[codes[k]](v) for k, v in values.items()}


@cache
def _compiled(template: str) -> tuple[tuple[str, int, Callable[[Any], str]], ...]:
    """A template as (literal text, slot, formatter) triples, parsed once per template."""
    parts = []
    pos = 0
    for m in _SLOT.finditer(template):
        parts.append((template[pos : m.start()], int(m.group(1)), _FORMATTERS[m.group(2)]))
        pos = m.end()
    parts.append((template[pos:], -1, str))
    return tuple(parts)


def _fill(template: str, values: Sequence[Any]) -> str:
    out = []
    for literal, slot, fmt in _compiled(template):
        out.append(literal)
        if slot >= 0:
            out.append(fmt(values[slot]))
    return "".join(out)


# ---------------------------------------------------------------- the Chinese formula
# A Chinese formula shows no identifier of the policy file: where the compiler wrote policy
# source text into it (a layer's base, a condition, a check), the names read as their labels.
_ZH_WORDS = {"and": "且", "or": "或", "not": "并非", "true": "是", "false": "否", "in": "属于"}
_ZH_OPS = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥", "*": "×", "/": "÷", "-": "−"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?|==|!=|<=|>=|[*/]|(?<= )-(?= )|\d+")


@cache
def _flat_values() -> dict[str, str]:
    """Coded values that mean one thing whatever the field (``low_income`` → 低收入人口)."""
    from yibao.dsl.types import VALUE_LABELS

    seen: dict[str, set[str]] = {}
    for values in VALUE_LABELS.values():
        for value, (zh, _) in values.items():
            seen.setdefault(value, set()).add(zh)
    return {v: next(iter(zh)) for v, zh in seen.items() if len(zh) == 1 and not v.isdigit() and len(v) > 1}


class Vocabulary(NamedTuple):
    """The names a Chinese formula reads as labels: hashable, so a template is translated once."""

    record: bool
    layers: tuple[tuple[str, str], ...]  # (name, 中文 label)
    params: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, str], ...] = ()  # a record's fields and their labels (PolicyMeta.fields)


def vocabulary(meta: PolicyMeta) -> Vocabulary:
    return Vocabulary(meta.input == "record", tuple((layer.name, layer.zh) for layer in meta.layers),
                      tuple((name, info.zh) for name, info in meta.params.items()), meta.fields)


@cache
def _lookup(vocab: Vocabulary) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    from .render_text import QUANTITY_LABELS, RECORD_QUANTITY_LABELS

    quantities = (RECORD_QUANTITY_LABELS if vocab.record else QUANTITY_LABELS)["zh"]
    return dict(vocab.params), quantities, dict(vocab.layers), dict(vocab.fields)


@cache
def zh_words(text: str, vocab: Vocabulary) -> str:
    """Policy source text as a Chinese formula shows it: ``not poor or remaining < in_scope * 10%``
    → ``并非 贫困人口 或 前序支付后个人负担的政策范围内费用 < 政策范围内费用 × 10%``.

    A name without a label (a record field the caller gave no label for) is left as written.
    """
    from yibao.dsl.types import VALUE_LABELS

    from .render_text import FIELD_LABELS

    params, quantities, layers, fields = _lookup(vocab)
    field = ""  # the claim field the text last named: its values read as that field's labels

    def word(m: re.Match[str]) -> str:
        nonlocal field
        tok = m.group(0)
        if tok in _ZH_OPS:
            return _ZH_OPS[tok]
        if field and tok in VALUE_LABELS.get(field, {}):
            return VALUE_LABELS[field][tok][0]
        if tok.isdigit():
            return tok
        if tok in params:
            return params[tok]
        if tok in quantities:
            return quantities[tok]
        if tok in _ZH_WORDS:
            return _ZH_WORDS[tok]
        if tok in FIELD_LABELS["zh"]:
            field = tok
            return FIELD_LABELS["zh"][tok]
        head, _, tail = tok.partition(".")
        if head == "record" and tail in fields:
            return fields[tail]
        if head in layers and phrases.has("result", tail, "zh"):
            return phrases.result_label(tail, layers[head], "zh")
        return _flat_values().get(tok, tok)

    return _NAME.sub(word, text)


@cache
def _zh_parts(site: Site, vocab: Vocabulary) -> tuple[tuple[str, int, Callable[[Any], str]], ...]:
    """The site's Chinese formula as (literal, slot, formatter) triples, its policy names read as labels.

    The template's slots are read first and only its literal text is translated, so a label that
    looks like a slot (``起付线{7:m}``) stays text. A parameter's and a payer's formulas carry
    their labels already (phrases.py), so only the policy text other formulas quote is read.
    """
    parts = _compiled(site.template_zh or site.template)
    if site.kind in ("parameter", "payer", "check"):
        return parts
    return tuple((zh_words(literal, vocab), slot, fmt) for literal, slot, fmt in parts)


def _fill_zh(site: Site, vocab: Vocabulary, values: Sequence[Any]) -> str:
    """The Chinese formula: yes/no as 是/否, a condition's source text read with labels."""
    out = []
    for literal, slot, fmt in _zh_parts(site, vocab):
        out.append(literal)
        if slot < 0:
            continue
        if fmt is _bool:
            out.append("是" if values[slot] else "否")
        elif fmt is str and site.kind in ("skip", "check") and isinstance(values[slot], str):
            out.append(zh_words(values[slot], vocab))
        else:
            out.append(fmt(values[slot]))
    return "".join(out)


def zh_label(site: Site, vocab: Vocabulary) -> str:
    """A step's Chinese label; a classification row's condition (费用分类 A（visit.kind == …）) in words."""
    return zh_words(site.zh, vocab) if site.kind == "classify" and "（" in site.zh else site.zh


def layer_breakdown(steps: Sequence[Step]) -> dict[str, dict[str, Any]]:
    """Each layer's figures from its steps, as the constructs name them (``Construct.breakdown``).

    A band adds an entry to its layer's ``bands``; a layer that does not apply says so.
    """
    out: dict[str, dict[str, Any]] = {}
    for step in steps:
        if not step.layer:
            continue
        c = CONSTRUCTS[step.construct]
        entry = out.setdefault(step.layer, {"applies": True})
        shown = json_values(step.construct, step.values)
        if c.kind == "skip":
            entry["applies"] = False
        elif c.kind == "band":
            entry.setdefault("bands", []).append(
                {"band": step.ordinal, **{key: shown[field] for key, field in c.breakdown}})
        else:
            entry.update({key: shown[field] for key, field in c.breakdown})
    return out


def _branch(lang: str, exception: str | None, zh: str, en: str, row: str | None) -> str:
    """Which exception or table row gave a parameter its value, in words (phrases.py)."""
    parts = []
    if exception is not None:
        parts.append(phrases.fill(phrases.phrase("input", "exception", lang), {}, str,
                                  {"name": exception, "zh": zh, "en": en}))
    if row is not None:
        parts.append(phrases.fill(phrases.phrase("input", "row", lang), {}, str, {"row": row}))
    return phrases.phrase("input", "joiner", lang).join(parts)


def render_steps(
    meta: PolicyMeta, claim: Claim, records: Sequence[tuple[int, tuple[Any, ...]]]
) -> list[Step]:
    """Format recorded figures into steps; parameter steps become the inputs of later steps."""
    params: dict[str, Input] = {}
    steps: list[Step] = []
    vocab = vocabulary(meta)
    for site_id, values in records:
        site = meta.sites[site_id]
        inputs = tuple(params[name] for name in site.inputs if name in params)
        line, end_line, file = site.line, site.end_line, site.file or meta.file
        citation, citation_en = site.cite, site.cite_en
        if site.kind == "parameter":
            info = meta.params[site.subject]
            value, version, exception, row = values
            start, rows = info.versions[version] if version >= 0 else ("", ())
            branch = branch_zh = ex_name = row_keys = None
            if exception >= 0:
                ex_name, ex_zh, ex_en, rows, citation = info.exceptions[exception]
                citation_en = ""  # an exception's citation is written in Chinese only
                start = ""
            if row >= 0:
                row_keys = rows[row][0]
            if ex_name is not None or row_keys is not None:
                names = (ex_zh, ex_en) if ex_name else ("", "")
                branch, branch_zh = (_branch(lang, ex_name, *names, row_keys) for lang in ("en", "zh"))
            # The step points at the row (or value) that gave the figure.
            if rows:
                entry = rows[max(row, 0)]
                line = end_line = entry[1]
                file = entry[2] if len(entry) > 2 else meta.file
            params[info.name] = Input(info.name, info.zh, info.en, fmt_value(value, info.type),
                                      start or None, branch, branch_zh, ex_name, row_keys)
            inputs = (params[info.name],)
        construct = CONSTRUCTS[site.construct]
        named = construct.named(values)
        if construct is CONSTRUCTS["parameter"]:
            named = {**named, "value": _JSON[info.type](value)}  # as JSON shows the parameter's type
        claim_line = named["line"] if site.kind == "classify" else None
        result = fmt_value(values[site.result], site.result_code) if site.result >= 0 else None
        formula = _fill(site.template, values)
        steps.append(Step(
            index=len(steps), rule=site.rule, kind=site.kind, zh=zh_label(site, vocab), en=site.en,
            citation=citation, file=file, line=line, end_line=end_line,
            formula=formula, formula_zh=_fill_zh(site, vocab, values),
            result=result, inputs=inputs,
            claim_line=claim_line, construct=site.construct, layer=site.layer, values=named,
            ordinal=site.ordinal, citation_en=citation_en, subject=site.subject,
        ))
    return steps
