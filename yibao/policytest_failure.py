"""A failed policy-test case for a person, in zh or en: the claim, expected against actual, and
the first step where the settlement parts from what the test expected.

Split from ``policytest.py`` (which runs the cases): this is wording, that is running.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from yibao.compiler.claims import Claim, Record
from yibao.compiler.constructs import CHECK
from yibao.compiler.money import money_display
from yibao.compiler.text_width import columns

if TYPE_CHECKING:
    from yibao.compiler.runtime import Settlement
    from yibao.compiler.trace import Step
    from yibao.policytest import CaseResult, FileResult, Mismatch

__all__ = ["format_failure"]

# key → (zh, en)
_W: dict[str, tuple[str, str]] = {
    "fail": ("失败", "FAIL"),
    "error": ("错误", "ERROR"),
    "policy": ("  政策 {id}（{path}）", "  policy {id} ({path})"),
    "claim": ("结算单 {id}（{source}），{date}", "claim {id} ({source}), {date}"),
    "record": ("  记录：", "  record: "),
    "age": ("，{age} 岁", ", age {age}"),
    "where": ("{kind}，{level} 级医院，{region}，转诊 {referral}",
              "{kind}, level {level}, {region}, referral {referral}"),
    "diseases": ("，疾病 ", ", diseases "),
    "more": ("      … 另有 {n} 行", "      … {n} more lines"),
    "total": ("      合计 {total}", "      total {total}"),
    "ytd": ("  本次之前的年度累计：", "  year to date before: "),
    "head": ("|预期|实际|差额", "|expected|actual|difference"),
    "parts": ("  首个不一致的步骤：", "  first step where they part:"),
    "wanted": ("——预期 {value}", " — expected {value}"),
    "before": ("  此前的步骤：", "  the steps before it:"),
    "person": ("个人负担", "person"),
    "step": ("步骤 {rule}", "step {rule}"),
    "no_step": ("（无此步骤）", "(no such step)"),
    "step_line": ("步骤 {n} {rule}（{file}:{line}）：{formula}{inputs}",
                  "step {n} {rule} ({file}:{line}): {formula}{inputs}"),
}


def _say(key: str, lang: str, **slots: object) -> str:
    zh, en = _W[key]
    return (zh if lang == "zh" else en).format(**slots)


def _claim_lines(claim: Claim | Record, source: str, lang: str) -> list[str]:
    """The claim in a few lines: who, where, what was billed and what the year held before."""
    sep = "，" if lang == "zh" else ", "
    out = [_say("claim", lang, id=claim.id, source=source, date=claim.date)]
    if isinstance(claim, Record):
        fields = claim.raw.get("record", {}).items()
        out.append(_say("record", lang) + sep.join(f"{k} = {v}" for k, v in fields))
    else:
        age = _say("age", lang, age=claim.age) if claim.age is not None else ""
        who = f"{claim.scheme}{sep}{claim.category}{age}"
        where = _say("where", lang, kind=claim.kind, level=claim.level, region=claim.region,
                     referral=claim.referral)
        if claim.facility != "general":
            where += f"{sep}{claim.facility}"
        if claim.diseases:
            where += _say("diseases", lang) + sep.join(sorted(claim.diseases))
        out.append(f"  {who} · {where}")
        for n, ln in enumerate(claim.lines[:8], 1):
            cls = f"/{ln.item_class}" if ln.item_class else ""
            out.append(f"  {n:>2}. {ln.code} {ln.name} {ln.category}{cls} {money_display(ln.amount)}")
        if len(claim.lines) > 8:
            out.append(_say("more", lang, n=len(claim.lines) - 8))
        out.append(_say("total", lang, total=money_display(claim.total)))
    if claim.ytd:
        before = sep.join(f"{k} {money_display(v)}" for k, v in sorted(claim.ytd.items()))
        out.append(_say("ytd", lang) + before)
    return out


def _branch(i: object, lang: str) -> str | None:
    """The table row or exception that gave an input its value, in ``lang``."""
    zh = getattr(i, "branch_zh", None)
    return zh if lang == "zh" and zh else getattr(i, "branch", None)


def _step_line(step: Step, lang: str) -> str:
    sep = "，" if lang == "zh" else ", "
    inputs = "".join(f" [{i.name} = {i.value}" + (f"{sep}{b}" if (b := _branch(i, lang)) else "") + "]"
                     for i in step.inputs)
    formula = step.formula_zh if lang == "zh" and step.formula_zh else step.formula
    return _say("step_line", lang, n=step.index + 1, rule=step.rule, file=step.file, line=step.line,
                formula=formula, inputs=inputs)


def _lead_up(s: Settlement, step: Step) -> list[Step]:
    """The steps that produced ``step``'s figure: its layer's steps, or the payers for the person."""
    if step.kind == "person":
        return [x for x in s.trace if x.kind in ("payer", "skip")]
    if step.kind in ("payer", "skip"):
        return [x for x in s.trace[: step.index] if x.layer == step.layer]
    return []


def _expectation_of(step: Step) -> tuple[str, str]:
    """The ``Mismatch`` (kind, name) a parting step stands for."""
    if step.kind in ("payer", "skip"):
        return "payer", step.layer
    if step.kind == "person":
        return "person", ""
    if step.construct == CHECK.name:
        return "check", step.subject
    return "step", step.rule


def _what(m: Mismatch, lang: str) -> str:
    """What differs, as the report names it: a payer, the person, ``step <rule>``…"""
    if m.kind == "person":
        return _say("person", lang)
    if m.kind == "step":
        return _say("step", lang, rule=m.name)
    return m.what


def format_failure(result: CaseResult, file: FileResult, lang: str = "en") -> str:
    """A failed or broken case for a person: the claim, expected against actual, where they part."""
    from yibao.policytest import _norm

    case = result.case
    out = [f"{_say('fail' if result.status == 'fail' else 'error', lang)} {file.path} :: {case.name}",
           _say("policy", lang, id=file.policy_id, path=file.policy_path)]
    if result.message:
        out += ["  " + line for line in result.message.splitlines()]
        return "\n".join(out) + "\n"
    by_claim: dict[int, list[Mismatch]] = {}
    for m in result.mismatches:
        by_claim.setdefault(m.claim, []).append(m)
    for i, found in by_claim.items():
        s = result.settlements[i]
        assert s is not None
        out += ["  " + line for line in _claim_lines(s.claim, case.claims[i][0], lang)]
        rows = [tuple(_say("head", lang).split("|"))]
        for m in found:
            e, a = _norm(m.expected), _norm(m.actual)
            diff = ""
            if isinstance(e, Decimal) and isinstance(a, Decimal):
                d = a - e
                diff = ("+" if d > 0 else "") + f"{d:,.2f}"
            actual = _say("no_step", lang) if m.actual == "(no such step)" else m.actual
            rows.append((_what(m, lang), m.expected, actual, diff))
        out += columns(rows, indent=4)
        if result.parted is not None and result.parted[0] == i:
            step = result.parted[1]
            wanted = [m.expected for m in found if (m.kind, m.name) == _expectation_of(step)]
            out.append(_say("parts", lang))
            also = _say("wanted", lang, value=wanted[0]) if wanted else ""
            out.append(f"    {_step_line(step, lang)}{also}")
            lead = _lead_up(s, step)
            if lead:
                out.append(_say("before", lang))
                out += [f"    {_step_line(x, lang)}" for x in lead]
    return "\n".join(out) + "\n"
