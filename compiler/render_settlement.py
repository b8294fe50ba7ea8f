"""A settlement told in plain language, from the figures its trace recorded.

The worked examples of a policy document and the explanation letter both use this:
every amount comes from the settlement (``Settlement.records``, in fen), none is
typed by hand. The policy's AST, when given, lets a step name the table row or
the exception that applied in words (市内、三级医院) rather than as written in the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from yibao.dsl import ast

from . import constructs as C
from . import phrases
from .constructs import CONSTRUCTS, letter_values, letter_variant
from .masking import person_id
from .render_model import Item, Table
from .render_text import Lex, money_plain, rate
from .runtime import Settlement
from .trace import Step


def layer_labels(s: Settlement, lex: Lex) -> dict[str, str]:
    return {layer.name: lex.pick(layer.zh, layer.en) or layer.zh for layer in s.meta.layers}


def _is_record(s: Settlement) -> bool:
    return s.meta.input == "record"


def raw_value(value: Any, code: str, lex: Lex, enum_field: str | None = None) -> str:
    """A figure as recorded by the generated code (fen, ppm, ordinal…), for a reader."""
    if code == "m":
        return lex.money(value)
    if code == "r":
        return rate(value)
    if code == "d":
        return lex.date(dt.date.fromordinal(value))
    if code == "b":
        return lex.yes_no(bool(value))
    if enum_field is not None:
        return lex.value(enum_field, str(value))
    return str(value)


# ---------------------------------------------------------------- the claim


def claim_facts(s: Settlement, lex: Lex, *, show_id: bool = False) -> list[Item]:
    """What the claim (or record) says: who, where, when; the person's ID masked unless ``show_id``."""
    c = s.claim
    p = lex.pick
    out = [Item(str(c.id), p("结算单号", "claim")), Item(lex.date(c.date), p("日期", "date"))]
    if _is_record(s):
        out[0] = Item(str(c.id), p("记录编号", "record"))
        raw = c.raw.get("record", {}) if isinstance(c.raw, dict) else {}
        for name, value in c.values.items():  # type: ignore[union-attr]
            decl = lex.fields.get(name)
            label = lex.label(decl.label) if decl else name
            text = raw_value(value, _TYPE_CODE.get(decl.type_name, "t"), lex) if decl else str(raw.get(name))
            out.append(Item(text, label))
        return out
    out.append(Item(person_id(c.person_id, show_id), p("参保人", "insured person")))
    for field, value in (("person.scheme", c.scheme), ("person.category", c.category)):
        if value is not None:  # a field the policy never reads may be absent from the claim
            out.append(Item(lex.value(field, value), lex.field(field)))
    if c.age is not None:
        out.append(Item(p(f"{c.age}岁", str(c.age)), lex.field("person.age")))
    for field, value in (("visit.kind", c.kind), ("visit.level", c.level), ("visit.facility", c.facility),
                         ("visit.region", c.region)):
        if value is not None:
            out.append(Item(lex.value(field, value), lex.field(field)))
    if referral_applies(s, lex):  # "not referred" only where referral changed the figures
        out.append(Item(lex.value("visit.referral", c.referral), lex.field("visit.referral")))
    if c.kind in ("inpatient", "day_surgery") or c.admission_no != 1:
        out.append(Item(p(f"第{c.admission_no}次", f"no. {c.admission_no}"), lex.field("visit.admission_no")))
    if c.diseases:
        names = [lex.value("visit.diseases", d) for d in sorted(c.diseases)]
        out.append(Item(lex.join_and(names), lex.field("visit.diseases")))
    return out


_TYPE_CODE = {"money": "m", "rate": "r", "count": "c", "date": "d", "bool": "b"}


def claim_title(s: Settlement, lex: Lex) -> str:
    """A short description of the claim: 市内二级医院住院（贫困人口）."""
    c = s.claim
    if _is_record(s):
        return lex.date(c.date)
    level = lex.value("visit.level", c.level) if c.level is not None else ""
    kind = lex.value("visit.kind", c.kind) if c.kind is not None else ""
    region = lex.value("visit.region", c.region) if c.region is not None else ""
    if lex.zh:
        text = f"{region}{level}{kind}"
    elif c.level in ("1", "2", "3"):
        text = f"{kind} at a level-{c.level} hospital {region}".rstrip()
    else:  # the parts the claim gives (a policy that never reads the level may not have it)
        text = ", ".join(x for x in (kind, level, region) if x)
    if c.category != "normal":
        name = lex.value("person.category", c.category)
        text += f"（{name}）" if lex.zh else f" ({name})"
    return text


