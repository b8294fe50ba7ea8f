"""The 2023 reform plan (002): reforms of the Jiujiang policies and two record policies."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import yibao
from yibao.testing import each_claim

from ..conftest import POLICIES, ROOT

pytest_plugins = ["yibao.testing"]

FOLDER = POLICIES / "reform2023"


@pytest.fixture(scope="module")
def inpatient() -> yibao.Policy:
    return yibao.load_policy(FOLDER / "resident_inpatient.yb")


@pytest.fixture(scope="module")
def outpatient() -> yibao.Policy:
    return yibao.load_policy(FOLDER / "resident_outpatient.yb")


def load(stem: str, name: str) -> dict:
    return json.loads((FOLDER / "claims" / stem / f"{name}.json").read_text(encoding="utf-8"))


def test_reform_keeps_the_base_and_changes_the_layer(inpatient: yibao.Policy) -> None:
    assert inpatient.ast.base is not None
    assert inpatient.ast.base.header.name == "jiujiang.resident_inpatient"
    assert [p.name for p in inpatient.ast.parameters] == [
        "deductible", "rate", "annual_cap", "stay_deductible", "unreferred_cut"]
    assert inpatient.ast.layers[0].span.file == "policies/reform2023/resident_inpatient.yb"


def test_day_surgery_half_deductible_inpatient_rate(inpatient: yibao.Policy) -> None:
    s = inpatient.settle(load("resident_inpatient", "day_surgery_level3"))
    # level 3 local: deductible 600 / 2 = 300; rate 60%
    # in scope 3,200.00 + (2,800.00 − 10% 280.00) + 36.50 = 5,756.50; (5,756.50 − 300) × 60% = 3,273.90
    assert s.in_scope == Decimal("5756.50")
    assert s.payers["basic"] == Decimal("3273.90")


def test_referral_up_pays_the_difference(inpatient: yibao.Policy) -> None:
    s = inpatient.settle(load("resident_inpatient", "referred_up_pays_the_difference"), trace=True)
    # 600 at level 3 less the 100 paid at level 1: 500; in scope 1,800 + 16,500 + 558 = 18,858
    # (18,858 − 500) × 60% = 11,014.80
    assert s.payers["basic"] == Decimal("11014.80")
    deductible = next(step for step in s.trace if step.rule == "basic.deductible")
    assert deductible.formula.startswith("deductible per visit 500.00")


def test_referral_down_pays_no_deductible(inpatient: yibao.Policy) -> None:
    s = inpatient.settle(load("resident_inpatient", "referred_down_no_deductible"))
    # level 1 deductible 100 less the 600 already paid: nothing; 2,050 × 90% = 1,845.00
    assert s.payers["basic"] == Decimal("1845.00")


def test_no_referral_lowers_the_rate(inpatient: yibao.Policy) -> None:
    s = inpatient.settle(load("resident_inpatient", "level3_without_referral"))
    # level 3 local without referral: 60% − 10 points = 50%; (9,600 − 600) × 50% = 4,500.00
    assert s.payers["basic"] == Decimal("4500.00")
    assert s.person == Decimal("6000.00")  # 10,500 − 4,500


def test_before_the_reform_dates_the_claim_is_refused(inpatient: yibao.Policy) -> None:
    data = load("resident_inpatient", "level3_without_referral")
    data["date"] = "2022-09-30"
    with pytest.raises(yibao.ClaimError) as info:
        inpatient.settle(data)
    assert info.value.issues[0].path == "date"


def test_outpatient_limit_rises_from_300_to_400(outpatient: yibao.Policy) -> None:
    before = outpatient.settle(load("resident_outpatient", "village_2022_limit_300"))
    after = outpatient.settle(load("resident_outpatient", "village_2023_limit_400"), trace=True)
    # 120 × 65% = 78; 250 already paid: 300 − 250 = 50.00 in 2022; 400 − 250 = 150 left in 2023 → 78.00
    assert before.payers["basic"] == Decimal("50.00")
    assert after.payers["basic"] == Decimal("78.00")
    limit = next(i for step in after.trace for i in step.inputs if i.name == "annual_limit")
    assert (limit.value, limit.effective_from) == ("400.00", "2023-01-01")


def test_county_hospitals_join_in_2023(outpatient: yibao.Policy) -> None:
    s = outpatient.settle(load("resident_outpatient", "county_hospital_2023"))
    # in scope 15 + 25 + (38.60 − 3.86) = 74.74; × 50% = 37.37
    assert s.payers["basic"] == Decimal("37.37")
    data = load("resident_outpatient", "county_hospital_2023")
    data["date"] = "2022-12-31"
    assert outpatient.settle(data).payers["basic"] == 0  # not yet covered in 2022


def test_alliance_surplus_bands() -> None:
    policy = yibao.load_policy(FOLDER / "alliance_surplus.yb")
    s = policy.settle(load("alliance_surplus", "surplus_12_percent"))
    # surplus 86,000,000 − 75,680,000 = 10,320,000 (12% of the package)
    # 4,300,000 × 100% + 4,300,000 × 70% + 1,720,000 × 30% = 4,300,000 + 3,010,000 + 516,000
    assert s.payers["kept"] == Decimal("7826000.00")
    assert s.person == Decimal("2494000.00")  # carried into next year's package
    assert policy.settle(load("alliance_surplus", "overspent")).payers["kept"] == 0
    small = policy.settle(load("alliance_surplus", "surplus_3_percent"))
    # 42,000,000 − 40,740,000 = 1,260,000 = 3%: within 5%, all kept
    assert (small.payers["kept"], small.person) == (Decimal("1260000.00"), Decimal("0.00"))
    large = policy.settle(load("alliance_surplus", "surplus_above_15_percent"))
    # 10,000,000 = 20% of 50,000,000: 2,500,000 + 2,500,000 × 70% + 2,500,000 × 30% = 5,000,000 kept;
    # the 2,500,000 above 15% and the 30%/70% parts, 5,000,000 in all, are carried
    assert (large.payers["kept"], large.person) == (Decimal("5000000.00"), Decimal("5000000.00"))


def test_county_package_reserves() -> None:
    policy = yibao.load_policy(FOLDER / "county_package.yb")
    s = policy.settle(load("county_package", "fund_2022"))
    # 1% of 2,318,765,432.10 = 23,187,654.321 → 23,187,654.32
    # 3% of the rest 2,295,577,777.78 = 68,867,333.3334 → 68,867,333.33
    assert s.payers == {"risk_reserve": Decimal("23187654.32"), "assessment": Decimal("68867333.33")}
    assert s.person == Decimal("2226710444.45")
    s = policy.settle(load("county_package", "fund_2023"))
    # 1% of 2,450,000,000 = 24,500,000; 3% of 2,425,500,000 = 72,765,000; 2,352,735,000 packaged
    assert s.payers == {"risk_reserve": Decimal("24500000.00"), "assessment": Decimal("72765000.00")}
    assert s.person == Decimal("2352735000.00")
    s = policy.settle(load("county_package", "fund_small_county"))
    # 1% of 1,234.56 = 12.3456 → 12.35; 3% of 1,222.21 = 36.6663 → 36.67; 1,185.54 left
    assert (s.payers["assessment"], s.person) == (Decimal("36.67"), Decimal("1185.54"))


@each_claim(ROOT / FOLDER / "claims" / "alliance_surplus", policy=ROOT / FOLDER / "alliance_surplus.yb",
            prefix="alliance_surplus-")
@each_claim(ROOT / FOLDER / "claims" / "county_package", policy=ROOT / FOLDER / "county_package.yb",
            prefix="county_package-")
@each_claim(ROOT / FOLDER / "claims" / "resident_inpatient", policy=ROOT / FOLDER / "resident_inpatient.yb",
            prefix="resident_inpatient-")
@each_claim(ROOT / FOLDER / "claims" / "resident_outpatient", policy=ROOT / FOLDER / "resident_outpatient.yb",
            prefix="resident_outpatient-")
def test_sample_settlement(claim_case, settlement_snapshot) -> None:
    assert claim_case.text() == settlement_snapshot  # yibao.testing also checks payers + person = total
