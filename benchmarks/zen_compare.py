"""``policy.settle(dict)`` against GoRules zen-engine, per claim, on the same claims and rules.

Run: ``make bench-zen`` or ``.venv/bin/python benchmarks/zen_compare.py [-n 5000] [--rounds 5]
[--python .venv-zen/bin/python]``

zen-engine lives in its own virtualenv (``--python``), so the two engines run in two processes. A
figure from one is not compared with one from the other directly: both time the hand-written
integer-fen function of the same rules (``zen_rules.hand_dict``) on the same prepared claims, and
settle(dict) / zen is derived from the two same-process ratios: (settle(dict) / hand) ÷ (zen /
hand). The rules are ``columnar.py``'s (the Jiujiang resident inpatient rules plus a three-band
critical-illness layer), the claims ``sample_policy_claims``'. zen-engine is given each claim
prepared (its fields as numbers, amounts in fen: ``zen_rules.prepare``), yibao the JSON claim as
a dict (amounts as decimal texts), which it reads and checks whole before settling. Every engine
is checked equal to the fen, payer by payer and for the person, on every claim before timing.
The issue's goal: settle(dict) ≥ 16× zen-engine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import columnar as C
import zen_rules as Z

HERE = Path(__file__).resolve().parent
VENV_PYTHON = HERE.parent / ".venv-zen" / "bin" / "python"
TARGET = 16.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=5000, help="sampled claims (default 5000)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--python", type=Path, default=VENV_PYTHON, help="the Python that has zen-engine")
    args = ap.parse_args()
    if not args.python.exists():
        print(f"{args.python}: no such Python; `make bench-zen` makes zen-engine's virtualenv",
              file=sys.stderr)
        return 1
    pol = C.policy()
    dicts = C.base_claims(pol, args.n)
    prepared = []
    for d in dicts:
        c = pol.claim(d)
        item = Z.prepare({"region": c.region, "level": c.level, "referral": c.referral, "ytd": c.ytd,
                          "lines": [{"category": ln.category, "amount": ln.amount} for ln in c.lines]})
        s = pol.settle(d)
        if not (Z.hand_dict(item) == C.hand_settle(c) == (s.payer_fen[0], s.payer_fen[1], s.person_fen)):
            print(f"claim {c.id}: hand-written {Z.hand_dict(item)}, yibao {s.payer_fen, s.person_fen}",
                  file=sys.stderr)
            return 1
        prepared.append(item)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "claims.json"
        inputs.write_text(json.dumps(prepared), encoding="utf-8")
        res = subprocess.run([str(args.python), str(HERE / "zen_rules.py"), str(inputs), "--rounds",
                              str(args.rounds)], capture_output=True, text=True, check=False)
    if res.returncode:
        print(res.stdout, res.stderr, file=sys.stderr)
        return 1
    zen = json.loads(res.stdout)
    settle = pol.settle
    times = {"settle": (float("inf"),) * 2, "hand": (float("inf"),) * 2}
    paths = {"settle": lambda: [settle(d) for d in dicts], "hand": lambda: [Z.hand_dict(c) for c in prepared]}
    for _ in range(args.rounds):  # the two in turn, round after round
        for name, fn in paths.items():
            w, c = Z.best(fn, 1)
            times[name] = (min(times[name][0], w), min(times[name][1], c))
    n = len(dicts)
    print(f"{n:,} sampled claims, best of {args.rounds} rounds; zen-engine {zen['version']}; every engine "
          f"equal to the fen on every claim\n")
    print("| process | path | claims/s (wall) | claims/s (CPU) | vs hand-written int-fen (CPU) |")
    print("|---|---|---:|---:|---:|")
    rows = (("yibao", "hand-written `hand_dict`", times["hand"]),
            ("yibao", "`policy.settle(dict)`", times["settle"]),
            ("zen", "hand-written `hand_dict`", (zen["hand_wall"], zen["hand_cpu"])),
            ("zen", "zen-engine `decision.evaluate`", (zen["zen_wall"], zen["zen_cpu"])))
    for process, path, (wall, cpu) in rows:
        base = times["hand"][1] if process == "yibao" else zen["hand_cpu"]
        print(f"| {process} | {path} | {n / wall:,.0f} | {n / cpu:,.0f} | {base / cpu:.3g}× |")
    ours = times["hand"][1] / times["settle"][1]
    theirs = zen["hand_cpu"] / zen["zen_cpu"]
    ratio = ours / theirs
    print(f"\nsettle(dict) / zen-engine, from the same-process ratios: {ours:.3g} ÷ {theirs:.3g} = "
          f"**{ratio:.1f}×** (goal ≥ {TARGET:g}×: {'met' if ratio >= TARGET else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
