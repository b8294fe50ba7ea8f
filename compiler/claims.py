"""The claim contract: JSON in, a validated ``Claim`` out, or every problem with its path.

A claim is checked completely before anything is settled: amounts with more than
two decimals, negative amounts, unknown fields and unknown enum values are all
reported together, each at its JSON path (``lines[2].amount``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibao.dsl.errors import ClaimError, ClaimIssue
from yibao.dsl.types import CATEGORIES, DEFAULT_ENUMS

from .money import to_fen

CLAIM_KEYS = {"id", "date", "person", "visit", "lines", "year_to_date"}
PERSON_KEYS = {"id", "scheme", "category", "age"}
VISIT_KEYS = {"kind", "level", "region", "referral", "admission_no", "diseases", "facility"}
LINE_KEYS = {"code", "name", "category", "class", "amount"}
YEAR_KEY = "year"
_AMOUNT = re.compile(r"-?\d+(\.\d+)?")  # decimals and sign are judged after the shape
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    name: str
    category: str
    item_class: str | None
    amount: int  # fen


@dataclass(frozen=True, slots=True)
class Claim:
    """A validated claim; money in fen, the date also as an ordinal for fast comparison."""

    id: str
    date: dt.date
    day: int
    year: int
    person_id: str
    scheme: str
    category: str
    age: int | None
    kind: str
    facility: str
    level: str
    region: str
    referral: str
    admission_no: int
    diseases: frozenset[str]
    lines: tuple[Line, ...]
    total: int
    ytd: Mapping[str, int]  # accumulators of this claim's insurance year only
    ytd_year: int | None  # the year the claim's year_to_date was stated for
    ytd_ignored: bool = False  # year_to_date was for another year and was dropped
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def with_ytd(self, ytd: Mapping[str, int]) -> Claim:
        """The same claim with another year's-to-date state (for ``settle_many``)."""
        from dataclasses import replace

        return replace(self, ytd=dict(ytd), ytd_year=self.year, ytd_ignored=False)


