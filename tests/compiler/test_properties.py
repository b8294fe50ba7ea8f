"""Properties of settlement under the Jiujiang resident inpatient policy, over generated claims.

Every property is checked on claims built as JSON-like dicts (amounts as "yuan.fen"
strings), so each example also goes through the claim contract.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yibao
from yibao import Settlement

ROOT = Path(__file__).resolve().parents[2]
JIUJIANG = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"

CAP = 15_000_000  # the policy's annual_cap 150,000.00 on layer basic, in fen
AMOUNT = re.compile(r"^-?\d+\.\d\d$")

# Deterministic for CI: the same examples on every run, no example database.
PROPERTY = settings(
    max_examples=700,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@functools.cache
def jiujiang() -> yibao.Policy:
    return yibao.load_policy(JIUJIANG)


def fen_str(fen: int) -> str:
    """Fen → "yuan.fen", written here independently of yibao's money helpers."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def str_fen(text: str) -> int:
    assert AMOUNT.match(text), text
    sign = -1 if text.startswith("-") else 1
    yuan, fen = text.lstrip("-").split(".")
    return sign * (int(yuan) * 100 + int(fen))


# ---------------------------------------------------------------- strategies

LEVELS = st.sampled_from(["1", "2", "3", "primary", 1, 2, 3])
REGIONS = st.sampled_from(["local", "in_province", "out_of_province"])
REFERRALS = st.sampled_from([None, "none", "referred", "registered", "emergency"])
CATEGORIES = st.sampled_from([None, "normal", "low_income", "poverty", "extreme_poverty"])


def fen_between(low: int, high: int) -> st.SearchStrategy[int]:
    """Integers in [low, high], often near either end: Hypothesis alone favours the low end."""
    return st.one_of(
        st.integers(min_value=low, max_value=high),
        st.integers(min_value=low, max_value=high).map(lambda x: high - (x - low)),
    )


LINE_AMOUNTS = fen_between(0, 5_000_000)
DEDUCTIBLE_PAID = fen_between(0, 100_000)
# Fund paid so far this year: anywhere up to 160,000.00, often within 1,000.00 of the cap.
BASIC_PAID = st.one_of(
    fen_between(0, 16_000_000),
    st.integers(min_value=-100_000, max_value=100_000).map(lambda x: CAP + x),
)


@st.composite
def bill_lines(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=8))
    return [
        {
            "code": f"L{i}",
            "name": f"line {i}",
            "category": draw(st.sampled_from("ABC")),
            "amount": fen_str(draw(LINE_AMOUNTS)),
        }
        for i in range(n)
    ]


@st.composite
def year_to_date(draw: st.DrawFn, year: int) -> dict[str, Any]:
    ytd: dict[str, Any] = {}
    # Mostly stated for the claim's year; sometimes without a year, or for another year.
    stated = draw(st.sampled_from([year, year, year, None, year - 1]))
    if stated is not None:
        ytd["year"] = stated
    if draw(st.booleans()):
        ytd["basic.deductible"] = fen_str(draw(DEDUCTIBLE_PAID))
    if draw(st.booleans()):
        ytd["basic.paid"] = fen_str(draw(BASIC_PAID))
    return ytd


