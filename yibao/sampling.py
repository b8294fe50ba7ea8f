"""Reproducible random claims, for benchmarks, fuzzing and demos.

Every claim comes out in the JSON claim contract (``compiler/claims.py``), so the
same dicts can be written to disk, fed to ``Policy.claim`` or to the CLI. All
randomness comes from one ``random.Random(seed)``: the same arguments give the
same claims on every machine and Python version that keeps ``random``'s
documented reproducibility guarantee.

Money is generated as integer fen and only then formatted as ``"1234.50"``,
so no float ever reaches a claim amount.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from yibao.dsl.types import DEFAULT_ENUMS

__all__ = ["sample_claims", "write_claims"]

# Relative weights of the enum values we know about. A policy may redeclare a
# value set (``enums``); values missing here then get weight 1 so they still
# appear, just rarely.
_CATEGORY_WEIGHTS = {"normal": 85, "low_income": 7, "poverty": 6, "extreme_poverty": 2}
_REGION_WEIGHTS = {"local": 75, "in_province": 17, "out_of_province": 8}
# Level depends on where the patient goes: local stays are spread over all
# levels, people travel out of the city mostly for level-3 hospitals.
_LEVEL_WEIGHTS = {
    "local": {"1": 22, "2": 38, "3": 30, "primary": 10},
    "away": {"1": 3, "2": 22, "3": 75, "primary": 0},
}
# Referral only matters away from home: a local stay is rarely "referred".
_REFERRAL_WEIGHTS = {
    "local": {"none": 94, "referred": 4, "registered": 1, "emergency": 1},
    "away": {"none": 25, "referred": 45, "registered": 15, "emergency": 15},
}
_ADMISSIONS = (1, 2, 3, 4, 5, 6)  # admission_no: most people are admitted once a year
_CUM_ADMISSIONS = tuple(accumulate((70, 18, 7, 3, 1, 1)))
_LINE_COUNTS = tuple(range(1, 13))
_CUM_LINE_COUNTS = tuple(accumulate((4, 7, 10, 12, 13, 12, 11, 9, 8, 6, 4, 4)))
_AGE_BANDS = ((0, 14), (15, 44), (45, 64), (65, 95))  # inpatients skew old
_CUM_AGE_BANDS = tuple(accumulate((8, 22, 32, 38)))
_AREAS = ("360402", "360403", "360421", "360423", "360424", "360481")  # Jiujiang districts
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643 check digit
# Deductibles a person may already have paid this year (fen), as in Jiangxi tables.
_PAID_DEDUCTIBLES = (10000, 40000, 60000, 80000)
_MAX_LINE_FEN = 1_000_000_00  # no single bill line above 1,000,000.00

# Bill items: (code, name, category, class, median yuan, spread, weight).
# ``spread`` is the lognormal sigma; ``weight`` is how often the item turns up
# on a bill (most lines are category A).
_Item = tuple[str, str, str, str | None, float, float, float]
_ITEMS: tuple[_Item, ...] = (
    ("250101001", "血常规 / blood count", "A", "exam", 180.00, 0.6, 10),
    ("250301001", "肝功能 / liver function panel", "A", "exam", 320.00, 0.5, 6),
    ("210102015", "CT平扫 / CT scan", "A", "exam", 450.00, 0.5, 5),
    ("210200001", "磁共振 / MRI", "A", "exam", 900.00, 0.4, 2),
    ("220600001", "彩色超声 / colour ultrasound", "A", "exam", 260.00, 0.5, 5),
    ("XB01AC06", "阿司匹林肠溶片 / aspirin", "A", "drug", 60.00, 0.8, 8),
    ("XJ01DD08", "头孢曲松 / ceftriaxone", "A", "drug", 800.00, 0.9, 6),
    ("XA10AB05", "门冬胰岛素 / insulin aspart", "A", "drug", 400.00, 0.7, 3),
    ("XB05BA03", "葡萄糖氯化钠注射液 / glucose-saline infusion", "A", "drug", 150.00, 0.8, 9),
    ("330100001", "阑尾切除术 / appendectomy", "A", "surgery", 3500.00, 0.5, 1.5),
    ("331500001", "心脏瓣膜置换术 / heart-valve replacement", "A", "surgery", 40000.00, 0.5, 0.25),
    ("330800001", "冠状动脉造影 / coronary angiography", "A", "surgery", 9000.00, 0.5, 0.8),
    (
        "XL01XC07",
        "贝伐珠单抗注射液（进口）/ bevacizumab (imported)",
        "B",
        "drug",
        9000.00,
        0.9,
        0.7,
    ),
    ("XC10AA05", "阿托伐他汀钙片 / atorvastatin", "B", "drug", 220.00, 0.7, 3),
    ("XJ01DH02", "美罗培南 / meropenem", "B", "drug", 2600.00, 0.8, 1.2),
    ("C0310201", "人工心脏瓣膜 / prosthetic heart valve", "B", "implant", 35000.00, 0.4, 0.2),
    ("C0312001", "冠脉支架 / coronary stent", "B", "implant", 6000.00, 0.4, 0.5),
    ("C0101001", "一次性输液器 / infusion set", "B", "consumable", 40.00, 0.6, 5),
    ("C-DRG-31", "进口营养补充剂 / imported nutrition supplement", "C", "drug", 600.00, 0.8, 1.2),
    ("C-TST-07", "基因检测（自费）/ genetic test (self-paid)", "C", "exam", 2500.00, 0.5, 0.4),
)
_CUM_ITEMS = tuple(accumulate(item[6] for item in _ITEMS))
# Items billed per day of the stay, each on a given share of bills, at most once:
# (code, name, category, class, yuan per day, share of bills).
_DAILY: tuple[tuple[str, str, str, str | None, int, float], ...] = (
    ("310100001", "床位费 / ward bed", "A", None, 4500, 0.75),
    ("121300001", "二级护理 / grade-2 nursing", "A", None, 2800, 0.45),
    ("120100001", "一般诊疗费 / general consultation", "A", None, 1000, 0.35),
    ("C-VIP-01", "特需病房差价 / private-room surcharge", "C", "service", 15000, 0.05),
    ("C-NUR-09", "陪护费 / private nursing", "C", "service", 20000, 0.04),
)


def money(fen: int) -> str:
    """Fen → the contract's two-decimal string (``12345`` → ``"123.45"``)."""
    return f"{fen // 100}.{fen % 100:02d}"


