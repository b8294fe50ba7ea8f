"""``yibao batch … --dask ADDRESS`` / ``--workers N``: the claims partitioned by person, settled on Dask.

1. The client reads the claims in chunks and writes each claim to the partition of a stable hash
   of its person id (BLAKE2b, so a person's claims, their whole year, land in one partition
   whatever the machine), as Parquet files in a staging folder beside the output.
2. One task per partition, on the workers: read it, sort it by person (per partition, so memory
   is a partition's), settle it with the columnar backend (``yibao/batch.py``), write
   ``part-NNNNN.parquet`` of the output dataset.
3. When every partition is settled, the dataset folder is renamed into place; if a claim is bad
   or a task fails, nothing is written and every bad claim is reported with its input row.

Workers read the staging folder and write the output folder by path: on a real cluster both
must be on storage every worker sees at the same path (``docs/columnar.md``).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yibao.batch import CHUNK, Summary, person_chunks, settle_columnar, settlement_pages
from yibao.compiler import columnar_format as F
from yibao.compiler.claims import MAX_ISSUES
from yibao.compiler.columnar_read import unread_line_fields
from yibao.dsl.errors import ClaimIssue, ClaimsUnsettled, SettlementError, YibaoError
from yibao.formats import ROW_GROUP, Skippable, dataset_folder, guess
from yibao.output import OutputError

ROW = "_row"  # the staged partitions keep each claim's input row, for error messages
SCHEDULER_TIMEOUT = "10s"


def partition_of(person_ids: np.ndarray, partitions: int) -> np.ndarray:
    """A stable partition per person id (the same on every machine and Python run)."""
    unique, inverse = np.unique(person_ids, return_inverse=True)
    def h(p: str) -> int:
        return int.from_bytes(hashlib.blake2b(p.encode("utf-8"), digest_size=8).digest(), "little")

    parts = np.array([h(str(p)) % partitions for p in unique.tolist()], dtype=np.int64)
    return parts[inverse] if len(unique) else np.zeros(0, dtype=np.int64)


def stage(source: Path, src_format: str | None, folder: Path, partitions: int, chunk: int,
          skippable: Skippable | None = None) -> int:
    """Write the claims of ``source`` into ``partitions`` Parquet files by person; returns the count.
    Read as ``yibao batch`` reads claims to settle (``Format.read_settling``, the line fields
    ``skippable`` clears left out), so the workers settle what the single process would."""
    import pyarrow.parquet as pq

    schema = F.CLAIM_SCHEMA.append(pa.field(ROW, pa.int64()))
    writers = [pq.ParquetWriter(folder / f"stage-{k:05d}.parquet", schema) for k in range(partitions)]
    reader = guess(source, src_format, reading=True)
    tables = (reader.read_settling(source, chunk, skippable) if reader.read_settling is not None
              else reader.read(source, chunk))
    seen = 0
    try:
        for table in tables:
            n = table.num_rows
            table = table.cast(F.CLAIM_SCHEMA)  # texts read dictionary-encoded: decoded
            table = table.append_column(ROW, pa.array(np.arange(seen, seen + n, dtype=np.int64)))
            seen += n
            ids = table.column("person_id").fill_null("")
            persons = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=str)
            part = partition_of(persons, partitions)
            for k in np.unique(part).tolist():
                writers[k].write_table(table.filter(pa.array(part == k)))
    finally:
        for writer in writers:
            writer.close()
    return seen


@lru_cache(maxsize=8)
def _policy(path: str) -> Any:
    from yibao.compiler.loader import load_policy
    from yibao.compiler.loader_columnar import columnar_module

    policy = load_policy(path)
    columnar_module(policy)
    return policy


def settle_partition(policy_path: str, staged: str, out: str, chunk: int) -> tuple[str, Any]:
    """A task: one staged partition settled into ``out``. Returns ("ok", (claims, persons)), or
    ("rejected", [(path, message), …]) or ("error", message): plain data, safe to send back."""
    import pyarrow.parquet as pq

    from yibao.dsl.errors import ClaimError, YibaoError

    try:
        policy = _policy(policy_path)
        table = pq.read_table(staged)
        order = pc.sort_indices(table, sort_keys=[("person_id", "ascending"), (ROW, "ascending")])
        table = table.take(order)
        rows = np.asarray(table.column(ROW).to_numpy(), dtype=np.int64)
        table = table.drop_columns([ROW])
        schema = F.settlement_schema(policy.layers, policy.accumulators)
        parts, issues, persons = [], [], 0
        failures: list[tuple[int, SettlementError]] = []
        slices = (table.slice(i, chunk) for i in range(0, table.num_rows, chunk))
        for part in person_chunks(slices, rows=rows, chunk=chunk):
            try:
                settled = settle_columnar(policy, part)
            except ClaimError as err:
                issues.extend((i.path, i.phrase or i.message, i.row) for i in err.issues)  # a phrase pickles
                continue
            except ClaimsUnsettled as err:  # each failure at its input row; its error pickles whole
                failures.extend(err.failures)
                continue
            parts.append(settled)
            persons += len(pc.unique(settled.column("person_id")))
        if issues:
            return "rejected", issues[:MAX_ISSUES]
        if failures:
            return "unsettled", failures[:MAX_ISSUES]
        result = pa.concat_tables(parts) if parts else schema.empty_table()
        pages = settlement_pages(schema)
        pq.write_table(result.cast(schema), out, row_group_size=ROW_GROUP, compression=pages["compression"],
                       use_dictionary=pages["dictionary"], column_encoding=pages["encoding"],
                       write_statistics=pages["statistics"])
        return "ok", (result.num_rows, persons)
    except SettlementError as err:
        return "error", err.phrase or str(err)  # a phrase pickles, so the error is told in each language
    except YibaoError as err:
        return "error", str(err)


def run_dask(policy: Any, source: Path, output: Path, *, scheduler: str | None = None,
             workers: int | None = None, partitions: int | None = None, src_format: str | None = None,
             chunk: int = CHUNK) -> Summary:
    """Settle ``source`` on a Dask cluster (``scheduler``) or a local one of ``workers`` processes
    into the Parquet dataset ``output``."""
    from dask.distributed import Client, LocalCluster

    from yibao.compiler.loader_columnar import columnar_module

    columnar_module(policy)  # an unsupported construct is refused before any work
    if output.suffix:
        raise OutputError(output, "with --dask or --workers the output is a Parquet dataset: "
                                  "give a folder name")
    start = time.perf_counter()
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as err:
            raise YibaoError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
    try:
        count = partitions or 4 * max(len(client.scheduler_info().get("workers", {})), 1)
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.stage.", dir=output.parent))
        try:
            stage(source, src_format, staging, count, chunk, unread_line_fields(policy))
            with dataset_folder(output) as tmp:
                futures = [client.submit(settle_partition, str(Path(policy.ast.path).resolve()),
                                         str(staging / f"stage-{k:05d}.parquet"),
                                         str(tmp / f"part-{k:05d}.parquet"), chunk, pure=False)
                           for k in range(count)]
                results = client.gather(futures)
                summary = _summary(results, source)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _summary(results: list[tuple[str, Any]], source: Path) -> Summary:
    issues: list[ClaimIssue] = []
    failures: list[tuple[int, SettlementError]] = []
    summary = Summary()
    for status, value in results:
        if status == "error":
            raise SettlementError(value)
        if status == "rejected":
            issues.extend(ClaimIssue(path, message, row) for path, message, row in value)
        elif status == "unsettled":
            failures.extend(value)
        else:
            summary.claims += value[0]
            summary.persons += value[1]
    if issues:
        by_row = sorted(issues, key=lambda issue: -1 if issue.row is None else issue.row)
        raise F.ClaimsRejected(by_row[:MAX_ISSUES], str(source), what="claims")
    if failures:  # every partition's, in input order, as one process lists them
        failures.sort(key=lambda f: f[0])
        raise ClaimsUnsettled(failures[:MAX_ISSUES], str(source), max(0, len(failures) - MAX_ISSUES))
    return summary
