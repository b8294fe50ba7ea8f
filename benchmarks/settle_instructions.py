"""Machine instructions per claim of settle(dict) and its parts, counted by valgrind (callgrind).

Run: ``python benchmarks/settle_instructions.py [-n 200] [--repeat 10]``

Wall times on a shared machine move by 2× from one minute to the next; the instructions a path
executes do not. Each path runs in its own process under ``valgrind --tool=callgrind``, counting
only inside the loop that settles the claims (``deque(map(path, claims), maxlen=0)``; callgrind
collects inside ``consume_iterator`` alone), after one pass that is not counted (string hashes,
the date cache). It runs twice, the claims settled ``--repeat`` and ``2 × --repeat`` times: the
difference over the extra claims is the path's count per claim, C and Python alike, freeing
each settlement included, with nothing of the set-up in it. The loop's own cost (``id`` over the
same claims) is subtracted. Cache misses and branch mispredictions are not counted, so the ratios
are those of the work done, which is what the wall-time ratios of ``settle_throughput.py``
approach on a quiet machine. String hashing is fixed (``PYTHONHASHSEED=0``) so that runs repeat.
Needs ``valgrind``.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
PATHS = ("hand_settle", "settle_fast", "settle_fast(view)", "policy.settle(dict)", "settle(read_view(dict))",
         "read_claim.read(dict)", "read_view.read(dict)")


def child(path: str, n: int, repeat: int) -> None:
    """Set up (not counted), one pass over the claims (not counted), then ``repeat`` counted passes."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from settle_throughput import hand_settle

    from yibao import load_policy
    from yibao.sampling import sample_claims

    policy = load_policy(POLICY)
    data = sample_claims(n, 1, enums=policy.enums)
    claims = [policy.full_claim(d) for d in data]
    views = [policy.fast_view(d) for d in data]  # type: ignore[misc]
    fns = {"hand_settle": (hand_settle, claims), "settle_fast": (policy.settle_fast, claims),
           "settle_fast(view)": (policy.module.settle, views), "policy.settle(dict)": (policy.settle, data),
           "settle(read_view(dict))": (lambda d: policy.module.settle(policy.read_view(d)), data),  # type: ignore[misc]
           "read_claim.read(dict)": (getattr(policy.read_claim, "read", None), data),
           "read_view.read(dict)": (getattr(policy.read_view, "read", None), data)}
    fn, inputs = fns.get(path, (id, data))
    gc.disable()
    for item in inputs:  # not counted: the first reading hashes the texts and fills the date cache
        fn(item)  # type: ignore[operator]
    for _ in range(repeat):
        deque(map(fn, inputs), maxlen=0)  # counted: callgrind collects inside consume_iterator only


def instructions(path: str, n: int, repeat: int) -> int:
    """Instructions executed inside the counted loop (callgrind's total)."""
    cmd = ["valgrind", "--tool=callgrind", "--toggle-collect=consume_iterator",
           "--callgrind-out-file=/dev/null", sys.executable, __file__, "--child", path, "-n", str(n),
           "--repeat", str(repeat)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same set and dict probes in every process
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stderr
    found = re.search(r"Collected : (\d+)", out)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{out[-2000:]}")
    if repeat and not int(found.group(1)):
        raise SystemExit("callgrind counted nothing inside consume_iterator: a Python without symbols?")
    return int(found.group(1))


def per_claim(path: str, n: int, repeat: int) -> float:
    """Instructions a claim: the run settling ``2 × repeat`` times less the run settling ``repeat``."""
    return (instructions(path, n, 2 * repeat) - instructions(path, n, repeat)) / (n * repeat)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=200, help="claims (200)")
    parser.add_argument("--repeat", type=int, default=10, help="times each claim is settled (10)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.n, args.repeat)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 1
    loop = per_claim("none", args.n, args.repeat)  # map and deque over the claims, calling id
    count = {p: per_claim(p, args.n, args.repeat) - loop for p in PATHS}
    print(f"{args.n} claims × {args.repeat}, instructions per claim (valgrind callgrind), Python "
          f"{sys.version.split()[0]}")
    width = max(map(len, PATHS))
    for p in PATHS:
        print(f"{p:<{width}}  {count[p]:>9,.0f}  {count[p] / count['settle_fast']:>5.2f}× settle_fast")
    user = count["policy.settle(dict)"]
    print(f"\nsettle(dict) / settle_fast {user / count['settle_fast']:.2f}× (goal ≤ 2); "
          f"hand-written / settle(dict) {count['hand_settle'] / user:.2f}× (goal ≥ 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
