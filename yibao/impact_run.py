"""Streaming ``yibao diff``: claims in bounded chunks, each person's year under both policies.

Claims come in chunks through the format registry (``yibao/formats.py``), cut after a
complete person (``batch.person_chunks``), so each person's claims are settled together in
date order, carrying year_to_date from claim to claim as ``Policy.settle_many`` does. The
report is built from running aggregates (``Tally``): totals per payer, the groups by level
and category, the refusal counts and first examples, and the largest changes in a bounded
heap, each kept with its person's claims so that it can be traced at the end. Memory is
flat in the number of claims (``--all-changes`` keeps every changed claim, so it is not).

A chunk is settled by the columnar backend when both policies have a columnar form and
every claim of the chunk is valid for both; otherwise by the scalar path, claim by claim,
counting a refused claim instead of raising (the figures are the same to the fen).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from yibao.compiler import columnar_format as F
from yibao.compiler.claims import _key_text
from yibao.compiler.constructs import PERIODS, drop_period, period_of
from yibao.dsl.errors import ClaimError, YibaoError
from yibao.impact import ClaimChange, Group, Impact, Refusal, first_difference, read_claims

__all__ = ["Tally", "diff_claims", "diff_path", "settle_person"]

EXAMPLES = 10  # refusals kept as examples, the first by input row
Items = list[tuple[int, Any]]  # (input row, claim JSON) of one person


def settle_person(policy: Any, items: Items, source: Callable[[int], str],
                  trace: bool = False) -> dict[int, tuple[Any, str | None]]:
    """One person's claims in date order (ties by id), carrying year_to_date as ``settle_many``
    does; a claim the policy refuses is left out of the carry. Row → (settlement or None, error)."""
    out: dict[int, tuple[Any, str | None]] = {}
    valid = []
    for row, data in items:
        try:
            valid.append((row, policy.claim(data, source(row))))
        except ClaimError as err:
            out[row] = (None, str(err))
    if policy.input != "claim":
        for row, claim in valid:
            out[row] = _settle(policy, claim, trace)
        return out
    valid.sort(key=lambda rc: (rc[1].day, rc[1].id))
    carried: dict[str, int] | None = None
    year: int | None = None
    day = None
    for row, claim in valid:
        if carried is not None and year == claim.year:
            start = policy.year_start
            for period in PERIODS:
                if period_of(claim.date, period, start) != period_of(day, period, start):
                    carried = drop_period(carried, period)
            claim = claim.with_ytd(carried)
        out[row] = s = _settle(policy, claim, trace)
        if s[0] is not None:
            carried, year, day = s[0].ytd, claim.year, claim.date
    return out


def _settle(policy: Any, claim: Any, trace: bool) -> tuple[Any, str | None]:
    try:
        return policy.settle(claim, trace=trace), None
    except YibaoError as err:
        return None, str(err)


class Tally:
    """The running aggregates of a diff: what the report needs, in memory bounded by ``top``."""

    def __init__(self, imp: Impact, top: int, all_changes: bool) -> None:
        self.imp, self.top, self.all_changes = imp, top, all_changes
        keys = imp.keys
        imp.old_total = dict.fromkeys(keys, 0)
        imp.new_total = dict.fromkeys(keys, 0)
        self.heap: list[tuple[int, int, ClaimChange, Items]] = []  # (size, -row): the smallest first
        self.refusals: list[tuple[int, Refusal]] = []  # (-row, …): the latest first
        self.change_rows: list[tuple[int, ClaimChange]] = []

    def refuse(self, row: int, refusal: Refusal) -> None:
        self.imp.refused_sides[refusal.side] += 1
        entry = (-row, refusal)
        if len(self.refusals) < EXAMPLES:
            heapq.heappush(self.refusals, entry)  # type: ignore[misc]
        elif entry[0] > self.refusals[0][0]:
            heapq.heapreplace(self.refusals, entry)  # type: ignore[misc]

    def add(self, rows: np.ndarray, ids: Sequence[str], levels: np.ndarray, categories: np.ndarray,
            old: np.ndarray, new: np.ndarray, source: Callable[[int], str],
            person_claims: Callable[[int], Items]) -> None:
        """Claims settled by both policies: ``old``/``new`` are (claims × keys) fen figures."""
        imp, keys = self.imp, self.imp.keys
        if not len(rows):
            return
        delta = new - old
        changed = (delta != 0).any(axis=1)
        imp.changed += int(changed.sum())
        for j, k in enumerate(keys):
            imp.old_total[k] += int(old[:, j].sum())
            imp.new_total[k] += int(new[:, j].sum())
        for groups, names in ((imp.by_level, levels), (imp.by_category, categories)):
            for name in {x for x in names.tolist() if x is not None}:
                mask = names == name
                g = groups.setdefault(name, Group(delta=dict.fromkeys(keys, 0)))
                g.claims += int(mask.sum())
                hit = mask & changed
                g.changed += int(hit.sum())
                sums = delta[hit].sum(axis=0)
                for j, k in enumerate(keys):
                    g.delta[k] += int(sums[j])
        idx = np.flatnonzero(changed)
        if not len(idx):
            return

        def change(i: int) -> ClaimChange:
            fa = dict(zip(keys, old[i].tolist(), strict=True))
            fb = dict(zip(keys, new[i].tolist(), strict=True))
            return ClaimChange(ids[i], source(int(rows[i])), levels[i], categories[i], fa, fb)

        if self.all_changes:
            self.change_rows += [(int(rows[i]), change(int(i))) for i in idx]
        if self.top:
            sizes = np.abs(delta[idx]).sum(axis=1)
            best = idx[np.lexsort((rows[idx], -sizes))[: self.top]]
            for i in best.tolist():
                size, row = int(np.abs(delta[i]).sum()), int(rows[i])
                if len(self.heap) == self.top and (size, -row) <= self.heap[0][:2]:
                    continue
                entry = (size, -row, change(i), person_claims(i))
                if len(self.heap) < self.top:
                    heapq.heappush(self.heap, entry)  # type: ignore[misc]
                else:
                    heapq.heapreplace(self.heap, entry)  # type: ignore[misc]

    def finish(self, old: Any, new: Any, source: Callable[[int], str]) -> Impact:
        """Groups in their order, examples and changes in claim order; the largest traced."""
        imp = self.imp
        imp.by_level = dict(sorted(imp.by_level.items(), key=lambda kv: _level_order(kv[0])))
        order = {c: i for i, c in enumerate(old.enums.get("person.category", ()))}
        imp.by_category = dict(sorted(imp.by_category.items(),
                                      key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
        imp.refused = [r for _, r in sorted(self.refusals, key=lambda e: -e[0])]
        imp.changes = [c for _, c in sorted(self.change_rows, key=lambda e: e[0])]
        for _size, neg_row, change, items in sorted(self.heap, key=lambda e: (-e[0], -e[1])):
            row = -neg_row
            a = settle_person(old, items, source, trace=True)[row][0]
            b = settle_person(new, items, source, trace=True)[row][0]
            change.step = first_difference(a.trace, b.trace)
            imp.largest.append(change)
        return imp


def _level_order(level: str) -> tuple[int, str]:
    return (int(level), "") if level.isdigit() else (99, level)


# ------------------------------------------------------------ one chunk, two ways
def _scalar_chunk(tally: Tally, old: Any, new: Any, items: Items, source: Callable[[int], str]) -> None:
    imp = tally.imp
    by_person: dict[Any, Items] = {}
    for row, data in items:
        person = _person_of(data)
        by_person.setdefault(person if person is not None else ("row", row), []).append((row, data))
    settled: list[tuple[int, Any, Any, Items]] = []
    for group in by_person.values():
        sa, sb = settle_person(old, group, source), settle_person(new, group, source)
        for row, data in group:
            (a, a_err), (b, b_err) = sa[row], sb[row]
            if a is None or b is None:
                side = "both" if a is None and b is None else ("old" if a is None else "new")
                ident = data.get("id", "?") if isinstance(data, dict) else "?"
                # the id as the report can print it (a refused claim's may be any text)
                tally.refuse(row, Refusal(_key_text(str(ident)), source(row), side, a_err or b_err or ""))
            else:
                settled.append((row, a, b, group))
    settled.sort(key=lambda x: x[0])
    keys = imp.keys
    rows = np.array([x[0] for x in settled], dtype=np.int64)
    ids = [x[1].claim.id for x in settled]
    levels = np.array([getattr(x[1].claim, "level", None) for x in settled], dtype=object)
    cats = np.array([getattr(x[1].claim, "category", None) for x in settled], dtype=object)
    fig = np.zeros((2, len(settled), len(keys)), dtype=np.int64)
    for i, (_, a, b, _g) in enumerate(settled):
        for side, s in ((0, a), (1, b)):
            paid = {layer.name: fen for layer, fen in zip(s.meta.layers, s.payer_fen, strict=True)}
            fig[side, i] = [*(paid.get(k, 0) for k in imp.payers), s.person_fen]
    tally.add(rows, ids, levels, cats, fig[0], fig[1], source, lambda i: settled[i][3])


def _columnar_figures(policy: Any, table: pa.Table, rows: np.ndarray, payers: list[str]) -> np.ndarray:
    from yibao.compiler.columnar_read import read_batch
    from yibao.compiler.columnar_settle import settle_batch
    from yibao.compiler.loader_columnar import columnar_module

    module = columnar_module(policy)
    settled = settle_batch(module, read_batch(table, policy, module, rows))
    n = table.num_rows
    cols = [np.asarray(settled.payers[k], dtype=np.int64) if k in policy.layers else np.zeros(n, np.int64)
            for k in payers]
    return np.stack([*cols, np.asarray(settled.person, dtype=np.int64)], axis=1)


def _columnar_chunk(tally: Tally, old: Any, new: Any, table: pa.Table, rows: np.ndarray,
                    source: Callable[[int], str]) -> bool:
    """The chunk by the columnar backend; False (nothing counted) if a claim is refused or fails."""
    try:
        a = _columnar_figures(old, table, rows, tally.imp.payers)
        b = _columnar_figures(new, table, rows, tally.imp.payers)
    except YibaoError:  # a refused claim or a settling error: the scalar path counts it
        return False
    table = F.normalise(table)
    ids = table.column("id").to_pylist()
    persons = table.column("person_id").to_pylist()
    levels = np.array(table.column("level").to_pylist(), dtype=object)
    default = old.enums["person.category"][0]
    cats = np.array([c if c is not None else default for c in table.column("person_category").to_pylist()],
                    dtype=object)

    def person_claims(i: int) -> Items:
        mine = [j for j, p in enumerate(persons) if p == persons[i]]
        claims = F.table_to_claims(table.take(pa.array(mine)))
        return [(int(rows[j]), c) for j, c in zip(mine, claims, strict=True)]

    order = np.argsort(rows, kind="stable")
    tally.add(rows[order], [ids[i] for i in order], levels[order], cats[order], a[order], b[order], source,
              lambda i: person_claims(int(order[i])))
    return True


# ------------------------------------------------------------ the whole run
Note = tuple[str, dict[str, Any]]  # a message key of ``yibao.messages`` and its slots


def engine_for(old: Any, new: Any, engine: str) -> tuple[str, list[Note]]:
    """The engine to use, and a note when the columnar one was asked for and cannot be."""
    if engine != "columnar":
        return engine, []
    from yibao.compiler.codegen_columnar import ColumnarUnsupported
    from yibao.compiler.loader_columnar import columnar_module

    try:
        for policy in (old, new):
            if policy.input != "claim":
                raise ColumnarUnsupported(f"{policy.ast.path}: `input {policy.input}` policies have no "
                                          "columnar form")
            columnar_module(policy)
    except ColumnarUnsupported as err:
        return "scalar", [("diff.scalar", {"reason": str(err)})]
    return "columnar", []


def diff_claims(old: Any, new: Any, chunks: Iterable[tuple[pa.Table | None, np.ndarray, Items | None]],
                source: Callable[[int], str], *, top: int = 10, all_changes: bool = False,
                engine: str = "scalar", old_path: str = "", new_path: str = "",
                progress: Callable[[int], None] | None = None) -> Impact:
    """Settle chunks of complete persons under both policies and build the report. A chunk is
    (claim table or None, input rows, (row, JSON) pairs or None: made from the table)."""
    payers = list(dict.fromkeys([*old.layers, *new.layers]))
    imp = Impact(old_path or str(old.ast.path), new_path or str(new.ast.path), old.id, new.id, payers)
    tally = Tally(imp, top, all_changes)
    for table, rows, items in chunks:
        imp.claims += len(rows)
        columnar = engine == "columnar" and table is not None
        if not (columnar and _columnar_chunk(tally, old, new, table, rows, source)):
            if items is None:
                items = list(zip(rows.tolist(), F.table_to_claims(table), strict=True))  # type: ignore[arg-type]
            _scalar_chunk(tally, old, new, items, source)
        if progress:
            progress(imp.claims)
    return tally.finish(old, new, source)


def _table_chunks(tables: Iterable[pa.Table], chunk: int, sort: bool,
                  where: str) -> Iterator[tuple[pa.Table, np.ndarray, None]]:
    from yibao.batch import person_chunks

    it = iter(tables)
    head = [t for t in (next(it, None), next(it, None)) if t is not None]
    if len(head) < 2:  # the whole input is one chunk: it is in memory anyway, so any order does
        sort = True
    for part in person_chunks(chain(head, it), sort=sort, chunk=chunk, source=where):
        yield part.table, part.rows, None


def _person_of(data: Any) -> str | None:
    person = data.get("person") if isinstance(data, dict) else None
    pid = person.get("id") if isinstance(person, dict) else None
    return pid if isinstance(pid, str) else None


def _pairs_chunks(pairs: Iterable[tuple[str, Any]], chunk: int, sources: list[str],
                  as_tables: bool) -> Iterator[tuple[pa.Table | None, np.ndarray, Items]]:
    """(source, JSON) pairs (a folder, a JSON file, the Python API), held in memory as before:
    sorted by person, cut after a complete person; a chunk's table when its claims convert (a
    claim of no claim's shape is settled from its JSON)."""
    items: Items = []
    for where, data in pairs:
        sources.append(where)
        items.append((len(sources) - 1, data))
    if as_tables:
        items.sort(key=lambda it: (0, p, 0) if (p := _person_of(it[1])) is not None else (1, "", it[0]))
    part: Items = []
    for i, item in enumerate(items):
        part.append(item)
        nxt = items[i + 1] if i + 1 < len(items) else None
        same = (nxt is not None and as_tables and _person_of(item[1]) is not None
                and _person_of(nxt[1]) == _person_of(item[1]))
        if nxt is None or (len(part) >= chunk and not same):
            rows = np.array([r for r, _ in part], dtype=np.int64)
            table = None
            if as_tables:
                try:
                    table = F.claims_to_table((sources[r], d) for r, d in part)
                except ClaimError:
                    table = None
            yield table, rows, part
            part = []


