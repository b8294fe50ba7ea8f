"""Reading Parquet claims to settle (``formats._read_parquet_settling``) and writing settlements:
texts read dictionary-encoded and line fields without a value left unread give the plain reader's
settlements to the fen; a field with values is read and checked; row groups of ``ROW_GROUP``."""

from __future__ import annotations

import json
from itertools import accumulate
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from yibao.compiler import columnar_format as F
from yibao.compiler.columnar_read import unread_line_fields
from yibao.compiler.loader import load_policy

from yibao import formats
from yibao.cli import main
from yibao.sampling import sample_policy_claims

from .conftest import POLICIES

POLICY = POLICIES / "jiujiang" / "resident_inpatient.yb"
SPLIT_AND_PRICE = {f"lines.list.element.{k}" for k in ("unit_price", *F.SPLIT)}


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def table() -> pa.Table:
    """240 sampled claims of 30 persons (several a year each), sorted by person id."""
    policy = load_policy(POLICY)
    data = sample_policy_claims(policy, 240, seed=5)
    for i, c in enumerate(data):
        c["person"]["id"] = f"P{(i * 7) % 30:03d}"
    data.sort(key=lambda c: c["person"]["id"])
    return F.claims_to_table((str(i), c) for i, c in enumerate(data))


def _write(table: pa.Table, path: Path, row_group: int = 17) -> Path:
    pq.write_table(table, path, row_group_size=row_group)
    return path


def _with_line_field(table: pa.Table, row: int, name: str, value: int) -> pa.Table:
    """``table`` with the first line of claim ``row`` given ``name`` = ``value`` (others as they are)."""
    rows = table.to_pylist()
    rows[row]["lines"][0][name] = value
    return pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA)


def test_the_settling_reader_gives_the_plain_readers_settlements(table: pa.Table, tmp_path: Path) -> None:
    src = _write(table, tmp_path / "c.parquet")
    columns, texts = formats.leaves_to_read(src, unread_line_fields(load_policy(POLICY)))
    assert columns is not None and SPLIT_AND_PRICE.isdisjoint(columns)  # nothing in them to read
    assert "lines.list.element.category" in texts and "id" not in texts and "person_id" not in texts
    fast, plain = tmp_path / "fast.parquet", tmp_path / "plain.parquet"
    closing_fast, closing_plain = tmp_path / "cf.jsonl", tmp_path / "cp.jsonl"
    # small row groups gathered into chunks of 50, a person's claims going on across chunks
    assert run("batch", POLICY, src, "-o", fast, "--chunk", 50, "--closing", closing_fast).exit_code == 0
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in F.table_to_claims(table)))
    assert run("batch", POLICY, jsonl, "-o", plain, "--chunk", 50, "--closing", closing_plain).exit_code == 0
    a, b = pq.read_table(fast), pq.read_table(plain)
    assert a.num_rows == 240 and a.equals(b)
    assert closing_fast.read_text() == closing_plain.read_text()
    # --sort of input that is sorted already: the same rows, in the same order
    again = tmp_path / "sorted.parquet"
    assert run("batch", POLICY, src, "-o", again, "--sort", "--chunk", 50).exit_code == 0
    assert pq.read_table(again).equals(a)


@pytest.mark.parametrize(("name", "value", "issue"), [
    ("in_scope", 100, "row 100: lines[0].self_pay: required with in_scope"),  # a split, in part
    ("unit_price", -5, "row 100: lines[0].unit_price"),  # out of range, though no row reads it
])
def test_a_line_field_with_values_is_read_and_checked(table: pa.Table, tmp_path: Path, name: str, value: int,
                                                      issue: str) -> None:
    src = _write(_with_line_field(table, 100, name, value), tmp_path / "c.parquet")
    columns, _ = formats.leaves_to_read(src, unread_line_fields(load_policy(POLICY)))
    assert f"lines.list.element.{name}" in (columns or [])
    out = tmp_path / "s.parquet"
    result = run("batch", POLICY, src, "-o", out)
    assert result.exit_code == 1, result.output
    assert f"{src}: claims rejected\n  {issue}" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_texts_read_through_a_dictionary_are_checked_as_texts(table: pa.Table, tmp_path: Path) -> None:
    rows = table.to_pylist()
    rows[30]["lines"][-1]["code"] = "X" * 201
    rows[31]["lines"][0]["name"] = "名" * 1001
    rows[32]["level"] = "9"
    src = _write(pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA), tmp_path / "c.parquet")
    result = run("batch", POLICY, src, "-o", tmp_path / "s.parquet")
    assert result.exit_code == 1
    assert f"row 30: lines[{len(rows[30]['lines']) - 1}].code: 201 characters; at most 200" in result.output
    assert "row 31: lines[0].name: 1001 characters; at most 1000" in result.output
    assert "row 32: visit.level: '9' is not one of 1, 2, 3, primary" in result.output


