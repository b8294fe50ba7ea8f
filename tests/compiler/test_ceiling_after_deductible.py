"""`ceiling … after deductible`: a limit on the cost above the deductible, whose excess passes on."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from yibao.compiler.constructs import CEILING_AFTER_DEDUCTIBLE_YEAR
from yibao.dsl.errors import PolicyError

import yibao
from yibao.sampling import sample_policy_claims

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "policies" / "examples" / "outpatient_ceiling_july_year.yb"

POLICY = '''\
policy demo.after "示例" / "example"
  effective 2020-01-01

source doc "文件" / "document"

classify "费用分类" / "classify"
  cite doc
  category A -> in scope
  category B -> first self pay 10%
  category C -> out of scope

layer basic "门诊统筹" / "outpatient fund"
  cite doc
  deductible 600.00 per year
  ceiling 8000.00 {period} after deductible
  rate 50%

layer critical "大病保险" / "critical illness"
  cite doc
  base remaining
  bands per year
    0.00 to 10000.00 -> 0%
    above 10000.00 -> 60%
'''


def compile_(period: str = "per year") -> yibao.Policy:
    return yibao.compile_policy(POLICY.format(period=period), "after.yb")


def claim(amount: str, date: str = "2024-05-01", ytd: dict[str, str] | None = None, cid: str = "c") -> dict:
    return {"id": cid, "date": date, "person": {"id": "p", "scheme": "employee", "category": "normal"},
            "visit": {"kind": "outpatient", "level": 2, "region": "local"},
            "lines": [{"code": "L0", "category": "A", "amount": amount}], "year_to_date": ytd or {}}


def balanced(s):
    assert sum(s.payer_fen) + s.person_fen == s.total_fen
    return s


def test_the_ceiling_limits_the_cost_above_the_deductible() -> None:
    s = balanced(compile_().settle(claim("20900.00"), trace=True))
    # deductible 600.00; eligible 20,300.00; 8,000.00 enters, 12,300.00 over: basic 4,000.00;
    # remaining 600 + 4,000 + 12,300 = 16,900.00: critical (16,900 − 10,000) × 60% = 4,140.00
    assert s.payers == {"basic": Decimal("4000.00"), "critical": Decimal("4140.00")}
    assert s.person == Decimal("12760.00")
    assert s.ytd["basic.entered"] == 800_000  # the reduced eligible amount, not the base
    assert s.ytd["critical.base"] == 1_690_000
    step = next(x for x in s.trace if x.rule == "basic.ceiling")
    assert step.construct == CEILING_AFTER_DEDUCTIBLE_YEAR.name
    assert step.values == {"ceiling": 800_000, "room": 800_000, "eligible": 2_030_000, "entered": 800_000,
                           "over": 1_230_000}
    assert CEILING_AFTER_DEDUCTIBLE_YEAR.hit(step.values)
    rate = next(x for x in s.trace if x.rule == "basic.rate")
    assert rate.values["base"] - rate.values["deductible"] == 800_000


def test_room_is_what_the_year_left() -> None:
    ytd = {"year": 2024, "basic.entered": "6000.00", "basic.deductible": "600.00", "basic.paid": "3000.00"}
    s = balanced(compile_().settle(claim("5000.00", ytd=ytd)))
    # room 2,000.00; 3,000.00 over: basic 1,000.00
    assert s.payers["basic"] == Decimal("1000.00")
    assert s.ytd["basic.entered"] == 800_000


def test_per_visit_has_no_accumulator() -> None:
    policy = compile_("per visit")
    assert "basic.entered" not in policy.accumulators
    s = balanced(policy.settle(claim("9600.00", ytd={"basic.deductible": "600.00"})))
    # deductible met; eligible 9,600.00, 8,000.00 enters a visit: 4,000.00
    assert s.payers["basic"] == Decimal("4000.00")


@pytest.mark.parametrize("period", ["per year", "per visit"])
def test_fast_equals_traced_and_many_equals_one_by_one(period: str) -> None:
    policy = compile_(period)
    dated = [("5600.00", "2024-02-01"), ("5000.00", "2024-03-01"), ("300.00", "2024-04-01"),
             ("7000.00", "2024-05-01")]
    claims = [claim(a, d, cid=f"c{i}") for i, (a, d) in enumerate(dated)]
    many = policy.settle_many(claims)
    carried: dict[str, str] = {}
    for data, s in zip(claims, many, strict=True):
        one = balanced(policy.settle({**data, "year_to_date": {"year": 2024, **carried}}))
        traced = balanced(policy.settle({**data, "year_to_date": {"year": 2024, **carried}}, trace=True))
        assert (one.payer_fen, one.person_fen, one.ytd) == (s.payer_fen, s.person_fen, s.ytd)
        assert (traced.payer_fen, traced.person_fen, traced.ytd) == (s.payer_fen, s.person_fen, s.ytd)
        carried = {k: str(v) for k, v in s.year_to_date.items()}
    if period == "per year":
        # 5,000 + 3,000 (room left) = 8,000 entered; then nothing
        assert [s.payers["basic"] for s in many] == [Decimal("2500.00"), Decimal("1500.00"), Decimal("0.00"),
                                                    Decimal("0.00")]


def test_a_ceiling_after_the_deductible_needs_a_deductible() -> None:
    text = POLICY.format(period="per year").replace("  deductible 600.00 per year\n", "")
    with pytest.raises(PolicyError) as err:
        yibao.compile_policy(text, "after.yb")
    assert "has a ceiling after its deductible but no deductible" in str(err.value)
    assert "after.yb:14:3" in str(err.value)


def test_one_ceiling_a_layer() -> None:
    text = POLICY.format(period="per year").replace("  rate 50%\n", "  ceiling 1.00 per visit\n  rate 50%\n")
    with pytest.raises(PolicyError) as err:
        yibao.compile_policy(text, "after.yb")
    assert "gives `ceiling` twice" in str(err.value)


def test_sampled_claims_go_over_the_ceiling() -> None:
    policy = yibao.load_policy(EXAMPLE)
    over = 0
    for data in sample_policy_claims(policy, 120, 7):
        s = balanced(policy.settle(data, trace=True))
        fast = policy.settle(data)
        assert (fast.payer_fen, fast.person_fen, fast.ytd) == (s.payer_fen, s.person_fen, s.ytd)
        over += any(x.rule == "basic.ceiling" and x.values["over"] > 0 for x in s.trace)
    assert over >= 5


def test_documents_say_it() -> None:
    from yibao.compiler.render import render_policy

    policy = yibao.load_policy(EXAMPLE)
    assert "Of the cost above the deductible, only the first" in render_policy(policy, "en", "md")
    assert "起付线以上的费用每个医疗年度以门诊费用限额" in render_policy(policy, "zh", "md")
