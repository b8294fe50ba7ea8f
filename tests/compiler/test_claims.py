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


# ---------------------------------------------------------------- hostile input (issue 9)
# Each class of input found by fuzzing: rejected as a ClaimError at its JSON path, nothing settled.


def text_issues(text: str | bytes, source: str | None = None) -> list[tuple[str, str]]:
    """Every (path, message) reported for a claim given as JSON text or bytes through the policy."""
    with pytest.raises(ClaimError) as info:
        jiujiang().settle(text, source=source)
    return [(i.path, i.message) for i in info.value.issues]


def replaced(*pairs: tuple[str, str]) -> str:
    """``good_claim()`` as JSON text, with each ``(old, new)`` replaced once: for what a dict cannot hold."""
    text = json.dumps(good_claim(), ensure_ascii=False)
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


NOT_AN_AMOUNT = '{!r} is not an amount; write yuan as a decimal string such as "1234.50"'


@pytest.mark.parametrize("digits", ["１２００.００", "١٢٠٠.٠٠", "۱۲۰۰", "१२००.००", "12.５0"])
def test_only_ascii_digits_are_digits(digits: str) -> None:
    # `\d` and int() accept every Unicode digit: "１２００.００" used to settle as 1200.00.
    data = good_claim()
    data["lines"][0]["amount"] = digits
    assert issues_of(data) == [("lines[0].amount", NOT_AN_AMOUNT.format(digits))]
    data = good_claim()
    data["year_to_date"]["basic.paid"] = digits
    assert issues_of(data) == [("year_to_date.basic.paid", NOT_AN_AMOUNT.format(digits))]
    data = good_claim()
    data["date"] = "２０２４-03-18"
    assert issues_of(data) == [("date", "'２０２４-03-18' is not a date (YYYY-MM-DD)")]
    data = good_claim()
    data["visit"]["level"] = "２"
    assert issues_of(data) == [("visit.level", "'２' is not one of 1, 2, 3, primary")]
    # JSON numbers are ASCII by JSON's grammar: text with other digits is not JSON.
    assert text_issues(replaced(('"admission_no": 2', '"admission_no": ٢')))[0][1].startswith(
        "not valid JSON at line 1")


def test_duplicate_keys_are_rejected_at_their_path() -> None:
    # json.loads keeps the last of two equal keys silently; a claim must say one thing once.
    text = replaced(('"id": "T-0001"', '"id": "T-0001", "id": "T-0002"'),
                    ('"amount": "345.67"', '"amount": "345.67", "amount": "0.00", "amount": "1.00"'),
                    ('"age": 60', '"age": 60, "age": 60'))
    assert text_issues(text) == [
        ("id", "duplicate key (2 times); a key may appear once"),
        ("person.age", "duplicate key (2 times); a key may appear once"),
        ("lines[1].amount", "duplicate key (3 times); a key may appear once"),
    ]


def test_amounts_counts_and_strings_are_bounded() -> None:
    ok = good_claim()
    ok["lines"][0]["amount"] = "99999999.99"  # the largest line
    ok["person"]["age"], ok["visit"]["admission_no"] = 150, 1000
    ok["year_to_date"]["basic.paid"] = "9999999999.99"
    ok["lines"][0]["name"] = "药" * 1000
    ok["lines"][0]["code"] = "X" * 200
    assert parse_claim(ok).lines[0].amount == 9_999_999_999
    cases: list[tuple[tuple[str | int, ...], Any, str, str]] = [
        (("lines", 0, "amount"), "100000000.00", "lines[0].amount",
         "'100000000.00' is more than the limit of 99999999.99"),
        (("lines", 0, "amount"), 10**400, "lines[0].amount",
         "a number of more than 40 digits is more than the limit of 99999999.99"),
        (("lines", 0, "amount"), "1" + "0" * 400, "lines[0].amount",
         "'1000000000000000000000000000000000000000…' is more than the limit of 99999999.99"),
        (("year_to_date", "basic.paid"), "10000000000.00", "year_to_date.basic.paid",
         "'10000000000.00' is more than the limit of 9999999999.99"),
        (("person", "age"), 151, "person.age", "must be at most 150"),
        (("visit", "admission_no"), 10**400, "visit.admission_no", "must be at most 1000"),
        (("year_to_date", "year"), 10**400, "year_to_date.year", "must be a year such as 2024"),
        (("id",), "x" * 201, "id", "201 characters; at most 200"),
        (("id",), 10**400, "id", "a number of more than 200 digits; at most 200"),
        (("person", "id"), "p" * 201, "person.id", "201 characters; at most 200"),
        (("lines", 1, "code"), "c" * 201, "lines[1].code", "201 characters; at most 200"),
        (("lines", 1, "class"), "c" * 201, "lines[1].class", "201 characters; at most 200"),
        (("lines", 1, "name"), "名" * 1001, "lines[1].name", "1001 characters; at most 1000"),
        (("visit", "diseases"), ["I21", "d" * 201], "visit.diseases[1]", "201 characters; at most 200"),
        (("visit", "diseases"), [f"D{i}" for i in range(101)], "visit.diseases", "101 diseases; at most 100"),
        (("lines",), [{"code": "x", "category": "A", "amount": "1.00"}] * 10_001, "lines",
         "10001 lines; at most 10000"),
        (("lines",), [{"code": "x", "category": "A", "amount": "99999999.99"}] * 101, "lines",
         "the lines add up to 10099999998.99, more than the limit of 9999999999.99 for a claim"),
        (("year_to_date",), {f"a{i}.paid": "1.00" for i in range(1001)}, "year_to_date",
         "1001 entries; at most 1000"),
    ]
    for where, value, path, reason in cases:
        data = good_claim()
        target: Any = data
        for part in where[:-1]:
            target = target[part]
        target[where[-1]] = value
        assert issues_of(data) == [(path, reason)], where