def test_parquet_output_is_written_in_whole_row_groups(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setattr(formats, "ROW_GROUP", 100)
    schema = pa.schema([("claim", pa.string()), ("total", pa.int64())])
    out = tmp_path / "s.parquet"
    with formats.table_sink(out, "parquet", schema, lambda t: t.to_pylist(), dictionary=["total"]) as put:
        for start in range(0, 250, 36):  # tables of 36 rows, whatever the row groups
            n = min(36, 250 - start)
            ids = [str(start + i) for i in range(n)]
            put(pa.table({"claim": ids, "total": list(range(n))}, schema=schema))
    meta = pq.ParquetFile(out).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [100, 100, 50]
    assert pc.sum(pq.read_table(out).column("total")).as_py() == sum(sum(range(36)) for _ in range(6)) + sum(
        range(34))


def test_a_dataset_whose_files_have_different_columns(table: pa.Table, tmp_path: Path) -> None:
    """The second file lacks two text columns (read as plain nulls, not dictionary-encoded) and
    a person's claims go on from the first file into it: settled as the plain reader settles."""
    folder = tmp_path / "claims"
    folder.mkdir()
    cut = next(i for i in range(100, 240) if table["person_id"][i] == table["person_id"][i - 1])
    pq.write_table(table.slice(0, cut), folder / "part-0.parquet", row_group_size=40)
    rest = table.slice(cut).drop_columns(["referral", "facility"])
    pq.write_table(rest, folder / "part-1.parquet", row_group_size=40)
    jsonl = tmp_path / "c.jsonl"
    whole = pa.concat_tables([table.slice(0, cut), F.normalise(rest).cast(F.CLAIM_SCHEMA)])
    claims = F.table_to_claims(whole)
    jsonl.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims))
    plain = tmp_path / "plain.parquet"
    assert run("batch", POLICY, jsonl, "-o", plain).exit_code == 0
    for sort in ((), ("--sort",)):
        out = tmp_path / "s.parquet"
        result = run("batch", POLICY, folder, "-o", out, "--chunk", 64, *sort)
        assert result.exit_code == 0, result.output
        assert pq.read_table(out).equals(pq.read_table(plain))


def test_texts_no_check_could_refuse_are_left_unread(table: pa.Table, tmp_path: Path) -> None:
    """A line's name, and its class where no row reads it, are left unread when their dictionary
    pages prove every text passes; plain-encoded, or a policy that reads the class: read."""
    policy = load_policy(POLICY)
    src = _write(table, tmp_path / "c.parquet")
    columns, _ = formats.leaves_to_read(src, unread_line_fields(policy))
    assert columns is not None
    unread = {f"lines.list.element.{name}" for name in ("name", "class", "code")}
    assert unread.isdisjoint(columns)
    assert "lines.list.element.category" in columns
    # every line has a code, each one passing: the codes stood in for by one of them
    _columns, _texts, stand_ins = formats.reading_plan(src, unread_line_fields(policy))
    codes = {ln["code"] for lines in table.column("lines").to_pylist() for ln in lines}
    assert list(stand_ins) == ["code"] and stand_ins["code"] in codes
    plain = tmp_path / "plain.parquet"
    pq.write_table(table, plain, row_group_size=17, use_dictionary=False)
    columns, _ = formats.leaves_to_read(plain, unread_line_fields(policy))
    assert columns is None  # nothing the pages prove: every column read
    implants = load_policy(POLICIES / "examples" / "implants_and_platform_split.yb")  # `class material`
    columns, _ = formats.leaves_to_read(src, unread_line_fields(implants))
    assert "lines.list.element.class" in (columns or []) and "lines.list.element.name" not in (columns or [])
    out_fast, out_plain = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert run("batch", POLICY, src, "-o", out_fast).exit_code == 0
    assert run("batch", POLICY, plain, "-o", out_plain).exit_code == 0
    assert pq.read_table(out_fast).equals(pq.read_table(out_plain))


