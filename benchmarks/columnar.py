"""The columnar backend against hand-written baselines of the same rules, in one run.

Run: ``python benchmarks/columnar.py [--sizes 100000 1000000] [--base 5000] [--rounds 3]``

One policy: the Jiujiang resident inpatient rules plus a three-band critical-illness layer
(``POLICY`` below). Paths, each checked equal to the fen on every claim before it is timed:

- hand-written Python over integer fen (``hand_settle``): the 1× baseline;
- hand-written NumPy int64 over the same arrays the backend reads (``hand_numpy``);
- ``policy.settle(dict)``: what a user calls, validation included;
- the columnar settle step (``columnar_settle.settle_batch`` on a ``Batch``);
- Parquet → Parquet end to end (``yibao batch`` in-process: read, validate, settle, write).

Then scaling: Parquet → Parquet at each ``--sizes`` (each in a fresh process, for its peak RSS;
the claims written beforehand by another).
Claims: ``--base`` claims drawn by ``sample_policy_claims``, repeated with new ids and persons
and their bills scaled (exactly, in fen) to reach each size, written in chunks.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from yibao.compiler import columnar_format as F
from yibao.compiler.columnar_settle import batch_from_claims, settle_batch
from yibao.compiler.loader import compile_policy
from yibao.compiler.loader_columnar import columnar_module
from yibao.compiler.runtime_columnar import Batch

from yibao.formats import COMPRESSION, ROW_GROUP

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_rules import ANNUAL_CAP, BANDS, layers

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
CRITICAL = """
layer critical "大病保险" / "critical-illness insurance"
  cite jj2020 "二(三)一"
  assume "a three-band critical-illness layer on what basic insurance leaves, for the benchmark"
  base remaining
  bands per year
    0.00 to 15000.00 -> 0%
    15000.00 to 100000.00 -> 60%
    above 100000.00 -> 70%
