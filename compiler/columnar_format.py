"""Claims and settlements as Arrow tables: the schema (``docs/columnar.md``), JSON claims ⇄ Arrow,
Arrow claims → a validated ``runtime_columnar.Batch``, settlements → Arrow.

One row per claim, the bill a list column of structs. Money is int64 fen; a reader also takes
``decimal128(18, 2)`` (any decimal whose values have at most two decimals) and converts it
exactly, from the unscaled integers, never through a float.

Claims read from Arrow are validated exactly as JSON claims are (``columnar_read.read_batch``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from yibao.dsl.errors import ClaimError, ClaimIssue
from yibao.dsl.phrase import Names, P

from . import claims as C
from .money import money_str
from .runtime_columnar import Batch

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
    ("ytd_month", pa.int8()), ("ytd_quarter", pa.int8()),  # which month, quarter its period figures are of
])
# What every claim that converts has (``claim_row`` refuses a claim without it): required in the
# claim files yibao writes (``CLAIM_FILE_SCHEMA``), where a reader then decodes no definition
# levels for them (reading the lines a sixth cheaper). Any file of ``CLAIM_SCHEMA`` reads alike.
REQUIRED = ("id", "date", "lines")
REQUIRED_LINE = ("code", "category")
_FILE_LINE = pa.struct([f.with_nullable(f.name not in REQUIRED_LINE) for f in LINE_TYPE])
CLAIM_FILE_SCHEMA = pa.schema([
    pa.field("lines", pa.list_(pa.field("element", _FILE_LINE, nullable=False)), nullable=False)
    if f.name == "lines" else f.with_nullable(f.name not in REQUIRED) for f in CLAIM_SCHEMA])
# the text columns unique to a claim or a person: plain texts, never dictionary-encoded (a file's
# dictionary of them is the whole file's, in every chunk: a chunk's persons are not counted by it)
PLAIN_TEXTS = frozenset({"id", "person_id"})
# year_to_date's "month" and "quarter" ← column
PERIOD_COLUMNS = {"month": "ytd_month", "quarter": "ytd_quarter"}
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


def _map_key(c: C._Collector, name: str, key: Any) -> bool:
    """Whether a key of ``year_to_date`` or ``paid`` can be a map column's key: text the claim
    validator keeps (an unpaired surrogate, which no UTF-8 column holds, or too long: refused at
    its path, as ``Policy.claim`` would)."""
    problem = C._text_issue(str(key), C.MAX_CODE_CHARS)
    if problem is not None:
        c.add(C._join(name, C._key_text(str(key))), P("key: {problem}", problem=problem))
    return problem is None


def claim_row(data: Any, c: C._Collector) -> dict[str, Any] | None:
    """A JSON claim as a row of ``CLAIM_SCHEMA``; its shape's issues go to ``c`` (amounts exact).

    The policy's own checks (enums, dates, accumulators) are not made here: converting is
    policy-blind, and a policy validates the rows it reads."""
    if not C._is_map(data):
        c.add("$", P("a claim must be a JSON object"))
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
            row[column] = C._int(c, visit, key, "visit", minimum=1, maximum=C.MAX_ADMISSION_NO)
        else:
            row[column] = C._str(c, visit, key, "visit", required=False)
    age = person.get("age")
    row["age"] = C._int(c, person, "age", "person", minimum=0, maximum=C.MAX_AGE) if age is not None else None
    lines = data.get("lines")
    out = []
    if type(lines) is not list:
        c.add("lines", P("required list of bill lines"))
        lines = []
    for i, raw in enumerate(lines):
        path = f"lines[{i}]"
        if not C._is_map(raw):
            c.add(path, P("must be an object"))
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
    for column in PERIOD_COLUMNS.values():
        row[column] = None
    if C._is_map(ytd):
        items = []
        for key, value in ytd.items():
            if key in PERIOD_COLUMNS:  # which month (quarter) the period figures are of
                most = C.PERIOD_KEYS[key]
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
                    c.add(f"year_to_date.{key}", P("must be a month of the year, 1 to {most}", most=most)
                          if key == "month" else P("must be a quarter of the year, 1 to {most}", most=most))
                else:
                    row[PERIOD_COLUMNS[key]] = value
                continue
            if key == C.YEAR_KEY:
                row["ytd_year"] = value if isinstance(value, int) and not isinstance(value, bool) else None
                if row["ytd_year"] is None or not 1 <= value <= C.MAX_YEAR:
                    c.add("year_to_date.year", P("must be a year such as 2024"))
                continue
            if _map_key(c, "year_to_date", key):
                items.append((str(key), _fen(c, value, C._join("year_to_date", C._key_text(str(key))))))
        row["year_to_date"] = items
    elif ytd is not None:
        c.add("year_to_date", P("must be an object of accumulator → amount"))
    paid = data.get("paid")
    row["paid"] = None
    if C._is_map(paid):
        row["paid"] = [(str(k), _fen(c, v, C._join("paid", C._key_text(str(k))))) for k, v in paid.items()
                       if _map_key(c, "paid", k)]
    elif paid is not None:
        c.add("paid", P("must be an object of layer → amount it paid"))
    return row


def claim_rows(claims: Iterable[tuple[str, Any]], issues: list[ClaimIssue]) -> list[dict[str, Any]]:
    """(where it came from, JSON claim) pairs → the rows of the good ones; each bad one's issues,
    led by its source, added to ``issues`` in the claims' order (none past ``MAX_ISSUES``)."""
    rows = []
    for source, data in claims:
        if len(issues) >= C.MAX_ISSUES:
            break
        c = C._Collector()
        row = claim_row(data, c)
        if c.issues:
            issues.extend(i.at(f"{source}: {i.path}") for i in c.issues)
            continue
        rows.append(row)
    return rows


