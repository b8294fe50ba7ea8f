"""The platform's numeric fields (N16,2 amounts, N16,4 counts, N16,6 prices, N5,4 proportions),
read exactly into integers and written back as decimal strings.

The interface types a number as ``N<digits>,<decimals>``: at most ``digits`` digits in all, of
which at most ``decimals`` after the point. A value is accepted as a JSON string or number (read
with ``parse_float=Decimal`` so that ``12.34`` is never a float) and held as an integer count of
its smallest unit: fen for amounts, 1/10,000 for counts, 1/1,000,000 yuan for prices.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from yibao.compiler.claims import _Collector, _show
from yibao.compiler.money import div_half_up
from yibao.dsl.phrase import P

_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]*))?")


class Kind:
    """One numeric type of the interface: total digits, decimals, whether it may be negative."""

    __slots__ = ("decimals", "digits", "name", "negative")

    def __init__(self, name: str, digits: int, decimals: int, negative: bool = False) -> None:
        self.name, self.digits, self.decimals, self.negative = name, digits, decimals, negative


AMOUNT = Kind("N16,2", 16, 2)  # fen
SIGNED_AMOUNT = Kind("N16,2", 16, 2, negative=True)  # a refund line's amounts are negative
COUNT = Kind("N16,4", 16, 4, negative=True)  # negative on refund
PRICE = Kind("N16,6", 16, 6)
PROPORTION = Kind("N5,4", 5, 4)


def read(c: _Collector, raw: Any, path: str, kind: Kind, *, required: bool = True) -> int | None:
    """``raw`` as an integer of ``kind``'s smallest unit, or None (the issue is in ``c``)."""
    if type(raw) is str and len(raw) <= 40:  # the common case, without the checks below
        m = _NUMBER.fullmatch(raw)
        if m is not None:
            sign, whole, frac = m.groups()
            if frac is not None and len(frac) == kind.decimals and len(whole) <= kind.digits - kind.decimals:
                value = int(whole + frac)
                if not sign or not value:
                    return value
                if kind.negative:
                    return -value
    if raw is None or raw == "":
        if required:
            c.add(path, P("required ({kind})", kind=kind.name))
        return None
    if isinstance(raw, float):
        c.add(
            path,
            P("{raw} is a binary float, which cannot hold {kind} exactly: read the JSON with "
              "yibao.national.decode_visit (numbers as decimals) or write the number as a string",
              raw=repr(raw), kind=kind.name),
        )
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        c.add(path, P("{value} is not a number ({kind})", value=_show(raw), kind=kind.name))
        return None
    if isinstance(raw, Decimal) and (not raw.is_finite() or raw.adjusted() > kind.digits):
        c.add(path, P("{value} has more than {digits} digits ({kind})", value=_show(str(raw)[:40]),
                      digits=kind.digits, kind=kind.name))
        return None
    if isinstance(raw, int) and abs(raw) >= 10**kind.digits:
        c.add(path, P("a number of more than {digits} digits ({kind})", digits=kind.digits, kind=kind.name))
        return None
    text = raw if isinstance(raw, str) else (str(raw) if isinstance(raw, int) else format(raw, "f"))
    m = _NUMBER.fullmatch(text) if len(text) <= 40 else None
    if m is None:
        c.add(
            path,
            P("{value} is not a number ({kind}: ASCII digits, at most {decimals} decimals)", value=_show(raw),
              kind=kind.name, decimals=kind.decimals),
        )
        return None
    sign, whole, frac = m.groups()
    frac = frac or ""
    if len(frac) > kind.decimals and frac[kind.decimals :].strip("0"):
        c.add(path, P("{value} has more than {decimals} decimals ({kind})", value=_show(raw),
                      decimals=kind.decimals, kind=kind.name))
        return None
    frac = frac[: kind.decimals].ljust(kind.decimals, "0")
    whole = whole.lstrip("0") or "0"
    if len(whole) > kind.digits - kind.decimals:
        c.add(path, P("{value} has more than {digits} digits ({kind})", value=_show(raw), digits=kind.digits,
                      kind=kind.name))
        return None
    value = int(whole + frac)
    if sign and value:
        if not kind.negative:
            c.add(path, P("{value} must not be negative", value=_show(raw)))
            return None
        value = -value
    return value


def text(value: int, decimals: int) -> str:
    """An integer of 10^-decimals units as the platform writes it: ``123450, 2`` → ``"1234.50"``."""
    sign = "-" if value < 0 else ""
    q, r = divmod(abs(value), 10**decimals)
    return f"{sign}{q}.{r:0{decimals}d}" if decimals else f"{sign}{q}"


def amount_text(fen: int) -> str:
    return text(fen, 2)


def price_to_fen(micro: int) -> int:
    """A six-decimal price (1/1,000,000 yuan) in fen, rounded half up (四舍五入): 12.345650 → 12.35."""
    return div_half_up(micro, 10_000)
