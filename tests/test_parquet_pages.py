"""``parquet_pages.dictionary_values``: a column chunk's possible values from its dictionary page,
only when every data page is dictionary-encoded; None for anything else (the column is read)."""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.parquet_pages import dictionary_values


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
