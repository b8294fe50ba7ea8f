"""The claim contract: what parses, and how every rejection is reported at its JSON path."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest

import yibao
from yibao import ClaimError, parse_claim

ROOT = Path(__file__).resolve().parents[2]
JIUJIANG = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"


@functools.cache
def jiujiang() -> yibao.Policy:
    return yibao.load_policy(JIUJIANG)


def good_claim() -> dict[str, Any]:
    """A complete, valid claim; tests copy it and break one thing at a time."""
    return {
        "id": "T-0001",
        "date": "2024-03-18",
        "person": {"id": "P-1", "scheme": "resident", "category": "low_income", "age": 60},
        "visit": {
            "kind": "inpatient",
            "level": "2",
            "region": "local",
            "referral": "referred",
            "admission_no": 2,
            "diseases": ["I21"],
        },
        "lines": [
            {"code": "A1", "name": "bed", "category": "A", "amount": "1200.00"},
            {"code": "B1", "name": "drug", "category": "B", "class": "drug", "amount": "345.67"},
            {"code": "C1", "name": "room", "category": "C", "amount": "0.05"},
        ],
        "year_to_date": {"year": 2024, "basic.deductible": "400.00", "basic.paid": "1000.50"},
    }


def issues_of(data: Any) -> list[tuple[str, str]]:
    """Every (path, message) parse_claim reports; fails if the claim is accepted."""
    with pytest.raises(ClaimError) as info:
        parse_claim(data)
    return [(i.path, i.message) for i in info.value.issues]


def message_at(data: Any, path: str) -> str:
    """The single message reported at ``path``."""
    found = [m for p, m in issues_of(data) if p == path]
    assert len(found) == 1, f"expected one issue at {path!r}, got {issues_of(data)}"
    return found[0]


# ---------------------------------------------------------------- accepted claims


def test_good_claim_parses_into_fen_and_ordinal() -> None:
    c = parse_claim(good_claim())
    assert c.id == "T-0001"
    assert c.date == dt.date(2024, 3, 18)
    assert c.day == dt.date(2024, 3, 18).toordinal()
    assert c.year == 2024
    assert (c.person_id, c.scheme, c.category, c.age) == ("P-1", "resident", "low_income", 60)
    assert (c.kind, c.level, c.region, c.referral) == ("inpatient", "2", "local", "referred")
    assert c.admission_no == 2
    assert c.diseases == frozenset({"I21"})
    assert [ln.amount for ln in c.lines] == [120000, 34567, 5]
    assert [ln.category for ln in c.lines] == ["A", "B", "C"]
    assert [ln.item_class for ln in c.lines] == [None, "drug", None]
    assert c.total == 120000 + 34567 + 5
    assert c.ytd == {"basic.deductible": 40000, "basic.paid": 100050}
    assert c.ytd_year == 2024
    assert c.ytd_ignored is False


def test_defaults_for_optional_fields() -> None:
    data = good_claim()
    del data["person"]["category"], data["person"]["age"]
    del data["visit"]["referral"], data["visit"]["admission_no"], data["visit"]["diseases"]
    del data["year_to_date"]
    c = parse_claim(data)
    assert c.referral == "none"
    assert c.category == "normal"  # the first value of person.category
    assert c.admission_no == 1
    assert c.age is None
    assert c.diseases == frozenset()
    assert c.ytd == {}
    assert c.ytd_year is None
    assert c.ytd_ignored is False


def test_numeric_level_is_read_as_its_enum_text() -> None:
    data = good_claim()
    data["visit"]["level"] = 3
    assert parse_claim(data).level == "3"


@pytest.mark.parametrize(("amount", "fen"), [(12, 1200), (0, 0), ("7", 700), ("0.1", 10)])
def test_whole_yuan_and_short_decimals_are_accepted(amount: Any, fen: int) -> None:
    # Amounts are decimal strings; a JSON integer is whole yuan and is accepted too.
    data = good_claim()
    data["lines"][1]["amount"] = amount
    assert parse_claim(data).lines[1].amount == fen


# ---------------------------------------------------------------- one rejection at a time


def test_amount_with_three_decimals() -> None:
    data = good_claim()
    data["lines"][1]["amount"] = "12.345"
    assert issues_of(data) == [("lines[1].amount", "more than two decimals (fen): '12.345'")]


def test_negative_amount() -> None:
    data = good_claim()
    data["lines"][0]["amount"] = "-1.00"
    assert issues_of(data) == [("lines[0].amount", "must not be negative")]


@pytest.mark.parametrize("amount", [12.5, 12.0, 0.1, True, None, [1], {"yuan": 1}])
def test_amount_that_is_not_a_decimal_string(amount: Any) -> None:
    # A JSON number with a fraction arrives as a float: binary floats are not money.
    data = good_claim()
    data["lines"][2]["amount"] = amount
    assert issues_of(data) == [("lines[2].amount", 'must be a decimal string such as "1234.50"')]


@pytest.mark.parametrize(
    "amount", ["abc", "", "NaN", "Infinity", "1e3", " 12.50 ", "1_000", "+5", "12.", ".5"]
)
def test_amount_that_is_not_a_number(amount: str) -> None:
    # Only plain decimal strings are amounts: no exponents, padding, underscores or signs.
    data = good_claim()
    data["lines"][0]["amount"] = amount
    reason = f'{amount!r} is not an amount; write yuan as a decimal string such as "1234.50"'
    assert issues_of(data) == [("lines[0].amount", reason)]


def test_unknown_top_level_field_suggests_the_near_name() -> None:
    data = good_claim()
    data["lnes"] = data.pop("lines")
    assert issues_of(data) == [
        ("lnes", "unknown field; did you mean `lines`?"),
        ("lines", "required list of bill lines"),
    ]


def test_unknown_field_without_a_near_name_has_no_hint() -> None:
    data = good_claim()
    data["zzzzzz"] = 1
    assert issues_of(data) == [("zzzzzz", "unknown field")]


def test_unknown_nested_fields_are_reported_at_their_paths() -> None:
    data = good_claim()
    data["person"]["shceme"] = "resident"
    data["visit"]["levle"] = "2"
    data["lines"][2]["amout"] = "1.00"
    assert issues_of(data) == [
        ("person.shceme", "unknown field; did you mean `scheme`?"),
        ("visit.levle", "unknown field; did you mean `level`?"),
        ("lines[2].amout", "unknown field; did you mean `amount`?"),
    ]


@pytest.mark.parametrize(
    ("section", "key", "value", "reason"),
    [
        ("visit", "level", 4, "4 is not one of 1, 2, 3, primary"),
        ("visit", "level", "4", "'4' is not one of 1, 2, 3, primary"),
        ("visit", "region", "abroad", "'abroad' is not one of local, in_province, out_of_province"),
        ("visit", "referral", "self", "'self' is not one of none, referred, registered, emergency"),
        (
            "visit",
            "kind",
            True,
            "True is not one of inpatient, outpatient, day_surgery, "
            "remote_followup, chronic_outpatient, special_drug",
        ),
        ("person", "scheme", "private", "'private' is not one of employee, resident"),
        ("person", "category", "rich", "'rich' is not one of normal, low_income, poverty, extreme_poverty"),
    ],
)
def test_unknown_enum_value(section: str, key: str, value: Any, reason: str) -> None:
    data = good_claim()
    data[section][key] = value
    assert issues_of(data) == [(f"{section}.{key}", reason)]


def test_unknown_line_category() -> None:
    data = good_claim()
    data["lines"][1]["category"] = "D"
    assert issues_of(data) == [("lines[1].category", "'D' is not one of A, B, C")]


def test_missing_required_fields_of_an_empty_claim() -> None:
    assert issues_of({}) == [
        ("id", "required"),
        ("date", "required (settlement or discharge date, YYYY-MM-DD)"),
        ("person", "required object"),
        ("person.id", "required"),
        ("person.scheme", "required; one of employee, resident"),
        ("visit", "required object"),
        (
            "visit.kind",
            "required; one of inpatient, outpatient, day_surgery, remote_followup, "
            "chronic_outpatient, special_drug",
        ),
        ("visit.level", "required; one of 1, 2, 3, primary"),
        ("visit.region", "required; one of local, in_province, out_of_province"),
        ("lines", "required list of bill lines"),
    ]


def test_missing_required_fields_of_a_line() -> None:
    data = good_claim()
    data["lines"].append({"name": "nothing else"})
    assert issues_of(data) == [
        ("lines[3].code", "required"),
        ("lines[3].category", "required; one of A, B, C"),
        ("lines[3].amount", "required"),
    ]


def test_empty_lines_and_non_object_line() -> None:
    data = good_claim()
    data["lines"] = []
    assert issues_of(data) == [("lines", "a claim needs at least one line")]
    data["lines"] = ["A1 1200.00"]
    assert issues_of(data) == [("lines[0]", "must be an object")]


@pytest.mark.parametrize("data", [[], [good_claim()], "claim", 42, None])
def test_claim_that_is_not_an_object(data: Any) -> None:
    assert issues_of(data) == [("$", "a claim must be a JSON object")]


@pytest.mark.parametrize("date", ["2024-02-30", "2024-13-01", "18/03/2024", "2024-03-18T10:00", ""])
def test_bad_date(date: str) -> None:
    data = good_claim()
    data["date"] = date
    assert issues_of(data) == [("date", f"{date!r} is not a date (YYYY-MM-DD)")]


def test_year_to_date_entries_must_be_amounts() -> None:
    data = good_claim()
    data["year_to_date"] = {
        "year": "2024",
        "basic.paid": "lots",
        "basic.deductible": 400.5,
        "other.paid": "-3.00",
        "other.deductible": "1.001",
    }
    assert issues_of(data) == [
        ("year_to_date.year", "must be a year such as 2024"),
        ("year_to_date.basic.paid",
         "'lots' is not an amount; write yuan as a decimal string such as \"1234.50\""),
        ("year_to_date.basic.deductible", 'must be a decimal string such as "1234.50"'),
        ("year_to_date.other.paid", "must not be negative"),
        ("year_to_date.other.deductible", "more than two decimals (fen): '1.001'"),
    ]


def test_year_to_date_must_be_an_object() -> None:
    data = good_claim()
    data["year_to_date"] = ["400.00"]
    assert issues_of(data) == [("year_to_date", "must be an object of accumulator → amount")]


# ---------------------------------------------------------------- all issues together


def test_every_issue_of_one_claim_is_reported_together() -> None:
    data = good_claim()
    data["lnes"] = []
    data["date"] = "2024-02-30"
    data["person"]["scheme"] = "private"
    data["visit"]["level"] = 4
    data["visit"]["region"] = "abroad"
    data["visit"]["admission_no"] = 0
    data["lines"][0]["amount"] = "-5.00"
    data["lines"][1]["amount"] = "12.345"
    data["lines"][2]["amount"] = 12.5
    data["year_to_date"]["basic.paid"] = "n/a"
    with pytest.raises(ClaimError) as info:
        parse_claim(data, source="claim.json")
    err = info.value
    assert [i.path for i in err.issues] == [
        "lnes",
        "date",
        "person.scheme",
        "visit.level",
        "visit.region",
        "visit.admission_no",
        "lines[0].amount",
        "lines[1].amount",
        "lines[2].amount",
        "year_to_date.basic.paid",
    ]
    messages = {i.path: i.message for i in err.issues}
    assert messages["visit.admission_no"] == "must be at least 1"
    # The error reads as one report: the source, then one line per issue.
    text = str(err)
    assert text.splitlines()[0] == "claim.json: claim rejected"
    assert "  lines[1].amount: more than two decimals (fen): '12.345'" in text.splitlines()
    assert len(text.splitlines()) == 1 + len(err.issues)


# ---------------------------------------------------------------- year to date of another year


def test_year_to_date_for_another_year_is_ignored() -> None:
    data = good_claim()
    data["year_to_date"] = {"year": 2023, "basic.deductible": "400.00", "basic.paid": "149000.00"}
    c = parse_claim(data)
    assert c.ytd == {}
    assert c.ytd_year == 2023
    assert c.ytd_ignored is True


def test_year_to_date_of_another_year_does_not_change_the_settlement() -> None:
    policy = jiujiang()
    stale = good_claim()
    stale["year_to_date"] = {"year": 2023, "basic.deductible": "400.00", "basic.paid": "149000.00"}
    fresh = good_claim()
    del fresh["year_to_date"]
    s_stale, s_fresh = policy.settle(stale), policy.settle(fresh)
    assert s_stale.claim.ytd_ignored is True
    assert s_stale.payer_fen == s_fresh.payer_fen
    assert s_stale.person_fen == s_fresh.person_fen
    assert s_stale.ytd == s_fresh.ytd
    # The traced path says why the stated accumulators were not used.
    traced = policy.settle(stale, trace=True)
    assert traced.trace[0].rule == "year_to_date"
    assert "ignored" in traced.trace[0].formula


def test_year_to_date_for_the_claims_year_is_used() -> None:
    data = good_claim()
    data["year_to_date"]["year"] = 2024
    c = parse_claim(data)
    assert c.ytd_ignored is False
    assert c.ytd == {"basic.deductible": 40000, "basic.paid": 100050}


# ---------------------------------------------------------------- through a policy


def test_policy_rejects_a_claim_before_its_effective_date() -> None:
    policy = jiujiang()
    data = good_claim()
    data["date"] = "2019-12-31"
    data["year_to_date"]["year"] = 2019
    with pytest.raises(ClaimError) as info:
        policy.claim(data)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("date", "2019-12-31 is outside the policy's dates (in force from 2020-01-01)"),
    ]
    with pytest.raises(ClaimError):
        policy.settle(data)
    data["date"] = "2020-01-01"
    assert policy.claim(data).date == dt.date(2020, 1, 1)


def test_policy_rejects_an_employee_claim_as_not_covered() -> None:
    policy = jiujiang()
    data = good_claim()
    data["person"]["scheme"] = "employee"
    with pytest.raises(ClaimError) as info:
        policy.settle(data)
    assert [(i.path, i.message) for i in info.value.issues] == [
        (
            "$",
            "policy jiujiang.resident_inpatient does not cover this claim "
            "(scheme employee, visit kind inpatient)",
        ),
    ]


def test_policy_rejects_an_outpatient_claim_as_not_covered() -> None:
    data = good_claim()
    data["visit"]["kind"] = "outpatient"
    with pytest.raises(ClaimError) as info:
        jiujiang().claim(data)
    (issue,) = info.value.issues
    assert issue.path == "$"
    assert "does not cover this claim" in issue.message


def test_policy_reads_claim_json_text() -> None:
    policy = jiujiang()
    claim = policy.claim(json.dumps(good_claim()))
    assert claim.total == 120000 + 34567 + 5
    with pytest.raises(ClaimError) as info:
        policy.claim('{"id": ', source="broken.json")
    (issue,) = info.value.issues
    assert issue.path == "$"
    assert issue.message.startswith("not valid JSON")
    assert info.value.source == "broken.json"


def test_policy_reports_parse_issues_before_policy_checks() -> None:
    data = good_claim()
    data["lines"][0]["amount"] = "1.234"
    with pytest.raises(ClaimError) as info:
        jiujiang().claim(data)
    assert [i.path for i in info.value.issues] == ["lines[0].amount"]


@pytest.mark.parametrize("date", ["20240318", 20240318, "2024-W12-1", "2024-3-18", "2024-03-18T00:00"])
def test_dates_must_be_yyyy_mm_dd(date: Any) -> None:
    data = good_claim()
    data["date"] = date
    assert issues_of(data) == [("date", f"{date!r} is not a date (YYYY-MM-DD)")]


def test_unknown_accumulator_is_rejected_with_a_hint() -> None:
    # A misspelt accumulator would let the fund pay past its annual cap: refuse it.
    data = good_claim()
    data["year_to_date"] = {"basic.paidd": "149000.00"}
    with pytest.raises(ClaimError) as info:
        jiujiang().claim(data)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("year_to_date.basic.paidd", "not an accumulator of this policy; did you mean `basic.paid`?")]