def _cum(values: Sequence[str], weights: Mapping[str, float]) -> tuple[float, ...]:
    """Cumulative weights for ``values``; unknown values weigh 1, and all-zero is uniform."""
    raw = [weights.get(v, 1) for v in values]
    return tuple(accumulate(raw if any(raw) else [1] * len(raw)))


def _lognormal_fen(rng: random.Random, median_yuan: float, sigma: float) -> int:
    """A positive amount in fen with a long right tail around ``median_yuan``.

    The float draw is rounded to whole fen at once; only ints leave this function.
    """
    fen = round(rng.lognormvariate(math.log(median_yuan * 100), sigma))
    return max(1, min(fen, _MAX_LINE_FEN))


def _level_json(level: str) -> int | str:
    """Levels go out as the contract shows them: ``2`` as a number, ``"primary"`` as text."""
    return int(level) if level.isdigit() else level


def _person_id(rng: random.Random, birth: date) -> str:
    """An 18-character resident ID: district, birth date, sequence number, check digit."""
    body = f"{rng.choice(_AREAS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
    return body + check


def _age_and_birth(rng: random.Random, day: date) -> tuple[int, date]:
    """An age on ``day`` and a birth date consistent with it."""
    years = rng.randint(*rng.choices(_AGE_BANDS, cum_weights=_CUM_AGE_BANDS)[0])
    birth = date(day.year - years, rng.randint(1, 12), rng.randint(1, 28))
    if birth > day:
        birth = birth.replace(year=birth.year - 1)
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return age, birth


def _line(code: str, name: str, category: str, item_class: str | None, fen: int) -> dict[str, Any]:
    line: dict[str, Any] = {"code": code, "name": name, "category": category}
    if item_class is not None:
        line["class"] = item_class
    line["amount"] = money(fen)
    return line


def _lines(rng: random.Random, stay: int) -> list[dict[str, Any]]:
    """1-12 bill lines: per-day charges for the stay, then items.

    A per-claim severity factor scales every item, so expensive stays are
    expensive throughout and the claim total has a longer tail than any line.
    """
    count = rng.choices(_LINE_COUNTS, cum_weights=_CUM_LINE_COUNTS)[0]
    out = []
    for code, name, category, item_class, per_day, share in _DAILY:
        if len(out) < count and rng.random() < share:
            out.append(_line(code, name, category, item_class, per_day * stay))
    severity = rng.lognormvariate(0.0, 0.45)
    for code, name, category, item_class, median, sigma, _ in rng.choices(
        _ITEMS, cum_weights=_CUM_ITEMS, k=count - len(out)
    ):
        fen = _lognormal_fen(rng, median * severity, sigma)
        out.append(_line(code, name, category, item_class if category != "A" else None, fen))
    return out


