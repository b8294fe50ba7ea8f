"""Liaocheng poverty population (004): the figures worked by hand, a year of claims, and snapshots."""

from __future__ import annotations

from decimal import Decimal

import pytest

import yibao
from yibao.testing import each_claim

from ..conftest import POLICIES, ROOT

pytest_plugins = ["yibao.testing"]

FOLDER = POLICIES / "liaocheng"
STEMS = ("poverty_inpatient", "special_drugs", "two_diseases_outpatient")
LAYERS = ("basic", "critical", "assistance", "hospital_reduction", "supplementary", "re_assistance")
SAMPLES = [(stem, path) for stem in STEMS for path in sorted((FOLDER / "claims" / stem).glob("*.json"))]


@pytest.fixture(scope="module")
def policies() -> dict[str, yibao.Policy]:
    return {stem: yibao.load_policy(FOLDER / f"{stem}.yb") for stem in STEMS}


@pytest.fixture(scope="module")
def inpatient(policies) -> yibao.Policy:
    return policies["poverty_inpatient"]


def claim(lines, *, level=3, region="local", referral="none", category="poverty", kind="inpatient",
          diseases=(), ytd=None, date="2020-05-01", id="hand"):
    return {
        "id": id,
        "date": date,
        "person": {"id": "371521195403120027", "scheme": "resident", "category": category},
        "visit": {"kind": kind, "level": level, "region": region, "referral": referral,
                  "diseases": list(diseases)},
        "lines": [{"code": f"L{i}", "name": f"line {i}", "category": line[0], "amount": line[1],
                   **({"class": line[2]} if len(line) > 2 else {})}
                  for i, line in enumerate(lines)],
        "year_to_date": ytd or {},
    }


def balanced(s: yibao.Settlement) -> yibao.Settlement:
    assert sum(s.payer_fen) + s.person_fen == s.total_fen
    return s


def paid(s: yibao.Settlement) -> tuple[Decimal, ...]:
    return tuple(s.payers[n] for n in LAYERS)


def D(*figures: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(f) for f in figures)


# ---------------------------------------------------------------- poverty inpatient chain


def test_poverty_first_admission_at_a_county_hospital(inpatient) -> None:
    s = balanced(inpatient.settle(claim([("A", "18000.00"), ("B", "2000.00"), ("C", "1000.00")], level=2),
                                  trace=True))
    # B first self-pay 10% = 200.00; in scope 18,000 + 1,800 = 19,800.00
    assert s.in_scope == Decimal("19800.00")
    assert paid(s) == D(
        "15440.00",  # basic: (19,800 − deductible 500) × 80% = 15,440.00; remaining 4,360.00
        "0.00",      # critical: 4,360 of the year's burden lies below the 5,000 threshold: 0% slice
        "3052.00",   # assistance: 4,360 × 70% = 3,052.00; remaining 1,308.00
        "130.80",    # hospital reduction: 1,308 × 10% = 130.80; remaining 1,177.20
        "588.60",    # supplementary: 1,177.20 × 50% = 588.60; remaining 588.60
        "0.00",      # re-assistance: 588.60 all goes to the year's 5,000 deductible
    )
    # person: 1,000 out of scope + 200 first self-pay + 588.60 in-scope burden = 1,788.60
    assert s.person == Decimal("1788.60")
    assert s.ytd["critical.base"] == 436_000 and s.ytd["re_assistance.deductible"] == 58_860
    # 588.60 < 10% × 19,800 = 1,980.00
    assert s.checks == {"ten_percent": True}
    assert s.trace[-2].formula == "not poor or remaining < in_scope * 10%: true"


def test_ordinary_resident_gets_basic_and_general_critical_illness_only(inpatient) -> None:
    s = balanced(inpatient.settle(claim([("A", "50000.00")], category="normal"), trace=True))
    assert paid(s) == D(
        "29400.00",  # basic: (50,000 − 1,000) × 60% = 29,400.00; remaining 20,600.00
        "3360.00",   # critical: general threshold 15,000, rate 60%: (20,600 − 15,000) × 60% = 3,360.00
        "0.00", "0.00", "0.00", "0.00",  # the four poverty layers do not apply
    )
    assert s.person == Decimal("17240.00")  # 50,000 − 29,400 − 3,360
    inputs = {i.name: i for step in s.trace for i in step.inputs}
    assert inputs["threshold"].value == "15,000.00" and inputs["threshold"].branch is None
    skipped = [step.rule for step in s.trace if step.kind == "skip"]
    assert skipped == ["assistance.skipped", "hospital_reduction.skipped", "supplementary.skipped",
                       "re_assistance.skipped"]
    assert s.checks == {"ten_percent": True}  # not a poverty person: nothing to check