def year_to_date(ytd: dict[str, int], s: Settlement, lex: Lex) -> list[Item]:
    labels = layer_labels(s, lex)
    return [Item(lex.money(v), lex.accumulator(k, labels)) for k, v in sorted(ytd.items())]


def bill_table(s: Settlement, lex: Lex) -> Table:
    """Each bill line: how it was classified and who bore how much of it."""
    p = lex.pick
    headers = [p("编码", "code"), p("项目", "item"), p("类别", "category"), p("金额", "amount"),
               p("政策范围外", "out of scope"), p("先行自付", "first self-pay"), p("政策范围内", "in scope"),
               p("各项支付", "paid by the payers"), p(*phrases.labels("person"))]
    rows = []
    for ln in s.lines:
        cat = lex.value("line.category", ln.category)
        if ln.item_class:
            cat += ("，" if lex.zh else ", ") + lex.value("line.class", ln.item_class)
        rows.append([ln.code, ln.name, cat, money_plain(ln.amount), money_plain(ln.out_of_scope),
                     money_plain(ln.first_self_pay), money_plain(ln.in_scope), money_plain(sum(ln.payers)),
                     money_plain(ln.person)])
    rows.append([p("合计", "total"), "", "", money_plain(s.total_fen), money_plain(s.out_of_scope_fen),
                 money_plain(s.first_self_pay_fen), money_plain(s.in_scope_fen),
                 money_plain(sum(s.payer_fen)), money_plain(s.person_fen)])
    return Table(headers, rows, [False, False, False, *([True] * 6)],
                 note=p("金额单位：元。", "Amounts in yuan."))


def result_table(s: Settlement, lex: Lex) -> Table:
    """The settlement's totals: what each payer paid and what is left to the person."""
    p = lex.pick
    rows: list[list[str]] = []
    labels = layer_labels(s, lex)
    if _is_record(s):
        rows.append([p("分配金额", "amount shared out"), money_plain(s.total_fen)])
    else:
        rows += [[p("总费用", "total cost"), money_plain(s.total_fen)],
                 [p("政策范围外费用", "out of scope"), money_plain(s.out_of_scope_fen)],
                 [p("先行自付费用", "first self-pay"), money_plain(s.first_self_pay_fen)],
                 [p("政策范围内费用", "in scope"), money_plain(s.in_scope_fen)]]
    for layer, paid in zip(s.meta.layers, s.payer_fen, strict=True):
        rows.append([labels[layer.name], money_plain(paid)])
    if _is_record(s):
        rows.append([lex.pick(*s.meta.remainder), money_plain(s.person_fen)])
    else:
        rows.append([p(*phrases.labels("person")), money_plain(s.person_fen)])
        share = s.reimbursed_share * 100
        rows.append([p("报销比例（各项支付占总费用）", "reimbursed share of the total"), f"{share:.2f}%"])
    return Table([p("项目", "item"), p("金额（元）", "amount (yuan)")], rows, [False, True])


# ---------------------------------------------------------------- figures that applied


def _param_node(lex: Lex, name: str) -> ast.Parameter | None:
    return lex.params.get(name)


def _figure(s: Settlement, lex: Lex, site: Any, values: tuple[Any, ...], with_sources: bool) -> list[str]:
    """One parameter as read by the settlement: [label, value, why it applies, (source)]."""
    p = lex.pick
    name = site.subject
    info = s.meta.params[name]
    node = _param_node(lex, name)
    named = C.PARAMETER.named(values)
    value, version, exception, row = named["value"], named["version"], named["exception"], named["row"]
    enum_field = node.type_name if node is not None and "." in node.type_name else None
    shown = raw_value(value, info.type, lex, enum_field)
    why: list[str] = []
    refs: tuple[ast.Reference, ...] = node.references if node is not None else ()
    cite = site.cite
    if exception >= 0:
        _, ex_zh, ex_en, ex_rows, cite = info.exceptions[exception]
        why.append(p(f"例外情形：{ex_zh}", f"exception: {ex_en or ex_zh}"))
        if node is not None:
            ex = node.exceptions[exception]
            refs = ex.references or node.references
            if row >= 0 and isinstance(ex.definition, ast.Table):
                why.append(lex.row_conditions(ex.definition.keys, ex.definition.rows, row))
        elif row >= 0:
            why.append(str(ex_rows[row][0]))
    else:
        if row >= 0:
            if node is not None and isinstance(node.versions[version].definition, ast.Table):
                d = node.versions[version].definition
                why.append(lex.row_conditions(d.keys, d.rows, row))  # type: ignore[union-attr]
            else:
                why.append(str(info.versions[version][1][row][0]))
        if len(info.versions) > 1:
            start = dt.date.fromisoformat(info.versions[version][0])
            why.append(p(f"自{lex.date(start)}起的标准", f"the figure from {lex.date(start)}"))
    label = lex.pick(info.zh, info.en) or info.zh
    entry = [label, shown, ("；" if lex.zh else "; ").join(why) or "—"]
    if with_sources:
        if node is not None:
            cites, assumed = lex.references(refs)
            entry.append(("；" if lex.zh else "; ").join(cites) if cites else
                         p("文件未规定，按本政策的假设", "not in the documents: assumed by the policy")
                         if assumed else "—")
        else:
            entry.append(cite or "—")
    return entry


