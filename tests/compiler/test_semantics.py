"""Each construct of the language on a small policy of its own, with figures worked by hand."""

from __future__ import annotations

import functools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_every_fen_goes_to_one_payer_with_several_layers() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate 50%

layer charity "慈善" / "charity"
  cite doc
  base unpaid
  rate 50%
''')
    s = policy.settle(claim(("A", "1000.00"), ("C", "234.65")))
    # basic: 1,000 × 50% = 500.00; charity: half of what is unpaid, (1,234.65 − 500) × 50% = 367.325 → 367.33
    assert s.payers == {"basic": Decimal("500.00"), "charity": Decimal("367.33")}
    assert s.person == Decimal("367.32")
    assert sum(s.payer_fen) + s.person_fen == s.total_fen
    assert sum(line.person for line in s.lines) == s.person_fen


def test_eligible_cost_ceiling_passes_the_rest_on() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  ceiling 50000.00 per year
  rate 80%

layer topup "补充" / "top-up"
  cite doc
  base basic.over_ceiling
  rate 50%
''')
    s = policy.settle(claim(("A", "30000.00")), trace=True)
    # 30,000 all enters the basic layer (ceiling 50,000): 24,000.00; nothing above the ceiling
    assert s.payers == {"basic": Decimal("24000.00"), "topup": Decimal("0.00")}
    s2 = policy.settle(claim(("A", "30000.00"), ytd={"basic.entered": "30000.00"}), trace=True)
    # only 20,000 of room is left: 16,000.00; the 10,000 above passes to the top-up: 5,000.00
    assert s2.payers == {"basic": Decimal("16000.00"), "topup": Decimal("5000.00")}
    assert s2.ytd["basic.entered"] == 5_000_000
    ceiling = next(step for step in s2.trace if step.rule == "basic.ceiling")
    assert ceiling.formula == ("ceiling 50,000.00 per year, this year room 20,000.00: "
                               "20,000.00 enters, 10,000.00 above the ceiling passes on")


def test_deductible_by_admission_with_a_yearly_limit() -> None:
    policy = compile_('''
parameter deductible "起付线" / "deductible": money
  cite doc
  value if visit.admission_no >= 2 then 300.00 else 600.00

layer basic "统筹基金" / "basic fund"
  cite doc
  deductible deductible per visit, at most 1000.00 per year
  rate 80%
''')
    first = policy.settle(claim(("A", "2000.00")))
    # first admission: 600 deductible; (2,000 − 600) × 80% = 1,120.00
    assert first.payers["basic"] == Decimal("1120.00")
    third = dict(claim(("A", "2000.00"), ytd={"basic.deductible": "900.00"}))
    third["visit"] = {**third["visit"], "admission_no": 3}
    s = policy.settle(third)
    # third admission: 300, but only 1,000 − 900 = 100 of the yearly limit is left: (2,000 − 100) × 80%
    assert s.payers["basic"] == Decimal("1520.00")
    assert s.ytd["basic.deductible"] == 100_000


def test_deductible_computed_from_the_claim_with_floor_and_ceiling() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  deductible max(200.00, min(total * 10%, 1000.00)) per visit
  rate 50%
''')
    # 10% of 1,000 = 100, raised to the 200 floor: (1,000 − 200) × 50% = 400.00
    assert policy.settle(claim(("A", "1000.00"))).payers["basic"] == Decimal("400.00")
    # 10% of 5,000 = 500: (5,000 − 500) × 50% = 2,250.00
    assert policy.settle(claim(("A", "5000.00"))).payers["basic"] == Decimal("2250.00")
    # 10% of 20,000 = 2,000, held at the 1,000 ceiling: (20,000 − 1,000) × 50% = 9,500.00
    assert policy.settle(claim(("A", "20000.00"))).payers["basic"] == Decimal("9500.00")


def test_rate_stepped_by_age_and_lowered_in_points() -> None:
    policy = compile_('''
parameter rate "比例" / "rate": rate
  cite doc
  value min(60% + 1% * max(person.age - 60, 0), 80%) - (if visit.region == out_of_province then 10% else 0%)

layer basic "统筹基金" / "basic fund"
  cite doc
  rate rate
''')
    # 70 years: 60% + 10 × 1% = 70%
    assert policy.settle(claim(("A", "100.00"), age=70)).payers["basic"] == 70
    # 95 years: capped at 80%; outside the province 10 points lower: 70%
    assert policy.settle(claim(("A", "100.00"), age=95, region="out_of_province")).payers["basic"] == 70
    assert policy.settle(claim(("A", "100.00"), age=40)).payers["basic"] == 60


def test_rates_lowered_in_the_same_proportion() -> None:
    policy = compile_('''
