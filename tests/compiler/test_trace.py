"""Trace steps: formatting planned once per site gives exactly the steps formatted afresh per step.

``trace.render_steps`` works out each site's labels, citation, place and formula format strings
once and caches a parameter's step by its figures. ``reference_steps`` below is the formatting
as it was before (every template filled slot by slot, every label and citation looked up for
every step), kept here only to say what the planned formatting must give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.compiler import trace as T
from yibao.compiler.constructs import CONSTRUCTS
from yibao.compiler.runtime import PolicyMeta

from yibao import Policy, load_policy
from yibao.sampling import sample_policy_claims

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(p.relative_to(ROOT / "policies").as_posix() for p in (ROOT / "policies").glob("*/*.yb"))


def _fill(template: str, values: Sequence[Any]) -> str:
    out = []
    for literal, slot, fmt in T._compiled(template):
        out.append(literal)
        if slot >= 0:
            out.append(fmt(values[slot]))
    return "".join(out)


def _fill_zh(site: Any, vocab: T.Vocabulary, values: Sequence[Any]) -> str:
    out = []
    for literal, slot, fmt in T._zh_parts(site, vocab):
        out.append(literal)
        if slot < 0:
            continue
        if fmt is T._bool:
            out.append("是" if values[slot] else "否")
        elif fmt is str and site.kind in ("skip", "check") and isinstance(values[slot], str):
            out.append(T.zh_words(values[slot], vocab))
        else:
            out.append(fmt(values[slot]))
    return "".join(out)


def reference_steps(meta: PolicyMeta, records: Sequence[tuple[int, tuple[Any, ...]]]) -> list[T.Step]:
    """The steps as render_steps formatted them before it planned per site."""
    params: dict[str, T.Input] = {}
    steps: list[T.Step] = []
    vocab = T.vocabulary(meta)
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
                citation_en = ""
                start = ""
            if row >= 0:
                row_keys = rows[row][0]
            if ex_name is not None or row_keys is not None:
                names = (ex_zh, ex_en) if ex_name else ("", "")
                branch, branch_zh = (T._branch(lang, ex_name, *names, row_keys) for lang in ("en", "zh"))
            if rows:
                entry = rows[max(row, 0)]
                line = end_line = entry[1]
                file = entry[2] if len(entry) > 2 else meta.file
            params[info.name] = T.Input(info.name, info.zh, info.en, T.fmt_value(value, info.type),
                                        start or None, branch, branch_zh, ex_name, row_keys)
            inputs = (params[info.name],)
        construct = CONSTRUCTS[site.construct]
        named = construct.named(values)
        if construct is CONSTRUCTS["parameter"]:
            named = {**named, "value": T._JSON[info.type](value)}
        claim_line = named["line"] if site.kind == "classify" else None
        result = T.fmt_value(values[site.result], site.result_code) if site.result >= 0 else None
        steps.append(T.Step(
            index=len(steps), rule=site.rule, kind=site.kind, zh=T.zh_label(site, vocab), en=site.en,
            citation=citation, file=file, line=line, end_line=end_line,
            formula=_fill(site.template, values), formula_zh=_fill_zh(site, vocab, values),
            result=result, inputs=inputs,
            claim_line=claim_line, construct=site.construct, layer=site.layer, values=named,
            ordinal=site.ordinal, citation_en=citation_en, subject=site.subject,
        ))
    return steps


@cache
def bundled(name: str) -> Policy:
    return load_policy(ROOT / "policies" / name)


def _assert_same(policy: Policy, claims: Sequence[dict[str, Any]]) -> int:
    """Every traced settlement's steps equal the reference's, field by field and in type."""
    compared = 0
    for data in claims:
        s = policy.settle(data, trace=True)
        got, want = s.trace, reference_steps(s.meta, s.records)
        assert [type(x) for x in got] == [T.Step] * len(want)
        assert [list(x) for x in got] == [list(x) for x in want], data.get("id")
        assert [x.to_dict() for x in got] == [x.to_dict() for x in want]
        compared += len(got)
    return compared


def test_every_bundled_policy_formats_its_steps_as_the_reference() -> None:
    for name in BUNDLED:
        policy = bundled(name)
        assert _assert_same(policy, sample_policy_claims(policy, 30, 5)) > 0, name


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), name=st.sampled_from(BUNDLED))
def test_planned_formatting_equals_the_reference(seed: int, name: str) -> None:
    """Property: for any sample of any bundled policy's claims, the same steps as formatted afresh."""
    policy = bundled(name)
    _assert_same(policy, sample_policy_claims(policy, 8, seed))


def test_a_cached_parameter_step_is_not_shared() -> None:
    """Two settlements of one claim reuse a parameter's formatting, not its step's values."""
    policy = bundled("jiujiang/resident_inpatient.yb")
    data = sample_policy_claims(policy, 1, 1)[0]
    a, b = (policy.settle(data, trace=True).trace for _ in range(2))
    assert a == b
    pa, pb = (next(x for x in steps if x.kind == "parameter") for steps in (a, b))
    assert pa.values is not pb.values
    pa.values["value"] = "changed"  # type: ignore[index]
    assert policy.settle(data, trace=True).trace == b


def test_a_step_maker_compiles_no_policy_text() -> None:
    """The source of every site's step maker holds record positions, names made in trace.py and the
    construct's field names; every label, formula and citation is an object in its namespace."""
    allowed = {"def", "make", "i", "v", "inputs", "if", "len", "raise", "ValueError", "return", "new",
               "Step", "EN", "ZH", "None", *(f"K_{field}" for field in T.Step._fields)}
    fields = {n for c in CONSTRUCTS.values() for n in c.names}
    seen = 0
    for name in BUNDLED:
        meta = bundled(name).meta
        plan = T._PolicyPlan(meta)
        for site_id in range(len(meta.sites)):
            source = plan.site(site_id).source
            keys = re.findall(r"'([a-z_]+)': v\[\d+\]", source)
            assert set(keys) <= fields, source
            rest = re.sub(r"'[a-z_]+': ", "", source)
            assert "'" not in rest and '"' not in rest and "#" not in rest, source
            words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rest))
            assert words <= allowed | {w for w in words if re.fullmatch(r"F?x\d+", w)}, words - allowed
            seen += 1
    assert seen > 100
