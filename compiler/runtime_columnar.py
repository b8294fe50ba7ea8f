"""What columnar policy modules run on: a batch of validated claims as NumPy arrays, exact
integer helpers over int64, and the year-to-date driver that settles a person's claims in
date order, "the k-th claim of every person" at a time.

The generated module (``codegen_columnar.py``) holds the policy's rules; this module holds
nothing policy-specific. Money is int64 fen throughout (the claim limits keep fen × a rate in
parts per million, and the rounding around it, inside int64: ``claims.MAX_AMOUNT_FEN``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from yibao.dsl.errors import SettlementError

from . import columnar_c
from .claim_fields import PERIOD_KEYS
from .columnar_failures import PolicyLines, message
from .constructs import split_accumulator

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


# ------------------------------------------------------------ a person's year, claim after claim
@dataclass
class Settled:
    """A batch's settlement columns, in the batch's order."""

    total: np.ndarray
    out_of_scope: np.ndarray
    first_self_pay: np.ndarray
    in_scope: np.ndarray
    payers: dict[str, np.ndarray]
    person: np.ndarray
    ytd: dict[str, np.ndarray]
    # The claims that could not be settled: index → the scalar path's message; their columns
    # above mean nothing.
    errors: dict[int, SettlementError] = field(default_factory=dict)  # batch index → why it failed
    followers: frozenset[int] = frozenset()  # of those, the ones after a failed claim of the year


def waves(batch: Batch) -> tuple[np.ndarray, list[np.ndarray]]:
    """The previous claim of the same person and year for each claim (-1: none), and the claims
    grouped by their rank in their person's date order (ties by id), as ``settle_many`` orders."""
    n = batch.n
    prev = np.full(n, -1, dtype=I64)
    if n == 0:
        return prev, []
    person = batch.person_code()
    if batch.persons == n:  # a claim per person: one step, in the batch's order
        return prev, [np.arange(n)]
    order = np.lexsort((batch.day, person))
    sp, sd = person[order], batch.day[order]
    if np.any((sp[1:] == sp[:-1]) & (sd[1:] == sd[:-1])):  # a person's claims on one day: by id
        order = np.lexsort((_strings(batch.id), batch.day, person))
        sp = person[order]
    new_person = np.ones(n, dtype=bool)
    new_person[1:] = sp[1:] != sp[:-1]
    starts = np.flatnonzero(new_person)
    group = np.cumsum(new_person) - 1
    rank = np.arange(n) - starts[group]
    same = ~new_person
    same[1:] &= batch.year[order][1:] == batch.year[order][:-1]
    prev[order[1:][same[1:]]] = order[:-1][same[1:]]
    by_rank = np.argsort(rank, kind="stable")
    counts = np.bincount(rank)
    cut = np.cumsum(counts)[:-1]
    return prev, [order[g] for g in np.split(by_rank, cut)]


_EPOCH = dt.date(1970, 1, 1).toordinal()


def period_index(day: np.ndarray, period: str, year_start: tuple[int, int] = (1, 1)) -> np.ndarray:
    """``constructs.period_of`` over date ordinals: the calendar month 1–12, or the quarter 1–4
    of the insurance year."""
    month = (day - _EPOCH).astype("datetime64[D]").astype("datetime64[M]").astype(I64) % 12 + 1
    return month if period == "month" else (month - year_start[0]) % 12 // 3 + 1


