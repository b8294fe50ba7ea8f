"""Claims a policy accepts, drawn a block at a time straight into the columnar claim table.

The shapes are the scalar drawer's (``sampling.sample_policy_claims``): the same plan
(``sampling_plan``: ``PolicyInputs``, the bill-item tables, the shares), drawn with NumPy
over whole blocks instead of one claim at a time with ``random.Random``. The two drawers give
claims of the same distributions, not the same claims (their random streams differ).

Reproducible: block ``b`` of seed ``s`` draws from ``numpy.random.default_rng([|s|, s < 0, b])``
(PCG64 seeded through ``SeedSequence``), so the same seed gives the same drafts on every
machine with the same NumPy, and the first ``n`` accepted claims do not depend on how many
more were asked for (``-n 10`` is the start of ``-n 1000``). No float reaches an amount: the
lognormal draws are rounded to whole fen at once and shares are taken in basis points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yibao import sampling_plan as P
from yibao.compiler import columnar_format as F
from yibao.compiler.constructs import split_accumulator

BLOCK = 8192  # drafts drawn at a time, each block from its own seeded stream
_EPOCH = dt.date(1970, 1, 1).toordinal()


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The stream of one block: a function of the seed and the block's number only."""
    return np.random.default_rng([abs(seed), int(seed < 0), block])


# ------------------------------------------------------------ small vectorised pieces
def _cum(values: Sequence[str], weights: Any) -> np.ndarray:
    return np.asarray(P._cum(values, weights), dtype=np.float64)


def _pick(rng: np.random.Generator, cum: np.ndarray | Sequence[float], size: int) -> np.ndarray:
    """Indices drawn by cumulative weights."""
    cum = np.asarray(cum, dtype=np.float64)
    return np.searchsorted(cum, rng.random(size) * cum[-1], side="right")


def _choice(rng: np.random.Generator, values: Sequence[int], size: int) -> np.ndarray:
    """Values drawn uniformly (repeats weigh more), as int64."""
    return np.asarray(values, dtype=np.int64)[rng.integers(0, len(values), size)]


def _pick_by(rng: np.random.Generator, group: np.ndarray, cums: Sequence[np.ndarray]) -> np.ndarray:
    """Indices drawn by the cumulative weights of each row's group."""
    u = rng.random(len(group))
    out = np.zeros(len(group), dtype=np.int64)
    for g, cum in enumerate(cums):
        sel = group == g
        out[sel] = np.searchsorted(cum, u[sel] * cum[-1], side="right")
    return out


def _lognormal_fen(rng: np.random.Generator, median_yuan: np.ndarray | float, sigma: np.ndarray | float,
                   size: int | tuple[int, ...]) -> np.ndarray:
    """Positive fen with a long right tail (``sampling._lognormal_fen``), rounded at once."""
    draws = rng.lognormal(np.log(np.asarray(median_yuan, dtype=np.float64) * 100), sigma, size)
    return np.clip(np.rint(draws), 1, P._MAX_LINE_FEN).astype(np.int64)


def _sum_lognormal(rng: np.random.Generator, median: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per row, the sum of ``counts`` lognormal costs of earlier visits around ``median`` yuan."""
    draws = _lognormal_fen(rng, np.repeat(median, counts), P.EARLIER_SIGMA, int(counts.sum()))
    ends = np.concatenate([[0], np.cumsum(draws)])
    stops = np.cumsum(counts)
    return ends[stops] - ends[stops - counts]


def _strings(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """``values[index]`` as an Arrow string column, without Python strings per row."""
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)),
                                          pa.array(list(values), pa.string())).dictionary_decode()


def _fixed_strings(chars: np.ndarray) -> pa.Array:
    """Rows of a (n, width) uint8 array of ASCII as a string column."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(np.ascontiguousarray(chars).tobytes())])


def claim_ids(seed: int, first: int, n: int) -> pa.Array:
    """``SIM-<seed>-000001`` … numbered from ``first``, as the scalar drawer names claims."""
    numbers = pc.utf8_lpad(pa.array(np.arange(first, first + n, dtype=np.int64)).cast(pa.string()), 6, "0")
    return pc.binary_join_element_wise(f"SIM-{seed}-", numbers, "")


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative ints, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10).astype(np.uint8)


