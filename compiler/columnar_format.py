"""Claims and settlements as Arrow tables: the schema (``docs/columnar.md``), JSON claims ⇄ Arrow,
Arrow claims → a validated ``runtime_columnar.Batch``, settlements → Arrow.

One row per claim, the bill a list column of structs. Money is int64 fen; a reader also takes
``decimal128(18, 2)`` (any decimal whose values have at most two decimals) and converts it
exactly, from the unscaled integers, never through a float.

Claims read from Arrow are validated exactly as JSON claims are: every claim is checked with
vectorised tests that hold for any claim ``Policy.claim`` accepts, and a claim that fails one is
turned back into its JSON form and given to ``Policy.claim``, so that its issues are the JSON
path's, word for word, at paths such as ``row 12: lines[3].amount``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from yibao.dsl.errors import ClaimError, ClaimIssue

from . import claims as C
from .money import money_str
from .runtime_columnar import I64, Batch

SPLIT = ("self_pay", "over_limit", "first_self_pay", "in_scope")
LINE_TYPE = pa.struct([
    ("code", pa.string()), ("name", pa.string()), ("category", pa.string()), ("class", pa.string()),
    ("amount", pa.int64()), ("unit_price", pa.int64()),
    *((name, pa.int64()) for name in SPLIT),
])
CLAIM_SCHEMA = pa.schema([
    ("id", pa.string()), ("date", pa.date32()), ("person_id", pa.string()), ("scheme", pa.string()),
    ("person_category", pa.string()), ("age", pa.int16()), ("kind", pa.string()), ("facility", pa.string()),
    ("level", pa.string()), ("region", pa.string()), ("referral", pa.string()), ("admission_no", pa.int32()),
    ("diseases", pa.list_(pa.string())), ("lines", pa.list_(LINE_TYPE)), ("ytd_year", pa.int32()),
    ("year_to_date", pa.map_(pa.string(), pa.int64())), ("paid", pa.map_(pa.string(), pa.int64())),
])
_EPOCH = dt.date(1970, 1, 1).toordinal()
# person.x / visit.x in the JSON claim ← column
_PERSON = {"id": "person_id", "scheme": "scheme", "category": "person_category", "age": "age"}
_VISIT = {"kind": "kind", "facility": "facility", "level": "level", "region": "region",
          "referral": "referral", "admission_no": "admission_no", "diseases": "diseases"}


class ClaimsRejected(ClaimError):
    """Claims of a batch that are not valid: each issue's path starts with its row."""


# ------------------------------------------------------------ JSON claim → Arrow row
def _fen(c: C._Collector, raw: Any, path: str, limit: int = C.MAX_AMOUNT_FEN) -> int | None:
    if raw is None:
        return None
    return C._amount(c, raw, path, limit)


