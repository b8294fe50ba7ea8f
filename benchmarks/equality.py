"""Columnar equals scalar, to the fen, on a million sampled claims of every bundled policy.

Run: ``python benchmarks/equality.py [-n 1000000] [--jobs 2] [--seed 1] [POLICY …]``

For every bundled policy (``policies/**/*.yb``) the columnar backend accepts (the others are
listed with the construct it names), one process:

1. samples ``-n`` claims with the vectorised drawer (``sampling_stream.claim_tables``, as
   ``yibao sample-claims`` does) and gives them to ``n / --claims-per-person`` persons (a
   seeded shuffle), so that year_to_date is carried across a person's claims, then sorts them
   by person id into a Parquet file;
2. settles that file with ``yibao.batch.run`` twice: ``engine="columnar"`` and
   ``engine="scalar"`` (``Policy.settle_many`` per person in date order: exactly
   ``yibao batch --engine scalar``), each with the closing year_to_date per person;
3. compares the two settlement tables (every payer, the person, every ytd after each claim) and
   the two closing tables, column by column, to the fen.

Policies run ``--jobs`` at a time (default 2: the machine's two cores). Prints a line per policy
(claims, persons, seconds of each step) and a Markdown table; exits 1 at the first difference,
printing the claim, the columns that differ and both figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def refusal(path: Path) -> str | None:
    """Why the columnar backend refuses ``path`` (the construct it names), or None."""
    from yibao.compiler.codegen_columnar import ColumnarUnsupported
    from yibao.compiler.loader import load_policy
    from yibao.compiler.loader_columnar import columnar_module

    policy = load_policy(path)
    if policy.input != "claim":
        return f"`input {policy.input}`: records are settled one at a time (no columnar form)"
    try:
        columnar_module(policy)
    except ColumnarUnsupported as err:
        return str(err)
    return None


def first_difference(a: Any, b: Any) -> tuple[int, list[str]] | None:
    """The first row where two tables of the same schema differ, and the columns that differ there."""
    import numpy as np
    import pyarrow.compute as pc

    if a.num_rows != b.num_rows or a.schema != b.schema:
        return -1, [f"rows {a.num_rows} vs {b.num_rows}, columns {a.column_names} vs {b.column_names}"]
    rows = []
    for name in a.column_names:
        x, y = a.column(name), b.column(name)
        if x.equals(y):
            continue
        same = pc.fill_null(pc.equal(x, y), False).to_numpy(zero_copy_only=False)
        both_null = pc.and_(pc.is_null(x), pc.is_null(y)).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(~(same | both_null))
        if len(bad):
            rows.append(int(bad[0]))
    if not rows:
        return None
    row = min(rows)
    cols = [n for n in a.column_names if a.column(n)[row].as_py() != b.column(n)[row].as_py()]
    return row, cols


def one_policy(path: Path, n: int, seed: int, per_person: int) -> dict[str, Any]:
    """Sample, settle both ways, compare; the figures, or ``SystemExit(1)`` at a difference."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from yibao.compiler import columnar_format as F
    from yibao.compiler.loader import load_policy

    from yibao import batch
    from yibao.sampling_stream import claim_tables

    policy = load_policy(path)
    out: dict[str, Any] = {"policy": str(path.relative_to(ROOT)), "claims": n}
    with tempfile.TemporaryDirectory(prefix="yibao-equality-") as tmp:
        t0 = time.perf_counter()
        table = pa.concat_tables(claim_tables(policy, n, seed))
        out["sample_s"] = time.perf_counter() - t0
        persons = max(1, n // per_person)
        rng = np.random.default_rng([seed, 12])
        owner = rng.permutation(n) % persons  # each person gets n / persons claims, in any order
        ids = pc.binary_join_element_wise("P", pc.utf8_lpad(pa.array(owner).cast(pa.string()), 9, "0"), "")
        table = table.set_column(table.column_names.index("person_id"), "person_id", ids)
        table = table.take(pc.sort_indices(table, sort_keys=[("person_id", "ascending")]))
        claims = Path(tmp) / "claims.parquet"
        pq.write_table(table, claims, row_group_size=65_536)
        out["persons"] = persons
        settled: dict[str, tuple[Any, Any]] = {}
        for engine in batch.ENGINES:
            target, closing = Path(tmp) / f"{engine}.parquet", Path(tmp) / f"{engine}-closing.parquet"
            t0 = time.perf_counter()
            batch.run(policy, claims, target, engine=engine, closing_out=closing)
            out[f"{engine}_s"] = time.perf_counter() - t0
            settled[engine] = (pq.read_table(target), pq.read_table(closing))
        for i, what in enumerate(("settlement", "closing year_to_date")):
            col, sca = settled["columnar"][i], settled["scalar"][i]
            diff = first_difference(col, sca)
            if diff is not None:
                row, cols = diff
                print(f"{out['policy']}: the {what} differs at row {row}: {', '.join(cols)}", file=sys.stderr)
                if row >= 0:
                    print(f"  columnar: {col.slice(row, 1).to_pylist()[0]}", file=sys.stderr)
                    print(f"  scalar:   {sca.slice(row, 1).to_pylist()[0]}", file=sys.stderr)
                    if i == 0:
                        claim_id = col.column("claim")[row].as_py()
                        hit = pc.equal(table.column("id"), claim_id)
                        claim = F.table_to_claims(table.filter(hit))[0]
                        print("  claim: " + json.dumps(claim, ensure_ascii=False), file=sys.stderr)
                raise SystemExit(1)
        out["compared"] = settled["columnar"][0].num_rows
        out["closing_rows"] = settled["columnar"][1].num_rows
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("policies", nargs="*", type=Path, help="default: every bundled policy")
    ap.add_argument("-n", type=int, default=1_000_000, help="claims per policy (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="policies at a time (default 2)")
    ap.add_argument("--claims-per-person", type=int, default=4, help="(default 4)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one_policy(args.policies[0].resolve(), args.n, args.seed, args.claims_per_person)))
        return
    paths = [p.resolve() for p in args.policies] or sorted((ROOT / "policies").glob("**/*.yb"))
    refused = {p: why for p in paths if (why := refusal(p)) is not None}
    todo = [p for p in paths if p not in refused]
    results: list[dict[str, Any]] = []
    procs: dict[Future[subprocess.CompletedProcess[str]], Path] = {}
    started = time.perf_counter()

    running: dict[Path, subprocess.Popen[str]] = {}
    stopping = False

    def child(path: Path) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, __file__, "--child", str(path), "-n", str(args.n), "--seed", str(args.seed),
               "--claims-per-person", str(args.claims_per_person)]
        if stopping:
            return subprocess.CompletedProcess(cmd, 1, "", "")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        running[path] = proc
        out, err = proc.communicate()
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)

    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        procs = {pool.submit(child, p): p for p in todo}
        pending = set(procs)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                proc = fut.result()
                if proc.returncode != 0:
                    sys.stderr.write(proc.stderr)
                    where = procs[fut].relative_to(ROOT)
                    print(f"{where}: a difference (or a failure): exit 1", file=sys.stderr)
                    stopping = True
                    for other in pending:
                        other.cancel()
                    for path, other_proc in running.items():  # the other policies' processes, ours
                        if path != procs[fut] and other_proc.poll() is None:
                            other_proc.terminate()
                    raise SystemExit(1)
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                results.append(r)
                print(f"{r['policy']}: {r['compared']:,} claims of {r['persons']:,} persons equal to the fen "
                      f"(sample {r['sample_s']:.1f} s, columnar {r['columnar_s']:.1f} s, "
                      f"scalar {r['scalar_s']:.1f} s)", flush=True)
    total = time.perf_counter() - started
    print(f"\n{len(results)} policies, {sum(r['compared'] for r in results):,} claims, all equal to the fen "
          f"(wall {total / 60:.1f} min, {args.jobs} at a time)\n")
    print("| policy | claims | persons | sample | columnar | scalar | equal |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in sorted(results, key=lambda r: r["policy"]):
        print(f"| `{r['policy']}` | {r['compared']:,} | {r['persons']:,} | {r['sample_s']:.1f} s | "
              f"{r['columnar_s']:.1f} s | {r['scalar_s']:.1f} s | yes (settlements, closing ytd) |")
    for p, why in refused.items():
        print(f"| `{p.relative_to(ROOT)}` | — | — | — | refused | — | {why.split(': ', 1)[-1]} |")


if __name__ == "__main__":
    main()
