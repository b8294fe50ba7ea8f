"""A settlement told in plain language, from the figures its trace recorded.

The worked examples of a policy document and the explanation letter both use this:
every amount comes from the settlement (``Settlement.records``, in fen), none is
typed by hand. The policy's AST, when given, lets a step name the table row or
the exception that applied in words (市内、三级医院) rather than as written in the file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from yibao.dsl import ast
from yibao.dsl.types import QUANTITIES

from .masking import person_id
from .render_model import Item, Table
from .render_text import Lex, money_plain, rate
from .runtime import Settlement, Site


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
    out.append(Item(lex.value("person.scheme", c.scheme), lex.field("person.scheme")))
    out.append(Item(lex.value("person.category", c.category), lex.field("person.category")))
    if c.age is not None:
        out.append(Item(p(f"{c.age}岁", str(c.age)), lex.field("person.age")))
    out.append(Item(lex.value("visit.kind", c.kind), lex.field("visit.kind")))
    out.append(Item(lex.value("visit.level", c.level), lex.field("visit.level")))
    out.append(Item(lex.value("visit.facility", c.facility), lex.field("visit.facility")))
    out.append(Item(lex.value("visit.region", c.region), lex.field("visit.region")))
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
    level = lex.value("visit.level", c.level)
    kind = lex.value("visit.kind", c.kind)
    region = lex.value("visit.region", c.region)
    if lex.zh:
        text = f"{region}{level}{kind}"
    elif c.level in ("1", "2", "3"):
        text = f"{kind} at a level-{c.level} hospital {region}"
    else:
        text = f"{kind}, {level}, {region}"
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
               p("各项支付", "paid by the payers"), p("个人负担", "the person pays")]
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
        rows.append([p("个人负担", "the person pays"), money_plain(s.person_fen)])
        share = s.reimbursed_share * 100
        rows.append([p("报销比例（各项支付占总费用）", "reimbursed share of the total"), f"{share:.2f}%"])
    return Table([p("项目", "item"), p("金额（元）", "amount (yuan)")], rows, [False, True])


# ---------------------------------------------------------------- figures that applied


def _param_node(lex: Lex, name: str) -> ast.Parameter | None:
    return lex.params.get(name)


def figures_table(s: Settlement, lex: Lex, *, with_sources: bool = False) -> Table | None:
    """The parameters the settlement read, their values, and the row or exception that gave them."""
    p = lex.pick
    rows: list[list[str]] = []
    for site_id, values in s.records or ():
        site = s.meta.sites[site_id]
        if site.kind != "parameter":
            continue
        name = site.rule.split(":", 1)[1]
        info = s.meta.params[name]
        node = _param_node(lex, name)
        value, version, exception, row = values
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
        rows.append(entry)
    if not rows:
        return None
    headers = [p("项目", "figure"), p("标准", "value"), p("适用情形", "applies because")]
    if with_sources:
        headers.append(p("依据", "source"))
    return Table(headers, rows, [False, True, False] + ([False] if with_sources else []))


# ---------------------------------------------------------------- the steps


def _layer_base(lex: Lex, layer: ast.Layer | None, site: Site) -> str:
    if layer is not None:
        return lex.expr(layer.base) if layer.base is not None else lex.quantity("remaining")
    text = site.template.removeprefix("base = ").rsplit(" = ", 1)[0]
    return lex.quantity(text) if text in QUANTITIES else text


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

    for index, (site_id, v) in enumerate(s.records):
        site = s.meta.sites[site_id]
        kind = site.kind
        if kind in ("parameter", "classify"):
            continue
        if kind == "note":
            out.append(Item(p(f"年度累计数据属于{v[0]}年，不是本次结算的{v[1]}年，未予计入",
                              f"the year-to-date figures are for {v[0]}, not the claim's year {v[1]}: "
                              "they are ignored"), p("年度累计", "Year to date")))
            continue
        if kind == "amount":
            what = lex.expr(lex.policy.header.amount) if lex.policy is not None and \
                lex.policy.header.amount is not None else site.template.split(" = ")[1]
            out.append(Item(f"{what} = {m(v[0])}", p("分配金额", "Amount shared out")))
            continue
        if kind == "check":
            ok = bool(v[0])
            label = p(site.zh, site.en) or site.zh
            out.append(Item(p("满足" if ok else "不满足", "holds" if ok else "does not hold"), label))
            continue
        if kind == "person":
            if _is_record(s):
                rest = lex.pick(*s.meta.remainder)
                text = p(f"分配金额{m(v[0])}减去各项分配{m(v[1])}，余{m(v[2])}",
                         f"{m(v[0])} less {m(v[1])} shared out leaves {m(v[2])}")
                out.append(Item(text, rest))
            else:
                text = p(f"总费用{m(v[0])}减去各项支付合计{m(v[1])}，个人负担{m(v[2])}",
                         f"the total cost of {m(v[0])} less {m(v[1])} paid by the payers leaves "
                         f"{m(v[2])} to the person")
                out.append(Item(text, p("个人负担", "The person pays")))
            continue
        classification()
        name, _, part = site.rule.partition(".")
        if name not in groups:
            groups[name] = []
            out.append(Item("", name))  # filled in below, keeps the layer's place
        layer = lex.layers.get(name)
        try:
            sentence = _layer_sentence(lex, s, site, part, v, layer)
        except (ValueError, TypeError, IndexError):  # a step recorded in a shape this does not know
            sentence = s.trace[index].formula
        groups[name].append(sentence)

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


def _layer_sentence(lex: Lex, s: Settlement, site: Site, part: str, v: tuple[Any, ...],
                    layer: ast.Layer | None) -> str:
    m, p = lex.money, lex.pick
    if part == "base":
        base = _layer_base(lex, layer, site)
        return p(f"计算基数为{base}{m(v[0])}", f"the base is {base}, {m(v[0])}")
    if part == "ceiling":
        per = "year" in site.template
        return p(f"计入上限{m(v[0])}（{'每个医疗年度' if per else '每次'}），尚可计入{m(v[1])}："
                 f"计入{m(v[2])}，超出的{m(v[3])}转由后续支付",
                 f"ceiling {m(v[0])} {'per year' if per else 'per visit'}, room {m(v[1])}: "
                 f"{m(v[2])} enters, {m(v[3])} above it passes on")
    if part == "deductible":
        if len(v) == 5:  # per year: (deductible, paid this year, due, base, applied)
            if v[1]:
                return p(f"起付线{m(v[0])}，本年度此前已计{m(v[1])}，本次尚需{m(v[2])}，实际计入{m(v[4])}",
                         f"deductible {m(v[0])}, of which {m(v[1])} was paid earlier this year: "
                         f"{m(v[2])} due, {m(v[4])} applied")
            return p(f"起付线{m(v[0])}，实际计入{m(v[4])}", f"deductible {m(v[0])}, {m(v[4])} applied")
        return p(f"本次起付线{m(v[0])}，实际计入{m(v[2])}",
                 f"deductible for this visit {m(v[0])}, {m(v[2])} applied")
    if part == "rate":
        base, ded, r, pay = v
        if "deductible" in site.template:
            return p(f"起付线以上的{m(base - ded)}按{rate(r)}支付，计{m(pay)}",
                     f"{m(base - ded)} above the deductible is paid at {rate(r)}: {m(pay)}")
        if lex.record:
            return p(f"{m(base)}按{rate(r)}计提，计{m(pay)}", f"{m(base)} at {rate(r)}: {m(pay)}")
        return p(f"{m(base)}按{rate(r)}支付，计{m(pay)}", f"{m(base)} is paid at {rate(r)}: {m(pay)}")
    if part.startswith("band"):
        n = part[4:]
        year = "year" in site.template
        lo, hi, slice_, r, pay = v
        return p(f"第{n}段（{'本年度累计' if year else ''}{m(lo)}至{m(hi)}）的{m(slice_)}按{rate(r)}支付，"
                 f"计{m(pay)}",
                 f"band {n} ({m(lo)} to {m(hi)}{' of the running total this year' if year else ''}): "
                 f"{m(slice_)} at {rate(r)} = {m(pay)}")
    if part == "fixed":
        return p(f"定额支付标准{m(v[0])}，以费用{m(v[1])}为限，计{m(v[2])}",
                 f"fixed payment {m(v[0])}, at most the cost of {m(v[1])}: {m(v[2])}")
    if part == "cap_year":
        cap, paid, before, left, pay = v
        head = p(f"年度最高支付限额{m(cap)}，本年度此前已支付{m(paid)}，尚余{m(left)}",
                 f"annual cap {m(cap)}, {m(paid)} paid earlier this year, {m(left)} left")
        if pay < before:
            return head + p(f"，支付额由{m(before)}核减为{m(pay)}",
                            f": the payment is cut from {m(before)} to {m(pay)}")
        return head + p("，未超过限额", ": within the cap")
    if part == "cap_visit":
        before, cap, pay = v
        if pay < before:
            return p(f"每次最高支付{m(cap)}，支付额由{m(before)}核减为{m(pay)}",
                     f"cap per visit {m(cap)}: the payment is cut from {m(before)} to {m(pay)}")
        return p(f"每次最高支付{m(cap)}，未超过限额", f"cap per visit {m(cap)}: within the cap")
    if part == "pays":
        if lex.record:
            return p(f"合计{m(v[0])}", f"{m(v[0])} in all")
        return p(f"共支付{m(v[0])}", f"pays {m(v[0])} in all")
    if part == "skipped":
        when = layer.when if layer is not None else None
        flag = lex.params.get(when.name) if isinstance(when, ast.Name) else None
        if flag is not None and flag.type_name == "bool":
            return p("不适用：", "does not apply: ") + lex.condition(flag, holds=False)
        cond = lex.expr(when) if when is not None else str(v[0])
        return p(f"不适用：{cond}的条件不成立", f"does not apply: it applies only when {cond}")
    return site.template
