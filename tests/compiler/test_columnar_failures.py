"""Where the scalar path cannot settle a claim (a division by zero, a computed rate outside
0%..100%), the columnar backend fails that claim with the scalar path's message and settles the
others to the fen: a part of the policy the scalar code never evaluates for a claim (a branch
of ``if``, an operand after ``and``/``or``, an exception after one that held, a band the year
has not reached, a classification row a line does not reach) never fails it."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.compiler.codegen_columnar import ColumnarUnsupported
from yibao.compiler.columnar_settle import batch_from_claims, settle_batch
from yibao.compiler.loader import compile_policy
from yibao.compiler.loader_columnar import columnar_module
from yibao.dsl.errors import SettlementError

# Divisions by a person's age (0 for a newborn) and by a rate that is 0% at level 2, in every
# place an expression can stand, each reached by the scalar code for some claims only.
DIVIDING = """\
policy t.div "除法" / "division"
  effective 2024-01-01

source doc "文件" / "document"

parameter by_age "按年龄的比例" / "rate by age": rate
  cite doc
  value if person.age > 1 then 90% / person.age else 45%

parameter in_city "市内比例" / "in-city rate": rate
  cite doc
  table visit.level
    1 | primary -> 60%
    2           -> 0%
    3           -> 40%

parameter factor "系数" / "factor": rate
  cite doc
  value if visit.region == local then 100% else min(40% / in_city, 100%)

parameter share "自付比例" / "share": rate
  cite doc
  table visit.region
    local -> 10%
    _     -> 20% / person.age
  exception older "年长" / "older" when person.age > 3 and 10 / person.age == 2
    cite doc
    value 5%

parameter ded "起付线" / "deductible": money
  cite doc
  value 600.00 / (person.age + 1)

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B when line.amount / person.age > 100.00 -> first self pay share
  category B -> first self pay 10%
  category C, class implant -> in scope 50% / person.age
  category C -> out of scope

layer basic "基本医保" / "basic insurance"
  cite doc
  base in_scope
  deductible ded per year
  rate by_age
  cap 20000.00 per year

layer extra "补充" / "extra"
  cite doc
  when person.age == 0 or 100 / person.age > 20
  base remaining
  bands per year
    0.00 to 1000.00    -> 0%
    1000.00 to 5000.00 -> factor
    above 5000.00      -> 50% / person.age

check fair "检查" / "check"
  cite doc
  holds visit.level == 1 or remaining / person.age >= 0.00
"""


@cache
def _dividing() -> Any:
    return compile_policy(DIVIDING, "div.yb")


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _scalar(policy: Any, claims: list[Any]) -> list[tuple[Any, ...]]:
    """Each claim's outcome by ``settle_many`` over its person's claims in date order: settled,
    failed with the scalar message, or not settled after a failed claim of the person's year."""
    by_person: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        by_person.setdefault(c.person_id, []).append(i)
    out: list[Any] = [None] * len(claims)
    for idx in by_person.values():
        order = sorted(idx, key=lambda i: (claims[i].day, claims[i].id))
        for k, i in enumerate(order):
            try:  # the person's claims up to this one: the earlier ones settled already
                s = policy.settle_many([claims[j] for j in order[: k + 1]])[-1]
            except SettlementError as err:
                out[i] = ("error", str(err))
                for j in order[k + 1 :]:
                    out[j] = ("error", f"div.yb: error while settling claim {claims[j].id}: not settled: the "
                                       f"person's earlier claim {claims[i].id} of the same year could not be "
                                       "settled")
                break
            out[i] = ("ok", s.payer_fen, s.person_fen, {a: s.ytd.get(a, 0) for a in policy.accumulators},
                      (s.total_fen, s.out_of_scope_fen, s.first_self_pay_fen, s.in_scope_fen))
    return out


def _columnar(policy: Any, claims: list[Any]) -> list[tuple[Any, ...]]:
    module = columnar_module(policy)
    r = settle_batch(module, batch_from_claims(claims, module), keep_going=True)
    return [("error", str(r.errors[i])) if i in r.errors else
            ("ok", tuple(int(r.payers[name][i]) for name in policy.layers), int(r.person[i]),
             {a: int(r.ytd[a][i]) for a in policy.accumulators},
             (int(r.total[i]), int(r.out_of_scope[i]), int(r.first_self_pay[i]), int(r.in_scope[i])))
            for i in range(len(claims))]


