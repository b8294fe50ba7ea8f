"""Claim files by format: a small registry, name → reader and writer, over Arrow tables.

Every reader yields chunks of claims as Arrow tables (``columnar_format.CLAIM_SCHEMA`` or a
table ``columnar_format.normalise`` brings to it), at most ``chunk`` rows each, so that a
file of any size is read in bounded memory; every writer takes such chunks and writes the
file whole or not at all (a temporary file or folder renamed into place). Another format
(the national platform's shapes) is added with ``register(Format(...))``.

- ``json``: one claim, or a JSON array of claims (read whole: a JSON array cannot be streamed)
- ``jsonl``: a claim per line
- ``parquet``: a Parquet file, or a folder of them (a dataset, read in name order)
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from yibao.compiler.claim_fields import MAX_ISSUES
from yibao.dsl.claims_zh import reason as os_text
from yibao.dsl.errors import ClaimError, ClaimIssue
from yibao.dsl.phrase import Names, P
from yibao.output import OutputError, open_output
from yibao.parquet_checks import checked_batch

if TYPE_CHECKING:
    import pyarrow as pa

    from yibao.compiler import columnar_format as F


class _OnFirstUse:
    """A module imported when one of its names is first read: the ``yibao`` command registers
    ``convert`` and ``batch`` (which name the formats here) at start-up, and ``yibao --version`` or
    ``yibao check`` must not pay for importing pyarrow and NumPy."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


if not TYPE_CHECKING:
    pa = _OnFirstUse("pyarrow")
    F = _OnFirstUse("yibao.compiler.columnar_format")

CHUNK = 65_536  # claims per chunk: a few tens of MB of Arrow data at most
ROW_GROUP = 262_144  # rows per Parquet row group written (chunks are gathered up to it)
# Parquet pages compressed with LZ4 (LZ4_RAW): against Snappy, the claims' line columns decode in
# a quarter less CPU and the files are smaller, writing costs the same (benchmarks/README.md)
COMPRESSION = "lz4"
# line field → may a column chunk of it be left unread, given its leaf's schema (``ColumnSchema``)
# and every value but null it can hold (``parquet_pages.dictionary_values``)
Skippable = Mapping[str, Callable[[Any, list[Any]], bool]]
# text columns that are read dictionary-encoded: few distinct values, each decoded and judged once


@dataclass(frozen=True)
class Format:
    """A claim format: how to read chunks of claims from a path and write them to one."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[Path, int], Iterator[pa.Table]]
    write: Callable[[Path, Iterable[pa.Table]], None]
    help: str
    # reading to settle: ``read_settling(path, chunk, skippable)`` may leave out the line fields
    # ``skippable`` clears and dictionary-encode texts (``columnar_read`` takes both); None: ``read``
    read_settling: Callable[[Path, int, Skippable | None], Iterator[pa.Table]] | None = None


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> None:
    FORMATS[fmt.name] = fmt


def guess(path: Path, given: str | None, *, reading: bool) -> Format:
    """The format ``given`` by name, or the one the path's suffix names (a folder: a Parquet dataset)."""
    if given is not None:
        if given not in FORMATS:
            raise ClaimError([ClaimIssue("$", P("unknown format `{given}`; known: {names}", given=given,
                                                names=Names(tuple(FORMATS))))],
                             str(path))
        return FORMATS[given]
    for fmt in FORMATS.values():
        if path.suffix in fmt.suffixes:
            return fmt
    if (reading and path.is_dir()) or (not reading and path.suffix == ""):
        return FORMATS["parquet"]
    raise ClaimError([ClaimIssue("$",
                                 P("cannot tell the format from the name; give --from/--to (one of {names})",
                                        names=Names(tuple(FORMATS))))], str(path))


