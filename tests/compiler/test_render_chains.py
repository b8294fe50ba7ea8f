"""Expressions read aloud without recursing per term: sums of any length, spines that switch operator."""

from __future__ import annotations

import pytest
from yibao.compiler.render_text import Lex
from yibao.dsl import ast
from yibao.dsl.checks import CheckedPolicy, check
from yibao.dsl.parser import parse

HEAD = ('policy p "甲" / "p"\n  effective 2020-01-01\nclassify "分" / "c"\n  assume "a"\n'
        '  category A -> in scope\n  category B -> in scope\n  category C -> out of scope\n')
TAIL = '\nlayer b "乙" / "b"\n  assume "a"\n  base in_scope\n  rate 50%\n  cap q per year\n'


def checked(value: str) -> tuple[CheckedPolicy, ast.Expr]:
    c = check(parse(HEAD + f'parameter q "值" / "q": money\n  assume "a"\n  value {value}\n' + TAIL, "p.yb"))
    definition = c.policy.parameters[0].versions[0].definition
    assert isinstance(definition, ast.Value)
    return c, definition.expr


@pytest.mark.parametrize(("value", "zh", "en"), [
    ("1.00 + 2.00 - 3.00", "1.00元 + 2.00元 − 3.00元", "1.00 yuan + 2.00 yuan − 3.00 yuan"),
    ("(1.00 + 2.00) * 3 + 4.00", "(1.00元 + 2.00元) × 3 + 4.00元", "(1.00 yuan + 2.00 yuan) × 3 + 4.00 yuan"),
    ("1.00 - (2.00 - 3.00)", "1.00元 − (2.00元 − 3.00元)", "1.00 yuan − (2.00 yuan − 3.00 yuan)"),
    ("((1.00 + 2.00) * 3 + 4.00) * 2", "((1.00元 + 2.00元) × 3 + 4.00元) × 2",
     "((1.00 yuan + 2.00 yuan) × 3 + 4.00 yuan) × 2"),
])
def test_brackets_where_the_spine_switches_operator(value: str, zh: str, en: str) -> None:
    c, e = checked(value)
    assert Lex("zh", c.policy, c.types).expr(e) == zh
    assert Lex("en", c.policy, c.types).expr(e) == en


def test_a_sum_of_ten_thousand_terms_reads_in_full() -> None:
    c, e = checked(" + ".join(["1.00"] * 10_000))
    text = Lex("en", c.policy, c.types).expr(e)
    assert text.count("1.00 yuan") == 10_000 and text.count(" + ") == 9_999


def test_a_spine_of_alternating_operators_is_bracketed_where_it_switches() -> None:
    value = "1.00"
    for i in range(40):  # each product is a level of nesting: 40 stays under the parser's limit
        value = f"({value} + 1.00) * 1" if i % 2 == 0 else f"({value}) * 1"
    c, e = checked(value)
    text = Lex("zh", c.policy, c.types).expr(e)
    assert text.startswith("(" * 20 + "1.00元 + 1.00元) × 1 × 1 + 1.00元) × 1 × 1")
    assert text.count("(") == text.count(")") == 20
