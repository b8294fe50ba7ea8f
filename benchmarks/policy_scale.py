"""How checking and compiling grow with a policy's size: a long table, many parameters.

Run: ``python benchmarks/policy_scale.py [--sizes 1000 2000 4000 8000] [--rounds 3]``

``tests/compiler/test_codegen_scale.py`` proves that policies of 10,000 table rows and
10,000 parameters check, compile, load and settle correctly; this script measures how the
time grows. For each size it times parsing, checking, generating and loading (best of
``--rounds``), and prints the growth exponent between consecutive sizes,
``log2(t(2n) / t(n))``: 1 is linear, 2 quadratic, of each stage and of the total. The goal is
at most 1.3, so that a policy ten times larger takes about ten times as long, never a hundred;
it is judged on the total and on every stage that takes at least ``NOISE_FLOOR`` seconds (a
stage of a few milliseconds grows by whatever else the machine does).

Times are the process's CPU time by default (``--clock cpu``): on a shared machine the wall
clock also counts the time other processes hold the cores. ``--clock wall`` times the wall.
Each size starts from a collected heap, so one size's garbage does not weigh on the next.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from yibao.compiler import codegen, codegen_groups, loader
from yibao.compiler.codegen import generate
from yibao.compiler.loader import Policy
from yibao.dsl import checks
from yibao.dsl.checks import check
from yibao.dsl.parser import parse

GROWTH_GOAL = 1.3
NOISE_FLOOR = 0.1  # seconds: a shorter stage's growth is shown, not judged
STAGES = ("parse", "check", "generate", "load")

HEAD = '''\
policy scale.policy "规模" / "scale"
  effective 2020-01-01

source doc "文件" / "document"

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> in scope
  category C -> out of scope
'''


def table_text(rows: int) -> str:
    """A rate table of ``rows`` rows over region × person category, first match wins."""
    side = math.isqrt(rows) + 2
    regions = " | ".join(f"r{i}" for i in range(side))
    categories = " | ".join(f"k{j}" for j in range(side))
    body = [f"    r{i}, k{j} -> {(i * 7 + j) % 90 + 1}%"
            for i in range(side) for j in range(side)][:rows - 1]
    body.append("    _, _ -> 50%")
    return (HEAD + f"\nenum visit.region = {regions}\nenum person.category = {categories}\n" + '''
layer basic "统筹" / "basic"
  cite doc
  rate rate

parameter rate "比例" / "rate": rate
  cite doc
  table visit.region, person.category
''' + "\n".join(body) + "\n")


def params_text(n: int) -> str:
    """``n`` parameters, each one more than the last: p0 = 1.00, p{i} = p{i-1} + 1.00."""
    out = [HEAD, f'''
layer basic "统筹" / "basic"
  cite doc
  deductible p{n // 2 - 1} per visit
  rate 50%
  cap p{n - 1} per visit
''']
    for i in range(n):
        value = "1.00" if i == 0 else f"p{i - 1} + 1.00"
        out.append(f'\nparameter p{i} "参数{i}" / "parameter {i}": money\n  cite doc\n  value {value}\n')
    return "".join(out)


def stages(text: str, rounds: int, clock: Callable[[], float] = time.process_time) -> dict[str, float]:
    """Best seconds of each stage over ``rounds`` runs."""
    best = dict.fromkeys(STAGES, math.inf)
    for _ in range(rounds):
        gc.collect()
        t0 = clock()
        tree = parse(text, "scale.yb")
        t1 = clock()
        checked = check(tree)
        t2 = clock()
        source = generate(checked)
        t3 = clock()
        Policy(checked, source)
        t4 = clock()
        for name, took in zip(best, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            best[name] = min(best[name], took)
        del tree, checked, source
    return best


def report(title: str, build: Callable[[int], str], sizes: list[int], rounds: int,
           clock: Callable[[], float]) -> bool:
    """Print each size's stage times and each step's growth exponents; whether the goal is met."""
    print(f"\n{title}")
    heads = (*(f"{k} s" for k in STAGES), "total s")
    print(f"{'size':>8} " + " ".join(f"{h:>10}" for h in heads))
    met, rows = True, []
    for n in sizes:
        t = stages(build(n), rounds, clock)
        t["total"] = sum(t.values())
        rows.append((n, t))
        print(f"{n:>8,} " + " ".join(f"{t[k]:>10.3f}" for k in (*STAGES, "total")))
    print(f"{'growth':>8} " + " ".join(f"{k:>10}" for k in (*STAGES, "total")))
    for (n0, a), (n1, b) in itertools.pairwise(rows):
        exponents = {k: math.log(b[k] / a[k]) / math.log(n1 / n0) for k in (*STAGES, "total")}
        judged = [k for k in exponents if k == "total" or min(a[k], b[k]) >= NOISE_FLOOR]
        met &= all(exponents[k] <= GROWTH_GOAL for k in judged)
        cells = (f"{exponents[k]:.2f}" + ("" if k in judged else "*") for k in (*STAGES, "total"))
        print(f"{f'→{n1:,}':>8} " + " ".join(f"{c:>10}" for c in cells))
    print(f"(* under {NOISE_FLOOR} s: shown, not judged)")
    return met


@contextmanager
def as_before() -> Iterator[None]:
    """Every parameter in line, and the collector running while checking, generating and loading,
    as before ``codegen_groups`` and those stages' ``collector_paused`` (the baseline of
    ``--compare``, in the same run; the parser's pause, older, is kept)."""
    paused = (checks, codegen, loader)
    saved = codegen_groups._INLINE_PARAMS, [m.collector_paused for m in paused]
    codegen_groups._INLINE_PARAMS = 10**9
    for m in paused:
        m.collector_paused = nullcontext  # type: ignore[assignment]
    try:
        yield
    finally:
        codegen_groups._INLINE_PARAMS = saved[0]
        for m, f in zip(paused, saved[1], strict=True):
            m.collector_paused = f  # type: ignore[assignment]


