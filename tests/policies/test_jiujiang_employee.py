"""Jiujiang employee inpatient (001, 二(三)二 and 四(二)三): figures worked by hand, and snapshots.

The rates are 001's; the deductibles (300 / 600 / 900 in the city, 1,200 referred and
1,500 not referred outside it), the 200,000.00 cap and the 10% category-B share are the
policy's assumptions.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import yibao
from yibao.testing import each_claim

from ..conftest import POLICIES, ROOT

pytest_plugins = ["yibao.testing"]

CLAIMS = POLICIES / "jiujiang" / "claims" / "employee_inpatient"


@pytest.fixture(scope="module")
def jiujiang_employee():
    return yibao.load_policy(POLICIES / "jiujiang" / "employee_inpatient.yb")


def claim(level, region, referral, lines, ytd=None, date="2024-04-01"):
    return {
        "id": f"hand-{level}-{region}-{referral}",
        "date": date,
        "person": {"id": "p1", "scheme": "employee", "category": "normal"},
        "visit": {"kind": "inpatient", "level": level, "region": region, "referral": referral},
        "lines": [{"code": f"L{i}", "name": f"line {i}", "category": c, "amount": a}
                  for i, (c, a) in enumerate(lines)],
        "year_to_date": ytd or {},
    }


def test_level1_local_rounds_half_up(jiujiang_employee) -> None:
    s = jiujiang_employee.settle(claim(1, "local", "none", [("A", "2230.50"), ("C", "200.00")]))
    # in scope 2,230.50; deductible 300.00 (level 1, assumed); (2,230.50 − 300) × 95% = 1,833.975 → 1,833.98
    assert s.payers == {"basic": Decimal("1833.98")}
    # person: 200.00 out of scope + 300.00 deductible + 1,930.50 − 1,833.98 = 96.52 → 596.52
    assert s.person == Decimal("596.52")
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_level2_and_level3_local(jiujiang_employee) -> None:
    two = jiujiang_employee.settle(claim(2, "local", "none", [("A", "10000.00")]))
    # level 2: deductible 600.00, 90%: (10,000 − 600) × 90% = 8,460.00
    assert two.payers["basic"] == Decimal("8460.00")
    three = jiujiang_employee.settle(claim(3, "local", "none", [("A", "10000.00")]))
    # level 3: deductible 900.00, 85%: (10,000 − 900) × 85% = 7,735.00
    assert three.payers["basic"] == Decimal("7735.00")
    assert sum(three.payer_fen) + three.person_fen == three.total_fen


def test_primary_level_counts_as_level1(jiujiang_employee) -> None:
    s = jiujiang_employee.settle(claim("primary", "local", "none", [("A", "1300.00")]))
    # township care paid as level 1: (1,300 − 300) × 95% = 950.00
    assert s.payers["basic"] == Decimal("950.00")
    assert s.person == Decimal("350.00")  # 1,300.00 − 950.00


def test_category_b_first_self_pay_level3(jiujiang_employee) -> None:
    s = jiujiang_employee.settle(claim(
        3, "local", "none", [("A", "18000.00"), ("B", "26800.00"), ("B", "1234.56"), ("C", "800.00")]))
    # B first self-pay 10%: 2,680.00 + 123.456 → 123.46 = 2,803.46
    assert s.first_self_pay == Decimal("2803.46")
    # in scope 18,000 + 24,120 + 1,111.10 = 43,231.10; (43,231.10 − 900) × 85% = 35,981.435 → 35,981.44
    assert s.in_scope == Decimal("43231.10")
    assert s.payers["basic"] == Decimal("35981.44")
    assert s.person == Decimal("10853.12")  # 46,834.56 − 35,981.44
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_outside_the_city_referred_and_registered(jiujiang_employee) -> None:
    referred = jiujiang_employee.settle(claim(3, "in_province", "referred", [("A", "20000.00")]))
    # referred to a level-3 hospital outside: deductible 1,200.00 (assumed), 75%: 18,800 × 75% = 14,100.00
    assert referred.payers["basic"] == Decimal("14100.00")
    registered = jiujiang_employee.settle(claim(3, "out_of_province", "registered", [("A", "20000.00")]))
    # registered (备案) counts as referred: the same 14,100.00
    assert registered.payers["basic"] == Decimal("14100.00")


def test_outside_the_city_not_referred(jiujiang_employee) -> None:
    s = jiujiang_employee.settle(claim(3, "in_province", "none", [("A", "15000.00"), ("B", "5000.00")]))
    # first self-pay 500.00; in scope 19,500.00; deductible 1,500.00 (assumed), 60%: 18,000 × 60% = 10,800.00
    assert s.payers["basic"] == Decimal("10800.00")
    assert s.person == Decimal("9200.00")  # 20,000.00 − 10,800.00
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_outside_the_city_level2_paid_as_level3(jiujiang_employee) -> None:
    s = jiujiang_employee.settle(claim(2, "in_province", "referred", [("A", "8000.00")]))
    # assumed: outside the city the level does not matter: (8,000 − 1,200) × 75% = 5,100.00
    assert s.payers["basic"] == Decimal("5100.00")


def test_moving_up_pays_only_the_difference_of_deductibles(jiujiang_employee) -> None:
    s = jiujiang_employee.settle(claim(
        3, "in_province", "referred", [("A", "5000.00")], ytd={"basic.deductible": "300.00"}))
    # 300.00 paid at a level-1 hospital earlier this year; 1,200 − 300 = 900.00 due now
    # (5,000 − 900) × 75% = 3,075.00
    assert s.payers["basic"] == Decimal("3075.00")
    assert s.year_to_date["basic.deductible"] == Decimal("1200.00")


def test_annual_cap(jiujiang_employee) -> None:
    s = jiujiang_employee.settle(claim(
        2, "local", "none", [("A", "28000.00"), ("A", "12000.00"), ("B", "3600.00"), ("C", "1500.00")],
        ytd={"year": 2024, "basic.deductible": "900.00", "basic.paid": "185000.00"}))
    # first self-pay 360.00; in scope 28,000 + 12,000 + 3,240 = 43,240.00
    # deductible: 900.00 already paid ≥ 600.00 → nothing due; 43,240 × 90% = 38,916.00
    # but only 200,000 − 185,000 = 15,000.00 of the annual cap is left
    assert s.in_scope == Decimal("43240.00")
    assert s.payers["basic"] == Decimal("15000.00")
    assert s.year_to_date["basic.paid"] == Decimal("200000.00")
    assert s.person == Decimal("30100.00")  # 45,100.00 − 15,000.00
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_resident_claims_are_not_covered(jiujiang_employee) -> None:
    data = claim(2, "local", "none", [("A", "100.00")])
    data["person"]["scheme"] = "resident"
    with pytest.raises(yibao.ClaimError) as info:
        jiujiang_employee.settle(data)
    assert "does not cover this claim" in str(info.value)


@each_claim(ROOT / CLAIMS, policy=ROOT / POLICIES / "jiujiang" / "employee_inpatient.yb")
def test_sample_claim_settlement(claim_case, settlement_snapshot) -> None:
    assert claim_case.text() == settlement_snapshot  # yibao.testing also checks payers + person = total
