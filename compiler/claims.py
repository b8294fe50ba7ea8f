"""The claim contract: JSON in, a validated ``Claim`` out, or every problem with its path.

A claim is checked completely before anything is settled: amounts with more than
two decimals, negative amounts, unknown fields and unknown enum values are all
reported together, each at its JSON path (``lines[2].amount``). Reading the JSON text
itself (size, encoding, depth, duplicate keys) is ``json_input.py``.

Somewhat over 500 lines, on purpose: claims and records share the issue collector, the path
rules and the field readers, and the limits are one list (``docs/claims.md``, "Limits").

Every size is bounded (see ``docs/claims.md``, "Limits"), so that no input, however
large, deep or odd, gets past here as a traceback or as a figure a later step cannot hold.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yibao.dsl.errors import ClaimError, ClaimIssue
from yibao.dsl.phrase import Names, P, Phrase
from yibao.dsl.types import CATEGORIES, DEFAULT_ENUMS

from .claim_fields import (  # noqa: F401  (the limits are read from here by older callers)
    CLAIM,
    CLAIM_KEYS,
    LINE,
    LINE_KEYS,
    MAX_ADMISSION_NO,
    MAX_AGE,
    MAX_AMOUNT_FEN,
    MAX_CODE_CHARS,
    MAX_COUNT,
    MAX_DEPTH,
    MAX_DISEASES,
    MAX_INPUT_BYTES,
    MAX_ISSUES,
    MAX_LINE_FEN,
    MAX_LINES,
    MAX_NAME_CHARS,
    MAX_YEAR,
    MAX_YTD_ENTRIES,
    PERIOD_KEYS,
    PERSON_KEYS,
    RECORD_KEYS,
    SPLIT_KEYS,
    VISIT_KEYS,
    YEAR_KEY,
    Field,
)
from .money import money_str

_AMOUNT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")  # ASCII digits only; decimals and sign judged after
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INT_TEXT = 10**40  # an integer this large or larger is shown by its size, never converted to text
_INT_ID = 10**MAX_CODE_CHARS  # an integer id must have at most MAX_CODE_CHARS digits


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    name: str
    category: str
    item_class: str | None
    amount: int  # fen
    unit_price: int | None = None  # fen per unit, when the claim gives it (``line.unit_price``)
    split: tuple[int, int, int, int] | None = None  # the platform's split: SPLIT_KEYS' amounts, in fen


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
    # `paid`: what a `given` layer paid upstream (layer → fen); only a policy with one reads it.
    paid: Mapping[str, int] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    ytd_periods: Mapping[str, int] = field(default_factory=dict)  # "month"/"quarter" year_to_date states

    def with_ytd(self, ytd: Mapping[str, int]) -> Claim:
        """The same claim with another year's-to-date state (for ``settle_many``)."""
        from dataclasses import replace

        return replace(self, ytd=dict(ytd), ytd_year=self.year, ytd_ignored=False, ytd_periods={})


class _Collector:
    """Issues in order, at most ``MAX_ISSUES`` of them: a claim of a million bad keys is still one report."""

    __slots__ = ("dropped", "issues")

    def __init__(self) -> None:
        self.issues: list[ClaimIssue] = []
        self.dropped = 0

    def add(self, path: str, message: Phrase) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(ClaimIssue(path or "$", message))
        else:
            self.dropped += 1

    def error(self, source: str | None, what: str = "claim") -> ClaimError:
        issues = list(self.issues)
        if self.dropped:
            more = (P("{n} more issue not shown", n=1) if self.dropped == 1
                    else P("{n} more issues not shown", n=self.dropped))
            issues.append(ClaimIssue("$", more))
        return ClaimError(issues, source, what=what)

    def unknown_keys(self, obj: Mapping[Any, Any], allowed: AbstractSet[str], path: str) -> None:
        if allowed.issuperset(obj):  # the common case: no allocation
            return
        import difflib

        extra = [key for key in obj if key not in allowed]
        for key in extra:
            if not isinstance(key, str):
                self.add(path, P("key {key} is not a string", key=_show(key)))
        names = [key for key in extra if isinstance(key, str)]
        room = max(MAX_ISSUES - len(self.issues), 0)
        shown = heapq.nsmallest(room, names) if len(names) > room else sorted(names)
        self.dropped += len(names) - len(shown)
        for key in shown:
            close = difflib.get_close_matches(key, sorted(allowed), n=1) if len(key) <= 100 else []
            self.add(_join(path, _key_text(key)),
                     P("unknown field; did you mean `{name}`?",
                       name=close[0]) if close else P("unknown field"))


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _key_text(key: str) -> str:
    """A key as it may appear in a path: no unpaired surrogate (it could not be printed), not too long."""
    if len(key) > MAX_CODE_CHARS:
        key = key[:MAX_CODE_CHARS] + "…"
    if not key.isascii() and _SURROGATE.search(key):
        key = key.encode("utf-8", "backslashreplace").decode("utf-8")
    return key


