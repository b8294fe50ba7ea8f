"""Mutations of a table of claims, written as Parquet: what a claims file from another program can
hold that no JSON claim converts to (a null in any column or line field, an int at its type's
end, a map key twice, a text column dictionary-encoded, decimal amounts, a column left out).

The columnar reader checks such a table column by column and sends a row it flags to the scalar
validator; the scalar engine validates every row. ``batch_mutations`` makes a file of claims and
hands the table to ``mutate_table``; the runner holds both engines to the same outcome.

``corrupt_file`` then breaks the file's bytes (the ``parquet`` target): a reader of it, Arrow's or
``parquet_pages``' own of the page headers, must refuse it cleanly, never crash or hang.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from yibao.compiler.claim_fields import MAX_AMOUNT_FEN, MAX_LINE_FEN

from .corpus import Corpus

_ENUMS = ("scheme", "person_category", "kind", "facility", "level", "region", "referral")
_NULLABLE = ("facility", "referral", "admission_no", "diseases", "year_to_date", "paid", "ytd_year",
             "ytd_month", "ytd_quarter", "person_category", "age")
# each int column's values at and past its checks' ends, within its Arrow type
_INTS = {
    "age": (-1, 0, 150, 151, 32767, -32768),
    "admission_no": (0, 1, 2, 2**31 - 1, -5),
    "ytd_year": (0, 1, 2023, 2024, 2025, 9999, 10000),
    "ytd_month": (0, 1, 12, 13, -1, 127),
    "ytd_quarter": (0, 1, 4, 5, -128),
}
_FEN = (-1, 0, 1, MAX_LINE_FEN, MAX_LINE_FEN + 1, MAX_AMOUNT_FEN, MAX_AMOUNT_FEN + 1, 2**62, -(2**63))


def mutate_table(rng: random.Random, rows: list[dict[str, Any]], corpus: Corpus) -> tuple[bytes, list[str]]:
    """One to three mutations of the rows, maybe one of the table's types; the Parquet file's bytes
    and what was done."""
    import pyarrow.parquet as pq

    ops = [_mutate_row(rng, rows, corpus) for _ in range(rng.choice((1, 1, 2, 3)))]
    table = _table(rows)
    if rng.random() < 0.4:
        table, what = _retype(rng, table)
        ops.append(what)
    out = io.BytesIO()
    pq.write_table(table, out, row_group_size=rng.choice((2, 3, 1 << 20)))
    return out.getvalue(), ops


def _table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    from yibao.compiler import columnar_format as F

    return pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA)


def _mutate_row(rng: random.Random, rows: list[dict[str, Any]], corpus: Corpus) -> str:
    from yibao.compiler.columnar_format import LINE_TYPE, SPLIT

    i = rng.randrange(len(rows))
    row = rows[i]
    lines = row.get("lines") or []
    kind = rng.choice(("null", "null", "line_null", "line_fen", "line_fen", "line_text", "split", "int",
                       "int", "enum", "map", "map", "lines", "date", "person"))
    if kind == "null":
        key = rng.choice(list(row))
        row[key] = None
        return f"null:{i}.{key}"
    if kind == "line_null" and lines:
        j, key = rng.randrange(len(lines)), rng.choice(LINE_TYPE.names)
        lines[j][key] = None
        return f"line_null:{i}.lines[{j}].{key}"
    if kind == "line_fen" and lines:
        j, key = rng.randrange(len(lines)), rng.choice(("amount", "amount", "unit_price"))
        lines[j][key] = rng.choice(_FEN)
        return f"line_fen:{i}.lines[{j}].{key}"
    if kind == "line_text" and lines:
        j, key = rng.randrange(len(lines)), rng.choice(("code", "name", "category", "category", "class"))
        lines[j][key] = rng.choice(("", "a", "D", "A ", "x" * 300, "\x00", rng.choice(corpus.strings)))
        return f"line_text:{i}.lines[{j}].{key}"
    if kind == "split" and lines:
        j = rng.randrange(len(lines))
        amount = lines[j].get("amount") or 0
        parts = [amount // 4, amount // 4, amount // 4, amount - 3 * (amount // 4)]
        if rng.random() < 0.5:
            parts[rng.randrange(4)] += rng.choice((1, -1, MAX_LINE_FEN))
        keep = rng.choice((4, 4, 3))  # some of the four, not all, is refused
        for k, key in enumerate(SPLIT):
            lines[j][key] = parts[k] if k < keep else None
        return f"split:{i}.lines[{j}]"
    if kind == "int":
        key = rng.choice(list(_INTS))
        row[key] = rng.choice(_INTS[key])
        return f"int:{i}.{key}"
    if kind == "enum":
        key = rng.choice(_ENUMS)
        row[key] = rng.choice(("", "x", "none", "1", "x" * 300, rng.choice(corpus.strings)))
        return f"enum:{i}.{key}"
    if kind == "map":
        key = rng.choice(("year_to_date", "year_to_date", "paid"))
        entries = list(row.get(key) or [])
        name = rng.choice([k for k, _ in entries] + ["basic.paid", "basic.deductible", "critical.base", "x"])
        entries.insert(rng.randint(0, len(entries)), (name, rng.choice((None, 0, 1, -1, *_FEN))))
        row[key] = entries
        return f"map:{i}.{key}.{name}"
    if kind == "lines":
        n = rng.choice((0, 0, 2, 40))
        row["lines"] = [dict(line) for line in lines * n][:n] if n else []
        return f"lines:{i}x{n}"
    if kind == "date":
        row["date"] = rng.choice((dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2019, 12, 31),
                                  dt.date(2024, 1, 1), dt.date(2023, 12, 31), dt.date(2024, 7, 1)))
        return f"date:{i}"
    if kind == "person" and len(rows) > 1:
        j = rng.randrange(len(rows))
        row["person_id"], rows[j]["person_id"] = rows[j]["person_id"], row["person_id"]
        return f"person_swap:{i},{j}"
    return "row_none"


def _retype(rng: random.Random, table: Any) -> tuple[Any, str]:
    """The same claims in another form a reader accepts: a text column dictionary-encoded, amounts
    as decimal128(18, 2), a nullable column left out."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = rng.choice(("dictionary", "dictionary", "decimal", "drop", "cast", "cast"))
    if kind == "cast":  # a column of another type than the claim table's: cast exactly, or refused
        name, to = rng.choice((("age", pa.int64()), ("age", pa.string()), ("admission_no", pa.int8()),
                               ("date", pa.timestamp("s")), ("date", pa.string()), ("id", pa.large_string()),
                               ("person_id", pa.int64()), ("ytd_year", pa.float64()),
                               ("ytd_month", pa.int64()), ("scheme", pa.binary())))
        try:
            col = table.column(name).cast(to)
        except (pa.ArrowException, ValueError):
            return table, f"cast_failed:{name}"
        return table.set_column(table.schema.get_field_index(name), name, col), f"cast:{name}:{to}"
    if kind == "dictionary":
        name = rng.choice((*_ENUMS, "id", "person_id"))
        col = table.column(name).combine_chunks()
        return table.set_column(table.schema.get_field_index(name), name, pc.dictionary_encode(col)), \
            f"dictionary:{name}"
    if kind == "decimal":
        from decimal import Decimal

        lines = table.column("lines").combine_chunks()
        child = lines.values
        names = [child.type.field(k).name for k in range(child.type.num_fields)]
        fields = [child.field(k) for k in range(len(names))]
        k = names.index("amount")
        try:
            yuan = [None if v is None else Decimal(v).scaleb(-2) for v in fields[k].to_pylist()]
            fields[k] = pa.array(yuan, pa.decimal128(18, 2))
        except (pa.ArrowException, ValueError):  # past 18 digits: no decimal128(18, 2) holds it
            return table, "decimal_too_wide"
        struct = pa.StructArray.from_arrays(fields, names=names,
                                            mask=child.is_null() if child.null_count else None)
        out = pa.ListArray.from_arrays(lines.offsets, struct,
                                       mask=lines.is_null() if lines.null_count else None)
        return table.set_column(table.schema.get_field_index("lines"), "lines", out), "decimal_amounts"
    name = rng.choice(_NULLABLE)
    return table.drop_columns([name]), f"drop:{name}"


