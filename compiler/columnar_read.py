"""Arrow claims → a validated ``runtime_columnar.Batch``, column by column.

Claims read from Arrow are validated exactly as JSON claims are: every claim is checked with
vectorised tests that hold for any claim ``Policy.claim`` accepts, and a claim that fails one is
turned back into its JSON form and given to ``Policy.claim``, so that its issues are the JSON
path's, word for word, at paths such as ``row 12: lines[3].amount``. Split from
``columnar_format.py`` (the schema and the conversions) for its size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from yibao.dsl.ast import ClassRow, Field, walk
from yibao.dsl.errors import ClaimError, ClaimIssue

from . import claims as C
from .columnar_format import _EPOCH, PERIOD_COLUMNS, SPLIT, ClaimsRejected, normalise, row_claim, single
from .columnar_settle import current_periods
from .runtime_columnar import I64, Batch, Texts


def _filled(col: pa.Array, fill: Any) -> pa.Array:
    """``col`` with nulls as ``fill``; the column itself when it has none (no copy)."""
    return col.fill_null(fill) if col.null_count else col


_ZEROS: dict[np.dtype, np.ndarray] = {}
_KEPT_ZEROS = 1 << 22  # the longest run of zeros kept for reuse (a chunk's bill lines, with room)


def zeros(n: int, dtype: Any = I64) -> np.ndarray:
    """``n`` zeros, read-only: a slice of one kept array. A line column without a value (the
    split fields, ``unit_price``) or a check no row fails gives one chunk after chunk; allocating
    and zeroing a fresh array each time costs more than the rest of its handling."""
    dtype = np.dtype(dtype)
    kept = _ZEROS.get(dtype)
    if kept is None or len(kept) < n:
        kept = np.zeros(max(n, 1 << 16), dtype=dtype)
        kept.flags.writeable = False
        if n > _KEPT_ZEROS:  # a chunk of rare size: not kept
            return kept
        _ZEROS[dtype] = kept
    return kept[:n]


def _raw(col: pa.Array) -> np.ndarray:
    """A fixed-width column's values buffer as NumPy, without a copy; a null's slot holds anything."""
    width = col.type.bit_width // 8
    buf = col.buffers()[1]
    dtype = np.dtype(f"int{8 * width}")
    if buf is None or len(col) == 0:
        return zeros(len(col), dtype)
    return np.frombuffer(buf, dtype=dtype, count=len(col), offset=col.offset * width)


def _ints(col: pa.Array, fill: int = 0) -> np.ndarray:
    """An integer (or date) column as int64, nulls as ``fill``: from its buffers, no Arrow kernel.
    Read-only where it is a view (of the buffers, or ``zeros``)."""
    if col.null_count == len(col):
        return zeros(len(col)) if fill == 0 else np.full(len(col), fill, dtype=I64)
    values = _raw(col).astype(I64, copy=False)
    if not col.null_count:
        return values
    return np.where(_nulls(col), fill, values)


def _outside(values: np.ndarray, low: int, high: int) -> np.ndarray:
    """Which int64 ``values`` are not within ``low``..``high``: one comparison, not two, as
    ``values - low`` wraps (modulo 2**64) to within ``0..high - low`` exactly for those that are."""
    return (values - low).view(np.uint64) > high - low if low else values.view(np.uint64) > high


def _nulls(col: pa.Array) -> np.ndarray:
    """Where ``col`` is null, from its validity bitmap (read-only where none is: ``zeros``)."""
    n = len(col)
    if not col.null_count and not (pa.types.is_dictionary(col.type) and col.dictionary.null_count):
        return zeros(n, bool)
    if col.null_count == n:
        return np.ones(n, dtype=bool)
    if pa.types.is_dictionary(col.type):
        gone = np.flatnonzero(_nulls(col.dictionary))
        index = col.indices
        return _nulls(index) | (np.isin(_ints(index), gone) if len(gone) else False)
    bits = col.buffers()[0]
    if bits is None or pa.types.is_null(col.type):
        return np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    first = col.offset // 8
    valid = np.unpackbits(np.frombuffer(bits, dtype=np.uint8, count=(col.offset + n + 7) // 8 - first,
                                        offset=first), bitorder="little")
    skip = col.offset % 8
    return valid[skip : skip + n] == 0


def _empty_for_null(col: pa.Array) -> pa.Array:
    """A list or map column whose null entries hold nothing (as Arrow writers make them): as it
    is, its offsets and flattened values read as if each null were empty; else nulls filled."""
    if not col.null_count:
        return col
    if col.null_count == len(col):  # every row null (a column the file lacks): empty if no entry
        offsets = _raw(col.offsets)
        return col if offsets[0] == offsets[-1] else col.fill_null([])
    sizes = np.diff(_ints(col.offsets))
    if not sizes[_nulls(col)].any():
        return col
    return col.fill_null([])


def _words(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A text column as its distinct texts and each row's index among them (a null: the index
    one past the last): the column's own dictionary when it is dictionary-encoded."""
    if col.null_count == len(col):  # a field left unread, or without a value: no text to encode
        return pa.array([], pa.string()), np.zeros(len(col), dtype=np.int8)
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    words = col.dictionary
    if words.null_count:  # a null among the texts stands for a null row
        words = words.fill_null("")
        codes = _ints(col.indices, len(words))
        codes[np.isin(codes, np.flatnonzero(_nulls(col.dictionary)))] = len(words)
        return words, codes
    return words, _codes(col.indices, len(words))


