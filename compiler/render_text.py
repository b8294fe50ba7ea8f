"""Words, numbers and expressions as a reader sees them, in Chinese or English.

The renderer never shows a policy's identifiers where a label exists: enum values,
claim fields, quantities and parameters read as their labels, money as 元 / yuan,
dates as 年月日 in Chinese. Everything here returns plain text; escaping for
Markdown or HTML happens later, in the templates' environment.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from decimal import Decimal

from yibao.dsl import ast
from yibao.dsl.types import DEFAULT_ENUMS, MONEY, QUANTITIES, VALUE_LABELS, Type

from . import phrases
from .constructs import split_accumulator, split_result
from .money import rate_display

LANGS = ("zh", "en")

# ---------------------------------------------------------------- built-in labels

def _value_labels(lang: str) -> dict[str, dict[str, str]]:
    i = 0 if lang == "zh" else 1
    return {field: {value: pair[i] for value, pair in values.items()}
            for field, values in VALUE_LABELS.items()}


FIELD_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "person.scheme": "险种", "person.category": "人员类别", "person.age": "年龄",
        "visit.kind": "就诊类型", "visit.level": "医院级别", "visit.facility": "医疗机构类型",
        "visit.region": "就医地", "visit.referral": "转诊情况", "visit.admission_no": "本年度住院次序",
        "visit.diseases": "诊断", "claim.date": "结算日期",
        "line.unit_price": "单价", "line.amount": "该项费用", "line.category": "该项目的目录类别",
        "line.class": "该项目的类别",
    },
    "en": {
        "person.scheme": "scheme", "person.category": "person category", "person.age": "age",
        "visit.kind": "kind of care", "visit.level": "hospital level", "visit.facility": "facility",
        "visit.region": "place of care", "visit.referral": "referral",
        "visit.admission_no": "admission of the year",
        "visit.diseases": "diagnoses", "claim.date": "date of settlement",
        "line.unit_price": "the unit price", "line.amount": "the line's amount",
        "line.category": "the line's category", "line.class": "the line's class",
    },
}

QUANTITY_LABELS: dict[str, dict[str, str]] = {
    "zh": {"total": "总费用", "in_scope": "政策范围内费用", "out_of_scope": "政策范围外费用",
           "first_self_pay": "先行自付费用", "remaining": "前序支付后个人负担的政策范围内费用",
           "unpaid": "前序支付后尚未支付的费用"},
    "en": {"total": "the total cost", "in_scope": "the in-scope cost",
           "out_of_scope": "the out-of-scope cost", "first_self_pay": "the first self-pay shares",
           "remaining": "the in-scope cost left after the earlier payers",
           "unpaid": "the cost the earlier payers left unpaid"},
}

# A record policy shares out an amount: its quantities read as that amount.
RECORD_QUANTITY_LABELS: dict[str, dict[str, str]] = {
    "zh": {"total": "分配金额", "in_scope": "分配金额", "out_of_scope": "零", "first_self_pay": "零",
           "remaining": "前序分配后的剩余金额", "unpaid": "前序分配后的剩余金额"},
    "en": {"total": "the amount shared out", "in_scope": "the amount shared out", "out_of_scope": "zero",
           "first_self_pay": "zero", "remaining": "what the earlier shares left",
           "unpaid": "what the earlier shares left"},
}

ROUNDING_LABELS: dict[str, dict[str, str]] = {
    "zh": {"half_up": "四舍五入", "half_even": "四舍六入五成双", "down": "舍去", "up": "进位"},
    "en": {"half_up": "to the nearest fen, halves up", "half_even": "to the nearest fen, halves to even",
           "down": "down to the fen", "up": "up to the fen"},
}

TYPE_LABELS: dict[str, dict[str, str]] = {
    "zh": {"money": "金额", "rate": "比例", "count": "数量", "date": "日期", "bool": "是/否"},
    "en": {"money": "money", "rate": "rate", "count": "count", "date": "date", "bool": "yes/no"},
}

_ZH_DIGITS = "零一二三四五六七八九"


def zh_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一: section numbers as a Chinese document writes them."""
    if n < 0 or n >= 100:
        return str(n)
    if n < 10:
        return _ZH_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")


# ---------------------------------------------------------------- numbers and dates