def claim_row(data: Any, c: C._Collector) -> dict[str, Any] | None:
    """A JSON claim as a row of ``CLAIM_SCHEMA``; its shape's issues go to ``c`` (amounts exact).

    The policy's own checks (enums, dates, accumulators) are not made here: converting is
    policy-blind, and a policy validates the rows it reads."""
    if not C._is_map(data):
        c.add("$", "a claim must be a JSON object")
        return None
    c.unknown_keys(data, C.CLAIM_KEYS, "")
    person = data.get("person") if C._is_map(data.get("person")) else {}
    visit = data.get("visit") if C._is_map(data.get("visit")) else {}
    c.unknown_keys(person, C.PERSON_KEYS, "person")
    c.unknown_keys(visit, C.VISIT_KEYS, "visit")
    row: dict[str, Any] = {"id": C._str(c, data, "id", ""),
                           "date": C._date(c, data, "settlement or discharge date")}
    for key, column in _PERSON.items():
        row[column] = person.get(key) if key == "age" else C._str(c, person, key, "person", required=False)
    for key, column in _VISIT.items():
        if key == "diseases":
            row[column] = sorted(C._diseases(c, visit.get("diseases"))) if "diseases" in visit else None
        elif key == "admission_no":
            row[column] = C._int(c, visit, key, "visit", minimum=C.MAX_ADMISSION_NO * -0 + 1,
                                 maximum=C.MAX_ADMISSION_NO)
        else:
            row[column] = C._str(c, visit, key, "visit", required=False)
    age = person.get("age")
    row["age"] = C._int(c, person, "age", "person", minimum=0, maximum=C.MAX_AGE) if age is not None else None
    lines = data.get("lines")
    out = []
    if type(lines) is not list:
        c.add("lines", "required list of bill lines")
        lines = []
    for i, raw in enumerate(lines):
        path = f"lines[{i}]"
        if not C._is_map(raw):
            c.add(path, "must be an object")
            continue
        c.unknown_keys(raw, C.LINE_KEYS | {"unit_price", *SPLIT}, path)
        line = {"code": C._str(c, raw, "code", path), "name": C._str(c, raw, "name", path, required=False,
                                                                      limit=C.MAX_NAME_CHARS),
                "category": C._str(c, raw, "category", path), "class": C._str(c, raw, "class", path,
                                                                               required=False)}
        for key in ("amount", "unit_price"):
            line[key] = _fen(c, raw.get(key), f"{path}.{key}", C.MAX_LINE_FEN)
        split = C._split(c, raw, path, line["amount"] or 0) if any(k in raw for k in SPLIT) else None
        line.update(zip(SPLIT, split or (None,) * 4, strict=True))
        out.append(line)
    row["lines"] = out
    ytd = data.get("year_to_date")
    row["ytd_year"] = None
    row["year_to_date"] = None
    if C._is_map(ytd):
        items = []
        for key, value in ytd.items():
            if key == C.YEAR_KEY:
                row["ytd_year"] = value if isinstance(value, int) and not isinstance(value, bool) else None
                if row["ytd_year"] is None or not 1 <= value <= C.MAX_YEAR:
                    c.add("year_to_date.year", "must be a year such as 2024")
                continue
            items.append((str(key), _fen(c, value, C._join("year_to_date", C._key_text(str(key))))))
        row["year_to_date"] = items
    elif ytd is not None:
        c.add("year_to_date", "must be an object of accumulator → amount")
    paid = data.get("paid")
    row["paid"] = None
    if C._is_map(paid):
        row["paid"] = [(str(k), _fen(c, v, C._join("paid", C._key_text(str(k))))) for k, v in paid.items()]
    elif paid is not None:
        c.add("paid", "must be an object of layer → amount it paid")
    return row


def claims_to_table(claims: Iterable[tuple[str, Any]]) -> pa.Table:
    """(where it came from, JSON claim) pairs → an Arrow table of ``CLAIM_SCHEMA``; raises
    ``ClaimError`` naming each bad claim's source and path."""
    rows = []
    issues: list[ClaimIssue] = []
    for source, data in claims:
        c = C._Collector()
        row = claim_row(data, c)
        if c.issues:
            issues.extend(ClaimIssue(f"{source}: {i.path}", i.message) for i in c.issues)
            if len(issues) >= C.MAX_ISSUES:
                break
            continue
        rows.append(row)
    if issues:
        raise ClaimsRejected(issues[: C.MAX_ISSUES])
    return pa.Table.from_pylist(rows, schema=CLAIM_SCHEMA)


# ------------------------------------------------------------ Arrow → JSON claims
def _money(fen: int | None) -> str | None:
    return None if fen is None else money_str(fen)


def table_to_claims(table: pa.Table) -> list[dict[str, Any]]:
    """Each row back to the JSON claim it stands for (amounts as decimal strings, nulls left out)."""
    table = normalise(table)
    out = []
    for row in table.to_pylist():
        out.append(row_to_claim(row))
    return out


