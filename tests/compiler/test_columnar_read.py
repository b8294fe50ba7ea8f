"""The columnar reader's helpers: insurance years looked up over the dates' span are the ones
worked out date by date; texts through a dictionary compare as the texts do; null slots; each
claim's bill and bad lines as its own lines say."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.compiler.claim_fields import MAX_AMOUNT_FEN, MAX_LINE_FEN
from yibao.compiler.columnar_read import (
    _codes,
    _enum,
    _insurance_years,
    _line_figures,
    _map_columns,
    _nulls,
    _outside,
    _years_of,
    zeros,
)
from yibao.compiler.runtime_columnar import Texts

_DAY = st.integers(dt.date(2000, 1, 1).toordinal(), dt.date(2040, 12, 31).toordinal())


@settings(max_examples=60, deadline=None)
@given(days=st.lists(_DAY, min_size=1, max_size=40), far=st.booleans(),
       start=st.tuples(st.integers(1, 12), st.integers(1, 28)))
def test_looked_up_years_are_the_years_of_each_date(days: list[int], far: bool,
                                                    start: tuple[int, int]) -> None:
    if far:  # a date centuries away: each date is worked out alone
        days = [*days, dt.date(2999, 6, 1).toordinal()]
    ordinals = np.array(days, dtype=np.int64)
    want = [d.year if (d.month, d.day) >= start else d.year - 1 for d in map(dt.date.fromordinal, days)]
    assert _insurance_years(ordinals, start).tolist() == want == _years_of(ordinals, start).tolist()


def test_texts_compare_as_the_texts_do() -> None:
    col = pa.array(["implant", None, "drug", "implant", "drug"]).dictionary_encode()
    words = np.array([*col.dictionary.to_pylist(), ""], dtype=str)
    texts = Texts(words, _codes(col.indices, len(col.dictionary)))
    plain = np.array(["implant", "", "drug", "implant", "drug"])
    assert (texts == "implant").tolist() == (plain == "implant").tolist()
    assert (texts != "drug").tolist() == (plain != "drug").tolist()
    assert np.asarray(texts[np.array([4, 1])]).tolist() == ["drug", ""]
    assert np.isin(texts, ["drug", "x"]).tolist() == np.isin(plain, ["drug", "x"]).tolist()


def test_null_slots_of_sliced_and_dictionary_columns() -> None:
    values = [1, None, 3, None, None, 6, 7, None, 9, 10, None]
    arr = pa.array(values, pa.int64())
    for start in range(4):
        part = arr.slice(start, 7)
        assert _nulls(part).tolist() == [v is None for v in values[start : start + 7]]
    with_null_text = pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 0], pa.int8()),
                                                    pa.array(["a", None]))
    assert _nulls(with_null_text).tolist() == [False, True, True, False]
    full = pa.array([*range(128), None], pa.int8())  # 128 texts: a null's index is past int8's reach
    assert _codes(full, 128).tolist() == [*range(128), 128]


_KEYS = ("basic.deductible", "basic.paid", "critical.base", "critical.paid")
_AMOUNT = st.one_of(st.integers(-5, 10**6), st.sampled_from([MAX_AMOUNT_FEN, MAX_AMOUNT_FEN + 1]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.tuples(st.sampled_from(_KEYS), _AMOUNT), max_size=5)),
                min_size=1, max_size=30),
       st.booleans(), st.booleans())
def test_map_columns_as_each_rows_entries_say(rows: list[list[tuple[str, int]] | None], same: bool,
                                              encoded: bool) -> None:
    """Per key its column, each row's count, whether the row is bad (a repeated key, an amount out
    of range) and where the key is: the same whichever path (same keys in the same order or not)."""
    if same:  # the layout yibao writes: every row with entries has the same keys in the same order
        first = next((r for r in rows if r), [])
        order = list(dict.fromkeys(k for k, _ in first))
        rows = [None if r is None else [(k, v) for k, (_, v) in zip(order, r * len(order), strict=False)]
                if r else r for r in rows]
    col = pa.array(rows, pa.map_(pa.string(), pa.int64()))
    col = col.fill_null([]) if col.null_count else col
    if encoded:
        keys = pa.array(col.keys).dictionary_encode()
        col = pa.MapArray.from_arrays(col.offsets, keys, col.items)
    out, count, bad, present = _map_columns(col, len(rows))
    for i, r in enumerate(rows):
        entries = r or []
        assert count[i] == len(entries)
        keys = [k for k, _ in entries]
        assert bad[i] == (len(set(keys)) < len(keys) or any(not 0 <= v <= MAX_AMOUNT_FEN for _, v in entries))
        for k in set(keys):
            assert present[k][i]
            if keys.count(k) == 1:
                assert out[k][i] == dict(entries)[k]
        for k in set(out) - set(keys):
            assert not present[k][i] and out[k][i] == 0


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D"])), max_size=40), st.booleans(),
       st.sampled_from(["", "B"]), st.booleans())
def test_an_enum_column_as_each_value_says(values: list[str | None], encoded: bool, fill: str,
                                           null_word: bool) -> None:
    """Each row's index among the allowed values (a null: ``fill``'s) and whether it is one."""
    col = pa.array(values, pa.string())
    if encoded:
        col = col.dictionary_encode()
        if null_word and len(col):  # a null among the dictionary's texts stands for a null row
            words = pa.array([*col.dictionary.to_pylist(), None], pa.string())
            indices = pa.array([len(words) - 1 if v is None else i for v, i in
                                zip(values, col.indices.to_pylist(), strict=True)], pa.int32())
            col = pa.DictionaryArray.from_arrays(indices, words)
    allowed = ("A", "B", "C")
    mapped, ok = _enum(col, fill, allowed)
    if ok is None:  # every row allowed
        ok = np.ones(len(values), dtype=bool)
    for i, v in enumerate(values):
        word = fill if v is None else v
        assert ok[i] == (word in allowed)
        assert mapped[i] == (allowed.index(word) if word in allowed else 0)


_INT64 = st.integers(-(2**63), 2**63 - 1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_INT64, st.integers(-3, MAX_AMOUNT_FEN + 3)), max_size=30),
       st.sampled_from([(0, MAX_AMOUNT_FEN), (1, 9999), (-5, 5), (0, 0)]))
def test_outside_a_range_as_two_comparisons_say(values: list[int], bounds: tuple[int, int]) -> None:
    """One unsigned comparison flags what ``< low`` or ``> high`` would, at int64's ends too."""
    low, high = bounds
    v = np.array(values, dtype=np.int64)
    with np.errstate(over="ignore"):
        assert _outside(v, low, high).tolist() == ((v < low) | (v > high)).tolist()


