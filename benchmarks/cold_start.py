"""How long a fresh ``yibao`` process takes: ``--version``, and ``check`` of the largest bundled policy.

Run: ``python benchmarks/cold_start.py [--runs 15]``

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


def run(argv: Sequence[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``argv`` over ``runs`` fresh processes."""
    walls: list[float] = []
    cpus: list[float] = []
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True, env=env)  # warm-up, caches
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append((time.perf_counter() - start) * 1000)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(argv)} failed")
        cpus.append((usage.ru_utime + usage.ru_stime) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per command (15)")
    parser.add_argument("--no-pyc", action="store_true", help="without byte-code caching")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    pyc = tempfile.TemporaryDirectory(prefix="yibao-pyc-")
    env["PYTHONPYCACHEPREFIX"] = pyc.name
    if args.no_pyc:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    yibao = [str(Path(sys.executable).with_name("yibao"))]  # the console script people run
    policy = largest_policy().relative_to(ROOT)
    commands = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "yibao --version": [*yibao, "--version"],
        f"yibao check {policy}": [*yibao, "check", str(policy)],
    }
    with pyc:
        results = {name: run(cmd, args.runs, env) for name, cmd in commands.items()}
    width = max(map(len, results))
    print(f"median of {args.runs} fresh processes, Python {sys.version.split()[0]}, "
          f"byte-code cache {'off' if args.no_pyc else 'on'}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'command':<{width}}  {'wall ms':>8}  {'cpu ms':>8}")
    for name, (wall, cpu) in results.items():
        print(f"{name:<{width}}  {wall:>8.0f}  {cpu:>8.0f}")
    wall, cpu = results[f"yibao check {policy}"]
    print(f"\ncheck, CPU ms: {cpu:.0f} (goal < {GOAL_MS:.0f}: {'met' if cpu < GOAL_MS else 'MISSED'}); "
          f"wall ms: {wall:.0f} ({'met' if wall < GOAL_MS else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