def money_plain(fen: int) -> str:
    """``123450`` → ``1,234.50``; amounts in tables whose header names the unit."""
    sign = "−" if fen < 0 else ""
    q, r = divmod(abs(fen), 100)
    return f"{sign}{q:,}.{r:02d}"


def money(fen: int, lang: str) -> str:
    return f"{money_plain(fen)}元" if lang == "zh" else f"{money_plain(fen)} yuan"


def rate(ppm: int) -> str:
    """``900000`` → ``90%``; ``125000`` → ``12.5%``."""
    return rate_display(ppm)


def percent(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    return f"{text}%"


def date(day: dt.date, lang: str) -> str:
    """``2022年7月1日`` in Chinese, ``1 July 2022`` in English."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day.strftime('%B')} {day.year}"


def fen_of(value: Decimal) -> int:
    return int(value * 100)


# ---------------------------------------------------------------- the policy's vocabulary


class Lex:
    """One language's vocabulary for one policy: labels, enum values, expressions read aloud."""

    def __init__(self, lang: str, policy: ast.Policy | None = None,
                 types: Mapping[int, Type] | None = None,
                 enums: Mapping[str, tuple[str, ...]] | None = None) -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected zh or en")
        self.lang = lang
        self.zh = lang == "zh"
        self.policy = policy
        self.types: Mapping[int, Type] = types or {}
        self.domains: Mapping[str, tuple[str, ...]] = enums or DEFAULT_ENUMS
        self.values = _value_labels(lang)
        self.params: dict[str, ast.Parameter] = {}
        self.layers: dict[str, ast.Layer] = {}
        self.fields: dict[str, ast.RecordField] = {}
        self.sources: dict[str, ast.Source] = {}
        self.record = False
        if policy is not None:
            self.record = policy.header.input == "record"
            for decl in policy.enums:
                values = self.values.setdefault(decl.field.dotted, {})
                for m in decl.members:
                    if m.label is not None:
                        values[m.name] = self.label(m.label)
            self.params = {p.name: p for p in policy.parameters}
            self.layers = {layer.name: layer for layer in policy.layers}
            self.fields = {f.name: f for f in policy.fields}
            self.sources = {s.name: s for s in policy.sources}

    # ------------------------------------------------------------ small words
    def label(self, label: ast.Label) -> str:
        """The label in this language; a one-language label falls back to the other half."""
        text = label.zh if self.zh else label.en
        return text or label.zh or label.en

    def pick(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    def title(self, text: str) -> str:
        """A heading or lead-in: English labels are written in lower case, headings start upper."""
        return text if self.zh or not text else text[0].upper() + text[1:]

    def money(self, fen: int) -> str:
        return money(fen, self.lang)

    def date(self, day: dt.date) -> str:
        return date(day, self.lang)

    def yes_no(self, value: bool) -> str:
        return self.pick("是" if value else "否", "yes" if value else "no")

    def join_or(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        if self.zh:
            return "、".join(items[:-1]) + "或" + items[-1]
        return ", ".join(items[:-1]) + " or " + items[-1]

    def join_and(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        if self.zh:
            return "、".join(items)
        return ", ".join(items[:-1]) + " and " + items[-1]

    def value(self, field: str, value: str) -> str:
        """An enum value (or item category, class, disease) by its label."""
        if field == "visit.diseases":
            value = value.replace("_", " ")
        return self.values.get(field, {}).get(value, value)

    def field(self, dotted: str) -> str:
        if dotted.startswith("record.") and dotted[7:] in self.fields:
            return self.label(self.fields[dotted[7:]].label)
        if dotted in FIELD_LABELS[self.lang]:
            return FIELD_LABELS[self.lang][dotted]
        layer, result = split_result(dotted)
        if layer in self.layers and result is not None:
            return phrases.result_label(result.name, self.label(self.layers[layer].label), self.lang)
        return dotted

    def field_phrase(self, dotted: str) -> str:
        """A claim field inside a sentence: ``the hospital level`` (the bare label heads a table column)."""
        text = self.field(dotted)
        if self.zh or text.startswith(("the ", "what ")):
            return text
        return f"the {text}"

    def condition(self, param: ast.Parameter, holds: bool) -> str:
        """A yes/no parameter used as a condition: 属于贫困人口 / “poverty population” holds."""
        label = self.label(param.label)
        if self.zh:
            if label.startswith(("属", "是")):
                return label if holds else f"不{label}"
            return f"属于{label}" if holds else f"不属于{label}"
        return f"“{label}” holds" if holds else f"“{label}” does not hold"

    def quantity(self, name: str) -> str:
        table = RECORD_QUANTITY_LABELS if self.record else QUANTITY_LABELS
        return table[self.lang].get(name, name)

    def rounding(self, mode: str) -> str:
        return ROUNDING_LABELS[self.lang].get(mode, mode)

    def accumulator(self, key: str, layer_labels: Mapping[str, str]) -> str:
        """``basic.deductible`` → 统筹基金支付 已计起付线."""
        layer, acc = split_accumulator(key)
        words = phrases.phrase("accumulator", acc.key, self.lang) if acc is not None else key[len(layer) + 1:]
        name = layer_labels.get(layer, layer)
        return f"{name}{words}" if self.zh else f"{name}: {words}"

    def period(self, period: str) -> str:
        if period in ("month", "quarter"):
            return self.pick("每月" if period == "month" else "每季度", f"per {period}")
        if self.record:
            return self.pick("每年累计" if period == "year" else "每次", "per year" if period == "year"
                             else "per record")
        return self.pick("每个医疗年度" if period == "year" else "每次", "per year" if period == "year"
                         else "per visit")

    # ------------------------------------------------------------ citations
    def references(self, refs: tuple[ast.Reference, ...]) -> tuple[list[str], list[str]]:
        """(citations, assumptions) as sentences."""
        cites: list[str] = []
        assumptions: list[str] = []
        for r in refs:
            if isinstance(r, ast.Citation):
                source = self.sources.get(r.source)
                name = self.label(source.label) if source else r.source
                if r.section:
                    cites.append(f"{name} {r.section}" if self.zh else f"{name}, section {r.section}")
                else:
                    cites.append(name)
            else:
                assumptions.append(r.in_lang(self.lang))
        return cites, assumptions

    # ------------------------------------------------------------ table cells
    def resolve_rows(self, keys: tuple[ast.Field, ...], rows: tuple[ast.Row, ...]
                     ) -> tuple[list[list[list[str] | None]], bool]:
        """Each row's cells as the values it really applies to, and whether the rows are disjoint.

        Rows apply first match first, so a ``_`` below rows that took some values stands
        for the values left (``_`` after the ``local`` rows is 市外省内或省外). ``None``
        is a cell that takes every value. The flag is False when some row, so shown,
        still overlaps an earlier one (the reader then needs "the first row applies").
        """
        domains = [self.domains.get(k.dotted) for k in keys]
        shown: list[list[list[str] | None]] = []
        disjoint = True
        if any(d is None for d in domains):
            return [[None if p.alternatives is None else list(p.alternatives) for p in r.patterns]
                    for r in rows], False

        def matches(row: ast.Row, combo: tuple[str, ...]) -> bool:
            return all(p.alternatives is None or v in p.alternatives
                       for p, v in zip(row.patterns, combo, strict=True))

        combos = list(itertools.product(*domains))  # type: ignore[arg-type]
        for i, row in enumerate(rows):
            reach = [c for c in combos if matches(row, c) and not any(matches(r, c) for r in rows[:i])]
            cells: list[list[str] | None] = []
            for j, pat in enumerate(row.patterns):
                dom = domains[j] or ()
                if pat.alternatives is not None:
                    cells.append(list(pat.alternatives))
                    continue
                taken = {c[j] for c in reach}
                cells.append(None if taken >= set(dom) else [v for v in dom if v in taken])
            shown.append(cells)
            sets = [set(domains[j] or ()) if c is None else set(c) for j, c in enumerate(cells)]
            if any(all(v in sets[j] for j, v in enumerate(c)) for r in rows[:i] for c in combos
                   if matches(r, c)):
                disjoint = False
        return shown, disjoint

    def cell(self, field: str, values: list[str] | None) -> str:
        if values is None:
            return self.pick("不限", "any")
        return self.join_or([self.value(field, v) for v in values])

    def row_conditions(self, keys: tuple[ast.Field, ...], rows: tuple[ast.Row, ...], index: int) -> str:
        """A table row as one phrase, cells that take every value left out: 市内、三级医院."""
        cells = self.resolve_rows(keys, rows)[0][index]
        parts = [self.cell(k.dotted, c) for k, c in zip(keys, cells, strict=True) if c is not None]
        if not parts:
            return self.pick("其他情形", "any other case")
        return ("、" if self.zh else ", ").join(parts)

    # ------------------------------------------------------------ expressions
    def param_is_literal(self, p: ast.Parameter) -> bool:
        """One undated literal value and no exceptions: the value can be shown beside the name."""
        return (len(p.versions) == 1 and not p.exceptions and isinstance(p.versions[0].definition, ast.Value)
                and isinstance(p.versions[0].definition.expr, ast.Number | ast.Percent | ast.BoolLit
                               | ast.DateLit))

    def expr(self, e: ast.Expr, *, inline_values: bool = True) -> str:
        """An expression as a phrase; a literal parameter shows its value: 年度最高支付限额（15万元）."""
        return _Printer(self, inline_values).show(e, 0)


# precedence: higher binds tighter
_P_IF, _P_OR, _P_AND, _P_NOT, _P_CMP, _P_ADD, _P_MUL, _P_NEG, _P_ATOM = range(9)
_CMP = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_ARITH = {"+": "+", "-": "−", "*": "×", "/": "÷"}


class _Printer:
    def __init__(self, lex: Lex, inline_values: bool) -> None:
        self.x = lex
        self.inline = inline_values

    def show(self, e: ast.Expr, outer: int) -> str:
        text, prec = self._show(e)
        if prec < outer:
            return f"（{text}）" if self.x.zh and prec <= _P_NOT else f"({text})"
        return text

    def _type(self, e: ast.Expr) -> Type | None:
        return self.x.types.get(id(e))

    def _number(self, e: ast.Number) -> str:
        t = self._type(e)
        if t is not None and t.name == "enum" and t.enum:
            return self.x.value(t.enum, str(e.value))
        exponent = e.value.as_tuple().exponent
        if t == MONEY or (t is None and isinstance(exponent, int) and exponent == -2):
            return self.x.money(fen_of(e.value))
        return format(e.value, "f")

    def _name(self, e: ast.Name) -> str:
        x = self.x
        if e.name in x.params:
            p = x.params[e.name]
            if p.type_name == "bool" and not x.param_is_literal(p):
                return x.condition(p, holds=True)
            text = x.label(p.label)
            if self.inline and x.param_is_literal(p):
                value = p.versions[0].definition.expr  # type: ignore[union-attr]
                shown = _Printer(x, False).show(value, 0)
                return f"{text}（{shown}）" if x.zh else f"{text} ({shown})"
            return text
        if e.name in QUANTITIES:
            return x.quantity(e.name)
        t = self._type(e)
        if t is not None and t.name == "enum" and t.enum:
            return x.value(t.enum, e.name)
        return e.name

    def _member(self, field: ast.Expr, name: str) -> str:
        if isinstance(field, ast.Field):
            return self.x.value(field.dotted, name)
        t = self._type(field)
        if t is not None and t.enum:
            return self.x.value(t.enum, name)
        return name

    def _subject(self, e: ast.Expr) -> str:
        return self.show(e, _P_CMP + 1)

    def _show(self, e: ast.Expr) -> tuple[str, int]:
        x = self.x
        if isinstance(e, ast.Number):
            return self._number(e), _P_ATOM
        if isinstance(e, ast.Percent):
            return percent(e.value), _P_ATOM
        if isinstance(e, ast.DateLit):
            return x.date(e.value), _P_ATOM
        if isinstance(e, ast.BoolLit):
            return x.yes_no(e.value), _P_ATOM
        if isinstance(e, ast.Name):
            return self._name(e), _P_ATOM
        if isinstance(e, ast.Field):
            return x.field_phrase(e.dotted), _P_ATOM
        if isinstance(e, ast.Neg):
            return "−" + self.show(e.operand, _P_NEG), _P_NEG
        if isinstance(e, ast.BinOp):
            return self._chain(e), _P_ADD if e.op in "+-" else _P_MUL
        if isinstance(e, ast.Compare):
            return self._compare(e), _P_CMP
        if isinstance(e, ast.MemberOf):
            members = [self._member(e.operand, m.name) for m in e.members]
            subject = self._subject(e.operand)
            if x.zh:
                return f"{subject}为{x.join_or(members)}", _P_CMP
            return f"{subject} is {x.join_or(members)}", _P_CMP
        if isinstance(e, ast.Contains):
            item = x.value(e.collection.dotted, e.item)
            what = x.field_phrase(e.collection.dotted)
            return (f"{what}含{item}" if x.zh else f"{what} include {item}"), _P_CMP
        if isinstance(e, ast.BoolOp):
            prec = _P_AND if e.op == "and" else _P_OR
            parts = [self.show(o, prec + 1) for o in e.operands]
            word = {"and": ("且", " and "), "or": ("或", " or ")}[e.op]
            return (word[0] if x.zh else word[1]).join(parts), prec
        if isinstance(e, ast.Not):
            if isinstance(e.operand, ast.Name) and e.operand.name in x.params and \
                    x.params[e.operand.name].type_name == "bool":
                return x.condition(x.params[e.operand.name], holds=False), _P_NOT
            inner = self.show(e.operand, _P_NOT + 1)
            return (f"并非{inner}" if x.zh else f"not {inner}"), _P_NOT
        if isinstance(e, ast.Call):
            args = [self.show(a, _P_ADD) for a in e.args]
            if x.zh:
                which = "较低者" if e.func == "min" else "较高者"
                joined = "与".join(args) if len(args) == 2 else "、".join(args)
                return f"{joined}中的{which}", _P_ATOM
            if len(args) == 2:
                which = "lower" if e.func == "min" else "higher"
                return f"the {which} of {args[0]} and {args[1]}", _P_ATOM
            which = "lowest" if e.func == "min" else "highest"
            return f"the {which} of {x.join_and(args)}", _P_ATOM
        if isinstance(e, ast.If):
            return self._if(e), _P_IF
        raise AssertionError(f"cannot print {e!r}")

    def _chain(self, e: ast.BinOp) -> str:
        """An operator's left spine in a loop (``a + b − c …``): a sum may have any number of terms.

        The spine may switch between sums and products (``((a + b) × c) + d``); the switch is
        bracketed here exactly as ``show`` would.
        """
        spine: list[ast.BinOp] = []
        node: ast.Expr = e
        while isinstance(node, ast.BinOp):
            spine.append(node)
            node = node.left
        inner = _P_ADD if spine[-1].op in "+-" else _P_MUL
        parts = [self.show(node, inner)]
        opened = 0  # each bracket encloses everything from the leaf on, so all open at the start
        for step in reversed(spine):
            prec = _P_ADD if step.op in "+-" else _P_MUL
            if inner < prec:
                opened += 1
                parts.append(")")
            parts.append(f" {_ARITH[step.op]} {self.show(step.right, prec + 1)}")
            inner = prec
        return "(" * opened + "".join(parts)

    def _compare(self, e: ast.Compare) -> str:
        x = self.x
        left_t = self._type(e.left)
        enum_field = (isinstance(e.left, ast.Field) and e.left.dotted in x.values) or (
            left_t is not None and left_t.name == "enum")
        if enum_field and e.op in ("==", "!=") and isinstance(e.right, ast.Name | ast.Number) and not (
                isinstance(e.right, ast.Name) and e.right.name in x.params):
            member = e.right.name if isinstance(e.right, ast.Name) else str(e.right.value)
            value = self._member(e.left, member)
            subject = self._subject(e.left)
            if x.zh:
                return f"{subject}{'为' if e.op == '==' else '不为'}{value}"
            return f"{subject} {'is' if e.op == '==' else 'is not'} {value}"
        left = self.show(e.left, _P_ADD)
        right = self.show(e.right, _P_ADD)
        if e.op in ("==", "!=") and enum_field:
            if x.zh:
                return f"{left}{'为' if e.op == '==' else '不为'}{right}"
            return f"{left} {'is' if e.op == '==' else 'is not'} {right}"
        return f"{left} {_CMP[e.op]} {right}"

    def _if(self, e: ast.If) -> str:
        x = self.x
        parts: list[str] = []
        node: ast.Expr = e
        while isinstance(node, ast.If):
            cond = self.show(node.cond, _P_OR)
            then = self.show(node.then, _P_OR)
            parts.append(f"若{cond}，为{then}" if x.zh else f"if {cond}, {then}")
            node = node.orelse
        rest = self.show(node, _P_OR)
        if x.zh:
            return "；".join(parts) + f"；否则为{rest}"
        return "; ".join(parts) + f"; otherwise {rest}"
