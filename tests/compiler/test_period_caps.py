"""Caps per month and per quarter: accumulated within the claim's month (quarter), dropped when a
new one starts, carried by settle_many; figures worked by hand on the example policy."""

from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from yibao.compiler.constructs import drop_period, period_of

import yibao
from yibao import ClaimError

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "examples" / "outpatient_monthly_limit.yb"


@functools.cache
def policy() -> yibao.Policy:
    return yibao.load_policy(POLICY)


def claim(cid: str, date: str, amount: str, ytd: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": cid, "date": date, "person": {"id": "p", "scheme": "resident"},
            "visit": {"kind": "outpatient", "level": 1, "region": "local"},
            "lines": [{"code": "a", "category": "A", "amount": amount}], "year_to_date": ytd or {}}


def test_a_year_of_visits_month_by_month() -> None:
    got = policy().settle_many([
        claim("a", "2024-01-05", "400.00"),   # 240.00: month 240.00
        claim("b", "2024-01-20", "200.00"),   # 120.00, but 60.00 left in January
        claim("c", "2024-02-03", "200.00"),   # a new month: 120.00; quarter 420.00
        claim("d", "2024-03-10", "1000.00"),  # 600.00 → 300.00 (month) → quarter 800 − 420 = 380: 300.00
        claim("e", "2024-03-28", "1000.00"),  # month used up: 0.00
        claim("f", "2024-04-01", "1000.00"),  # quarter 2: 300.00
    ])
    assert [s.payers["basic"] for s in got] == [Decimal(x) for x in
                                                ("240.00", "60.00", "120.00", "300.00", "0.00", "300.00")]
    assert got[-1].ytd == {"basic.paid": 102_000, "basic.month.paid": 30_000, "basic.quarter.paid": 30_000}
    assert got[3].ytd["basic.quarter.paid"] == 72_000


def test_settle_many_equals_claim_by_claim_with_the_closing_figures() -> None:
    claims = [claim("a", "2024-01-30", "700.00"), claim("b", "2024-02-01", "700.00")]
    many = policy().settle_many(claims)
    first = policy().settle(claims[0])
    opening = {"year": 2024, "month": 1, "quarter": 1, **{k: str(v) for k, v in first.year_to_date.items()}}
    second = policy().settle(claim("b", "2024-02-01", "700.00", opening))
    assert [s.payers for s in many] == [first.payers, second.payers]
    assert many[1].ytd == second.ytd


def test_the_settlement_says_which_month_and_quarter_its_figures_are_for() -> None:
    s = policy().settle(claim("x", "2024-08-09", "100.00"))
    ytd = json.loads(s.to_json())["year_to_date"]
    assert ytd == {"year": 2024, "month": 8, "quarter": 3, "basic.month.paid": "60.00", "basic.paid": "60.00",
                   "basic.quarter.paid": "60.00"}


def test_a_bad_month_is_reported_at_its_path() -> None:
    with pytest.raises(ClaimError) as info:
        policy().claim(claim("x", "2024-08-09", "100.00", {"month": 13, "quarter": 0}))
    assert {(i.path, i.message) for i in info.value.issues} == {
        ("year_to_date.month", "must be a month of the year, 1 to 12"),
        ("year_to_date.quarter", "must be a quarter of the year, 1 to 4"),
    }


@pytest.mark.parametrize(("date", "start", "month", "quarter"), [
    ("2024-01-01", (1, 1), 1, 1), ("2024-03-31", (1, 1), 3, 1), ("2024-04-01", (1, 1), 4, 2),
    ("2024-12-31", (1, 1), 12, 4), ("2024-07-01", (7, 1), 7, 1), ("2025-06-30", (7, 1), 6, 4),
    ("2024-12-01", (7, 1), 12, 2),
])
def test_periods(date: str, start: tuple[int, int], month: int, quarter: int) -> None:
    day = dt.date.fromisoformat(date)
    assert period_of(day, "month", start) == month
    assert period_of(day, "quarter", start) == quarter


def test_dropping_a_period_keeps_the_other_figures() -> None:
    ytd = {"basic.paid": 1, "basic.month.paid": 2, "basic.quarter.paid": 3, "other.deductible": 4}
    assert drop_period(ytd, "month") == {"basic.paid": 1, "basic.quarter.paid": 3, "other.deductible": 4}


def test_per_month_is_for_caps_only() -> None:
    rate = "  rate outpatient_rate\n"
    text = POLICY.read_text(encoding="utf-8").replace(rate, "  deductible 100.00 per month\n" + rate)
    with pytest.raises(yibao.PolicyError) as info:
        yibao.compile_policy(text, "m.yb")
    assert "`per month` limits a cap only; a deductible is per year or per visit" in str(info.value)
