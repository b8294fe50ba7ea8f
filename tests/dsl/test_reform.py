"""Reforms extend a base policy and change only what the new document changed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import yibao

BASE = '''\
policy demo.base "基础政策" / "base policy"
  effective 2020-01-01
  applies when visit.kind == outpatient

source doc "原文件" / "base document"

classify "费用分类" / "classify"
  cite doc
  category A -> in scope
  category B -> in scope
  category C -> out of scope

parameter limit "年度限额" / "annual limit": money
  cite doc
  value 300.00

parameter rate "比例" / "rate": rate
  cite doc
  value 50%

layer basic "统筹基金" / "basic fund"
  cite doc
  rate rate
  cap limit per year
'''

REFORM = '''\
policy demo.reform "改革方案" / "reform plan"
  extends "base/base.yb"
  document "改革文件"

source reform "改革文件" / "reform document"

amend limit
  cite reform "门诊"
  from 2023-01-01 value 400.00

layer charity "慈善" / "charity" before basic
  cite reform
  when person.category == poverty
  fixed 10.00 per visit
'''


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def claim(amount: str, date: str, category: str = "normal") -> dict:
    return {
        "id": "c", "date": date, "person": {"id": "p", "scheme": "resident", "category": category},
        "visit": {"kind": "outpatient", "level": 1, "region": "local"},
        "lines": [{"code": "a", "category": "A", "amount": amount}],
    }


@pytest.fixture
def reform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> yibao.Policy:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "base/base.yb", BASE)
    write(tmp_path, "reform.yb", REFORM)
    return yibao.load_policy("reform.yb")


def test_amended_parameter_changes_from_its_date(reform: yibao.Policy) -> None:
    # 2,000 × 50% = 1,000, capped by the annual limit: 300.00 before 2023, 400.00 from 2023-01-01
    assert reform.settle(claim("2000.00", "2022-12-31")).payers["basic"] == Decimal("300.00")
    assert reform.settle(claim("2000.00", "2023-01-01")).payers["basic"] == Decimal("400.00")


def test_new_layer_is_placed_before_the_base_layer(reform: yibao.Policy) -> None:
    assert reform.layers == ("charity", "basic")
    s = reform.settle(claim("100.00", "2023-03-01", "poverty"))
    # charity 10.00 first; basic 50% of the 90.00 left = 45.00
    assert s.payers == {"charity": Decimal("10.00"), "basic": Decimal("45.00")}


def test_header_and_base_are_kept(reform: yibao.Policy) -> None:
    assert reform.id == "demo.reform"
    assert reform.ast.header.effective is not None
    assert reform.ast.base is not None and reform.ast.base.header.name == "demo.base"
    assert {Path(p).name for p in reform.ast.texts} == {"base.yb", "reform.yb"}


def test_trace_names_the_file_of_each_rule(reform: yibao.Policy) -> None:
    s = reform.settle(claim("2000.00", "2023-06-01"), trace=True)
    files = {step.rule: step.file for step in s.trace}
    assert files["basic.rate"] == "base/base.yb"
    assert files["parameter:limit"] == "reform.yb"  # the 2023 value comes from the amendment
    assert files["parameter:rate"] == "base/base.yb"


def test_errors_point_into_the_right_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "base/base.yb", BASE.replace("value 50%", "value 50% + 1.00"))
    write(tmp_path, "reform.yb", REFORM.replace("amend limit", "amend limt"))
    with pytest.raises(yibao.PolicyError) as info:
        yibao.load_policy("reform.yb")
    text = str(info.value)
    assert "reform.yb:7:1: error[Y0704]: `amend limt`: the base policy has no such parameter" in text
    assert "did you mean `limit`?" in text


def test_base_errors_show_the_base_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "base/base.yb", BASE.replace("value 50%", "value 50% + 1.00"))
    write(tmp_path, "reform.yb", REFORM)
    with pytest.raises(yibao.PolicyError) as info:
        yibao.load_policy("reform.yb")
    text = str(info.value)
    assert "base/base.yb:19:9: error[Y0305]: cannot add money and a rate" in text
    assert "  19 |   value 50% + 1.00" in text


@pytest.mark.parametrize(("extends", "message"), [
    ('"base/nowhere.yb"', "cannot find the base policy `base/nowhere.yb`"),
    ('"reform.yb"', "policies extend each other in a loop"),
])
def test_bad_extends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extends: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "base/base.yb", BASE)
    write(tmp_path, "reform.yb", REFORM.replace('"base/base.yb"', extends))
    with pytest.raises(yibao.PolicyError) as info:
        yibao.load_policy("reform.yb")
    assert message in str(info.value)
    assert "reform.yb:2:3" in str(info.value)


def test_amend_outside_a_reform() -> None:
    with pytest.raises(yibao.PolicyError) as info:
        yibao.compile_policy(BASE + "\namend limit\n  from 2023-01-01 value 400.00\n", "x.yb")
    assert "`amend` belongs in a reform" in str(info.value)