@pytest.mark.parametrize(("field", "value", "issue"), [
    ("class", "", "row 40: lines[0].class"),
    ("name", "\u540d" * 1001, "row 40: lines[0].name: 1001 characters; at most 1000"),
    ("code", None, "row 40: lines[0].code: required"),  # a line without a code: the codes read
], ids=["empty class", "long name", "no code"])
def test_a_text_the_dictionary_cannot_clear_is_read_and_checked(table: pa.Table, tmp_path: Path, field: str,
                                                                value: str, issue: str) -> None:
    rows = table.to_pylist()
    rows[40]["lines"][0][field] = value
    src = _write(pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA), tmp_path / "c.parquet")
    columns, _ = formats.leaves_to_read(src, unread_line_fields(load_policy(POLICY)))
    assert f"lines.list.element.{field}" in (columns or [])
    # a claim flagged for its class or name is judged with the codes stood in for: the same issues
    assert ("lines.list.element.code" in (columns or [])) == (field == "code")
    fast = run("batch", POLICY, src, "-o", tmp_path / "s.parquet")
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in F.table_to_claims(
        pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA))))
    slow = run("batch", POLICY, jsonl, "-o", tmp_path / "j.parquet")
    assert fast.exit_code == slow.exit_code
    if fast.exit_code:  # the same issues as the JSON claims get, at the same row
        assert issue in fast.output
        assert fast.output.split("row 40: ", 1)[1] == slow.output.split("c.jsonl:41: ", 1)[1]


def test_lying_statistics_do_not_hide_a_value(table: pa.Table, tmp_path: Path) -> None:
    """A file whose footer says the one unit price is 5 fen while the page holds -5: the reader
    goes by the pages, reads the column and refuses the claim."""
    src = _write(_with_line_field(table, 100, "unit_price", -5), tmp_path / "c.parquet", row_group=1000)
    data = bytearray(src.read_bytes())
    size = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - size : -8]
    minus_five, five = (-5).to_bytes(8, "little", signed=True), (5).to_bytes(8, "little")
    assert footer.count(minus_five) >= 2  # the min and the max (and their older copies)
    data[-8 - size : -8] = footer.replace(minus_five, five)
    src.write_bytes(bytes(data))
    meta = pq.ParquetFile(src).metadata
    price = next(i for i in range(meta.num_columns)
                 if meta.row_group(0).column(i).path_in_schema == "lines.list.element.unit_price")
    stats = meta.row_group(0).column(price).statistics
    assert (stats.min, stats.max) == (5, 5)  # the footer now lies
    result = run("batch", POLICY, src, "-o", tmp_path / "s.parquet")
    assert result.exit_code == 1 and "row 100: lines[0].unit_price" in result.output