def test_referred_admission_pays_only_the_rest_of_the_deductible(inpatient) -> None:
    # referred from the township hospital (deductible 200.00 paid) to a provincial level-3 hospital
    s = balanced(inpatient.settle(claim([("A", "30000.00")], region="in_province", referral="referred",
                                        ytd={"basic.deductible": "200.00"}), trace=True))
    deductible = next(step for step in s.trace if step.rule == "basic.deductible")
    assert deductible.formula == ("deductible 1,000.00, already paid this year 200.00: due 800.00; "
                                  "applied min(30,000.00, 800.00) = 800.00")
    assert paid(s) == D(
        "16060.00",  # basic: (30,000 − 800) × 55% = 16,060.00; remaining 13,940.00
        "5811.00",   # critical: (13,940 − 5,000) × 65% = 5,811.00; remaining 8,129.00
        "5690.30",   # assistance: 8,129 × 70% = 5,690.30; remaining 2,438.70
        "0.00",      # hospital reduction: only in the city
        "1219.35",   # supplementary: 2,438.70 × 50% = 1,219.35; remaining 1,219.35
        "0.00",      # re-assistance: 1,219.35 goes to the year's 5,000 deductible
    )
    assert s.person == Decimal("1219.35")
    assert s.checks == {"ten_percent": True}  # 1,219.35 < 3,000.00


def test_extreme_poverty_crosses_into_the_85_percent_band(inpatient) -> None:
    s = balanced(inpatient.settle(claim([("A", "50000.00")], category="extreme_poverty",
                                        ytd={"basic.deductible": "1000.00", "critical.base": "290000.00"}),
                                  trace=True))
    assert paid(s) == D(
        "30000.00",  # basic: deductible paid; 50,000 × 60% = 30,000.00; remaining 20,000.00
        "16000.00",  # critical: 290,000→300,000 10,000 × 75% = 7,500; 300,000→310,000 10,000 × 85% = 8,500
        "3600.00",   # assistance: extreme poverty 90%: 4,000 × 90% = 3,600.00; remaining 400.00
        "40.00",     # hospital reduction: 400 × 10% = 40.00; remaining 360.00
        "180.00",    # supplementary: 360 × 50% = 180.00; remaining 180.00
        "0.00",      # re-assistance: 180 goes to the year's 5,000 deductible
    )
    assert [step.formula for step in s.trace if step.kind == "band"] == [
        "slice 290,000.00 to 300,000.00 of the year's base: 10,000.00 × 75% = 7,500.00",
        "slice 300,000.00 to 310,000.00 of the year's base: 10,000.00 × 85% = 8,500.00",
    ]
    assert s.person == Decimal("180.00")


def test_re_assistance_is_held_at_its_yearly_cap(inpatient) -> None:
    ytd = {"basic.deductible": "1000.00", "critical.base": "200000.00", "assistance.paid": "20000.00",
           "re_assistance.deductible": "5000.00", "re_assistance.paid": "14000.00"}
    s = balanced(inpatient.settle(claim([("A", "40000.00")], ytd=ytd), trace=True))
    assert paid(s) == D(
        "24000.00",  # basic: 40,000 × 60% = 24,000.00; remaining 16,000.00
        "12000.00",  # critical: year's burden 200,000 → 216,000, all at 75%: 12,000.00; remaining 4,000.00
        "0.00",      # assistance: the 20,000.00 of the year is used up
        "400.00",    # hospital reduction: 4,000 × 10% = 400.00; remaining 3,600.00
        "1800.00",   # supplementary: 3,600 × 50% = 1,800.00; remaining 1,800.00
        "1000.00",   # re-assistance: 1,800 × 70% = 1,260, but only 15,000 − 14,000 = 1,000.00 left
    )
    cap = next(step for step in s.trace if step.rule == "re_assistance.cap_year")
    assert cap.formula == "cap per year 15,000.00, already paid 14,000.00: min(1,260.00, 1,000.00) = 1,000.00"
    assert s.person == Decimal("800.00")
    assert s.ytd["re_assistance.paid"] == 1_500_000