parameter factor "同比例降低" / "same proportion": rate
  cite doc
  value if visit.region == local then 100% else 50% / 60%

layer basic "统筹基金" / "basic fund"
  cite doc
  bands per visit
    0.00 to 1000.00 -> 60% * factor
    above 1000.00 -> 90% * factor
''')
    # outside: factor 50/60 = 83.3333%; 1,000 × 50.0000% = 500.00; 1,000 × 75% = 750.00 (rounded per slice)
    s = policy.settle(claim(("A", "2000.00"), region="in_province"))
    assert s.payers["basic"] == Decimal("1250.00")


def test_conditional_line_rules() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate 40%
''').source
    assert "ln.item_class" in policy
    tcm = yibao.compile_policy(HEADER.format(name="tcm", extra="").replace(
        "  category A -> in scope\n",
        "  category A, class tcm -> in scope\n"
        "  category A when visit.facility == tcm -> out of scope\n"
        "  category A -> in scope\n") + '''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate 40%
''', "tcm.yb")
    data = claim(("A", "100.00", "tcm"), ("A", "100.00"))
    data["visit"]["facility"] = "tcm"
    s = tcm.settle(data, trace=True)
    # at a TCM hospital only TCM treatment is in scope: 100 × 40% = 40.00
    assert s.in_scope == Decimal("100.00") and s.payers["basic"] == Decimal("40.00")
    data["visit"]["facility"] = "general"
    assert tcm.settle(data).payers["basic"] == Decimal("80.00")


def test_check_reports_the_guarantee() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate 95%

check ten_percent "个人负担低于10%" / "burden below 10%"
  cite doc
  holds remaining < in_scope * 10%
''')
    s = policy.settle(claim(("A", "1000.00"), ("C", "500.00")), trace=True)
    # the person bears 50.00 of 1,000.00 in scope: 5% < 10%
    assert s.checks == {"ten_percent": True}
    assert s.to_dict()["checks"] == {"ten_percent": True}
    assert s.trace[-2].formula == "remaining < in_scope * 10%: true"


@pytest.mark.parametrize(("body", "message"), [
    ('parameter p "甲" / "p": bool\n  cite doc\n  value true\n\n'
     'layer basic "统筹" / "basic"\n  cite doc\n  rate 50%\n', None),
    ('layer basic "统筹" / "basic"\n  cite doc\n  rate 50%\n  cap topup.paid per year\n\n'
     'layer topup "补充" / "top-up"\n  cite doc\n  rate 50%\n',
     "`topup.paid` is not known here: layer `topup` has not been applied yet"),
    ('parameter local "本地" / "local": money\n  cite doc\n  value 1.00\n\n'
     'layer basic "统筹" / "basic"\n  cite doc\n  rate 50%\n  cap local per visit\n',
     "parameter `local` has the name of a value of `visit.region`"),
])
def test_rules_that_read_what_they_cannot(body: str, message: str | None) -> None:
    if message is None:
        compile_(body)
        return
    with pytest.raises(yibao.PolicyError) as info:
        compile_(body)
    assert message in [d.message for d in info.value.diagnostics]


def test_line_rules_and_scope_cannot_read_totals() -> None:
    text = HEADER.format(name="t", extra="  applies when total > 0.00\n").replace(
        "first self pay 10%", "first self pay if in_scope > 500.00 then 10% else 20%") + (
        'layer basic "统筹" / "basic"\n  cite doc\n  rate 50%\n')
    with pytest.raises(yibao.PolicyError) as info:
        yibao.compile_policy(text, "t.yb")
    messages = [d.message for d in info.value.diagnostics]
    assert "`applies when` reads only the claim's fields, not `total`" in messages
    assert "a line rule cannot read `in_scope`: the totals are made from the lines" in messages


def test_year_to_date_figures_are_readable() -> None:
    policy = compile_('''
parameter deductible "起付线" / "deductible": money
  cite doc
  table visit.level
    1 | primary -> 100.00
    2 -> 400.00
    3 -> 600.00

layer basic "统筹基金" / "basic fund"
  cite doc
  deductible (if visit.referral == referred
    then max(deductible - basic.year_deductible, 0.00) else deductible) per visit
  rate 80%