def _codes(indices: pa.Array, fill: int) -> np.ndarray:
    """Dictionary indices as NumPy in their own width (no int64 copy), nulls as ``fill``."""
    if indices.null_count == len(indices) or not pa.types.is_integer(indices.type):
        return _ints(indices, fill)
    raw = _raw(indices)
    if not indices.null_count:
        return raw
    if fill > np.iinfo(raw.dtype).max:  # a full int8 dictionary: no room for the null's index
        return _ints(indices, fill)
    return np.where(_nulls(indices), fill, raw).astype(raw.dtype, copy=False)


def _enum(col: pa.Array, fill: str, allowed: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray | None]:
    """An enum column as each value's index in ``allowed`` (``Batch``'s form), and where the value
    is one of them (a null: ``fill``), None where every row's is: judged once per distinct value,
    through a dictionary."""
    if len(col) == 0:
        return np.zeros(0, dtype=np.int8), None
    words, codes = _words(col)
    index = {v: i for i, v in enumerate(allowed)}
    table = np.array([index.get(w, -1) for w in [*words.to_pylist(), fill]], dtype=np.int8)
    mapped = np.take(table, codes)
    if table[:-1].min(initial=0) >= 0 and (table[-1] >= 0 or not _nulls(col).any()):
        return mapped, None  # every text allowed, a null too or none: no row to test
    return np.maximum(mapped, 0), mapped >= 0


def _np(col: pa.Array, fill: Any = "") -> Texts:
    """A string column as ``Texts``: its distinct texts (a null: ``fill``) and each row's index."""
    words, codes = _words(col)
    return Texts(np.array([*words.to_pylist(), fill], dtype=str), codes)


def _too_long(col: pa.Array, limit: int) -> np.ndarray:
    """Which strings have more than ``limit`` characters; counted only where their bytes could
    (a dictionary-encoded column: each distinct text once)."""
    if len(col) == 0 or col.null_count == len(col):
        return zeros(len(col), bool)
    if pa.types.is_dictionary(col.type):
        long = _too_long(col.dictionary, limit)
        if not long.any():
            return zeros(len(col), bool)
        return np.append(long, False)[_ints(col.indices, len(long))]
    nbytes = _ints(pc.binary_length(col))
    if not (nbytes > limit).any():  # a character is at least a byte
        return zeros(len(col), bool)
    return _ints(pc.utf8_length(col)) > limit