def test_deep_nesting_and_oversized_input_are_rejected_before_json_parses_them() -> None:
    # Python's json decoder recurses: 100,000 brackets used to raise RecursionError.
    deep = replaced(('"amount": "1200.00"', '"amount": ' + "[" * 100_000 + "]" * 100_000))
    assert text_issues(deep, source="deep.json") == [
        ("lines[0].amount[0][0][0][0][0][0][0]", "nested more than 10 levels deep")]
    # The path runs through objects and lists, unknown keys included.
    in_a_key = replaced(('"visit": {', '"visit": {"x": ' + '{"y": [' * 6 + "0" + "]}" * 6 + ", "))
    assert text_issues(in_a_key) == [("visit.x.y[0].y[0].y[0].y[0]", "nested more than 10 levels deep")]
    # As deep as a claim needs (and a little more) is fine; the format then says what is wrong.
    shallow = replaced(('"amount": "1200.00"', '"amount": [[[[[[[1]]]]]]]'))
    assert text_issues(shallow) == [("lines[0].amount", 'must be a decimal string such as "1234.50"')]
    assert text_issues(" " * 10_000_001) == [("$", "10,000,001 characters; at most 10,000,000")]
    assert text_issues(b" " * 10_000_001) == [("$", "10,000,001 bytes; at most 10,000,000")]


def test_enormous_numbers_are_claim_errors_not_value_errors() -> None:
    # int() refuses more than 4,300 digits with a ValueError: inside json.loads, and in str(int).
    text = replaced(('"amount": "1200.00"', '"amount": ' + "1" * 4301), ('"age": 60', '"age": ' + "9" * 5000))
    assert text_issues(text) == [
        ("person.age", "a number of 5,000 digits; too large for any field"),
        ("lines[0].amount", "a number of 4,301 digits; too large for any field"),
    ]
    data = good_claim()
    data["id"] = 10**5000
    data["visit"]["level"] = 10**5000
    data["lines"][0]["amount"] = 10**5000
    data["person"]["age"] = -(10**5000)
    assert issues_of(data) == [
        ("id", "a number of more than 200 digits; at most 200"),
        ("person.age", "must be at least 0"),
        ("visit.level", "a number of more than 40 digits is not one of 1, 2, 3, primary"),
        ("lines[0].amount", "a number of more than 40 digits is more than the limit of 99999999.99"),
    ]


def test_bytes_that_are_not_utf8_name_the_file_and_offset(tmp_path: Path) -> None:
    from yibao.compiler.json_input import load_claim_json

    raw = replaced(("T-0001", "T-\udcff01")).encode("utf-8", "surrogateescape")  # byte 0xff in the id
    offset = raw.index(b"\xff")
    assert text_issues(raw) == [("$", f"not UTF-8: byte 0xff at offset {offset} (invalid start byte)")]
    bad = tmp_path / "latin1.json"
    bad.write_bytes(raw)
    with pytest.raises(ClaimError) as info:
        load_claim_json(bad)
    assert info.value.source == str(bad)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("$", f"not UTF-8: byte 0xff at offset {offset} (invalid start byte)")]
    # UTF-8 with a byte-order mark is read, as before; the offset counts the mark.
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + replaced().encode())
    assert jiujiang().settle(load_claim_json(bom)).claim.id == "T-0001"
    assert jiujiang().settle(b"\xef\xbb\xbf" + replaced().encode()).claim.id == "T-0001"
    assert text_issues(b"\xef\xbb\xbf" + raw)[0][1].endswith(f"offset {offset + 3} (invalid start byte)")
    # UTF-16 is not UTF-8 (json.loads(bytes) would have guessed it).
    assert text_issues(replaced().encode("utf-16")) == [
        ("$", "not UTF-8: byte 0xff at offset 0 (invalid start byte)")]
    # Surrogates encoded in UTF-8 (which json.loads(bytes) lets through) are not UTF-8 either.
    assert text_issues(replaced(("T-0001", "T-@")).encode().replace(b"@", b"\xed\xa0\x80"))[0][1] \
        .startswith("not UTF-8: byte 0xed at offset")