def diff_path(old: Any, new: Any, path: Path, *, chunk: int, sort: bool = False, engine: str = "columnar",
              src_format: str | None = None, **kw: Any) -> tuple[Impact, list[Note]]:
    """``yibao diff``: the claims of ``path`` (a file of a registered format, a Parquet dataset or a
    folder of JSON claims) in chunks. Returns the report and notes for standard error."""
    from yibao.formats import guess

    engine, notes = engine_for(old, new, engine)
    records = old.input != "claim" or new.input != "claim"
    sources: list[str] = []
    json_folder = path.is_dir() and src_format is None and not any(path.rglob("*.parquet"))
    if records or json_folder:
        chunks: Iterable[Any] = _pairs_chunks(read_claims(path), chunk, sources, as_tables=not records)
        source = sources.__getitem__
        return diff_claims(old, new, chunks, source, engine=engine, **kw), notes
    reader = guess(path, src_format, reading=True)
    try:
        chunks = _table_chunks(reader.read(path, chunk), chunk, sort, str(path))
        return diff_claims(old, new, chunks, lambda row: f"{path}[{row}]", engine=engine, **kw), notes
    except F.ClaimsRejected as err:
        if reader.name not in ("json", "jsonl"):
            raise
        # a claim the claim table cannot hold, not a claim's shape at all:
        # read the JSON whole, as diff did before streaming, and count such claims as refused
        first = err.issues[0]
        notes.append(("diff.whole", {"where": first.path, "reason": first.message}))
    chunks = _pairs_chunks(read_claims(path), chunk, sources, as_tables=True)
    return diff_claims(old, new, chunks, sources.__getitem__, engine=engine, **kw), notes
