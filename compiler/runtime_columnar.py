"""What columnar policy modules run on: a batch of validated claims as NumPy arrays, and exact
integer helpers over int64 (the names the generated module imports). The year-to-date driver
that settles a batch with it is ``columnar_settle.py``.

The generated module (``codegen_columnar.py``) holds the policy's rules; this module holds
nothing policy-specific. Money is int64 fen throughout (the claim limits keep fen × a rate in
parts per million, and the rounding around it, inside int64: ``claims.MAX_AMOUNT_FEN``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from yibao.dsl.errors import SettlementError

I64 = np.int64


class Texts:
    """A text column as its distinct texts and each row's index among them (a line's class, the
    diseases, read from Arrow's dictionaries): ``== text`` judges each distinct text once; NumPy
    (``np.asarray``) gets the texts themselves."""

    __hash__ = None  # type: ignore[assignment]  # compared elementwise, as an array is

    def __init__(self, words: np.ndarray, codes: np.ndarray) -> None:
        self.words = words
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        return (self.words == other)[self.codes]

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        return (self.words != other)[self.codes]

    def __getitem__(self, idx: Any) -> Texts:
        return Texts(self.words, self.codes[idx])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        texts = self.words[self.codes]
        return texts if dtype is None else texts.astype(dtype)


@dataclass
class Batch:
    """Validated claims as columns; ``line_*`` arrays hold every bill line, ``line_offsets``
    (length n + 1) says which lines are whose. An enum is an integer array: each value's index in
    the policy's value set (``module.ENUMS``); a line's category 0, 1, 2 for A, B, C."""

    id: np.ndarray
    person_id: np.ndarray
    day: np.ndarray  # date ordinal
    year: np.ndarray  # insurance year
    scheme: np.ndarray
    category: np.ndarray
    age: np.ndarray  # -1 where absent
    kind: np.ndarray
    facility: np.ndarray
    level: np.ndarray
    region: np.ndarray
    referral: np.ndarray
    admission_no: np.ndarray
    disease_offsets: np.ndarray
    disease_values: np.ndarray | Texts
    line_offsets: np.ndarray
    line_category: np.ndarray
    line_class: np.ndarray | Texts  # "" where absent (a class is never empty text in a matching row)
    line_amount: np.ndarray
    ytd: dict[str, np.ndarray]  # this claim's own year_to_date (already emptied when for another year)
    line_unit_price: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=I64))  # 0 where absent
    # the platform's split (self_pay, over_limit, first_self_pay, in_scope), where a line carries one
    line_billed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    line_self_pay: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=I64))
    line_over_limit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=I64))
    line_first_self_pay: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=I64))
    paid: dict[str, np.ndarray] = field(default_factory=dict)
    person_codes: np.ndarray | None = None  # see person_code()
    persons: int = -1  # how many distinct persons, once person_code() has run
    total: np.ndarray | None = None  # each claim's bill, when the reader has summed it already
    line_values: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # kept by prepare
    # Claims that could not be settled (index → the scalar path's message), and while the lines
    # are classified, each claim's first failing line so far (claim → (line, message)).
    errors: dict[int, SettlementError] = field(default_factory=dict, repr=False)
    line_errors: dict[int, tuple[int, SettlementError]] = field(default_factory=dict, repr=False)
    followers: dict[int, int] = field(default_factory=dict, repr=False)  # → the failed claim before
    _owner: np.ndarray | None = field(default=None, repr=False)
    _diseases: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.id)

    def has(self, item: str) -> np.ndarray:
        """``"item" in visit.diseases`` for every claim."""
        got = self._diseases.get(item)
        if got is None:
            owner = np.repeat(np.arange(self.n), np.diff(self.disease_offsets))
            hits = owner[self.disease_values == item]
            got = self._diseases[item] = np.bincount(hits, minlength=self.n) > 0
        return got

    def person_code(self) -> np.ndarray:
        """Each claim's person as an integer (equal ids, equal codes), by hashing, not sorting."""
        if self.person_codes is None:
            import pyarrow as pa
            import pyarrow.compute as pc

            ids = self.person_id if isinstance(self.person_id, pa.Array) else pa.array(self.person_id)
            if isinstance(ids, pa.ChunkedArray):  # pa.array gives chunks for a large NumPy array of texts
                ids = ids.combine_chunks()
            enc = pc.dictionary_encode(ids)
            self.person_codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=I64)
            self.persons = len(enc.dictionary)
        return self.person_codes

    def line_owner(self) -> np.ndarray:
        """For each bill line, the index of its claim."""
        if self._owner is None:
            self._owner = np.repeat(np.arange(self.n), np.diff(self.line_offsets))
        return self._owner

    def take(self, idx: np.ndarray) -> Wave:
        """The claim-level fields of some claims (what layers read): no lines."""
        return Wave(self, idx)

    def wave_lines(self) -> tuple[np.ndarray, np.ndarray]:
        """The bill lines of these claims (their index in the batch) and their offsets per claim."""
        return np.arange(int(self.line_offsets[-1]), dtype=I64), self.line_offsets

    def line_value(self, name: str, lines: np.ndarray) -> np.ndarray:
        """A line column ``prepare`` kept (a rate by bill line's weights and rates), of ``lines``."""
        return self.line_values[name][lines]

    def failed(self, i: int) -> bool:
        return i in self.errors

    def fail_claim(self, i: int, message: SettlementError) -> None:
        """The first failure of claim ``i`` is its outcome, as the scalar path stops at it."""
        self.errors.setdefault(i, message)