def test_lone_surrogates_are_rejected_at_their_path() -> None:
    # JSON "\ud800" decodes to a lone surrogate, which no output can encode (UnicodeEncodeError).
    reason = ("not text: an unpaired surrogate \\ud800 at character 2; "
              "write the character itself, or a pair of \\u escapes")
    text = replaced(('"T-0001"', '"T-\\ud800"'), ('"name": "drug"', '"name": "dr\\ud800"'),
                    ('"I21"', '"I2\\ud800"'))
    assert text_issues(text) == [("id", reason), ("visit.diseases[0]", reason), ("lines[1].name", reason)]
    # In a key it cannot be a known field; the path shows it escaped, so the report prints.
    keyed = replaced(('"basic.paid"', '"basic.\\udc00"'))
    assert text_issues(keyed) == [
        ("year_to_date.basic.\\udc00",
         "key: not text: an unpaired surrogate \\udc00 at character 6; "
         "write the character itself, or a pair of \\u escapes")]
    unknown = replaced(('"person": {', '"\\ud83d": 1, "person": {'))
    assert text_issues(unknown) == [("\\ud83d", "unknown field")]
    with pytest.raises(ClaimError) as info:
        jiujiang().settle(unknown)
    str(info.value).encode("utf-8")  # the whole report can be printed
    # A surrogate pair is one character, and fine.
    assert jiujiang().settle(replaced(('"T-0001"', '"T-\\ud83d\\ude00"'))).claim.id == "T-😀"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    text = replaced(('"amount": "1200.00"', f'"amount": {constant}'), ('"age": 60', f'"age": {constant}'))
    assert text_issues(text) == [
        ("person.age", f"{constant} is not a JSON value (not a number)"),
        ("lines[0].amount", f"{constant} is not a JSON value (not a number)"),
    ]


def test_dicts_through_the_api_are_validated_as_json_is() -> None:
    # True is an int in Python; floats, lists and odd keys are not numbers or names either.
    data = good_claim()
    data["person"]["age"] = True
    data["visit"]["admission_no"] = 2.0
    data["visit"]["level"] = True
    data["lines"][0]["amount"] = False
    data["lines"][1]["amount"] = float("nan")
    data["lines"][2]["code"] = True
    data["year_to_date"]["year"] = True
    data["year_to_date"][7] = "1.00"
    data[("tuple", "key")] = 1
    assert issues_of(data) == [
        ("$", "key a tuple is not a string"),
        ("person.age", "must be a whole number, not True"),
        ("visit.level", "True is not one of 1, 2, 3, primary"),
        ("visit.admission_no", "must be a whole number, not 2.0"),
        ("lines[0].amount", 'must be a decimal string such as "1234.50"'),
        ("lines[1].amount", 'must be a decimal string such as "1234.50"'),
        ("lines[2].code", "must be a string, not bool"),
        ("year_to_date.year", "must be a year such as 2024"),
        ("year_to_date", "key 7 is not a string"),
    ]
    # Messages quote values briefly: never the repr of a deep or huge structure.
    nested: Any = []
    for _ in range(100_000):
        nested = [nested]
    data = good_claim()
    data["person"]["age"] = nested
    data["visit"]["region"] = "x" * 100_000
    assert issues_of(data) == [
        ("person.age", "must be a whole number, not a list"),
        ("visit.region", f"{'x' * 40 + '…'!r} is not one of local, in_province, out_of_province"),
    ]
    # The same limits hold for a dict as for JSON text.
    data = good_claim()
    data["lines"][0]["amount"] = "１２００.００"
    with pytest.raises(ClaimError):
        jiujiang().settle(data)


def test_the_report_of_a_claim_with_countless_issues_is_capped() -> None:
    data = good_claim()
    data.update({f"extra{i:06d}": 1 for i in range(100_000)})
    issues = issues_of(data)
    assert len(issues) == 101
    assert issues[0] == ("extra000000", "unknown field")
    assert issues[99] == ("extra000099", "unknown field")
    assert issues[100] == ("$", "99900 more issues not shown")


