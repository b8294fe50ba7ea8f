"""``parquet_checks``: what a Parquet batch of claims may hold. A string array is UTF-8 exactly
where the texts of its slice decode (the ASCII test and Arrow's check agree with Python's decoder);
a dictionary index past its dictionary is a flaw, in a list too, but not in a null's slot."""

from __future__ import annotations

from itertools import accumulate

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao import parquet_checks


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=6), max_size=12), st.integers(0, 4), st.integers(0, 4),
       st.booleans(), st.booleans())
def test_a_string_array_is_utf8_exactly_where_its_texts_decode(raw: list[bytes], skip: int, cut: int,
                                                               large: bool, nested: bool) -> None:
    """``parquet_checks._flaw``: the bytes its slice spans (the ASCII test first, Arrow's check after), in a
    list or not, are what decide: a bad text outside the slice does not count."""
    offsets = pa.array([0, *accumulate(map(len, raw))], pa.int64() if large else pa.int32())
    kind = pa.large_string() if large else pa.string()
    arr = pa.Array.from_buffers(kind, len(raw), [None, offsets.buffers()[1], pa.py_buffer(b"".join(raw))])
    arr = arr.slice(min(skip, len(raw)), max(len(raw) - skip - cut, 0))
    start = min(skip, len(raw))
    want = True
    for b in raw[start : start + len(arr)]:
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            want = False
    if nested:
        arr = pa.ListArray.from_arrays(pa.array([0, len(arr)], pa.int32()), arr)
    assert (parquet_checks._flaw(arr) is None) == want



@pytest.mark.parametrize("index", [0, 2, -1, 3])
def test_a_dictionary_index_past_its_dictionary_is_a_flaw(index: int) -> None:
    """A corrupt page can give a dictionary column an index past its dictionary, which Arrow reads
    as it is: a flaw, also in a list; a null's slot may hold any index."""
    words = pa.array(["A", "B", "C"])
    arr = pa.DictionaryArray.from_buffers(pa.dictionary(pa.int32(), pa.string()), 2,
                                          [None, pa.array([1, index], pa.int32()).buffers()[1]], words)
    ok = 0 <= index < 3
    assert (parquet_checks._flaw(arr) is None) == ok
    nested = pa.ListArray.from_arrays(pa.array([0, 2], pa.int32()), arr)
    assert (parquet_checks._flaw(nested) is None) == ok
    null = pa.DictionaryArray.from_buffers(pa.dictionary(pa.int32(), pa.string()), 2,
                                           [pa.array([True, False]).buffers()[1],
                                            pa.array([1, index], pa.int32()).buffers()[1]], words)
    assert parquet_checks._flaw(null) is None
