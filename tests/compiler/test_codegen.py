"""Generated Python: readable (snapshot), deterministic, and safe from policy text."""

from __future__ import annotations

import ast as pyast

import pytest
from yibao.dsl.errors import SettlementError

import yibao

from ..conftest import POLICIES

JIUJIANG = POLICIES / "jiujiang" / "resident_inpatient.yb"


def test_generated_module_snapshot(jiujiang_resident, snapshot_py) -> None:
    assert jiujiang_resident.source == snapshot_py


def test_same_input_same_bytes() -> None:
    first = yibao.load_policy(JIUJIANG).source
    second = yibao.load_policy(JIUJIANG).source
    assert first == second
    pyast.parse(first)  # valid Python


def test_policy_text_cannot_inject_code() -> None:
    evil = '''\
policy evil.label "'); import os; os.system('echo pwned') #" / "\\"\\"\\" + __import__('os')"
  effective 2020-01-01

source doc "{0:m} }}{{ \\\\n" / "doc"

classify "分类" / "classify"
  cite doc "'''  # section text with quotes
    evil += '''x'); raise SystemExit('''
    evil += '''"
  category A -> in scope
  category B -> in scope
  category C -> out of scope

layer basic "统筹 '''
    evil += '''\\"); exit(" / "basic"
  cite doc
  rate 50%
'''
    policy = yibao.compile_policy(evil, "evil.yb")
    tree = pyast.parse(policy.source)
    calls = {
        node.func.attr if isinstance(node.func, pyast.Attribute) else getattr(node.func, "id", "")
        for node in pyast.walk(tree)
        if isinstance(node, pyast.Call)
    }
    assert "system" not in calls and "exit" not in calls and "__import__" not in calls
    assert policy.meta.zh == "'); import os; os.system('echo pwned') #"
    assert policy.meta.en == '""" + __import__(\'os\')'
    claim = {
        "id": "x", "date": "2024-01-01",
        "person": {"id": "p", "scheme": "resident"},
        "visit": {"kind": "inpatient", "level": 1, "region": "local"},
        "lines": [{"code": "a", "name": "{0:m} {1:t}", "category": "A", "amount": "10.00"}],
    }
    s = policy.settle(claim, trace=True)
    assert s.payers["basic"] == 5
    assert s.trace[0].formula.startswith("a {0:m} {1:t}: category A")


def test_runtime_error_names_the_policy_line() -> None:
    source = '''\
policy demo.divide "除法" / "division"
  effective 2020-01-01

source doc "文件" / "document"

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> in scope
  category C -> out of scope

layer basic "统筹" / "basic"
  cite doc
  deductible 1000.00 / person.age per visit
  rate 50%
'''
    policy = yibao.compile_policy(source, "divide.yb")
    claim = {
        "id": "zero-age", "date": "2024-01-01",
        "person": {"id": "p", "scheme": "resident", "age": 0},
        "visit": {"kind": "inpatient", "level": 1, "region": "local"},
        "lines": [{"code": "a", "category": "A", "amount": "10.00"}],
    }
    with pytest.raises(SettlementError) as info:
        policy.settle(claim)
    message = str(info.value)
    assert message.startswith("divide.yb:14: error while settling claim zero-age")
    assert "deductible 1000.00 / person.age per visit" in message


def test_generated_lines_map_back_to_policy_lines(jiujiang_resident) -> None:
    source_lines = jiujiang_resident.source.splitlines()
    linemap = jiujiang_resident.generated.linemap
    assert len(linemap) == len(source_lines)
    policy_lines = jiujiang_resident.ast.text.splitlines()
    for generated, (policy_file, policy_line) in zip(source_lines, linemap, strict=True):
        assert policy_file == "policies/jiujiang/resident_inpatient.yb"
        if "p_rate = 800000" in generated:
            assert " ".join(policy_lines[policy_line - 1].split()) == "local, 2, _ -> 80%"
        if "pay = div_half_up(elig_basic * rate" in generated:
            assert policy_lines[policy_line - 1].strip() == "rate rate"
