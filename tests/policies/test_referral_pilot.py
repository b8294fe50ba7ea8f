"""Referral pilot (000): care outside the city, worked by hand, and snapshots of the sample claims."""

from __future__ import annotations

from decimal import Decimal

import pytest

import yibao
from yibao.testing import each_claim

from ..conftest import POLICIES, ROOT

pytest_plugins = ["yibao.testing"]

CLAIMS = POLICIES / "referral_pilot" / "claims" / "out_of_area"


@pytest.fixture(scope="module")
def out_of_area() -> yibao.Policy:
    return yibao.load_policy(POLICIES / "referral_pilot" / "out_of_area.yb")


def claim(lines, *, level=3, region="local", referral="none", category="normal", ytd=None):
    return {
        "id": f"hand-{level}-{region}-{referral}",
        "date": "2024-05-01",
        "person": {"id": "341502196303072214", "scheme": "resident", "category": category},
        "visit": {"kind": "inpatient", "level": level, "region": region, "referral": referral},
        "lines": [{"code": f"L{i}", "name": f"line {i}", "category": c, "amount": a}
                  for i, (c, a) in enumerate(lines)],
        "year_to_date": ytd or {},
    }


def settle(policy: yibao.Policy, data: dict) -> yibao.Settlement:
    s = policy.settle(data, trace=True)
    assert sum(s.payer_fen) + s.person_fen == s.total_fen
    return s


def inputs(s: yibao.Settlement) -> dict[str, str]:
    return {i.name: i.value for step in s.trace for i in step.inputs}


def bands(s: yibao.Settlement) -> list[str]:
    return [step.formula for step in s.trace if step.kind == "band"]


def test_in_the_city_nothing_is_lowered(out_of_area) -> None:
    s = settle(out_of_area, claim([("A", "50000.00")]))
    assert inputs(s)["rate"] == "60%" and inputs(s)["factor"] == "100%"
    # basic: (50,000 − 1,000) × 60% = 29,400.00; remaining 20,600.00
    # critical: (20,600 − 15,000) × 60% × 100% = 3,360.00; assistance: not a low-income person
    assert s.payers == {"basic": Decimal("29400.00"), "critical": Decimal("3360.00"),
                        "assistance": Decimal("0.00")}
    assert s.person == Decimal("17240.00")  # 50,000 − 29,400 − 3,360


def test_referred_inside_the_province_lowers_both_in_the_same_proportion(out_of_area) -> None:
    s = settle(out_of_area, claim([("A", "80000.00")], region="in_province", referral="referred",
                                  category="poverty"))
    # level 3: 60% − 10 points = 50%; factor 50% / 60% = 83.3333%
    assert inputs(s)["rate"] == "50%" and inputs(s)["factor"] == "83.3333%"
    # basic: (80,000 − 1,000) × 50% = 39,500.00; remaining 40,500.00
    # critical: 60% × 83.3333% = 49.99998% → 50% (to a millionth): (40,500 − 15,000) × 50% = 12,750.00
    assert bands(s) == [
        "slice 0.00 to 15,000.00 of the year's base: 15,000.00 × 0% = 0.00",
        "slice 15,000.00 to 40,500.00 of the year's base: 25,500.00 × 50% = 12,750.00",
    ]
    # assistance: referred, poverty 70%: 27,750 × 70% = 19,425.00 (under the 20,000 cap)
    assert s.payers == {"basic": Decimal("39500.00"), "critical": Decimal("12750.00"),
                        "assistance": Decimal("19425.00")}
    assert s.person == Decimal("8325.00")  # 80,000 − 39,500 − 12,750 − 19,425


def test_level2_in_province_factor_and_rounding(out_of_area) -> None:
    s = settle(out_of_area, claim([("A", "60000.00")], level=2, region="in_province", referral="referred"))
    # level 2: 80% − 15 points = 65%; factor 65% / 80% = 81.25%; band rate 60% × 81.25% = 48.75%
    assert inputs(s)["factor"] == "81.25%"
    # basic: (60,000 − 500) × 65% = 38,675.00; remaining 21,325.00
    # critical: (21,325 − 15,000) × 48.75% = 3,083.4375 → 3,083.44 (half up)
    assert s.payers == {"basic": Decimal("38675.00"), "critical": Decimal("3083.44"),
                        "assistance": Decimal("0.00")}
    assert s.person == Decimal("18241.56")


def test_no_assistance_outside_the_city_without_referral(out_of_area) -> None:
    lines = [("A", "40000.00")]
    s = settle(out_of_area, claim(lines, level=2, region="out_of_province", category="low_income"))
    # level 2 outside the province: 80% − 20 points = 60%; factor 60% / 80% = 75%; band 60% × 75% = 45%
    # basic: (40,000 − 500) × 60% = 23,700.00; remaining 16,300.00
    # critical: (16,300 − 15,000) × 45% = 585.00; assistance: not referred → skipped
    assert s.payers == {"basic": Decimal("23700.00"), "critical": Decimal("585.00"),
                        "assistance": Decimal("0.00")}
    assert s.person == Decimal("15715.00")
    assert [step.rule for step in s.trace if step.kind == "skip"] == ["assistance.skipped"]
    assert inputs(s)["assisted_care"] == "false"

    registered = settle(out_of_area, claim(lines, level=2, region="out_of_province", referral="registered",
                                           category="low_income"))
    # registered (备案): the same basic and critical figures, and assistance 60% of 15,715 = 9,429.00
    assert registered.payers == {"basic": Decimal("23700.00"), "critical": Decimal("585.00"),
                                 "assistance": Decimal("9429.00")}
    assert registered.person == Decimal("6286.00")


def test_lowered_bands_cut_at_100000_across_the_year(out_of_area) -> None:
    s = settle(out_of_area, claim(
        [("A", "60000.00")], region="out_of_province", referral="registered", category="extreme_poverty",
        ytd={"basic.deductible": "1000.00", "critical.base": "90000.00", "assistance.paid": "10000.00"}))
    # level 3 outside the province: 60% − 15 points = 45%; factor 75%; bands 45%, 52.5%, 60%
    # basic: deductible paid; 60,000 × 45% = 27,000.00; remaining 33,000.00; year 90,000 → 123,000
    assert bands(s) == [
        "slice 90,000.00 to 100,000.00 of the year's base: 10,000.00 × 45% = 4,500.00",
        "slice 100,000.00 to 123,000.00 of the year's base: 23,000.00 × 52.5% = 12,075.00",
    ]
    # assistance: 16,425 × 90% = 14,782.50, but only 20,000 − 10,000 = 10,000.00 left this year
    assert s.payers == {"basic": Decimal("27000.00"), "critical": Decimal("16575.00"),
                        "assistance": Decimal("10000.00")}
    assert s.person == Decimal("6425.00")  # 60,000 − 27,000 − 16,575 − 10,000
    assert s.ytd["critical.base"] == 12_300_000


@each_claim(ROOT / CLAIMS, policy=ROOT / POLICIES / "referral_pilot" / "out_of_area.yb")
def test_sample_claim_settlement(claim_case, settlement_snapshot) -> None:
    assert claim_case.text() == settlement_snapshot  # yibao.testing also checks payers + person = total
