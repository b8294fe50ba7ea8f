"""The columnar backend's year-to-date driver: a batch of claims settled by a policy's columnar
module (``codegen_columnar.py``) in its persons' date order, "the k-th claim of every person" at
a time, carrying each person's year_to_date, through the compiled step or loops where they have
one (``columnar_c``) and the NumPy code otherwise; and a batch made from validated claims.

Split from ``runtime_columnar.py``, which holds what the generated module runs on (the batch,
the exact integer helpers): this module is what calls it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from yibao.dsl.errors import SettlementError

from . import columnar_c
from .claim_fields import PERIOD_KEYS
from .columnar_failures import PolicyLines, message
from .constructs import split_accumulator
from .runtime_columnar import I64, Batch, Block, _strings, full


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