def row_to_claim(row: Mapping[str, Any]) -> dict[str, Any]:
    claim: dict[str, Any] = {"id": row.get("id")}
    if row.get("date") is not None:
        claim["date"] = row["date"].isoformat()
    else:
        claim["date"] = None
    person = {k: row.get(col) for k, col in _PERSON.items() if row.get(col) is not None}
    visit = {k: row.get(col) for k, col in _VISIT.items() if row.get(col) is not None}
    claim["person"] = person
    claim["visit"] = visit
    lines = []
    for ln in row.get("lines") or []:
        if ln is None:
            lines.append(None)
            continue
        item = {k: v for k, v in ln.items() if v is not None and k not in ("amount", "unit_price", *SPLIT)}
        for key in ("amount", "unit_price", *SPLIT):
            if ln.get(key) is not None:
                item[key] = money_str(ln[key])
        lines.append(item)
    claim["lines"] = lines if row.get("lines") is not None else None
    ytd: dict[str, Any] = {}
    if row.get("ytd_year") is not None:
        ytd["year"] = row["ytd_year"]
    for key, value in row.get("year_to_date") or []:
        ytd[key] = _money(value)
    if ytd:
        claim["year_to_date"] = ytd
    if row.get("paid"):
        claim["paid"] = {k: _money(v) for k, v in row["paid"]}
    return {k: v for k, v in claim.items() if v is not None}


# ------------------------------------------------------------ exact money columns
def fen_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """An int64 (or any integer) or decimal money column as int64 fen, exactly; raises
    ``ValueError`` for a decimal with more than two decimals or a float column."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_integer(t):
        return arr.cast(pa.int64())
    if pa.types.is_decimal(t):
        try:
            d = arr.cast(pa.decimal128(38, 2))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
            raise ValueError(f"more than two decimals (fen) or too large: {err}") from None
        words = np.frombuffer(d.buffers()[1], dtype=np.int64)[2 * d.offset : 2 * (d.offset + len(d))]
        low, high = words[0::2], words[1::2]
        valid = ~np.asarray(d.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        if np.any(valid & (high != np.where(low < 0, -1, 0))):
            raise ValueError("an amount beyond int64 fen")
        return pa.array(low.copy(), type=pa.int64(), mask=~valid)
    raise ValueError(f"money must be int64 fen or decimal128(18, 2), not {t}")


def normalise(table: pa.Table) -> pa.Table:
    """A table read from a file → ``CLAIM_SCHEMA``: missing nullable columns added as nulls,
    decimal money converted to fen, ints widened or narrowed exactly."""
    cols = {}
    n = table.num_rows
    extra = [name for name in table.column_names if name not in CLAIM_SCHEMA.names]
    if extra:
        raise ClaimsRejected([ClaimIssue("$", f"unknown column `{name}`; the claim columns are "
                                              + ", ".join(CLAIM_SCHEMA.names)) for name in extra])
    for f in CLAIM_SCHEMA:
        if f.name not in table.column_names:
            cols[f.name] = pa.nulls(n, f.type)
            continue
        col = table.column(f.name).combine_chunks()
        if f.name == "lines":
            col = _normalise_lines(col)
        elif f.name in ("year_to_date", "paid"):
            col = _normalise_map(col)
        else:
            col = col.cast(f.type)
        cols[f.name] = col
    return pa.table(cols, schema=CLAIM_SCHEMA)


def _normalise_lines(col: pa.Array) -> pa.Array:
    if col.type == pa.list_(LINE_TYPE):
        return col
    child = col.values
    fields = []
    names = [child.type.field(i).name for i in range(child.type.num_fields)]
    extra = [name for name in names if name not in LINE_TYPE.names]
    if extra:
        raise ClaimsRejected([ClaimIssue("$", f"unknown field `lines.{name}`") for name in extra])
    for f in LINE_TYPE:
        if f.name in names:
            sub = child.field(names.index(f.name))
            fields.append(fen_array(sub) if f.type == pa.int64() else sub.cast(f.type))
        else:
            fields.append(pa.nulls(len(child), f.type))
    struct = pa.StructArray.from_arrays(fields, fields=list(LINE_TYPE), mask=child.is_null())
    return pa.ListArray.from_arrays(col.offsets, struct, mask=col.is_null()).cast(pa.list_(LINE_TYPE))


def _normalise_map(col: pa.Array) -> pa.Array:
    target = pa.map_(pa.string(), pa.int64())
    if col.type == target:
        return col
    values = fen_array(col.items)
    return pa.MapArray.from_arrays(col.offsets, col.keys.cast(pa.string()), values, mask=col.is_null()) \
        if hasattr(pa.MapArray, "from_arrays") else col.cast(target)


# ------------------------------------------------------------ Arrow → validated Batch
def _filled(col: pa.Array, fill: Any) -> pa.Array:
    """``col`` with nulls as ``fill``; the column itself when it has none (no copy)."""
    return col.fill_null(fill) if col.null_count else col


def _ints(col: pa.Array, fill: int = 0) -> np.ndarray:
    return np.asarray(_filled(col, fill).to_numpy(zero_copy_only=False), dtype=I64)


def _nulls(col: pa.Array) -> np.ndarray:
    if not col.null_count:
        return np.zeros(len(col), dtype=bool)
    return np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def _empty_for_null(col: pa.Array) -> pa.Array:
    """A list or map column whose null entries hold nothing (as Arrow writers make them): as it
    is, its offsets and flattened values read as if each null were empty; else nulls filled."""
    if not col.null_count:
        return col
    sizes = np.diff(_ints(col.offsets))
    if not sizes[_nulls(col)].any():
        return col
    return col.fill_null([])


def _arrow(strings: Any) -> pa.Array:
    return strings if isinstance(strings, pa.Array) else pa.array(strings, pa.string())


def _enum(col: pa.Array, fill: str, allowed: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """An enum column as each value's index in ``allowed`` (``Batch``'s form), and where the value
    is one of them: judged once per distinct value, through the column's dictionary."""
    if len(col) == 0:
        return np.zeros(0, dtype=np.int8), np.zeros(0, dtype=bool)
    enc = pc.dictionary_encode(_filled(col, fill))
    index = {v: i for i, v in enumerate(allowed)}
    words = np.array([index.get(w, -1) for w in enc.dictionary.to_pylist()], dtype=np.int8)
    codes = words[_ints(enc.indices)] if len(words) else np.full(len(col), -1, dtype=np.int8)
    return np.maximum(codes, 0), codes >= 0


