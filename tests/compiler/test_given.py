"""`given` layers: an upstream payer's amount as input (``paid.<layer>``), checked, never capped."""

from __future__ import annotations

from typing import Any

import pytest
from yibao.compiler.loader import compile_policy
from yibao.dsl.errors import ClaimError, PolicyError, SettlementError

import yibao

from ..conftest import POLICIES

EXAMPLE = POLICIES / "examples" / "assistance_on_platform_results.yb"

POLICY = """\
policy t.given "测试" / "test"
  effective 2024-01-01

source doc "文件" / "document"

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> in scope
  category C -> out of scope

layer basic "基本医保" / "basic insurance"
  cite doc
  given

layer assistance "医疗救助" / "medical assistance"
  cite doc
  base remaining
  rate 50%
"""


def _claim(amount: str = "1000.00", paid: Any = None, **extra: Any) -> dict[str, Any]:
    claim = {"id": "c1", "date": "2024-03-01", "person": {"id": "p1", "scheme": "resident"},
             "visit": {"kind": "inpatient", "level": 3, "region": "local"},
             "lines": [{"code": "x", "category": "A", "amount": amount}], **extra}
    if paid is not None:
        claim["paid"] = paid
    return claim


@pytest.fixture(scope="module")
def policy() -> yibao.Policy:
    return compile_policy(POLICY, "given.yb")


def test_fast_and_traced_agree_and_balance(policy: yibao.Policy) -> None:
    # basic 600.00 given; remaining 1,000.00 − 600.00 = 400.00 × 50% = 200.00; person 200.00
    claim = _claim(paid={"basic": "600.00"})
    fast, traced = policy.settle(claim), policy.settle(claim, trace=True)
    assert fast.payer_fen == traced.payer_fen == (60000, 20000)
    assert fast.person_fen == traced.person_fen == 20000
    assert sum(fast.payer_fen) + fast.person_fen == fast.total_fen
    given = next(s for s in traced.trace if s.construct == "given")
    assert given.layer == "basic" and given.rule == "basic.given"
    assert given.values == {"given": 60000, "unpaid": 100000, "pay": 60000}
    assert traced.to_dict()["layers"]["basic"]["given"] == "600.00"


def test_the_example_policy_settles_the_platform_figures() -> None:
    # 31,000.00 total, 30,000.00 in scope; 30,000.00 − 12,345.00 − 6,789.10 = 10,865.90 × 70% = 7,606.13
    policy = yibao.load_policy(EXAMPLE)
    claim = _claim("30000.00", {"basic": "12345.00", "critical": "6789.10"},
                   person={"id": "p1", "scheme": "resident", "category": "poverty"})
    claim["lines"].append({"code": "c", "category": "C", "amount": "1000.00"})
    for trace in (False, True):
        s = policy.settle(claim, trace=trace)
        assert s.payer_fen == (1234500, 678910, 760613)
        assert s.person_fen == 425977
        assert sum(s.payer_fen) + s.person_fen == s.total_fen == 3100000


def test_more_than_remains_fails_at_the_layer_naming_both_figures(policy: yibao.Policy) -> None:
    for trace in (False, True):
        with pytest.raises(SettlementError) as err:
            policy.settle(_claim(paid={"basic": "1000.01"}), trace=trace)
        text = str(err.value)
        assert "given.yb:14:" in text
        assert ("`basic` paid 1,000.01 (paid.basic in the claim), more than the 1,000.00 "
                "of the claim's total") in text


def test_all_of_it_given_leaves_nothing(policy: yibao.Policy) -> None:
    s = policy.settle(_claim(paid={"basic": "1000.00"}))
    assert s.payer_fen == (100000, 0) and s.person_fen == 0