def _person_ids(rng: np.random.Generator, by: np.ndarray, bm: np.ndarray, bd: np.ndarray) -> pa.Array:
    """18-character resident IDs: district, birth date, sequence number, GB 11643 check digit."""
    n = len(by)
    areas = np.array([[int(c) for c in a] for a in P._AREAS], dtype=np.uint8)
    body = np.concatenate([areas[rng.integers(0, len(P._AREAS), n)], _digits(by, 4), _digits(bm, 2),
                           _digits(bd, 2), _digits(rng.integers(0, 1000, n), 3)], axis=1)
    check = (body.astype(np.int64) @ np.array(P._ID_WEIGHTS, dtype=np.int64)) % 11
    marks = np.frombuffer(b"10X98765432", dtype=np.uint8)[check]
    return _fixed_strings(np.concatenate([body + ord("0"), marks[:, None]], axis=1))


# ------------------------------------------------------------ the bill
class _Catalogue:
    """Every bill item either drawer may put on a line, numbered; a table's items by range."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str | None]] = []
        self.daily = self._add((c, n, k, cl) for c, n, k, cl, _, _ in P._DAILY)
        # Inpatient items go out without a class in category A (``sampling._lines``).
        self.items = self._add((c, n, k, cl if k != "A" else None) for c, n, k, cl, *_ in P._ITEMS)
        self.special = self._add(it[:4] for it in P._SPECIAL_DRUGS)
        self.extras = self._add(it[:4] for _, it in P.SPECIAL_EXTRAS)
        code, name, _, item_class = P._FOLLOWUP
        self.followup = self._add((code, name, k, item_class) for k in P.FOLLOWUP_CATEGORIES[0])
        self.outpatient = self._add(it[:4] for it in P._OUTPATIENT_ITEMS)
        self.tcm = self._add([P.TCM_LINE[:4]])[0]
        cols = list(zip(*self.rows, strict=True))
        self.code, self.name, self.category, self.item_class = (pa.array(c, pa.string()) for c in cols)
        self.cat = np.array(cols[2])
        self.is_tcm = np.array([c == "tcm" for c in cols[3]])

    def _add(self, rows: Any) -> np.ndarray:
        start = len(self.rows)
        self.rows.extend(rows)
        return np.arange(start, len(self.rows))


CATALOGUE = _Catalogue()
_SLOTS = len(P._DAILY) + max(P._LINE_COUNTS)  # the longest bill a draft may have


def _table_medians(table: Sequence[P._Item]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.array([it[4] for it in table]), np.array([it[5] for it in table]),
            np.cumsum([it[6] for it in table]))


_INPATIENT, _OUTPATIENT_T, _SPECIAL_T = (_table_medians(t) for t in (P._ITEMS, P._OUTPATIENT_ITEMS,
                                                                      P._SPECIAL_DRUGS))


def _is(names: Sequence[str], index: np.ndarray, wanted: Any) -> np.ndarray:
    """Which rows' value (``names[index]``) is one of ``wanted``, without an array of objects."""
    return np.array([name in wanted for name in names], dtype=bool)[index]


def _fill(rng: np.random.Generator, item: np.ndarray, fen: np.ndarray, rows: np.ndarray, first: int,
          used: np.ndarray, table: tuple[np.ndarray, np.ndarray, np.ndarray], items: np.ndarray,
          severity: np.ndarray) -> None:
    """Items drawn by weight into the ``used`` slots from ``first`` on, amounts scaled by severity."""
    r, c = np.nonzero(used)
    median, spread, cum = table
    picks = _pick(rng, cum, len(r))
    item[rows[r], first + c] = items[picks]
    fen[rows[r], first + c] = _lognormal_fen(rng, median[picks] * severity[r], spread[picks], len(r))