def claims_to_table(claims: Iterable[tuple[str, Any]]) -> pa.Table:
    """(where it came from, JSON claim) pairs → an Arrow table of ``CLAIM_SCHEMA``; raises
    ``ClaimError`` naming each bad claim's source and path."""
    issues: list[ClaimIssue] = []
    rows = claim_rows(claims, issues)
    if issues:
        raise ClaimsRejected(issues[: C.MAX_ISSUES])
    return pa.Table.from_pylist(rows, schema=CLAIM_SCHEMA)


# ------------------------------------------------------------ Arrow → JSON claims
def _money(fen: int | None) -> str | None:
    return None if fen is None else money_str(fen)


def table_to_claims(table: pa.Table, first_row: int = 0) -> list[dict[str, Any]]:
    """Each row back to the JSON claim it stands for (amounts as decimal strings, nulls left out);
    ``ClaimsRejected`` (rows counted from ``first_row``, the table's first) where a row has a map
    key twice."""
    table = normalise(table)
    out = []
    issues: list[ClaimIssue] = []
    for i, row in enumerate(table.to_pylist(), start=first_row):
        issues.extend(x.at(f"row {i}: {x.path}", i) for x in map_key_issues(row))
        out.append(row_to_claim(row))
    if issues:  # a claim written without one of its values would be a different claim
        raise ClaimsRejected(issues[: C.MAX_ISSUES], what="claims")
    return out


def row_claim(policy: Any, row: Mapping[str, Any]) -> tuple[Any, list[ClaimIssue]]:
    """A row of the claim table validated by ``policy`` as its JSON claim (``row_to_claim``), and
    its issues, ``map_key_issues``' first. The claim is None where there are issues. Both engines
    judge a row by this: the scalar one every row, the columnar one a row it flagged."""
    found = map_key_issues(row)
    try:
        claim = policy.claim(row_to_claim(row))
    except ClaimError as err:
        return None, [*found, *err.issues]
    return (None if found else claim), found


def required_issues(table: pa.Table, first_row: int = 0) -> list[ClaimIssue]:
    """Of a normalised claim table whose first row is ``first_row``, the issues of each row without
    a value ``CLAIM_FILE_SCHEMA`` requires, in ``claim_row``'s words: the rows found by a test of
    the columns' nulls, each then judged as its JSON claim."""
    missing = None
    for name in REQUIRED:
        col = table.column(name)
        if col.null_count:
            missing = pc.is_null(col) if missing is None else pc.or_(missing, pc.is_null(col))
    lines = table.column("lines")
    flat = pc.list_flatten(lines)
    if flat.null_count or any(pc.struct_field(flat, k).null_count for k in REQUIRED_LINE):
        bad = pc.is_null(flat)
        for k in REQUIRED_LINE:
            bad = pc.or_(bad, pc.is_null(pc.struct_field(flat, k)))
        owner = pa.array(np.flatnonzero(bad.to_numpy(zero_copy_only=False)))
        rows = np.zeros(table.num_rows, dtype=bool)
        rows[pc.list_parent_indices(lines).take(owner).to_numpy()] = True
        missing = pa.array(rows) if missing is None else pc.or_(missing, pa.array(rows))
    if missing is None:
        return []
    found: list[ClaimIssue] = []
    for i in np.flatnonzero(missing.to_numpy(zero_copy_only=False)).tolist():
        c = C._Collector()
        claim_row(row_to_claim(table.slice(i, 1).to_pylist()[0]), c)
        found.extend(x.at(f"row {first_row + i}: {x.path}", first_row + i) for x in c.issues)
        if len(found) >= C.MAX_ISSUES:
            break
    return found[: C.MAX_ISSUES]


