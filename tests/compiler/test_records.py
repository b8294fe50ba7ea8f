"""A policy whose input is a record, not a claim: the medical-alliance surplus bands of 002."""

from __future__ import annotations

from decimal import Decimal

import pytest

import yibao

SURPLUS = '''\
policy demo.surplus "医共体结余留用" / "alliance surplus retention"
  effective 2022-01-01
  input record
  amount max(record.budget - record.spent, 0.00)
  remainder "结转下年" / "carried to next year"

source plan "改革方案" / "reform plan"

field budget "年度预算" / "annual budget": money
field spent "实际支出" / "actual spending": money
field audited "已审计" / "audited": bool

layer kept "留用" / "kept by the alliance"
  cite plan
  when record.audited
  base total
  bands per visit
    0.00 to record.budget * 5% -> 100%
    record.budget * 5% to record.budget * 10% -> 70%
    record.budget * 10% to record.budget * 15% -> 30%
    above record.budget * 15% -> 0%
'''


def record(budget: str, spent: str, audited: bool = True) -> dict:
    return {"id": "county-A", "date": "2023-12-31",
            "record": {"budget": budget, "spent": spent, "audited": audited}}


@pytest.fixture(scope="module")
def surplus() -> yibao.Policy:
    return yibao.compile_policy(SURPLUS, "surplus.yb")


def test_surplus_is_cut_across_the_bands(surplus: yibao.Policy) -> None:
    s = surplus.settle(record("10000000.00", "8800000.00"), trace=True)
    # surplus 1,200,000 = 12% of the budget: 500,000 × 100% + 500,000 × 70% + 200,000 × 30%
    # = 500,000 + 350,000 + 60,000 = 910,000.00 kept; 290,000.00 carried to next year
    assert s.payers == {"kept": Decimal("910000.00")}
    assert s.person == Decimal("290000.00")
    data = s.to_dict()
    assert data["amount"] == "1200000.00" and data["remainder"] == "290000.00"
    assert "lines" not in data and "person" not in data
    bands = [step.formula for step in s.trace if step.kind == "band"]
    assert bands[2] == "slice 1,000,000.00 to 1,200,000.00: 200,000.00 × 30% = 60,000.00"


def test_above_fifteen_percent_all_is_carried(surplus: yibao.Policy) -> None:
    s = surplus.settle(record("10000000.00", "8000000.00"))
    # 2,000,000 = 20%: 500,000 + 350,000 + 150,000 kept; the 500,000 above 15% is carried
    assert s.payers["kept"] == Decimal("1000000.00")
    assert s.person == Decimal("1000000.00")


def test_overspending_keeps_nothing(surplus: yibao.Policy) -> None:
    s = surplus.settle(record("10000000.00", "10500000.00"))
    assert s.payers["kept"] == 0 and s.person == 0


def test_record_fields_are_validated(surplus: yibao.Policy) -> None:
    with pytest.raises(yibao.ClaimError) as info:
        surplus.settle({"id": "x", "date": "2023-12-31",
                        "record": {"budget": "1e6", "spnt": "1.00", "audited": "yes"}})
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("record.spnt", "unknown field; did you mean `spent`?"),
        ("record.budget", '\'1e6\' is not an amount; write yuan as a decimal string such as "1234.50"'),
        ("record.spent", "required"),
        ("record.audited", "'yes' is not true or false"),
    ]


def test_record_and_claim_fields_do_not_mix() -> None:
    with pytest.raises(yibao.PolicyError) as info:
        yibao.compile_policy(SURPLUS.replace("when record.audited", "when visit.level == 3")
                             .replace("record.spent, 0.00)", "record.spnt, 0.00)"), "surplus.yb")
    messages = [d.message for d in info.value.diagnostics]
    assert "unknown record field `record.spnt`" in messages
    assert "`visit.level` is a claim field, but this policy's input is a record" in messages


def test_record_rates_stay_within_one_hundred_percent() -> None:
    policy = yibao.compile_policy(SURPLUS.replace('field audited "已审计" / "audited": bool',
                                                  'field audited "已审计" / "audited": bool\n'
                                                  'field share "比例" / "share": rate'), "s.yb")
    data = record("100.00", "50.00")
    data["record"]["share"] = "150%"
    with pytest.raises(yibao.ClaimError) as info:
        policy.settle(data)
    assert [(i.path, i.message) for i in info.value.issues] == [("record.share", "150% is more than 100%")]
    assert str(info.value).startswith("record rejected")


def test_record_values_take_ascii_digits_and_stay_within_their_limits() -> None:
    # Issue 9: the same limits and ASCII digits as claims (docs/claims.md, "Limits").
    policy = yibao.compile_policy(SURPLUS.replace('field audited "已审计" / "audited": bool',
                                                  'field audited "已审计" / "audited": bool\n'
                                                  'field share "比例" / "share": rate\n'
                                                  'field counties "县数" / "counties": count\n'
                                                  'field closed "结算日" / "closed": date'), "s.yb")
    data = record("１００.００", "9999999999.99")
    data["record"].update(share="１２.５%", counties=10**9 + 1, closed="２０２３-12-20")
    data["year_to_date"] = {"year": 2023, "kept.paid": "10000000000.00"}
    with pytest.raises(yibao.ClaimError) as info:
        policy.settle(data)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("record.budget",
         "'１００.００' is not an amount; write yuan as a decimal string such as \"1234.50\""),
        ("record.share", "'１２.５%' is not a rate; write a percentage such as \"12.5%\""),
        ("record.counties", "must be at most 1000000000"),
        ("record.closed", "'２０２３-12-20' is not a date (YYYY-MM-DD)"),
        ("year_to_date.kept.paid", "'10000000000.00' is more than the limit of 9999999999.99"),
    ]
    data = record("9999999999.99", "0.00")
    data["record"].update(share="12.5%", counties=True, closed="2023-12-20")
    with pytest.raises(yibao.ClaimError) as info:
        policy.settle(data)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("record.counties", "True is not a count (a whole number, 0 or more)")]


def test_record_json_with_a_repeated_field_is_rejected(surplus: yibao.Policy) -> None:
    text = '{"id": "x", "date": "2023-12-31", "record": {"budget": "1.00", "spent": "0.00", ' \
           '"spent": "1.00", "audited": true}}'
    with pytest.raises(yibao.ClaimError) as info:
        surplus.settle(text)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("record.spent", "duplicate key (2 times); a key may appear once")]
    with pytest.raises(yibao.ClaimError) as info:
        surplus.settle("[]")
    assert str(info.value).startswith("record rejected")
