"""``parquet_pages.dictionary_values``: a column chunk's possible values from its dictionary page,
only when every data page is dictionary-encoded; None for anything else (the column is read).
``every_value_present``: every slot of a chunk holds a value, by its definition levels.
``footer_chunks``: each column chunk's metadata as Arrow reads it, from the footer's own bytes."""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.parquet_pages import dictionary_values, every_value_present, footer_chunks


def _chunks(table: pa.Table, **options: Any) -> list[list[Any] | None]:
    """``dictionary_values`` of column 0 in each row group of ``table`` written with ``options``."""
    buf = io.BytesIO()
    pq.write_table(table, buf, **options)
    buf.seek(0)
    meta = pq.ParquetFile(buf).metadata
    leaf = meta.schema.column(0)
    return [dictionary_values(buf, meta.row_group(g).column(0), leaf.physical_type)
            for g in range(meta.num_row_groups)]


@pytest.mark.parametrize("codec", ["snappy", "gzip", "zstd", "brotli", "lz4", "none"])
def test_every_value_of_a_dictionary_encoded_chunk(codec: str) -> None:
    words = ["床位费 / ward bed", "b", None, "b", "c" * 300]
    (values,) = _chunks(pa.table({"w": pa.array(words * 50)}), compression=codec)
    assert values is not None and sorted(values) == sorted({"床位费 / ward bed", "b", "c" * 300})


def test_integers_and_a_column_of_nulls() -> None:
    assert _chunks(pa.table({"n": pa.array([5, -5, None, 5], pa.int64())})) == [[5, -5]]
    assert _chunks(pa.table({"n": pa.array([7, 8], pa.int32())})) == [[7, 8]]
    assert _chunks(pa.table({"n": pa.nulls(1000, pa.int64())})) == [[]]  # nothing but nulls


def test_a_list_column_counts_its_slots() -> None:
    col = pa.array([["A", "B"], [], None, ["C", None]], pa.list_(pa.string()))
    buf = io.BytesIO()
    pq.write_table(pa.table({"l": col}), buf)
    meta = pq.ParquetFile(buf).metadata
    values = dictionary_values(buf, meta.row_group(0).column(0), "BYTE_ARRAY")
    assert values is not None and sorted(values) == ["A", "B", "C"]


def test_what_the_pages_do_not_show_is_none() -> None:
    words = pa.table({"w": pa.array([f"text {i}" for i in range(5000)])})
    assert _chunks(words, use_dictionary=False) == [None]  # plain pages
    # the dictionary grew past its limit: the writer went on in plain pages
    assert _chunks(words, dictionary_pagesize_limit=1000, data_page_size=1000)[0] is None
    assert _chunks(pa.table({"d": pa.array([1.5, 2.5])}), ) == [None]  # a type it does not decode
    # row groups each judged on their own
    buf = io.BytesIO()
    with pq.ParquetWriter(buf, words.schema, dictionary_pagesize_limit=1000, data_page_size=1000) as writer:
        writer.write_table(pa.table({"w": ["a"] * 10}))
        writer.write_table(words)
    meta = pq.ParquetFile(buf).metadata
    got = [dictionary_values(buf, meta.row_group(g).column(0), "BYTE_ARRAY") for g in (0, 1)]
    assert got == [["a"], None]


def test_bad_utf8_or_a_surrogate_is_not_a_text() -> None:
    for raw in (b"\xff\xfe", "\ud800".encode("utf-8", "surrogatepass")):
        binary = pa.table({"w": pa.array([raw, b"ok"], pa.binary())})
        (values,) = _chunks(binary)
        assert values is None


def test_a_corrupt_chunk_is_none_not_an_error() -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"w": pa.array(["a", "b"] * 100)}), buf, compression="none")
    meta = pq.ParquetFile(buf).metadata
    column = meta.row_group(0).column(0)
    data = bytearray(buf.getvalue())
    for at in range(column.dictionary_page_offset, column.data_page_offset + 4):  # every header byte
        broken = bytearray(data)
        broken[at] ^= 0xFF
        got = dictionary_values(io.BytesIO(bytes(broken)), column, "BYTE_ARRAY")
        assert got is None or isinstance(got, list)


def test_a_header_nested_past_any_page_header_is_none_not_a_recursion_error() -> None:
    buf = io.BytesIO()  # a chunk large enough that its first page header is read 4 KB at a time
    pq.write_table(pa.table({"w": pa.array([f"word {i}" for i in range(20_000)])}), buf, compression="none")
    meta = pq.ParquetFile(buf).metadata
    column = meta.row_group(0).column(0)
    data = buf.getvalue()
    at = column.dictionary_page_offset
    assert column.total_compressed_size > 20_000
    for nest in (b"\x1c", b"\x19\xf9"):  # a struct in a struct …, a list of lists …
        deep = nest * (10_000 // len(nest))
        broken = data[:at] + deep + data[at + len(deep):]
        assert dictionary_values(io.BytesIO(broken), column, "BYTE_ARRAY") is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)),
                min_size=1, max_size=60),
       st.sampled_from(["snappy", "none", "zstd"]))
def test_the_values_are_the_chunks_distinct_texts(words: list[str | None], codec: str) -> None:
    (values,) = _chunks(pa.table({"w": pa.array(words, pa.string())}), compression=codec)
    assert values is not None and sorted(values) == sorted({w for w in words if w is not None})


