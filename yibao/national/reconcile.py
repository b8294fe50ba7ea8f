"""Reconcile (稽核) the platform's settlements with a policy: recompute each visit from its line split
and opening accumulators, compare field by field to the fen, and say where a difference comes from.

Each visit carries what the platform started from (its ``feedetail_result`` split and the
``cuminfo`` it read before settling), so visits are reconciled one at a time as they are read:
memory stays flat however many there are. A visit whose own figures do not hold together (a
split not adding up, funds not adding up to ``fund_pay_sumamt``) is reported as rejected, with
the path of each problem; it is never compared as if it were sound.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from yibao.compiler.claims import _Collector, _key_text
from yibao.compiler.loader import Policy
from yibao.compiler.text_width import pad
from yibao.dsl.errors import ClaimError, ClaimIssue, SettlementError, YibaoError

from . import numbers as n
from .areas import FUND_FIELDS, Area, AreaError
from .reader import PolicyNeeds, decode_visit, to_claim
from .settled import read_setldetail, read_setlinfo
from .steps import RawStep, raw_steps, read_proc_info, step_entry
from .writer import settlement_shapes

# setlinfo's amounts compared (acct_pay / psn_cash_pay are how the person paid, which yibao does not model)
COMPARED = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    *FUND_FIELDS,
    "fund_pay_sumamt",
    "psn_part_amt",
    "hosp_part_amt",
)


@dataclass
class VisitResult:
    """One visit: matched, differs (with the figures and the first differing step) or rejected."""

    source: str
    visit: str
    person: str
    status: str  # "matched", "differs", "rejected"
    fields: dict[str, tuple[int, int]] = field(default_factory=dict)  # field → (platform, recomputed), fen
    payers: dict[str, tuple[int, int]] = field(default_factory=dict)  # fund_pay_type → (platform, recomputed)
    names: dict[str, str] = field(default_factory=dict)  # fund_pay_type → its name
    first_step: dict[str, Any] | None = None
    issues: list[ClaimIssue] = field(default_factory=list)  # why a rejected visit was rejected

    def to_dict(self) -> dict[str, Any]:
        def fig(pair: tuple[int, int]) -> dict[str, str]:
            return {
                "platform": n.amount_text(pair[0]),
                "recomputed": n.amount_text(pair[1]),
                "difference": n.amount_text(pair[1] - pair[0]),
            }

        out: dict[str, Any] = {
            "source": self.source,
            "visit": self.visit,
            "psn_no": self.person,
            "status": self.status,
        }
        if self.status == "rejected":
            out["issues"] = [{"path": i.path, "reason": i.message} for i in self.issues]
            return out
        out["fields"] = {k: fig(v) for k, v in self.fields.items()}
        out["payers"] = {k: {"name": self.names.get(k, ""), **fig(v)} for k, v in self.payers.items()}
        out["first_step"] = self.first_step
        return out


def _fen(text: str) -> int:
    """An amount the writer wrote (``"1234.50"``, always two decimals) back in fen."""
    return int(text.replace(".", ""))


def _rendered(s: Any, index: int) -> dict[str, Any]:
    """Our step at ``index`` as a person reads it: rule, formula, citation, policy line, inputs."""
    st = s.trace[index]
    return {
        "rule": st.rule,
        "formula": st.formula,
        "formula_zh": st.formula_zh,
        "citation": st.citation,
        "file": st.file,
        "line": st.line,
        "inputs": [{"name": i.name, "value": i.value, "branch": i.branch, "branch_zh": i.branch_zh}
                   for i in st.inputs],
    }


def first_step(
    s: Any,
    steps: list[RawStep],
    platform_rows: list[dict[str, Any]],
    ours: list[dict[str, Any]],
    layer_codes: Mapping[str, str],
) -> dict[str, Any] | None:
    """The first step that explains a difference.

    With the platform's ``setl_proc_info`` in yibao's compact form, the first step (layer by layer,
    in policy order) whose figures differ from ours; otherwise the first step of the first layer
    whose payment differs, as we computed it.
    """
    platform_by_code: dict[str, list[dict[str, Any]]] = {}
    readable = False
    for row in platform_rows:
        parsed = read_proc_info(row.get("setl_proc_info"))
        if parsed is not None:
            readable = True
            platform_by_code.setdefault(row["fund_pay_type"], []).extend(parsed)
    by_layer: dict[str, list[RawStep]] = {}
    for st in steps:
        if st.layer:
            by_layer.setdefault(st.layer, []).append(st)
    paid_platform: dict[str, int] = {}
    for row in platform_rows:
        paid_platform[row["fund_pay_type"]] = paid_platform.get(row["fund_pay_type"], 0) + row["fund_payamt"]
    paid_ours: dict[str, int] = {}
    for row in ours:
        paid_ours[row["fund_pay_type"]] = paid_ours.get(row["fund_pay_type"], 0) + _fen(row["fund_payamt"])
    for layer in (li.name for li in s.meta.layers):
        code = layer_codes[layer]
        mine = by_layer.get(layer, [])
        if readable:
            theirs = platform_by_code.get(code, [])
            for i in range(max(len(mine), len(theirs))):
                a = step_entry(mine[i]) if i < len(mine) else None
                b = theirs[i] if i < len(theirs) else None
                if a != b:
                    return {
                        "layer": layer,
                        "fund_pay_type": code,
                        "platform": b,
                        "recomputed": a,
                        **({"step": _rendered(s, mine[i].index)} if i < len(mine) else {}),
                    }
        elif paid_platform.get(code, 0) != paid_ours.get(code, 0) and mine:
            return {
                "layer": layer,
                "fund_pay_type": code,
                "platform": None,
                "recomputed": step_entry(mine[0]),
                "step": _rendered(s, mine[0].index),
                "note": "the platform's setl_proc_info is not yibao's compact trace: the layer's first "
                "step as recomputed",
            }
    return None


def reconcile_visit(policy: Policy, area: Area, data: Any, source: str = "") -> VisitResult:
    """Recompute one platform visit under ``policy`` and compare it with what the platform paid."""
    info = data.get("mdtrtinfo") if isinstance(data, Mapping) else None
    # as the report shows them: a text with an unpaired surrogate, which nothing could print or
    # write as UTF-8, escaped; a long one cut (the visit is rejected for either, at its path)
    visit_id = _key_text(str(info.get("mdtrt_id", ""))) if isinstance(info, Mapping) else ""
    person = _key_text(str(info.get("psn_no", ""))) if isinstance(info, Mapping) else ""
    result = VisitResult(source, visit_id, person, "rejected")
    try:
        claim = to_claim(data, area, PolicyNeeds.of(policy), source)
        c = _Collector()
        platform = read_setlinfo(c, data.get("setlinfo"))
        settled = policy.settle(claim, trace=True, source=source)
        v = area.version(settled.claim.date)
        assert v is not None  # to_claim found it
        rows = read_setldetail(c, data.get("setldetail"), v)
        if c.issues:
            raise c.error(source, what="visit")
        ours = settlement_shapes(settled, area)
    except ClaimError as err:
        result.issues = list(err.issues)
        return result
    except (SettlementError, AreaError) as err:
        result.issues = [ClaimIssue("$", str(err))]  # not a claim's fault: its text as raised
        return result
    mine = ours["setlinfo"]
    for key in COMPARED:
        recomputed = _fen(mine[key])
        if recomputed != platform[key]:
            result.fields[key] = (platform[key], recomputed)
    theirs: dict[str, int] = {}
    for row in rows:
        theirs[row["fund_pay_type"]] = theirs.get(row["fund_pay_type"], 0) + row["fund_payamt"]
    computed: dict[str, int] = {}
    for row in ours["setldetail"]:
        computed[row["fund_pay_type"]] = computed.get(row["fund_pay_type"], 0) + _fen(row["fund_payamt"])
        result.names[row["fund_pay_type"]] = row["fund_pay_type_name"]
    for code in dict.fromkeys([*computed, *theirs]):
        if computed.get(code, 0) != theirs.get(code, 0):
            result.payers[code] = (theirs.get(code, 0), computed.get(code, 0))
    if not result.fields and not result.payers:
        result.status = "matched"
        return result
    result.status = "differs"
    codes = {layer: v.layers[layer].for_scheme(settled.claim.scheme)[1] for layer in policy.layers}
    result.first_step = first_step(settled, raw_steps(settled), rows, ours["setldetail"], codes)
    return result


@dataclass
class Summary:
    """Counts and sums of differences, kept as visits stream past (nothing per visit is kept)."""

    visits: int = 0
    matched: int = 0
    differing: int = 0
    rejected: int = 0
    fields: dict[str, list[int]] = field(default_factory=dict)  # field → [visits, sum of differences]
    payers: dict[str, list[int]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, r: VisitResult) -> None:
        self.visits += 1
        if r.status == "matched":
            self.matched += 1
            return
        if r.status == "rejected":
            self.rejected += 1
            return
        self.differing += 1
        for target, figures in ((self.fields, r.fields), (self.payers, r.payers)):
            for key, (platform, recomputed) in figures.items():
                entry = target.setdefault(key, [0, 0])
                entry[0] += 1
                entry[1] += recomputed - platform
        self.names.update(r.names)

    def to_dict(self) -> dict[str, Any]:
        return {
            "visits": self.visits,
            "matched": self.matched,
            "differing": self.differing,
            "rejected": self.rejected,
            "fields": {
                k: {"visits": count, "difference": n.amount_text(diff)}
                for k, (count, diff) in sorted(self.fields.items(), key=lambda kv: COMPARED.index(kv[0]))
            },
            "payers": {
                k: {"name": self.names.get(k, ""), "visits": count, "difference": n.amount_text(diff)}
                for k, (count, diff) in sorted(self.payers.items())
            },
        }

    def format(self, lang: str = "en") -> str:
        """The counts, then the differences by field and by payer, in ``lang``."""
        zh = lang == "zh"
        lines = [
            f"共 {self.visits} 次就诊：一致 {self.matched} 次，不一致 {self.differing} 次，"
            f"未通过校验 {self.rejected} 次"
            if zh else f"{self.visits} visits: {self.matched} matched, {self.differing} differing, "
            f"{self.rejected} rejected"
        ]
        visits = "次就诊" if zh else "visits"
        d = self.to_dict()
        if d["fields"]:
            lines.append("按字段的差额（重算 − 平台）：" if zh
                         else "differences by field (recomputed − platform):")
            lines += [
                f"  {k:<20} {v['visits']:>8} {visits}  {v['difference']:>16}" for k, v in d["fields"].items()
            ]
        if d["payers"]:
            lines.append("按基金支付类型的差额（fund_pay_type）：" if zh
                         else "differences by payer (fund_pay_type):")
            lines += [
                f"  {k:<8} {pad(v['name'], 20) if zh else format(v['name'], '<20')} {v['visits']:>8} {visits}"
                f"  {v['difference']:>16}"
                for k, v in d["payers"].items()
            ]
        return "\n".join(lines)


# key → (zh, en), for ``describe``
_W = {
    "rejected": ("{head}：未通过校验", "{head}: rejected"),
    "differs": ("{head}：不一致", "{head}: differs"),
    "head": ("{source}：就诊 {visit}（{person}）", "{source}: visit {visit} ({person})"),
    "field": ("  {k}：平台 {a}，重算 {b}（差额 {d}）",
              "  {k}: platform {a}, recomputed {b} (difference {d})"),
    "first": ("  首个不一致的步骤：{rule}", "  first differing step: {rule}"),
    "platform": ("    平台：{json}", "    platform:   {json}"),
    "recomputed": ("    重算：{formula}", "    recomputed: {formula}"),
}


def _say(key: str, lang: str, **slots: object) -> str:
    zh, en = _W[key]
    return (zh if lang == "zh" else en).format(**slots)


def describe(r: VisitResult, lang: str = "en") -> str:
    """A differing or rejected visit in a few lines, for the terminal, in ``lang``."""
    zh = lang == "zh"
    head = _say("head", lang, source=r.source or r.visit, visit=r.visit, person=r.person)
    if r.status == "rejected":
        sep = "：" if zh else ": "
        issues = (f"  {i.path}{sep}{i.text(lang)}" for i in r.issues)
        return "\n".join([_say("rejected", lang, head=head), *issues])
    out = [_say("differs", lang, head=head)]
    for k, (a, b) in [*r.fields.items(), *r.payers.items()]:
        out.append(_say("field", lang, k=k, a=n.amount_text(a), b=n.amount_text(b), d=n.amount_text(b - a)))
    fs = r.first_step
    if fs:
        step = fs.get("step") or {}
        rule = step.get("rule") or (fs.get("platform") or {}).get("rule", "")
        at = f"{step['file']}:{step['line']}" if step else ""
        where = "" if not step else f"（{at}）" if zh else f" ({at})"
        out.append(_say("first", lang, rule=rule) + where)
        out.append(_say("platform", lang, json=json.dumps(fs.get("platform"), ensure_ascii=False)))
        if step:
            formula = step.get("formula_zh") if zh and step.get("formula_zh") else step["formula"]
            out.append(_say("recomputed", lang, formula=formula))
            for i in step["inputs"]:
                branch = (i.get("branch_zh") or i["branch"]) if zh else i["branch"]
                out.append(f"      {i['name']} = {i['value']}" + (f" [{branch}]" if branch else ""))
            if step["citation"]:
                out.append(f"      {step['citation']}")
    return "\n".join(out)


# ---------------------------------------------------------------------------- reading platform data


def read_visits(path: str | Path, stdin: TextIO | None = None) -> Iterator[tuple[str, Any, int]]:
    """(source, visit data or a ClaimError, bytes read) from a JSON-lines file (one visit a line, read as
    it streams), a JSON file (a visit or a list of visits), a folder of such files, or ``-``."""
    if str(path) == "-":
        import sys

        yield from _lines_of(stdin or sys.stdin, "<stdin>")
        return
    p = Path(path)
    files = sorted(q for q in p.iterdir() if q.suffix in (".json", ".jsonl")) if p.is_dir() else [p]
    for f in files:
        if f.suffix == ".jsonl":
            with f.open(encoding="utf-8", errors="surrogateescape") as fh:
                yield from _lines_of(fh, str(f))
            continue
        data = f.read_bytes()
        try:
            value = decode_visit(data, str(f))
        except ClaimError as err:
            yield str(f), err, f.stat().st_size
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield f"{f}[{i}]", item, len(data) // max(len(value), 1)
        else:
            yield str(f), value, len(data)


def _lines_of(fh: Iterable[str], name: str) -> Iterator[tuple[str, Any, int]]:
    for number, line in enumerate(fh, 1):
        size = len(line.encode("utf-8", "surrogateescape"))
        if not line.strip():
            continue
        source = f"{name}:{number}"
        try:
            yield source, decode_visit(line.encode("utf-8", "surrogateescape"), source), size
        except ClaimError as err:
            yield source, err, size


def reconcile_stream(
    policy: Policy, area: Area, items: Iterable[tuple[str, Any, int]]
) -> Iterator[tuple[VisitResult, int]]:
    """Each visit's result as it is read (with the bytes it took, for a progress bar)."""
    for source, data, size in items:
        if isinstance(data, ClaimError):
            yield VisitResult(source, "", "", "rejected", issues=list(data.issues)), size
            continue
        try:
            yield reconcile_visit(policy, area, data, source), size
        except YibaoError as err:
            yield VisitResult(source, "", "", "rejected", issues=[{"path": "$", "reason": str(err)}]), size