def test_what_yibao_writes_is_lz4_with_statistics_where_a_reader_filters(table: pa.Table,
                                                                         tmp_path: Path) -> None:
    src = _write(table, tmp_path / "c.parquet")
    out, claims = tmp_path / "s.parquet", tmp_path / "again.parquet"
    assert run("batch", POLICY, src, "-o", out).exit_code == 0
    meta = pq.ParquetFile(out).metadata
    group = meta.row_group(0)
    chunks = {group.column(i).path_in_schema: group.column(i) for i in range(meta.num_columns)}
    money = {name for name in chunks if name not in ("claim", "person_id", "date", "year")}
    assert {chunks[name].compression for name in money} == {"UNCOMPRESSED"}  # delta-packed figures
    assert {c.compression for name, c in chunks.items() if name not in money} == {"LZ4"}
    with_stats = {name for name, c in chunks.items() if c.is_stats_set and c.statistics.has_min_max}
    assert with_stats == {"person_id", "date", "year"}
    assert run("convert", src, claims).exit_code == 0  # claims as yibao writes them: LZ4 too
    claims_meta = pq.ParquetFile(claims).metadata
    assert claims_meta.row_group(0).column(0).compression == "LZ4"
    again = pq.read_table(claims)
    assert again.schema == F.CLAIM_FILE_SCHEMA  # id, date, the lines' code and category required
    assert again.cast(F.CLAIM_SCHEMA).equals(pq.read_table(src))
    schema = pq.ParquetFile(claims).schema  # so no definition levels are written for them
    levels = {schema.column(i).path: schema.column(i).max_definition_level for i in range(len(schema))}
    assert levels["id"] == levels["date"] == 0
    assert levels["lines.list.element.category"] == levels["lines.list.element.code"] == 1  # the list's


@pytest.mark.parametrize("out", ["back.parquet", "back.jsonl", "folder"])
def test_convert_refuses_claims_of_a_table_without_a_value_a_claim_requires(table: pa.Table, tmp_path: Path,
                                                                            out: str) -> None:
    """A Parquet table may hold a claim without an id, a line or a line's category; its JSON claim
    is refused, so ``yibao convert`` refuses it too, by its row counted across chunks, in the JSON
    check's words, and writes nothing."""
    rows = table.to_pylist()
    rows[3]["id"] = None
    rows[130]["lines"][1]["category"] = None
    rows[200]["lines"][0] = None
    src = _write(pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA), tmp_path / "holes.parquet")
    result = run("convert", src, tmp_path / out, "--chunk", 100)
    assert result.exit_code == 1
    assert f"{src}: claims rejected" in result.output
    assert "row 3: id: required" in result.output
    assert "row 130: lines[1].category: required" in result.output
    assert "row 200: lines[0]: must be an object" in result.output
    assert not (tmp_path / out).exists()


def test_a_map_key_twice_is_refused_by_convert_at_its_row_across_chunks(table: pa.Table,
                                                                       tmp_path: Path) -> None:
    rows = table.to_pylist()
    rows[130]["year_to_date"] = [("basic.paid", 100), ("basic.paid", 200)]
    src = _write(pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA), tmp_path / "twice.parquet")
    result = run("convert", src, tmp_path / "back.jsonl", "--chunk", 100)
    assert result.exit_code == 1
    assert f"{src}: claims rejected\n  row 130: year_to_date.basic.paid: duplicate key" in result.output


def test_a_line_field_of_the_wrong_type_is_read_and_refused(table: pa.Table, tmp_path: Path) -> None:
    """An all-null `self_pay` column of texts: nothing in it, but not money either: read, and the
    file refused as the plain reader refuses it."""
    lines = table.column("lines").combine_chunks()
    child = lines.values
    texts = pa.nulls(len(child), pa.string())
    fields = [texts if f.name == "self_pay" else child.field(f.name) for f in F.LINE_TYPE]
    types = [pa.field(f.name, pa.string() if f.name == "self_pay" else f.type) for f in F.LINE_TYPE]
    wrong = table.set_column(table.schema.get_field_index("lines"), "lines", pa.ListArray.from_arrays(
        lines.offsets, pa.StructArray.from_arrays(fields, fields=types)))
    src = _write(wrong, tmp_path / "c.parquet")
    columns, _ = formats.leaves_to_read(src, unread_line_fields(load_policy(POLICY)))
    assert "lines.list.element.self_pay" in (columns or [])
    result = run("batch", POLICY, src, "-o", tmp_path / "s.parquet")
    assert result.exit_code == 1 and "column `lines`" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("chunk", [1, 2, 65_536])