def test_kept_zeros_are_zeros_and_cannot_be_written() -> None:
    """A reused run of zeros: of the length asked, all zero, read-only (a write would change every
    later chunk's), also past the length kept for reuse."""
    for n, dtype in ((0, np.int64), (5, bool), (70_000, np.int64), ((1 << 22) + 1, np.int8)):
        z = zeros(n, dtype)
        assert len(z) == n and z.dtype == np.dtype(dtype) and not z.any()
        assert not z.flags.writeable


_EDGES = st.sampled_from([-1, MAX_LINE_FEN, MAX_LINE_FEN + 1, -(2**63)])
_LINE = st.tuples(st.one_of(st.none(), st.sampled_from(["A", "B", "C", "X"])),
                  st.one_of(st.integers(0, 10**6), _EDGES))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_LINE, max_size=5), max_size=12), st.booleans())
def test_each_claims_bill_and_bad_lines_as_its_lines_say(claims: list[list[tuple[str | None, int]]],
                                                           encoded: bool) -> None:
    """A claim's bill is the sum of its lines (0 without lines), each line's code its category's
    index, and a claim is flagged exactly where one of its lines has no category or an amount
    outside 0 .. MAX_LINE_FEN: found from the flagged lines alone, claims without lines among them."""
    flat = [line for claim in claims for line in claim]
    cat = pa.array([c for c, _ in flat], pa.string())
    if encoded:
        cat = cat.dictionary_encode()
    amounts = np.array([a for _, a in flat], dtype=np.int64)
    offsets = np.cumsum([0, *(len(c) for c in claims)]).astype(np.int64)
    bad = np.zeros(len(claims), dtype=bool)
    codes, total = _line_figures(cat, amounts, offsets, bad)
    assert codes.tolist() == ["ABC".index(c) if c in ("A", "B", "C") else 0 for c, _ in flat]
    for i, claim in enumerate(claims):
        wrong = any(c not in ("A", "B", "C") or not 0 <= a <= MAX_LINE_FEN for c, a in claim)
        assert bad[i] == wrong
        if not wrong:
            assert total[i] == sum(a for _, a in claim)