_LINES = pa.list_(pa.struct([("code", pa.string()), ("amount", pa.int64())]))


def _present(rows: list[Any], **options: Any) -> list[bool]:
    """``every_value_present`` of ``lines.code`` in each row group of a ``lines`` column."""
    buf = io.BytesIO()
    pq.write_table(pa.table({"lines": pa.array(rows, _LINES)}), buf, **options)
    meta = pq.ParquetFile(buf).metadata
    leaf = meta.schema.column(0)
    assert leaf.path == "lines.list.element.code"
    return [every_value_present(buf, meta.row_group(g).column(0), leaf.max_definition_level,
                                leaf.max_repetition_level) for g in range(meta.num_row_groups)]


_LINE = st.one_of(st.none(), st.fixed_dictionaries({"code": st.one_of(st.none(), st.sampled_from(["a", "b"])),
                                                    "amount": st.just(1)}))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(_LINE, max_size=6)), min_size=1, max_size=80),
       st.sampled_from([{}, {"data_page_version": "2.0"}, {"compression": "zstd", "data_page_size": 64},
                        {"compression": "none", "row_group_size": 7}]))
def test_every_code_present_as_the_rows_say(rows: list[Any], options: dict[str, Any]) -> None:
    """True exactly when every claim has lines, every line is there and has a code (a null at any
    level: False), whatever the pages' version, codec and size, in each row group."""
    size = options.get("row_group_size", len(rows))
    groups = [rows[i : i + size] for i in range(0, len(rows), size)]
    want = [all(r and all(ln is not None and ln["code"] is not None for ln in r) for r in g) for g in groups]
    assert _present(rows, **options) == want


def test_levels_bit_packed_and_long_runs() -> None:
    """Long RLE runs (a million lines), bit-packed runs (levels that change), one null among them."""
    many = [[{"code": "a", "amount": 1}] * 3] * 400_000
    assert _present(many) == [True]
    mixed = [[{"code": "a", "amount": 1}] * (i % 5 + 1) for i in range(20_000)]
    assert _present(mixed) == [True]
    mixed[12_345] = [{"code": "a", "amount": 1}, {"code": None, "amount": 1}]
    assert _present(mixed) == [False]


def test_a_corrupt_page_is_not_present() -> None:
    """Flipped bytes anywhere in a chunk's pages give False or the truth, never an error."""
    rows = [[{"code": "a", "amount": 1}, {"code": "b", "amount": 2}]] * 50
    buf = io.BytesIO()
    pq.write_table(pa.table({"lines": pa.array(rows, _LINES)}), buf, compression="none")
    data = buf.getvalue()
    meta = pq.ParquetFile(io.BytesIO(data)).metadata
    column = meta.row_group(0).column(0)
    start = column.dictionary_page_offset or column.data_page_offset
    for at in range(start, start + column.total_compressed_size):
        for byte in (0x00, 0xFF, 0x13):
            broken = data[:at] + bytes([byte]) + data[at + 1:]
            assert every_value_present(io.BytesIO(broken), column, 3, 1) in (True, False)


_FACTS = ("file_path", "compression", "num_values", "total_compressed_size", "data_page_offset",
          "has_dictionary_page", "dictionary_page_offset")


@pytest.mark.parametrize("options", [
    {"compression": "lz4"}, {"compression": "snappy", "use_dictionary": False},
    {"compression": {"a": "zstd", "b": "none"}, "row_group_size": 3, "data_page_version": "2.0"},
    {"compression": "gzip", "write_statistics": False, "column_encoding": {"a": "DELTA_BINARY_PACKED"},
     "use_dictionary": ["b"]},
])
def test_the_footers_column_chunks_are_arrows(options: dict[str, Any]) -> None:
    """Every row group's every column chunk, nested ones too: what Arrow's metadata says of it."""
    table = pa.table({"a": pa.array(range(10), pa.int64()),
                      "b": pa.array([None, *"abcdefghi"], pa.string()),
                      "lines": pa.array([[{"x": i, "y": "t"}] * (i % 3) for i in range(10)])})
    buf = io.BytesIO()
    pq.write_table(table, buf, **options)
    meta = pq.ParquetFile(io.BytesIO(buf.getvalue())).metadata
    chunks = footer_chunks(buf)
    assert chunks is not None and len(chunks) == meta.num_row_groups
    for g, group in enumerate(chunks):
        assert len(group) == meta.num_columns
        for i, facts in enumerate(group):
            arrow = meta.row_group(g).column(i)
            want = [getattr(arrow, k) for k in _FACTS]
            want[0] = bool(want[0])
            want[6] = want[6] if arrow.has_dictionary_page else 0
            assert [getattr(facts, k) for k in _FACTS] == want, (g, i)


def test_a_footer_this_module_does_not_read_is_none() -> None:
    """Cut, not Parquet, a length past the file, or an encrypted footer's magic: None, no error."""
    buf = io.BytesIO()
    pq.write_table(pa.table({"a": [1, 2]}), buf)
    data = buf.getvalue()
    length = int.from_bytes(data[-8:-4], "little")
    for broken in (b"", b"PAR1", data[:-3], data[:-8] + b"\xff\xff\xff\x7fPAR1", data[:-4] + b"PARE",
                   data[: -8 - length] + b"\x19" * length + data[-8:]):
        assert footer_chunks(io.BytesIO(broken)) is None