def _np(col: pa.Array, fill: Any = "") -> np.ndarray:
    """A string column as a NumPy unicode array, through its dictionary (few distinct values)."""
    if len(col) == 0:
        return np.array([], dtype=str)
    enc = pc.dictionary_encode(_filled(col, fill))
    words = np.asarray(enc.dictionary.to_numpy(zero_copy_only=False), dtype=str)
    if len(words) == 0:
        return np.full(len(col), fill, dtype=str)
    return words[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=I64)]


def _too_long(col: pa.Array, limit: int) -> np.ndarray:
    """Which strings have more than ``limit`` characters; counted only where their bytes could."""
    if len(col) == 0:
        return np.zeros(0, dtype=bool)
    nbytes = _ints(pc.binary_length(col))
    if not (nbytes > limit).any():  # a character is at least a byte
        return np.zeros(len(col), dtype=bool)
    return _ints(pc.utf8_length(col)) > limit


def _map_columns(col: pa.Array, n: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray,
                                                 dict[str, np.ndarray]]:
    """A map column → key → int64 column (0 where absent), per row its entry count, and per row
    whether it is bad (a null value, a negative or too large amount, a repeated key)."""
    offsets = np.asarray(col.offsets.to_numpy(zero_copy_only=False), dtype=I64)
    start, end = int(offsets[0]), int(offsets[-1])
    count = np.diff(offsets)
    key_col = col.keys.slice(start, end - start)
    enc = pc.dictionary_encode(key_col) if len(key_col) else None
    key_codes = _ints(enc.indices) if enc is not None else np.zeros(0, dtype=I64)
    values = col.items.slice(start, end - start)
    bad_value = _nulls(values)
    vals = _ints(values)
    bad_value |= (vals < 0) | (vals > C.MAX_AMOUNT_FEN) | _too_long(key_col, C.MAX_CODE_CHARS)
    owner = np.repeat(np.arange(n), count)
    bad = np.bincount(owner[bad_value], minlength=n) > 0
    out: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for code, key in enumerate(enc.dictionary.to_pylist() if enc is not None else []):
        hit = key_codes == code
        seen = np.bincount(owner[hit], minlength=n)
        bad |= seen > 1
        column = np.zeros(n, dtype=I64)
        column[owner[hit]] = vals[hit]
        out[str(key)] = column
        present[str(key)] = seen > 0
    return out, count, bad, present


