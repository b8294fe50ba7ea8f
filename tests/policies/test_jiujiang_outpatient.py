"""Jiujiang resident outpatient pooling (001, 二(三)三): figures worked by hand, and snapshots.

Three channels, first match wins: township / village clinics in the city 65%; hypertension or
diabetes at a county-level (level-2) hospital 50%; the county TCM hospital, TCM lines only, 40%.
The 300.00 annual fund limit and the 10% category-B share are the policy's assumptions.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import yibao
from yibao.testing import each_claim

from ..conftest import POLICIES, ROOT

pytest_plugins = ["yibao.testing"]

CLAIMS = POLICIES / "jiujiang" / "claims" / "resident_outpatient"


@pytest.fixture(scope="module")
def jiujiang_outpatient():
    return yibao.load_policy(POLICIES / "jiujiang" / "resident_outpatient.yb")


def claim(level, facility, lines, diseases=(), region="local", ytd=None, date="2024-04-01"):
    """``lines`` are (category, amount) or (category, amount, class)."""
    return {
        "id": f"hand-{level}-{facility}",
        "date": date,
        "person": {"id": "p1", "scheme": "resident", "category": "normal"},
        "visit": {"kind": "outpatient", "level": level, "facility": facility, "region": region,
                  "diseases": list(diseases)},
        "lines": [{"code": f"L{i}", "name": f"line {i}", "category": line[0], "amount": line[1],
                   **({"class": line[2]} if len(line) > 2 else {})}
                  for i, line in enumerate(lines)],
        "year_to_date": ytd or {},
    }


def test_village_clinic(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim(
        "primary", "village", [("A", "10.00"), ("A", "18.60"), ("B", "12.50")]))
    # B first self-pay 12.50 × 10% = 1.25; in scope 39.85; × 65% = 25.9025 → 25.90 (no deductible)
    assert s.first_self_pay == Decimal("1.25")
    assert s.payers == {"basic": Decimal("25.90")}
    assert s.person == Decimal("15.20")  # 41.10 − 25.90
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_township_clinic_reaches_the_annual_limit(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim(
        "primary", "township", [("A", "45.00"), ("A", "120.00")], ytd={"year": 2024, "basic.paid": "280.00"}))
    # 165.00 × 65% = 107.25, but only 300.00 − 280.00 = 20.00 of the year's limit is left
    assert s.payers["basic"] == Decimal("20.00")
    assert s.year_to_date["basic.paid"] == Decimal("300.00")
    assert s.person == Decimal("145.00")  # 165.00 − 20.00
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_county_tcm_hospital_pays_tcm_lines_only(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim(2, "tcm", [
        ("A", "60.00", "tcm"), ("B", "150.00", "tcm"), ("A", "40.00", "tcm"),
        ("A", "280.00"), ("A", "25.00")]))
    # CT 280.00 and blood count 25.00 are not TCM treatment: out of scope, 305.00
    # TCM: 60.00 + (150.00 − 15.00 first self-pay) + 40.00 = 235.00 in scope; × 40% = 94.00
    assert s.out_of_scope == Decimal("305.00")
    assert s.in_scope == Decimal("235.00")
    assert s.payers["basic"] == Decimal("94.00")
    assert s.person == Decimal("461.00")  # 555.00 − 94.00
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_diabetes_at_a_county_hospital(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim(
        2, "general", [("A", "86.40"), ("A", "12.00"), ("A", "60.00"), ("B", "156.00")],
        diseases=["diabetes"]))
    # first self-pay 15.60; in scope 86.40 + 12.00 + 60.00 + 140.40 = 298.80; × 50% = 149.40
    assert s.in_scope == Decimal("298.80")
    assert s.payers["basic"] == Decimal("149.40")
    assert s.person == Decimal("165.00")  # 314.40 − 149.40
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


def test_two_diseases_win_over_tcm_at_the_county_tcm_hospital(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim(2, "tcm", [
        ("A", "60.00", "tcm"), ("A", "45.00"), ("A", "30.00"), ("B", "100.00", "tcm")],
        diseases=["hypertension", "diabetes"]))
    # paid as a two-disease visit: every line in scope, not only TCM: 60 + 45 + 30 + 90 = 225.00
    # × 50% (not 40%) = 112.50
    assert s.out_of_scope == Decimal("0.00")
    assert s.in_scope == Decimal("225.00")
    assert s.payers["basic"] == Decimal("112.50")
    assert s.person == Decimal("122.50")  # 235.00 − 112.50


def test_hypertension_alone_is_enough(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim(2, "general", [("A", "100.00")], diseases=["hypertension"]))
    # 100.00 × 50% = 50.00
    assert s.payers["basic"] == Decimal("50.00")


def test_township_clinic_wins_over_the_two_diseases(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim("primary", "township", [("A", "100.00")], diseases=["diabetes"]))
    # a diabetic at the township clinic is paid the clinic's 65%, not 50%: 65.00
    assert s.payers["basic"] == Decimal("65.00")


def test_community_health_station_counts_as_village_clinic(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim(1, "community", [("A", "80.00")]))
    # assumed: 社区卫生服务站 in the same tier as 村卫生室: 80.00 × 65% = 52.00
    assert s.payers["basic"] == Decimal("52.00")


def test_limit_is_shared_by_the_channels(jiujiang_outpatient) -> None:
    s = jiujiang_outpatient.settle(claim(
        2, "general", [("A", "298.80")], diseases=["diabetes"], ytd={"basic.paid": "250.00"}))
    # 250.00 already paid at the village clinic this year; 298.80 × 50% = 149.40 → 50.00 left
    assert s.payers["basic"] == Decimal("50.00")


@pytest.mark.parametrize(("level", "facility", "region", "diseases"), [
    (3, "general", "local", ["diabetes"]),      # a city (level-3) hospital is not county level
    (2, "general", "local", []),                # county hospital, no two-disease diagnosis
    (3, "tcm", "local", []),                    # a level-3 TCM hospital is not the county TCM hospital
    ("primary", "village", "in_province", []),  # a village clinic outside the city
    (1, "general", "local", []),                # a level-1 hospital that is not a township clinic
])
def test_other_outpatient_care_is_not_covered(jiujiang_outpatient, level, facility, region, diseases) -> None:
    s = jiujiang_outpatient.settle(claim(level, facility, [("A", "236.80")], diseases, region), trace=True)
    # the fund pays nothing: the person pays the whole 236.80
    assert s.payers["basic"] == Decimal("0.00")
    assert s.person == Decimal("236.80")
    assert [step.formula for step in s.trace if step.kind == "skip"] == ["does not apply: covered is false"]


def test_employee_claims_are_not_covered(jiujiang_outpatient) -> None:
    data = claim("primary", "village", [("A", "10.00")])
    data["person"]["scheme"] = "employee"
    with pytest.raises(yibao.ClaimError):
        jiujiang_outpatient.settle(data)


@each_claim(ROOT / CLAIMS, policy=ROOT / POLICIES / "jiujiang" / "resident_outpatient.yb")
def test_sample_claim_settlement(claim_case, settlement_snapshot) -> None:
    assert claim_case.text() == settlement_snapshot  # yibao.testing also checks payers + person = total