@pytest.mark.parametrize("kind", ["jsonl", "json"])
def test_every_bad_claim_of_a_json_file_is_reported_whatever_the_chunks(tmp_path: Path, chunk: int,
                                                                       kind: str) -> None:
    """Claims that are not JSON, or not a claim's shape, in any chunk: all of them reported, each at
    its line (or index), after the file is read; no table is given once one was seen."""
    good = sample_policy_claims(load_policy(POLICY), 4, seed=3)
    bad = json.loads(json.dumps(good[1]))
    bad["lines"][0]["amount"] = "-1.00"
    if kind == "jsonl":
        path = tmp_path / "c.jsonl"
        path.write_text("\n".join([json.dumps(good[0]), '{"id": NaN}', json.dumps(good[2]), json.dumps(bad),
                                   "{bad"]) + "\n", encoding="utf-8")
        where = [f"{path}:2: id", f"{path}:4: lines[0].amount", f"{path}:5: $"]  # NaN, -1.00, not JSON
    else:
        path = tmp_path / "c.json"
        path.write_text(json.dumps([good[0], good[2], bad, good[3], {"id": 1}]), encoding="utf-8")
        where = [f"{path}[2]: lines[0].amount", f"{path}[4]: "]  # -1.00; a claim of an id alone
    reader = formats.guess(path, None, reading=True)
    seen = []
    with pytest.raises(F.ClaimsRejected) as err:
        for table in reader.read(path, chunk):
            seen.append(table.num_rows)
    paths = [i.path for i in err.value.issues]
    assert [p for p in paths if any(p.startswith(w) for w in where)] == paths
    assert all(any(p.startswith(w) for p in paths) for w in where), paths
    assert sum(seen) < 5


@pytest.mark.parametrize("column", ["id", "lines", "date"])
def test_a_parquet_text_that_is_not_utf8_is_refused_by_every_reader(tmp_path: Path, column: str) -> None:
    """Arrow reads a Parquet string's bytes and a date's day count as they are: a text that is not
    UTF-8 (a plain id, or a dictionary-encoded line name) or a day past 9999-12-31 is refused
    naming its column, by both engines and by convert (the id was written into the settlements as
    it came; the others crashed turning it into a str or a date)."""
    policy = load_policy(POLICY)
    claims = sorted(sample_policy_claims(policy, 3, seed=4), key=lambda c: c["person"]["id"])
    table = F.claims_to_table((str(i), c) for i, c in enumerate(claims))
    if column == "date":
        days = pa.array([19000, 3_000_000, 19001], pa.int32()).cast(pa.date32())
        table = table.set_column(table.schema.get_field_index("date"), "date", days)
    elif column == "id":
        ids = [i.encode() for i in table.column("id").to_pylist()]
        ids[1] = b"\xff" + ids[1]
        offsets = pa.array([0, *accumulate(map(len, ids))], pa.int32())
        broken = pa.Array.from_buffers(pa.string(), 3, [None, offsets.buffers()[1],
                                                        pa.py_buffer(b"".join(ids))])
        table = table.set_column(0, "id", broken)
    else:
        lines = table.column("lines").combine_chunks()
        child = lines.values
        names = [n.encode() for n in child.field("name").to_pylist()]
        names[0] = names[0][:1] + b"\xe6"
        offsets = pa.array([0, *accumulate(map(len, names))], pa.int32())
        broken = pa.Array.from_buffers(pa.string(), len(names), [None, offsets.buffers()[1],
                                                                  pa.py_buffer(b"".join(names))])
        fields = [broken if f.name == "name" else child.field(f.name) for f in child.type]
        struct = pa.StructArray.from_arrays(fields, fields=list(child.type))
        table = table.set_column(table.schema.get_field_index("lines"), "lines",
                                 pa.ListArray.from_arrays(lines.offsets, struct))
    path = tmp_path / "broken.parquet"
    pq.write_table(table, path)
    for args in (["batch", POLICY, path, "-o", tmp_path / "s.parquet"],
                 ["batch", POLICY, path, "-o", tmp_path / "s.parquet", "--engine", "scalar"],
                 ["convert", path, tmp_path / "back.jsonl"]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        why = "holds a day outside the years 1 to 9999" if column == "date" else \
            "holds text that is not UTF-8"
        assert f"cannot read as Parquet: column `{column}` {why}" in result.output