def _show(raw: Any) -> str | Phrase:
    """A value as an error message quotes it: short, printable, and never a deep or huge repr; a
    value that cannot be quoted is described (in each language)."""
    if isinstance(raw, str):
        return repr(raw if len(raw) <= 40 else raw[:40] + "…")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return repr(raw) if -_INT_TEXT < raw < _INT_TEXT else P("a number of more than 40 digits")
    if raw is None or isinstance(raw, bool | float):
        return repr(raw)
    if isinstance(raw, list):
        return P("a list")
    if isinstance(raw, Mapping):
        return P("an object")
    return P("a {kind}", kind=type(raw).__name__)


def _text_issue(value: str, limit: int) -> Phrase | None:
    """Why ``value`` cannot be kept as text, or None: too long, or an unpaired surrogate
    (JSON ``"\\ud800"``), which no output could encode."""
    if len(value) > limit:
        return P("{n} characters; at most {max}", n=len(value), max=limit)
    if not value.isascii():
        bad = _SURROGATE.search(value)
        if bad:
            return P("not text: an unpaired surrogate {code} at character {at}; write the character itself, "
                     "or a pair of \\u escapes", code=f"\\u{ord(bad.group()):04x}", at=bad.start())
    return None


def _str(c: _Collector, obj: Mapping[str, Any], key: str, path: str, *, required: bool = True,
         limit: int = MAX_CODE_CHARS) -> str | None:
    value = obj.get(key)
    if type(value) is not str:
        if value is None:
            if required:
                c.add(_join(path, key), P("required"))
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            c.add(_join(path, key), P("must be a string, not {kind}", kind=type(value).__name__))
            return None
        if isinstance(value, int) and not -_INT_ID < value < _INT_ID:
            c.add(_join(path, key), P("a number of more than {n} digits; at most {max}", n=limit, max=limit))
            return None
        value = str(value)
    problem = _text_issue(value, limit)
    if problem:
        c.add(_join(path, key), problem)
        return None
    return value


def _enum(c: _Collector, obj: Mapping[str, Any], key: str, path: str, values: tuple[str, ...],
          *, default: str | None = None) -> str:
    raw = obj.get(key)
    if raw is None:
        if default is None:
            c.add(_join(path, key), P("required; one of {values}", values=Names(tuple(values))))
            return values[0]
        return default
    if type(raw) is str and raw in values:  # the common case
        return raw
    value = None
    if isinstance(raw, str) or (isinstance(raw, int) and not isinstance(raw, bool)
                                and -_INT_TEXT < raw < _INT_TEXT):
        value = str(raw)
    if value not in values:
        c.add(_join(path, key), P("{value} is not one of {values}", value=_show(raw),
                                  values=Names(tuple(values))))
        return values[0]
    return value