def test_ten_percent_guarantee_is_reported_when_it_fails(inpatient) -> None:
    # outside the city without referral, the year's assistance already used up, first admission
    s = balanced(inpatient.settle(claim([("A", "20000.00")], region="in_province",
                                        ytd={"assistance.paid": "20000.00"}), trace=True))
    assert paid(s) == D(
        "8325.00",   # basic: (20,000 − 1,500) × 45% = 8,325.00; remaining 11,675.00
        "4338.75",   # critical: (11,675 − 5,000) × 65% = 4,338.75; remaining 7,336.25
        "0.00",      # assistance: cap used up
        "0.00",      # hospital reduction: only in the city
        "3668.13",   # supplementary: 7,336.25 × 50% = 3,668.125 → 3,668.13 (half up); remaining 3,668.12
        "0.00",      # re-assistance: 3,668.12 goes to the year's 5,000 deductible
    )
    assert s.person == Decimal("3668.12")
    # 3,668.12 is not below 10% × 20,000 = 2,000.00: the guarantee is not met, and the check says so
    assert s.checks == {"ten_percent": False}
    assert s.to_dict()["checks"] == {"ten_percent": False}
    assert s.trace[-2].formula == "not poor or remaining < in_scope * 10%: false"


def poverty_year() -> list[dict]:
    """One poverty person's 2020 admissions (given out of order: settle_many sorts by date)."""
    return [
        claim([("A", "80000.00")], date="2020-07-15", id="3-city-level3"),
        claim([("A", "18000.00"), ("B", "2000.00"), ("C", "1000.00")], level=2, date="2020-02-10",
              id="1-county-level2"),
        claim([("A", "3000.00")], level="primary", date="2020-12-02", id="5-township"),
        claim([("A", "150000.00"), ("B", "10000.00"), ("C", "5000.00")], region="in_province",
              referral="referred", date="2020-04-20", id="2-referred-provincial"),
        claim([("A", "30000.00")], date="2020-10-08", id="4-city-level3"),
    ]


