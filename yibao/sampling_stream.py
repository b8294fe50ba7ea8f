"""``yibao sample-claims`` in chunks: draw, validate a chunk at once, write it, draw the next.

The claims are those of ``sampling.sample_policy_claims`` for the same arguments, claim for
claim: that generator draws a claim and, if the policy refuses it, draws again from where the
random stream is, so the accepted claims are the stream of drafts without the refused ones,
numbered in order. Here a chunk of drafts is drawn, validated as one Arrow table by the
columnar validator (``columnar_read.valid_rows``, which accepts exactly what ``Policy.claim``
accepts), the refused ones dropped and the rest numbered. A policy without a columnar form
validates each draft with ``Policy.claim``, as before. Memory is one chunk.

Parquet output is the columnar claim table of ``docs/columnar.md`` (``columnar_format``), the
very table that was validated.
"""

from __future__ import annotations

import json
import random
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from yibao.compiler import columnar_format as F
from yibao.output import is_stream, open_output

CHUNK = 20_000  # claims drawn and written at a time by the scalar drawer
TABLE_CHUNK = 65_536  # … and by the vectorised one (``claim_tables``)
WRITE_AHEAD = 5  # chunks drawn while the Parquet writer catches up (a row group is four chunks)


def _checker(policy: Any) -> Any:
    """A function drafts → validity mask and their table, or None (validate one by one)."""
    if policy.input != "claim":
        return None
    from yibao.compiler.codegen_columnar import ColumnarUnsupported
    from yibao.compiler.columnar_read import valid_rows
    from yibao.compiler.loader_columnar import columnar_module

    try:
        module = columnar_module(policy)
    except ColumnarUnsupported:
        return None

    def check(drafts: list[dict[str, Any]]) -> tuple[np.ndarray, pa.Table] | None:
        try:
            table = drafts_table(drafts)
        except (KeyError, TypeError, ValueError, pa.ArrowException):  # not a shape this knows: judge each
            return None
        return valid_rows(table, policy, module), table

    return check


_MONEY = ("amount", "unit_price", *F.SPLIT)


def _fen(text: str) -> int:
    return int(text.replace(".", ""))


def _pairs(obj: dict[str, str] | None) -> list[tuple[str, int]] | None:
    return None if obj is None else [(k, _fen(v)) for k, v in obj.items()]


def drafts_table(drafts: list[dict[str, Any]]) -> pa.Table:
    """The sampler's own claims as the claim table, without ``claims_to_table``'s checks of a claim's
    shape (which cost as much as drawing it): the sampler writes amounts as ``money`` makes them and
    only the keys of the contract. ``tests/test_sampling.py`` checks it against ``claims_to_table``."""
    cols: dict[str, list[Any]] = {name: [] for name in F.CLAIM_SCHEMA.names}
    for d in drafts:
        person, visit = d["person"], d["visit"]
        cols["id"].append(d["id"])
        cols["date"].append(date.fromisoformat(d["date"]))
        cols["person_id"].append(person["id"])
        cols["scheme"].append(person.get("scheme"))
        cols["person_category"].append(person.get("category"))
        cols["age"].append(person.get("age"))
        for key in ("kind", "facility", "region", "referral", "admission_no"):
            cols[key].append(visit.get(key))
        cols["level"].append(None if visit.get("level") is None else str(visit["level"]))
        cols["diseases"].append(sorted(visit["diseases"]) if "diseases" in visit else None)
        cols["lines"].append([{
            "code": ln["code"], "name": ln.get("name"), "category": ln["category"], "class": ln.get("class"),
            **{k: (_fen(ln[k]) if k in ln else None) for k in _MONEY}} for ln in d["lines"]])
        ytd = d.get("year_to_date")
        cols["ytd_year"].append(ytd.get("year") if ytd is not None else None)
        cols["year_to_date"].append(None if ytd is None else [
            (k, _fen(v)) for k, v in ytd.items() if k != "year" and k not in F.PERIOD_COLUMNS])
        cols["paid"].append(_pairs(d.get("paid")))
        for key, name in F.PERIOD_COLUMNS.items():
            cols[name].append(ytd.get(key) if ytd is not None else None)
    return pa.Table.from_pydict(cols, schema=F.CLAIM_SCHEMA)