def _bills(rng: np.random.Generator, kind: np.ndarray, kinds: Sequence[str], level: np.ndarray,
           levels: Sequence[str], tcm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bill lines shaped like the visit (``sampling._visit_lines``): an (n, slots) array of
    catalogue items (-1: no line) and one of amounts in fen."""
    n = len(kind)
    item = np.full((n, _SLOTS), -1, dtype=np.int64)
    fen = np.zeros((n, _SLOTS), dtype=np.int64)
    stay_kinds = _is(kinds, kind, P._INPATIENT_KINDS)
    special = _is(kinds, kind, {"special_drug"})
    followup = _is(kinds, kind, {"remote_followup"})
    clinic = ~(stay_kinds | special | followup)

    rows = np.flatnonzero(stay_kinds)
    if len(rows):
        k = len(rows)
        mu, sigma, longest = P.STAY
        stay = np.minimum(longest, 1 + np.rint(rng.lognormal(mu, sigma, k)).astype(np.int64))
        stay[_is(kinds, kind[rows], {"day_surgery"})] = 1
        count = np.asarray(P._LINE_COUNTS)[_pick(rng, P._CUM_LINE_COUNTS, k)]
        placed = np.zeros(k, dtype=np.int64)
        for j, (*_, per_day, share) in enumerate(P._DAILY):
            take = (placed < count) & (rng.random(k) < share)
            item[rows[take], j] = CATALOGUE.daily[j]
            fen[rows[take], j] = per_day * stay[take]
            placed += take
        severity = rng.lognormal(0.0, P.INPATIENT_SEVERITY, k)
        used = np.arange(_SLOTS - len(P._DAILY))[None, :] < (count - placed)[:, None]
        _fill(rng, item, fen, rows, len(P._DAILY), used, _INPATIENT, CATALOGUE.items, severity)

    rows = np.flatnonzero(special)
    if len(rows):
        k = len(rows)
        _fill(rng, item, fen, rows, 0, np.ones((k, 1), dtype=bool), _SPECIAL_T, CATALOGUE.special,
              np.ones(k))
        for j, (share, it) in enumerate(P.SPECIAL_EXTRAS):
            take = rows[rng.random(k) < share]
            item[take, 1 + j] = CATALOGUE.extras[j]
            fen[take, 1 + j] = _lognormal_fen(rng, it[4], it[5], len(take))

    rows = np.flatnonzero(followup)
    if len(rows):
        item[rows, 0] = CATALOGUE.followup[_pick(rng, P.FOLLOWUP_CATEGORIES[1], len(rows))]
        fen[rows, 0] = np.array([P._FOLLOWUP_FEE.get(lv, 1500) for lv in levels], dtype=np.int64)[level[rows]]

    rows = np.flatnonzero(clinic)
    if len(rows):
        k = len(rows)
        count = np.asarray(P._OUTPATIENT_COUNTS)[_pick(rng, P._CUM_OUTPATIENT_COUNTS, k)]
        severity = rng.lognormal(0.0, P.OUTPATIENT_SEVERITY, k)
        severity[_is(levels, level[rows], {"primary"})] *= P.PRIMARY_SCALE
        width = max(P._OUTPATIENT_COUNTS)
        used = np.arange(width)[None, :] < count[:, None]
        _fill(rng, item, fen, rows, 0, used, _OUTPATIENT_T, CATALOGUE.outpatient, severity)
        billed = item[rows, :width]
        has_herbs = (CATALOGUE.is_tcm[np.maximum(billed, 0)] & (billed >= 0)).any(axis=1)
        herbs = rows[tcm[rows] & ~has_herbs]
        item[herbs, width] = CATALOGUE.tcm
        fen[herbs, width] = _lognormal_fen(rng, P.TCM_LINE[4], P.TCM_LINE[5], len(herbs))
    return item, fen


# ------------------------------------------------------------ a block of drafts
def _map(offsets: np.ndarray, keys: pa.Array, values: np.ndarray, null: np.ndarray) -> pa.Array:
    return pa.MapArray.from_arrays(pa.array(offsets.astype(np.int32)), keys, pa.array(values, pa.int64()),
                                   mask=pa.array(null))


def draft_block(plan: P.PolicyInputs, rng: np.random.Generator, first_day: dt.date, days: int,
                seed: int, n: int = BLOCK) -> pa.Table:
    """``n`` drafts in the policy's scope as a claim table (``CLAIM_SCHEMA``), not yet validated."""
    e = plan.enums
    offset = rng.integers(0, days, n)
    day = first_day.toordinal() - _EPOCH + offset
    d64 = day.astype("datetime64[D]")
    year = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (d64 - d64.astype("datetime64[M]")).astype(np.int64) + 1
    # age and birth (``sampling._age_and_birth``)
    bands = np.array(P._AGE_BANDS)[_pick(rng, P._CUM_AGE_BANDS, n)]
    years = rng.integers(bands[:, 0], bands[:, 1] + 1)
    bm, bd = rng.integers(1, 13, n), rng.integers(1, 29, n)
    later = (bm > month) | ((bm == month) & (bd > dom))  # the birthday is after the claim's day
    by = year - years - (later & (years == 0))
    age = year - by - later
    # the visit
    visit = rng.integers(0, len(plan.visits), n)
    # the (scheme, kind, categories) of each visit the policy accepts
    visit_schemes, visit_kinds, visit_categories = zip(*plan.visits, strict=True)
    schemes = list(dict.fromkeys(visit_schemes))
    kinds = list(dict.fromkeys(visit_kinds))
    scheme = np.array([schemes.index(s) for s in visit_schemes])[visit]
    kind = np.array([kinds.index(k) for k in visit_kinds])[visit]
    cats = e["person.category"]
    local = _pick_by(rng, visit, [_cum(allowed, P._CATEGORY_WEIGHTS) for allowed in visit_categories])
    glob = [np.array([cats.index(c) for c in allowed]) for allowed in visit_categories]
    category = np.zeros(n, dtype=np.int64)
    for v, to_global in enumerate(glob):
        category[visit == v] = to_global[local[visit == v]]
    regions, levels = e["visit.region"], e["visit.level"]
    region = _pick(rng, _cum(regions, P._REGION_WEIGHTS), n)
    away = (np.array(regions) != "local")[region].astype(np.int64)
    level = _pick_by(rng, away, [_cum(levels, P._LEVEL_WEIGHTS[w]) for w in ("local", "away")])
    referral = _pick_by(rng, away, [_cum(e["visit.referral"], P._REFERRAL_WEIGHTS[w])
                                    for w in ("local", "away")])
    facilities = e["visit.facility"]
    facility = _pick_by(rng, level, [_cum(facilities, P._FACILITY_WEIGHTS.get(lv, {"general": 1}))
                                     for lv in levels])
    inpatient = _is(kinds, kind, P._INPATIENT_KINDS)
    admission = np.asarray(P._ADMISSIONS)[_pick(rng, P._CUM_ADMISSIONS, n)]
    none, mu, sigma = P.EARLIER_VISITS
    visits_before = np.where(rng.random(n) < none, 0, 1 + rng.lognormal(mu, sigma, n).astype(np.int64))
    earlier = np.where(inpatient, admission - 1, visits_before)
    cols: dict[str, Any] = {
        "id": claim_ids(seed, 1, n),
        "date": pa.array(day.astype(np.int32), pa.int32()).cast(pa.date32()),
        "person_id": _person_ids(rng, by, bm, bd),
        "scheme": _strings(schemes, scheme),
        "person_category": _strings(cats, category),
        "age": pa.array(age.astype(np.int16), pa.int16()),
        "kind": _strings(kinds, kind),
        "facility": _strings(facilities, facility),
        "level": _strings(levels, level),
        "region": _strings(regions, region),
        "referral": _strings(e["visit.referral"], referral),
        "admission_no": pa.array(admission.astype(np.int32), pa.int32(), mask=~inpatient),
        "diseases": _diseases(rng, plan, kinds, kind),
    }
    cols["lines"], amounts, categories, offsets = _lines(rng, plan, kinds, kind, levels, level,
                                                       _is(facilities, facility, {"tcm"}))
    cols["ytd_year"], cols["year_to_date"] = _year_to_date(rng, plan, kinds, kind, earlier, year, month, dom)
    cols["paid"] = _given(rng, plan, amounts, categories, offsets)
    for name in F.PERIOD_COLUMNS.values():  # the sampler states no month or quarter
        cols[name] = pa.nulls(n, pa.int8())
    return pa.table(cols, schema=F.CLAIM_SCHEMA)


def _diseases(rng: np.random.Generator, plan: P.PolicyInputs, kinds: Sequence[str],
              kind: np.ndarray) -> pa.Array:
    """The conditions a visit states (``sampling._policy_claim``), sorted as the table keeps them."""
    n = len(kind)
    names = sorted(plan.diseases)
    if not names:
        return pa.nulls(n, pa.list_(pa.string()))
    stated = (np.ones(n, dtype=bool) if "visit.diseases" in plan.reads
              else ~_is(kinds, kind, P._INPATIENT_KINDS))
    outpatient_like, other, scale = P.DISEASE_SHARE
    chronic = np.where(_is(kinds, kind, {*P._OUTPATIENT_KINDS, "remote_followup"}), outpatient_like, other)
    has = (rng.random((n, len(names))) < (chronic / len(names) * scale)[:, None]) & stated[:, None]
    offsets = np.concatenate([[0], np.cumsum(has.sum(axis=1))]).astype(np.int32)
    values = _strings(names, np.nonzero(has)[1])
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(~stated))


