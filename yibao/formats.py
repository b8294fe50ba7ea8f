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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yibao.dsl.errors import ClaimError, ClaimIssue
from yibao.output import OutputError, open_output

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


@dataclass(frozen=True)
class Format:
    """A claim format: how to read chunks of claims from a path and write them to one."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[Path, int], Iterator[pa.Table]]
    write: Callable[[Path, Iterable[pa.Table]], None]
    help: str


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> None:
    FORMATS[fmt.name] = fmt


def guess(path: Path, given: str | None, *, reading: bool) -> Format:
    """The format ``given`` by name, or the one the path's suffix names (a folder: a Parquet dataset)."""
    if given is not None:
        if given not in FORMATS:
            raise ClaimError([ClaimIssue("$", f"unknown format `{given}`; known: " + ", ".join(FORMATS))],
                             str(path))
        return FORMATS[given]
    for fmt in FORMATS.values():
        if path.suffix in fmt.suffixes:
            return fmt
    if (reading and path.is_dir()) or (not reading and path.suffix == ""):
        return FORMATS["parquet"]
    raise ClaimError([ClaimIssue("$", "cannot tell the format from the name; give --from/--to (one of "
                                      + ", ".join(FORMATS) + ")")], str(path))


# ------------------------------------------------------------ json, jsonl
def _read_json(path: Path, chunk: int) -> Iterator[pa.Table]:
    from yibao.compiler.json_input import load_claim_json

    data = load_claim_json(path, max_bytes=2**62)
    items = data if isinstance(data, list) else [data]
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        many = isinstance(data, list)
        yield F.claims_to_table(((f"{path}[{start + i}]" if many else str(path)), item)
                                for i, item in enumerate(part))


def _read_jsonl(path: Path, chunk: int) -> Iterator[pa.Table]:
    from yibao.compiler.json_input import decode_json

    try:
        f = path.open("rb")
    except OSError as err:
        raise ClaimError([ClaimIssue("$", f"cannot read: {err.strerror or err}")], str(path)) from None
    with f:
        items: list[tuple[str, Any]] = []
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            items.append((where, decode_json(line, where)))
            if len(items) == chunk:
                yield F.claims_to_table(items)
                items = []
        if items:
            yield F.claims_to_table(items)


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
                yield pa.Table.from_batches([batch])
        except (pa.ArrowException, OSError) as err:
            raise ClaimError([ClaimIssue("$", f"cannot read as Parquet: {err}")], str(file)) from None


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


@contextmanager
def table_sink(path: Path, kind: str, schema: pa.Schema,
               rows: Callable[[pa.Table], Iterable[dict[str, Any]]]) -> Iterator[Callable[[pa.Table], None]]:
    """A function that takes tables for ``path``, written whole when the block ends without error
    (nothing at ``path`` changes otherwise). ``kind``: json, jsonl or parquet (a ``.parquet``
    name is one file, any other a dataset folder); ``rows`` turns a table into JSON objects."""
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
            writer = pq.ParquetWriter(f, schema)
            try:
                yield lambda table: writer.write_table(table.cast(schema))
            finally:
                writer.close()
        return
    with dataset_folder(path) as tmp:
        parts = [0]

        def put_part(table: pa.Table) -> None:
            if table.num_rows or not parts[0]:
                pq.write_table(table.cast(schema), tmp / f"part-{parts[0]:05d}.parquet")
                parts[0] += 1

        yield put_part
        if not parts[0]:
            pq.write_table(schema.empty_table(), tmp / "part-00000.parquet")


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
        with table_sink(path, kind, F.CLAIM_SCHEMA, F.table_to_claims) as put:
            for table in tables:
                put(table)

    return write


register(Format("json", (".json",), _read_json, _writer("json"), "a claim, or a JSON array of claims"))
register(Format("jsonl", (".jsonl",), _read_jsonl, _writer("jsonl"), "JSON lines: a claim per line"))
register(Format("parquet", (".parquet",), _read_parquet, _writer("parquet"),
                "a Parquet file, or a folder of Parquet files (a dataset)"))

__all__ = ["CHUNK", "FORMATS", "Format", "guess", "register"]