class _Collector:
    def __init__(self) -> None:
        self.issues: list[ClaimIssue] = []

    def add(self, path: str, message: str) -> None:
        self.issues.append(ClaimIssue(path, message))

    def unknown_keys(self, obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
        import difflib

        for key in sorted(set(obj) - allowed):
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            self.add(_join(path, key), f"unknown field{hint}")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _str(c: _Collector, obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            c.add(_join(path, key), "required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        c.add(_join(path, key), f"must be a string, not {type(value).__name__}")
        return None
    return str(value)


def _enum(c: _Collector, obj: Mapping[str, Any], key: str, path: str, values: tuple[str, ...],
          *, default: str | None = None) -> str:
    raw = obj.get(key)
    if raw is None:
        if default is None:
            c.add(_join(path, key), f"required; one of {', '.join(values)}")
            return values[0]
        return default
    value = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else None
    if value not in values:
        c.add(_join(path, key), f"{raw!r} is not one of {', '.join(values)}")
        return values[0]
    return value


def _date(c: _Collector, data: Mapping[str, Any], what: str) -> dt.date:
    """The top-level ``date``: exactly YYYY-MM-DD and a real day."""
    raw = data.get("date")
    if raw is None:
        c.add("date", f"required ({what}, YYYY-MM-DD)")
        return dt.date.min
    try:
        if not isinstance(raw, str) or not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        c.add("date", f"{raw!r} is not a date (YYYY-MM-DD)")
        return dt.date.min


def _int(c: _Collector, obj: Mapping[str, Any], key: str, path: str, *, minimum: int) -> int | None:
    raw = obj.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        c.add(_join(path, key), f"must be a whole number, not {raw!r}")
        return None
    if raw < minimum:
        c.add(_join(path, key), f"must be at least {minimum}")
        return None
    return raw


def _amount(c: _Collector, raw: Any, path: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        c.add(path, 'must be a decimal string such as "1234.50"')
        return 0
    if isinstance(raw, str) and not _AMOUNT.fullmatch(raw):
        c.add(path, f'{raw!r} is not an amount; write yuan as a decimal string such as "1234.50"')
        return 0
    try:
        fen = to_fen(str(raw))
    except ValueError as err:
        c.add(path, str(err).replace("more than two decimals", "more than two decimals (fen)"))
        return 0
    if fen < 0:
        c.add(path, "must not be negative")
        return 0
    return fen


def parse_claim(data: Any, enums: Mapping[str, tuple[str, ...]] | None = None,
                source: str | None = None) -> Claim:
    """Validate a claim's JSON (already decoded); raise ``ClaimError`` with every issue."""
    enums = {**DEFAULT_ENUMS, **(enums or {})}
    c = _Collector()
    if not isinstance(data, Mapping):
        raise ClaimError([ClaimIssue("$", "a claim must be a JSON object")], source)
    c.unknown_keys(data, CLAIM_KEYS, "")
    claim_id = _str(c, data, "id", "") or ""
    date = _date(c, data, "settlement or discharge date")

    person = data.get("person")
    if not isinstance(person, Mapping):
        c.add("person", "required object")
        person = {}
    c.unknown_keys(person, PERSON_KEYS, "person")
    person_id = _str(c, person, "id", "person") or ""
    scheme = _enum(c, person, "scheme", "person", enums["person.scheme"])
    category = _enum(c, person, "category", "person", enums["person.category"],
                     default=enums["person.category"][0])
    age = _int(c, person, "age", "person", minimum=0)

    visit = data.get("visit")
    if not isinstance(visit, Mapping):
        c.add("visit", "required object")
        visit = {}
    c.unknown_keys(visit, VISIT_KEYS, "visit")
    kind = _enum(c, visit, "kind", "visit", enums["visit.kind"])
    facility = _enum(c, visit, "facility", "visit", enums["visit.facility"],
                     default=enums["visit.facility"][0])
    level = _enum(c, visit, "level", "visit", enums["visit.level"])
    region = _enum(c, visit, "region", "visit", enums["visit.region"])
    referrals = enums["visit.referral"]
    referral = _enum(c, visit, "referral", "visit", referrals,
                     default="none" if "none" in referrals else None)
    admission_no = _int(c, visit, "admission_no", "visit", minimum=1) or 1
    diseases_raw = visit.get("diseases", [])
    diseases: frozenset[str] = frozenset()
    if not isinstance(diseases_raw, list) or not all(isinstance(d, str) for d in diseases_raw):
        c.add("visit.diseases", "must be a list of strings")
    else:
        diseases = frozenset(diseases_raw)

    lines: list[Line] = []
    raw_lines = data.get("lines")
    if not isinstance(raw_lines, list):
        c.add("lines", "required list of bill lines")
        raw_lines = []
    elif not raw_lines:
        c.add("lines", "a claim needs at least one line")
    for i, raw in enumerate(raw_lines):
        path = _join("lines", i)
        if not isinstance(raw, Mapping):
            c.add(path, "must be an object")
            continue
        c.unknown_keys(raw, LINE_KEYS, path)
        code = _str(c, raw, "code", path) or ""
        name = _str(c, raw, "name", path, required=False) or ""
        cat = _enum(c, raw, "category", path, CATEGORIES)
        cls = _str(c, raw, "class", path, required=False)
        if "amount" not in raw:
            c.add(_join(path, "amount"), "required")
            amount = 0
        else:
            amount = _amount(c, raw["amount"], _join(path, "amount"))
        lines.append(Line(code, name, cat, cls, amount))

    ytd, ytd_year = _year_to_date(c, data)

    if c.issues:
        raise ClaimError(c.issues, source)
    year = date.year
    ignored = ytd_year is not None and ytd_year != year and bool(ytd)
    return Claim(
        id=claim_id, date=date, day=date.toordinal(), year=year, person_id=person_id,
        scheme=scheme, category=category, age=age, kind=kind, facility=facility, level=level, region=region,
        referral=referral, admission_no=admission_no, diseases=diseases, lines=tuple(lines),
        total=sum(line.amount for line in lines),
        ytd={} if ignored else ytd, ytd_year=ytd_year, ytd_ignored=ignored, raw=data,
    )


def _year_to_date(c: _Collector, data: Mapping[str, Any]) -> tuple[dict[str, int], int | None]:
    ytd: dict[str, int] = {}
    ytd_year: int | None = None
    raw_ytd = data.get("year_to_date", {})
    if not isinstance(raw_ytd, Mapping):
        c.add("year_to_date", "must be an object of accumulator → amount")
        raw_ytd = {}
    for key, value in raw_ytd.items():
        path = _join("year_to_date", key)
        if key == YEAR_KEY:
            if isinstance(value, bool) or not isinstance(value, int):
                c.add(path, "must be a year such as 2024")
            else:
                ytd_year = value
            continue
        ytd[key] = _amount(c, value, path)
    return ytd, ytd_year


def load_claim_json(path: str | Path) -> Any:
    """Read a claim file; a file that is not JSON is a claim error, not a traceback."""
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise ClaimError([ClaimIssue("$", f"cannot read: {err.strerror or err}")], str(p)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        where = f" at line {err.lineno} column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
        raise ClaimError([ClaimIssue("$", f"not valid JSON{where}: {getattr(err, 'msg', err)}")],
                         str(p)) from None


RECORD_KEYS = {"id", "date", "record", "year_to_date"}
_RATE = re.compile(r"\d+(\.\d{1,4})?%")


@dataclass(frozen=True, slots=True)
class Record:
    """A validated record (a budget, a fund): the input of a policy that is not about a claim."""

    id: str
    date: dt.date
    day: int
    year: int
    values: Mapping[str, Any]  # field → fen, ppm, int, bool or date ordinal, by its declared type
    ytd: Mapping[str, int]
    ytd_year: int | None
    ytd_ignored: bool = False
    lines: tuple[Line, ...] = ()
    person_id: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def with_ytd(self, ytd: Mapping[str, int]) -> Record:
        from dataclasses import replace

        return replace(self, ytd=dict(ytd), ytd_year=self.year, ytd_ignored=False)


def _field_value(c: _Collector, raw: Any, code: str, path: str) -> Any:
    if code == "m":
        return _amount(c, raw, path)
    if code == "r":
        if not isinstance(raw, str) or not _RATE.fullmatch(raw):
            c.add(path, f'{raw!r} is not a rate; write a percentage such as "12.5%"')
            return 0
        if Decimal(raw[:-1]) > 100:
            c.add(path, f"{raw} is more than 100%")
            return 0
        return int(Decimal(raw[:-1]) * 10_000)
    if code == "c":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            c.add(path, f"{raw!r} is not a count (a whole number, 0 or more)")
            return 0
        return raw
    if code == "b":
        if not isinstance(raw, bool):
            c.add(path, f"{raw!r} is not true or false")
            return False
        return raw
    if not isinstance(raw, str) or not _DATE.fullmatch(raw):
        c.add(path, f"{raw!r} is not a date (YYYY-MM-DD)")
        return 0
    try:
        return dt.date.fromisoformat(raw).toordinal()
    except ValueError:
        c.add(path, f"{raw!r} is not a date (YYYY-MM-DD)")
        return 0


def parse_record(data: Any, fields: Mapping[str, str], source: str | None = None) -> Record:
    """Validate a record's JSON against the policy's declared fields (name → type code)."""
    c = _Collector()
    if not isinstance(data, Mapping):
        raise ClaimError([ClaimIssue("$", "a record must be a JSON object")], source)
    c.unknown_keys(data, RECORD_KEYS, "")
    record_id = _str(c, data, "id", "") or ""
    date = _date(c, data, "the date the record is for")
    body = data.get("record")
    values: dict[str, Any] = {}
    if not isinstance(body, Mapping):
        c.add("record", "required object with the fields " + ", ".join(fields))
        body = {}
    c.unknown_keys(body, set(fields), "record")
    for name, code in fields.items():
        path = _join("record", name)
        if name not in body:
            c.add(path, "required")
            continue
        values[name] = _field_value(c, body[name], code, path)
    ytd, ytd_year = _year_to_date(c, data)
    if c.issues:
        raise ClaimError(c.issues, source, what="record")
    ignored = ytd_year is not None and ytd_year != date.year and bool(ytd)
    return Record(id=record_id, date=date, day=date.toordinal(), year=date.year, values=values,
                  ytd={} if ignored else ytd, ytd_year=ytd_year, ytd_ignored=ignored, raw=data)