class Wave:
    """Claim-level columns of a subset of a batch, taken lazily (a layer reads few of them)."""

    def __init__(self, batch: Batch, idx: np.ndarray) -> None:
        self._batch = batch
        self._idx = idx
        self.n = len(idx)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        column = getattr(self._batch, name)
        if isinstance(column, dict):  # `paid`: layer → column
            value: Any = {key: v[self._idx] for key, v in column.items()}
        elif not isinstance(column, np.ndarray) and hasattr(column, "take"):  # ids kept in Arrow
            value = column.take(self._idx)
        else:
            value = column[self._idx]
        setattr(self, name, value)
        return value

    def has(self, item: str) -> np.ndarray:
        return self._batch.has(item)[self._idx]

    def wave_lines(self) -> tuple[np.ndarray, np.ndarray]:
        """The bill lines of these claims, in their order (index in the batch), and their offsets."""
        off = self._batch.line_offsets
        starts = off[self._idx]
        counts = off[self._idx + 1] - starts
        local = np.zeros(len(counts) + 1, dtype=I64)
        np.cumsum(counts, out=local[1:])
        lines = np.repeat(starts - local[:-1], counts) + np.arange(int(local[-1]), dtype=I64)
        return lines, local

    def line_value(self, name: str, lines: np.ndarray) -> np.ndarray:
        return self._batch.line_value(name, lines)

    def failed(self, i: int) -> bool:
        return int(self._idx[i]) in self._batch.errors

    def fail_claim(self, i: int, message: SettlementError) -> None:
        self._batch.fail_claim(int(self._idx[i]), message)


class Block(Wave):
    """The claims ``lo`` to ``hi`` of a batch, in order (``_in_blocks``): columns as views."""

    def __init__(self, batch: Batch, lo: int, hi: int) -> None:
        super().__init__(batch, np.arange(lo, hi))
        self._cut = slice(lo, hi)
        self._lo = lo

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        column = getattr(self._batch, name)
        if isinstance(column, dict):  # `paid`: layer → column
            value: Any = {key: v[self._cut] for key, v in column.items()}
        elif not isinstance(column, np.ndarray) and hasattr(column, "slice"):  # ids kept in Arrow
            value = column.slice(self._lo, self.n)
        else:
            value = column[self._cut]
        setattr(self, name, value)
        return value

    def has(self, item: str) -> np.ndarray:
        return self._batch.has(item)[self._cut]

    def failed(self, i: int) -> bool:
        return self._lo + i in self._batch.errors

    def fail_claim(self, i: int, message: SettlementError) -> None:
        self._batch.fail_claim(self._lo + i, message)


def _strings(column: Any) -> np.ndarray:
    """Ids as a NumPy unicode array (a reader may keep them as an Arrow array)."""
    if isinstance(column, np.ndarray):
        return column
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=str)


