"""The parser: spans on every node, Unicode, comments, and syntax errors that say what was expected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from yibao.dsl import ast
from yibao.dsl.errors import PolicyError
from yibao.dsl.parser import parse

MINIMAL = '''\
# a comment before anything
policy demo.minimal "最小政策" / "minimal policy"   # trailing comment
  effective 2020-01-01 until 2030-12-31

source doc "文件" / "document"
  document "九醫保字[2020]41號"

classify "费用分类" / "classify"
  cite doc "一"
  category A -> in scope
  category B -> first self pay 10%
  category B, class implant -> first self pay 30%
  category C -> out of scope

parameter limit "限额" / "limit": money
  cite doc
  from 2020-01-01 value 300.00
  # the raise
  from 2022-07-01 value 400.00

layer basic "统筹基金" / "basic fund"
  cite doc "二"
  when visit.region in {local, in_province} and "diabetes" in visit.diseases
  deductible 100.00 per visit
  rate if visit.level == 3 then 60% else 80% - 5%
  cap limit per year
'''


def test_parses_header_and_unicode() -> None:
    p = parse(MINIMAL, "minimal.yb")
    assert p.header.name == "demo.minimal"
    assert p.header.label == ast.Label("最小政策", "minimal policy", p.header.label.span)
    assert p.header.effective == dt.date(2020, 1, 1)
    assert p.header.until == dt.date(2030, 12, 31)
    assert p.sources[0].document == "九醫保字[2020]41號"


def test_every_node_has_a_span() -> None:
    p = parse(MINIMAL, "minimal.yb")
    limit = p.parameters[0]
    assert (limit.span.line, limit.span.column) == (15, 1)
    assert [v.start for v in limit.versions] == [dt.date(2020, 1, 1), dt.date(2022, 7, 1)]
    assert limit.versions[1].span.line == 19
    layer = p.layers[0]
    assert layer.span.line == 21 and layer.span.end_line == 26
    assert isinstance(layer.rate, ast.If)
    assert layer.rate.span.line == 25
    assert layer.deductible == ast.Periodic(
        ast.Number(Decimal("100.00"), layer.deductible.expr.span), "visit", layer.deductible.span)


def test_spans_stop_before_trailing_comments() -> None:
    p = parse(MINIMAL, "minimal.yb")
    label = p.header.label
    assert label.span.end_line == 2
    assert MINIMAL.splitlines()[1][label.span.column - 1 : label.span.end_column - 1] == (
        '"最小政策" / "minimal policy"')


def test_class_rows() -> None:
    p = parse(MINIMAL, "minimal.yb")
    assert p.classify is not None
    rows = [(r.category, r.item_class, r.treatment.kind) for r in p.classify.rows]
    assert rows == [("A", None, "in_scope"), ("B", None, "first_self_pay"),
                    ("B", "implant", "first_self_pay"), ("C", None, "out_of_scope")]


def test_string_escapes() -> None:
    p = parse(MINIMAL.replace('"document"', '"say \\"hi\\" \\\\ now"'), "x.yb")
    assert p.sources[0].label.en == 'say "hi" \\ now'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("policy x \"a\" / \"b\"\n  effective 2020-01-01\nlayer l \"a\" / \"b\"\n  rate 80\n  cap\n",
         "expected"),
        ("policy x \"a\" / \"b\"\n  effective 2020-13-01\n", "`2020-13-01` is not a calendar date"),
    ],
)
def test_syntax_errors_are_located(source: str, expected: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse(source, "bad.yb")
    text = str(info.value)
    assert text.startswith("bad.yb:")
    assert expected in text


def test_unexpected_end_of_file() -> None:
    with pytest.raises(PolicyError) as info:
        parse('policy x "a" / "b"\n  effective 2020-01-01\nlayer l "a" / "b"\n  rate 80% +', "eof.yb")
    d = info.value.diagnostics[0]
    assert d.span.line == 4
    assert "expected" in d.message