''')
    # referred up from level 1 (100 paid) to level 3: only the difference, 500.00, is due
    up = policy.settle(claim(("A", "10000.00"), referral="referred", ytd={"basic.deductible": "100.00"}))
    assert up.payers["basic"] == Decimal("7600.00")  # (10,000 − 500) × 80%
    # the same stay without a referral pays the whole 600.00 again
    again = policy.settle(claim(("A", "10000.00"), ytd={"basic.deductible": "100.00"}))
    assert again.payers["basic"] == Decimal("7520.00")  # (10,000 − 600) × 80%
    with pytest.raises(yibao.PolicyError) as info:
        compile_('layer basic "统筹" / "basic"\n  cite doc\n  rate 50%\n  cap basic.year_base per year\n')
    assert info.value.diagnostics[0].message == "layer `basic` keeps no `year_base`"


def test_two_layers_of_the_same_kind_and_the_part_above_a_cap() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate 80%
  cap 1000.00 per visit

layer assistance "医疗救助" / "medical assistance"
  cite doc
  when person.category in {poverty, low_income}
  base remaining
  deductible 100.00 per year
  rate 50%
  cap 300.00 per year

layer re_assistance "再救助" / "re-assistance"
  cite doc
  when person.category == poverty
  base remaining
  deductible 200.00 per year
  rate 70%
''')
    s = policy.settle(claim(("A", "2000.00"), category="poverty"))
    # basic: 2,000 × 80% = 1,600, capped at 1,000.00; the 600 above the cap stays in `remaining`
    # remaining 1,000: assistance (1,000 − 100) × 50% = 450 → capped at 300.00
    # remaining 700: re-assistance (700 − 200) × 70% = 350.00; the person pays 350.00
    assert s.payers == {"basic": Decimal("1000.00"), "assistance": Decimal("300.00"),
                        "re_assistance": Decimal("350.00")}
    assert s.person == Decimal("350.00")
    low = policy.settle(claim(("A", "2000.00"), category="low_income"))
    assert low.payers["re_assistance"] == 0 and low.person == Decimal("700.00")


def test_a_layer_without_a_deductible_applied_none() -> None:
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  rate 50%

layer topup "补充" / "top-up"
  cite doc
  base remaining + basic.deductible
  rate 10%
''')
    # basic pays 50.00 of 100.00 and applied no deductible; top-up: (50 + 0) × 10% = 5.00
    assert policy.settle(claim(("A", "100.00"))).payers["topup"] == Decimal("5.00")


def test_placing_a_layer_needs_a_reform() -> None:
    with pytest.raises(yibao.PolicyError) as info:
        compile_('layer basic "统筹" / "basic"\n  cite doc\n  rate 50%\n\n'
                 'layer top "补充" / "top" before basic\n  cite doc\n  rate 10%\n')
    assert "`before basic` places a layer of a reform" in info.value.diagnostics[0].message


def test_a_money_literal_compared_with_money_is_yuan() -> None:
    """`in_scope > 5000.00` compares with 5,000.00 yuan (500,000 fen), not 50.00: the literal takes the
    unit of the other side of the comparison."""
    policy = compile_('''
layer basic "统筹基金" / "basic fund"
  cite doc
  when in_scope > 5000.00
  rate 50%
''')
    assert policy.settle(claim(("A", "4000.00"))).payers["basic"] == Decimal("0.00")
    assert policy.settle(claim(("A", "5000.00"))).payers["basic"] == Decimal("0.00")
    # 5,000.01 > 5,000.00: × 50% = 2,500.005 → 2,500.01 (half up)
    assert policy.settle(claim(("A", "5000.01"))).payers["basic"] == Decimal("2500.01")


RATE_BY_LINE = '''
layer basic "统筹基金" / "basic fund"
  cite doc
  deductible 1000.00 per year
  rate if line.class == implant then 60% else if line.category == B then 75% else 85%