# ------------------------------------------------------------ json, jsonl
def _read_json(path: Path, chunk: int) -> Iterator[pa.Table]:
    from yibao.compiler.json_input import load_claim_json

    data = load_claim_json(path, max_bytes=2**62)
    items = data if isinstance(data, list) else [data]
    many = isinstance(data, list)
    issues: list[ClaimIssue] = []
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        yield from _tables([((f"{path}[{start + i}]" if many else str(path)), item)
                            for i, item in enumerate(part)], issues)
        if len(issues) >= MAX_ISSUES:
            break
    _raise_issues(issues, path)


def _read_jsonl(path: Path, chunk: int) -> Iterator[pa.Table]:
    from yibao.compiler.json_input import decode_json

    try:
        f = path.open("rb")
    except OSError as err:
        raise ClaimError([ClaimIssue("$", P("cannot read: {reason}",
                                            reason=os_text(err.strerror) if err.strerror else str(err)))],
                         str(path)) from None
    issues: list[ClaimIssue] = []  # in the lines' order, whatever the chunks
    with f:
        rows: list[dict[str, Any]] = []
        held = 0  # claims read into this chunk
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            held += 1
            try:
                rows += F.claim_rows([(where, decode_json(line, where))], issues)
            except ClaimError as err:  # not a claim's JSON: the next lines are read on all the same
                issues.extend(i.at(f"{where}: {i.path}") for i in err.issues)
            if held == chunk:
                if not issues:
                    yield pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA)
                rows, held = [], 0
            if len(issues) >= MAX_ISSUES:
                break
        if held and not issues:
            yield pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA)
    _raise_issues(issues, path)


def _tables(items: list[tuple[str, Any]], issues: list[ClaimIssue]) -> Iterator[pa.Table]:
    """The claims as a table; none once the file has shown a bad claim (its claims' issues are
    added to ``issues``, and the reading goes on to find every bad claim, whatever the chunks)."""
    try:
        table = F.claims_to_table(items)
    except ClaimError as err:
        issues.extend(err.issues)
        return
    if not issues:
        yield table


def _raise_issues(issues: list[ClaimIssue], path: Path) -> None:
    if issues:
        raise F.ClaimsRejected(issues[:MAX_ISSUES], str(path), what="claims")


# ------------------------------------------------------------ parquet
def parquet_files(path: Path) -> list[Path]:
    """A Parquet file, or the ``.parquet`` files of a dataset folder in name order."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*.parquet") if p.is_file())
    return [path]


def read_parquet_tables(path: Path, chunk: int) -> Iterator[pa.Table]:
    """Chunks of a Parquet file or dataset as they are in the file (any table)."""
    import pyarrow.parquet as pq

    for file in parquet_files(path):
        try:
            pf = pq.ParquetFile(file)
            batches = pf.iter_batches(batch_size=chunk)
            for batch in batches:
                yield pa.Table.from_batches([checked_batch(batch, file)])
        except (pa.ArrowException, OSError, UnicodeDecodeError) as err:  # a footer's names: bytes
            raise ClaimError([ClaimIssue("$", P("cannot read as Parquet: {reason}", reason=str(err)))],
                             str(file)) from None


def _read_parquet(path: Path, chunk: int) -> Iterator[pa.Table]:
    """The columnar schema; also the JSON-shaped nested columns (``person``, ``visit`` …) of older
    ``yibao sample-claims -o x.parquet`` files, and a single ``claim`` column of JSON texts."""
    from yibao.impact import _drop_nulls

    seen = 0
    for table in read_parquet_tables(path, chunk):
        if "person" in table.column_names or table.column_names == ["claim"]:
            rows = table.to_pylist()
            items = [(f"{path}[{seen + i}]",
                      json.loads(r["claim"]) if list(r) == ["claim"] else _drop_nulls(r))
                     for i, r in enumerate(rows)]
            yield F.claims_to_table(items)
        else:
            yield F.normalise(table)
        seen += table.num_rows


def _legacy(schema: pa.Schema) -> bool:
    """The JSON-shaped layout older ``sample-claims`` wrote, or a column of JSON texts."""
    return "person" in schema.names or schema.names == ["claim"]


def _read_parquet_settling(path: Path, chunk: int, skippable: Skippable | None) -> Iterator[pa.Table]:
    """Chunks of claims to settle, as ``_read_parquet`` gives them but cheaper to read: text
    columns dictionary-encoded (the checks judge each distinct value once), and a line field left
    unread where ``skippable`` clears what every row group's column chunk of it can hold (a field
    without a value in the file, texts or a range the checks would pass: ``leaves_to_read``): the
    reader then sees it as nulls, which the checks treat alike. Row groups smaller than ``chunk``
    are gathered into chunks; one thread."""
    import pyarrow.parquet as pq

    files = parquet_files(path)
    try:
        if any(_legacy(pq.read_schema(file)) for file in files):
            yield from _read_parquet(path, chunk)
            return
        for file in files:
            yield from _file_chunks(file, chunk, skippable)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as err:  # a footer's names: bytes
        raise ClaimError([ClaimIssue("$", P("cannot read as Parquet: {reason}", reason=str(err)))],
                         str(path)) from None


def leaves_to_read(file: Path, skippable: Skippable | None) -> tuple[list[str] | None, list[str]]:
    """Of a Parquet file: the leaf columns to read (None: all), and the text ones to read
    dictionary-encoded. A line
    field is left out where ``skippable`` clears what every row group's column chunk of it can
    hold: its dictionary page's values, all its data pages being dictionary-encoded (never
    the footer's statistics, which a writer may fill with anything)."""
    columns, texts, _stand_ins = reading_plan(file, skippable)
    return columns, texts


