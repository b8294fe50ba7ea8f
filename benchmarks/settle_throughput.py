"""How fast the compiled Jiujiang policy settles claims, against hand-written Python.

Run: ``python benchmarks/settle_throughput.py [-n 100000] [--rounds 5] [--gc]``

The baseline is ``hand_settle``: the same rules written directly on integer fen,
as an engineer would without yibao. Every figure is measured in the same run on
the same validated claims, so the ratios say how much the compiler costs
compared with writing the rules by hand, whatever the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from yibao.compiler.claim_fields import LINE_KEYS
from yibao.dsl.types import CATEGORIES

from yibao import Claim, Policy, load_policy
from yibao.sampling import sample_claims

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"

RATIO_GOAL = 0.8  # compiled throughput / hand-written throughput, at least
TRACED_GOAL_US = 20.0  # traced settlement, microseconds per claim, below
USER_GOAL = 2.0  # policy.settle(dict) takes at most this many times settle_fast's time (issue 12)
USER_HAND_GOAL = 0.5  # ... and has at least this share of the hand-written throughput

ANNUAL_CAP = 15_000_000  # 150,000.00 a year, in fen


def _deductible_and_rate(claim: Claim) -> tuple[int, int]:
    """起付线 (fen) and 报销比例 (percent) by region, hospital level and referral."""
    if claim.region == "local":
        if claim.level in ("1", "primary"):
            return 10_000, 90
        if claim.level == "2":
            return 40_000, 80
        return 60_000, 60
    if claim.referral == "none":
        return 80_000, 40
    return 60_000, 50  # referred, registered or emergency


def hand_settle(claim: Claim) -> tuple[int, int, dict[str, int]]:
    """Jiujiang resident inpatient settlement written by hand: (fund pays, person pays, ytd).

    Category A is in scope, B in scope after a 10% first self-pay (half-up to the
    fen), C out of scope. The deductible is paid once a year, the fund pays the
    rate on what is left (half-up), up to 150,000.00 a year.
    """
    in_scope = 0
    for line in claim.lines:
        if line.category == "A":
            in_scope += line.amount
        elif line.category == "B":
            in_scope += line.amount - (line.amount + 5) // 10  # 10% first self-pay, half-up
    deductible, rate = _deductible_and_rate(claim)
    ytd = claim.ytd
    deductible_paid = ytd.get("basic.deductible", 0)
    paid = ytd.get("basic.paid", 0)
    deductible = min(in_scope, max(0, deductible - deductible_paid))
    pay = ((in_scope - deductible) * rate + 50) // 100
    pay = min(pay, max(0, ANNUAL_CAP - paid))
    new_ytd = {**ytd, "basic.deductible": deductible_paid + deductible, "basic.paid": paid + pay}
    return pay, claim.total - pay, new_ytd


_LINE_KEYS = frozenset(LINE_KEYS)
_CATEGORIES = frozenset(CATEGORIES)
_YUAN = re.compile(r"[0-9]{1,8}\.[0-9]{2}").fullmatch


def floor_read(data: dict[str, Any]) -> int | None:
    """The floor: the least any settle(dict) that validates must do per line in CPython — the
    line's key set, its category in the value set, its amount read as fen — and nothing else (no
    other field, no header, nothing settled). What a faster path cannot go below."""
    total = 0
    for ln in data["lines"]:
        if not _LINE_KEYS.issuperset(ln) or ln["category"] not in _CATEGORIES:
            return None
        amount = ln["amount"]
        if _YUAN(amount) is None:
            return None
        total += int(amount.replace(".", ""))
    return total


def first_disagreement(policy: Policy, claims: Sequence[Claim]) -> str | None:
    """Where hand_settle and the compiled policy differ first, or None if they agree."""
    for claim in claims:
        pay, person, ytd = hand_settle(claim)
        s = policy.settle_fast(claim)
        got = {"payer": s.payer_fen[0], "person": s.person_fen, "ytd": s.ytd}
        want = {"payer": pay, "person": person, "ytd": ytd}
        if got != want:
            raw = json.dumps(dict(claim.raw), ensure_ascii=False)
            return f"claim {claim.id}: compiled {got}, hand-written {want}\n  {raw}"
    return None


def best_times(
    paths: dict[str, tuple[Callable[[Any], Any], Sequence[Any]]], rounds: int
) -> dict[str, float]:
    """Best wall time of each path (a function and its inputs) over ``rounds``; paths take turns
    so drift hits all alike."""
    best = dict.fromkeys(paths, math.inf)
    for _ in range(rounds):
        for name, (fn, inputs) in paths.items():
            start = time.perf_counter()
            for item in inputs:
                fn(item)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def bytecodes(fn: Callable[[Any], Any], inputs: Sequence[Any]) -> float:
    """Python byte-codes executed per call (``sys.settrace`` opcode events): a machine-independent
    count of the interpreted work, which wall time on a shared machine is too noisy to compare."""
    count = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        for item in inputs:
            fn(item)
    finally:
        sys.settrace(None)
    return count / len(inputs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="claims to settle (100000)")
    parser.add_argument("--seed", type=int, default=1, help="sample_claims seed (1)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds, best kept (5)")
    parser.add_argument("--gc", action="store_true", help="keep the garbage collector on while timing")
    parser.add_argument("--bytecodes", type=int, default=500, metavar="N",
                        help="count byte-codes per claim over the first N claims (500; 0: skip)")
    args = parser.parse_args(argv)

    policy = load_policy(POLICY)
    data = sample_claims(args.n, args.seed, enums=policy.enums)
    claims = [policy.claim(d) for d in data]  # validated once, not timed
    views = [policy.fast_view(d) for d in data]  # the same claims as ClaimViews, not timed

    mismatch = first_disagreement(policy, claims)
    if mismatch:
        print(f"hand-written and compiled settlements disagree:\n{mismatch}", file=sys.stderr)
        return 1

    if not hasattr(policy.read_view, "read"):
        print("the C claim reader is not built (compiler/_claim_reader.c): settle(dict) runs the "
              "Python check", file=sys.stderr)
    paths: dict[str, tuple[Callable[[Any], Any], Sequence[Any]]] = {
        "hand-written hand_settle": (hand_settle, claims),
        "compiled policy.settle_fast": (policy.settle_fast, claims),
        # The generated settle on ClaimViews read beforehand: settle(dict) less the reading.
        "settle_fast(view), read beforehand": (policy.module.settle, views),
        # What a user calls: a dict in, validated (the fast accept path: the C reader filling the
        # Claim), settled.
        "policy.settle(dict)": (policy.settle, data),
        # The route settle(dict) took before the reader filled the Claim: the C reader's ClaimView,
        # settled (without Policy.settle's own call around it).
        "settle(read_view(dict)), the view route": (
            lambda d: policy.module.settle(policy.read_view(d)), data),  # type: ignore[misc]
        # The same through Policy.claim: validated, the Claim filled by the C reader, then settled.
        "settle_fast(policy.claim(dict))": (lambda d: policy.settle_fast(policy.claim(d)), data),
        # The same settling after the generated Python check alone (what settle(dict) was before
        # the C reader; the reference the C reader is measured against).
        "settle(Python check(dict))": (lambda d: policy.module.settle(policy.fast_view(d)), data),
        "policy.fast_view(dict), check only": (policy.fast_view, data),
        "policy.read_view.read(dict), C reader only": (
            getattr(policy.read_view, "read", policy.fast_view), data),
        # The same reader filling the slotted Claim and Lines: what settle(dict) and claim(dict) call.
        "policy.read_claim.read(dict), C reader → Claim": (
            getattr(policy.read_claim, "read", policy.fast_view), data),
        "policy.claim(dict), fast accept": (policy.claim, data),
        "policy.full_claim(dict), every check": (policy.full_claim, data),
        "floor: key set, category, amount": (floor_read, data),
        "traced module.settle_traced": (policy.module.settle_traced, claims),
        # What an explainer pays: the traced path plus formatting every step for a person.
        "traced + steps rendered": (lambda c: policy.module.settle_traced(c).trace, claims),
    }
    gc_was_on = gc.isenabled()
    if not args.gc:
        gc.disable()  # as timeit does; --gc to include collection pauses
    try:
        best = best_times(paths, args.rounds)
    finally:
        if gc_was_on:
            gc.enable()

    n = len(claims)
    lines_per_claim = sum(len(c.lines) for c in claims) / n
    print(
        f"{n:,} claims (seed {args.seed}, {lines_per_claim:.1f} lines each), "
        f"best of {args.rounds} rounds, gc {'on' if args.gc else 'off'}, "
        f"Python {platform.python_version()}"
    )
    width = max(map(len, paths))
    print(f"{'path':<{width}}  {'claims/s':>12}  {'µs/claim':>9}")
    for name, seconds in best.items():
        print(f"{name:<{width}}  {n / seconds:>12,.0f}  {seconds / n * 1e6:>9.2f}")

    hand = best["hand-written hand_settle"]
    ratio = hand / best["compiled policy.settle_fast"]
    user = best["policy.settle(dict)"] / best["compiled policy.settle_fast"]
    user_hand = hand / best["policy.settle(dict)"]
    floor = best["floor: key set, category, amount"] / best["compiled policy.settle_fast"]
    python_check = best["settle(Python check(dict))"] / best["compiled policy.settle_fast"]
    traced_us = best["traced module.settle_traced"] / n * 1e6
    rendered_us = best["traced + steps rendered"] / n * 1e6
    print()
    rows = [
        ("compiled / hand-written (settle_fast)", f"{ratio:.2f}×", f"≥ {RATIO_GOAL}", ratio >= RATIO_GOAL),
        ("settle(dict) time / settle_fast time", f"{user:.2f}×", f"≤ {USER_GOAL:g}", user <= USER_GOAL),
        ("hand-written / settle(dict)", f"{user_hand:.2f}×", f"≥ {USER_HAND_GOAL}",
         user_hand >= USER_HAND_GOAL),
        ("settle(Python check) / settle_fast", f"{python_check:.2f}×", "-", True),
        ("floor time / settle_fast time", f"{floor:.2f}×", "-", True),
        ("traced µs per claim", f"{traced_us:.2f}", f"< {TRACED_GOAL_US:g}", traced_us < TRACED_GOAL_US),
        ("traced + rendered µs per claim", f"{rendered_us:.2f}", "-", True),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>7}  {'goal':>7}")
    for label, value, goal, met in rows:
        print(f"{label:<{width}}  {value:>7}  {goal:>7}  {'met' if met else 'MISSED'}")
    if args.bytecodes:
        counts = {name: bytecodes(fn, inputs[: args.bytecodes]) for name, (fn, inputs) in paths.items()
                  if "traced" not in name}
        base = counts["compiled policy.settle_fast"]
        print(f"\nPython byte-codes per claim (first {min(args.bytecodes, n):,} claims; C work not counted)")
        width = max(map(len, counts))
        for name, ops in counts.items():
            print(f"{name:<{width}}  {ops:>8,.0f}  {ops / base:>6.2f}× settle_fast")
    return 0


if __name__ == "__main__":
    sys.exit(main())
