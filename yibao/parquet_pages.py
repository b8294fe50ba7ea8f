"""What a Parquet column chunk can hold, read from its page headers and dictionary page alone.

A column chunk whose data pages are all dictionary-encoded holds, in every non-null slot, one of
its dictionary page's values (an index past the dictionary is a corrupt file). So a check that
judges each value alone (a text's length, a number's range) can be made once per dictionary
value instead of once per row, and a column whose dictionary is empty holds only nulls. Unlike
the footer's statistics, which a writer may fill with anything, the page headers are what every
reader decodes the values by. Reading them costs a few small reads per column chunk, against
decoding every value (and the lists' levels) of it.

Only what this module can show is claimed: any other layout (a plain-encoded page, an unknown
codec or page type, a header it cannot parse, counts that do not add up) gives None, and the
caller reads the column as usual.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pyarrow as pa

_DATA, _DICTIONARY, _DATA_V2 = 0, 2, 3  # PageType
_RLE = 3  # Encoding: the levels' RLE/bit-packed hybrid
_DICTIONARY_ENCODINGS = frozenset({2, 8})  # PLAIN_DICTIONARY, RLE_DICTIONARY (indices)
_PLAIN_VALUES = frozenset({0, 2})  # a dictionary page's own values: PLAIN (or PLAIN_DICTIONARY)
_CODECS = {"SNAPPY": "snappy", "GZIP": "gzip", "ZSTD": "zstd", "BROTLI": "brotli", "LZ4": "lz4_raw"}
_HEADER = 1 << 12  # bytes read for a page header first; more only for one with large statistics
_MAX_HEADER = 1 << 20
_MAX_DICTIONARY = 64 << 20  # a dictionary page larger than this is read the usual way
_MAX_DEPTH = 16  # structs and lists within a header


class _Short(Exception):
    """The header runs past the bytes read so far."""


class _Bad(Exception):
    """Not a header this module reads."""


class _Compact:
    """Just enough of Thrift's compact protocol to read a ``PageHeader``: i32 fields by id,
    nested structs, every other field skipped."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.depth = data, 0, 0

    def byte(self) -> int:
        pos = self.pos
        if pos >= len(self.data):
            raise _Short
        self.pos = pos + 1
        return self.data[pos]

    def varint(self) -> int:
        data, pos = self.data, self.pos
        out = shift = 0
        while pos < len(data):
            b = data[pos]
            pos += 1
            out |= (b & 0x7F) << shift
            if not b & 0x80:
                self.pos = pos
                return out
            shift += 7
            if shift > 63:
                raise _Bad
        raise _Short

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def read_struct(self) -> dict[int, Any]:
        """Field id → value: an int for integer fields, a dict for a struct, True/False, else None."""
        fields: dict[int, Any] = {}
        last = 0
        self.depth += 1
        if self.depth > _MAX_DEPTH:  # a PageHeader nests 3 deep; a hostile one must not recurse far
            raise _Bad
        while True:
            head = self.byte()
            if head == 0:
                self.depth -= 1
                return fields
            kind, delta = head & 0x0F, head >> 4
            fid = last + delta if delta else self.zigzag()
            last = fid
            fields[fid] = self.value(kind)

    def value(self, kind: int) -> Any:
        if kind in (1, 2):  # booleans, in the type nibble
            return kind == 1
        if kind == 3:
            self.byte()
            return None
        if kind in (4, 5, 6):
            return self.zigzag()
        if kind == 7:
            self.skip(8)
            return None
        if kind == 8:
            self.skip(self.varint())
            return None
        if kind in (9, 10):  # a list or set: its items (each at least a byte, so a size is bounded)
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise _Bad
            head = self.byte()
            size, elem = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            if size > len(self.data) - self.pos:
                raise _Short
            if elem in (1, 2):  # a list's booleans are a byte each (a field's are in its type nibble)
                items = [self.byte() == 1 for _ in range(size)]
            else:
                items = [self.value(elem) for _ in range(size)]
            self.depth -= 1
            return items
        if kind == 11:
            size = self.varint()
            if size:
                types = self.byte()
                for _ in range(size):
                    self.value(types >> 4)
                    self.value(types & 0x0F)
            return None
        if kind == 12:
            return self.read_struct()
        raise _Bad

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > len(self.data):
            raise _Short
        self.pos += n


@dataclass(frozen=True)
class ChunkFacts:
    """What this module reads of a column chunk's metadata, by the names of Arrow's
    ``ColumnChunkMetaData`` (which ``dictionary_values`` and ``every_value_present`` also take)."""

    file_path: bool  # its pages are in another file
    compression: str  # Arrow's name of the codec; "?" for one this module does not know
    num_values: int
    total_compressed_size: int
    data_page_offset: int
    has_dictionary_page: bool
    dictionary_page_offset: int