def compare(sizes: list[int], rounds: int, clock: Callable[[], float]) -> None:
    """The parameters as generated now and as before (``as_before``), each round timing one then
    the other, so that both meet the same machine; best of the rounds, and now / before."""
    print("\nn parameters, now and as before (in line, the collector running), rounds interleaved")
    heads = ("now s", "before s", "now/before", "load now", "load before", "now/before")
    print(f"{'size':>8} " + " ".join(f"{h:>11}" for h in heads))
    later = ("check", "generate", "load")
    for n in sizes:
        text = params_text(n)
        now: dict[str, float] = dict.fromkeys(STAGES, math.inf)
        before = dict(now)
        for _ in range(rounds):
            for best, form in ((now, nullcontext), (before, as_before)):
                with form():
                    t = stages(text, 1, clock)
                for k in STAGES:
                    best[k] = min(best[k], t[k])
        a, b = sum(now[k] for k in later), sum(before[k] for k in later)
        cells = (f"{a:.3f}", f"{b:.3f}", f"{a / b:.2f}", f"{now['load']:.3f}", f"{before['load']:.3f}",
                 f"{now['load'] / before['load']:.2f}")
        print(f"{n:>8,} " + " ".join(f"{c:>11}" for c in cells))
    print("(now s, before s: check + generate + load)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="the process's CPU time (default) or the wall clock")
    ap.add_argument("--compare", action="store_true",
                    help="also time the parameters as before: in line, the collector running")
    args = ap.parse_args()
    sizes = sorted(args.sizes)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    print(f"seconds of {'CPU' if args.clock == 'cpu' else 'wall'} time, best of {args.rounds}")
    table = report("a table of n rows", table_text, sizes, args.rounds, clock)
    params = report("n parameters, each naming the one before", params_text, sizes, args.rounds, clock)
    if args.compare:
        compare(sizes, args.rounds, clock)
    for name, met in (("table", table), ("parameters", params)):
        print(f"{name}: growth ≤ {GROWTH_GOAL} at every step: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