def test_a_year_of_claims_crosses_the_100000_band_inside_a_claim(inpatient) -> None:
    first, second, third, fourth, fifth = map(balanced, inpatient.settle_many(poverty_year(), trace=True))
    assert [s.claim.id for s in (first, second, third, fourth, fifth)] == [
        "1-county-level2", "2-referred-provincial", "3-city-level3", "4-city-level3", "5-township"]

    # 1. county level 2 (as in the first test): burden after basic 4,360 → year's base 4,360
    assert paid(first) == D("15440.00", "0.00", "3052.00", "130.80", "588.60", "0.00")
    assert first.person == Decimal("1788.60")
    assert first.ytd["critical.base"] == 436_000

    # 2. referred to a provincial level-3 hospital; in scope 150,000 + 9,000 = 159,000
    assert paid(second) == D(
        "87175.00",  # basic: one deductible across the referral: 1,000 − 500 = 500 due; 158,500 × 55%
        "46270.25",  # critical: base 71,825; year 4,360 → 76,185: 640 × 0% + 71,185 × 65% = 46,270.25
        "16948.00",  # assistance: 25,554.75 × 70% = 17,888.33, but 20,000 − 3,052 = 16,948.00 left
        "0.00",      # hospital reduction: outside the city
        "4303.38",   # supplementary: 8,606.75 × 50% = 4,303.375 → 4,303.38
        "0.00",      # re-assistance: 4,303.37 more towards the 5,000 deductible (4,891.97 so far)
    )
    assert second.ytd["critical.base"] == 7_618_500
    # person: 5,000 out of scope + 1,000 first self-pay + 4,303.37 in-scope burden
    assert second.person == Decimal("10303.37")

    # 3. city level 3, 80,000: the year's burden goes 76,185 → 108,185 and crosses 100,000 here
    assert paid(third) == D(
        "48000.00",  # basic: 80,000 × 60%; remaining 32,000.00
        "21618.50",  # critical: 23,815 × 65% = 15,479.75 + 8,185 × 75% = 6,138.75
        "0.00",      # assistance: the year's 20,000.00 is used up
        "1038.15",   # hospital reduction: 10,381.50 × 10%; remaining 9,343.35
        "4671.68",   # supplementary: 9,343.35 × 50% = 4,671.675 → 4,671.68; remaining 4,671.67
        "3194.55",   # re-assistance: 108.03 ends the 5,000 deductible; (4,671.67 − 108.03) × 70% = 3,194.548
    )
    slices = [step.formula for step in third.trace if step.kind == "band"]
    assert slices == [
        "slice 76,185.00 to 100,000.00 of the year's base: 23,815.00 × 65% = 15,479.75",
        "slice 100,000.00 to 108,185.00 of the year's base: 8,185.00 × 75% = 6,138.75",
    ]
    assert third.person == Decimal("1477.12")  # 4,671.67 − 3,194.55

    # 4. city level 3, 30,000: basic 30,000 × 60% = 18,000; burden 12,000 all at 75% = 9,000;
    #    assistance used up; reduction 3,000 × 10% = 300; supplementary 2,700 × 50% = 1,350;
    #    re-assistance (deductible reached) 1,350 × 70% = 945
    assert paid(fourth) == D("18000.00", "9000.00", "0.00", "300.00", "1350.00", "945.00")
    # 5. township, 3,000: deductible 200 < the 1,000 paid, so 3,000 × 90% = 2,700; 300 × 75% = 225;
    #    assistance used up; 75 × 10% = 7.50; 67.50 × 50% = 33.75; 33.75 × 70% = 23.625 → 23.63
    assert paid(fifth) == D("2700.00", "225.00", "0.00", "7.50", "33.75", "23.63")
    assert (fourth.person, fifth.person) == D("405.00", "10.12")  # 1,350 − 945; 33.75 − 23.63

    assert [s.ytd["critical.base"] for s in (third, fourth, fifth)] == [10_818_500, 12_018_500, 12_048_500]
    # critical paid over the year: 0 + 46,270.25 + 21,618.50 + 9,000 + 225 = 77,113.75
    assert fifth.year_to_date["critical.paid"] == Decimal("77113.75")
    assert all(s.checks == {"ten_percent": True} for s in (first, second, third, fourth, fifth))


# ---------------------------------------------------------------- special drugs


def test_special_drug_from_the_first_yuan_at_60_percent(policies) -> None:
    s = balanced(policies["special_drugs"].settle(
        claim([("B", "15300.00", "drug")], kind="special_drug")))
    # no threshold: 15,300 × 60% = 9,180.00
    assert s.payers == {"special_drug": Decimal("9180.00")}
    assert s.person == Decimal("6120.00")


def test_special_drug_off_list_line_and_rounding(policies) -> None:
    s = balanced(policies["special_drugs"].settle(
        claim([("B", "8555.55", "drug"), ("C", "436.50")], kind="special_drug", category="extreme_poverty")))
    # 8,555.55 × 60% = 5,133.33; the category-C line is the person's
    assert s.payers == {"special_drug": Decimal("5133.33")}
    assert s.person == Decimal("3858.72")  # 3,422.22 + 436.50


def test_special_drug_cap_of_200000_a_year(policies) -> None:
    first, second = map(balanced, policies["special_drugs"].settle_many([
        claim([("B", "200000.00", "drug")], kind="special_drug", date="2020-03-01", id="a"),
        claim([("B", "150000.00", "drug")], kind="special_drug", date="2020-09-01", id="b"),
    ], trace=True))
    assert first.payers["special_drug"] == Decimal("120000.00")  # 200,000 × 60%
    # 150,000 × 60% = 90,000, but only 200,000 − 120,000 = 80,000.00 of the cap is left
    assert second.payers["special_drug"] == Decimal("80000.00")
    assert second.person == Decimal("70000.00")
    cap = next(step for step in second.trace if step.rule == "special_drug.cap_year")
    assert cap.formula == ("cap per year 200,000.00, already paid 120,000.00: "
                           "min(90,000.00, 80,000.00) = 80,000.00")