def current_periods(ytd: dict[str, np.ndarray], day: np.ndarray,
                    stated: Mapping[str, tuple[np.ndarray, np.ndarray]],
                    year_start: tuple[int, int]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``loader.Policy._current_periods`` over a batch: the figures of a month (quarter) other than
    the claim's, as ``year_to_date.month`` (``.quarter``) states it, are dropped — a new period
    starts. ``stated``: period → (the stated number, where none is stated). Also which claims
    state a number out of range (1–12, 1–4)."""
    bad = np.zeros(len(day), dtype=bool)
    for period, (value, none) in stated.items():
        if none.all():
            continue
        bad |= ~none & ((value < 1) | (value > PERIOD_KEYS[period]))
        other = ~none & (value != period_index(day, period, year_start))
        for a in ytd:
            acc = split_accumulator(a)[1]
            if acc is not None and acc.period == period:
                ytd[a] = np.where(other, 0, ytd[a])
    return ytd, bad


def settle_batch(module: Any, batch: Batch, *, keep_going: bool = False) -> Settled:
    """Settle every claim of ``batch`` with a columnar policy module, carrying each person's
    year_to_date from claim to claim within an insurance year.

    A claim the scalar path cannot settle (a division by zero, a computed rate outside
    0%..100%, no table row) fails with the scalar path's message; with ``keep_going`` the
    others are settled and the failures are in ``Settled.errors``, else the first one (in the
    batch's order) is raised as ``SettlementError``."""
    batch.errors, batch.followers = {}, {}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        settled = _settle_batch(module, batch)
    settled.errors = dict(sorted(batch.errors.items()))
    settled.followers = frozenset(batch.followers)
    if settled.errors and not keep_going:
        raise settled.errors[_first_failure(batch)]
    return settled


def _first_failure(batch: Batch) -> int:
    """The failed claim the scalar path stops at, settling person after person in the order they
    first appear (``batch.settle_people``), each person's claims in date order (ties by id): a
    claim's own failure, not one after it."""
    codes = batch.person_code()
    persons, first = np.unique(codes, return_index=True)
    seen = first[np.searchsorted(persons, codes)]  # where each claim's person first appears
    ids = _strings(batch.id)
    own = [i for i in batch.errors if i not in batch.followers]
    order = sorted(own, key=lambda i: (int(seen[i]), int(batch.day[i]), str(ids[i])))  # `min` is NumPy's here
    return order[0]


def _settle_batch(module: Any, batch: Batch) -> Settled:
    n = batch.n
    accs = module.ACCUMULATORS
    own = {a: batch.ytd[a] if a in batch.ytd else np.zeros(n, dtype=I64) for a in accs}
    batch.person_code()  # how many persons
    kernel = columnar_c.step_kernel(module, n) if n else None
    if kernel is not None:  # the whole step compiled: each claim's lines, parameters and layers in one loop
        stepped = _stepped(module, batch, kernel, own)
        if stepped is not None:
            return stepped
        batch.errors, batch.followers = {}, {}  # it declined: what it recorded of earlier waves goes too
    env = module.prepare(batch)
    if n and batch.persons == n:  # every claim its person's first: one step over the batch as it is
        got = columnar_c.run(module, n, env, own)  # the layers as one compiled loop, the person's share too
        if got is not None:
            return _settled(module, env, dict(zip(module.LAYERS, got[0], strict=True)), got[1], n, got[2])
        paid, new_ytd = _in_blocks(module, batch, None, env, own)
        return _settled(module, env, dict(zip(module.LAYERS, paid, strict=True)), new_ytd, n)
    ytd_out = {a: np.zeros(n, dtype=I64) for a in accs}  # filled wave by wave
    payers = {name: np.zeros(n, dtype=I64) for name in module.LAYERS}
    for idx, ytd in _waves(module, batch, own, ytd_out):
        paid, new_ytd = _in_blocks(module, batch, idx, {k: v[idx] for k, v in env.items()}, ytd)
        for name, value in zip(module.LAYERS, paid, strict=True):
            payers[name][idx] = value
        for a in accs:
            ytd_out[a][idx] = new_ytd[a]
    return _settled(module, env, payers, ytd_out, n)


def _waves(module: Any, batch: Batch, own: dict[str, np.ndarray], ytd_out: dict[str, np.ndarray]
           ) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Each wave's claims (``waves``) and the year_to_date they start from: the previous claim's of
    the same person and year (from ``ytd_out``, which the caller fills wave by wave), else their
    own; a claim after a failed one marked first (``_after_failed``)."""
    prev, groups = waves(batch)
    accs = module.ACCUMULATORS
    periods = {a: acc.period for a in accs
               if (acc := split_accumulator(a)[1]) is not None and acc.period != "year"}
    for idx in groups:
        p = prev[idx]
        carry = p >= 0
        if batch.errors:
            _after_failed(batch, idx, p, module.INFO)
        src = np.where(carry, p, 0)
        ytd = {a: np.where(carry, ytd_out[a][src], own[a][idx]) for a in accs}
        for a, period in periods.items():  # a new month (quarter) of the year starts afresh
            start = getattr(module, "YEAR_START", (1, 1))
            same = period_index(batch.day[idx], period, start) == period_index(batch.day[src], period, start)
            ytd[a] = np.where(carry & ~same, 0, ytd[a])
        yield idx, ytd


def _stepped(module: Any, batch: Batch, kernel: Any, own: dict[str, np.ndarray]) -> Settled | None:
    """The batch settled by the compiled step (``columnar_c.StepKernel``): all at once where every
    claim is its person's first, else wave by wave as the NumPy code goes; None where it declines."""
    n = batch.n
    if batch.persons == n:
        got = kernel(batch, own, module.INFO)
        if got is None:
            return None
        payers, new_ytd, person, oos, fsp, in_scope, total = got
        return Settled(total, oos, fsp, in_scope, dict(zip(module.LAYERS, payers, strict=True)), person,
                       new_ytd)
    cols = [np.zeros(n, dtype=I64) for _ in range(5)]  # the person, out of scope, first self-pay, in scope,
    # the bill
    ytd_out = {a: np.zeros(n, dtype=I64) for a in module.ACCUMULATORS}
    payers = {name: np.zeros(n, dtype=I64) for name in module.LAYERS}
    for idx, ytd in _waves(module, batch, own, ytd_out):
        got = kernel(batch, ytd, module.INFO, idx)
        if got is None:
            return None
        for name, value in zip(module.LAYERS, got[0], strict=True):
            payers[name][idx] = value
        for a, value in got[1].items():
            ytd_out[a][idx] = value
        for col, value in zip(cols[:4], got[2:6], strict=True):
            col[idx] = value
        if batch.total is None:
            cols[4][idx] = got[6]
    total = cols[4] if batch.total is None else batch.total
    return Settled(total, cols[1], cols[2], cols[3], payers, cols[0], ytd_out)


BLOCK = 16_384  # claims a `settle_layers` call settles: its temporaries stay in the cache


def _in_blocks(module: Any, batch: Batch, idx: np.ndarray | None, env: dict[str, Any],
               ytd: dict[str, np.ndarray]) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    """``settle_layers`` over the claims ``idx`` of a wave (None: the whole batch, in its order),
    ``BLOCK`` claims at a time: each claim's layers depend on its own columns only, and a NumPy
    operation over 16,384 claims reads and writes the cache where one over a million goes to memory
    and back for every temporary (``benchmarks/README.md``, "columnar.py")."""
    n = batch.n if idx is None else len(idx)
    got = columnar_c.run(module, n, env, ytd)  # the layers as one compiled loop, where they have one
    if got is not None:
        return got[0], got[1]
    columns = (*env.values(), *ytd.values())
    if n <= BLOCK or not all(isinstance(v, np.ndarray) and v.shape == (n,) for v in columns):
        return module.settle_layers(batch if idx is None else batch.take(idx), env, ytd)
    paid = [np.empty(n, dtype=I64) for _ in module.LAYERS]
    new_ytd = {a: np.empty(n, dtype=I64) for a in module.ACCUMULATORS}
    for lo in range(0, n, BLOCK):
        cut = slice(lo, lo + BLOCK)
        part = Block(batch, lo, min(n, lo + BLOCK)) if idx is None else batch.take(idx[cut])
        got, new = module.settle_layers(part, {k: v[cut] for k, v in env.items()},
                                        {a: v[cut] for a, v in ytd.items()})
        for out, value in zip(paid, got, strict=True):
            out[cut] = value
        for a, out in new_ytd.items():
            out[cut] = new[a]
    return paid, new_ytd


def _after_failed(batch: Batch, idx: np.ndarray, prev: np.ndarray, info: PolicyLines) -> None:
    """A claim after a failed one in its person's year has no year_to_date to start from: the
    scalar path (``settle_many``) stops at the failed claim and never reaches it, so it is not
    settled, whatever else it would have failed on."""
    failed = np.zeros(batch.n, dtype=bool)
    failed[list(batch.errors)] = True
    after = (prev >= 0) & failed[np.maximum(prev, 0)]
    for k in np.flatnonzero(after).tolist():
        i = int(idx[k])
        before = batch.followers.get(int(prev[k]), int(prev[k]))
        earlier = batch.id[before]
        earlier = earlier.as_py() if hasattr(earlier, "as_py") else earlier
        batch.followers[i] = before
        batch.errors.pop(i, None)
        batch.fail_claim(i, message(batch, i, (info.file, 0), SettlementError.after_failed(earlier), info))


def _settled(module: Any, env: dict[str, Any], payers: dict[str, np.ndarray], ytd: dict[str, np.ndarray],
             n: int, person: np.ndarray | None = None) -> Settled:
    """The settlement columns; ``person`` (the bill less what each layer paid), unless given."""
    if person is None:
        person = np.array(env["total"], dtype=I64)  # a copy
        for value in payers.values():
            person -= value
    return Settled(env["total"], env["out_of_scope"], env["first_self_pay"], env["in_scope"], payers,
                   person, {a: full(n, ytd[a]) for a in module.ACCUMULATORS})


ENUM_COLUMNS = {"person.scheme": "scheme", "person.category": "category", "visit.kind": "kind",
                "visit.facility": "facility", "visit.level": "level", "visit.region": "region",
                "visit.referral": "referral"}
CATEGORY_CODES = {"A": 0, "B": 1, "C": 2}  # a line's category in a batch


def batch_from_claims(claims: list[Any], module: Any) -> Batch:
    """Validated ``Claim`` objects → a ``Batch`` for a columnar ``module`` (the reference path; the
    Arrow reader builds batches column by column without objects)."""
    def col(name: str, dtype: Any = None) -> np.ndarray:
        return np.array([getattr(x, name) for x in claims], dtype=dtype)

    def enum(field: str) -> np.ndarray:
        codes = {v: i for i, v in enumerate(module.ENUMS[field])}
        return np.array([codes[getattr(x, ENUM_COLUMNS[field])] for x in claims], dtype=np.int8)

    accumulators, given = module.ACCUMULATORS, module.GIVEN
    n = len(claims)
    counts = [len(x.lines) for x in claims]
    offsets = np.zeros(n + 1, dtype=I64)
    np.cumsum(counts, out=offsets[1:])
    dcounts = [len(x.diseases) for x in claims]
    doffsets = np.zeros(n + 1, dtype=I64)
    np.cumsum(dcounts, out=doffsets[1:])
    lines = [ln for x in claims for ln in x.lines]
    return Batch(
        id=col("id", str), person_id=col("person_id", str), day=col("day", I64), year=col("year", I64),
        scheme=enum("person.scheme"), category=enum("person.category"),
        age=np.array([-1 if x.age is None else x.age for x in claims], dtype=I64),
        kind=enum("visit.kind"), facility=enum("visit.facility"), level=enum("visit.level"),
        region=enum("visit.region"), referral=enum("visit.referral"), admission_no=col("admission_no", I64),
        disease_offsets=doffsets,
        disease_values=np.array([d for x in claims for d in sorted(x.diseases)], dtype=str),
        line_offsets=offsets,
        line_category=np.array([CATEGORY_CODES[ln.category] for ln in lines], dtype=np.int8),
        line_class=np.array([ln.item_class or "" for ln in lines], dtype=str),
        line_amount=np.array([ln.amount for ln in lines], dtype=I64),
        total=np.array([x.total for x in claims], dtype=I64),
        line_unit_price=np.array([ln.unit_price or 0 for ln in lines], dtype=I64),
        line_billed=np.array([ln.split is not None for ln in lines], dtype=bool),
        line_self_pay=np.array([ln.split[0] if ln.split else 0 for ln in lines], dtype=I64),
        line_over_limit=np.array([ln.split[1] if ln.split else 0 for ln in lines], dtype=I64),
        line_first_self_pay=np.array([ln.split[2] if ln.split else 0 for ln in lines], dtype=I64),
        ytd={a: np.array([x.ytd.get(a, 0) for x in claims], dtype=I64) for a in accumulators},
        paid={g: np.array([x.paid.get(g, 0) for x in claims], dtype=I64) for g in given},
    )
