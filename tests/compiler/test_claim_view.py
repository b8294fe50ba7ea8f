"""settle(dict) through the fast accept path: the same Settlement, figure for figure, as settling the
full validator's Claim.

``Policy.settle`` of a dict settles the ``Claim`` the C reader fills (``Policy.read_claim``); the
Python check fills a ``ClaimView``, which ``settle`` settles as well (where the extension is not
built), building the ``Claim`` only when somebody reads ``settlement.claim`` or its lines. Every
test compares against the path users had before: the full validator's ``Claim`` settled by
``settle_fast``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import pickle
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yibao.compiler import claim_reader
from yibao.compiler.claim_view import ClaimView, LineView, PackedLines, to_claim
from yibao.compiler.claims import Claim, Line
from yibao.compiler.json_input import decode_json
from yibao.dsl.errors import ClaimError, SettlementError

import yibao
from yibao.fuzzing import load_corpus, make_mutant
from yibao.sampling import sample_policy_claims

from .test_claims import good_claim, jiujiang


@functools.cache
def _bundled() -> dict[str, yibao.Policy]:
    corpus = load_corpus()
    return {name: yibao.load_policy(corpus.root / name) for name in sorted(set(corpus.claim_policy.values()))}


def _figures(s: yibao.Settlement) -> dict[str, Any]:
    """Everything a Settlement says, each line's share included."""
    return {"total": s.total_fen, "out": s.out_of_scope_fen, "fsp": s.first_self_pay_fen,
            "in": s.in_scope_fen, "payers": s.payer_fen, "person": s.person_fen, "ytd": s.ytd,
            "checks": s.check_results,
            "json": s.to_dict(lines=True), "lines": s.lines, "claim": s.claim, "repr": repr(s)}


def _same_as_before(policy: yibao.Policy, data: dict[str, Any], *, viewed: bool = False) -> None:
    settled = policy.settle(data)
    before = policy.settle_fast(policy.full_claim(data))
    if viewed:  # read by the fast path (in C, the Claim itself); its view settled as well
        assert type(settled._claim) is Claim
        # a policy with line rules: the lines left flat by the C reader until first read (read_sums)
        packed = getattr(policy.module, "LINE_RULES", None) is not None and claim_reader.available()
        assert (type(settled._claim.lines) is PackedLines) == packed
        assert settled.claim == before.claim
        view = policy.fast_view(data) if policy.fast_view is not None else None
        assert view is not None
        of_view = policy.module.settle(view)
        assert type(of_view._claim) is ClaimView
        assert _figures(of_view) == _figures(before)
    assert _figures(settled) == _figures(before)
    assert type(settled.claim) is Claim and all(type(ln) is Line for ln in settled.claim.lines)


def test_the_view_becomes_the_claim_the_full_path_returns() -> None:
    data = good_claim()
    view = jiujiang().fast_view(data)
    assert type(view) is ClaimView and all(type(ln) is LineView for ln in view.lines)
    claim = to_claim(view)
    full = jiujiang().full_claim(data)
    assert claim == full and repr(claim) == repr(full) and claim.raw is data
    assert pickle.loads(pickle.dumps(claim)) == claim
    assert dataclasses.replace(claim, id="T-2") == dataclasses.replace(full, id="T-2")
    assert copy.deepcopy(claim) == full
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.id = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.lines[0].amount = 1  # type: ignore[misc]


def test_the_claim_is_built_only_when_it_is_read() -> None:
    view = jiujiang().fast_view(good_claim())  # type: ignore[misc]
    s = jiujiang().module.settle(view)  # what settle(dict) does where the C reader is not built
    out = s.to_dict()  # id, date and year are the view's
    assert out["claim"] == "T-0001" and out["year_to_date"]["year"] == 2024
    assert type(s._claim) is ClaimView  # what this test is about
    assert s.claim is s.claim and type(s._claim) is Claim
    traced = jiujiang().settle(good_claim(), trace=True)  # the traced path settles the Claim itself
    assert type(traced._claim) is Claim


def test_settle_of_a_dict_equals_settling_the_validated_claim_for_every_bundled_policy() -> None:
    for name, policy in _bundled().items():
        if policy.fast_view is None:
            continue
        for data in sample_policy_claims(policy, 25, 5):
            assert policy.fast_view(data) is not None, name
            _same_as_before(policy, data, viewed=True)


def test_a_claim_the_fast_path_declines_is_settled_or_refused_as_before() -> None:
    data = good_claim()
    data["lines"][0]["amount"] = "1200"  # a form the fast path leaves to the full one
    assert jiujiang().fast_view(data) is None
    _same_as_before(jiujiang(), data)
    data["lines"][0]["amount"] = "12.345"
    with pytest.raises(ClaimError):
        jiujiang().settle(data)


_DIVIDE = """\
policy demo.divide "除法" / "division"
  effective 2020-01-01

source doc "文件" / "document"

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> in scope
  category C -> out of scope

layer basic "统筹" / "basic"
  cite doc
  deductible 1000.00 / person.age per visit
  rate 50%
"""


def test_a_settlement_error_is_raised_from_the_claim_with_its_policy_line() -> None:
    policy = yibao.compile_policy(_DIVIDE, "divide.yb")
    data = {"id": "zero-age", "date": "2024-01-01", "person": {"id": "p", "scheme": "resident", "age": 0},
            "visit": {"kind": "inpatient", "level": "1", "region": "local"},
            "lines": [{"code": "a", "category": "A", "amount": "10.00"}]}
    assert policy.fast_view is not None and policy.fast_view(data) is not None
    with pytest.raises(SettlementError) as fast:
        policy.settle(data)
    with pytest.raises(SettlementError) as full:
        policy.settle(policy.full_claim(data))
    assert str(fast.value) == str(full.value)
    assert str(fast.value).startswith("divide.yb:14: error while settling claim zero-age")


@given(index=st.integers(min_value=0, max_value=2**31))
@settings(deadline=None, max_examples=120, database=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_claims_settle_as_their_validated_claims_do(index: int) -> None:
    corpus = load_corpus()
    mutant = make_mutant("claim", 11, index, corpus, heavy=False)
    policy = _bundled().get(corpus.claim_policy.get(mutant.origin, ""))
    if policy is None or policy.fast_view is None:
        return
    try:
        data = decode_json(mutant.data)
    except ClaimError:
        return
    if type(data) is not dict:
        return
    try:
        claim = policy.full_claim(data)
    except ClaimError as err:
        with pytest.raises(ClaimError) as api:
            policy.settle(data)
        assert api.value.issues == err.issues, json.dumps(data, ensure_ascii=False, default=str)[:300]
        return
    try:
        before = _figures(policy.settle_fast(claim))
    except Exception:  # the policy cannot settle it: settle(dict) says so, located
        with pytest.raises(SettlementError):
            policy.settle(data)
        return
    assert _figures(policy.settle(data)) == before, json.dumps(data, ensure_ascii=False, default=str)[:300]


def test_without_the_extension_settle_of_a_dict_settles_the_python_check_s_view(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that could not compile the C reader: ``read_claim`` is None, ``settle`` and ``claim``
    of a dict go through the generated Python check, and say the same."""
    from yibao.compiler import claim_reader

    monkeypatch.setattr(claim_reader, "C", None)
    policy = yibao.load_policy(jiujiang().ast.path)
    assert policy.read_claim is None and policy.read_view is policy.fast_view
    for data in sample_policy_claims(policy, 20, 3):
        settled = policy.settle(data)
        assert type(settled._claim) is ClaimView
        _same_as_before(policy, data)
        assert policy.claim(data) == policy.full_claim(data)
