"""Completion by context, from the text before the cursor; and no position makes a feature fail."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.lsp import symbols
from yibao.lsp.completion import complete
from yibao.lsp.hover import hover_symbol
from yibao.lsp.index import Analysis, analyse

from .test_index import DEMO

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted((ROOT / "policies").rglob("*.yb"))


def labels(text: str, marker: str = "‸", analysis: Analysis | None = None) -> list[str]:
    """Completion labels at ``marker`` in ``text`` (the marker removed)."""
    at = text.index(marker)
    text = text.replace(marker, "")
    row = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1)
    return [c.label for c in complete(analysis, text, row, column)]


def test_claim_fields_after_a_root() -> None:
    assert labels("  when person.‸") == ["scheme", "category", "age"]
    assert "level" in labels("  when visit.le‸")
    assert labels("  when claim.‸") == ["date"]


def test_layer_results_and_record_fields_after_their_names() -> None:
    a = analyse(DEMO, "demo.yb")
    assert {"paid", "deductible", "year_paid"} <= set(labels(DEMO + "  holds basic.‸", analysis=a))
    path = ROOT / "policies" / "reform2023" / "alliance_surplus.yb"
    record = analyse(path.read_text(encoding="utf-8"), str(path))
    assert labels("  amount record.‸", analysis=record) == ["package", "spent"]


def test_keywords_by_block() -> None:
    top = labels(DEMO + "‸")
    assert {"parameter", "layer", "source", "check", "enum"} <= set(top) and "rate" not in top
    layer = labels(DEMO.replace("  base in_scope\n", "  ‸\n  base in_scope\n"))
    assert {"base", "rate", "cap", "deductible", "ceiling", "bands", "cite", "when"} <= set(layer)
    assert "holds" not in layer and "category" not in layer
    header = labels(DEMO.replace("  effective 2024-01-01\n", "  ‸\n  effective 2024-01-01\n"))
    assert {"effective", "applies", "extends", "document", "rounding"} <= set(header)
    assert labels("‸")[:1] == ["policy"]  # an empty file starts with its header


def test_what_a_keyword_takes() -> None:
    a = analyse(DEMO, "demo.yb")
    assert labels(DEMO + 'layer x "x" / "x"\n  cite ‸', analysis=a) == ["doc"]
    assert labels("  rounding h‸") == ["half_up", "half_even", "down", "up"]
    assert labels("  category ‸") == ["A", "B", "C"]
    assert labels('parameter p "甲" / "p": ‸')[:5] == ["money", "rate", "count", "date", "bool"]
    assert "visit.level" in labels('parameter p "甲" / "p": ‸')


def test_values_in_tables_and_comparisons() -> None:
    table = ("parameter r \"r\" / \"r\": rate\n  table visit.region, visit.level\n    local, ‸\n")
    assert labels(table) == ["1", "2", "3", "primary", "_"]
    assert labels(table.replace("local, ‸", "‸"))[:3] == ["local", "in_province", "out_of_province"]
    assert labels("  when person.category == ‸") == ["normal", "low_income", "poverty", "extreme_poverty"]
    assert "tcm" in labels("  when visit.facility in {general, ‸")


def test_a_policys_own_values_replace_the_defaults() -> None:
    enum = 'enum person.category = normal | poor "贫困" / "poor"\n\nsource doc'
    a = analyse(DEMO.replace("source doc", enum).replace("== poverty", "== poor"), "demo.yb")
    assert a.checked is not None, [d.message for d in a.diagnostics]
    assert labels("  when person.category == ‸", analysis=a) == ["normal", "poor"]


def test_expressions_offer_parameters_quantities_and_functions_not_in_strings() -> None:
    a = analyse(DEMO, "demo.yb")
    found = labels(DEMO.replace("  rate 50%", "  rate 50% + ‸"), analysis=a)
    assert {"cap_amount", "in_scope", "min", "visit", "basic", "if"} <= set(found)
    assert labels('  cite doc "‸') == [] and labels("  # a comment ‸") == []


@cache
def _analysis(path: Path) -> Analysis:
    return analyse(path.read_text(encoding="utf-8"), str(path))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(POLICIES), st.integers(0, 10**6), st.integers(0, 300))
def test_no_position_of_a_bundled_policy_makes_a_feature_fail(path: Path, row: int, column: int) -> None:
    a = _analysis(path)
    lines = a.text.split("\n")
    row %= len(lines)
    column = min(column, len(lines[row]))
    complete(a, a.text, row, column)
    occ = a.at(a.path, row + 1, column + 1) or symbols.declaration_named(a, lines[row][column:].split(" ")[0])
    if occ is not None:
        assert a.definition(occ.symbol) is None or a.definition(occ.symbol).is_definition
        hover_symbol(a, occ.symbol)