def test_the_cli_exits_1_on_hostile_claims(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from yibao.cli import main

    files = {
        "deep.json": replaced(('"amount": "1200.00"', '"amount": ' + "[" * 50_000 + "]" * 50_000)).encode(),
        "latin1.json": replaced(("T-0001", "T-é")).encode("latin-1"),
        "surrogate.json": replaced(('"T-0001"', '"\\udfff"')).encode(),
        "huge.json": replaced(('"amount": "1200.00"', '"amount": ' + "7" * 5000)).encode(),
        "dup.json": replaced(('"id": "T-0001"', '"id": "A", "id": "B"')).encode(),
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
        result = CliRunner().invoke(main, ["settle", str(JIUJIANG), str(tmp_path / name)])
        assert result.exit_code == 1, (name, result.output)
        assert "claim rejected" in result.output, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), name


# ---------------------------------------------------------------- a line's unit price and split

def test_unit_price_and_split_are_read_in_fen() -> None:
    data = good_claim()
    data["lines"] = [{"code": "v", "category": "B", "amount": "500.00", "unit_price": "250.00",
                      "self_pay": "100.00", "over_limit": "50.00", "first_self_pay": "35.00",
                      "in_scope": "315.00"}]
    line = parse_claim(data).lines[0]
    assert line.unit_price == 25_000
    assert line.split == (10_000, 5_000, 3_500, 31_500)
    assert parse_claim(good_claim()).lines[0].split is None


def test_a_split_has_all_four_amounts_adding_up_to_the_line() -> None:
    data = good_claim()
    data["lines"] = [
        {"code": "a", "category": "B", "amount": "500.00", "self_pay": "100.00", "in_scope": "400.00"},
        {"code": "b", "category": "B", "amount": "500.00", "self_pay": "100.00", "over_limit": "0",
         "first_self_pay": "0.00", "in_scope": "300.00"},
        {"code": "c", "category": "B", "amount": "500.00", "self_pay": "-1.00", "over_limit": "0",
         "first_self_pay": "0.00", "in_scope": "501.00", "unit_price": "1.234"},
    ]
    got = issues_of(data)
    assert ("lines[0].over_limit", "required with self_pay, in_scope: a line's split has all of "
            "self_pay, over_limit, first_self_pay, in_scope") in got
    assert ("lines[0].first_self_pay", "required with self_pay, in_scope: a line's split has all of "
            "self_pay, over_limit, first_self_pay, in_scope") in got
    assert ("lines[1]", "the split adds up to 400.00 (100.00 + 0.00 + 0.00 + 300.00), not the amount "
            "500.00") in got
    assert ("lines[2].self_pay", "must not be negative") in got
    assert ("lines[2].unit_price", "more than two decimals (fen): '1.234'") in got
    assert not any(p == "lines[2]" for p, _ in got)  # a bad amount is reported once, not also as a sum


def test_a_policy_without_as_billed_refuses_a_split() -> None:
    data = good_claim()
    data["lines"][0].update({"self_pay": "0", "over_limit": "0", "first_self_pay": "0",
                             "in_scope": data["lines"][0]["amount"]})
    with pytest.raises(ClaimError) as info:
        jiujiang().claim(data)
    (issue,) = info.value.issues
    assert issue.path == "lines[0].in_scope"
    assert "no `as billed`" in issue.message


def test_a_claim_may_leave_out_what_the_policy_never_reads() -> None:
    """The assistance policy on the platform's results reads neither the hospital's level nor the
    region: a claim without them settles; a claim giving a bad one is still refused; a policy that
    reads them still requires them."""
    policy = yibao.load_policy(ROOT / "policies" / "examples" / "assistance_on_platform_results.yb")
    assert policy.unread == frozenset({"visit.level", "visit.region"})
    data = json.loads(next((ROOT / "policies" / "examples" / "claims" / "assistance_on_platform_results")
                           .glob("*.json")).read_text(encoding="utf-8"))
    whole = policy.settle(data)
    del data["visit"]["level"], data["visit"]["region"]
    s = policy.settle(data)
    assert (s.payer_fen, s.person_fen) == (whole.payer_fen, whole.person_fen)
    assert s.claim.level is None and s.claim.region is None
    data["visit"]["level"] = 7
    with pytest.raises(ClaimError) as info:
        policy.claim(data)
    assert [(i.path, i.message) for i in info.value.issues] == [
        ("visit.level", "7 is not one of 1, 2, 3, primary")]
    assert jiujiang().unread == frozenset()
    bare = good_claim()
    del bare["visit"]["level"]
    with pytest.raises(ClaimError) as info:
        jiujiang().claim(bare)
    assert [i.path for i in info.value.issues] == ["visit.level"]