def claim_chunks(policy: Any, n: int, seed: int, *, scheme: str | None = None, kind: str | None = None,
                 start: date | None = None, days: int | None = None,
                 chunk: int = CHUNK) -> Iterator[tuple[list[dict[str, Any]], pa.Table | None]]:
    """``sample_policy_claims(policy, n, seed, …)`` in chunks of at most ``chunk`` claims, each
    with its claim table when the columnar validator made one."""
    from yibao.sampling import _TRIES, PolicyInputs, _policy_claim, _policy_record

    if n < 0:
        raise ValueError("n must not be negative")
    if days is not None and days < 1:
        raise ValueError("days must be at least 1")
    plan = PolicyInputs(policy, scheme=scheme, kind=kind)
    first, span = plan.window(start, days)
    draw = _policy_record if plan.input == "record" else _policy_claim
    check = _checker(policy)
    rng = random.Random(seed)
    done = 0
    refused_run = 0  # drafts refused since the last one accepted

    def give_up() -> ValueError:
        return ValueError(f"could not draw a claim that policy {policy.id} accepts in {_TRIES} tries")

    while done < n:
        want = min(chunk, n - done)
        drafts = [draw(rng, f"SIM-{seed}-{done + i + 1:06d}", plan, first, span) for i in range(want)]
        checked = check(drafts) if check is not None else None
        if checked is None:
            ok = np.zeros(want, dtype=bool)
            for i, d in enumerate(drafts):
                try:
                    policy.claim(d)
                    ok[i] = True
                except Exception:  # the policy's scope is narrower than the plan: drawn again
                    pass
            table = None
        else:
            ok, table = checked
        keep: list[int] = []
        for i, good in enumerate(ok.tolist()):
            if good:
                refused_run = 0
                keep.append(i)
            else:
                refused_run += 1
                if refused_run == _TRIES:
                    raise give_up()
        out = []
        for i in keep:
            drafts[i]["id"] = f"SIM-{seed}-{done + len(out) + 1:06d}"
            out.append(drafts[i])
        if table is not None:
            table = table.take(pa.array(keep, pa.int64()))
            table = table.set_column(0, "id", pa.array([d["id"] for d in out], pa.string()))
        done += len(out)
        yield out, table


