"""Reconcile sampled platform data: the acceptance run of ``yibao reconcile`` (docs/national.md).

1. Samples N claims for the test policy on the platform's split
   (``tests/national/platform_inpatient.yb``), settles each and writes it as the platform would
   have sent it (fee details, line split, opening cuminfo, setlinfo, setldetail) to a JSON-lines file.
2. Reconciles that file under the same policy: every visit must match (0 differences).
3. Changes one parameter (the level-2 local deductible, 400.00 → 450.00) and reconciles again: the
   visits reported must be exactly those whose settlement the change alters (found independently,
   by settling each claim under both policies), each with a first differing step in layer basic.

Prints counts and visits/s; exits 1 if either check fails.

    .venv/bin/python benchmarks/reconcile_sample.py            # 100,000 visits
    .venv/bin/python benchmarks/reconcile_sample.py -n 5000    # quicker
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yibao
from yibao.national.areas import area_for
from yibao.national.convert import claim_to_national
from yibao.national.reconcile import Summary, read_visits, reconcile_stream
from yibao.sampling import sample_policy_claims

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "tests" / "national" / "platform_inpatient.yb"
CHANGE = (
    "    local, 2, _                            -> 400.00",
    "    local, 2, _                            -> 450.00",
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000, help="visits (100000)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    policy = yibao.load_policy(POLICY)
    area = area_for(policy.id)
    text = POLICY.read_text(encoding="utf-8")
    assert CHANGE[0] in text, "the parameter row to change is not in the test policy"
    with tempfile.TemporaryDirectory() as tmp:
        changed_path = Path(tmp) / "platform_inpatient_changed.yb"
        changed_path.write_text(text.replace(CHANGE[0], CHANGE[1]), encoding="utf-8")
        changed = yibao.load_policy(changed_path)

        t0 = time.perf_counter()
        claims = sample_policy_claims(policy, args.n, args.seed)
        data = Path(tmp) / "platform.jsonl"
        affected: set[str] = set()
        with data.open("w", encoding="utf-8") as f:
            for claim in claims:
                f.write(json.dumps(claim_to_national(policy, area, claim), ensure_ascii=False) + "\n")
                a, b = policy.settle(claim), changed.settle(claim)
                if (a.payer_fen, a.person_fen, a.ytd) != (b.payer_fen, b.person_fen, b.ytd):
                    affected.add(claim["id"])
        del claims
        made = time.perf_counter() - t0
        print(
            f"sampled and wrote {args.n:,} visits ({data.stat().st_size / 1e6:.1f} MB) in {made:.1f} s; "
            f"{len(affected):,} are affected by the change"
        )

        ok = True
        for label, pol, expect in (("same policy", policy, set()), ("deductible changed", changed, affected)):
            summary = Summary()
            reported: set[str] = set()
            no_step = 0
            t0 = time.perf_counter()
            for result, _ in reconcile_stream(pol, area, read_visits(data)):
                summary.add(result)
                if result.status != "matched":
                    reported.add(result.visit)
                    fs = result.first_step or {}
                    if fs.get("layer") != "basic" or "step" not in fs:
                        no_step += 1
            took = time.perf_counter() - t0
            good = reported == expect and summary.rejected == 0 and no_step == 0
            ok &= good
            print(
                f"{label}: {summary.visits:,} visits, {summary.matched:,} matched, {summary.differing:,} "
                f"differing, {summary.rejected:,} rejected; {took:.1f} s, "
                f"{summary.visits / took:,.0f} visits/s"
                f" — {'as expected' if good else 'NOT as expected'}"
                + (
                    f" ({len(reported ^ expect)} visits wrongly reported or missed, {no_step} without "
                    "a first step)"
                    if not good
                    else ""
                )
            )
            if summary.fields:
                print("  " + summary.format().replace("\n", "\n  "))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