# ------------------------------------------------------------ exact integer arithmetic
def div_half_up(n: Any, d: Any) -> Any:
    """n / d rounded half away from zero, elementwise; d > 0 (``money.div_half_up``)."""
    n = np.asarray(n, dtype=I64)
    pos = (2 * n + d) // (2 * d)
    neg = -((-2 * n + d) // (2 * d))
    return np.where(n >= 0, pos, neg)


def div_half_even(n: Any, d: Any) -> Any:
    n = np.asarray(n, dtype=I64)
    a = np.abs(n)
    q, r = a // d, a % d
    q = q + ((2 * r > d) | ((2 * r == d) & (q % 2 == 1)))
    return np.where(n >= 0, q, -q)


def div_down(n: Any, d: Any) -> Any:
    n = np.asarray(n, dtype=I64)
    q = np.abs(n) // d
    return np.where(n >= 0, q, -q)


def div_up(n: Any, d: Any) -> Any:
    n = np.asarray(n, dtype=I64)
    q = -(-np.abs(n) // d)
    return np.where(n >= 0, q, -q)


def where(cond: Any, a: Any, b: Any) -> Any:
    return np.where(cond, a, b)


def isin(x: Any, members: tuple[str, ...]) -> Any:
    """``x in {…}`` for a few members: comparisons, cheaper than ``np.isin``'s sort."""
    if len(members) > 8:
        return np.isin(x, members)
    out = x == members[0]
    for m in members[1:]:
        out = out | (x == m)
    return out


def all_of(*xs: Any) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = np.logical_and(out, x)
    return out


def any_of(*xs: Any) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = np.logical_or(out, x)
    return out


def min(*xs: Any) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = np.minimum(out, x)
    return out


def max(*xs: Any) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = np.maximum(out, x)
    return out


def full(n: int, value: Any) -> np.ndarray:
    """A claim-level column from what may be a constant."""
    value = np.asarray(value)
    if value.ndim == 0:
        integer = value.dtype.kind in "iu"
        return np.full(n, value, dtype=I64 if integer else value.dtype)
    return value


def row_bits(n: int, conds: list[Any]) -> np.ndarray | None:
    """A table's row tests as the bits of a byte per claim (bit k: row k's test holds), for
    ``choose``; None where there are more than 8 or they are not all boolean columns of n claims.
    Tables with the same rows (a deductible and a rate by the same keys) share one."""
    shape = (n,)
    if not conds or len(conds) > 8 or not all(
            isinstance(c, np.ndarray) and c.dtype == np.bool_ and c.shape == shape for c in conds):
        return None
    bits = conds[0].view(np.uint8).copy()
    for k, c in enumerate(conds[1:], 1):
        bits |= c.view(np.uint8) << np.uint8(k)
    return bits


def choose(n: int, conds: list[Any], values: list[Any], default: Any, rows: np.ndarray | None = None) -> Any:
    """The value of the first condition that holds, else ``default`` (``np.select``), for n claims.
    A table's rows (at most 8 tests, constant values) are looked up: the tests as the bits of a
    byte per claim (``rows``, else ``row_bits`` of ``conds``), and per byte the value of its lowest
    set bit, which costs one pass over the claims in int64 where ``np.select`` makes one per row."""
    if not conds:
        return default
    if all(np.ndim(v) == 0 for v in (*values, default)):
        bits = rows if rows is not None else row_bits(n, conds)
        if bits is not None:
            dtype = np.result_type(*(np.asarray(v) for v in (*values, default)))
            return np.array([*values, default], dtype=dtype)[_lowest_bits(len(conds))][bits]
    shape = (n,)
    return np.select([np.broadcast_to(c, shape) for c in conds],
                     [np.broadcast_to(v, shape) for v in values], default)


@functools.cache
def _lowest_bits(m: int) -> np.ndarray:
    """For each byte of m bits, the index of its lowest set bit (m where none is)."""
    return np.array([next((k for k in range(m) if b >> k & 1), m) for b in range(1 << m)], dtype=np.intp)


def floor_mul_div(a: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
    """⌊a × b / d⌋ elementwise for a, b ≥ 0, exactly (0 where d is 0): in int64 while a × b fits,
    else in Python integers for those elements."""
    a, b, d = (np.asarray(x, dtype=I64) for x in (a, b, d))
    out = np.zeros(len(a), dtype=I64)
    ok = d > 0
    if not ok.any():
        return out
    big = ok & (a > 0) & (b > (np.iinfo(I64).max // np.maximum(a, 1)))
    small = ok & ~big
    out[small] = a[small] * b[small] // d[small]
    for i in np.flatnonzero(big):  # a product past int64: rare (bills of tens of millions)
        out[i] = int(a[i]) * int(b[i]) // int(d[i])
    return out


def sums(column: np.ndarray | int, offsets: np.ndarray) -> np.ndarray:
    """Per-claim sums of a line column (every claim has at least one line): exact int64. A
    number stands for a column of it."""
    if np.ndim(column) == 0:
        return np.diff(offsets).astype(I64) * int(column)
    assert isinstance(column, np.ndarray)
    if len(column) == 0:
        return np.zeros(len(offsets) - 1, dtype=I64)
    return np.add.reduceat(column.astype(I64, copy=False), offsets[:-1])
