"""Each construct is defined once: its fields, wording and documentation agree everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from yibao.compiler import phrases
from yibao.compiler.constructs import ACCUMULATORS, CONSTRUCTS, LAYER_RESULTS, record
from yibao.compiler.trace import fmt_value

import yibao

from ..conftest import POLICIES

ROOT = Path(__file__).resolve().parents[2]
LETTER_KINDS = {"layer", "band", "payer", "skip", "check", "person", "note", "amount"}


@pytest.mark.parametrize("name", sorted(CONSTRUCTS))
def test_every_construct_has_its_wording_in_both_languages(name: str) -> None:
    c = CONSTRUCTS[name]
    for lang in ("zh", "en"):
        assert phrases.has(name, "formula", lang)
        if c.kind in LETTER_KINDS:
            assert phrases.has(name, "letter", lang)
        if c.kind in ("layer", "band", "payer", "skip"):
            assert phrases.has(name, "title", lang)
    if c.coverage is not None:
        assert phrases.has(name, "coverage", "en") and phrases.has(name, "coverage", "zh")
    assert {field for _, field in c.breakdown} <= set(c.names)
    assert c.result is None or c.result in c.names


def test_every_phrase_names_only_its_construct_s_fields() -> None:
    extra = {"above"}  # constructs.letter_values adds it for the part above the deductible
    for (name, _role), text in (*phrases.ZH.items(), *phrases.EN.items()):
        if name not in CONSTRUCTS:
            continue
        fields = {m.group(2) for m in phrases._SLOT.finditer(text) if not m.group(1)}
        assert fields <= set(CONSTRUCTS[name].names) | extra, (name, text)


def test_every_construct_is_documented() -> None:
    doc = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    doc = doc[doc.index("### Constructs"):]
    doc = doc[: doc.index("\n### ", 5)]
    for name, c in CONSTRUCTS.items():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{name}` | `{c.kind}` |")), None)
        assert row is not None, f"docs/claims.md has no row for construct {name}"
        for field in c.names:
            assert f"`{field}`" in row, (name, field)


def test_a_record_names_every_field_once() -> None:
    c = CONSTRUCTS["cap_visit"]
    assert record(c, pay="p", cap="c", before_cap="b") == "(b, c, p)"
    with pytest.raises(AssertionError):
        record(c, pay="p", cap="c")
    with pytest.raises(AssertionError):
        record(c, pay="p", cap="c", before_cap="b", extra="x")


def test_accumulators_and_layer_results_are_one_table() -> None:
    keys = ["entered", "deductible", "base", "paid", "month.paid", "quarter.paid"]
    assert [a.key for a in ACCUMULATORS] == keys
    for a in ACCUMULATORS:
        assert LAYER_RESULTS[a.result].accumulator is a
        assert LAYER_RESULTS[a.result].var == a.var


def _bundled() -> list[tuple[Path, list[Path]]]:
    """Each bundled policy with every sample claim of its city (the others' are refused)."""
    return [(policy, sorted((policy.parent / "claims").rglob("*.json")))
            for policy in sorted(POLICIES.glob("*/*.yb"))]


def test_every_bundled_step_reads_as_its_construct() -> None:
    """Traced steps carry their construct's named values, and the formula is its phrase filled in."""
    settled = 0
    for policy_path, claims in _bundled():
        policy = yibao.load_policy(policy_path)
        for claim_path in claims:
            try:
                s = policy.settle(json.loads(claim_path.read_text(encoding="utf-8")), trace=True)
            except yibao.YibaoError:
                continue  # a claim of another policy of the city
            settled += 1
            _check_steps(s.trace)
    assert settled >= 30


def _check_steps(steps: list) -> None:
    for step in steps:
        c = CONSTRUCTS[step.construct]
        assert step.kind == c.kind
        assert tuple(step.values) == c.names
        if c.part:
            assert step.rule == (f"{step.layer}.band{step.ordinal}" if c.kind == "band"
                                 else f"{step.layer}.{c.part}")
        if "{@" not in phrases.phrase(c.name, "formula", "en"):
            codes = dict(c.fields)
            text = phrases.fill(phrases.phrase(c.name, "formula", "en"), step.values,
                                lambda k, v, codes=codes: fmt_value(v, codes[k]))
            assert text == step.formula