def _date(c: _Collector, data: Mapping[str, Any], what: str) -> dt.date:
    """The top-level ``date``: exactly YYYY-MM-DD (ASCII digits) and a real day."""
    raw = data.get("date")
    if raw is None:
        c.add("date", P("required ({what}, YYYY-MM-DD)", what=what))
        return dt.date.min
    try:
        if not isinstance(raw, str) or not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        c.add("date", P("{value} is not a date (YYYY-MM-DD)", value=_show(raw)))
        return dt.date.min


def _int(c: _Collector, obj: Mapping[str, Any], key: str, path: str, *, minimum: int,
         maximum: int) -> int | None:
    raw = obj.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):  # True is an int in Python, not a number here
        c.add(_join(path, key), P("must be a whole number, not {value}", value=_show(raw)))
        return None
    if raw < minimum:
        c.add(_join(path, key), P("must be at least {n}", n=minimum))
        return None
    if raw > maximum:
        c.add(_join(path, key), P("must be at most {n}", n=maximum))
        return None
    return raw


def _amount(c: _Collector, raw: Any, path: str, limit: int = MAX_AMOUNT_FEN) -> int:
    """Yuan as a decimal string (or a whole-yuan integer) → fen, within ``limit``; 0 after an issue."""
    if type(raw) is str or isinstance(raw, str):
        m = _AMOUNT.fullmatch(raw)
        if m is None:
            c.add(path, P('{value} is not an amount; write yuan as a decimal string such as "1234.50"',
                          value=_show(raw)))
            return 0
        sign, whole, frac = m.groups()
        if frac is None:
            cents = "00"
        elif len(frac) <= 2:
            cents = frac.ljust(2, "0")
        elif frac[2:].strip("0"):
            c.add(path, P("more than two decimals (fen): {value}", value=_show(raw)))
            return 0
        else:
            cents = frac[:2]
        whole = whole.lstrip("0")
        if len(whole) > 20:  # never convert a 5,000-digit string to an int
            c.add(path, P("{value} is more than the limit of {limit}", value=_show(raw),
                          limit=money_str(limit)))
            return 0
        fen = int(whole + cents)
        if sign and fen:
            c.add(path, P("must not be negative"))
            return 0
    elif isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            c.add(path, P("must not be negative"))
            return 0
        fen = raw * 100 if raw <= limit else limit + 1
    else:
        c.add(path, P('must be a decimal string such as "1234.50"'))
        return 0
    if fen > limit:
        c.add(path, P("{value} is more than the limit of {limit}", value=_show(raw), limit=money_str(limit)))
        return 0
    return fen


