"""What the language server adds to `yibao check` on every keystroke, as a ratio in the same run.

    .venv/bin/python benchmarks/lsp_latency.py            # every bundled policy, best of 7 rounds
    .venv/bin/python benchmarks/lsp_latency.py --rounds 15

For each bundled policy, times (best round, `time.perf_counter`):

- baseline: `parse` + `check` of the text, which is what `yibao check` does before printing;
- analyse: `yibao.lsp.index.analyse`, what the server runs on open and on every change:
  the same parse and check, then the index of every name (definitions and references).

and prints both in milliseconds with analyse / baseline. Completion and hover answer from the
analysis without parsing again, so this is the per-change cost of the editor features.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from yibao.dsl.checks import check
from yibao.dsl.errors import PolicyError
from yibao.dsl.parser import parse

from yibao.lsp.index import analyse

ROOT = Path(__file__).resolve().parents[1]


def _baseline(text: str, path: str) -> None:
    with contextlib.suppress(PolicyError):
        check(parse(text, path))


def best(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    print(f"{'policy':<52} {'check ms':>9} {'analyse ms':>11} {'ratio':>6}")
    total_b = total_a = 0.0
    for path in sorted((ROOT / "policies").rglob("*.yb")):
        text, name = path.read_text(encoding="utf-8"), str(path)
        _baseline(text, name)  # warm Lark's tables and the caches
        b = best(lambda t=text, n=name: _baseline(t, n), args.rounds)
        a = best(lambda t=text, n=name: analyse(t, n), args.rounds)
        total_b, total_a = total_b + b, total_a + a
        print(f"{path.relative_to(ROOT)!s:<52} {b * 1e3:>9.2f} {a * 1e3:>11.2f} {a / b:>6.2f}")
    print(f"{'all':<52} {total_b * 1e3:>9.2f} {total_a * 1e3:>11.2f} {total_a / total_b:>6.2f}")


if __name__ == "__main__":
    main()
