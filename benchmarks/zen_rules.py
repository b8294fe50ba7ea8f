"""The benchmark policy's rules as a GoRules JDM decision graph, run by zen-engine; the zen side of
``zen_compare.py``.

Run by ``zen_compare.py`` in zen-engine's own virtualenv: ``python zen_rules.py INPUTS.json
--rounds N`` prints JSON. Imports nothing of yibao, so that both processes can import it: the
yibao one for ``prepare`` and ``hand_dict``, the baseline both processes time.

The rules are ``columnar.py``'s (the Jiujiang resident inpatient rules plus a three-band
critical-illness layer): a first-hit decision table gives the deductible and rate by region, level
and referral; one expression node then classifies the lines, applies the year's deductible, the
rate (half-up to the fen), the annual cap and the three bands. zen-engine computes in decimals, so
with ``floor`` every figure is exact; every claim is checked equal to ``hand_dict`` before timing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from hand_rules import ANNUAL_CAP, BANDS, layers

# hand_rules.layers' deductible (fen) and rate (%) as the first-hit table's rows: (region, level,
# referral) cells
RATES = (('"local"', '"1","primary"', "", 10_000, 90), ('"local"', '"2"', "", 40_000, 80),
         ('"local"', "", "", 60_000, 60), ("", "", '"none"', 80_000, 40), ("", "", "", 60_000, 50))
YTD = {"basic.deductible": "basic_deductible", "basic.paid": "basic_paid", "critical.base": "critical_base"}


def prepare(claim: Mapping[str, Any]) -> dict[str, Any]:
    """A validated claim's fields the rules read, amounts as integer fen: the input zen-engine and
    ``hand_dict`` are given (reading and checking a JSON claim is yibao's side only)."""
    ytd = claim.get("ytd") or {}
    return {"region": claim["region"], "level": claim["level"], "referral": claim["referral"],
            "lines": [{"category": ln["category"], "amount": ln["amount"]} for ln in claim["lines"]],
            "ytd": {name: ytd.get(key, 0) for key, name in YTD.items()}}


def hand_dict(c: Mapping[str, Any]) -> tuple[int, int, int]:
    """(basic, critical, person) in fen, written by hand on a prepared claim (``hand_rules``): the
    baseline timed in both processes, whose two ratios give yibao against zen-engine."""
    in_scope = total = 0
    for line in c["lines"]:
        amount = line["amount"]
        total += amount
        if line["category"] == "A":
            in_scope += amount
        elif line["category"] == "B":
            in_scope += amount - (amount + 5) // 10
    ytd = c["ytd"]
    basic, critical = layers(c["region"], c["level"], c["referral"], in_scope, ytd["basic_deductible"],
                             ytd["basic_paid"], ytd["critical_base"])
    return basic, critical, total - basic - critical


def _node(key: str, kind: str, content: dict[str, Any] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"id": key, "type": kind, "name": key, "position": {"x": 0, "y": 0}}
    if content is not None:
        node["content"] = content
    return node


def graph() -> dict[str, Any]:
    """The JDM graph: request → rates table → settle expressions → response (the request also
    feeds the expressions)."""
    table = {"hitPolicy": "first",
             "inputs": [{"id": f"in_{f}", "name": f, "field": f} for f in ("region", "level", "referral")],
             "outputs": [{"id": "out_deductible", "name": "deductible", "field": "deductible"},
                         {"id": "out_rate", "name": "rate", "field": "rate"}],
             "rules": [{"_id": f"rule{k}", "in_region": a, "in_level": b, "in_referral": c,
                        "out_deductible": str(d), "out_rate": str(r)}
                       for k, (a, b, c, d, r) in enumerate(RATES)]}
    steps = [
        ("total", "sum(map(lines, #.amount))"),
        ("in_scope", 'sum(map(filter(lines, #.category == "A"), #.amount))'
                     ' + sum(map(filter(lines, #.category == "B"), #.amount - floor((#.amount + 5) / 10)))'),
        ("applied", "min([$.in_scope, max([0, deductible - ytd.basic_deductible])])"),
        ("basic", "min([floor((($.in_scope - $.applied) * rate + 50) / 100),"
                  f" max([0, {ANNUAL_CAP} - ytd.basic_paid])])"),
        ("before", "ytd.critical_base"),
        ("after", "$.before + $.in_scope - $.basic"),
    ]
    parts = []
    for k, (lo, hi, pct) in enumerate(BANDS):
        top = "$.after" if hi is None else f"min([{hi}, $.after])"
        steps += [(f"lo{k}", f"max([{lo}, $.before])"), (f"top{k}", top),
                  (f"band{k}", f"$.top{k} > $.lo{k} ? floor((($.top{k} - $.lo{k}) * {pct} + 50) / 100) : 0")]
        parts.append(f"$.band{k}")
    steps += [("critical", " + ".join(parts)), ("person", "$.total - $.basic - $.critical")]
    settle = {"expressions": [{"id": f"x{k}", "key": key, "value": value}
                              for k, (key, value) in enumerate(steps)]}
    edges = (("request", "rates"), ("rates", "settle"), ("request", "settle"), ("settle", "response"))
    return {"contentType": "application/vnd.gorules.decision",
            "nodes": [_node("request", "inputNode"), _node("rates", "decisionTableNode", table),
                      _node("settle", "expressionNode", settle), _node("response", "outputNode")],
            "edges": [{"id": f"edge{k}", "sourceId": a, "targetId": b, "type": "edge"}
                      for k, (a, b) in enumerate(edges)]}


def best(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """The least (wall, CPU) seconds of ``rounds`` calls of ``fn``."""
    wall = cpu = float("inf")
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, cpu


def main() -> int:
    from importlib.metadata import version

    import zen  # zen-engine: only in its own virtualenv

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", help="JSON: the prepared claims")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with open(args.inputs, encoding="utf-8") as f:
        claims = json.load(f)
    decision = zen.ZenEngine().create_decision(json.dumps(graph()))
    for i, c in enumerate(claims):  # equal to the fen before anything is timed
        r = decision.evaluate(c)["result"]
        got = (int(r["basic"]), int(r["critical"]), int(r["person"]))
        if got != hand_dict(c) or any(r[k] != int(r[k]) for k in ("basic", "critical", "person")):
            print(json.dumps({"error": f"claim {i}: zen {got}, hand-written {hand_dict(c)}"}))
            return 1
    evaluate = decision.evaluate
    times = {"zen": (float("inf"), float("inf")), "hand": (float("inf"), float("inf"))}
    paths = {"zen": lambda: [evaluate(c) for c in claims], "hand": lambda: [hand_dict(c) for c in claims]}
    for _ in range(args.rounds):  # the two in turn, round after round
        for name, fn in paths.items():
            w, c = best(fn, 1)
            times[name] = (min(times[name][0], w), min(times[name][1], c))
    figures = {f"{k}_{clock}": v[i] for k, v in times.items() for i, clock in enumerate(("wall", "cpu"))}
    print(json.dumps({"claims": len(claims), "version": version("zen-engine"), **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