def _is_map(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


_DEFAULT_ENUM_KEYS = frozenset(DEFAULT_ENUMS)


def parse_claim(data: Any, enums: Mapping[str, tuple[str, ...]] | None = None,
                source: str | None = None, year_start: tuple[int, int] = (1, 1),
                unread: frozenset[str] = frozenset()) -> Claim:
    """Validate a claim's JSON (already decoded); raise ``ClaimError`` with every issue.
    ``year_start`` is the policy's (month, day) an insurance year starts on: the claim's ``year``
    is the insurance year its date falls in, named by the calendar year that year starts in.
    The fields and their order of reporting are ``claim_fields.CLAIM``. ``unread`` names the
    required enum fields the policy never reads (``visit.level``): a claim may leave them out
    (``None``), and one it gives is still checked."""
    if enums is None:
        enums = DEFAULT_ENUMS
    elif not _DEFAULT_ENUM_KEYS.issubset(enums):  # a policy's ENUMS are complete: no merge per claim
        enums = {**DEFAULT_ENUMS, **enums}
    c = _Collector()
    if not _is_map(data):
        raise ClaimError([ClaimIssue("$", P("a claim must be a JSON object"))], source)
    c.unknown_keys(data, CLAIM_KEYS, "")
    v = _read_fields(c, data, CLAIM, "", enums, {}, unread)
    if c.issues:
        raise c.error(source)
    ytd, ytd_year, periods = v.pop("ytd")
    date, lines = v["date"], v["lines"]
    year = insurance_year(date, year_start)
    ignored = ytd_year is not None and ytd_year != year and bool(ytd)
    return Claim(**v, day=date.toordinal(), year=year, total=sum([line.amount for line in lines]),
                 ytd={} if ignored else ytd, ytd_year=ytd_year, ytd_ignored=ignored, raw=data,
                 ytd_periods=periods)


def _enum_values(f: Field, enums: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    return CATEGORIES if f.enum == "line.category" else enums[f.enum or ""]


def enum_default(f: Field, values: tuple[str, ...]) -> str | None:
    """An enum field's value when the claim leaves it out, or None if it is required."""
    if f.default == "first":
        return values[0]
    if f.default is not None:
        return str(f.default) if f.default in values else None
    return None


def _read_fields(c: _Collector, obj: Mapping[str, Any], fields: tuple[Field, ...], path: str,
                 enums: Mapping[str, tuple[str, ...]], out: dict[str, Any],
                 unread: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Each of ``fields`` read from ``obj`` in order (which is the order issues are reported in),
    into ``out`` by the attribute each fills (an object's fields fill their parent's)."""
    for f in fields:
        kind, key, attr = f.kind, f.key, f.attr
        if kind == "text":
            value = _str(c, obj, key, path, required=f.required, limit=f.limit)
            out[attr] = f.default if value is None else value
        elif kind == "enum":
            if f.enum in unread and obj.get(key) is None:  # the policy never reads it: it may be absent
                out[attr] = None
                continue
            values = _enum_values(f, enums)
            out[attr] = _enum(c, obj, key, path, values, default=enum_default(f, values))
        elif kind == "int":
            value = _int(c, obj, key, path, minimum=f.minimum, maximum=f.limit)
            out[attr] = f.default if value is None else value
        elif kind == "amount":
            if key not in obj:
                if f.required:
                    c.add(_join(path, key), P("required"))
                out[attr] = 0 if f.required else None
            elif f.required or obj[key] is not None:
                out[attr] = _amount(c, obj[key], _join(path, key), f.limit)
            else:
                out[attr] = None
        elif kind == "split":
            if attr not in out:
                out[attr] = (_split(c, obj, path, out.get("amount", 0))
                             if any(k in obj for k in SPLIT_KEYS) else None)
        elif kind == "date":
            out[attr] = _date(c, obj, f.doc)
        elif kind == "codes":
            out[attr] = _diseases(c, obj.get(key), _join(path, key), f.limit)
        elif kind == "object":
            sub = obj.get(key)
            where = _join(path, key)
            if not _is_map(sub):
                c.add(where, P("required object"))
                sub = {}
            c.unknown_keys(sub, f.keys, where)
            _read_fields(c, sub, f.fields, where, enums, out, unread)
        elif kind == "lines":
            out[attr] = _lines(c, obj.get(key), f, enums)
        elif kind == "ytd":
            periods: dict[str, int] = {}
            out[attr] = (*_year_to_date(c, obj, periods), periods)
        else:  # paid
            out[attr] = _paid(c, obj.get(key))
    return out


def _lines(c: _Collector, raw_lines: Any, f: Field, enums: Mapping[str, tuple[str, ...]]) -> tuple[Line, ...]:
    lines: list[Line] = []
    if type(raw_lines) is not list:
        c.add(f.key, P("required list of bill lines"))
        raw_lines = []
    elif not raw_lines:
        c.add(f.key, P("a claim needs at least one line"))
    elif len(raw_lines) > f.limit:
        c.add(f.key, P("{n} lines; at most {max}", n=len(raw_lines), max=f.limit))
        raw_lines = []
    keys = f.keys
    for i, raw in enumerate(raw_lines):
        path = f"{f.key}[{i}]"
        if not _is_map(raw):
            c.add(path, P("must be an object"))
            continue
        c.unknown_keys(raw, keys, path)
        lines.append(Line(**_read_fields(c, raw, f.fields, path, enums, {})))
    total = sum([line.amount for line in lines])
    if total > MAX_AMOUNT_FEN:
        c.add(f.key, P("the lines add up to {total}, more than the limit of {limit} for a claim",
                       total=money_str(total), limit=money_str(MAX_AMOUNT_FEN)))
    return tuple(lines)


def _split(c: _Collector, raw: Mapping[str, Any], path: str, amount: int) -> tuple[int, int, int, int] | None:
    """The platform's split of a line: all four amounts, adding up to the line's amount."""
    missing = [k for k in SPLIT_KEYS if k not in raw]
    if missing:
        given = tuple(k for k in SPLIT_KEYS if k in raw)
        for k in missing:
            c.add(f"{path}.{k}", P("required with {given}: a line's split has all of {keys}",
                                   given=Names(given), keys=Names(SPLIT_KEYS)))
        return None
    before = len(c.issues) + c.dropped
    a, b, d, e = (_amount(c, raw[k], f"{path}.{k}", MAX_LINE_FEN) for k in SPLIT_KEYS)
    if len(c.issues) + c.dropped > before:
        return None
    if a + b + d + e != amount:
        c.add(path, P("the split adds up to {total} ({parts}), not the amount {amount}",
                      total=money_str(a + b + d + e), parts=" + ".join(money_str(x) for x in (a, b, d, e)),
                      amount=money_str(amount)))
        return None
    return (a, b, d, e)


def _diseases(c: _Collector, raw: Any, path: str = "visit.diseases",
              limit: int = MAX_DISEASES) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if type(raw) is not list or not all(isinstance(d, str) for d in raw):
        c.add(path, P("must be a list of strings"))
        return frozenset()
    if len(raw) > limit:
        c.add(path, P("{n} diseases; at most {max}", n=len(raw), max=limit))
        return frozenset()
    for i, d in enumerate(raw):
        problem = _text_issue(d, MAX_CODE_CHARS)
        if problem:
            c.add(f"{path}[{i}]", problem)
    return frozenset(raw)


def _paid(c: _Collector, raw: Any) -> dict[str, int]:
    """``paid``: layer → what it paid upstream, each amount read as a line's is (within a claim's
    limit). Which layers may appear is the policy's to say (``Policy.claim``)."""
    paid: dict[str, int] = {}
    if raw is None:
        return paid
    if not _is_map(raw):
        c.add("paid", P("must be an object of layer → amount it paid"))
        return paid
    if len(raw) > MAX_YTD_ENTRIES:
        c.add("paid", P("{n} entries; at most {max}", n=len(raw), max=MAX_YTD_ENTRIES))
        return paid
    for key, value in raw.items():
        if not isinstance(key, str):
            c.add("paid", P("key {key} is not a string", key=_show(key)))
            continue
        path = _join("paid", _key_text(key))
        problem = _text_issue(key, MAX_CODE_CHARS)
        if problem:
            c.add(path, P("key: {problem}", problem=problem))
            continue
        paid[key] = _amount(c, value, path)
    return paid


def _year_to_date(c: _Collector, data: Mapping[str, Any],
                  periods: dict[str, int] | None = None) -> tuple[dict[str, int], int | None]:
    """The figures and the year they are for; a claim's (``periods`` given) may also say which month
    and quarter its period figures are for."""
    ytd: dict[str, int] = {}
    ytd_year: int | None = None
    raw_ytd = data.get("year_to_date")
    if raw_ytd is None:
        return ytd, None
    if not _is_map(raw_ytd):
        c.add("year_to_date", P("must be an object of accumulator → amount"))
        return ytd, None
    if len(raw_ytd) > MAX_YTD_ENTRIES:
        c.add("year_to_date", P("{n} entries; at most {max}", n=len(raw_ytd), max=MAX_YTD_ENTRIES))
        return ytd, None
    for key, value in raw_ytd.items():
        if not isinstance(key, str):
            c.add("year_to_date", P("key {key} is not a string", key=_show(key)))
            continue
        path = _join("year_to_date", _key_text(key))
        if key == YEAR_KEY:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_YEAR:
                c.add(path, P("must be a year such as 2024"))
            else:
                ytd_year = value
            continue
        if key in PERIOD_KEYS and periods is not None:
            most = PERIOD_KEYS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
                c.add(path, P("must be a month of the year, 1 to {most}", most=most) if key == "month"
                      else P("must be a quarter of the year, 1 to {most}", most=most))
            else:
                periods[key] = value
            continue
        problem = _text_issue(key, MAX_CODE_CHARS)
        if problem:
            c.add(path, P("key: {problem}", problem=problem))
            continue
        ytd[key] = _amount(c, value, path)
    return ytd, ytd_year


_RATE = re.compile(r"[0-9]+(\.[0-9]{1,4})?%")


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
        if not isinstance(raw, str) or len(raw) > 12 or not _RATE.fullmatch(raw):
            c.add(path, P('{value} is not a rate; write a percentage such as "12.5%"', value=_show(raw)))
            return 0
        if Decimal(raw[:-1]) > 100:
            c.add(path, P("{value} is more than 100%", value=raw))
            return 0
        return int(Decimal(raw[:-1]) * 10_000)
    if code == "c":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            c.add(path, P("{value} is not a count (a whole number, 0 or more)", value=_show(raw)))
            return 0
        if raw > MAX_COUNT:
            c.add(path, P("must be at most {n}", n=MAX_COUNT))
            return 0
        return raw
    if code == "b":
        if not isinstance(raw, bool):
            c.add(path, P("{value} is not true or false", value=_show(raw)))
            return False
        return raw
    if not isinstance(raw, str) or not _DATE.fullmatch(raw):
        c.add(path, P("{value} is not a date (YYYY-MM-DD)", value=_show(raw)))
        return 0
    try:
        return dt.date.fromisoformat(raw).toordinal()
    except ValueError:
        c.add(path, P("{value} is not a date (YYYY-MM-DD)", value=_show(raw)))
        return 0


def insurance_year(day: dt.date, year_start: tuple[int, int] = (1, 1)) -> int:
    """The insurance year ``day`` falls in, named by the calendar year it starts in: with a year
    starting 07-01, 2020-03-01 is in 2019 and 2020-07-01 in 2020."""
    return day.year if (day.month, day.day) >= year_start else day.year - 1


def parse_record(data: Any, fields: Mapping[str, str], source: str | None = None,
                 year_start: tuple[int, int] = (1, 1)) -> Record:
    """Validate a record's JSON against the policy's declared fields (name → type code)."""
    c = _Collector()
    if not _is_map(data):
        raise ClaimError([ClaimIssue("$", P("a record must be a JSON object"))], source, what="record")
    c.unknown_keys(data, RECORD_KEYS, "")
    record_id = _str(c, data, "id", "") or ""
    date = _date(c, data, "the date the record is for")
    body = data.get("record")
    values: dict[str, Any] = {}
    if not _is_map(body):
        c.add("record", P("required object with the fields {fields}", fields=Names(tuple(fields))))
        body = {}
    c.unknown_keys(body, set(fields), "record")
    for name, code in fields.items():
        path = _join("record", name)
        if name not in body:
            c.add(path, P("required"))
            continue
        values[name] = _field_value(c, body[name], code, path)
    ytd, ytd_year = _year_to_date(c, data)
    if c.issues:
        raise c.error(source, what="record")
    year = insurance_year(date, year_start)
    ignored = ytd_year is not None and ytd_year != year and bool(ytd)
    return Record(id=record_id, date=date, day=date.toordinal(), year=year, values=values,
                  ytd={} if ignored else ytd, ytd_year=ytd_year, ytd_ignored=ignored, raw=data)


def __getattr__(name: str) -> Any:
    """``decode_json`` and ``load_claim_json`` moved to ``json_input.py``, which imports this module:
    they are still found here, for callers that import them from ``claims``."""
    if name in ("decode_json", "load_claim_json"):
        from . import json_input

        return getattr(json_input, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
