"""Jiujiang internet (remote) follow-up visit, item 1110200002 (001, 二(二)): hand figures, snapshots.

A fixed payment per visit: 13.00 at level 3, 9.00 at level 2, never more than the in-scope cost;
level-1 and primary-level visits are assumed not to be paid.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import yibao
from yibao.testing import each_claim

from ..conftest import POLICIES, ROOT

pytest_plugins = ["yibao.testing"]

CLAIMS = POLICIES / "jiujiang" / "claims" / "remote_followup"


@pytest.fixture(scope="module")
def jiujiang_followup():
    return yibao.load_policy(POLICIES / "jiujiang" / "remote_followup.yb")


def claim(level, lines, scheme="employee", region="local", date="2024-04-01"):
    return {
        "id": f"hand-{level}-{scheme}",
        "date": date,
        "person": {"id": "p1", "scheme": scheme, "category": "normal"},
        "visit": {"kind": "remote_followup", "level": level, "region": region},
        "lines": [{"code": "1110200002" if c != "C" else f"C{i}", "name": f"line {i}", "category": c,
                   "amount": a} for i, (c, a) in enumerate(lines)],
    }


def test_level3_pays_13(jiujiang_followup) -> None:
    s = jiujiang_followup.settle(claim(3, [("A", "20.00")]))
    # fixed 13.00 per visit at level 3; the person pays 20.00 − 13.00 = 7.00
    assert s.payers == {"basic": Decimal("13.00")}
    assert s.person == Decimal("7.00")
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_level2_pays_9_for_residents_too(jiujiang_followup) -> None:
    s = jiujiang_followup.settle(claim(2, [("A", "15.00")], scheme="resident"))
    # fixed 9.00 per visit at level 2, whatever the scheme; the person pays 15.00 − 9.00 = 6.00
    assert s.payers["basic"] == Decimal("9.00")
    assert s.person == Decimal("6.00")
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_never_more_than_the_in_scope_cost(jiujiang_followup) -> None:
    s = jiujiang_followup.settle(claim(2, [("A", "8.00"), ("C", "5.00")], scheme="resident"))
    # the fixed 9.00 is limited to the 8.00 in-scope fee; the 5.00 category-C charge is the person's
    assert s.payers["basic"] == Decimal("8.00")
    assert s.person == Decimal("5.00")  # 13.00 − 8.00
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_category_b_first_self_pay_limits_the_payment(jiujiang_followup) -> None:
    s = jiujiang_followup.settle(claim(3, [("B", "14.00")]))
    # first self-pay 14.00 × 10% = 1.40; in scope 12.60 < 13.00: the fund pays 12.60
    assert s.payers["basic"] == Decimal("12.60")
    assert s.person == Decimal("1.40")


def test_outside_the_city_paid_the_same(jiujiang_followup) -> None:
    s = jiujiang_followup.settle(claim(3, [("A", "30.00")], region="out_of_province"))
    # assumed: no difference by region: 13.00
    assert s.payers["basic"] == Decimal("13.00")


@pytest.mark.parametrize("level", [1, "primary"])
def test_lower_levels_are_not_paid(jiujiang_followup, level) -> None:
    s = jiujiang_followup.settle(claim(level, [("A", "10.00")]), trace=True)
    # assumed: 001 names only levels 2 and 3; the person pays the whole 10.00
    assert s.payers["basic"] == Decimal("0.00")
    assert s.person == Decimal("10.00")
    assert any(step.kind == "skip" for step in s.trace)


def test_inpatient_claims_are_not_covered(jiujiang_followup) -> None:
    data = claim(3, [("A", "20.00")])
    data["visit"]["kind"] = "inpatient"
    with pytest.raises(yibao.ClaimError):
        jiujiang_followup.settle(data)


@each_claim(ROOT / CLAIMS, policy=ROOT / POLICIES / "jiujiang" / "remote_followup.yb")
def test_sample_claim_settlement(claim_case, settlement_snapshot) -> None:
    assert claim_case.text() == settlement_snapshot  # yibao.testing also checks payers + person = total
