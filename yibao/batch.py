"""Settle a file of claims in bounded chunks: ``yibao batch POLICY CLAIMS -o OUT``.

Claims stream in chunks (``formats.py`` readers); each chunk is cut after its last complete
person, so a person's claims are settled together, in date order, carrying year_to_date from
claim to claim (``Policy.settle_many``'s order). That needs the input **sorted by person id**
(any order of a person's claims): an input that is not is refused at the first row out of
order, unless ``sort=True`` reads it whole and sorts it first (memory then grows with the
input). Memory is otherwise flat in the number of claims: a chunk, its settlements, and the
tail person carried to the next chunk.

Every claim is validated before anything is written; bad claims are reported with their row
and JSON path and nothing is written (outputs are temporary files renamed when complete).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yibao.compiler import columnar_format as F
from yibao.compiler.claims import MAX_ISSUES
from yibao.compiler.codegen_columnar import ColumnarUnsupported
from yibao.compiler.columnar_read import read_batch
from yibao.compiler.money import money_str
from yibao.dsl.errors import ClaimError, ClaimIssue, ClaimsUnsettled, SettlementError
from yibao.dsl.phrase import P
from yibao.formats import CHUNK, COMPRESSION, guess, table_sink

ENGINES = ("columnar", "scalar")
# the settlement columns a reader picks rows by (a person, a date range, a year): the only ones
# whose Parquet row groups carry statistics (the money columns' cost a fifth of the writing)
FILTERED = ("person_id", "date", "year")


def settlement_pages(schema: pa.Schema) -> dict[str, Any]:
    """How the settlement table's columns are written: the date and year dictionary-encoded (a few
    hundred values), the amounts delta-encoded (a city's amounts are nearly all distinct, so a
    dictionary is built and thrown away for each: 4× the CPU of the delta encoding on such
    figures, and larger files) and not compressed (LZ4 finds little to take from delta-packed
    distinct figures: a sixth of the writing's CPU for a sixth of the file), the ids plain and
    compressed; statistics only where a reader filters."""
    amounts = {f.name: "DELTA_BINARY_PACKED" for f in schema if f.type == pa.int64()}
    compression = {f.name: "none" if f.name in amounts else COMPRESSION for f in schema}
    return {"dictionary": ["date", "year"], "encoding": amounts, "statistics": list(FILTERED),
            "compression": compression}


@dataclass
class Chunk:
    """Claims of complete persons, and each one's row in the input."""

    table: pa.Table
    rows: np.ndarray


@dataclass
class Summary:
    claims: int = 0
    persons: int = 0
    seconds: float = 0.0
    traced: list[str] = field(default_factory=list)


def person_chunks(tables: Iterable[pa.Table], *, sort: bool = False, chunk: int = CHUNK,
                  rows: np.ndarray | None = None, source: str | None = None,
                  unsorted: list[ClaimIssue] | None = None) -> Iterator[Chunk]:
    """Chunks that end with a complete person; the input must be sorted by person id (or ``sort``).
    ``rows``: the input row of each claim of ``tables``, which are then already sorted. The first
    claim out of person order is refused (``ClaimError``), or, given ``unsorted``, put there as its
    issue before the chunks of its table are given, and the chunks go on (for checking only).

    A chunk is a slice of one input table (no copy) except where a person's claims go on from one
    table into the next: those claims, gathered, are a chunk of their own."""
    if sort:
        tables, rows = _sorted(tables, chunk)
    carry: list[pa.Table] = []  # the last person's claims so far (they may go on)
    carry_rows: list[np.ndarray] = []
    seen = 0
    last_person: str | None = None
    for t in tables:
        n = t.num_rows
        here = rows[seen : seen + n] if rows is not None else np.arange(seen, seen + n, dtype=np.int64)
        seen += n
        if n == 0:
            continue
        ids = _person_ids(t)
        if rows is None and not unsorted:  # sorted by person id: checked in Arrow, without Python strings
            issue = _out_of_order(ids, last_person, here)
            if issue is not None and unsorted is None:
                raise ClaimError([issue], source, what="claims")
            if issue is not None:
                unsorted.append(issue)
        if unsorted:  # out of person order: each claim given once as it comes, for checking only
            if carry:
                yield Chunk(F.concat_claims(carry), np.concatenate(carry_rows))
                carry, carry_rows = [], []
            yield Chunk(t, here)
            continue
        last = ids[n - 1].as_py()
        tail = int(pc.sum(pc.equal(ids, last)).as_py())  # the last person's claims end the table
        head = int(pc.sum(pc.equal(ids, last_person)).as_py()) if carry else 0  # the carried one's
        last_person = last
        if head == n:  # the carried person goes on through the table
            carry.append(t)
            carry_rows.append(here)
            continue
        if carry:
            yield Chunk(F.concat_claims([*carry, t.slice(0, head)]),
                        np.concatenate([*carry_rows, here[:head]]))
        if n - tail > head:
            yield Chunk(t.slice(head, n - tail - head), here[head : n - tail])
        carry, carry_rows = [t.slice(n - tail)], [here[n - tail :]]
    if carry:
        yield Chunk(F.concat_claims(carry), np.concatenate(carry_rows))


def _person_ids(table: pa.Table, missing: str | None = "") -> pa.Array:
    """The person ids (plain texts: ``normalise`` decodes a file's dictionary of them) to compare
    and sort, a missing one as ``missing`` (None: left null)."""
    ids = F.single(table.column("person_id"))
    return ids.fill_null(missing) if ids.null_count and missing is not None else ids


def _out_of_order(ids: pa.Array, last_person: str | None, here: np.ndarray) -> ClaimIssue | None:
    """The issue, at its row, of the first claim whose person id comes before the previous claim's."""
    n = len(ids)
    out_of_order = np.flatnonzero(np.asarray(pc.less(ids.slice(1), ids.slice(0, n - 1))))
    if last_person is not None and ids[0].as_py() < last_person:
        out_of_order = np.concatenate([[-1], out_of_order])
    if not len(out_of_order):
        return None
    i = int(out_of_order[0]) + 1
    before = ids[i - 1].as_py() if i > 0 else last_person
    return ClaimIssue(f"row {int(here[i])}: person.id", P(
        "{id} comes after {before}: claims must be sorted by person id (sort them first, or give --sort)",
        id=repr(ids[i].as_py()), before=repr(before)), int(here[i]))


def _sorted(tables: Iterable[pa.Table], chunk: int) -> tuple[Iterator[pa.Table], np.ndarray]:
    """The whole input sorted by person id (stable: each input row's place kept among its
    person's), in slices of ``chunk``, and each one's input row; not moved if already sorted."""
    whole = list(tables)
    table = F.concat_claims(whole) if whole else pa.table({"person_id": pa.array([], pa.string())})
    n = table.num_rows
    ids = _person_ids(table) if n else pa.array([], pa.string())
    if n > 1 and pc.any(pc.less(ids.slice(1), ids.slice(0, n - 1))).as_py():
        order = pc.sort_indices(_person_ids(table, missing=None))  # stable; a missing id last
        rows = np.asarray(order.to_numpy(zero_copy_only=False), dtype=np.int64)
        table = table.take(order)
    else:  # sorted already: a vectorised test instead of a sort and a copy
        rows = np.arange(n, dtype=np.int64)
    return (table.slice(i, chunk) for i in range(0, n, chunk)), rows


# ------------------------------------------------------------ one chunk
def settle_columnar(policy: Any, chunk: Chunk) -> pa.Table:
    from yibao.compiler.columnar_settle import settle_batch
    from yibao.compiler.loader_columnar import columnar_module

    module = columnar_module(policy)
    batch = read_batch(chunk.table, policy, module, chunk.rows, grouped=True)
    settled = settle_batch(module, batch, keep_going=True)
    if settled.errors:  # each claim's own failure, at its input row
        raise ClaimsUnsettled([(int(chunk.rows[i]), err) for i, err in settled.errors.items()
                               if i not in settled.followers])
    return F.settled_table(batch, settled, policy.layers, module.ACCUMULATORS)


def scalar_claims(policy: Any, chunk: Chunk) -> list[Any]:
    """Each row validated by ``Policy.claim`` (the reference path); ``ClaimsRejected`` if any is bad."""
    table = F.normalise(chunk.table)
    claims, issues = [], []
    for i, row in enumerate(table.to_pylist()):
        claim, found = F.row_claim(policy, row)
        if claim is not None:
            claims.append(claim)
        at = int(chunk.rows[i])
        issues.extend(x.at(f"row {at}: {x.path}", at) for x in found)
    if issues:
        raise F.ClaimsRejected(issues[:MAX_ISSUES], what="claims")
    return claims


def settle_people(policy: Any, claims: list[Any], trace: bool = False,
                  rows: np.ndarray | None = None) -> list[Any]:
    """``settle_many`` per person; the settlements in the claims' order. A person whose year stops
    at a claim that cannot be settled is noted and the others go on: ``ClaimsUnsettled`` at the
    end names each such claim by its input row (``rows``; else its place in ``claims``)."""
    by_person: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        by_person.setdefault(c.person_id, []).append(i)
    out: list[Any] = [None] * len(claims)
    failures: list[tuple[int, SettlementError]] = []
    for idx in by_person.values():
        order = sorted(idx, key=lambda i: (claims[i].day, claims[i].id))
        try:
            settled = policy.settle_many([claims[i] for i in idx], trace=trace)
        except SettlementError as err:
            at = next((i for i in order if claims[i].id == err.claim), order[0])
            failures.append((int(rows[at]) if rows is not None else at, err))
            continue
        for i, s in zip(order, settled, strict=True):
            out[i] = s
    if failures:
        raise ClaimsUnsettled(sorted(failures, key=lambda f: f[0]))
    return out


def check_columnar(policy: Any, chunk: Chunk) -> None:
    """The chunk's claims checked as ``settle_columnar`` checks them, nothing settled:
    ``ClaimsRejected`` if any is bad."""
    from yibao.compiler.loader_columnar import columnar_module

    read_batch(chunk.table, policy, columnar_module(policy), chunk.rows, grouped=True)


def settle_scalar(policy: Any, chunk: Chunk) -> pa.Table:
    schema = F.settlement_schema(policy.layers, policy.accumulators)
    settled = settle_people(policy, scalar_claims(policy, chunk), rows=chunk.rows)
    rows = [F.settlement_row(s, policy.accumulators) for s in settled]
    return pa.Table.from_pylist(rows, schema=schema)


def closing(settled: pa.Table, accumulators: tuple[str, ...]) -> pa.Table:
    """Per person and insurance year: the year_to_date after their last claim (in date order)."""
    n = settled.num_rows
    person = np.asarray(settled.column("person_id").to_numpy(zero_copy_only=False), dtype=str)
    year = settled.column("year").to_numpy()
    day = settled.column("date").cast(pa.int32()).to_numpy()
    claim = np.asarray(settled.column("claim").to_numpy(zero_copy_only=False), dtype=str)
    order = np.lexsort((claim, day, year, person))
    p, y = person[order], year[order]
    last = np.ones(n, dtype=bool)
    last[:-1] = (p[1:] != p[:-1]) | (y[1:] != y[:-1])
    pick = order[last]
    first = np.ones(n, dtype=bool)
    first[1:] = last[:-1]
    counts = np.diff(np.append(np.flatnonzero(first), n))
    cols: dict[str, Any] = {"person_id": pa.array(person[pick]), "year": pa.array(year[pick], pa.int32()),
                            "claims": pa.array(counts, pa.int32())}
    take = pa.array(pick)
    for a in accumulators:
        cols[f"ytd.{a}"] = settled.column(f"ytd.{a}").take(take)
    return pa.table(cols)


def closing_schema(accumulators: tuple[str, ...]) -> pa.Schema:
    return pa.schema([("person_id", pa.string()), ("year", pa.int32()), ("claims", pa.int32()),
                      *((f"ytd.{a}", pa.int64()) for a in accumulators)])


_TEXT_COLUMNS = frozenset({"claim", "person_id", "date", "year", "claims"})


def json_rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    """Settlement (or closing) rows as JSON objects: money as decimal strings, dates as text."""
    for row in table.to_pylist():
        yield {k: (v.isoformat() if k == "date" else v) if k in _TEXT_COLUMNS else money_str(v)
               for k, v in row.items()}


def _persons(settled: pa.Table) -> int:
    """How many persons a chunk's settlements are of: a chunk holds each person's claims together."""
    n = settled.num_rows
    if n < 2:
        return n
    ids = F.single(settled.column("person_id"))
    return 1 + int(pc.sum(pc.not_equal(ids.slice(1), ids.slice(0, n - 1))).as_py() or 0)


def _kind(path: Path) -> str:
    fmt = guess(path, None, reading=False)
    return fmt.name


# ------------------------------------------------------------ the whole run
def run(policy: Any, source: Path, output: Path, *, engine: str = "columnar", src_format: str | None = None,
        chunk: int = CHUNK, sort: bool = False, closing_out: Path | None = None,
        trace_claims: Iterable[str] = (), traces_out: Path | None = None,
        progress: Callable[[int], None] | None = None) -> Summary:
    """Settle every claim of ``source`` into ``output`` (and the closing year_to_date, the traces)."""
    if policy.input != "claim":
        raise ColumnarUnsupported(f"{policy.ast.path}: `input {policy.input}` policies have no columnar "
                                  "form: yibao batch settles claims (settle records with yibao settle)")
    if engine == "columnar":
        from yibao.compiler.loader_columnar import columnar_module

        columnar_module(policy)  # refuse an unsupported construct before reading anything
    settle = settle_columnar if engine == "columnar" else settle_scalar
    check = check_columnar if engine == "columnar" else scalar_claims
    reader = guess(source, src_format, reading=True)
    wanted = set(trace_claims)
    if reader.read_settling is not None and engine == "columnar" and not wanted:
        from yibao.compiler.columnar_read import unread_line_fields

        tables = reader.read_settling(source, chunk, unread_line_fields(policy))
    else:  # traces show every field of a line as read
        tables = reader.read(source, chunk)
    summary = Summary()
    start = time.perf_counter()
    schema = F.settlement_schema(policy.layers, policy.accumulators)
    issues: list[ClaimIssue] = []
    failures: list[tuple[int, SettlementError]] = []  # claims that could not be settled, by row
    with ExitStack() as stack:
        pages = settlement_pages(schema)
        put = stack.enter_context(table_sink(output, _kind(output), schema, json_rows, **pages))
        put_closing = (stack.enter_context(table_sink(closing_out, _kind(closing_out),
                                                      closing_schema(policy.accumulators), json_rows))
                       if closing_out is not None else None)
        put_trace = (stack.enter_context(table_sink(traces_out, "jsonl", schema, lambda items: items))
                     if traces_out is not None else None)
        unsorted: list[ClaimIssue] = []  # the first claim out of person order
        for part in person_chunks(tables, sort=sort, chunk=chunk, source=str(source), unsorted=unsorted):
            if unsorted:  # a person's year is no longer one run of claims: the rest only checked
                try:
                    check(policy, part)
                except F.ClaimsRejected as err:
                    issues.extend(err.issues)
                    if len(issues) >= MAX_ISSUES:
                        break
                continue
            try:
                settled = settle(policy, part)
            except F.ClaimsRejected as err:
                issues.extend(err.issues)
                if len(issues) >= MAX_ISSUES:
                    break
                continue
            except ClaimsUnsettled as err:
                failures.extend(err.failures)
                if len(failures) >= MAX_ISSUES:
                    break
                continue
            if issues or failures:  # going on to report every bad claim; nothing is written
                continue
            put(settled)
            if put_closing is not None:
                put_closing(closing(settled, policy.accumulators))
            summary.claims += settled.num_rows
            summary.persons += _persons(settled)
            if wanted and put_trace is not None:
                _traces(policy, part, wanted, put_trace, summary)
            if progress is not None:
                progress(settled.num_rows)
        if unsorted:  # whatever the chunks, every bad claim and the order's break, by row
            issues = sorted([*issues, *unsorted], key=lambda i: -1 if i.row is None else i.row)
        if issues:
            raise F.ClaimsRejected(issues[:MAX_ISSUES], str(source), what="claims")
        if failures:
            failures.sort(key=lambda f: f[0])
            raise ClaimsUnsettled(failures[:MAX_ISSUES], str(source), max(0, len(failures) - MAX_ISSUES))
    missing = wanted - set(summary.traced)
    if missing:
        raise ClaimError([ClaimIssue("--trace-claim", P("no claim {id} in the input", id=repr(claim)))
                          for claim in sorted(missing)], str(source))
    summary.seconds = time.perf_counter() - start
    return summary


def _traces(policy: Any, part: Chunk, wanted: set[str], put: Callable[[pa.Table], None],
            summary: Summary) -> None:
    """Traced settlements (with per-line shares) of the wanted claims in this chunk, by the scalar
    path with the person's year carried as in the batch."""
    ids = np.asarray(part.table.column("id").to_numpy(zero_copy_only=False), dtype=str)
    hit = np.isin(ids, list(wanted))
    if not hit.any():
        return
    persons = np.asarray(part.table.column("person_id").to_numpy(zero_copy_only=False), dtype=str)
    keep = np.isin(persons, persons[hit])
    sub = Chunk(part.table.filter(pa.array(keep)), part.rows[keep])
    claims = scalar_claims(policy, sub)
    out = []
    for s in settle_people(policy, claims, trace=True):
        if s.claim.id in wanted:
            out.append(s.to_dict(trace=True))
            summary.traced.append(s.claim.id)
    put(out)  # type: ignore[arg-type]  # the traces' sink takes JSON objects as they are