'''


def test_a_rate_by_line_shares_the_eligible_amount_by_in_scope_cost() -> None:
    """A 6,000.00 in scope; implant 20,000.00 × (1 − 30%) = 14,000.00 in scope; B 1,000.00 less 10% =
    900.00; C 300.00 out. Weight 20,900.00; eligible 20,900.00 − 1,000.00 = 19,900.00, shared by
    cumulative floors: 19,900 × 6,000 / 20,900 = 5,712.91; 19,900 × 20,000 / 20,900 = 19,043.06,
    less 5,712.91 = 13,330.15; the rest 856.94. Pays 5,712.91 × 85% = 4,855.97 (half up from
    4,855.9735), 13,330.15 × 60% = 7,998.09, 856.94 × 75% = 642.71 (642.705): 13,496.77."""
    policy = compile_(RATE_BY_LINE)
    c = claim(("A", "6000.00"), ("B", "20000.00", "implant"), ("B", "1000.00"), ("C", "300.00"))
    s = policy.settle(c, trace=True)
    assert s.payers["basic"] == Decimal("13496.77")
    lines = [st for st in s.trace if st.construct == "rate_line"]
    assert [(st.values["share"], st.values["rate"], st.values["pay"]) for st in lines] == [
        (571_291, 850_000, 485_597), (1_333_015, 600_000, 799_809), (85_694, 750_000, 64_271)]
    assert sum(st.values["share"] for st in lines) == 1_990_000  # the shares add up to the eligible amount
    assert policy.settle(c).payers == s.payers  # fast equals traced


def test_a_line_field_outside_a_line_rule_or_rate_is_an_error() -> None:
    with pytest.raises(yibao.PolicyError) as info:
        compile_(RATE_BY_LINE.replace("deductible 1000.00 per year", "deductible line.amount per year"))
    assert "`line.amount` is a bill line's field" in str(info.value)
    with pytest.raises(yibao.PolicyError) as info:
        compile_(RATE_BY_LINE.replace("line.class == implant", "line.class == implnat"))
    assert "`implnat` is not a value of `line.class`" in str(info.value)
    assert "did you mean `implant`?" in str(info.value)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 5_000_000),
                          st.sampled_from([None, "implant"])), min_size=1, max_size=8))
def test_a_rate_by_line_adds_up(lines: list[tuple[str, int, str | None]]) -> None:
    """Property: the shares add up to the eligible amount, the line pays to the layer's pay, payers and
    person to the total; fast and traced agree."""
    policy = _rate_by_line()
    c = claim(*[(cat, f"{fen // 100}.{fen % 100:02d}", *([cls] if cls and cat == "B" else []))
                for cat, fen, cls in lines])
    s = policy.settle(c, trace=True)
    shares = [st_.values for st_ in s.trace if st_.construct == "rate_line"]
    (total,) = [st_.values for st_ in s.trace if st_.construct == "rate_by_line"]
    if shares:
        assert sum(v["share"] for v in shares) == total["eligible"]
    assert sum(v["pay"] for v in shares) == total["pay"]
    assert sum(s.payer_fen) + s.person_fen == s.total_fen and min(s.payer_fen) >= 0
    assert policy.settle(c).payer_fen == s.payer_fen


@functools.cache
def _rate_by_line() -> yibao.Policy:
    return compile_(RATE_BY_LINE, name="by_line")


# A rate by line first (its cap per visit cuts it); and after another rate by line that leaves an
# A line less than its own pay (90% + 85% of it): the rest goes to the lines with room.
BY_LINE_FIRST = RATE_BY_LINE + '''  cap 4000.00 per visit

layer top "补充" / "top-up"
  cite doc
  base remaining
  rate 50%
'''
BY_LINE_AFTER = '''
layer first "先付" / "first payer"
  cite doc
  rate if line.category == A then 90% else 20%
''' + RATE_BY_LINE.replace("  deductible 1000.00 per year\n", "  base in_scope\n")


@functools.cache
def _split_policy(which: str) -> yibao.Policy:
    return compile_(BY_LINE_FIRST if which == "first" else BY_LINE_AFTER, name=f"split_{which}")


@settings(max_examples=120, deadline=None, derandomize=True)
@given(which=st.sampled_from(["first", "after"]),
       lines=st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 3_000_000),
                                st.sampled_from([None, "implant"])), min_size=1, max_size=8))
def test_the_per_line_split_of_a_rate_by_line_is_each_lines_pay(
        which: str, lines: list[tuple[str, int, str | None]]) -> None:
    """Property: every fen of every line goes to exactly one payer or the person (none below 0), the
    lines add up to each payer and the person; a rate by line's split is each line's pay as the
    trace shows it (``rate_line``), cut in proportion where its cap cut the layer's pay."""
    policy = _split_policy(which)
    c = claim(*[(cat, f"{fen // 100}.{fen % 100:02d}", *([cls] if cls and cat == "B" else []))
                for cat, fen, cls in lines])
    s = policy.settle(c, trace=True)
    split = s.lines
    for ln in split:
        assert sum(ln.payers) + ln.person == ln.amount and min(*ln.payers, ln.person) >= 0
    for k, paid in enumerate(s.payer_fen):
        assert sum(ln.payers[k] for ln in split) == paid
    assert sum(ln.person for ln in split) == s.person_fen
    k = [layer.name for layer in policy.meta.layers].index("basic")
    steps = [st_ for st_ in s.trace if st_.layer == "basic"]
    pays = {st_.values["line"]: st_.values["pay"] for st_ in steps if st_.construct == "rate_line"}
    (by_line,) = [st_.values for st_ in steps if st_.construct == "rate_by_line"]
    basic, true = [ln.payers[k] for ln in split], [pays.get(ln.index, 0) for ln in split]
    if which == "first" and by_line["pay"] == s.payer_fen[k]:  # no cap cut it: the trace's pays
        assert basic == true
    elif which == "first":  # the cap cut it: each line's pay, lowered
        assert all(b <= t for b, t in zip(basic, true, strict=True)) and sum(basic) < sum(true)
    assert policy.settle(c).lines == split  # the fast path's split is the traced one
