"""National visit → yibao claim: exact amounts, refunds netted, the split checked, codes mapped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from yibao.compiler.claims import _Collector
from yibao.dsl.errors import ClaimError

from yibao.national import PolicyNeeds, to_claim
from yibao.national import numbers as n
from yibao.national.settled import read_setlinfo


def _claim(visit, area, policy):
    return to_claim(visit, area, PolicyNeeds.of(policy))


def _issues(visit, area, policy) -> dict[str, str]:
    with pytest.raises(ClaimError) as err:
        _claim(visit, area, policy)
    return {i.path: i.message for i in err.value.issues}


def test_the_hand_written_visit_becomes_the_claim_a_person_would_write(visit, area, platform_policy):
    claim = _claim(visit, area, platform_policy)
    assert claim["id"] == "MDT-2024-0001" and claim["date"] == "2024-03-18"
    # the identity valid on the day (2303, low income), not the expired one (2301)
    assert claim["person"] == {
        "id": "36040000000000000001",
        "scheme": "resident",
        "category": "low_income",
        "age": 34,
    }
    # one admission before this one (C0000 = 1); 360402 is a county of the insured's city 360400
    assert claim["visit"] == {
        "kind": "inpatient",
        "level": "2",
        "region": "local",
        "referral": "none",
        "admission_no": 2,
    }
    # the 2023 row and the employee (310) row of cuminfo are not this claim's year or insurance
    assert claim["year_to_date"] == {"year": 2024, "basic.deductible": "0.00", "basic.paid": "1234.00"}
    codes = [ln["code"] for ln in claim["lines"]]
    # F003 had only the hospital's code: the area's code map gives the national one; F004 refunds it
    assert codes == ["250101001", "C0310201", "XJ01DDA063E001010101445", "C-VIP-01"]
    netted = claim["lines"][2]
    assert (netted["amount"], netted["first_self_pay"], netted["in_scope"]) == ("74.08", "7.41", "66.67")
    # 12.345650 yuan a unit is 1,234.565 fen: half up, 12.35
    assert netted["unit_price"] == "12.35"
    assert claim["lines"][1]["over_limit"] == "5000.00"
    platform_policy.claim(claim)


def test_without_as_billed_the_split_is_left_out(visit, area):
    claim = to_claim(visit, area, PolicyNeeds(as_billed=False))
    assert all("in_scope" not in ln for ln in claim["lines"])
    assert [ln["category"] for ln in claim["lines"]] == ["A", "B", "B", "C"]


def test_a_split_that_does_not_add_up_is_reported_at_its_row(visit, area, platform_policy):
    visit["feedetail_result"][1]["inscp_scp_amt"] = "36000.01"
    issues = _issues(visit, area, platform_policy)
    assert "adds up to 45000.01" in issues["feedetail_result[1]"]
    assert "not det_item_fee_sumamt 45000.00" in issues["feedetail_result[1]"]


def test_refunds_are_checked_against_the_line_they_refund(visit, area, platform_policy):
    visit["feedetail"][3]["init_feedetl_sn"] = "F999"
    assert (
        "not an earlier fee detail" in _issues(visit, area, platform_policy)["feedetail[3].init_feedetl_sn"]
    )
    visit["feedetail"][3]["init_feedetl_sn"] = "F003"
    visit["feedetail"][3]["det_item_fee_sumamt"] = "-200.00"
    visit["feedetail_result"][3].update(
        det_item_fee_sumamt="-200.00", preselfpay_amt="-20.00", inscp_scp_amt="-180.00"
    )
    assert "more than the 123.46 left" in _issues(visit, area, platform_policy)["feedetail[3]"]


def test_a_line_refunded_in_full_is_dropped(visit, area, platform_policy):
    visit["feedetail"][3].update(det_item_fee_sumamt="-123.46", cnt="-10")
    visit["feedetail_result"][3].update(
        det_item_fee_sumamt="-123.46", preselfpay_amt="-12.35", inscp_scp_amt="-111.11"
    )
    claim = _claim(visit, area, platform_policy)
    assert [ln["code"] for ln in claim["lines"]] == ["250101001", "C0310201", "C-VIP-01"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("12.345", "more than 2 decimals"),
        ("12345678901234567", "more than 16 digits"),
        ("1e3", "is not a number"),
        (True, "is not a number"),
        ("-5.00", "must not be negative"),
    ],
)
def test_n16_2_amounts_are_validated(raw, reason, visit, area, platform_policy):
    visit["feedetail_result"][0]["fulamt_ownpay_amt"] = raw
    assert reason in _issues(visit, area, platform_policy)["feedetail_result[0].fulamt_ownpay_amt"]


def test_unknown_codes_name_the_area_and_what_it_knows(visit, area, platform_policy):
    visit["mdtrtinfo"]["med_type"] = "99"
    message = _issues(visit, area, platform_policy)["mdtrtinfo.med_type"]
    assert "not a med_type code of pooling area 360400" in message and "21" in message


def test_numbers_are_exact_whatever_their_json_form():
    c = _Collector()
    assert n.read(c, Decimal("1234.50"), "x", n.AMOUNT) == 123450
    assert n.read(c, 1234, "x", n.AMOUNT) == 123400
    assert n.read(c, "0.1", "x", n.AMOUNT) == 10
    assert n.read(c, "-4.0000", "x", n.COUNT) == -40000
    assert n.read(c, "12.3456789", "x", n.PRICE) is None and "more than 6 decimals" in c.issues[0].message
    assert n.price_to_fen(12_345_650) == 1235 and n.price_to_fen(12_344_999) == 1234
    assert n.price_to_fen(5_000) == 1  # 0.005 yuan: half a fen rounds up


def test_setlinfo_whose_funds_do_not_add_up_is_reported():
    c = _Collector()
    read_setlinfo(
        c,
        {
            "medfee_sumamt": "100.00",
            "hifp_pay": "60.00",
            "maf_pay": "10.00",
            "fund_pay_sumamt": "60.00",
            "psn_part_amt": "40.00",
        },
    )
    issues = {i.path: i.message for i in c.issues}
    assert "is not the sum of the funds" in issues["setlinfo.fund_pay_sumamt"]
    c = _Collector()
    read_setlinfo(
        c,
        {"medfee_sumamt": "100.00", "hifp_pay": "60.00", "fund_pay_sumamt": "60.00", "psn_part_amt": "30.00"},
    )
    assert "psn_part_amt + hosp_part_amt = 90.00" in c.issues[0].message