def reading_plan(file: Path,
                 skippable: Skippable | None) -> tuple[list[str] | None, list[str], dict[str, str]]:
    """``leaves_to_read``'s, and the line fields left out that are read as a value instead of
    nulls (``stand_in`` judges: field → one of the values every line of the file has)."""
    import pyarrow.parquet as pq

    with file.open("rb") as source:
        return _leaves(pq.ParquetFile(source).metadata, skippable, source)


def _leaves(meta: Any, skippable: Skippable | None,
            source: IO[bytes]) -> tuple[list[str] | None, list[str], dict[str, str]]:
    from yibao.parquet_pages import dictionary_values, every_value_present, footer_chunks

    schema = meta.schema
    leaves = [schema.column(i) for i in range(len(schema))]
    unread = set()
    stand_ins: dict[str, str] = {}
    chunks = footer_chunks(source) if skippable is not None and meta.num_row_groups else None
    if chunks is not None and (len(chunks) != meta.num_row_groups
                               or any(len(c) != len(leaves) for c in chunks)):
        chunks = None  # not the footer Arrow read: nothing is left unread
    for i, leaf in enumerate(leaves):
        parts = leaf.path.split(".")
        judge = skippable.get(parts[-1]) if skippable is not None and parts[0] == "lines" else None
        if judge is None or len(parts) < 3 or chunks is None:
            continue
        present = getattr(judge, "stand_in", False)  # to be left out, every line must have a value
        first = None
        for g in range(meta.num_row_groups):
            chunk = chunks[g][i]  # not meta.row_group(g).column(i): see footer_chunks
            values = dictionary_values(source, chunk, leaf.physical_type)
            if values is None or not judge(leaf, values):
                break
            if present and not (values and every_value_present(source, chunk, leaf.max_definition_level,
                                                               leaf.max_repetition_level)):
                break
            first = first if first is not None else next(iter(values), None)
        else:
            unread.add(leaf.path)
            if present:
                stand_ins[parts[-1]] = first
    columns = [leaf.path for leaf in leaves if leaf.path not in unread] if unread else None
    texts = [leaf.path for leaf in leaves if leaf.physical_type == "BYTE_ARRAY"
             and str(leaf.logical_type) == "String" and leaf.path.split(".")[0] not in F.PLAIN_TEXTS]
    return columns, texts, stand_ins