def read_batch(table: pa.Table, policy: Any, module: Any, first_row: int | np.ndarray = 0) -> Batch:
    """Arrow claims → a ``Batch`` of validated claims for ``policy``; raises ``ClaimsRejected``
    with every bad claim's issues, as ``Policy.claim`` words them, each path led by its row."""
    table = normalise(table)
    n = table.num_rows
    col = {name: table.column(name).combine_chunks() for name in table.column_names}
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
    d_owner = np.repeat(np.arange(n), d_count)
    d_bad = _nulls(dis_flat) | _too_long(dis_flat, C.MAX_CODE_CHARS)
    bad |= (d_count > C.MAX_DISEASES) | (np.bincount(d_owner[d_bad], minlength=n) > 0)
    d_vals = _np(dis_flat)
    # lines
    lines = col["lines"]
    bad |= null("lines")
    lines = _empty_for_null(lines)
    l_off = np.asarray(lines.offsets.to_numpy(zero_copy_only=False), dtype=I64)
    l_off = l_off - l_off[0]
    l_count = np.diff(l_off)
    bad |= (l_count < 1) | (l_count > C.MAX_LINES)
    flat = lines.flatten()
    owner = np.repeat(np.arange(n), l_count)
    lb = _nulls(flat)
    code, name, cat, cls, amount = (flat.field(k) for k in ("code", "name", "category", "class", "amount"))
    lb |= _nulls(code) | _too_long(code, C.MAX_CODE_CHARS) | _too_long(name, C.MAX_NAME_CHARS) | \
        _too_long(cls, C.MAX_CODE_CHARS)
    l_cat, known = _enum(cat, "", ("A", "B", "C"))
    lb |= ~known
    l_cls = _np(cls)
    lb |= ~_nulls(cls) & (l_cls == "")
    lb |= _nulls(amount)
    l_amt = _ints(amount)
    lb |= (l_amt < 0) | (l_amt > C.MAX_LINE_FEN)
    price = flat.field("unit_price")
    price_null = _nulls(price)
    l_price = _ints(price)
    lb |= (l_price < 0) | (l_price > C.MAX_LINE_FEN)
    split = {k: flat.field(k) for k in SPLIT}
    given = [~_nulls(v) for v in split.values()]
    billed = given[0] & given[1] & given[2] & given[3]
    parts = {k: _ints(v) for k, v in split.items()}
    lb |= (given[0] | given[1] | given[2] | given[3]) & ~billed  # some of the four, not all
    for v in parts.values():
        lb |= (v < 0) | (v > C.MAX_LINE_FEN)
    lb |= billed & (sum(parts.values()) != l_amt)
    if not policy.as_billed:
        lb |= billed
    for p_cat, p_cls in policy.priced:  # rows read line.unit_price: a line they judge needs one
        judged = (l_cat == "ABC".index(p_cat)) & ((l_cls == p_cls) if p_cls is not None else True)
        lb |= judged & price_null & ~billed
    bad |= np.bincount(owner[lb], minlength=n) > 0
    total = np.add.reduceat(l_amt, l_off[:-1]) if len(l_amt) else np.zeros(n, dtype=I64)
    total = np.where(l_count > 0, total, 0)
    bad |= total > C.MAX_AMOUNT_FEN
    # dates, years, year_to_date, paid
    days = _ints(col["date"].cast(pa.int32())) + _EPOCH
    start, end = module.EFFECTIVE
    bad |= (days < start) | ((days > end) if end is not None else False)
    ymd = (days - _EPOCH).astype("datetime64[D]")
    y = ymd.astype("datetime64[Y]").astype(I64) + 1970
    m0, d0 = policy.year_start
    starts = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m0 - 1)
    starts = starts.astype("datetime64[D]") + (d0 - 1)
    year = np.where(ymd >= starts, y, y - 1)
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
    ytd = {a: np.where(ignored, 0, own.get(a, np.zeros(n, dtype=I64))) for a in module.ACCUMULATORS}
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
    if bad.any():
        _judge(table, np.flatnonzero(bad), policy, first_row)
    return batch