def _lines(rng: np.random.Generator, plan: P.PolicyInputs, kinds: Sequence[str], kind: np.ndarray,
           levels: Sequence[str], level: np.ndarray,
           tcm: np.ndarray) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray]:
    """The ``lines`` column, with each line's amount and category and the claims' line offsets."""
    item, fen = _bills(rng, kind, kinds, level, levels, tcm)
    used = item >= 0
    flat_item, amount = item[used], fen[used]
    offsets = np.concatenate([[0], np.cumsum(used.sum(axis=1))]).astype(np.int64)
    m = len(flat_item)
    category = CATALOGUE.cat[flat_item]
    unit_price = None
    if plan.priced:  # a unit price where the policy's rows read one (``sampling._price_and_split``)
        keyed = np.array([(r[2], r[3]) in plan.priced or (r[2], None) in plan.priced
                          for r in CATALOGUE.rows])[flat_item]
        dear = keyed & (rng.random(m) < P.PRICED_DEAR)
        prices = _choice(rng, P.PRICES, m)
        amount = np.where(dear, prices, amount)
        units = rng.integers(P.UNITS[0], P.UNITS[1] + 1, m)
        unit_price = pa.array(np.where(dear, prices, amount // units), pa.int64(), mask=~keyed)
    split: list[pa.Array | None] = [None] * 4
    if plan.as_billed:  # the platform's split on some lines
        has = rng.random(m) >= P.SPLIT_SHARE
        self_pay = np.where(category == "C", amount, 0)
        over = (amount - self_pay) * _choice(rng, P.OVER_LIMIT_PCT, m) // 100
        share = np.where(category == "B", _choice(rng, P.FIRST_SELF_PAY_PCT, m), 0)
        first = (amount - self_pay - over) * share // 100
        split = [pa.array(v, pa.int64(), mask=~has) for v in
                 (self_pay, over, first, amount - self_pay - over - first)]
    take = pa.array(flat_item)
    fields = [CATALOGUE.code.take(take), CATALOGUE.name.take(take), CATALOGUE.category.take(take),
              CATALOGUE.item_class.take(take), pa.array(amount, pa.int64()),
              unit_price if unit_price is not None else pa.nulls(m, pa.int64()),
              *(s if s is not None else pa.nulls(m, pa.int64()) for s in split)]
    struct = pa.StructArray.from_arrays(fields, fields=list(F.LINE_TYPE))
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), struct), amount, category, offsets