def _map_columns(col: pa.Array, n: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray,
                                                 dict[str, np.ndarray]]:
    """A map column → key → int64 column (0 where absent), per row its entry count, and per row
    whether it is bad (a null value, a negative or too large amount, a repeated key)."""
    offsets = np.asarray(col.offsets.to_numpy(zero_copy_only=False), dtype=I64)
    start, end = int(offsets[0]), int(offsets[-1])
    count = np.diff(offsets)
    key_col = col.keys.slice(start, end - start)
    if len(key_col) == 0:  # no entry in any row
        return {}, count, np.zeros(n, dtype=bool), {}
    words, key_codes = _words(key_col)  # the column's own dictionary when it has one
    texts = words.to_pylist()
    first = {w: i for i, w in reversed(list(enumerate(texts)))}  # a text twice in a dictionary: one key
    if len(first) < len(texts):  # each text's first place: a gather only where a text repeats
        key_codes = np.array([first[w] for w in texts] + [len(texts)], dtype=I64)[key_codes]
    values = col.items.slice(start, end - start)
    vals = _ints(values)
    bad_value = _nulls(values) | _outside(vals, 0, C.MAX_AMOUNT_FEN) | _too_long(key_col, C.MAX_CODE_CHARS)
    same = _same_keys(count, key_codes, len(texts))
    if same is not None:  # each row with entries: the same keys in the same order (as yibao writes)
        rows, order = same
        bad = np.zeros(n, dtype=bool)
        bad[rows[np.flatnonzero(bad_value) // len(order)]] = True
        by_code = vals.reshape(len(rows), len(order))
        has = count > 0
        out, present = {}, {}
        for key, code in first.items():
            if code in order and len(rows) == n:  # every row has the key: its column as it is
                column = np.ascontiguousarray(by_code[:, order.index(code)])
            else:
                column = np.zeros(n, dtype=I64)
                if code in order:
                    column[rows] = by_code[:, order.index(code)]
            out[str(key)] = column
            present[str(key)] = has if code in order else np.zeros(n, dtype=bool)
        return out, count, bad, present
    owner = np.repeat(np.arange(n), count)
    bad = np.bincount(owner[bad_value], minlength=n) > 0
    out: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for key, code in first.items():
        hit = key_codes == code
        seen = np.bincount(owner[hit], minlength=n)
        bad |= seen > 1
        column = np.zeros(n, dtype=I64)
        column[owner[hit]] = vals[hit]
        out[str(key)] = column
        present[str(key)] = seen > 0
    return out, count, bad, present


def _same_keys(count: np.ndarray, codes: np.ndarray, null: int) -> tuple[np.ndarray, list[int]] | None:
    """The rows with entries and their keys' codes in order, when every such row has the same
    distinct keys in the same order; else None (the general path counts each key per row)."""
    rows = np.flatnonzero(count)
    if not len(rows):
        return None
    k = int(count[rows[0]])
    if not (count[rows] == k).all():
        return None
    keys = codes.reshape(len(rows), k)
    order = keys[0].tolist()
    if len(set(order)) != k or null in order or not (keys == keys[0]).all():
        return None
    return rows, order


def read_batch(table: pa.Table, policy: Any, module: Any, first_row: int | np.ndarray = 0, *,
               grouped: bool = False) -> Batch:
    """Arrow claims → a ``Batch`` of validated claims for ``policy``; raises ``ClaimsRejected``
    with every bad claim's issues, as ``Policy.claim`` words them, each path led by its row.
    ``grouped``: each person's claims are next to each other (sorted by person id), so persons
    are told apart by comparing neighbours rather than by hashing every id."""
    batch, table, bad = _checked(table, policy, module)
    if bad.any():
        _judge(table, np.flatnonzero(bad), policy, first_row)
    if grouped and batch.n:
        ids = batch.person_id
        changes = pc.not_equal(ids.slice(1), ids.slice(0, batch.n - 1))
        changes = np.asarray(changes.to_numpy(zero_copy_only=False), dtype=bool)
        codes = np.zeros(batch.n, dtype=I64)
        np.cumsum(changes, out=codes[1:])
        batch.person_codes, batch.persons = codes, int(codes[-1]) + 1
    return batch


_INT64 = "Int(bitWidth=64, isSigned=true)"  # a Parquet integer column's logical type, as pyarrow names it


def unread_line_fields(policy: Any) -> dict[str, Callable[[Any, list[Any]], bool]]:
    """For a Parquet reader (``formats.Skippable``): the line fields a column chunk of which may be
    left unread (read as nulls instead) when every value it can hold but null (``values``, from
    its dictionary page) passes the field's checks, so that its claims are judged alike:

    - a split field or ``unit_price`` without a value (an empty dictionary): nulls already;
    - ``unit_price`` where no ``classify`` row reads it: its only check is its range (int64 fen
      only; a decimal column is read);
    - ``name``, and ``class`` where the policy never reads it: their only checks are each text's
      own (its length, a surrogate, an empty class), which a null passes;
    - ``code`` (a ``StandIn``): no settlement reads it and its checks are each text's own, but a
      null code is refused, so only where the pages also show a code on every line; it is then
      read as one of its values (a row another check flags is re-judged with it, and gets the
      issues its own code would give: none from the code).

    Never ``category`` or ``amount`` (every policy reads them)."""
    def empty(leaf: Any, values: list[Any]) -> bool:  # of a money type: a text column is refused
        logical = str(leaf.logical_type)
        return not values and leaf.physical_type in ("INT32", "INT64") and \
            (logical == "None" or logical.startswith(("Int(", "Decimal(")))

    def price(leaf: Any, values: list[Any]) -> bool:
        if not values:
            return empty(leaf, values)
        if policy.priced or leaf.physical_type != "INT64" or str(leaf.logical_type) not in ("None", _INT64):
            return False
        return min(values) >= 0 and max(values) <= C.MAX_LINE_FEN

    def texts(limit: int, empty_too: bool) -> Callable[[Any, list[Any]], bool]:
        def judge(leaf: Any, values: list[Any]) -> bool:
            if str(leaf.logical_type) != "String":
                return False
            return all(type(v) is str and (v or empty_too) and C._text_issue(v, limit) is None
                       for v in values)
        return judge

    judges: dict[str, Callable[[Any, list[Any]], bool]] = {k: empty for k in SPLIT}
    judges["unit_price"] = price
    judges["name"] = texts(C.MAX_NAME_CHARS, True)
    judges["code"] = StandIn(texts(C.MAX_CODE_CHARS, True))
    if not reads_line_class(policy):
        judges["class"] = texts(C.MAX_CODE_CHARS, False)
    return judges


class StandIn:
    """A judge of a line field every line must have (``formats.Skippable``): a reader may leave
    it unread only where the field's pages show a value on every line (``stand_in``), and gives
    one of its values in its place."""

    stand_in = True

    def __init__(self, judge: Callable[[Any, list[Any]], bool]) -> None:
        self.judge = judge

    def __call__(self, leaf: Any, values: list[Any]) -> bool:
        return bool(values) and self.judge(leaf, values)


def reads_line_class(policy: Any) -> bool:
    """Does any ``classify`` row or expression of ``policy`` read a line's class?"""
    for node in walk(policy.ast):
        if isinstance(node, Field) and node.dotted == "line.class":
            return True
        if isinstance(node, ClassRow) and node.item_class is not None:
            return True
    return False


def valid_rows(table: pa.Table, policy: Any, module: Any) -> np.ndarray:
    """Which rows ``policy`` accepts, as a mask (what ``read_batch`` would not refuse), for a
    caller that drops bad rows instead of reporting them (``yibao sample-claims``)."""
    _batch, table, bad = _checked(table, policy, module)
    ok = ~bad
    for i in np.flatnonzero(bad).tolist():  # flagged by a vectorised test: judged one by one
        try:
            _judge(table, np.array([i]), policy, 0)
            ok[i] = True
        except ClaimError:
            pass
    return ok


def flagged_rows(table: pa.Table, policy: Any, module: Any) -> tuple[pa.Table, np.ndarray]:
    """The normalised table and the rows the vectorised checks flag, without judging them: every
    row ``policy`` refuses is flagged, and a flagged row is almost always refused. For a caller that
    may drop a flagged row unjudged (``yibao sample-claims`` drawing claims)."""
    _batch, table, bad = _checked(table, policy, module)
    return table, bad


def _checked(table: pa.Table, policy: Any, module: Any) -> tuple[Batch, pa.Table, np.ndarray]:
    """The batch, the normalised table, and the rows a vectorised test flags (maybe over-cautiously)."""
    table = normalise(table)
    n = table.num_rows
    col = {name: single(table.column(name)) for name in table.column_names}
    enums = module.ENUMS
    bad = np.zeros(n, dtype=bool)

    def null(name: str) -> np.ndarray:
        return _nulls(col[name])

    for name in ("id", "person_id"):
        bad |= null(name) | _too_long(col[name], C.MAX_CODE_CHARS)
    bad |= null("date")
    values: dict[str, np.ndarray] = {}
    for name, key, default in (("scheme", "person.scheme", None), ("person_category", "person.category", 0),
                               ("kind", "visit.kind", None), ("facility", "visit.facility", 0),
                               ("level", "visit.level", None), ("region", "visit.region", None),
                               ("referral", "visit.referral", "none")):
        allowed = enums[key]
        fill = allowed[0] if default == 0 else (default or "")
        if default == "none" and "none" not in allowed:
            fill = ""
        v, ok = _enum(col[name], fill, allowed)
        if ok is not None:
            bad |= ~ok
        values[name] = v
    age_null = null("age")
    age = _ints(col["age"], -1)
    bad |= ~age_null & ((age < 0) | (age > C.MAX_AGE))
    if "person.age" in policy.requires:
        bad |= age_null
    adm = _ints(col["admission_no"], 1)
    bad |= (adm < 1) | (adm > C.MAX_ADMISSION_NO)
    # diseases
    dis = col["diseases"]
    dis = _empty_for_null(dis)
    d_off = _ints(dis.offsets)
    dis_flat = dis.flatten()
    d_count = np.diff(d_off)
    d_bad = _nulls(dis_flat) | _too_long(dis_flat, C.MAX_CODE_CHARS)
    bad |= d_count > C.MAX_DISEASES
    if d_bad.any():
        bad[_claims_of(d_bad, d_off - d_off[0])] = True
    d_vals = _np(dis_flat)
    # lines
    lines = col["lines"]
    bad |= null("lines")
    lines = _empty_for_null(lines)
    l_off = np.asarray(lines.offsets.to_numpy(zero_copy_only=False), dtype=I64)
    l_off = l_off - l_off[0]
    l_count = np.diff(l_off)
    no_lines = l_count < 1
    bad |= no_lines | (l_count > C.MAX_LINES)
    flat = lines.flatten()
    code, name, cat, cls, amount = (flat.field(k) for k in ("code", "name", "category", "class", "amount"))
    lb = _nulls(flat) | _nulls(code) | _too_long(code, C.MAX_CODE_CHARS) | \
        _too_long(name, C.MAX_NAME_CHARS) | _too_long(cls, C.MAX_CODE_CHARS)
    l_cls = _np(cls)
    if cls.null_count < len(cls):  # an empty class is no class (a class left unread: all null)
        lb |= ~_nulls(cls) & (l_cls == "")
    lb |= _nulls(amount)
    l_amt = _ints(amount)
    l_cat, total = _line_figures(cat, l_amt, l_off, bad)
    price = flat.field("unit_price")
    price_null = _nulls(price)
    l_price = _ints(price)
    if not price_null.all():
        lb |= _outside(l_price, 0, C.MAX_LINE_FEN)
    split = {k: flat.field(k) for k in SPLIT}
    parts = {k: _ints(v) for k, v in split.items()}
    if all(v.null_count == len(v) for v in split.values()):  # no line carries a split
        billed = zeros(len(flat), bool)
    else:
        given = [~_nulls(v) for v in split.values()]
        billed = given[0] & given[1] & given[2] & given[3]
        lb |= (given[0] | given[1] | given[2] | given[3]) & ~billed  # some of the four, not all
        for v in parts.values():
            lb |= _outside(v, 0, C.MAX_LINE_FEN)
        lb |= billed & (sum(parts.values()) != l_amt)
    if not policy.as_billed:
        lb |= billed
    for p_cat, p_cls in policy.priced:  # rows read line.unit_price: a line they judge needs one
        judged = (l_cat == "ABC".index(p_cat)) & ((l_cls == p_cls) if p_cls is not None else True)
        lb |= judged & price_null & ~billed
    if lb.any():
        bad[_claims_of(lb, l_off)] = True
    bad |= total > C.MAX_AMOUNT_FEN
    # dates, years, year_to_date, paid
    days = _ints(col["date"].cast(pa.int32())) + _EPOCH
    start, end = module.EFFECTIVE
    bad |= (days < start) | ((days > end) if end is not None else False)
    year = _insurance_years(days, policy.year_start)
    ytd_col = _empty_for_null(col["year_to_date"])
    own, count, ybad, held = _map_columns(ytd_col, n)
    bad |= ybad | (count > C.MAX_YTD_ENTRIES)
    for key in list(own):
        if key not in module.ACCUMULATORS:  # the scalar check names it
            bad |= held[key]
            del own[key]
    ytd_year = _ints(col["ytd_year"])
    y_null = null("ytd_year")
    bad |= ~y_null & ((ytd_year < 1) | (ytd_year > C.MAX_YEAR))
    ignored = ~y_null & (ytd_year != year) & (count > 0)
    if ignored.any():
        ytd = {a: np.where(ignored, 0, own.get(a, np.zeros(n, dtype=I64))) for a in module.ACCUMULATORS}
    else:  # no figure of another year: the columns as read
        ytd = {a: own[a] if a in own else np.zeros(n, dtype=I64) for a in module.ACCUMULATORS}
    ytd, pbad = current_periods(ytd, days, {p: (_ints(col[c]), null(c)) for p, c in PERIOD_COLUMNS.items()},
                                policy.year_start)
    bad |= pbad
    paid_col = _empty_for_null(col["paid"])
    paid, pcount, pbad, named = _map_columns(paid_col, n)
    bad |= pbad | (pcount != len(module.GIVEN))
    for g in module.GIVEN:
        bad |= ~named.get(g, np.zeros(n, dtype=bool))
    paid_cols = {g: paid.get(g, np.zeros(n, dtype=I64)) for g in module.GIVEN}
    batch = Batch(
        id=_filled(col["id"], ""), person_id=_filled(col["person_id"], ""), day=days, year=year,
        scheme=values["scheme"], category=values["person_category"], age=age, kind=values["kind"],
        facility=values["facility"], level=values["level"], region=values["region"],
        referral=values["referral"], admission_no=adm, disease_offsets=d_off - d_off[0],
        disease_values=d_vals, line_offsets=l_off, line_category=l_cat, line_class=l_cls,
        line_amount=l_amt, ytd=ytd, paid=paid_cols, line_unit_price=l_price, line_billed=billed,
        line_self_pay=parts["self_pay"], line_over_limit=parts["over_limit"],
        line_first_self_pay=parts["first_self_pay"], total=total)
    if not bad.all():
        with np.errstate(all="ignore"):
            try:
                covered = np.asarray(module.applies(batch), dtype=bool)
            except Exception:  # a row this test let through made the expression fail: judge each alone
                covered = np.zeros(n, dtype=bool)
        bad |= ~covered
    return batch, table, bad


def _claims_of(flagged: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The claims (rows) of the flagged lines, ``offsets`` the lines' claim boundaries: found by a
    search among the few flagged lines, not through an array of every line's claim."""
    return np.searchsorted(offsets, np.flatnonzero(flagged), side="right") - 1


def _line_figures(cat: pa.Array, amounts: np.ndarray, offsets: np.ndarray,
                  bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each line's category code and each claim's bill; a claim with a line whose category is not
    one or whose amount is out of range flagged in ``bad`` (the lines' claims found only for the
    lines flagged)."""
    l_cat, known = _enum(cat, "", ("A", "B", "C"))
    wrong = _outside(amounts, 0, C.MAX_LINE_FEN)
    if known is not None:
        wrong |= ~known
    if wrong.any():
        bad[_claims_of(wrong, offsets)] = True
    # reduceat gives a claim without lines the next line's amount, and refuses a start past the
    # last line (claims without lines at the end): summed over the claims with lines only, each of
    # whose lines run to the next such claim's first (the claims between have none)
    some = offsets[1:] > offsets[:-1]
    if some.all():
        return l_cat, np.add.reduceat(amounts, offsets[:-1])
    total = np.zeros(len(offsets) - 1, dtype=I64)
    if some.any():
        total[some] = np.add.reduceat(amounts, offsets[:-1][some])
    return l_cat, total


def _insurance_years(days: np.ndarray, year_start: tuple[int, int]) -> np.ndarray:
    """Each date ordinal's insurance year (starting on ``year_start``, month and day): worked out
    once per day of the span the dates cover, when it is short, then looked up."""
    if len(days) == 0:
        return np.zeros(0, dtype=I64)
    low, high = int(days.min()), int(days.max())
    if high - low > 4 * len(days) + 1000:  # dates far apart: each one worked out
        return _years_of(days, year_start)
    return _years_of(np.arange(low, high + 1, dtype=I64), year_start)[days - low]


def _years_of(days: np.ndarray, year_start: tuple[int, int]) -> np.ndarray:
    ymd = (days - _EPOCH).astype("datetime64[D]")
    y = ymd.astype("datetime64[Y]").astype(I64) + 1970
    m0, d0 = year_start
    starts = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m0 - 1)
    starts = starts.astype("datetime64[D]") + (d0 - 1)
    return np.where(ymd >= starts, y, y - 1)


def _judge(table: pa.Table, rows: np.ndarray, policy: Any, first_row: int | np.ndarray) -> None:
    """The rows a vectorised test flagged, validated one by one as JSON claims; raise their issues
    (a row the scalar validator accepts was flagged over-cautiously and passes)."""
    issues: list[ClaimIssue] = []
    for i in rows.tolist():
        _claim, found = row_claim(policy, table.slice(i, 1).to_pylist()[0])
        where = int(first_row[i]) if isinstance(first_row, np.ndarray) else first_row + i
        issues.extend(x.at(f"row {where}: {x.path}", where) for x in found)
        if len(issues) >= C.MAX_ISSUES:
            break
    if issues:
        raise ClaimsRejected(issues[: C.MAX_ISSUES], what="claims")