def claim_tables(policy: Any, n: int, seed: int, *, scheme: str | None = None, kind: str | None = None,
                 start: date | None = None, days: int | None = None,
                 chunk: int = TABLE_CHUNK) -> Iterator[pa.Table]:
    """``n`` claims ``policy`` accepts, drawn by ``sampling_columnar`` a block at a time, as claim
    tables of at most about ``chunk`` claims: drafts the columnar validator flags are dropped (it
    accepts only what ``Policy.claim`` accepts), the rest numbered ``SIM-<seed>-000001`` on.
    Raises ``ColumnarUnsupported`` for a policy without a columnar form (records)."""
    from yibao.compiler.columnar_read import flagged_rows
    from yibao.compiler.loader_columnar import columnar_module
    from yibao.sampling import _TRIES, PolicyInputs
    from yibao.sampling_columnar import BLOCK, block_rng, claim_ids, draft_block

    if n < 0:
        raise ValueError("n must not be negative")
    if days is not None and days < 1:
        raise ValueError("days must be at least 1")
    if policy.input != "claim":
        from yibao.compiler.codegen_columnar import ColumnarUnsupported

        raise ColumnarUnsupported(f"`input {policy.input}` policies are drawn one at a time")
    module = columnar_module(policy)
    plan = PolicyInputs(policy, scheme=scheme, kind=kind)
    first, span = plan.window(start, days)
    block = done = 0
    while done < n:
        want = n - done
        blocks = max(1, min(chunk // BLOCK, -(-want // BLOCK)))
        drafts = pa.concat_tables([draft_block(plan, block_rng(seed, block + i), first, span, seed)
                                   for i in range(blocks)])
        block += blocks
        # The validator's vectorised tests: a row they pass is one Policy.claim accepts; one they flag
        # is dropped unjudged (judging each costs a Policy.claim; a flag is almost always a refusal).
        drafts, flagged = flagged_rows(drafts, policy, module)
        if flagged.all():
            raise ValueError(f"could not draw a claim that policy {policy.id} accepts in "
                             f"{max(_TRIES, len(flagged))} tries")
        kept = drafts.filter(pa.array(~flagged)) if flagged.any() else drafts  # a filter copies the table
        kept = kept.slice(0, want)
        kept = kept.set_column(0, "id", claim_ids(seed, done + 1, kept.num_rows))
        done += kept.num_rows
        yield kept


def sample_chunks(policy: Any, n: int, seed: int, **kw: Any) -> Iterator[tuple[list[dict[str, Any]] | None,
                                                                             pa.Table | None]]:
    """What ``yibao sample-claims`` writes: (None, claim table) chunks of ``claim_tables``, or for a
    policy without a columnar form (``input record``) the scalar drawer's (claims, table or None)."""
    from yibao.compiler.codegen_columnar import ColumnarUnsupported

    tables = claim_tables(policy, n, seed, **kw)
    try:
        head = next(tables, None)
    except ColumnarUnsupported:
        yield from claim_chunks(policy, n, seed, **kw)
        return
    if head is not None:
        yield None, head
    for table in tables:
        yield None, table


def json_claims(table: pa.Table) -> list[dict[str, Any]]:
    """A claim table's claims in the JSON contract as the scalar drawer writes them: a numbered
    level as a number (``"level": 2``, as claims.md shows it) and ``year_to_date`` always there
    (``{}`` before a first visit)."""
    from yibao.sampling import _level_json

    claims = F.table_to_claims(table)
    for claim in claims:
        visit = claim["visit"]
        if "level" in visit:
            visit["level"] = _level_json(visit["level"])
        if "year_to_date" not in claim:
            claim["year_to_date"] = {}
    return claims


def write_chunks(chunks: Iterator[tuple[list[dict[str, Any]] | None, pa.Table | None]],
                 output: Path | None) -> int:
    """Write claims as they come: JSON lines (a file, standard output or a device), a Parquet file or
    dataset folder in the columnar claim table, or a folder of one ``.json`` a claim. A chunk given
    as a table only is turned into its JSON claims (``columnar_format.table_to_claims``) for the
    JSON outputs, so every format holds the same claims."""
    count = 0
    to_table = (output is not None and str(output) != "-" and output.suffix == ".parquet"
                and not is_stream(output))
    if not to_table:
        chunks = ((claims if claims is not None else json_claims(table), table)  # type: ignore[arg-type]
                  for claims, table in chunks)
    if output is None or str(output) == "-":
        for claims, _table in chunks:  # a line a write: a closed pipe is noticed at once
            for claim in claims:
                sys.stdout.write(json.dumps(claim, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            count += len(claims)
        return count
    if output.suffix == ".jsonl" or is_stream(output):
        with open_output(output, parents=True) as f:
            for claims, _table in chunks:
                f.write(_lines(claims))
                count += len(claims)
        return count
    if output.suffix == ".parquet":
        from yibao.formats import table_sink

        # Chunks are encoded and written (pyarrow, without the GIL) on a thread of their own while
        # the next ones are drawn. The sink writes a row group of several chunks at once, so the
        # writer may be that far behind: at most WRITE_AHEAD chunks wait for it (memory stays flat).
        with table_sink(output, "parquet", F.CLAIM_FILE_SCHEMA, F.table_to_claims) as put, \
                ThreadPoolExecutor(1) as writer:
            pending: deque[Future[None]] = deque()
            for claims, table in chunks:
                if table is None:
                    if claims and "record" in claims[0]:
                        raise ValueError("records have no columnar table (docs/columnar.md): write them to a "
                                         ".jsonl file or a folder")
                    table = F.claims_to_table((c["id"], c) for c in claims or ())
                while len(pending) >= WRITE_AHEAD:
                    pending.popleft().result()
                pending.append(writer.submit(put, table))
                count += table.num_rows
            while pending:
                pending.popleft().result()
        return count
    from yibao.sampling import write_claims

    def each() -> Iterator[dict[str, Any]]:
        nonlocal count
        for claims, _table in chunks:
            count += len(claims)
            yield from claims

    write_claims(each(), output)
    return count


def _lines(claims: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims)