"""


def policy() -> Any:
    return compile_policy(BASE.read_text(encoding="utf-8") + CRITICAL, str(BASE))


# ------------------------------------------------------------ hand-written baselines
def hand_settle(c: Any) -> tuple[int, int, int]:
    """(basic, critical, person) in fen, written by hand on a validated ``Claim``."""
    in_scope = 0
    for line in c.lines:
        if line.category == "A":
            in_scope += line.amount
        elif line.category == "B":
            in_scope += line.amount - (line.amount + 5) // 10
    ytd = c.ytd
    basic, critical = layers(c.region, c.level, c.referral, in_scope, ytd.get("basic.deductible", 0),
                             ytd.get("basic.paid", 0), ytd.get("critical.base", 0))
    return basic, critical, c.total - basic - critical


def hand_numpy(b: Batch, enums: dict[str, tuple[str, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same rules over the batch's arrays (enums as integer codes), written by hand with NumPy."""
    def code(field: str, value: str) -> int:
        return enums[field].index(value)

    amount, cat, off = b.line_amount, b.line_category, b.line_offsets[:-1]
    kept = np.where(cat == 0, amount, np.where(cat == 1, amount - (amount + 5) // 10, 0))  # A, B
    in_scope = np.add.reduceat(kept, off)
    total = np.add.reduceat(amount, off)
    level = b.level
    local = b.region == code("visit.region", "local")
    low = (level == code("visit.level", "1")) | (level == code("visit.level", "primary"))
    conds = [local & low, local & (level == code("visit.level", "2")), local,
             b.referral == code("visit.referral", "none")]
    deductible = np.select(conds, [10_000, 40_000, 60_000, 80_000], 60_000)
    rate = np.select(conds, [90, 80, 60, 40], 50)
    deductible = np.minimum(in_scope, np.maximum(0, deductible - b.ytd["basic.deductible"]))
    basic = ((in_scope - deductible) * rate + 50) // 100
    basic = np.minimum(basic, np.maximum(0, ANNUAL_CAP - b.ytd["basic.paid"]))
    before = b.ytd["critical.base"]
    after = before + in_scope - basic
    critical = np.zeros(b.n, dtype=np.int64)
    for lo, hi, pct in BANDS:
        lo_ = np.maximum(lo, before)
        top = after if hi is None else np.minimum(hi, after)
        critical += np.where(top > lo_, ((top - lo_) * pct + 50) // 100, 0)
    return basic, critical, total - basic - critical


# ------------------------------------------------------------ claims
def base_claims(pol: Any, n: int, seed: int = 1) -> list[dict[str, Any]]:
    from yibao.sampling import sample_policy_claims

    return sorted(sample_policy_claims(pol, n, seed=seed), key=lambda c: c["person"]["id"])


def tiles(base: pa.Table, size: int, chunk: int = 65_536) -> Any:
    """``size`` claims as tables of at most ``chunk`` rows: the base claims again and again, each
    copy with new ids and person ids (persons in sorted order) and its bill scaled by 1–3×."""
    made = 0
    copy = 0
    n = base.num_rows
    while made < size:
        k = min(n, size - made)
        t = base.slice(0, k)
        factor = 1 + copy % 3
        lines = t.column("lines").combine_chunks()
        child = lines.values
        scaled = pc.multiply(child.field("amount"), factor)
        fields = [scaled if f.name == "amount" else child.field(f.name) for f in F.LINE_TYPE]
        struct = pa.StructArray.from_arrays(fields, fields=list(F.LINE_TYPE))
        t = t.set_column(t.schema.get_field_index("lines"), "lines",
                         pa.ListArray.from_arrays(lines.offsets, struct))
        ids = np.char.add(f"B{copy:05d}-", np.arange(k).astype(str))
        t = t.set_column(0, "id", pa.array(ids))
        t = t.set_column(t.schema.get_field_index("person_id"), "person_id",
                         pa.array(np.char.add(f"P{copy:05d}-", np.char.zfill(np.arange(k).astype(str), 7))))
        for start in range(0, k, chunk):
            yield t.slice(start, chunk)
        made += k
        copy += 1


def write_claims(base: pa.Table, size: int, path: Path, row_group: int = ROW_GROUP) -> None:
    """``size`` claims (``tiles``) into a Parquet file laid out as ``yibao sample-claims`` writes
    one: ``row_group`` claims a row group, every column dictionary-encoded where it pays, pages
    compressed with ``formats.COMPRESSION``."""
    writer = pq.ParquetWriter(path, F.CLAIM_FILE_SCHEMA, compression=COMPRESSION)
    held: list[pa.Table] = []
    count = 0
    for t in tiles(base, size):
        held.append(t.cast(F.CLAIM_FILE_SCHEMA))
        count += t.num_rows
        if count >= row_group:
            whole = pa.concat_tables(held)
            writer.write_table(whole.slice(0, row_group), row_group_size=row_group)
            held, count = [whole.slice(row_group)], count - row_group
    if count:
        writer.write_table(pa.concat_tables(held), row_group_size=row_group)
    writer.close()


# ------------------------------------------------------------ timing
def best(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """The least wall time and the least CPU time of ``rounds`` calls. Every path runs in one
    thread, so its CPU time is its wall time on a core of its own: on this shared machine the
    CPU time is the steadier figure (the wall time includes waiting for a core)."""
    walls, cpus = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def write_scale(size: int, base_n: int, src: Path) -> None:
    """The claims of one scale, written to ``src`` (in a process of its own: its memory is not
    the batch's)."""
    pol = policy()
    base = F.claims_to_table((str(i), c) for i, c in enumerate(base_claims(pol, base_n)))
    write_claims(base, size, src)


def peak_rss_mb() -> float:
    """This process's peak resident memory: ``VmHWM``, which starts afresh at ``exec`` (Linux's
    ``ru_maxrss`` keeps the forking parent's peak across it, so a child of a big process reports
    the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def end_to_end(src: Path, folder: Path) -> dict[str, Any]:
    """One scale, in this fresh process: yibao batch Parquet → Parquet of the claims at ``src``
    (the peak RSS is this process's: the policy compiled, the batch run)."""
    from yibao.batch import run

    pol = policy()
    columnar_module(pol)
    out = folder / "settled.parquet"
    start, cpu = time.perf_counter(), time.process_time()
    summary = run(pol, src, out)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss = peak_rss_mb()
    return {"claims": summary.claims, "wall": wall, "rate": summary.claims / wall,
            "cpu": cpu, "cpu_rate": summary.claims / cpu,
            "rss_mb": rss, "in_mb": src.stat().st_size / 2**20, "out_mb": out.stat().st_size / 2**20}


def stages(pol: Any, src: Path, out: Path) -> dict[str, float]:
    """CPU seconds of each stage of one ``yibao batch`` run: the stage functions of ``yibao.batch``
    wrapped, for this run only, in timers (reading is the chunk iterator, writing what is left)."""
    import yibao.batch as yb

    spent: dict[str, float] = {"read Parquet, cut chunks": 0.0, "validate (read_batch)": 0.0,
                               "settle (settle_batch)": 0.0, "settlement table": 0.0}

    def timed(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - start
        return call

    def chunks(*args: Any, **kwargs: Any) -> Any:
        it = saved["person_chunks"](*args, **kwargs)
        step = timed(lambda: next(it, None), "read Parquet, cut chunks")
        while (part := step()) is not None:
            yield part

    saved = {name: getattr(yb, name) for name in ("person_chunks", "read_batch")}
    saved["settled_table"] = yb.F.settled_table
    import yibao.compiler.columnar_settle as rc

    saved_settle = rc.settle_batch
    try:
        yb.person_chunks = chunks  # type: ignore[assignment]
        yb.read_batch = timed(saved["read_batch"], "validate (read_batch)")  # type: ignore[assignment]
        rc.settle_batch = timed(saved_settle, "settle (settle_batch)")  # type: ignore[assignment]
        yb.F.settled_table = timed(saved["settled_table"], "settlement table")  # type: ignore[assignment]
        start = time.process_time()
        yb.run(pol, src, out)
        total = time.process_time() - start
    finally:
        yb.person_chunks, yb.read_batch = saved["person_chunks"], saved["read_batch"]  # type: ignore[assignment]
        rc.settle_batch, yb.F.settled_table = saved_settle, saved["settled_table"]  # type: ignore[assignment]
    spent["write Parquet, the rest"] = total - sum(spent.values())
    spent["total"] = total
    return spent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=int, default=5000, help="sampled claims (default 5000)")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--step", type=int, default=65_536, help="claims of the array paths (a chunk)")
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--e2e", type=int, default=1_000_000, help="claims of the Parquet → Parquet path")
    ap.add_argument("--write-one", nargs=2, help=argparse.SUPPRESS)  # internal: SIZE PATH, claims out
    ap.add_argument("--scale-one", help=argparse.SUPPRESS)  # internal: a claims file, JSON out
    args = ap.parse_args()
    if args.write_one:
        write_scale(int(args.write_one[0]), args.base, Path(args.write_one[1]))
        return 0
    if args.scale_one:
        src = Path(args.scale_one)
        print(json.dumps(end_to_end(src, src.parent)))
        return 0

    pol = policy()
    module = columnar_module(pol)
    dicts = base_claims(pol, args.base)
    claims = [pol.claim(d) for d in dicts]
    # the array paths over a chunk of --step claims: the sampled ones again, each a new person
    step = [replace(c, id=f"{c.id}-{k}", person_id=f"{k:04d}-{c.person_id}")
            for k in range(max(args.step // len(claims), 1)) for c in claims]
    batch = batch_from_claims(step, module)
    n = len(claims)

    # every path equal to the fen before anything is timed
    want = [hand_settle(c) for c in step]
    got = settle_batch(module, batch)
    hb, hc, hp = hand_numpy(batch, module.ENUMS)
    for i, c in enumerate(step):
        s = pol.settle(dicts[i % n])
        cols = (int(got.payers["basic"][i]), int(got.payers["critical"][i]), int(got.person[i]))
        if not (want[i] == (s.payer_fen[0], s.payer_fen[1], s.person_fen) == cols
                == (int(hb[i]), int(hc[i]), int(hp[i]))):
            print(f"claim {c.id}: paths disagree: hand {want[i]}, scalar {s.payer_fen, s.person_fen}, "
                  f"columnar {cols}, numpy {(hb[i], hc[i], hp[i])}", file=sys.stderr)
            return 1

    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "claims.parquet", Path(tmp) / "settled.parquet"
        write_claims(F.claims_to_table((str(i), d) for i, d in enumerate(dicts)), args.e2e, src)
        from yibao.batch import run

        m = batch.n
        paths = {  # (what, how many claims it settles)
            "hand-written Python, integer fen": (lambda: [hand_settle(c) for c in claims], n),
            "hand-written NumPy int64": (lambda: hand_numpy(batch, module.ENUMS), m),
            "yibao policy.settle(dict)": (lambda: [pol.settle(d) for d in dicts], n),
            "yibao columnar settle step": (lambda: settle_batch(module, batch), m),
        }
        # yibao batch's own function, from opening the input to closing the output
        paths[f"yibao batch, Parquet → Parquet, {args.e2e:,} claims"] = (lambda: run(pol, src, out), args.e2e)
        least = {name: (float("inf"), float("inf")) for name in paths}
        for _ in range(args.rounds):  # the paths in turn, round after round: a busy moment hits all
            for name, (fn, _size) in paths.items():
                wall, cpu = best(fn, 1)
                least[name] = (min(least[name][0], wall), min(least[name][1], cpu))
        rates = {name: (size / least[name][0], size / least[name][1]) for name, (_fn, size) in paths.items()}
        spent = stages(pol, src, out)
    base_rate = rates["hand-written Python, integer fen"][1]
    numpy_rate = rates["hand-written NumPy int64"][1]
    print(f"{n:,} sampled claims ({sum(len(c.lines) for c in claims):,} lines); the array paths over "
          f"{m:,} claims (a chunk); best of {args.rounds} rounds; every path equal to the fen on "
          f"all {m:,}; ratios of CPU time\n")
    print("| path | claims/s (wall) | claims/s (CPU) | vs hand-written int-fen | vs hand-written NumPy |")
    print("|---|---:|---:|---:|---:|")
    for name, (wall_rate, rate) in rates.items():
        print(f"| {name} | {wall_rate:,.0f} | {rate:,.0f} | {rate / base_rate:.3g}× "
              f"| {rate / numpy_rate:.3g}× |")

    print(f"\nCPU time of each stage of one Parquet → Parquet run of {args.e2e:,} claims:\n")
    print("| stage | CPU s | share |")
    print("|---|---:|---:|")
    for name, sec in spent.items():
        print(f"| {name} | {sec:.2f} | {sec / spent['total']:.0%} |")

    if args.sizes:
        print("\n| claims | Parquet → Parquet wall | claims/s | CPU time | claims/s of CPU | peak RSS "
              "| claims file |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / f"claims-{size}.parquet"
                for step in (["--write-one", str(size), str(src)], ["--scale-one", str(src)]):
                    base = ["--base", str(min(args.base, size))]
                    res = subprocess.run([sys.executable, __file__, *step, *base], capture_output=True,
                                         text=True, check=False)
                    if res.returncode:
                        print(res.stderr, file=sys.stderr)
                        return 1
            r = json.loads(res.stdout)
            print(f"| {r['claims']:,} | {r['wall']:.1f} s | {r['rate']:,.0f} | {r['cpu']:.1f} s | "
                  f"{r['cpu_rate']:,.0f} | {r['rss_mb']:,.0f} MB | {r['in_mb']:,.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
