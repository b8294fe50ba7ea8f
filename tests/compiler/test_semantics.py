"""Each construct of the language on a small policy of its own, with figures worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

import yibao

HEADER = '''\
policy demo.{name} "示例" / "example"
  effective 2020-01-01
{extra}
source doc "文件" / "document"

enum person.category = normal | low_income | poverty

classify "费用分类" / "classify"
  cite doc
  category A -> in scope
  category B -> first self pay 10%
  category B, class implant -> first self pay 30%
  category C -> out of scope
'''


def compile_(body: str, name: str = "t", extra: str = "") -> yibao.Policy:
    return yibao.compile_policy(HEADER.format(name=name, extra=extra) + body, f"{name}.yb")


def claim(*lines, level=3, region="local", referral="none", category="normal", kind="inpatient",
          date="2024-05-01", ytd=None, age=None, diseases=()):
    person = {"id": "p", "scheme": "resident", "category": category}
    if age is not None:
        person["age"] = age
    return {
        "id": "c", "date": date, "person": person,
        "visit": {"kind": kind, "level": level, "region": region, "referral": referral,
                  "diseases": list(diseases)},
        "lines": [
            {"code": f"L{i}", "category": line[0], "amount": line[1],
             **({"class": line[2]} if len(line) > 2 else {})}
            for i, line in enumerate(lines)
        ],
        "year_to_date": ytd or {},
    }


CRITICAL = '''
parameter threshold "大病起付线" / "critical-illness threshold": money
  cite doc
  value 15000.00
  exception poverty "贫困人口" / "poverty people" when person.category == poverty
    value 5000.00

layer basic "统筹基金" / "basic fund"
  cite doc
  deductible 1000.00 per year
  rate 50%

layer critical "大病保险" / "critical illness"
  cite doc
  base remaining
  deductible threshold per year
  bands per year
    0.00 to 100000.00 -> 65%
    100000.00 to 300000.00 -> 75%
    above 300000.00 -> 85%
'''


def test_bands_cut_at_the_boundary_across_the_year() -> None:
    policy = compile_(CRITICAL)
    s = policy.settle(claim(("A", "61000.00"), category="poverty"), trace=True)
    # basic: (61,000 − 1,000) × 50% = 30,000.00; remaining 31,000.00
    assert s.payers["basic"] == Decimal("30000.00")
    # critical: poverty threshold 5,000 (exception); eligible 26,000 all in band 1: × 65% = 16,900.00
    assert s.payers["critical"] == Decimal("16900.00")
    assert s.ytd["critical.base"] == 2_600_000

    # Next claim: the year's base is 90,000 already; 40,000 more eligible crosses 100,000.
    s2 = policy.settle(claim(("A", "81000.00"), category="poverty",
                             ytd={"basic.deductible": "1000.00", "critical.deductible": "5000.00",
                                  "critical.base": "90000.00"}), trace=True)
    # basic: 81,000 × 50% = 40,500.00; remaining 40,500.00, no threshold left
    # slices: [90,000, 100,000) 10,000 × 65% = 6,500.00; [100,000, 130,500) 30,500 × 75% = 22,875.00
    assert s2.payers["critical"] == Decimal("29375.00")
    slices = [step.formula for step in s2.trace if step.kind == "band"]
    assert slices == [
        "slice 90,000.00 to 100,000.00 of the year's base: 10,000.00 × 65% = 6,500.00",
        "slice 100,000.00 to 130,500.00 of the year's base: 30,500.00 × 75% = 22,875.00",
    ]


def test_exception_applies_only_to_its_people() -> None:
    policy = compile_(CRITICAL)
    s = policy.settle(claim(("A", "61000.00")), trace=True)
    # normal person: threshold 15,000; remaining 31,000 → 16,000 × 65% = 10,400.00
    assert s.payers["critical"] == Decimal("10400.00")
    inputs = {i.name: i for step in s.trace for i in step.inputs}
    assert inputs["threshold"].branch is None
    poor = policy.settle(claim(("A", "61000.00"), category="poverty"), trace=True)
    inputs = {i.name: i for step in poor.trace for i in step.inputs}
    assert inputs["threshold"].branch == "exception poverty (贫困人口 / poverty people)"


def test_dated_parameter_versions() -> None:
    policy = compile_('''
parameter limit "门诊年度限额" / "outpatient annual limit": money
  cite doc
  from 2020-01-01 value 300.00
  from 2023-01-01 value 400.00

layer basic "统筹基金" / "basic fund"
  cite doc
  rate 65%
  cap limit per year
''')
    before = policy.settle(claim(("A", "1000.00"), date="2022-12-31"), trace=True)
    after = policy.settle(claim(("A", "1000.00"), date="2023-01-01"), trace=True)
    # 1,000 × 65% = 650, capped at the year's limit: 300.00 in 2022, 400.00 from 2023
    assert before.payers["basic"] == Decimal("300.00")
    assert after.payers["basic"] == Decimal("400.00")
    limit = next(i for step in after.trace for i in step.inputs if i.name == "limit")
    assert limit.effective_from == "2023-01-01"


def test_fixed_payment_never_exceeds_the_cost() -> None:
    policy = compile_('''
parameter fee "互联网复诊定额" / "remote follow-up fixed payment": money
  cite doc
  table visit.level
    3 -> 13.00
    2 -> 9.00
    _ -> 0.00

layer basic "统筹基金" / "basic fund"
  cite doc
  when visit.kind == remote_followup
  fixed fee per visit
''')
    assert policy.settle(claim(("A", "20.00"), kind="remote_followup")).payers["basic"] == 13
    assert policy.settle(claim(("A", "20.00"), kind="remote_followup", level=2)).payers["basic"] == 9
    # a visit that cost 6.00 is paid 6.00, not 9.00
    assert policy.settle(claim(("A", "6.00"), kind="remote_followup", level=2)).payers["basic"] == 6
    skipped = policy.settle(claim(("A", "20.00")), trace=True)
    assert skipped.payers["basic"] == 0
    assert any(step.kind == "skip" for step in skipped.trace)


def test_class_specific_first_self_pay_and_per_visit_cap() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  deductible 200.00 per visit
  rate 80%
  cap 5000.00 per visit
''')
    s = policy.settle(claim(("A", "1000.00"), ("B", "1000.00"), ("B", "1000.00", "implant")))
    # first self-pay: 10% of 1,000 + 30% of the implant's 1,000 = 400.00; in scope 2,600.00
    assert s.first_self_pay == Decimal("400.00")
    # (2,600 − 200) × 80% = 1,920.00, under the 5,000 per-visit cap
    assert s.payers["basic"] == Decimal("1920.00")
    big = policy.settle(claim(("A", "10000.00")))
    # (10,000 − 200) × 80% = 7,840 → capped at 5,000.00 per visit
    assert big.payers["basic"] == Decimal("5000.00")
    assert big.ytd["basic.paid"] == 500_000


@pytest.mark.parametrize(("mode", "expected"), [("half_up", "1111.19"), ("down", "1111.18"),
                                                ("half_even", "1111.18"), ("up", "1111.19")])
def test_rounding_modes(mode: str, expected: str) -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate 90%
''', extra=f"  rounding {mode}\n")
    # 1,234.65 × 90% = 1,111.185
    assert policy.settle(claim(("A", "1234.65"))).payers["basic"] == Decimal(expected)


def test_rates_from_claim_fields_and_dates() -> None:
    policy = compile_('''
parameter rate "比例" / "rate": rate
  cite doc
  value if claim.date >= 2024-01-01 and person.age >= 60 then 70% + 5% else 70%

layer basic "统筹基金" / "basic fund"
  cite doc
  rate min(rate, 90%) - 10%
''')
    # 60+ in 2024: (70% + 5%) − 10 points = 65%
    assert policy.settle(claim(("A", "100.00"), age=61)).payers["basic"] == Decimal("65.00")
    assert policy.settle(claim(("A", "100.00"), age=30)).payers["basic"] == Decimal("60.00")
    assert policy.settle(claim(("A", "100.00"), age=61, date="2023-06-01")).payers["basic"] == 60


def test_disease_condition() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate if "hypertension" in visit.diseases or "diabetes" in visit.diseases then 50% else 0%
''')
    assert policy.settle(claim(("A", "100.00"), diseases=["diabetes"])).payers["basic"] == 50
    assert policy.settle(claim(("A", "100.00"))).payers["basic"] == 0


def test_claims_missing_a_field_the_policy_reads() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate if person.age >= 60 then 80% else 70%
''')
    with pytest.raises(yibao.ClaimError) as info:
        policy.settle(claim(("A", "100.00")))
    assert info.value.issues[0].path == "person.age"


def test_enum_and_bool_parameters() -> None:
    policy = compile_('''
parameter effective_level "按几级医院报销" / "level paid as": visit.level
  cite doc
  table visit.region
    local -> 3
    _ -> 1

parameter properly_referred "按规定转诊" / "referred by the rules": bool
  cite doc
  value visit.referral in {referred, registered}

layer basic "统筹基金" / "basic fund"
  cite doc
  rate if effective_level == 3 and properly_referred then 60% else 40%
''')
    # local → level 3; referred → 60%
    assert policy.settle(claim(("A", "100.00"), referral="referred")).payers["basic"] == 60
    # outside the city → level 1 → 40%
    assert policy.settle(claim(("A", "100.00"), region="in_province", referral="referred")
                         ).payers["basic"] == 40
    s = policy.settle(claim(("A", "100.00"), referral="none"), trace=True)
    values = {i.name: i.value for step in s.trace for i in step.inputs}
    assert values == {"effective_level": "3", "properly_referred": "false"}


def test_enum_parameter_rejects_foreign_values() -> None:
    with pytest.raises(yibao.PolicyError) as info:
        compile_('''
parameter effective_level "按几级医院报销" / "level paid as": visit.level
  cite doc
  value locl

layer basic "统筹基金" / "basic fund"
  cite doc
  rate if effective_level == 4 then 60% else 40%
''')
    messages = [d.message for d in info.value.diagnostics]
    assert messages == ["`locl` is not a value of `visit.level`", "`4` is not a value of `visit.level`"]