def _year_to_date(rng: np.random.Generator, plan: P.PolicyInputs, kinds: Sequence[str], kind: np.ndarray,
                  earlier: np.ndarray, year: np.ndarray, month: np.ndarray,
                  dom: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """What earlier visits this year used, per accumulator (``sampling._policy_ytd``)."""
    n = len(kind)
    has = earlier > 0
    if not plan.accumulators or not has.any():
        return pa.nulls(n, pa.int32()), pa.nulls(n, pa.map_(pa.string(), pa.int64()))
    median = np.array([P._EARLIER_MEDIAN.get(k, P._EARLIER_DEFAULT) for k in kinds])[kind]
    inpatient = _is(kinds, kind, P._INPATIENT_KINDS)
    heavy = rng.random(n) < P.HEAVY_YEAR
    counts = np.where(has, earlier, 0)
    first_layer = split_accumulator(plan.accumulators[0])[0]
    out: dict[str, np.ndarray] = {}
    for key in plan.accumulators:
        layer, acc = split_accumulator(key)
        what = acc.key if acc is not None else ""
        if what == "deductible":
            paid = np.where(inpatient, _choice(rng, P._PAID_DEDUCTIBLES, n),
                            _choice(rng, P.OTHER_DEDUCTIBLES, n))
            smaller = (paid > 0) & (rng.random(n) < P.SMALLER_DEDUCTIBLE)
            paid = np.where(smaller, rng.integers(1, np.maximum(paid, 2)), paid)
            if layer in plan.year_deductibles:
                paid = np.where(rng.random(n) < P.DEDUCTIBLE_MET, plan.year_deductibles[layer], paid)
            fen = paid
        elif acc is not None and acc.period != "year":
            year_paid = out.get(f"{layer}.paid", np.zeros(n, dtype=np.int64))
            part = _lognormal_fen(rng, median / P.PERIOD_SHARE, P.EARLIER_SIGMA, n)
            fen = np.where(rng.random(n) < P.PERIOD_NONE, 0, np.minimum(year_paid, part))
        elif what == "paid" and layer == first_layer:
            fen = _sum_lognormal(rng, median, counts) * np.where(heavy, P.HEAVY_PAID, 1)
        elif what == "paid":
            later = _sum_lognormal(rng, median / P.LATER_SHARE, counts)
            fen = np.where(rng.random(n) >= P.LATER_NONE, later, 0)
        else:
            fen = _sum_lognormal(rng, median * P.BASE_SCALE, counts) * np.where(heavy, P.HEAVY_BASE, 1)
            near, part_of = P.NEAR_CEILING
            if what == "entered" and layer in plan.ceilings_after:
                limit = plan.ceilings_after[layer]
                at = limit - rng.integers(0, limit // part_of + 1, n)
                fen = np.where(rng.random(n) < near, at, fen)
        out[key] = np.minimum(fen, P.MAX_YTD_FEN)
    keys = list(plan.accumulators)
    rows = np.flatnonzero(has)
    values = np.stack([out[k] for k in keys], axis=1)[rows].reshape(-1)
    offsets = np.zeros(n + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(np.where(has, len(keys), 0))
    key_col = _strings(keys, np.tile(np.arange(len(keys)), len(rows)))
    ys, yd = plan.year_start
    ins_year = year - ((month < ys) | ((month == ys) & (dom < yd)))  # ``claims.insurance_year``
    return (pa.array(ins_year.astype(np.int32), pa.int32(), mask=~has), _map(offsets, key_col, values, ~has))


def _given(rng: np.random.Generator, plan: P.PolicyInputs, amount: np.ndarray, category: np.ndarray,
           offsets: np.ndarray) -> pa.Array:
    """What the `given` layers paid upstream: basis-point shares of the category A and B cost, so that
    together they never exceed it (``sampling._given_paid``)."""
    n = len(offsets) - 1
    if not plan.given:
        return pa.nulls(n, pa.map_(pa.string(), pa.int64()))
    ends = np.concatenate([[0], np.cumsum(np.where(np.isin(category, ["A", "B"]), amount, 0))])
    covered = ends[offsets[1:]] - ends[offsets[:-1]]
    cols = []
    for i, _layer in enumerate(plan.given):
        whole, low, high = P.GIVEN_FIRST if i == 0 else P.GIVEN_LATER
        share = rng.integers(round(low * 10_000), round(high * 10_000) + 1, n)
        share = np.where(rng.random(n) < whole, 10_000 if i == 0 else 0, share)
        fen = covered * share // 10_000
        covered = covered - fen
        cols.append(fen)
    values = np.stack(cols, axis=1).reshape(-1)
    offsets_out = np.arange(0, (n + 1) * len(plan.given), len(plan.given), dtype=np.int64)
    keys = _strings(list(plan.given), np.tile(np.arange(len(plan.given)), n))
    return _map(offsets_out, keys, values, np.zeros(n, dtype=bool))