def _file_chunks(file: Path, chunk: int, skippable: Skippable | None) -> Iterator[pa.Table]:
    import pyarrow.parquet as pq

    columns, texts, stand_ins = reading_plan(file, skippable)
    pf = pq.ParquetFile(file, read_dictionary=texts)
    held: list[pa.Table] = []
    rows = 0
    for g in range(pf.num_row_groups):  # a batch within one row group: its dictionaries are one
        for batch in pf.iter_batches(batch_size=chunk, row_groups=[g], columns=columns, use_threads=False):
            held.append(_standing_in(pa.Table.from_batches([checked_batch(batch, file)]), stand_ins))
            rows += batch.num_rows
            while rows >= chunk:
                table = pa.concat_tables(held) if len(held) > 1 else held[0]
                yield F.normalise(table.slice(0, chunk))
                rest = table.slice(chunk)
                held, rows = ([rest] if rest.num_rows else []), rows - chunk
    if rows:
        yield F.normalise(pa.concat_tables(held) if len(held) > 1 else held[0])


def _standing_in(table: pa.Table, stand_ins: dict[str, str]) -> pa.Table:
    """``table`` with each line field of ``stand_ins`` as its value on every line (the field was
    left unread: every line of the file has one, each passing the field's checks)."""
    if not stand_ins or "lines" not in table.column_names:
        return table
    import numpy as np

    from yibao.compiler.columnar_read import zeros  # every line's index 0, no array made per chunk

    lines = F.single(table.column("lines"))
    child = lines.values
    n = len(child)
    names = [child.type.field(k).name for k in range(child.type.num_fields)]
    fields = [child.field(k) for k in range(len(names))]
    for name, value in stand_ins.items():
        indices = pa.array(zeros(n, np.int32))
        fields.append(pa.DictionaryArray.from_arrays(indices, pa.array([value], pa.string())))
        names.append(name)
    struct = pa.StructArray.from_arrays(fields, names=names,
                                        mask=child.is_null() if child.null_count else None)
    lines = pa.ListArray.from_arrays(lines.offsets, struct, type=pa.list_(struct.type),
                                     mask=lines.is_null() if lines.null_count else None)
    return table.set_column(table.column_names.index("lines"), "lines", lines)


@contextmanager
def table_sink(path: Path, kind: str, schema: pa.Schema,
               rows: Callable[[pa.Table], Iterable[dict[str, Any]]],
               dictionary: bool | list[str] = True,
               statistics: bool | list[str] = True,
               encoding: dict[str, str] | None = None,
               compression: str | dict[str, str] = COMPRESSION) -> Iterator[Callable[[pa.Table], None]]:
    """A function that takes tables for ``path``, written whole when the block ends without error
    (nothing at ``path`` changes otherwise). ``kind``: json, jsonl or parquet (a ``.parquet``
    name is one file, any other a dataset folder); ``rows`` turns a table into JSON objects.
    One Parquet file gets row groups of ``ROW_GROUP`` rows whatever the tables' sizes;
    ``dictionary``: the columns worth dictionary-encoding (few distinct values), or all, or none;
    ``statistics``: the columns whose row groups get a minimum and maximum (the ones a reader
    filters by; they cost CPU to write), or all, or none; ``encoding``: column → Parquet encoding
    for columns not dictionary-encoded; ``compression``: the pages' codec, or column → codec."""
    import pyarrow.parquet as pq

    if kind in ("json", "jsonl"):
        with open_output(path, parents=True) as f:
            count = [0]

            def put_json(table: pa.Table) -> None:
                for item in rows(table):
                    text = json.dumps(item, ensure_ascii=False)
                    if kind == "jsonl":
                        f.write(text + "\n")
                    else:
                        f.write(("," if count[0] else "[") + "\n  " + text)
                    count[0] += 1

            yield put_json
            if kind == "json":
                f.write("\n]\n" if count[0] else "[]\n")
        return
    if path.suffix:
        with open_output(path, binary=True, parents=True) as f:
            writer = pq.ParquetWriter(f, schema, use_dictionary=dictionary, compression=compression,
                                      write_statistics=statistics, column_encoding=encoding)
            held: list[pa.Table] = []
            count = [0]

            def put_rows(table: pa.Table) -> None:
                held.append(table.cast(schema))
                count[0] += table.num_rows
                if count[0] >= ROW_GROUP:
                    whole = pa.concat_tables(held)
                    full = count[0] - count[0] % ROW_GROUP
                    writer.write_table(whole.slice(0, full), row_group_size=ROW_GROUP)
                    rest = whole.slice(full)
                    held[:] = [rest] if rest.num_rows else []
                    count[0] = rest.num_rows

            try:
                yield put_rows
                if held:
                    writer.write_table(pa.concat_tables(held), row_group_size=ROW_GROUP)
            finally:
                writer.close()
        return
    with dataset_folder(path) as tmp:
        parts = [0]
        pending: list[pa.Table] = []  # small tables gathered into a part of CHUNK rows or more

        def write_part() -> None:
            whole = pa.concat_tables([t.cast(schema) for t in pending])
            pq.write_table(whole, tmp / f"part-{parts[0]:05d}.parquet", row_group_size=ROW_GROUP,
                           use_dictionary=dictionary, compression=compression, write_statistics=statistics,
                           column_encoding=encoding)
            parts[0] += 1
            pending.clear()

        def put_part(table: pa.Table) -> None:
            if table.num_rows:
                pending.append(table)
                if sum(t.num_rows for t in pending) >= CHUNK:
                    write_part()

        yield put_part
        if pending or not parts[0]:
            pending.append(schema.empty_table())
            write_part()


