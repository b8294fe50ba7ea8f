"""``yibao sample-claims`` and ``yibao diff`` on the streaming path: claims/s and peak memory.

Run: ``python benchmarks/streaming.py [--sizes 100000 1000000 10000000] [--base 100000] [--diff]``

Each command runs as its own process and its peak RSS is that process's ``ru_maxrss``
(``os.wait4``), so the figures are the commands' own, start-up included. On Linux a child's
``ru_maxrss`` counts the parent's pages at fork time, so this process stays small: the sorting
and the old path run in child processes too. Flat memory shows as the same peak at every size.

- ``sample-claims POLICY -n N -o claims.parquet``: the vectorised drawer (``sampling_columnar``)
  writing the columnar claim table, at each of ``--sizes``.
- The old path, in the same run, on ``--base`` claims: the scalar drawer in chunks, validated by
  the columnar validator and written to Parquet (``sampling_stream.claim_chunks`` and
  ``write_chunks``: what ``sample-claims`` ran before it drew with NumPy), as a process of its own.
- With ``--diff``: ``diff POLICY RAISED --claims sorted.parquet`` at each size up to 10⁶, the
  Jiujiang resident policy against a copy with the level-2 deductible raised (as
  ``tests/test_impact.py``), on the sampled claims sorted by person id first.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
YIBAO = Path(sys.executable).parent / "yibao"  # the console script beside this Python
LEVEL2 = "    local, 2,           _                                 -> 400.00\n"


def run(*args: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, every thread) and peak RSS (bytes) of ``yibao ARGS``."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(YIBAO), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"yibao {' '.join(args)} failed: {err}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def sort_by_person(src: Path, dst: Path) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(src)
    table = table.take(pc.sort_indices(table, sort_keys=[("person_id", "ascending")]))
    pq.write_table(table, dst, row_group_size=65_536)


def old_path(n: int, out: Path) -> None:
    """The scalar drawer in chunks to Parquet: ``sample-claims`` before the vectorised drawer."""
    from yibao.compiler.loader import load_policy

    from yibao.sampling_stream import claim_chunks, write_chunks

    write_chunks(claim_chunks(load_policy(POLICY), n, 1), out)


def run_child(*args: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS of this script in a child process (``--child …``)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"--child {' '.join(args)} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--base", type=int, default=100_000)
    ap.add_argument("--diff", action="store_true", help="also time yibao diff (sizes up to 10⁶)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child[0] == "sort":
            sort_by_person(Path(args.child[1]), Path(args.child[2]))
        else:
            old_path(int(args.child[1]), Path(args.child[2]))
        return
    rows = []
    load = f"{os.getloadavg()[0]:.1f}"
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old.parquet"
        old_run = run_child("old", str(args.base), str(old))
        old.unlink()
        rows.append(("old: scalar drawer in chunks → Parquet", args.base, *old_run))
        new = Path(tmp) / "new.parquet"
        new_run = run("sample-claims", str(POLICY), "-n", str(args.base), "--seed", "1", "-o", str(new))
        new.unlink()
        rows.append(("sample-claims → Parquet (vectorised)", args.base, *new_run))
        raised = Path(tmp) / "raised.yb"
        text = POLICY.read_text(encoding="utf-8")
        raised.write_text(text.replace(LEVEL2, LEVEL2.replace("400.00", "500.00")), encoding="utf-8")
        for n in args.sizes:
            claims = Path(tmp) / f"claims{n}.parquet"
            rows.append(("sample-claims → Parquet (vectorised)", n,
                         *run("sample-claims", str(POLICY), "-n", str(n), "--seed", "1", "-o", str(claims))))
            if args.diff and n <= 1_000_000:
                ordered = Path(tmp) / f"sorted{n}.parquet"
                run_child("sort", str(claims), str(ordered))
                rows.append(("diff, columnar", n, *run("diff", str(POLICY), str(raised), "--claims",
                                                       str(ordered), "--no-progress")))
                ordered.unlink()
            claims.unlink()
            print(f"  {n:,} claims done", file=sys.stderr)
    print(f"vectorised against the old path, same run, {args.base:,} claims: {old_run[0] / new_run[0]:.1f}× "
          f"in wall time, {old_run[1] / new_run[1]:.1f}× in CPU time; load average before/after: "
          f"{load} / {os.getloadavg()[0]:.1f}\n")
    print("| command | claims | wall | claims/s | CPU (user+sys) | claims per CPU-second | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, n, sec, cpu, rss in rows:
        print(f"| {name} | {n:,} | {sec:.1f} s | {n / sec:,.0f} | {cpu:.1f} s | {n / cpu:,.0f} | "
              f"{rss / 2**20:,.0f} MB |")


if __name__ == "__main__":
    main()
