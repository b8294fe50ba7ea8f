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




# ---------------------------------------------------------------- formatting, planned per site
# Everything a step shows that does not depend on the recorded figures (its labels, citation,
# place, the formulas with the policy's names already read as labels) is worked out once per
# site, on the first step the site records, into a small function that formats each figure once
# for both languages and fills the two formulas' %-strings. The function's source holds only
# record positions and names made here; every text (labels, formulas, citations) is an object in
# its namespace, so no policy text is ever compiled.


def _zh_bool(value: object) -> str:
    return "是" if value else "否"


class _SitePlan(NamedTuple):
    """One site's step maker and what render_steps needs to call it."""

    make: Callable[[int, tuple[Any, ...], tuple[Input, ...]], Step]  # (index, record, inputs) → Step
    inputs: tuple[str, ...]  # the parameters the step reads
    parameter: bool
    source: str  # the maker's source: record positions and names made here, never a text


def _zh_fns(site: Site, vocab: Vocabulary) -> list[Callable[[Any], str]]:
    """How the Chinese formula shows each slot: yes/no as 是/否, a condition's text read with labels."""
    out: list[Callable[[Any], str]] = []
    for _, _, fmt in _zh_parts(site, vocab):
        if fmt is _bool:
            fmt = _zh_bool
        elif fmt is str and site.kind in ("skip", "check"):
            def fmt(value: Any, vocab: Vocabulary = vocab) -> str:
                return zh_words(value, vocab) if isinstance(value, str) else str(value)
        out.append(fmt)
    return out


@cache
def _code(source: str) -> Any:
    """A step maker's code, compiled once: sites of one construct and formula shape share it."""
    return compile(source, "<trace step>", "exec")


def _site_plan(meta: PolicyMeta, vocab: Vocabulary, site: Site) -> _SitePlan:
    """The site's step maker: the source names figures by position, the texts by namespace name."""
    space: dict[str, Any] = {"__builtins__": {"len": len, "ValueError": ValueError},
                             "new": tuple.__new__, "Step": Step}
    shown: dict[tuple[int, Any], str] = {}  # (slot, formatter) → the local holding it
    lines: list[str] = []

    def figure(slot: int, fn: Callable[[Any], str], *, text: bool = False) -> str:
        """The expression of a figure as shown; a text slot of a formula is %s of the figure itself."""
        if fn is str and text:
            return f"v[{slot}]"
        if (slot, fn) not in shown:
            name = shown[slot, fn] = f"x{len(shown)}"
            space[f"F{name}"] = fn
            lines.append(f"    {name} = F{name}(v[{slot}])")
        return shown[slot, fn]

    def formula(parts: Sequence[tuple[str, int, Any]], fns: Sequence[Callable[[Any], str]], key: str) -> str:
        args = [figure(slot, fn, text=True) for (_, slot, _), fn in zip(parts, fns, strict=True) if slot >= 0]
        if not args:
            space[key] = "".join(literal for literal, _, _ in parts)
            return key
        space[key] = "".join(literal.replace("%", "%%") + ("%s" if slot >= 0 else "")
                             for literal, slot, _ in parts)
        return f"{key} % ({', '.join(args)},)"

    en_parts = _compiled(site.template)
    en = formula(en_parts, [fmt for _, _, fmt in en_parts], "EN")
    zh = formula(_zh_parts(site, vocab), _zh_fns(site, vocab), "ZH")
    result = figure(site.result, _FORMATTERS[site.result_code]) if site.result >= 0 else "None"
    names = CONSTRUCTS[site.construct].names
    line = f"v[{names.index('line')}]" if site.kind == "classify" else "None"
    named = ", ".join(f"{name!r}: v[{i}]" for i, name in enumerate(names))
    fixed = {"rule": site.rule, "kind": site.kind, "zh": zh_label(site, vocab), "en": site.en,
             "citation": site.cite, "file": site.file or meta.file, "line": site.line,
             "end_line": site.end_line, "construct": site.construct, "layer": site.layer,
             "ordinal": site.ordinal, "citation_en": site.cite_en, "subject": site.subject}
    space.update({f"K_{field}": value for field, value in fixed.items()})
    made = {"index": "i", "formula": en, "formula_zh": zh, "result": result, "inputs": "inputs",
            "claim_line": line, "values": f"{{{named}}}", **{field: f"K_{field}" for field in fixed}}
    source = "\n".join([
        "def make(i, v, inputs):",
        f"    if len(v) != {len(names)}:",
        "        raise ValueError(v)",  # a record the construct does not name: a compiler bug, never padded
        *lines,
        f"    return new(Step, ({', '.join(made[field] for field in Step._fields)}))",  # every field
    ])
    exec(_code(source), space)  # record positions and names made here only
    return _SitePlan(space["make"], site.inputs, site.kind == "parameter", source)