def figures_table(s: Settlement, lex: Lex, *, with_sources: bool = False) -> Table | None:
    """The parameters the settlement read, their values, and the row or exception that gave them."""
    p = lex.pick
    rows = [_figure(s, lex, s.meta.sites[site_id], values, with_sources)
            for site_id, values in s.records or () if s.meta.sites[site_id].construct == C.PARAMETER.name]
    if not rows:
        return None
    headers = [p("项目", "figure"), p("标准", "value"), p("适用情形", "applies because")]
    if with_sources:
        headers.append(p("依据", "source"))
    return Table(headers, rows, [False, True, False] + ([False] if with_sources else []))


def _reads(node: object, dotted: str) -> bool:
    """Whether an expression anywhere under ``node`` reads the claim field ``dotted``; a table's
    key columns do not count (which row applied is asked of the settlement instead)."""
    if isinstance(node, ast.Field):
        return node.dotted == dotted
    if isinstance(node, ast.Table):
        return any(_reads(r.value, dotted) for r in node.rows)
    if isinstance(node, tuple | list):
        return any(_reads(x, dotted) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return any(_reads(getattr(node, f.name), dotted) for f in dataclasses.fields(node)
                   if f.name not in ("span", "label", "references"))
    return False


def referral_applies(s: Settlement, lex: Lex) -> bool:
    """Whether the claim's referral decided anything: the policy's rules read it in an expression
    (``if visit.referral == referred``), or a table row that gave one of the claim's figures names a
    referral (``_, _, none``) rather than taking every one (``local, 2, _``).

    Without the policy's AST this cannot be told, and the referral is shown as before.
    """
    if lex.policy is None or s.records is None:
        return True
    p = lex.policy
    if _reads((p.layers, [x.versions for x in p.parameters], [x.exceptions for x in p.parameters]),
              "visit.referral"):
        return True
    for site_id, values in s.records:
        site = s.meta.sites[site_id]
        if site.construct != C.PARAMETER.name:
            continue
        node = _param_node(lex, site.subject)
        named = C.PARAMETER.named(values)
        row, version, exception = named["row"], named["version"], named["exception"]
        if node is None or row < 0:
            continue
        d = node.exceptions[exception].definition if exception >= 0 else node.versions[version].definition
        if not isinstance(d, ast.Table):
            continue
        cells = lex.resolve_rows(d.keys, d.rows)[0][row]
        if any(k.dotted == "visit.referral" and c is not None for k, c in zip(d.keys, cells, strict=True)):
            return True
    return False


# ---------------------------------------------------------------- the steps


def _show(lex: Lex, codes: dict[str, str]) -> Callable[[str, Any], str]:
    """How a letter shows a step's figure, by the construct's format code for it."""
    def show(name: str, value: Any) -> str:
        return raw_value(value, codes.get(name, "m"), lex)
    return show


def _say(lex: Lex, step: Step, role: str, context: dict[str, str] | None = None) -> str:
    """A step's sentence in the letter: the construct's phrase, with the step's figures."""
    c = CONSTRUCTS[step.construct]
    values = letter_values(c, step.values)
    return phrases.fill(phrases.phrase(c.name, role, lex.lang), values, _show(lex, dict(c.fields)), context)


def steps(s: Settlement, lex: Lex) -> list[Item]:
    """The settlement, step by step: classification, each payer, the checks, the person's share."""
    if s.records is None:
        return []
    m, p = lex.money, lex.pick
    labels = layer_labels(s, lex)
    out: list[Item] = []
    groups: dict[str, list[str]] = {}  # layer → its sentences, in the order they were recorded
    classified = False

    def classification() -> None:
        nonlocal classified
        if classified or _is_record(s):
            return
        classified = True
        if lex.zh:
            text = (f"总费用{m(s.total_fen)}，其中政策范围外费用{m(s.out_of_scope_fen)}由个人负担，"
                    f"乙类等项目先行自付{m(s.first_self_pay_fen)}，政策范围内费用{m(s.in_scope_fen)}")
        else:
            text = (f"of the total cost of {m(s.total_fen)}, {m(s.out_of_scope_fen)} is out of scope and "
                    f"paid by the person, {m(s.first_self_pay_fen)} is first self-pay, and "
                    f"{m(s.in_scope_fen)} is in scope")
        out.append(Item(text, p("费用分类", "Classifying the bill")))

    for step in s.trace:
        c = CONSTRUCTS[step.construct]
        kind = c.kind
        if kind in ("parameter", "classify"):
            continue
        variant = letter_variant(c, step.values, record=_is_record(s))
        if kind == "note":
            out.append(Item(_say(lex, step, variant), p("年度累计", "Year to date")))
            continue
        if kind == "amount":
            header = lex.policy.header if lex.policy is not None else None
            what = lex.expr(header.amount) if header is not None and header.amount is not None \
                else lex.quantity("total")
            out.append(Item(_say(lex, step, variant, {"expr": what}), p("分配金额", "Amount shared out")))
            continue
        if kind == "check":
            out.append(Item(_say(lex, step, variant), p(step.zh, step.en) or step.zh))
            continue
        if kind == "person":
            person = phrases.labels("person", heading=True)
            lead = lex.pick(*s.meta.remainder) if _is_record(s) else p(*person)
            out.append(Item(_say(lex, step, variant), lead))
            continue
        classification()
        name = step.layer
        if name not in groups:
            groups[name] = []
            out.append(Item("", name))  # filled in below, keeps the layer's place
        groups[name].append(_layer_sentence(lex, step, variant, lex.layers.get(name)))

    result = []
    for item in out:
        if item.text == "" and item.lead in groups:
            sentences = [x for x in groups[item.lead] if x]
            text = ("；".join(sentences) + "。") if lex.zh else ("; ".join(sentences) + ".")
            result.append(Item(text[0].upper() + text[1:] if not lex.zh else text, labels[item.lead]))
        else:
            text = item.text + ("。" if lex.zh else ".")
            result.append(Item(text if lex.zh else text[0].upper() + text[1:], item.lead))
    return result


def step_sentence(s: Settlement, lex: Lex, step: Step) -> str:
    """One step in plain words, as the explainer's clerk's view shows it: no policy syntax.

    A parameter says its figure, why it applies and the document behind it
    (起付线400.00元：市内、二级医院；依据…); a layer's step is its letter sentence.
    """
    c = CONSTRUCTS[step.construct]
    record = _is_record(s)
    if c is C.PARAMETER and s.records is not None and step.index < len(s.records):
        site_id, values = s.records[step.index]
        label, shown, why, source = _figure(s, lex, s.meta.sites[site_id], values, True)
        text = lex.pick(f"{label}{shown}", f"{label}: {shown}")
        if why != "—":
            text += lex.pick(f"：{why}", f", for {why}")
        if source != "—":
            text += lex.pick(f"；依据{source}", f"; under {source}")
        return text + lex.pick("。", ".")
    if c.kind == "classify":
        return step.formula_in(lex.lang)
    variant = letter_variant(c, step.values, record=record)
    if c.kind in ("note", "check", "person"):
        text = _say(lex, step, variant)
    elif c.kind == "amount":
        header = lex.policy.header if lex.policy is not None else None
        what = lex.expr(header.amount) if header is not None and header.amount is not None \
            else lex.quantity("total")
        text = _say(lex, step, variant, {"expr": what})
    else:
        text = _layer_sentence(lex, step, variant, lex.layers.get(step.layer))
    if not text:
        return ""
    text = text if lex.zh else text[0].upper() + text[1:]
    return text + lex.pick("。", ".")


def _layer_sentence(lex: Lex, step: Step, variant: str, layer: ast.Layer | None) -> str:
    """A layer step's sentence; the writer supplies only the words the trace cannot carry."""
    c = CONSTRUCTS[step.construct]
    if c is C.BASE:
        if layer is None:
            return _say(lex, step, "letter_plain")
        base = lex.expr(layer.base) if layer.base is not None else lex.quantity("remaining")
        return _say(lex, step, variant, {"expr": base})
    if c.kind == "band":
        return _say(lex, step, variant, {"n": str(step.ordinal)})
    if c is C.SKIPPED:
        when = layer.when if layer is not None else None
        flag = lex.params.get(when.name) if isinstance(when, ast.Name) else None
        if flag is not None and flag.type_name == "bool":
            return _say(lex, step, "letter_flag", {"condition": lex.condition(flag, holds=False)})
        cond = lex.expr(when) if when is not None else str(step.values["condition"])
        return _say(lex, step, variant, {"condition": cond})
    return _say(lex, step, variant)