def _judge(table: pa.Table, rows: np.ndarray, policy: Any, first_row: int | np.ndarray) -> None:
    """The rows a vectorised test flagged, validated one by one as JSON claims; raise their issues
    (a row the scalar validator accepts was flagged over-cautiously and passes)."""
    issues: list[ClaimIssue] = []
    for i in rows.tolist():
        row = table.slice(i, 1).to_pylist()[0]
        found = []
        for name, path in (("year_to_date", "year_to_date"), ("paid", "paid")):
            keys = [k for k, _ in row.get(name) or []]
            for key in dict.fromkeys(keys):
                if keys.count(key) > 1:  # a map column can repeat a key; a JSON claim may not
                    times = keys.count(key)
                    found.append(ClaimIssue(C._join(path, C._key_text(key)),
                                            f"duplicate key ({times} times); a key may appear once"))
        try:
            policy.claim(row_to_claim(row))
        except ClaimError as err:
            found.extend(err.issues)
        where = int(first_row[i]) if isinstance(first_row, np.ndarray) else first_row + i
        issues.extend(ClaimIssue(f"row {where}: {x.path}", x.message) for x in found)
        if len(issues) >= C.MAX_ISSUES:
            break
    if issues:
        raise ClaimsRejected(issues[: C.MAX_ISSUES], what="claims")


# ------------------------------------------------------------ settlements → Arrow
def settlement_schema(layers: Iterable[str], accumulators: Iterable[str]) -> pa.Schema:
    fields = [("claim", pa.string()), ("person_id", pa.string()), ("date", pa.date32()), ("year", pa.int32())]
    fields += [(name, pa.int64()) for name in ("total", "out_of_scope", "first_self_pay", "in_scope")]
    fields += [(name, pa.int64()) for name in layers]
    fields.append(("person", pa.int64()))
    fields += [(f"ytd.{a}", pa.int64()) for a in accumulators]
    return pa.schema(fields)


def settled_table(batch: Batch, settled: Any, layers: tuple[str, ...],
                  accumulators: tuple[str, ...]) -> pa.Table:
    """A batch's settlement columns (``runtime_columnar.Settled``) as the settlement table."""
    cols: dict[str, Any] = {
        "claim": _arrow(batch.id),
        "person_id": _arrow(batch.person_id),
        "date": pa.array((batch.day - _EPOCH).astype(np.int32), pa.int32()).cast(pa.date32()),
        "year": pa.array(batch.year.astype(np.int32), pa.int32()),
        "total": settled.total, "out_of_scope": settled.out_of_scope,
        "first_self_pay": settled.first_self_pay, "in_scope": settled.in_scope,
    }
    for name in layers:
        cols[name] = settled.payers[name]
    cols["person"] = settled.person
    for a in accumulators:
        cols[f"ytd.{a}"] = settled.ytd[a]
    return pa.table({k: pa.array(v) if isinstance(v, np.ndarray) else v for k, v in cols.items()},
                    schema=settlement_schema(layers, accumulators))


def settlement_row(s: Any, accumulators: Iterable[str] | None = None) -> dict[str, Any]:
    """A scalar ``Settlement`` as a row of the settlement table (the same figures, in fen);
    ``accumulators`` in the policy's order (default: sorted)."""
    c = s.claim
    row: dict[str, Any] = {"claim": c.id, "person_id": c.person_id, "date": c.date, "year": c.year,
                           "total": s.total_fen, "out_of_scope": s.out_of_scope_fen,
                           "first_self_pay": s.first_self_pay_fen, "in_scope": s.in_scope_fen}
    for layer, value in zip(s.meta.layers, s.payer_fen, strict=True):
        row[layer.name] = value
    row["person"] = s.person_fen
    for key in (sorted(s.ytd) if accumulators is None else accumulators):
        row[f"ytd.{key}"] = s.ytd.get(key, 0)
    return row
