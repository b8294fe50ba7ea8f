"""Many parameters in helper functions of bounded size: the same settlements, traces and error lines.

A policy past ``_INLINE_PARAMS`` parameters computes them in groups (``codegen_groups.py``);
these tests compare it with the same policy compiled in line, and check that an error raised
inside a group is still reported at its policy line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from yibao.compiler import codegen_groups
from yibao.compiler.loader import compile_policy
from yibao.dsl.errors import SettlementError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from policy_scale import params_text  # the benchmark's policy

# Parameters of other kinds among the chain: a table on the claim, a dated version, an exception,
# one that reads the claim's total (computed after classification, so left in line), and one
# that divides by the claim's age (fails for a 30-year-old).
EXTRA = '''
parameter by_region "地区" / "by region": money
  cite doc
  table visit.region
    local -> p7 + 1.00
    _ -> 2.00

parameter dated "分段" / "dated": money
  cite doc
  from 2020-01-01 value 3.00
  from 2024-01-01 value p20 + by_region

parameter excepted "例外" / "excepted": money
  cite doc
  value 4.00
  exception poor "困难" / "poor" when person.category == low_income
    value by_region + 5.00

parameter share "份额" / "share": money
  cite doc
  value total - total + dated + excepted

parameter far "远处" / "far": money
  cite doc
  value 100.00 / (person.age - 30)
'''


def policy_text(n: int) -> str:
    text = params_text(n).replace(f"  cap p{n - 1} per visit\n", f"  cap p{n - 1} + share + far per visit\n")
    return text + EXTRA


def claim(n: int, amount: str, *, age: int = 40, category: str = "normal", region: str = "local",
          date: str = "2024-03-01") -> dict[str, Any]:
    return {
        "id": f"c{n}", "date": date,
        "person": {"id": "p", "scheme": "resident", "category": category, "age": age},
        "visit": {"kind": "inpatient", "level": 1, "region": region},
        "lines": [{"code": "a", "category": "A", "amount": amount},
                  {"code": "b", "category": "C", "amount": "7.00"}],
    }


CLAIMS = [claim(i, amount, category=cat, region=region, date=date)
          for i, (amount, cat, region, date) in enumerate([
              ("100.00", "normal", "local", "2024-03-01"), ("90000.00", "low_income", "local", "2023-06-01"),
              ("2500.00", "normal", "in_province", "2024-01-01"), ("400.00", "low_income", "out_of_province",
                                                                 "2022-12-31")])]


def test_groups_settle_and_trace_as_in_line(monkeypatch) -> None:
    text = policy_text(300)
    grouped = compile_policy(text, "many.yb")
    monkeypatch.setattr(codegen_groups, "_INLINE_PARAMS", 10**6)
    inline = compile_policy(text, "many.yb")
    assert "_params_" not in inline.source
    assert "def _params_0(c):" in grouped.source and "def _params_traced_0(c, t):" in grouped.source
    # settle and settle_sums call the same fast groups; the parameter read after classification stays in line
    assert grouped.source.count("= _params_0(c)") == 2
    assert grouped.source.count("    p_share = ") == 3
    for c in CLAIMS:
        a, b = grouped.settle(dict(c), trace=True), inline.settle(dict(c), trace=True)
        assert a.to_json() == b.to_json()
        assert a.records == b.records  # every parameter's step, in the same order
        fast = grouped.settle(dict(c)).to_json()  # through settle_sums where the C reader sums the lines
        assert fast == inline.settle(dict(c)).to_json()
        assert grouped.settle_fast(grouped.claim(dict(c))).to_json() == fast  # through settle
    # the dated version and the exception are taken where they apply: the payer's figures differ
    assert len({grouped.settle(dict(c)).payer_fen for c in CLAIMS}) == len(CLAIMS)


@pytest.fixture(scope="module")
def far() -> tuple[str, Any]:
    text = policy_text(4000)
    return text, compile_policy(text, "many.yb")


def test_no_function_grows_with_the_policy(far) -> None:
    lengths: dict[str, int] = {}  # each top-level function's lines, up to the next top-level line
    name = ""
    for text in far[1].source.split("\n"):
        if text and not text[0].isspace():
            name = text[4:text.index("(")] if text.startswith("def ") else ""
        elif name:
            lengths[name] = lengths.get(name, 0) + 1
    assert sum(name.startswith("_params_") for name in lengths) >= 40
    assert max(lengths.values()) < codegen_groups._GROUP_LINES + 50


@pytest.mark.parametrize("trace", [False, True])
def test_an_error_in_a_group_far_down_is_reported_at_its_policy_line(far, trace: bool) -> None:
    """4,000 parameters, then one that divides by zero for a 30-year-old: reported at its `value` line."""
    text, policy = far
    line = text.split("\n").index("  value 100.00 / (person.age - 30)") + 1
    assert line > 16_000
    source = policy.source.split("\n")
    at = [i for i, (_, policy_line) in enumerate(policy.generated.linemap) if policy_line == line]
    assert [source[i].strip()[:8] for i in at] == ["p_far = ", "p_far = ", "t((4003,"]  # fast, traced group
    functions = [next(s for s in reversed(source[:i]) if s.startswith("def ")) for i in at]
    assert all(f.startswith("def _params_") for f in functions)
    with pytest.raises(SettlementError) as err:
        policy.settle(claim(0, "100.00", age=30), trace=trace)
    assert str(err.value).startswith(f"many.yb:{line}: error while settling claim c0: ")
    assert "value 100.00 / (person.age - 30)" in str(err.value)