_line = st.tuples(st.sampled_from("ABC"), st.sampled_from((None, "implant")), st.integers(0, 8_000_00))
_regions = st.sampled_from(("local", "in_province", "out_of_province"))
_claim = st.tuples(st.sampled_from((0, 0, 1, 2, 3, 5, 10)), _regions, st.sampled_from((1, 2, 3)),
                   st.lists(_line, min_size=1, max_size=4))


@settings(max_examples=120, deadline=None)
@given(persons=st.lists(st.lists(_claim, min_size=1, max_size=3), min_size=1, max_size=6))
def test_columnar_fails_and_settles_exactly_the_claims_the_scalar_path_does(
        persons: list[list[tuple[Any, ...]]]) -> None:
    policy = _dividing()
    claims = []
    for p, visits in enumerate(persons):
        for k, (age, region, level, lines) in enumerate(visits):
            bill = [{"code": f"x{i}", "category": cat, "amount": _yuan(fen),
                     **({"class": cls} if cls else {})} for i, (cat, cls, fen) in enumerate(lines)]
            claims.append(policy.claim({
                "id": f"c{p}-{k}", "date": f"2024-0{k + 1}-10",
                "person": {"id": f"p{p}", "scheme": "resident", "age": age},
                "visit": {"kind": "inpatient", "level": level, "region": region}, "lines": bill}))
    assert _columnar(policy, claims) == _scalar(policy, claims)


def _claim_of(cid: str, person: str, date: str, age: int, region: str = "local", level: int = 1,
              lines: tuple[tuple[str, str], ...] = (("A", "3000.00"),)) -> dict[str, Any]:
    return {"id": cid, "date": date, "person": {"id": person, "scheme": "resident", "age": age},
            "visit": {"kind": "inpatient", "level": level, "region": region},
            "lines": [{"code": f"x{i}", "category": c, "amount": a} for i, (c, a) in enumerate(lines)]}


def test_one_failing_claim_leaves_the_others_settled_and_a_new_year_starts_afresh() -> None:
    policy = _dividing()
    module = columnar_module(policy)
    raw = [_claim_of("a1", "pa", "2024-02-01", 2),
           _claim_of("a2", "pa", "2024-03-01", 0, region="in_province"),  # 20% / 0 in `share`
           _claim_of("a3", "pa", "2024-04-01", 2),  # after a2 in pa's year: not settled
           _claim_of("a4", "pa", "2025-01-15", 2),  # a new year: from its own year_to_date
           _claim_of("b1", "pb", "2024-02-01", 0, lines=(("B", "50.00"), ("B", "500.00"))),  # line 1 fails
           _claim_of("c1", "pc", "2024-02-01", 5)]
    claims = [policy.claim(c) for c in raw]
    got = settle_batch(module, batch_from_claims(claims, module), keep_going=True)
    assert sorted(got.errors) == [1, 2, 4]
    with pytest.raises(SettlementError) as a2:
        policy.settle(claims[1])
    assert str(got.errors[1]) == str(a2.value)
    assert got.errors[1].text("zh") == a2.value.text("zh") == ("div.yb:25：结算单 a2 结算时出错：除数为零\n"
                                                                "  _     -> 20% / person.age")
    assert str(a2.value) == ("div.yb:25: error while settling claim a2: division by zero\n"
                             "  _     -> 20% / person.age")
    assert str(got.errors[2]).startswith("div.yb: error while settling claim a3: not settled: the person's "
                                    "earlier claim a2")
    assert str(got.errors[4]).startswith("div.yb:37: error while settling claim b1: division by zero")
    for i in (0, 3, 5):
        assert got.payers["basic"][i] == policy.settle(claims[i]).payer_fen[0]
    with pytest.raises(SettlementError) as first:  # without keep_going: the first claim's own failure
        settle_batch(module, batch_from_claims(claims, module))
    assert str(first.value) == str(got.errors[1])


def test_a_rate_by_bill_line_that_divides_is_refused_by_name() -> None:
    text = DIVIDING.replace("  rate by_age\n", "  rate if line.amount / person.age > 1.00 then 50% else 6%\n")
    refused = r"div\.yb:46: a rate by bill line that is computed \(not a choice among rates\), divides"
    with pytest.raises(ColumnarUnsupported, match=refused):
        columnar_module(compile_policy(text, "div.yb"))


def test_the_checks_of_the_divisions_read_as_the_snapshot(snapshot_py) -> None:
    # each division's check under the mask of the claims (lines) the scalar code evaluates it for
    from yibao.compiler.codegen_columnar import generate_columnar

    assert generate_columnar(_dividing().checked) == snapshot_py
