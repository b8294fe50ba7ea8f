"""The benchmark policy's rules written by hand on integer fen, after the bill is classified:
the one hand-written form of ``columnar.py``'s rules (the Jiujiang resident inpatient rules plus a
three-band critical-illness layer). Imports nothing of yibao, so that the processes of other
engines (``zen_rules.py``, ``openfisca_rules.py``) read the same definition."""

from __future__ import annotations

ANNUAL_CAP = 15_000_000
BANDS = ((0, 1_500_000, 0), (1_500_000, 10_000_000, 60), (10_000_000, None, 70))


def layers(region: str, level: str, referral: str, in_scope: int, deductible_paid: int, paid: int,
           base_before: int) -> tuple[int, int]:
    """(basic, critical) in fen: the year's deductible, the rate (half-up to the fen), the annual
    cap, then the bands over the year's remaining burden."""
    if region == "local":
        if level in ("1", "primary"):
            deductible, rate = 10_000, 90
        elif level == "2":
            deductible, rate = 40_000, 80
        else:
            deductible, rate = 60_000, 60
    else:
        deductible, rate = (80_000, 40) if referral == "none" else (60_000, 50)
    deductible = min(in_scope, max(0, deductible - deductible_paid))
    basic = ((in_scope - deductible) * rate + 50) // 100
    basic = min(basic, max(0, ANNUAL_CAP - paid))
    after = base_before + in_scope - basic
    critical = 0
    for lo, hi, pct in BANDS:
        lo = max(lo, base_before)
        top = after if hi is None else min(hi, after)
        if top > lo:
            critical += ((top - lo) * pct + 50) // 100
    return basic, critical