def _year_to_date(rng: random.Random, year: int, admission_no: int) -> dict[str, Any]:
    """What earlier admissions this year used: nothing before the first admission."""
    if admission_no == 1:
        return {}
    deductible = rng.choice(_PAID_DEDUCTIBLES)
    if rng.random() < 0.1:  # the earlier bills were smaller than their deductible
        deductible = rng.randrange(1, deductible)
    if rng.random() < 0.03:  # a heavy year: close to or past the annual cap
        paid = rng.randrange(120_000_00, 160_000_00)
    else:
        paid = sum(_lognormal_fen(rng, 6000.0, 1.0) for _ in range(admission_no - 1))
    return {"year": year, "basic.deductible": money(deductible), "basic.paid": money(paid)}


def sample_claims(
    n: int,
    seed: int,
    *,
    scheme: str = "resident",
    kind: str = "inpatient",
    start: date = date(2024, 1, 1),
    days: int = 365,
    enums: Mapping[str, Sequence[str]] | None = None,
) -> list[dict[str, Any]]:
    """``n`` claims as JSON-ready dicts, fully determined by the arguments.

    Dates fall in ``start`` .. ``start + days - 1``. ``enums`` (e.g. a policy's
    ``Policy.enums``) restricts the generated categories, levels, regions and
    referrals to the value sets that policy accepts.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if days < 1:
        raise ValueError("days must be at least 1")
    sets = {**DEFAULT_ENUMS, **(enums or {})}
    for field, value in (("person.scheme", scheme), ("visit.kind", kind)):
        if value not in sets[field]:
            raise ValueError(f"{field} {value!r} is not one of {', '.join(sets[field])}")
    categories = tuple(sets["person.category"])
    cum_categories = _cum(categories, _CATEGORY_WEIGHTS)
    regions = tuple(sets["visit.region"])
    cum_regions = _cum(regions, _REGION_WEIGHTS)
    levels = tuple(sets["visit.level"])
    cum_levels = {k: _cum(levels, w) for k, w in _LEVEL_WEIGHTS.items()}
    referrals = tuple(sets["visit.referral"])
    cum_referrals = {k: _cum(referrals, w) for k, w in _REFERRAL_WEIGHTS.items()}

    rng = random.Random(seed)
    pick = rng.choices
    claims = []
    for i in range(n):
        day = start + timedelta(days=rng.randrange(days))
        age, birth = _age_and_birth(rng, day)
        region = pick(regions, cum_weights=cum_regions)[0]
        where = "local" if region == "local" else "away"
        admission_no = pick(_ADMISSIONS, cum_weights=_CUM_ADMISSIONS)[0]
        stay = min(60, 1 + round(rng.lognormvariate(1.8, 0.6)))  # days in hospital
        claims.append(
            {
                "id": f"SIM-{seed}-{i + 1:06d}",
                "date": day.isoformat(),
                "person": {
                    "id": _person_id(rng, birth),
                    "scheme": scheme,
                    "category": pick(categories, cum_weights=cum_categories)[0],
                    "age": age,
                },
                "visit": {
                    "kind": kind,
                    "level": _level_json(pick(levels, cum_weights=cum_levels[where])[0]),
                    "region": region,
                    "referral": pick(referrals, cum_weights=cum_referrals[where])[0],
                    "admission_no": admission_no,
                },
                "lines": _lines(rng, stay),
                "year_to_date": _year_to_date(rng, day.year, admission_no),
            }
        )
    return claims


def write_claims(claims: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """Write claims as one ``.jsonl`` file, or as ``<id>.json`` files in a folder.

    A path ending in ``.jsonl`` is a file (one claim a line, for streaming);
    any other path is a folder (one file a claim, as the CLI reads them).
    """
    p = Path(path)
    if p.suffix == ".json":
        raise ValueError(f"{p}: write claims to a folder or to a .jsonl file, not one .json file")
    if p.suffix == ".jsonl":
        p.parent.mkdir(parents=True, exist_ok=True)
        with p.open("w", encoding="utf-8") as f:
            for claim in claims:
                f.write(json.dumps(claim, ensure_ascii=False) + "\n")
        return p
    p.mkdir(parents=True, exist_ok=True)
    for claim in claims:
        name = str(claim["id"])
        if not name or name in {".", ".."} or "/" in name or "\\" in name:
            raise ValueError(f"claim id {name!r} cannot be used as a file name")
        text = json.dumps(claim, ensure_ascii=False, indent=2) + "\n"
        (p / f"{name}.json").write_text(text, encoding="utf-8")
    return p