class dataset_folder:
    """A new folder written beside ``path`` and renamed onto it when complete (an old folder at
    ``path`` is replaced only then); on failure ``path`` is as it was."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Path:
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(self.path, "is a file; a Parquet dataset is a folder (give a .parquet name "
                                         "for one file)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent))
        except OSError as err:
            raise OutputError(self.path, err.strerror or str(err)) from None
        return self.tmp

    def __exit__(self, kind: Any, err: Any, tb: Any) -> None:
        if kind is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        try:
            if self.path.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.old.", dir=self.path.parent))
                os.rename(self.path, old / "data")
            os.rename(self.tmp, self.path)
        except OSError as exc:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise OutputError(self.path, exc.strerror or str(exc)) from None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _writer(kind: str) -> Callable[[Path, Iterable[pa.Table]], None]:
    def write(path: Path, tables: Iterable[pa.Table]) -> None:
        """Claims written as ``CLAIM_FILE_SCHEMA``: a claim without a value it requires (a table
        read from Parquet may hold one; JSON claims are refused when read) is refused, by row."""
        seen = 0
        issues: list[ClaimIssue] = []  # every chunk's, as the readers report them
        chunks = iter(tables)

        def claims(table: pa.Table) -> list[dict[str, Any]]:  # called within put: rows counted on
            return F.table_to_claims(table, seen)

        try:
            with table_sink(path, kind, F.CLAIM_FILE_SCHEMA, claims) as put:
                for table in chunks:
                    issues += F.required_issues(table, seen)
                    if len(issues) >= MAX_ISSUES:
                        break
                    if not issues:
                        put(table)
                    seen += table.num_rows
                if issues:
                    raise F.ClaimsRejected(issues[:MAX_ISSUES], what="claims")
        finally:
            close = getattr(chunks, "close", None)  # a reader left part-read: its file closed now
            if close is not None:
                close()

    return write


register(Format("json", (".json",), _read_json, _writer("json"), "a claim, or a JSON array of claims"))
register(Format("jsonl", (".jsonl",), _read_jsonl, _writer("jsonl"), "JSON lines: a claim per line"))
register(Format("parquet", (".parquet",), _read_parquet, _writer("parquet"),
                "a Parquet file, or a folder of Parquet files (a dataset)", _read_parquet_settling))

__all__ = ["CHUNK", "COMPRESSION", "FORMATS", "ROW_GROUP", "Format", "guess", "register"]
