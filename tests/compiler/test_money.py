"""Money text: ``money_str`` gives the exact two-decimal text of any number of fen."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from yibao.compiler.money import money_str


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_money_str_is_the_exact_yuan_of_the_fen(fen: int) -> None:
    text = money_str(fen)
    assert Decimal(text) * 100 == fen
    assert text.split(".")[1].isdigit() and len(text.split(".")[1]) == 2
    assert not text.lstrip("-").startswith("0") or text.lstrip("-").startswith("0.")


def test_money_str_small_and_negative_amounts() -> None:
    assert [money_str(f) for f in (0, 5, 99, 100, 123456, -5, -100, -123456)] == [
        "0.00", "0.05", "0.99", "1.00", "1234.56", "-0.05", "-1.00", "-1234.56"]


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_money_display_is_money_str_with_thousands_separators(fen: int) -> None:
    """The reading form is the machine form's exact digits, grouped by three."""
    from yibao.compiler.money import money_display

    text = money_display(fen)
    assert text.replace(",", "") == money_str(fen)
    whole = text.lstrip("-").split(".")[0]
    assert all(len(g) == 3 for g in whole.split(",")[1:]) and 1 <= len(whole.split(",")[0]) <= 3


def test_money_display_around_the_first_separator() -> None:
    from yibao.compiler.money import money_display

    shown = [money_display(f) for f in (0, 7, 99, 100, 99_999, 100_000, 123_456_789, -99_999, -100_000)]
    assert shown == ["0.00", "0.07", "0.99", "1.00", "999.99", "1,000.00", "1,234,567.89", "-999.99",
                     "-1,000.00"]
