"""``yibao diff`` and ``yibao sample-claims`` on the streaming path: peak memory and claims/s.

Run: ``python benchmarks/streaming.py [--sizes 100000 1000000] [--base 20000]``

Each command runs as its own process (the ``yibao`` script) and its peak RSS is that
process's ``ru_maxrss`` (``os.wait4``), so the figures are the commands' own, start-up
included. On Linux a child's ``ru_maxrss`` counts the parent's pages at fork time, so this
process stays small: the sorting and the in-process baseline run in child processes too.
Flat memory shows as the same peak at 10⁵ and 10⁶ claims.

- ``sample-claims POLICY -n N -o claims.parquet`` (the columnar claim table).
- ``diff POLICY RAISED --claims sorted.parquet``: the Jiujiang resident policy against a copy
  with the level-2 deductible raised (as ``tests/test_impact.py``); the claims are those
  sampled, sorted by person id in this process first (diff streams input sorted by person).

The sampler's speed is also compared, in this process, with the baseline of drawing one
claim at a time and validating it with ``Policy.claim`` (what ``sample_policy_claims`` did
before it moved onto chunks), on ``--base`` claims.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
YIBAO = Path(sys.executable).parent / "yibao"  # the console script beside this Python
LEVEL2 = "    local, 2,           _                                 -> 400.00\n"


def run(*args: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of ``yibao ARGS``."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(YIBAO), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"yibao {' '.join(args)} failed: {err}")
    return seconds, usage.ru_maxrss * 1024


def sort_by_person(src: Path, dst: Path) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(src)
    table = table.take(pc.sort_indices(table, sort_keys=[("person_id", "ascending")]))
    pq.write_table(table, dst, row_group_size=65_536)


def baseline(n: int) -> tuple[float, float]:
    """Claims/s of one at a time (draw, ``Policy.claim``) and of ``claim_chunks``, same claims."""
    from yibao.compiler.loader import load_policy

    from yibao.sampling import _TRIES, PolicyInputs, _policy_claim
    from yibao.sampling_stream import claim_chunks

    policy = load_policy(POLICY)
    list(claim_chunks(policy, 100, 1))  # the columnar module, built once
    plan = PolicyInputs(policy)
    first, span = plan.window(None, None)
    start = time.perf_counter()
    rng = random.Random(1)
    one = []
    for i in range(n):
        for _ in range(_TRIES):
            data = _policy_claim(rng, f"SIM-1-{i + 1:06d}", plan, first, span)
            try:
                policy.claim(data)
            except Exception:
                continue
            one.append(data)
            break
    t_one = time.perf_counter() - start
    start = time.perf_counter()
    chunked = [c for claims, _ in claim_chunks(policy, n, 1) for c in claims]
    t_chunked = time.perf_counter() - start
    assert chunked == one
    return n / t_one, n / t_chunked


def child(*args: str) -> str:
    """This script in a child process (``--child …``); its standard output."""
    cmd = [sys.executable, __file__, "--child", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--base", type=int, default=20_000)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child[0] == "sort":
            sort_by_person(Path(args.child[1]), Path(args.child[2]))
        else:
            print(*baseline(int(args.child[1])))
        return
    one, chunked = map(float, child("baseline", str(args.base)).split())
    print(f"sampler, {args.base:,} claims in-process: one at a time {one:,.0f} claims/s, "
          f"in chunks {chunked:,.0f} claims/s ({chunked / one:.2f}×)\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        raised = Path(tmp) / "raised.yb"
        text = POLICY.read_text(encoding="utf-8")
        raised.write_text(text.replace(LEVEL2, LEVEL2.replace("400.00", "500.00")), encoding="utf-8")
        for n in args.sizes:
            claims = Path(tmp) / f"claims{n}.parquet"
            s_sec, s_rss = run("sample-claims", str(POLICY), "-n", str(n), "--seed", "1", "-o", str(claims))
            rows.append(("sample-claims → Parquet", n, s_sec, s_rss))
            ordered = Path(tmp) / f"sorted{n}.parquet"
            child("sort", str(claims), str(ordered))
            d_sec, d_rss = run("diff", str(POLICY), str(raised), "--claims", str(ordered), "--no-progress")
            rows.append(("diff, columnar", n, d_sec, d_rss))
            claims.unlink()
            ordered.unlink()
            print(f"  {n:,} claims done", file=sys.stderr)
    print("| command | claims | wall | claims/s | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    for name, n, sec, rss in rows:
        print(f"| {name} | {n:,} | {sec:.1f} s | {n / sec:,.0f} | {rss / 2**20:,.0f} MB |")


if __name__ == "__main__":
    main()