@st.composite
def claims(
    draw: st.DrawFn,
    claim_id: str = "H-1",
    person_id: str = "P-1",
    dates: st.SearchStrategy[dt.date] | None = None,
    with_ytd: bool | None = None,
) -> dict[str, Any]:
    date = draw(dates if dates is not None else st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
    person: dict[str, Any] = {"id": person_id, "scheme": "resident"}
    category = draw(CATEGORIES)
    if category is not None:
        person["category"] = category
    visit: dict[str, Any] = {"kind": "inpatient", "level": draw(LEVELS), "region": draw(REGIONS)}
    referral = draw(REFERRALS)
    if referral is not None:
        visit["referral"] = referral
    if draw(st.booleans()):
        visit["admission_no"] = draw(st.integers(min_value=1, max_value=5))
    claim: dict[str, Any] = {
        "id": claim_id,
        "date": date.isoformat(),
        "person": person,
        "visit": visit,
        "lines": draw(bill_lines()),
    }
    if with_ytd if with_ytd is not None else draw(st.booleans()):
        claim["year_to_date"] = draw(year_to_date(date.year))
    return claim


@st.composite
def one_persons_claims(draw: st.DrawFn) -> list[dict[str, Any]]:
    """1-6 claims of one person, in no particular order, often across a new year."""
    n = draw(st.integers(min_value=1, max_value=6))
    window = st.dates(dt.date(2023, 7, 1), dt.date(2025, 6, 30))
    out = [draw(claims(claim_id=f"C{i}", dates=window)) for i in range(n)]
    return out


# ---------------------------------------------------------------- helpers


def settle(data: dict[str, Any], trace: bool = False) -> Settlement:
    return jiujiang().settle(data, trace=trace)


def figures(s: Settlement) -> tuple[Any, ...]:
    """Every figure of a settlement, including per-line shares (not the trace)."""
    return (
        s.claim.id,
        s.total_fen,
        s.out_of_scope_fen,
        s.first_self_pay_fen,
        s.in_scope_fen,
        s.payer_fen,
        s.person_fen,
        dict(s.ytd),
        s.lines,
    )


def stated_total(data: dict[str, Any]) -> int:
    return sum(str_fen(line["amount"]) for line in data["lines"])


# ---------------------------------------------------------------- properties


@PROPERTY
@given(claims())
def test_a_payers_and_person_add_up_to_the_total(data: dict[str, Any]) -> None:
    s = settle(data)
    assert s.total_fen == stated_total(data)
    assert sum(s.payer_fen) + s.person_fen == s.total_fen


@PROPERTY
@given(claims())
def test_b_no_share_is_negative(data: dict[str, Any]) -> None:
    s = settle(data)
    assert all(paid >= 0 for paid in s.payer_fen), s.payer_fen
    assert s.person_fen >= 0


@PROPERTY
@given(claims(with_ytd=True))
def test_c_the_basic_fund_stays_within_the_annual_cap(data: dict[str, Any]) -> None:
    s = settle(data)
    (basic,) = s.payer_fen
    incoming = s.claim.ytd.get("basic.paid", 0)  # after a stale year_to_date was dropped
    cap_left = max(0, CAP - incoming)
    assert basic <= cap_left
    assert s.ytd["basic.paid"] == incoming + basic
    if incoming <= CAP:
        assert s.ytd["basic.paid"] <= CAP


@PROPERTY
@given(claims())
def test_d_line_shares_are_exact_and_add_up_to_the_settlement(data: dict[str, Any]) -> None:
    s = settle(data)
    assert s.out_of_scope_fen + s.first_self_pay_fen + s.in_scope_fen == s.total_fen
    lines = s.lines
    assert len(lines) == len(data["lines"])
    for share, line in zip(lines, data["lines"], strict=True):
        assert share.amount == str_fen(line["amount"])
        assert sum(share.payers) + share.person == share.amount
        assert share.out_of_scope + share.first_self_pay + share.in_scope == share.amount
        assert all(paid >= 0 for paid in share.payers), share
        assert share.person >= 0, share
        assert min(share.out_of_scope, share.first_self_pay, share.in_scope) >= 0, share
    for k, paid in enumerate(s.payer_fen):
        assert sum(share.payers[k] for share in lines) == paid
    assert sum(share.person for share in lines) == s.person_fen
    assert sum(share.out_of_scope for share in lines) == s.out_of_scope_fen
    assert sum(share.first_self_pay for share in lines) == s.first_self_pay_fen
    assert sum(share.in_scope for share in lines) == s.in_scope_fen
    assert sum(share.amount for share in lines) == s.total_fen


@PROPERTY
@given(claims())
def test_e_fast_and_traced_paths_agree(data: dict[str, Any]) -> None:
    fast, traced = settle(data), settle(data, trace=True)
    assert fast.records is None
    assert traced.records is not None
    assert figures(fast) == figures(traced)
    assert fast.to_dict(trace=False) == traced.to_dict(trace=False)


@settings(PROPERTY, max_examples=300)
@given(one_persons_claims())
def test_f_one_by_one_with_carried_year_to_date_equals_settle_many(
    batch: list[dict[str, Any]],
) -> None:
    policy = jiujiang()
    many = policy.settle_many(batch)

    one_by_one: list[Settlement] = []
    carried: dict[str, Any] | None = None
    for data in sorted(batch, key=lambda d: (d["date"], d["id"])):
        data = json.loads(json.dumps(data))
        year = int(data["date"][:4])
        # Within one insurance year the previous settlement's year_to_date replaces whatever
        # the claim stated; the first claim of a year keeps its own statement.
        if carried is not None and carried["year"] == year:
            data["year_to_date"] = carried
        s = policy.settle(data)
        carried = {"year": year, **{k: fen_str(v) for k, v in s.ytd.items()}}
        one_by_one.append(s)

    assert [figures(s) for s in many] == [figures(s) for s in one_by_one]


@settings(PROPERTY, max_examples=500)
@given(claims())
def test_g_settlement_json_round_trips_with_two_decimal_amounts(data: dict[str, Any]) -> None:
    s = settle(data)
    out = json.loads(s.to_json(lines=True))
    assert out == s.to_dict(lines=True)
    assert "trace" not in out

    money = [
        out["total"],
        out["out_of_scope"],
        out["first_self_pay"],
        out["in_scope"],
        out["person"],
        *out["payers"].values(),
    ]
    money += [v for k, v in out["year_to_date"].items() if k != "year"]
    for line in out["lines"]:
        money += [
            line["amount"],
            line["out_of_scope"],
            line["first_self_pay"],
            line["in_scope"],
            line["person"],
            *line["payers"].values(),
        ]
    for text in money:
        assert isinstance(text, str) and AMOUNT.match(text), text

    assert out["year_to_date"]["year"] == s.claim.year
    assert str_fen(out["total"]) == s.total_fen
    assert str_fen(out["person"]) == s.person_fen
    assert [str_fen(v) for v in out["payers"].values()] == list(s.payer_fen)
    assert {k: str_fen(v) for k, v in out["year_to_date"].items() if k != "year"} == s.ytd

    traced = settle(data, trace=True)
    assert json.loads(traced.to_json()) == traced.to_dict()
