"""How checking and compiling grow with a policy's size: a long table, many parameters.

Run: ``python benchmarks/policy_scale.py [--sizes 1000 2000 4000 8000] [--rounds 3]``

``tests/compiler/test_codegen_scale.py`` proves that policies of 10,000 table rows and
10,000 parameters check, compile, load and settle correctly; this script measures how the
time grows. For each size it times parsing, checking, generating and loading (best of
``--rounds``), and prints the growth exponent between consecutive sizes,
``log2(t(2n) / t(n))``: 1 is linear, 2 quadratic. The goal is at most 1.3 for every stage
total, so that a policy ten times larger takes about ten times as long, never a hundred.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

from yibao.compiler.codegen import generate
from yibao.compiler.loader import Policy
from yibao.dsl.checks import check
from yibao.dsl.parser import parse

GROWTH_GOAL = 1.3

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


def stages(text: str, rounds: int) -> dict[str, float]:
    """Best seconds of each stage over ``rounds`` runs."""
    best = {"parse": math.inf, "check": math.inf, "generate": math.inf, "load": math.inf}
    for _ in range(rounds):
        t0 = time.perf_counter()
        tree = parse(text, "scale.yb")
        t1 = time.perf_counter()
        checked = check(tree)
        t2 = time.perf_counter()
        source = generate(checked)
        t3 = time.perf_counter()
        Policy(checked, source)
        t4 = time.perf_counter()
        for name, took in zip(best, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            best[name] = min(best[name], took)
    return best


def report(title: str, build: Callable[[int], str], sizes: list[int], rounds: int) -> bool:
    print(f"\n{title}")
    heads = ("parse s", "check s", "generate s", "load s", "total s", "growth")
    print(f"{'size':>8} " + " ".join(f"{h:>10}" for h in heads))
    met, previous = True, None
    for n in sizes:
        t = stages(build(n), rounds)
        total = sum(t.values())
        growth = ""
        if previous is not None:
            exponent = math.log(total / previous[1]) / math.log(n / previous[0])
            met &= exponent <= GROWTH_GOAL
            growth = f"{exponent:.2f}"
        figures = (*(f"{t[k]:.3f}" for k in ("parse", "check", "generate", "load")), f"{total:.3f}", growth)
        print(f"{n:>8,} " + " ".join(f"{x:>10}" for x in figures))
        previous = (n, total)
    return met


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sizes = sorted(args.sizes)
    table = report("a table of n rows", table_text, sizes, args.rounds)
    params = report("n parameters, each naming the one before", params_text, sizes, args.rounds)
    for name, met in (("table", table), ("parameters", params)):
        print(f"{name}: growth ≤ {GROWTH_GOAL} at every step: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
