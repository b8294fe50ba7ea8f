"""Table completeness is judged over the claims the policy applies to (`applies when`)."""

from __future__ import annotations

import pytest
from yibao.compiler.loader import compile_policy
from yibao.dsl.checks import check
from yibao.dsl.errors import ClaimError, PolicyError
from yibao.dsl.parser import parse

POLICY = '''policy p "甲" / "p"
  effective 2024-01-01
  applies when visit.kind == inpatient and visit.region in {local, in_province} and visit.level != 3
classify "分" / "c"
  assume "甲" / "a"
  category A -> in scope
  category B -> in scope
  category C -> out of scope
parameter r "率" / "r": rate
  assume "甲" / "a"
  table visit.region, visit.level
    local, 1 | primary -> 90%
    local, 2 -> 80%
    in_province, 1 | 2 | primary -> 70%

layer b "乙" / "b"
  assume "甲" / "a"
  base in_scope
  rate r
'''


def claim(region: str, level: int) -> dict:
    return {"id": "x", "date": "2024-05-01", "person": {"id": "p", "scheme": "resident"},
            "visit": {"kind": "inpatient", "level": level, "region": region},
            "lines": [{"code": "a", "category": "A", "amount": "100.00"}]}


def test_a_table_need_not_cover_what_applies_when_excludes() -> None:
    """No row for level 3 or out of province: the policy never sees such a claim."""
    policy = compile_policy(POLICY, "scope.yb")
    assert str(policy.settle(claim("local", 2)).payers["b"]) == "80.00"
    with pytest.raises(ClaimError):
        policy.settle(claim("out_of_province", 1))  # refused as out of the policy's scope
    with pytest.raises(ClaimError):
        policy.settle(claim("local", 3))


def test_a_gap_inside_the_scope_is_still_an_error() -> None:
    text = POLICY.replace("    local, 2 -> 80%\n", "")
    with pytest.raises(PolicyError) as info:
        check(parse(text, "scope.yb"))
    assert [d.message for d in info.value.diagnostics] == ["table of `r` has no row for local, 2"]


def test_without_applies_when_every_value_needs_a_row() -> None:
    applies = next(line for line in POLICY.splitlines(keepends=True) if "applies when" in line)
    text = POLICY.replace(applies, "")
    with pytest.raises(PolicyError) as info:
        check(parse(text, "scope.yb"))
    assert info.value.diagnostics[0].message.startswith("table of `r` has no row for ")