def test_special_drugs_only_for_poverty_people(policies) -> None:
    with pytest.raises(yibao.ClaimError) as info:
        policies["special_drugs"].settle(claim([("B", "1000.00", "drug")], kind="special_drug",
                                               category="normal"))
    assert "does not cover this claim" in info.value.issues[0].message


# ---------------------------------------------------------------- the two diseases


def test_hypertension_drugs_at_50_percent(policies) -> None:
    s = balanced(policies["two_diseases_outpatient"].settle(claim(
        [("A", "36.40", "drug"), ("B", "47.60", "drug"), ("A", "10.00")],
        kind="outpatient", level="primary", diseases=["hypertension"])))
    # drugs only: 36.40 + (47.60 − 10% first self-pay 4.76) = 79.24 in scope; the consultation is not
    assert (s.out_of_scope, s.first_self_pay, s.in_scope) == D("10.00", "4.76", "79.24")
    assert s.payers == {"basic": Decimal("39.62")}  # 79.24 × 50%
    assert s.person == Decimal("54.38")  # 94.00 − 39.62


def test_diabetes_drugs_held_at_the_yearly_limit(policies) -> None:
    s = balanced(policies["two_diseases_outpatient"].settle(claim(
        [("A", "200.00", "drug"), ("B", "300.00", "drug")], kind="outpatient", level=2,
        diseases=["diabetes"], ytd={"basic.paid": "450.00"})))
    # in scope 200 + 270 = 470; × 50% = 235, but the diabetes limit 500 − 450 = 50.00 is left
    assert s.payers == {"basic": Decimal("50.00")}
    assert s.person == Decimal("450.00")


def test_both_diseases_have_the_larger_limit(policies) -> None:
    s = balanced(policies["two_diseases_outpatient"].settle(claim(
        [("A", "400.00", "drug")], kind="outpatient", level=1,
        diseases=["hypertension", "diabetes"], ytd={"basic.paid": "700.00"})))
    # 400 × 50% = 200, limit for both diseases 800 − 700 = 100.00 left
    assert s.payers == {"basic": Decimal("100.00")}
    hypertension_only = balanced(policies["two_diseases_outpatient"].settle(claim(
        [("A", "100.00", "drug")], kind="outpatient", level=1,
        diseases=["hypertension"], ytd={"basic.paid": "280.00"})))
    # 100 × 50% = 50, hypertension limit 300 − 280 = 20.00 left
    assert hypertension_only.payers == {"basic": Decimal("20.00")}


@pytest.mark.parametrize(("kind", "diseases"), [("outpatient", []), ("chronic_outpatient", ["diabetes"])])
def test_two_diseases_covers_only_outpatient_claims_of_the_two_diseases(policies, kind, diseases) -> None:
    with pytest.raises(yibao.ClaimError) as info:
        policies["two_diseases_outpatient"].settle(claim([("A", "10.00", "drug")], kind=kind,
                                                         diseases=diseases))
    assert "does not cover this claim" in info.value.issues[0].message


# ---------------------------------------------------------------- snapshots of the sample claims


@each_claim(ROOT / FOLDER / "claims" / "poverty_inpatient", policy=ROOT / FOLDER / "poverty_inpatient.yb",
            prefix="poverty_inpatient-")
@each_claim(ROOT / FOLDER / "claims" / "special_drugs", policy=ROOT / FOLDER / "special_drugs.yb",
            prefix="special_drugs-")
@each_claim(ROOT / FOLDER / "claims" / "two_diseases_outpatient",
            policy=ROOT / FOLDER / "two_diseases_outpatient.yb", prefix="two_diseases_outpatient-")
def test_sample_claim_settlement(claim_case, settlement_snapshot) -> None:
    assert claim_case.text() == settlement_snapshot  # yibao.testing also checks payers + person = total


def test_every_policy_has_three_sample_claims() -> None:
    for stem in STEMS:
        assert len(list((FOLDER / "claims" / stem).glob("*.json"))) >= 3, stem
