"""Exact money: integer fen, rates in parts per million, explicit rounding.

Generated policy modules do all arithmetic on Python ints with these helpers;
``Decimal`` appears only at the edges (parsing claims, reporting amounts).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100
RATE_ONE = 1_000_000  # 100% in parts per million


def div_half_up(n: int, d: int) -> int:
    """n / d rounded half away from zero (四舍五入); d > 0."""
    if n >= 0:
        return (2 * n + d) // (2 * d)
    return -((-2 * n + d) // (2 * d))


def div_half_even(n: int, d: int) -> int:
    q, r = divmod(abs(n), d)
    if 2 * r > d or (2 * r == d and q % 2 == 1):
        q += 1
    return q if n >= 0 else -q


def div_down(n: int, d: int) -> int:
    """Towards zero: the fund never pays a fraction of a fen it does not owe."""
    q = abs(n) // d
    return q if n >= 0 else -q


def div_up(n: int, d: int) -> int:
    q = -(-abs(n) // d)
    return q if n >= 0 else -q


ROUNDING = {
    "half_up": div_half_up,
    "half_even": div_half_even,
    "down": div_down,
    "up": div_up,
}


def to_fen(value: Decimal | str | int) -> int:
    """Yuan (at most two decimals) → fen; raises ValueError otherwise."""
    try:
        d = Decimal(value)
    except (InvalidOperation, TypeError) as err:
        raise ValueError(f"not a number: {value!r}") from err
    if not d.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    fen = d * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimals: {value!r}")
    return int(fen)


def to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_CENTS = tuple(f"0.{r:02d}" for r in range(FEN_PER_YUAN))  # 0.00 … 0.99


def money_str(fen: int) -> str:
    """Machine form: ``1234.50``. Called for every amount of every settlement written, so it cuts
    the decimal text of the integer rather than dividing (the same digits, exactly)."""
    if fen >= FEN_PER_YUAN:
        digits = str(int(fen))
        return f"{digits[:-2]}.{digits[-2:]}"
    if fen >= 0:
        return _CENTS[fen]
    return "-" + money_str(-fen)


_FEN_DIGITS = tuple(f"{r:02d}" for r in range(FEN_PER_YUAN))  # 00 … 99


def money_display(fen: int) -> str:
    """Reading form: ``1,234.50``. Several per trace step, so the fen are looked up, not formatted."""
    if fen >= 0:
        if fen < 100_000:  # under 1,000.00: no separator to place
            return f"{fen // FEN_PER_YUAN}.{_FEN_DIGITS[fen % FEN_PER_YUAN]}"
        q, r = divmod(fen, FEN_PER_YUAN)
        return f"{q:,}.{_FEN_DIGITS[r]}"
    return "-" + money_display(-fen)


def rate_display(ppm: int) -> str:
    """``900000`` → ``90%``; ``125000`` → ``12.5%``."""
    sign = "-" if ppm < 0 else ""
    q, r = divmod(abs(ppm), RATE_ONE // 100)
    if r == 0:
        return f"{sign}{q}%"
    return f"{sign}{q}.{r:04d}".rstrip("0") + "%"


def percent_to_ppm(percent: Decimal) -> int:
    ppm = percent * (RATE_ONE // 100)
    if ppm != ppm.to_integral_value():
        raise ValueError(f"rate {percent}% has more than four decimals")
    return int(ppm)
