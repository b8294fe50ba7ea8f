"""How long a fresh ``yibao`` process takes: ``--version``, and ``check`` of the largest bundled policy.

Run: ``python benchmarks/cold_start.py [--runs 15] [--against OTHER_VENV/bin/python]``

Each command runs ``--runs`` times as a new process (as hyperfine does, after one warm-up run
that also fills Lark's table cache); the median wall time and the median CPU time (user + system,
from the child's resource usage) are printed. The baseline in the same run is ``python -c pass``:
the interpreter's own start-up, which no change to yibao can remove. On a shared machine the
CPU time is the steadier figure; wall time includes waiting for a core.

The children run as an installed yibao does: with byte-code caching on (``PYTHONDONTWRITEBYTECODE``
removed), the ``.pyc`` files kept under a temporary ``PYTHONPYCACHEPREFIX`` so the tree stays clean.
Without byte-code caching every module is compiled from source in every process, which costs more
than everything else together; ``--no-pyc`` measures that.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 300.0  # `yibao check` of the largest bundled policy, as a fresh process (issue 12)


def largest_policy() -> Path:
    return max((ROOT / "policies").glob("*/*.yb"), key=lambda p: p.stat().st_size)


def once(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def run(argvs: Sequence[Sequence[str]], runs: int, env: dict[str, str]) -> list[tuple[float, float]]:
    """Median wall and CPU milliseconds of each of ``argvs`` over ``runs`` fresh processes, taken in
    turn (one of each, then again) so that every command meets the same load."""
    for argv in argvs:
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True, env=env)  # warm-up, caches
    times: list[list[tuple[float, float]]] = [[] for _ in argvs]
    for _ in range(runs):
        for i, argv in enumerate(argvs):
            times[i].append(once(argv, env))
    return [(statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for t in times]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per command (15)")
    parser.add_argument("--no-pyc", action="store_true", help="without byte-code caching")
    parser.add_argument("--against", metavar="PYTHON", type=Path,
                        help="also measure the yibao of another virtualenv (its bin/python), e.g. an older "
                             "commit installed elsewhere, in the same run")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    pyc = tempfile.TemporaryDirectory(prefix="yibao-pyc-")
    env["PYTHONPYCACHEPREFIX"] = pyc.name
    if args.no_pyc:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    pythons = {"this": Path(sys.executable)}
    if args.against is not None:
        pythons["against"] = args.against
    policy = largest_policy().relative_to(ROOT)
    commands = {
        "python -c pass (baseline)": lambda py: [str(py), "-c", "pass"],
        "yibao --version": lambda py: [str(py.with_name("yibao")), "--version"],  # the console script
        f"yibao check {policy}": lambda py: [str(py.with_name("yibao")), "check", str(policy)],
    }
    with pyc:
        results = {name: dict(zip(pythons, run([make(py) for py in pythons.values()], args.runs, env),
                                  strict=True))
                   for name, make in commands.items()}
    width = max(map(len, results))
    print(f"median of {args.runs} fresh processes, Python {sys.version.split()[0]}, "
          f"byte-code cache {'off' if args.no_pyc else 'on'}, load average {os.getloadavg()[0]:.1f}")
    if args.against is not None:
        print(f"against: {args.against}")
    heads = "".join(f"  {f'{who} wall':>13}  {f'{who} cpu':>12}" for who in pythons)
    print(f"{'command':<{width}}{heads}")
    for name, by in results.items():
        cells = "".join(f"  {wall:>13.0f}  {cpu:>12.0f}" for wall, cpu in by.values())
        print(f"{name:<{width}}{cells}")
    wall, cpu = results[f"yibao check {policy}"]["this"]
    print(f"\ncheck, CPU ms: {cpu:.0f} (goal < {GOAL_MS:.0f}: {'met' if cpu < GOAL_MS else 'MISSED'}); "
          f"wall ms: {wall:.0f} ({'met' if wall < GOAL_MS else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
