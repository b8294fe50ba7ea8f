"""What the server knows of a buffer: every diagnostic, and each name's definition and references."""

from __future__ import annotations

from pathlib import Path

from yibao.lsp.hover import hover_symbol, hover_word
from yibao.lsp.index import Symbol, analyse

ROOT = Path(__file__).resolve().parents[2]
DEMO = '''policy t.demo "演示" / "demo"
  effective 2024-01-01
  applies when visit.kind == inpatient

source doc "文件" / "document"

classify "分类" / "classifying"
  cite doc "0"
  category A -> in scope
  category B -> in scope
  category C -> out of scope

parameter cap_amount "封顶" / "cap": money
  cite doc "1"
  from 2024-01-01 value 1000.00
  from 2025-01-01 value 1500.00
  exception poor "贫困" / "poor" when person.category == poverty
    value 2000.00
  exception child "儿童" / "child" over poor when person.age < 18
    value 3000.00

layer basic "统筹" / "basic"
  cite doc "2"
  base in_scope
  rate 50%
  cap cap_amount per year

check half "一半" / "half"
  cite doc "3"
  holds basic.paid <= in_scope
'''


def where(a, symbol: Symbol) -> list[tuple[int, int, bool]]:
    return sorted((o.span.line, o.span.column, o.is_definition) for o in a.references(symbol))


def test_every_name_is_indexed_with_its_own_span() -> None:
    a = analyse(DEMO, "demo.yb")
    assert a.diagnostics == [] and a.checked is not None
    assert where(a, Symbol("parameter", "cap_amount")) == [(13, 11, True), (26, 7, False)]
    assert where(a, Symbol("source", "doc")) == [(5, 8, True), (8, 8, False), (14, 8, False),
                                                 (23, 8, False), (29, 8, False)]
    assert where(a, Symbol("layer", "basic")) == [(22, 7, True), (30, 9, False)]
    # `over poor` names the exception `poor` of the same parameter
    assert where(a, Symbol("exception", "cap_amount.poor")) == [(17, 13, True), (19, 39, False)]
    assert where(a, Symbol("member", "person.category:poverty")) == [(17, 56, False)]
    assert where(a, Symbol("member", "visit.kind:inpatient")) == [(3, 30, False)]
    occ = a.at("demo.yb", 26, 12)  # inside `cap_amount` of `cap cap_amount per year`
    assert occ is not None and occ.symbol == Symbol("parameter", "cap_amount")


def test_a_parameters_hover_lists_every_version_and_exception_winners_first() -> None:
    a = analyse(DEMO, "demo.yb")
    text = hover_symbol(a, Symbol("parameter", "cap_amount"))
    assert text is not None
    assert text.index("from 2024-01-01") < text.index("from 2025-01-01") < text.index(
        "exception `child`") < text.index("exception `poor`")
    assert "over poor — when `person.age < 18`" in text
    assert "value 1500.00" in text and "cites `doc` 1 — 文件 / document" in text
    assert "money" in hover_word(a, "in_scope", "in_scope")
    assert "what the layer paid" in hover_word(a, "paid", "basic.paid")
    assert "this month" in hover_word(a, "month_paid", "basic.month_paid")


def test_errors_and_warnings_are_all_reported_and_the_names_still_indexed() -> None:
    broken = DEMO.replace("cap cap_amount per year", "cap cap_amonut per year").replace(
        'cite doc "3"', 'cite dco "3"')
    a = analyse(broken, "demo.yb")
    messages = [(d.severity, d.span.line, d.message) for d in a.diagnostics]
    assert any(s == "error" and ln == 26 and "cap_amonut" in m for s, ln, m in messages)
    assert any(s == "error" and ln == 29 and "dco" in m for s, ln, m in messages)
    assert any(s == "warning" and "never used" in m for s, _, m in messages)
    assert a.checked is None and a.policy is not None
    assert a.definition(Symbol("layer", "basic")) is not None


def test_a_syntax_error_leaves_no_policy_but_a_positioned_diagnostic() -> None:
    a = analyse(DEMO.replace("  rate 50%", "  rate 50% %"), "demo.yb")
    assert a.policy is None and len(a.diagnostics) == 1
    assert a.diagnostics[0].span.line == 25


def test_a_reform_indexes_its_base_and_its_amend_lines() -> None:
    path = ROOT / "policies" / "reform2023" / "resident_outpatient.yb"
    a = analyse(path.read_text(encoding="utf-8"), str(path))
    refs = a.references(Symbol("parameter", "annual_limit"))
    files = {Path(o.span.file).name for o in refs}
    definition = a.definition(Symbol("parameter", "annual_limit"))
    assert definition is not None and Path(definition.span.file).parts[-2:] == (
        "jiujiang", "resident_outpatient.yb")
    assert any(o.span.file == str(path) and not o.is_definition for o in refs)  # `amend annual_limit`
    assert files == {"resident_outpatient.yb"}


def test_the_hover_shown_in_the_docs_is_the_hover() -> None:
    page = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    shown = page.split("````text\n", 1)[1].split("\n````", 1)[0]
    path = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
    a = analyse(path.read_text(encoding="utf-8"), str(path))
    assert hover_symbol(a, Symbol("parameter", "deductible")) == shown


def test_client_columns_count_each_encodings_units() -> None:
    """A code-point column in UTF-16 units (a character past the Basic Multilingual Plane is two),
    UTF-8 bytes, or UTF-32 (the column itself); past a line's end, its end."""
    a = analyse("a𠀀b 九江\nplain", "/tmp/x.yb")
    assert [a.client_column("/tmp/x.yb", 0, k, "utf-16") for k in range(7)] == [0, 1, 3, 4, 5, 6, 7]
    assert [a.client_column("/tmp/x.yb", 0, k, "utf-8") for k in range(7)] == [0, 1, 5, 6, 7, 10, 13]
    assert [a.client_column("/tmp/x.yb", 0, k, "utf-32") for k in range(7)] == list(range(7))
    assert a.client_column("/tmp/x.yb", 0, 40, "utf-16") == 7
    assert [a.client_column("/tmp/x.yb", 1, k, "utf-16") for k in (0, 5)] == [0, 5]