# Thrift ``CompressionCodec`` → Arrow's name (Arrow calls LZ4_RAW "LZ4"; Hadoop's LZ4 is another)
_CODEC_NAMES = {0: "UNCOMPRESSED", 1: "SNAPPY", 2: "GZIP", 3: "LZO", 4: "BROTLI", 5: "LZ4_HADOOP",
                6: "ZSTD", 7: "LZ4"}
_MAX_FOOTER = 64 << 20


def footer_chunks(f: IO[bytes]) -> list[list[ChunkFacts]] | None:
    """Each row group's column chunks, in leaf order, read from the file's footer by this module's
    Thrift reader; None where the footer is not one it reads (encrypted, too large, malformed).

    Arrow's own metadata objects are not used to probe: pyarrow builds a ``ColumnChunkMetaData``
    without turning a C++ exception into a Python one, so a chunk whose metadata is corrupt (a
    size statistics' level histogram of the wrong length) aborts the process (pyarrow 26), where
    reading the column raises ``OSError``."""
    try:
        f.seek(0, 2)
        size = f.tell()
        if size < 12:
            return None
        f.seek(size - 8)
        tail = f.read(8)
        length = int.from_bytes(tail[:4], "little")
        if tail[4:] != b"PAR1" or not 0 < length <= min(size - 12, _MAX_FOOTER):
            return None
        f.seek(size - 8 - length)
        meta = _Compact(f.read(length)).read_struct()
        groups = []
        for group in meta.get(4) or []:
            chunks = []
            for chunk in group.get(1) if isinstance(group, dict) else ():
                cmd = chunk.get(3) if isinstance(chunk, dict) else None
                if not isinstance(cmd, dict):
                    return None
                ints = [cmd.get(k) for k in (4, 5, 7, 9)]
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
                    return None
                codec, values, compressed, data = ints
                dictionary = cmd.get(11)
                has = isinstance(dictionary, int) and not isinstance(dictionary, bool)
                chunks.append(ChunkFacts(1 in chunk, _CODEC_NAMES.get(codec, "?"), values, compressed, data,
                                         has, dictionary if has else 0))
            groups.append(chunks)
        return groups
    except (_Bad, _Short, OSError, RecursionError):
        return None


def _header(f: IO[bytes], at: int, end: int) -> tuple[dict[int, Any], int]:
    """The page header at ``at`` and where its page's bytes start."""
    size = _HEADER
    while True:
        f.seek(at)
        data = f.read(min(size, end - at))
        try:
            reader = _Compact(data)
            return reader.read_struct(), at + reader.pos
        except _Short:
            if size >= _MAX_HEADER or len(data) < size:
                raise _Bad from None
            size *= 4


def _span(column: Any) -> tuple[int, int] | None:
    """Where a column chunk's pages lie (its dictionary page first, if any), when they are in this
    file and compressed by a codec this module reads; None otherwise."""
    if column.file_path:
        return None
    if column.compression != "UNCOMPRESSED" and column.compression not in _CODECS:
        return None
    start = column.data_page_offset
    if column.has_dictionary_page and 0 < column.dictionary_page_offset < start:
        start = column.dictionary_page_offset
    return start, start + column.total_compressed_size


def _pages(f: IO[bytes], start: int, end: int) -> Iterator[tuple[Any, dict[int, Any], int, int, int]]:
    """Each page from ``start`` to ``end``: its kind, header, where its body starts, its size and its
    uncompressed size. A page that does not fit (or sizes that are not counts) raises ``_Bad``."""
    at = start
    while at < end:
        header, body = _header(f, at, end)
        kind, raw_size, size = header.get(1), header.get(2), header.get(3)
        if not isinstance(size, int) or not isinstance(raw_size, int) or size < 0 or body + size > end:
            raise _Bad
        yield kind, header, body, size, raw_size
        at = body + size


def dictionary_values(f: IO[bytes], column: Any, physical_type: str) -> list[Any] | None:
    """Every value a column chunk (``ColumnChunkMetaData``) can hold but null, when all its data
    pages are dictionary-encoded: its dictionary page's values (``[]``: every slot is null);
    None when the pages do not show it. Texts are decoded strictly (an unpaired surrogate or bad
    UTF-8: None); BYTE_ARRAY gives ``str``, INT32/INT64 ``int``; other types: None."""
    span = _span(column)
    if physical_type not in ("BYTE_ARRAY", "INT32", "INT64") or span is None:
        return None
    codec = column.compression
    values: list[Any] | None = None
    counted = 0
    try:
        for kind, header, body, size, raw_size in _pages(f, *span):
            if kind == _DICTIONARY:
                page = header.get(7)
                if values is not None or counted or not isinstance(page, dict) \
                        or page.get(2) not in _PLAIN_VALUES or raw_size > _MAX_DICTIONARY:
                    return None
                f.seek(body)
                values = _plain(_inflate(f.read(size), codec, raw_size), page.get(1), physical_type)
                if values is None:
                    return None
            elif kind in (_DATA, _DATA_V2):
                page = header.get(5 if kind == _DATA else 8)
                encoding = page.get(2 if kind == _DATA else 4) if isinstance(page, dict) else None
                if encoding not in _DICTIONARY_ENCODINGS or values is None:
                    return None
                counted += page.get(1) if isinstance(page.get(1), int) else -(1 << 62)
            else:  # an index page, or a type this module does not know
                return None
    except (_Bad, OSError, pa.ArrowException, ValueError):
        return None
    return values if counted == column.num_values else None