def _parameter_step(meta: PolicyMeta, site: Site, plan: _SitePlan, values: tuple[Any, ...]) -> Step:
    """A parameter's step (at index 0): it depends on its site and figures alone, never the claim."""
    info = meta.params[site.subject]
    value, version, exception, row = values
    citation, citation_en = site.cite, site.cite_en
    line, end_line, file = site.line, site.end_line, site.file or meta.file
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
    shown = plan.make(0, values, (Input(info.name, info.zh, info.en, fmt_value(value, info.type),
                                        start or None, branch, branch_zh, ex_name, row_keys),))
    named = dict(shown.values)
    named["value"] = _JSON[info.type](value)  # as JSON shows the parameter's type
    return shown._replace(citation=citation, file=file, line=line, end_line=end_line, values=named,
                          citation_en=citation_en)


class _PolicyPlan:
    """A policy's site plans, made on first use, and its parameters' steps by figures."""

    __slots__ = ("meta", "parameters", "sites", "vocab")

    def __init__(self, meta: PolicyMeta) -> None:
        self.meta = meta
        self.vocab = vocabulary(meta)
        self.sites: list[_SitePlan | None] = [None] * len(meta.sites)
        self.parameters: dict[tuple[int, tuple[Any, ...]], Step] = {}

    def site(self, site_id: int) -> _SitePlan:
        plan = self.sites[site_id]
        if plan is None:
            plan = self.sites[site_id] = _site_plan(self.meta, self.vocab, self.meta.sites[site_id])
        return plan

    def parameter(self, site_id: int, values: tuple[Any, ...]) -> Step:
        key = (site_id, values)
        try:
            return self.parameters[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (none is recorded so today): formatted each time
            return _parameter_step(self.meta, self.meta.sites[site_id], self.site(site_id), values)
        step = _parameter_step(self.meta, self.meta.sites[site_id], self.site(site_id), values)
        if len(self.parameters) < 4096:  # a parameter takes few values; bounded all the same
            self.parameters[key] = step
        return step


_VALUES = Step._fields.index("values")
_PLANS: dict[int, _PolicyPlan] = {}  # by id(meta); the plan holds its meta, so the id stays its own


def _policy_plan(meta: PolicyMeta) -> _PolicyPlan:
    plan = _PLANS.get(id(meta))
    if plan is None or plan.meta is not meta:
        if len(_PLANS) >= 64:  # policies loaded and dropped (tests, the fuzzer): keep the newest
            _PLANS.pop(next(iter(_PLANS), None), None)  # another thread may have dropped it
        plan = _PLANS[id(meta)] = _PolicyPlan(meta)
    return plan


def render_steps(
    meta: PolicyMeta, claim: Claim, records: Sequence[tuple[int, tuple[Any, ...]]]
) -> list[Step]:
    """Format recorded figures into steps; parameter steps become the inputs of later steps."""
    policy = _policy_plan(meta)
    params: dict[str, Input] = {}
    steps: list[Step] = []
    new = tuple.__new__
    for site_id, values in records:
        plan = policy.sites[site_id] or policy.site(site_id)
        if plan.parameter:
            cached = policy.parameter(site_id, values)
            params[cached.inputs[0].name] = cached.inputs[0]
            own = (len(steps), *cached[1:_VALUES], dict(cached.values), *cached[_VALUES + 1:])
            steps.append(new(Step, own))
        else:
            inputs = tuple(params[name] for name in plan.inputs if name in params) if plan.inputs else ()
            steps.append(plan.make(len(steps), values, inputs))
    return steps
