"""``Policy.settle`` with its common case in C, and ``applies when`` tested by the reader.

Where the reader sums a policy's lines, ``policy.settle`` is a ``Settler`` (``_claim_reader.c``):
a dict alone is read and settled without a Python frame; every other call is the method. It must
give what the method gives on every claim, accepted or refused, traced or not, and raise what it
raises. The reader tests a policy's ``applies when`` itself where it is a conjunction of enum
fields compared with members (``claim_reader.coverage``): it must decline exactly the claims that
``applies`` refuses.
"""

from __future__ import annotations

import dataclasses
import gc
import inspect
import itertools
import json
import weakref
from typing import Any

import pytest
from yibao.compiler import claim_reader
from yibao.compiler.loader import Policy
from yibao.dsl.errors import ClaimError

import yibao
from yibao.sampling import sample_policy_claims

from .test_claim_reader import _bundled, policy_scope
from .test_claims import good_claim, jiujiang


def _settled(call: Any, *args: Any, **kwargs: Any) -> Any:
    """What ``call(*args, **kwargs)`` settles to, or the error it raises (its type and text)."""
    try:
        return call(*args, **kwargs).to_dict(trace=True)
    except Exception as err:  # compared, never hidden: both sides must raise the same
        return (type(err).__name__, str(err))


def test_settle_is_the_settler_and_gives_what_the_method_gives() -> None:
    policies = [p for p in _bundled().values() if p._read_settle is not None]
    assert len(policies) >= 5
    for policy in policies:
        assert type(policy.settle).__name__ == "Settler"
        assert inspect.signature(policy.settle) == inspect.signature(Policy.settle.__get__(policy))
        assert policy.settle.__doc__ == Policy.settle.__doc__
        assert repr(policy.settle) == repr(Policy.settle.__get__(policy))
        for data in sample_policy_claims(policy, 40, 7):
            want = _settled(Policy.settle, policy, data)
            assert _settled(policy.settle, data) == want
            assert _settled(policy.settle, policy.full_claim(data)) == want
            assert _settled(policy.settle, json.dumps(data), source="c.json") == want
            traced = policy.settle(data, trace=True)
            assert traced.to_dict(trace=True) == Policy.settle(policy, data, trace=True).to_dict(trace=True)
            assert traced.trace


def test_a_refused_claim_raises_what_the_method_raises() -> None:
    policy = jiujiang()
    for bad in ({"id": "x"}, {**good_claim(), "visit": {**good_claim()["visit"], "kind": "outpatient"}},
                {**good_claim(), "lines": []}, []):
        with pytest.raises(ClaimError) as fast:
            policy.settle(bad)
        with pytest.raises(ClaimError) as method:
            Policy.settle(policy, bad)
        assert str(fast.value) == str(method.value) and fast.value.issues == method.value.issues


def test_a_settlement_that_raises_is_the_methods_and_an_interrupt_propagates() -> None:
    policy = jiujiang()
    assert policy.read_claim is not None
    calls: list[Any] = []

    def method(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return "method"

    def broken(claim: Any, out_of_scope: int, first_self_pay: int) -> Any:
        raise ZeroDivisionError("division by zero")

    def interrupted(claim: Any, out_of_scope: int, first_self_pay: int) -> Any:
        raise KeyboardInterrupt

    assert claim_reader.settler(policy.read_claim, broken, method)(good_claim()) == "method"
    assert calls == [((good_claim(),), {})]
    with pytest.raises(KeyboardInterrupt):
        claim_reader.settler(policy.read_claim, interrupted, method)(good_claim())
    calls.clear()
    settler = claim_reader.settler(policy.read_claim, policy.module.settle_sums, method)
    assert settler(good_claim()).person_fen == policy.settle(good_claim()).person_fen and calls == []
    assert settler(good_claim(), True) == "method" and settler(good_claim(), source="s") == "method"
    assert settler(json.dumps(good_claim())) == "method" and settler() == "method"
    assert len(calls) == 4
    with pytest.raises(TypeError):
        claim_reader.settler(policy.read_claim, 1, method)  # type: ignore[arg-type]


def test_a_subclass_keeps_its_own_settle() -> None:
    class Counted(Policy):
        def settle(self, claim: Any, trace: bool = False, *, source: str | None = None) -> Any:
            return ("counted", super().settle(claim, trace, source=source).person_fen)

    base = jiujiang()
    counted = Counted(base.checked, base.generated)
    assert "settle" not in vars(counted)
    assert counted.settle(good_claim()) == ("counted", base.settle(good_claim()).person_fen)


def test_a_policy_with_its_settler_is_collected() -> None:
    policy = yibao.load_policy(jiujiang().ast.path)
    assert type(policy.settle).__name__ == "Settler"
    gone = weakref.ref(policy)
    del policy
    gc.collect()
    assert gone() is None


def test_the_reader_declines_what_applies_refuses() -> None:
    """Every bundled claim policy whose `applies when` the reader tests in C: over every combination
    of the values of the fields it names, the reader with the conjuncts and the reader calling
    ``applies`` accept and decline the same claims, and read the same."""
    tested = 0
    for name, policy in _bundled().items():
        scope = policy_scope(policy)
        cover = claim_reader.coverage(scope)
        if cover is None:
            continue
        tested += 1
        in_c = claim_reader.build_claims(scope, {})
        calling = claim_reader.build_claims(policy_scope(policy, applies_when=False), {})
        unchecked = claim_reader.build_claims(  # reads every claim, covered or not, to ask ``applies``
            dataclasses.replace(policy_scope(policy, applies_when=False), applies=lambda c: True), {})
        assert in_c is not None and calling is not None and unchecked is not None
        base = sample_policy_claims(policy, 1, 3)[0]
        fields = {"person.scheme": ("person", "scheme"), "person.category": ("person", "category"),
                  "visit.kind": ("visit", "kind")}
        named = list(fields)
        seen = set()
        for values in itertools.product(*(scope.enums[f] for f in named)):
            data = json.loads(json.dumps(base))
            for f, v in zip(named, values, strict=True):
                obj, key = fields[f]
                data[obj][key] = v
            got, want = in_c.read(data), calling.read(data)  # type: ignore[attr-defined]
            assert got == want, (name, values)
            seen.add(got is None)
            assert (got is not None) == policy._applies(unchecked.read(data)), (name, values)  # type: ignore[attr-defined]
        assert seen == {True, False}, name
    assert tested >= 10


def test_conditions_the_reader_leaves_to_applies() -> None:
    two = next(p for n, p in _bundled().items() if "two_diseases" in n)
    assert claim_reader.coverage(policy_scope(two)) is None  # a disease `in` a visit's list: applies
    assert type(two.read_claim).__name__ == "Reader"