def corrupt_file(rng: random.Random, data: bytes) -> tuple[bytes, list[str]]:
    """One to three changes of a Parquet file's bytes, most where its structure is: the footer (the
    last kilobytes), the page headers (a page starts after each column chunk's offset), the
    magic; or a cut."""
    b = bytearray(data)
    ops = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.choice(("footer", "footer", "anywhere", "anywhere", "run", "cut", "magic", "length"))
        n = len(b)
        if n < 12:
            break
        if kind == "cut":
            at = rng.randrange(4, n)
            del b[at:]
        elif kind == "magic":
            at = rng.choice((0, n - 4))
            b[at : at + 4] = rng.choice((b"PAR0", b"PARE", b"\0\0\0\0"))
        elif kind == "length":  # the footer's length: too large, zero, negative
            b[n - 8 : n - 4] = rng.choice((0, 1, n, n - 8, 2**31 - 1, 2**32 - 1)).to_bytes(4, "little")
        elif kind == "run":
            at, k = rng.randrange(n), rng.choice((4, 16, 64))
            b[at : at + k] = bytes([rng.choice((0, 0xFF, rng.randrange(256)))]) * len(b[at : at + k])
        else:
            at = rng.randrange(max(4, n - 2048), n - 8) if kind == "footer" else rng.randrange(4, n)
            b[at] = rng.choice((0, 0xFF, 0x7F, 0x80, b[at] ^ (1 << rng.randrange(8)), rng.randrange(256)))
        ops.append(f"{kind}@{len(b)}")
    return bytes(b), ops
