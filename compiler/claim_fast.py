"""The fast accept path: a claim validator generated per policy from the field table.

``parse_claim`` collects every issue of a claim, with its path and a hint; that costs ten times
what settling the claim does. Most claims have no issue, so each ``Policy`` gets a straight-line
function, generated from ``claim_fields.CLAIM`` and the policy's own value sets, accumulators,
`given` layers and scope, that either returns a ``ClaimView`` standing for the very ``Claim`` the
full path would return (``claim_view``: ``settle`` settles the view; ``build`` gives the ``Claim``)
or returns None — when anything is unusual (an issue, or only a form it does not handle, such as
an integer id or a ``Mapping`` that is not a dict). Then the caller runs the full path, whose
messages are the only ones anybody sees. The fast path never reports; it only accepts.

Only this module's own text and ``repr()`` of the policy's values enter the generated source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from yibao.dsl import ast
from yibao.dsl.types import CATEGORIES

from .claim_fields import CLAIM, MAX_AMOUNT_FEN, MAX_CODE_CHARS, MAX_YEAR, MAX_YTD_ENTRIES, SPLIT_KEYS, Field
from .claim_view import TUPLE_NEW, ClaimView, LineView, to_claim
from .claims import Claim, enum_default, insurance_year

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_CACHE_SIZE = 50_000  # distinct date strings remembered per policy (a decade is 3,653)
# Distinct clean texts of lines and diseases remembered per policy and limit, each of at most
# _TEXT_CACHE_CHARS characters: a catalogue's codes and names fit, and the sets stay under ~7 MB
# each whatever a stream of claims holds.
_TEXT_CACHE_SIZE = 20_000
_TEXT_CACHE_CHARS = 64


@dataclasses.dataclass(frozen=True)
class Scope:
    """What one policy accepts beyond the field table: its value sets and the checks of ``Policy.claim``."""

    enums: Mapping[str, tuple[str, ...]]
    year_start: tuple[int, int]
    start: int  # first day in force (ordinal)
    end: int | None
    accumulators: tuple[str, ...]
    given: tuple[str, ...]
    as_billed: bool
    priced: frozenset[tuple[str, str | None]]
    requires_age: bool
    applies: Callable[[Claim], bool]
    applies_when: ast.Expr | None = None  # the `applies when` expression ``applies`` is compiled from


class _Writer:
    """Source lines at an indent, and the constants they name."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.consts: dict[str, Any] = {}

    def w(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def const(self, value: Any, stem: str) -> str:
        name = f"_{stem}_{len(self.consts)}"
        self.consts[name] = value
        return name

    def seen(self, limit: int) -> str:
        """The set of texts already found clean at ``limit`` characters (one per limit: a name
        clean at 1,000 characters is not a code clean at 200)."""
        name = f"_SEEN_{limit}"
        self.consts.setdefault(name, set())
        return name


def build(scope: Scope) -> Callable[[Any], Claim | None]:
    """The fast accept function of one policy: ``fn(data) -> Claim | None``."""
    return claims_of(build_view(scope))


def claims_of(view: Callable[[Any], ClaimView | None],
              doc: str | None = None) -> Callable[[Any], Claim | None]:
    """``view``'s check giving the ``Claim`` itself (``doc``: the generated source, by default
    ``view``'s)."""

    def fast(data: Any) -> Claim | None:
        got = view(data)
        return None if got is None else to_claim(got)

    fast.__doc__ = view.__doc__ if doc is None else doc
    return fast


def build_view(scope: Scope, dates: dict[str, Any] | None = None) -> Callable[[Any], ClaimView | None]:
    """The generated check itself: ``fn(data) -> ClaimView | None``, the view standing for the
    ``Claim`` the full path would return (``claim_view``). ``dates`` is the date cache (a new one
    if not given; the C reader of the same policy shares it)."""
    out = _Writer()
    keys = out.const(frozenset(f.key for f in CLAIM), "KEYS")
    out.w(f"if data.__class__ is not dict or not {keys}.issuperset(data):")
    out.w("    return None")
    _fields(out, scope, CLAIM, "data", "v_")
    out.w("if v_ytd_year is not None and v_ytd_year != v_year and v_ytd:")
    out.w("    v_ytd, v_ytd_ignored = {}, True")
    out.w("else:")
    out.w("    v_ytd_ignored = False")
    if scope.requires_age:
        out.w("if v_age is None:")
        out.w("    return None")
    out.w("v_raw = data")
    out.w(f"claim = TUPLE_NEW(ClaimView, ({', '.join(f'v_{f}' for f in ClaimView._fields)}))")
    out.w(f"return claim if {out.const(scope.applies, 'applies')}(claim) else None")
    source = ("def fast(data):\n    try:\n" + "\n".join("    " + line for line in out.lines)
              + "\n    except (TypeError, KeyError, UnicodeEncodeError):  # the full path tells"
              "\n        return None\n")
    namespace: dict[str, Any] = {"ClaimView": ClaimView, "LineView": LineView, "TUPLE_NEW": TUPLE_NEW,
                                 "EMPTY": frozenset(), **out.consts}
    if dates is None:
        dates = {}
    namespace["DATES"] = dates
    namespace["_date"] = _date_reader(scope, dates)
    exec(compile(source, "<yibao fast claim check>", "exec"), namespace)  # our own text: see docstring
    fast: Callable[[Any], ClaimView | None] = namespace["fast"]
    fast.__doc__ = source  # for reading what was generated (tests, debugging)
    return fast


def _when_given(out: _Writer, f: Field, var: str, bad: str) -> None:
    """The ``if`` whose body declines: ``bad`` of a required field; of an optional one only when
    it is given (absent, it stays None or takes its default)."""
    if f.required:
        out.w(f"if {bad}:")
    elif f.default is None:
        out.w(f"if {var} is not None and {f'({bad})' if ' or ' in bad else bad}:")
    else:
        out.w(f"if {var} is None:")
        out.w(f"    {var} = {f.default!r}")
        out.w(f"elif {bad}:")


def _text(out: _Writer, var: str, limit: int) -> str:
    """A condition true when ``var`` is not text the full path would keep as it is: a ``str`` of at
    most ``limit`` characters, none of them an unpaired surrogate (``claims._text_issue``). ASCII
    text (codes, ids) is proved clean by one C call; other text is encoded, which raises
    UnicodeEncodeError at a surrogate (and only there): that declines the claim, as does the
    TypeError of a value that is not a string."""
    return f"{var}.__class__ is not str or len({var}) > {limit} or not ({var}.isascii() or {var}.encode())"


def _remember(out: _Writer, var: str, limit: int) -> None:
    """The full text check of ``var``, for a text not yet seen; a clean one is remembered (until
    the set is full), so that a catalogue's codes and names are checked once per policy."""
    out.w(f"if {_text(out, var, limit)}:")
    out.w("    return None")
    out.w(f"if len({out.seen(limit)}) < {_TEXT_CACHE_SIZE} and len({var}) <= {_TEXT_CACHE_CHARS}:")
    out.w(f"    {out.seen(limit)}.add({var})")


def _fields(out: _Writer, scope: Scope, fields: tuple[Field, ...], obj: str, prefix: str,
            remember: bool = False) -> None:
    """Check ``fields`` of ``obj`` into locals named ``prefix`` + attribute. With ``remember``
    (a bill line's fields), texts are looked up among those already found clean first."""
    for f in fields:
        var = f"{prefix}{f.attr}"
        # A required key is subscripted (cheaper than ``get``): if it is missing, the KeyError declines.
        get = f"{obj}[{f.key!r}]" if f.required else f"{obj}.get({f.key!r})"
        if f.kind == "text":
            out.w(f"{var} = {get}")
            check = f"{var} not in {out.seen(f.limit)}" if remember else _text(out, var, f.limit)
            _when_given(out, f, var, check)
            if remember:
                out.depth += 1
                _remember(out, var, f.limit)
                out.depth -= 1
            else:
                out.w("    return None")
        elif f.kind == "enum":
            values = CATEGORIES if f.enum == "line.category" else scope.enums[f.enum or ""]
            default = enum_default(f, values)
            numbers = enum_numbers(values)
            out.w(f"{var} = {get}")
            out.w(f"if {var} not in {out.const(frozenset(values), 'VALUES')}:")  # unhashable: a TypeError
            branch = "if"
            if default is not None:
                out.w(f"    if {var} is None:")
                out.w(f"        {var} = {default!r}")
                branch = "elif"
            if numbers:  # a JSON integer level is read as its digits
                table = out.const(numbers, "NUMBERS")
                out.w(f"    {branch} {var}.__class__ is int and {var} in {table}:")
                out.w(f"        {var} = {table}[{var}]")
                branch = "elif"
            if branch == "if":  # neither absent nor a number: anything not in the set declines
                out.w("    return None")
            else:
                out.w("    else:")
                out.w("        return None")
            out.w(f"elif {var}.__class__ is not str:")
            out.w(f"    {var} = str({var})  # a str subclass, read as the full path reads it")
        elif f.kind == "int":
            out.w(f"{var} = {get}")
            bad = f"{var}.__class__ is not int or {var} < {f.minimum} or {var} > {f.limit}"
            _when_given(out, f, var, bad)
            out.w("    return None")
        elif f.kind == "amount":
            out.w(f"{var} = {get}")
            if not f.required:
                out.w(f"if {var} is not None:")
                out.depth += 1
            _amount(out, var, f.limit)
            if not f.required:
                out.depth -= 1
        elif f.kind == "split":
            if f.key != SPLIT_KEYS[0]:
                continue
            if not scope.as_billed:  # the keys were refused with the line's; the split stays None
                out.w(f"{var} = None")
                continue
            out.w(f"if {' or '.join(f'{k!r} in {obj}' for k in SPLIT_KEYS)}:")
            out.depth += 1
            parts = []
            for i, key in enumerate(SPLIT_KEYS):
                part = f"{prefix}split{i}"
                parts.append(part)
                out.w(f"{part} = {obj}.get({key!r})")
                _amount(out, part, f.limit)
            out.w(f"if {' + '.join(parts)} != {prefix}amount:")
            out.w("    return None")
            out.w(f"{var} = ({', '.join(parts)},)")
            out.depth -= 1
            out.w("else:")
            out.w(f"    {var} = None")
        elif f.kind == "date":
            out.w(f"day = DATES.get({get})  # remembered: no call (a value that cannot be a key: TypeError)")
            out.w("if day is None:")
            out.w(f"    day = _date({get})")
            out.w("    if day is None:")
            out.w("        return None")
            out.w(f"{prefix}date, {prefix}day, {prefix}year = day")
        elif f.kind == "codes":
            out.w(f"{var} = {get}")
            out.w(f"if {var} is None:")
            out.w(f"    {var} = EMPTY")
            out.w(f"elif {var}.__class__ is not list or len({var}) > {f.limit}:")
            out.w("    return None")
            out.w("else:")
            out.w(f"    for item in {var}:")
            out.w(f"        if item not in {out.seen(MAX_CODE_CHARS)}:")
            out.depth += 3
            _remember(out, "item", MAX_CODE_CHARS)
            out.depth -= 3
            out.w(f"    {var} = frozenset({var})")
        elif f.kind == "object":
            sub = f"o_{f.key}"
            out.w(f"{sub} = {get}")
            out.w(f"if {sub}.__class__ is not dict or not {out.const(f.keys, 'KEYS')}.issuperset({sub}):")
            out.w("    return None")
            _fields(out, scope, f.fields, sub, prefix)
        elif f.kind == "lines":
            _lines(out, scope, f, get)
        elif f.kind == "ytd":
            _ytd(out, scope, f, get)
        else:
            _paid(out, scope, f, get)


def _amount(out: _Writer, var: str, limit: int) -> None:
    """``var`` (yuan as "1234.50": ASCII digits, a point, two decimals) → fen, or return None.
    Other forms the full path accepts ("12", "12.5", a JSON integer) are declined, to it.
    One regular expression is the cheapest exact check measured here (CPython 3.11): slicing out
    the point, ``isascii`` and ``isdigit`` cost about 1.3× as much (``benchmarks/README.md``)."""
    digits = amount_digits(limit)
    pattern = out.const(re.compile(f"[0-9]{{1,{digits}}}\\.[0-9]{{2}}").fullmatch, "AMOUNT")
    out.w(f"if {pattern}({var}) is None:  # not a string: TypeError")
    out.w("    return None")
    out.w(f"{var} = int({var}.replace('.', ''))")
    if 10 ** (digits + 2) - 1 > limit:
        out.w(f"if {var} > {limit}:")
        out.w("    return None")


def amount_digits(limit: int) -> int:
    """The most digits before the point of an amount of at most ``limit`` fen."""
    return len(str(limit)) - 2


def enum_numbers(values: tuple[str, ...]) -> dict[int, str]:
    """A value set's values that a JSON integer stands for (``2`` for level ``"2"``)."""
    return {int(v): v for v in values if v.isascii() and v.isdigit() and str(int(v)) == v}


def _lines(out: _Writer, scope: Scope, f: Field, get: str) -> None:
    keys = f.keys if scope.as_billed else f.keys - set(SPLIT_KEYS)
    out.w(f"raw_lines = {get}")
    out.w(f"if raw_lines.__class__ is not list or not raw_lines or len(raw_lines) > {f.limit}:")
    out.w("    return None")
    out.w("v_lines = []")
    out.w("v_total = 0")
    out.w("append = v_lines.append")
    out.w("for ln in raw_lines:")
    out.depth += 1
    out.w(f"if ln.__class__ is not dict or not {out.const(frozenset(keys), 'KEYS')}.issuperset(ln):")
    out.w("    return None")
    _fields(out, scope, f.fields, "ln", "l_", remember=True)
    if scope.priced:  # a line a `classify` row prices needs its unit price (or its split)
        priced = out.const(scope.priced, "PRICED")
        out.w("if l_unit_price is None and l_split is None and ((l_category, l_item_class) in "
              f"{priced} or (l_category, None) in {priced}):")
        out.w("    return None")
    out.w("v_total += l_amount")
    out.w(f"append(TUPLE_NEW(LineView, ({', '.join(f'l_{f}' for f in LineView._fields)})))")
    out.depth -= 1
    out.w(f"if v_total > {MAX_AMOUNT_FEN}:")
    out.w("    return None")
    out.w("v_lines = tuple(v_lines)")


def _ytd(out: _Writer, scope: Scope, f: Field, get: str) -> None:
    out.w(f"raw = {get}")
    out.w("v_ytd_year = None")
    out.w("v_ytd = {}")
    out.w("v_ytd_periods = {}  # a month or quarter named in year_to_date: the full path reads it")
    out.w("if raw:")
    out.depth += 1
    out.w(f"if raw.__class__ is not dict or len(raw) > {MAX_YTD_ENTRIES}:")
    out.w("    return None")
    out.w("for key, value in raw.items():")
    out.w("    if key == 'year':")
    out.w(f"        if value.__class__ is not int or not 1 <= value <= {MAX_YEAR}:")
    out.w("            return None")
    out.w("        v_ytd_year = value")
    out.w("        continue")
    out.w(f"    if key not in {out.const(frozenset(scope.accumulators), 'ACCUMULATORS')}:")
    out.w("        return None")
    out.depth += 1
    _amount(out, "value", f.limit)
    out.w("v_ytd[key] = value")
    out.depth -= 2
    out.w("elif raw is not None and raw.__class__ is not dict:")
    out.w("    return None")


def _paid(out: _Writer, scope: Scope, f: Field, get: str) -> None:
    out.w(f"raw = {get}")
    out.w("v_paid = {}")
    if not scope.given:  # nothing may be given: absent, null or {}
        out.w("if raw is not None and (raw.__class__ is not dict or raw):")
        out.w("    return None")
        return
    given = out.const(frozenset(scope.given), "GIVEN")
    out.w(f"if raw.__class__ is not dict or len(raw) != {len(set(scope.given))}:")
    out.w("    return None")
    out.w("for key, value in raw.items():")
    out.w(f"    if key not in {given}:")
    out.w("        return None")
    out.depth += 1
    _amount(out, "value", f.limit)
    out.w("v_paid[key] = value")
    out.depth -= 1


def _date_reader(scope: Scope, cache: dict[str, tuple[dt.date, int, int] | None] | None = None,
                 ) -> Callable[[Any], tuple[dt.date, int, int] | None]:
    """YYYY-MM-DD → (date, ordinal, insurance year) inside the policy's dates, or None; remembered
    in ``cache`` (which the generated check reads first)."""
    if cache is None:
        cache = {}
    start, end, year_start = scope.start, scope.end, scope.year_start

    def read(raw: Any) -> tuple[dt.date, int, int] | None:
        if raw.__class__ is not str:
            return None
        got = cache.get(raw, False)
        if got is not False:
            return got  # type: ignore[return-value]
        found = None
        if _DATE.fullmatch(raw):
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                day = None
            if day is not None and start <= day.toordinal() and (end is None or day.toordinal() <= end):
                found = (day, day.toordinal(), insurance_year(day, year_start))
        if len(cache) < _DATE_CACHE_SIZE:
            cache[raw] = found
        return found

    return read
