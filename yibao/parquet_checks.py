"""What a Parquet batch of claims may hold before anything reads it: texts that are UTF-8,
dictionary indices within their dictionaries, days of the years 1 to 9999.

Arrow reads a Parquet string's bytes, a dictionary-encoded column's indices and a date's day
count as the file's pages hold them, checked only on request (``validate(full=True)``, about four
times the cost of these checks: an ASCII text needs only a test of its bytes). A file that breaks
one of them is corrupt or not a claim file: it is refused naming the column, by every reader of
claims (``formats``, and ``yibao diff``'s whole-file reading), before code that would trip on it
(a ``str``, a lookup, a ``date``) or write it into the settlements as it came.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from yibao.dsl.errors import ClaimError, ClaimIssue
from yibao.dsl.phrase import P

if TYPE_CHECKING:
    import pyarrow as pa


def checked_batch(batch: pa.RecordBatch, file: Path) -> pa.RecordBatch:
    """``batch`` as read, when every text in it is UTF-8, every dictionary index within its
    dictionary and every date a day of the years 1 to 9999; else a ``ClaimError`` naming the file
    and the column. Arrow reads a Parquet string's bytes, a dictionary-encoded column's indices and
    a date's day count as the pages hold them: a broken text, an index past the dictionary or a
    day past 9999-12-31 would crash the first code to make it a ``str``, look it up or make it a
    ``date``, or be written into the settlements as it came. About 13 ms a million claims."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        flaw = _flaw(col)
        if flaw == "text":
            raise ClaimError([ClaimIssue("$", P("cannot read as Parquet: column `{name}` holds text that "
                                                "is not UTF-8", name=name))], str(file))
        if flaw == "index":
            raise ClaimError([ClaimIssue("$", P("cannot read as Parquet: column `{name}` holds an index "
                                                "past its dictionary", name=name))], str(file))
        if pa.types.is_date32(col.type) and len(col) > col.null_count:
            low, high = pc.min_max(col.cast(pa.int32())).values()
            if low.as_py() < _FIRST_DAY or high.as_py() > _LAST_DAY:
                raise ClaimError([ClaimIssue("$", P("cannot read as Parquet: column `{name}` holds a day "
                                                    "outside the years 1 to 9999", name=name))], str(file))
    return batch


_FIRST_DAY = -719162  # 0001-01-01 as days since 1970-01-01 (date32)
_LAST_DAY = 2932896  # 9999-12-31


def _flaw(arr: pa.Array) -> str | None:
    """What in ``arr`` (nested arrays too) Arrow would refuse on a full check and a reader of it
    trips on: "text" (not UTF-8), "index" (a dictionary index past its dictionary), or None."""
    import pyarrow as pa

    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return None if _ascii(arr) or _valid(arr) else "text"  # ids and codes mostly are ASCII
    if pa.types.is_dictionary(t):
        return _flaw(arr.dictionary) or (None if _indices_within(arr) or _valid(arr) else "index")
    if pa.types.is_map(t):
        return _flaw(arr.keys) or _flaw(arr.items)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _flaw(arr.values)
    if pa.types.is_struct(t):
        return next(filter(None, (_flaw(arr.field(k)) for k in range(t.num_fields))), None)
    return None


def _valid(arr: pa.Array) -> bool:
    import pyarrow as pa

    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _indices_within(arr: pa.Array) -> bool:
    """Does every index slot of a dictionary array, null or not, point into its dictionary? (A
    null's slot may hold anything: where one does not, Arrow's full check decides.)"""
    import numpy as np

    indices = arr.indices
    if len(indices) == 0:
        return True
    raw = np.frombuffer(indices.buffers()[1], np.dtype(indices.type.to_pandas_dtype()), len(indices),
                        indices.offset * indices.type.bit_width // 8)
    return bool(raw.min() >= 0 and raw.max() < len(arr.dictionary))


def _ascii(arr: pa.Array) -> bool:
    """Are a string array's bytes (those its offsets span) all ASCII, so UTF-8?"""
    import numpy as np
    import pyarrow as pa

    offsets, data = arr.buffers()[1:3]
    if offsets is None or data is None or len(arr) == 0:
        return True
    width = np.dtype(np.int64 if pa.types.is_large_string(arr.type) else np.int32)
    if offsets.size < (arr.offset + len(arr) + 1) * width.itemsize:
        return False  # too short an offsets buffer: Arrow's check says what is wrong
    start, stop = (int(np.frombuffer(offsets, width, 1, (arr.offset + k) * width.itemsize)[0])
                   for k in (0, len(arr)))
    if not 0 <= start <= stop <= data.size:
        return False  # offsets past the data: Arrow's check says what is wrong
    return bool(np.frombuffer(data, np.uint8, stop - start, start).max(initial=0) < 128)