@pytest.mark.parametrize(("paid", "issues"), [
    (None, {"paid.basic": "required: this policy takes what `basic` paid from the claim"}),
    ({"basic": "1.234"}, {"paid.basic": "more than two decimals (fen): '1.234'"}),
    ({"basic": "-1.00"}, {"paid.basic": "must not be negative"}),
    ({"basic": "１.00"}, {"paid.basic": "'１.00' is not an amount; write yuan as a decimal string such as "
                                        "\"1234.50\""}),
    ({"basic": "10000000000.00"}, {"paid.basic": "'10000000000.00' is more than the limit of "
                                                 "9999999999.99"}),
    ({"basic": "1.00", "basc": "1.00"}, {"paid.basc": "not a layer of this policy; did you mean `basic`?"}),
    ({"basic": "1.00", "assistance": "1.00"},
     {"paid.assistance": "`assistance` is computed by this policy, not given"}),
    ([], {"paid": "must be an object of layer → amount it paid"}),
])
def test_bad_paid_is_refused_at_its_path(policy: yibao.Policy, paid: Any, issues: dict[str, str]) -> None:
    with pytest.raises(ClaimError) as err:
        policy.claim(_claim(paid=paid))
    assert {i.path: i.message for i in err.value.issues} == issues


def test_a_policy_without_given_layers_refuses_paid() -> None:
    policy = compile_policy(POLICY.replace("  given\n", "  rate 80%\n"), "computed.yb")
    with pytest.raises(ClaimError) as err:
        policy.claim(_claim(paid={"basic": "1.00"}))
    assert [(i.path, i.message) for i in err.value.issues] == [
        ("paid.basic", "`basic` is computed by this policy, not given")]
    assert not hasattr(policy.module, "GIVEN")  # its module is as it was: no `paid` read


def test_settle_many_carries_the_given_layer_s_paid(policy: yibao.Policy) -> None:
    first = _claim(paid={"basic": "600.00"})
    second = {**_claim("2000.00", {"basic": "1500.00"}), "id": "c2", "date": "2024-06-01"}
    a, b = policy.settle_many([second, first])
    assert a.ytd["basic.paid"] == 60000 and a.ytd["assistance.paid"] == 20000
    assert b.ytd["basic.paid"] == 60000 + 150000
    assert b.payer_fen == (150000, 25000)  # (2,000.00 − 1,500.00) × 50%


def _diagnostics(text: str) -> list[str]:
    with pytest.raises(PolicyError) as err:
        compile_policy(text, "bad.yb")
    return [f"{d.span.line}: {d.message}" for d in err.value.diagnostics]


def test_a_given_layer_computes_nothing() -> None:
    bad = POLICY.replace("  given\n", "  when visit.level == 3\n  base in_scope\n"
                                      "  deductible 100.00 per year\n  given\n  rate 50%\n"
                                      "  cap 10.00 per year\n")
    found = _diagnostics(bad)
    what = "layer `basic` is `given`"
    assert found == [
        f"14: {what}: whoever paid it already decided whether it applies, so it has no `when`",
        f"15: {what}: its amount is not computed from a base, so it has no `base`",
        f"16: {what}: its limits were applied by whoever paid it, so it has no `deductible`",
        f"18: {what}: the claim says what it paid, so it has no `rate`",
        f"19: {what}: its limits were applied by whoever paid it, so it has no `cap`",
    ]


def test_a_later_rule_reads_only_what_a_given_layer_paid() -> None:
    ok = POLICY.replace("  rate 50%\n", "  rate 50%\n  cap basic.paid + basic.year_paid per visit\n")
    compile_policy(ok, "ok.yb")
    bad = POLICY.replace("  rate 50%\n", "  rate 50%\n  cap basic.eligible per visit\n")
    assert _diagnostics(bad) == [
        "20: layer `basic` is `given`: the claim says only what it paid, not its `eligible`"]


def test_given_is_still_a_name() -> None:
    compile_policy(POLICY.replace("  rate 50%\n", "  rate given\n")
                   + '\nparameter given "比例" / "rate": rate\n  cite doc\n  value 50%\n', "name.yb")