def map_key_issues(row: Mapping[str, Any]) -> list[ClaimIssue]:
    """What a row can hold and its JSON claim cannot show: a key twice in a map column (the claim
    would keep one of its values and lose the other)."""
    found = []
    for name in ("year_to_date", "paid"):
        keys = [k for k, _ in row.get(name) or []]
        for key in dict.fromkeys(keys):
            if (n := keys.count(key)) > 1:
                found.append(ClaimIssue(C._join(name, C._key_text(key)),
                                        P("duplicate key ({n} times); a key may appear once", n=n)))
    return found


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
    for key, column in PERIOD_COLUMNS.items():
        if row.get(column) is not None:
            ytd[key] = row[column]
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
    decimal money converted to fen, ints widened or narrowed exactly. A text column may stay
    dictionary-encoded (as ``formats`` reads it to settle): its values are the same texts. A
    table that is so already (one ``normalise`` gave) is returned as it is. The ids
    (``PLAIN_TEXTS``) are always plain texts."""
    if _normal(table.schema):
        return table
    cols = {}
    n = table.num_rows
    extra = [name for name in table.column_names if name not in CLAIM_SCHEMA.names]
    if extra:
        raise ClaimsRejected([ClaimIssue("$", P("unknown column `{name}`; the claim columns are {names}",
                                                name=name, names=Names(tuple(CLAIM_SCHEMA.names))))
                              for name in extra])
    for f in CLAIM_SCHEMA:
        if f.name not in table.column_names:
            cols[f.name] = pa.nulls(n, f.type)
            continue
        col = single(table.column(f.name))
        try:
            if f.name == "lines":
                col = _normalise_lines(col)
            elif f.name in ("year_to_date", "paid"):
                col = _normalise_map(col)
            elif f.name in PLAIN_TEXTS and pa.types.is_dictionary(col.type):
                col = col.dictionary_decode().cast(f.type)  # a writer kept them encoded: texts again
            else:
                col = _cast(col, f.type)  # safe: a value that does not fit is an error, never cut
        except (ValueError, pa.ArrowException) as err:  # a float amount, text in `age` …
            why = P("column `{name}` ({given}) cannot be read as {type}: {reason}",
                    name=f.name, given=str(col.type), type=str(f.type), reason=str(err))
            raise ClaimsRejected([ClaimIssue("$", why)]) from None
        cols[f.name] = col
    if all(cols[f.name].type == f.type for f in CLAIM_SCHEMA):
        return pa.table(cols, schema=CLAIM_SCHEMA)
    return pa.table(cols)


def concat_claims(tables: list[pa.Table]) -> pa.Table:
    """Claim tables (``normalise``'s) as one: as they are when their columns agree, else each in
    ``CLAIM_SCHEMA`` (texts decoded): files of a dataset may differ in which texts a reader got
    dictionary-encoded (a column one file lacks is plain nulls)."""
    if all(t.schema.equals(tables[0].schema) for t in tables[1:]):
        return pa.concat_tables(tables)
    return pa.concat_tables([t.cast(CLAIM_SCHEMA) for t in tables])


_NORMAL: dict[pa.Schema, bool] = {}


def _normal(schema: pa.Schema) -> bool:
    """Is a table of ``schema`` what ``normalise`` gives (each column its ``CLAIM_SCHEMA`` type, a
    text perhaps dictionary-encoded)? Judged once per schema: every chunk of a file has the same."""
    known = _NORMAL.get(schema)
    if known is None:
        known = schema.names == CLAIM_SCHEMA.names and all(
            _normal_type(f.name, got.type, f.type) for f, got in zip(CLAIM_SCHEMA, schema, strict=True))
        if len(_NORMAL) > 64:  # schemas of many different files: keep it small
            _NORMAL.clear()
        _NORMAL[schema] = known
    return known


def _normal_type(name: str, got: pa.DataType, want: pa.DataType) -> bool:
    if got == want:
        return True
    if name == "lines":
        return _normal_lines(got)
    if name in ("year_to_date", "paid"):
        return pa.types.is_map(got) and got.item_type == pa.int64() and \
            pa.types.is_dictionary(got.key_type) and got.key_type.value_type == pa.string()
    return want == pa.string() and pa.types.is_dictionary(got) and got.value_type == pa.string() \
        and name not in PLAIN_TEXTS


_NULLS: dict[pa.DataType, pa.Array] = {}


def _null_column(n: int, t: pa.DataType) -> pa.Array:
    """``n`` nulls of type ``t``: a slice of one kept array (a line field a reader left out is
    all nulls in every chunk; allocating and zeroing it each time costs more than reading it)."""
    kept = _NULLS.get(t)
    if kept is None or len(kept) < n:
        kept = _NULLS[t] = pa.nulls(max(n, 1 << 20), t)
    return kept.slice(0, n)


def single(col: pa.ChunkedArray) -> pa.Array:
    """A column as one array: its only chunk as it is (``combine_chunks`` would copy it)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _normal_lines(t: pa.DataType) -> bool:
    """``list<LINE_TYPE>``, its texts perhaps dictionary-encoded: what normalising gives."""
    if not pa.types.is_list(t) or not pa.types.is_struct(t.value_type):
        return False
    if t.value_type.num_fields != len(LINE_TYPE):
        return False
    for want, got in zip(LINE_TYPE, t.value_type, strict=True):
        text = pa.types.is_dictionary(got.type) and want.type == pa.string() == got.type.value_type
        if want.name != got.name or not (got.type == want.type or text):
            return False
    return True


def _cast(col: pa.Array, target: pa.DataType) -> pa.Array:
    """``col`` as ``target``; dictionary-encoded text kept encoded (its dictionary as ``string``)."""
    if pa.types.is_dictionary(col.type) and target == pa.string():
        if col.type.value_type == pa.string():
            return col
        return pa.DictionaryArray.from_arrays(col.indices, col.dictionary.cast(pa.string()))
    return col.cast(target)


def _normalise_lines(col: pa.Array) -> pa.Array:
    if col.type == pa.list_(LINE_TYPE) or _normal_lines(col.type):
        return col
    child = col.values
    fields = []
    names = [child.type.field(i).name for i in range(child.type.num_fields)]
    extra = [name for name in names if name not in LINE_TYPE.names]
    if extra:
        raise ClaimsRejected([ClaimIssue("$", P("unknown field `lines.{name}`",
                                                name=name)) for name in extra])
    for f in LINE_TYPE:
        if f.name in names:
            sub = child.field(names.index(f.name))
            fields.append(fen_array(sub) if f.type == pa.int64() else _cast(sub, f.type))
        else:
            fields.append(_null_column(len(child), f.type))
    types = [pa.field(f.name, a.type) for f, a in zip(LINE_TYPE, fields, strict=True)]
    mask = child.is_null() if child.null_count else None
    struct = pa.StructArray.from_arrays(fields, fields=types, mask=mask)
    return pa.ListArray.from_arrays(_offsets(col), struct, type=pa.list_(struct.type),
                                    mask=col.is_null() if col.null_count else None)


def _offsets(col: pa.Array) -> pa.Array:
    """A list or map column's offsets, for ``from_arrays`` with a mask: Arrow takes a mask only
    with offsets that are not a slice, which a chunk's column (a slice of a batch) has."""
    offsets = col.offsets
    if offsets.offset:  # a copy of n + 1 ints
        return pa.array(offsets.to_numpy(zero_copy_only=False), offsets.type)
    return offsets


def _normalise_map(col: pa.Array) -> pa.Array:
    target = pa.map_(pa.string(), pa.int64())
    if col.type == target:
        return col
    keys = col.type.key_type
    if col.type.item_type == pa.int64() and pa.types.is_dictionary(keys) and keys.value_type == pa.string():
        return col  # keys read dictionary-encoded (``formats``): the same texts
    values = fen_array(col.items)
    return pa.MapArray.from_arrays(_offsets(col), _cast(col.keys, pa.string()), values, mask=col.is_null()) \
        if hasattr(pa.MapArray, "from_arrays") else col.cast(target)


def _arrow(strings: Any) -> pa.Array:
    return strings if isinstance(strings, pa.Array) else pa.array(strings, pa.string())


# ------------------------------------------------------------ settlements → Arrow
def settlement_schema(layers: Iterable[str], accumulators: Iterable[str]) -> pa.Schema:
    """Every column required (not nullable): a settlement has every figure, and a writer then
    writes no definition levels (a sixth of writing the table)."""
    fields = [("claim", pa.string()), ("person_id", pa.string()), ("date", pa.date32()), ("year", pa.int32())]
    fields += [(name, pa.int64()) for name in ("total", "out_of_scope", "first_self_pay", "in_scope")]
    fields += [(name, pa.int64()) for name in layers]
    fields.append(("person", pa.int64()))
    fields += [(f"ytd.{a}", pa.int64()) for a in accumulators]
    return pa.schema([pa.field(name, kind, nullable=False) for name, kind in fields])


def settled_table(batch: Batch, settled: Any, layers: tuple[str, ...],
                  accumulators: tuple[str, ...]) -> pa.Table:
    """A batch's settlement columns (``columnar_settle.Settled``) as the settlement table."""
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