def every_value_present(f: IO[bytes], column: Any, max_definition: int, max_repetition: int) -> bool:
    """Does every slot of a column chunk hold a value: is each definition level of its data pages
    the leaf's maximum (no null at any level: no missing list, entry or field)? True only where
    the pages show it: levels RLE-encoded, counts that add up; anything else gives False. For a
    field a settlement never reads whose every possible value passes its checks
    (``dictionary_values``), this is what reading it would tell: that no line lacks it."""
    span = _span(column)
    if span is None or max_definition < 1 or max_repetition < 0:
        return False
    codec = column.compression
    counted = 0
    width = max_definition.bit_length()
    try:
        for kind, header, body, size, raw_size in _pages(f, *span):
            if kind == _DATA:
                page = header.get(5)
                if not isinstance(page, dict) or page.get(3) != _RLE or raw_size > _MAX_DICTIONARY:
                    return False
                count = page.get(1)
                f.seek(body)
                data = _inflate(f.read(size), codec, raw_size)
                pos = 0
                if max_repetition:  # the repetition levels first, each run its byte length first
                    pos = 4 + int.from_bytes(data[:4], "little")
                length = int.from_bytes(data[pos : pos + 4], "little")
                levels = data[pos + 4 : pos + 4 + length]
                if pos + 4 + length > len(data):
                    return False
            elif kind == _DATA_V2:
                page = header.get(8)
                if not isinstance(page, dict):
                    return False
                count, length, skip = page.get(1), page.get(5), page.get(6)
                if not isinstance(length, int) or not isinstance(skip, int) or length < 0 or skip < 0 \
                        or skip + length > size:
                    return False
                f.seek(body + skip)  # the levels of a v2 page are never compressed
                levels = f.read(length)
            elif kind == _DICTIONARY:
                continue
            else:
                return False
            if not isinstance(count, int) or count < 0:
                return False
            if not _all_levels(levels, count, width, max_definition):
                return False
            counted += count
    except (_Bad, _Short, OSError, pa.ArrowException, ValueError):
        return False
    return counted == column.num_values


def _all_levels(data: bytes, count: int, width: int, want: int) -> bool:
    """Are the first ``count`` levels of an RLE/bit-packed hybrid run (``width`` bits each) all
    ``want``? (Runs past ``count``, or data that ends first: False.)"""
    reader = _Compact(data)
    nbytes = (width + 7) // 8
    seen = 0
    weights = 1 << np.arange(width)
    while seen < count:
        head = reader.varint()
        if head & 1:  # bit-packed: groups of 8 levels
            groups = head >> 1
            size = groups * width
            if not groups or reader.pos + size > len(data):
                return False
            bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8, count=size, offset=reader.pos),
                                 bitorder="little")
            values = bits.reshape(-1, width) @ weights
            take = min(groups * 8, count - seen)
            if not (values[:take] == want).all():
                return False
            seen += take
            reader.skip(size)
        else:  # one level repeated
            run = head >> 1
            if not run or reader.pos + nbytes > len(data):
                return False
            if int.from_bytes(data[reader.pos : reader.pos + nbytes], "little") != want:
                return False
            reader.skip(nbytes)
            seen += run
    return seen == count


def _inflate(data: bytes, codec: str, size: int) -> bytes:
    if codec == "UNCOMPRESSED":
        return data
    out = pa.Codec(_CODECS[codec]).decompress(data, decompressed_size=size)
    return out.to_pybytes()


def _plain(data: bytes, count: Any, physical_type: str) -> list[Any] | None:
    """``count`` PLAIN-encoded values of ``data``, or None if they are not exactly that."""
    if not isinstance(count, int) or count < 0:
        return None
    if physical_type != "BYTE_ARRAY":
        width = 4 if physical_type == "INT32" else 8
        if len(data) != count * width:
            return None
        return list(struct.unpack(f"<{count}{'i' if width == 4 else 'q'}", data))
    out: list[Any] = []
    pos = 0
    for _ in range(count):
        if pos + 4 > len(data):
            return None
        (n,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if pos + n > len(data):
            return None
        try:
            out.append(data[pos : pos + n].decode("utf-8"))
        except UnicodeDecodeError:
            return None
        pos += n
    return out if pos == len(data) else None
