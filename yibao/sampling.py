"""Reproducible random claims, for benchmarks, fuzzing and demos.

Every claim comes out in the JSON claim contract (``compiler/claims.py``), so the
same dicts can be written to disk, fed to ``Policy.claim`` or to the CLI. All
randomness comes from one ``random.Random(seed)``: the same arguments give the
same claims on every machine and Python version that keeps ``random``'s
documented reproducibility guarantee.

Money is generated as integer fen and only then formatted as ``"1234.50"``,
so no float ever reaches a claim amount.

Two generators live here and share their tables of bill items, ages and IDs:
``sample_policy_claims`` draws what any compiled policy accepts (the ``yibao sample-claims``
command); ``sample_claims`` is the older, policy-blind Jiujiang generator, kept because the
throughput benchmark and tests/test_sampling.py depend on its exact output. That, and
the claim writers, is why the module runs to about 650 lines.
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

from yibao.compiler.claims import insurance_year
from yibao.compiler.constructs import split_accumulator
from yibao.dsl.types import DEFAULT_ENUMS
from yibao.output import OutputError, is_stream, open_output, write_atomic

__all__ = [
    "PolicyInputs",
    "long_claim",
    "sample_claims",
    "sample_policy_claims",
    "write_any",
    "write_claims",
    "write_parquet",
]

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
    # The Jiujiang resident policy's own accumulators, as its compiled module lists them.
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


def long_claim(lines: int = 200, claim_id: str | None = None) -> dict[str, Any]:
    """A Jiujiang resident inpatient claim with ``lines`` bill lines (A, A, B, A, C in turn) and
    long Chinese names: the worst case the explainer's layout and latency are measured on."""
    cats = ("A", "A", "B", "A", "C")
    return {
        "id": claim_id or f"LONG-{lines}",
        "date": "2024-05-02",
        "person": {"id": "360402195001011234", "scheme": "resident", "category": "normal", "age": 74},
        "visit": {"kind": "inpatient", "level": 3, "region": "local", "referral": "none"},
        "lines": [
            {"code": f"X{i:05d}", "name": f"第{i + 1}项 很长的中文药品名称注射液 / item {i + 1}",
             "category": cats[i % len(cats)], "amount": f"{100 + (i * 37) % 900}.{i % 100:02d}"}
            for i in range(lines)
        ],
    }


def write_claims(claims: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """Write claims as one ``.jsonl`` file, or as ``<id>.json`` files in a folder.

    A path ending in ``.jsonl`` is a file (one claim a line, for streaming), and so is a
    device or a FIFO (``/dev/stdout``); any other path is a folder (one file a claim, as
    the CLI reads them). Each file is written whole or not at all (``yibao.output``): an
    existing file is never left half-overwritten.
    """
    p = Path(path)
    if p.suffix == ".json":
        raise ValueError(f"{p}: write claims to a folder or to a .jsonl file, not one .json file")
    if p.suffix == ".jsonl" or is_stream(p):
        with open_output(p, parents=True) as f:
            for claim in claims:
                f.write(json.dumps(claim, ensure_ascii=False) + "\n")
        return p
    if p.is_file():
        raise OutputError(p, "is a file, not a folder: write claims to a folder, a .jsonl or a .parquet file")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(p, err.strerror or str(err), err.errno) from None
    for claim in claims:
        name = str(claim["id"])
        if not name or name in {".", ".."} or "/" in name or "\\" in name:
            raise ValueError(f"claim id {name!r} cannot be used as a file name")
        write_atomic(p / f"{name}.json", json.dumps(claim, ensure_ascii=False, indent=2) + "\n")
    return p


# ---------------------------------------------------------------------------- claims for a policy
#
# ``sample_policy_claims`` reads what a compiled policy accepts (its enums, the schemes, visit
# kinds and categories its ``applies when`` lets in, the diseases and item classes it names, its
# accumulators, its dates) and draws claims inside that. Every claim is validated by the policy
# before it is kept, so the output always settles. ``sample_claims`` above stays as it was: the
# benchmarks and older tests depend on its exact output.

# Outpatient bill items: (code, name, category, class, median yuan, spread, weight).
_OUTPATIENT_ITEMS: tuple[_Item, ...] = (
    ("110200001", "普通门诊诊查费 / outpatient consultation", "A", "service", 15.00, 0.4, 10),
    ("250101001", "血常规 / blood count", "A", "exam", 25.00, 0.4, 5),
    ("250305001", "血糖测定 / blood glucose", "A", "exam", 12.00, 0.4, 4),
    ("250302004", "糖化血红蛋白测定 / HbA1c test", "A", "exam", 60.00, 0.3, 2),
    ("XC09AA02", "依那普利片 / enalapril", "A", "drug", 30.00, 0.6, 6),
    ("XA10BA02", "二甲双胍片 / metformin", "A", "drug", 28.00, 0.6, 6),
    ("XJ01CA04", "阿莫西林胶囊 / amoxicillin", "A", "drug", 20.00, 0.6, 6),
    ("XA10AE04", "甘精胰岛素注射液 / insulin glargine", "B", "drug", 180.00, 0.5, 2),
    ("XC10AA05", "阿托伐他汀钙片 / atorvastatin", "B", "drug", 60.00, 0.6, 3),
    ("T0100001", "中药饮片 / TCM herbal pieces", "A", "tcm", 80.00, 0.6, 3),
    ("430000001", "针灸 / acupuncture", "A", "tcm", 40.00, 0.5, 2),
    ("T0200001", "中成药 / patent TCM medicine", "B", "tcm", 60.00, 0.6, 2),
    ("C-CON-05", "血糖试纸(自费) / glucose test strips", "C", "consumable", 65.00, 0.5, 1),
    ("C-OPD-01", "保健品 / health supplement", "C", "drug", 90.00, 0.7, 1),
)
_CUM_OUTPATIENT = tuple(accumulate(item[6] for item in _OUTPATIENT_ITEMS))
_OUTPATIENT_COUNTS = (1, 2, 3, 4, 5, 6)
_CUM_OUTPATIENT_COUNTS = tuple(accumulate((25, 30, 20, 13, 8, 4)))
# Special drugs (特药): one expensive listed drug a claim, sometimes with a test and an off-list item.
_SPECIAL_DRUGS: tuple[_Item, ...] = (
    ("XL01XE29", "仑伐替尼胶囊 / lenvatinib capsules", "B", "drug", 8500.00, 0.4, 3),
    ("XL01XE35", "奥希替尼片 / osimertinib tablets", "B", "drug", 15000.00, 0.3, 3),
    ("XL01XC03", "曲妥珠单抗注射液 / trastuzumab injection", "B", "drug", 11000.00, 0.4, 2),
    ("XL04AB04", "阿达木单抗注射液 / adalimumab injection", "B", "drug", 2600.00, 0.4, 2),
)
_CUM_SPECIAL = tuple(accumulate(item[6] for item in _SPECIAL_DRUGS))
_FOLLOWUP = ("1110200002", "互联网复诊 / internet follow-up visit", "A", None)
_FOLLOWUP_FEE = {"3": 2000, "2": 1500, "1": 1000, "primary": 1000}  # fen, by hospital level
# Where people go, by level: (facility, weight).
_FACILITY_WEIGHTS = {
    "primary": {"township": 50, "village": 35, "community": 15},
    "1": {"community": 40, "township": 30, "general": 30},
    "2": {"general": 80, "tcm": 20},
    "3": {"general": 88, "tcm": 12},
}
_INPATIENT_KINDS = frozenset({"inpatient", "day_surgery"})
_OUTPATIENT_KINDS = frozenset({"outpatient", "chronic_outpatient"})
# What earlier visits this year typically cost the fund (yuan), by kind of visit.
_EARLIER_MEDIAN = {"inpatient": 6000.0, "day_surgery": 3000.0, "special_drug": 6000.0}
_EARLIER_DEFAULT = 60.0  # outpatient-like visits
_TRIES = 50  # draws per claim before giving up on a policy whose scope the sampler cannot hit


class PolicyInputs:
    """What a policy accepts, read once from the compiled policy: the sampler's plan.

    ``visits`` lists the (scheme, kind, categories) the policy's ``applies when`` lets in,
    found by asking the compiled ``applies`` about one probe claim per combination.
    """

    def __init__(self, policy: Any, *, scheme: str | None = None, kind: str | None = None) -> None:
        from yibao.dsl import ast

        self.input: str = policy.input
        self.enums: dict[str, tuple[str, ...]] = {**DEFAULT_ENUMS, **dict(policy.enums)}
        self.accumulators: tuple[str, ...] = tuple(policy.accumulators)
        self.given: tuple[str, ...] = tuple(getattr(policy, "given", ()))  # layers a claim's `paid` gives
        self.as_billed: bool = bool(getattr(policy, "as_billed", False))  # lines may carry the split
        self.priced: frozenset[tuple[str, str | None]] = frozenset(getattr(policy, "priced", ()))
        self.fields: dict[str, str] = dict(getattr(policy.module, "FIELDS", {}) or {})
        # the year_to_date a claim states is for its insurance year (`year starts`), not the calendar year
        self.year_start: tuple[int, int] = tuple(getattr(policy, "year_start", (1, 1)))  # type: ignore[assignment]
        start, end = policy.module.EFFECTIVE
        self.start = date.fromordinal(start)
        self.end = date.fromordinal(end) if end is not None else None
        nodes = list(ast.walk(policy.ast))
        self.reads = frozenset(n.dotted for n in nodes if isinstance(n, ast.Field))
        self.diseases = tuple(dict.fromkeys(n.item for n in nodes if isinstance(n, ast.Contains)))
        self.classes = tuple(dict.fromkeys(
            r.item_class for r in (policy.ast.classify.rows if policy.ast.classify else ()) if r.item_class))
        # Layers with a `ceiling … after deductible` of a known amount (fen): some earlier visits fill
        # it nearly, so that a drawn claim goes over it.
        self.ceilings_after: dict[str, int] = _known(policy.ast, "ceiling")
        self.year_deductibles: dict[str, int] = {  # … and their deductible already met
            k: v for k, v in _known(policy.ast, "deductible").items() if k in self.ceilings_after}
        for field, value in (("person.scheme", scheme), ("visit.kind", kind)):
            if value is not None and value not in self.enums[field]:
                raise ValueError(f"{field} {value!r} is not one of {', '.join(self.enums[field])}")
        self.visits: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
        if self.input == "claim":
            self.visits = self._probe(policy, scheme, kind)
            if not self.visits:
                wanted = ", ".join(f"{k} {v}" for k, v in (("scheme", scheme), ("kind", kind)) if v)
                with_ = f" with {wanted}" if wanted else ""
                raise ValueError(f"policy {policy.id} accepts no claim{with_}")

    def _probe(self, policy: Any, scheme: str | None, kind: str | None) -> tuple[Any, ...]:
        """(scheme, kind, categories) the compiled ``applies`` accepts for some visit.

        A plain local visit is asked first; only a combination it refuses is asked again
        with every level, region, referral and a child's, an adult's and an old person's
        age, in case ``applies when`` reads those too.
        """
        from dataclasses import replace

        from yibao.compiler.claims import parse_claim

        applies = policy.module.applies
        e = self.enums
        base = parse_claim({
            "id": "probe", "date": self.start.isoformat(),
            "person": {"id": "probe", "scheme": e["person.scheme"][0], "age": 50},
            "visit": {"kind": e["visit.kind"][0], "level": e["visit.level"][0],
                      "region": e["visit.region"][0], "diseases": list(self.diseases)},
            "lines": [{"code": "probe", "category": "A", "amount": "1.00"}],
        }, e)
        wider = [dict(level=lv, region=rg, referral=rf, age=age) for lv in e["visit.level"]
                 for rg in e["visit.region"] for rf in e["visit.referral"] for age in (8, 50, 80)]
        out = []
        for s in (scheme,) if scheme else e["person.scheme"]:
            for k in (kind,) if kind else e["visit.kind"]:
                cats = []
                for cat in e["person.category"]:
                    probe = replace(base, scheme=s, kind=k, category=cat)
                    if applies(probe) or any(applies(replace(probe, **w)) for w in wider):
                        cats.append(cat)
                if cats:
                    out.append((s, k, tuple(cats)))
        return tuple(out)

    def window(self, start: date | None, days: int | None) -> tuple[date, int]:
        """Claim dates: ``start``/``days`` as given, else the year 2024 within the policy's dates."""
        if start is None:
            start = max(date(2024, 1, 1), self.start)
            if self.end is not None and start > self.end:  # an old policy: its own first year
                start = self.start
        if days is None:
            days = 365
            if self.end is not None:
                days = max(1, min(days, (self.end - start).days + 1))
        return start, days


_CUM_CACHE: dict[tuple[Any, ...], tuple[float, ...]] = {}


def _pick(rng: random.Random, weights: Mapping[str, float], allowed: Sequence[str]) -> str:
    """One of ``allowed`` by ``weights`` (unknown values weigh 1); cumulative weights are worked out
    once per weights and allowed values (a hot spot of the sampler otherwise)."""
    key = (tuple(weights.items()), tuple(allowed))
    cum = _CUM_CACHE.get(key)
    if cum is None:
        cum = _CUM_CACHE[key] = _cum(allowed, weights)
    return rng.choices(allowed, cum_weights=cum)[0]


def _items(rng: random.Random, table: Sequence[_Item], cum: Sequence[float], k: int,
           severity: float) -> list[dict[str, Any]]:
    out = []
    for code, name, category, item_class, median, sigma, _ in rng.choices(table, cum_weights=cum, k=k):
        out.append(_line(code, name, category, item_class, _lognormal_fen(rng, median * severity, sigma)))
    return out


def _visit_lines(rng: random.Random, kind: str, level: str, facility: str) -> list[dict[str, Any]]:
    """Bill lines shaped like the kind of visit: a stay, a surgery day, a clinic visit, a drug."""
    if kind in _INPATIENT_KINDS:
        stay = 1 if kind == "day_surgery" else min(60, 1 + round(rng.lognormvariate(1.8, 0.6)))
        return _lines(rng, stay)
    if kind == "special_drug":
        lines = _items(rng, _SPECIAL_DRUGS, _CUM_SPECIAL, 1, 1.0)
        if rng.random() < 0.3:
            lines.append(_line("250301001", "肝功能 / liver function panel", "A", "exam",
                               _lognormal_fen(rng, 120.0, 0.4)))
        if rng.random() < 0.15:
            lines.append(_line("C-DRG-21", "保肝中成药(目录外) / off-list patent medicine", "C", "drug",
                               _lognormal_fen(rng, 400.0, 0.5)))
        return lines
    if kind == "remote_followup":
        code, name, category, item_class = _FOLLOWUP
        category = rng.choices(("A", "B", "C"), cum_weights=(90, 95, 100))[0]
        return [_line(code, name, category, item_class, _FOLLOWUP_FEE.get(level, 1500))]
    count = rng.choices(_OUTPATIENT_COUNTS, cum_weights=_CUM_OUTPATIENT_COUNTS)[0]
    severity = rng.lognormvariate(0.0, 0.5) * (0.6 if level == "primary" else 1.0)
    lines = _items(rng, _OUTPATIENT_ITEMS, _CUM_OUTPATIENT, count, severity)
    if facility == "tcm" and not any(ln.get("class") == "tcm" for ln in lines):
        fen = _lognormal_fen(rng, 80.0, 0.6)
        lines.append(_line("T0100001", "中药饮片 / TCM herbal pieces", "A", "tcm", fen))
    return lines


def _policy_ytd(rng: random.Random, plan: PolicyInputs, year: int, kind: str, earlier: int) -> dict[str, Any]:
    """Accumulators of this policy after ``earlier`` visits this year: deductibles, payments, bases."""
    if earlier == 0 or not plan.accumulators:
        return {}
    median = _EARLIER_MEDIAN.get(kind, _EARLIER_DEFAULT)
    heavy = rng.random() < 0.03  # a heavy year: close to or past the caps
    out: dict[str, Any] = {"year": year}
    first_layer = split_accumulator(plan.accumulators[0])[0]
    for key in plan.accumulators:
        layer, acc = split_accumulator(key)
        what = acc.key if acc is not None else ""
        if what == "deductible":
            choices = _PAID_DEDUCTIBLES if kind in _INPATIENT_KINDS else (0, 5000, 10000, 20000)
            fen = rng.choice(choices)
            if fen and rng.random() < 0.1:  # the earlier bills were smaller than their deductible
                fen = rng.randrange(1, fen)
            if layer in plan.year_deductibles and rng.random() < 0.7:  # met: the ceiling above it is in use
                fen = plan.year_deductibles[layer]
        elif acc is not None and acc.period != "year":  # this month's (quarter's) share of the year's
            year_paid = _fen(out.get(f"{layer}.paid", "0.00"))
            fen = 0 if rng.random() < 0.4 else min(year_paid, _lognormal_fen(rng, median / 3, 1.0))
        elif what == "paid" and layer == first_layer:
            fen = sum(_lognormal_fen(rng, median, 1.0) for _ in range(earlier))
            if heavy:
                fen *= 20
        elif what == "paid":  # later payers pay a fraction of what the first one did, often nothing
            fen = 0
            if rng.random() >= 0.5:
                fen = sum(_lognormal_fen(rng, median / 4, 1.0) for _ in range(earlier))
        else:  # a year's base or entered amount: what the earlier visits brought in
            fen = sum(_lognormal_fen(rng, median * 1.5, 1.0) for _ in range(earlier))
            if heavy:
                fen *= 10
            if what == "entered" and layer in plan.ceilings_after and rng.random() < 0.5:
                limit = plan.ceilings_after[layer]  # close to its ceiling, or at it
                fen = limit - rng.randrange(0, limit // 40 + 1)
        out[key] = money(min(fen, 10 * _MAX_LINE_FEN))
    return out


def _known(policy: Any, what: str) -> dict[str, int]:
    """Layer → its ceiling after the deductible (``what`` "ceiling") or its per-year deductible, in fen,
    where it is a number or a one-value parameter."""
    from yibao.dsl import ast

    values = {p.name: p.versions[0].definition.expr for p in policy.parameters  # type: ignore[union-attr]
              if len(p.versions) == 1 and not p.exceptions
              and isinstance(p.versions[0].definition, ast.Value)}
    out: dict[str, int] = {}
    for layer in policy.layers:
        node = layer.ceiling if what == "ceiling" and layer.ceiling_after_deductible else (
            layer.deductible if what == "deductible" and layer.deductible is not None
            and layer.deductible.period == "year" else None)
        expr = node.expr if node is not None else None
        if isinstance(expr, ast.Name):
            expr = values.get(expr.name)
        if isinstance(expr, ast.Number):
            out[layer.name] = int(expr.value * 100)
    return out


def _policy_claim(rng: random.Random, label: str, plan: PolicyInputs, start: date,
                  days: int) -> dict[str, Any]:
    """One claim in the policy's scope, drawn in a fixed order so that the seed decides it."""
    day = start + timedelta(days=rng.randrange(days))
    age, birth = _age_and_birth(rng, day)
    scheme, kind, categories = rng.choice(plan.visits)
    category = _pick(rng, _CATEGORY_WEIGHTS, categories)
    region = _pick(rng, _REGION_WEIGHTS, plan.enums["visit.region"])
    where = "local" if region == "local" else "away"
    level = _pick(rng, _LEVEL_WEIGHTS[where], plan.enums["visit.level"])
    referral = _pick(rng, _REFERRAL_WEIGHTS[where], plan.enums["visit.referral"])
    facility = _pick(rng, _FACILITY_WEIGHTS.get(level, {"general": 1}), plan.enums["visit.facility"])
    visit: dict[str, Any] = {"kind": kind, "level": _level_json(level), "facility": facility,
                             "region": region, "referral": referral}
    if kind in _INPATIENT_KINDS:
        visit["admission_no"] = rng.choices(_ADMISSIONS, cum_weights=_CUM_ADMISSIONS)[0]
        earlier = visit["admission_no"] - 1
    else:  # clinic visits and drug claims: how many this year before this one
        earlier = 0 if rng.random() < 0.3 else 1 + int(rng.lognormvariate(1.0, 0.8))
    if plan.diseases and ("visit.diseases" in plan.reads or kind not in _INPATIENT_KINDS):
        chronic = 0.6 if kind in _OUTPATIENT_KINDS or kind == "remote_followup" else 0.25
        visit["diseases"] = [d for d in plan.diseases if rng.random() < chronic / len(plan.diseases) * 1.5]
    claim = {
        "id": label,
        "date": day.isoformat(),
        "person": {"id": _person_id(rng, birth), "scheme": scheme, "category": category, "age": age},
        "visit": visit,
        "lines": _visit_lines(rng, kind, level, facility),
        "year_to_date": _policy_ytd(rng, plan, insurance_year(day, plan.year_start), kind, earlier),
    }
    if plan.given:  # drawn last, so that the claims of a policy without `given` layers stay as they were
        claim["paid"] = _given_paid(rng, plan.given, claim["lines"])
    if plan.priced or plan.as_billed:  # after everything else, for the same reason
        for ln in claim["lines"]:
            _price_and_split(rng, plan, ln)
    return claim


def _fen(text: str) -> int:
    return int(text.replace(".", ""))


def _price_and_split(rng: random.Random, plan: PolicyInputs, line: dict[str, Any]) -> None:
    """A unit price where the policy's rows read one (one to four units, or one dear item near the
    usual price bands), and for a policy that takes lines `as billed`, the platform's split on about
    half of them: category C fully self-paid; A and B sometimes over the price limit, B with a first
    self-pay share."""
    amount = _fen(line["amount"])
    key = (line["category"], line.get("class"))
    if key in plan.priced or (line["category"], None) in plan.priced:
        if rng.random() < 0.5:
            price = rng.choice((400_000, 500_000, 500_001, 1_999_999, 2_000_000, 2_500_000))
            line["amount"] = money(price)
            amount = price
        else:
            price = amount // rng.randint(1, 4)
        line["unit_price"] = money(price)
    if not plan.as_billed or rng.random() < 0.5:
        return
    self_pay = amount if line["category"] == "C" else 0
    over = (amount - self_pay) * rng.choice((0, 0, 0, 5, 20)) // 100
    share = rng.choice((5, 10, 20, 30)) if line["category"] == "B" else 0
    first = (amount - self_pay - over) * share // 100
    for k, v in (("self_pay", self_pay), ("over_limit", over), ("first_self_pay", first),
                 ("in_scope", amount - self_pay - over - first)):
        line[k] = money(v)


def _given_paid(rng: random.Random, given: Sequence[str],
                lines: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """What the `given` layers paid upstream: shares of the category A and B cost, so that together
    they never exceed it (and so never the claim's total). The first pays most; a later one often
    nothing, and now and then the first pays it all (nothing remains for the layers after)."""
    covered = sum(int(ln["amount"].replace(".", "")) for ln in lines if ln["category"] in ("A", "B"))
    out: dict[str, str] = {}
    for i, layer in enumerate(given):
        if i == 0:
            share = 1.0 if rng.random() < 0.05 else rng.uniform(0.4, 0.85)
        else:
            share = 0.0 if rng.random() < 0.3 else rng.uniform(0.0, 0.6)
        fen = int(covered * share)
        covered -= fen
        out[layer] = money(fen)
    return out


def _record_value(rng: random.Random, code: str, scale: float, start: date, days: int) -> Any:
    """A record field of the declared type; money fields of one record share its ``scale``."""
    if code == "m":
        return money(max(0, round(scale * rng.lognormvariate(0.0, 0.08))))
    if code == "r":
        return f"{rng.randrange(0, 10001) / 100:.2f}%"
    if code == "c":
        return int(rng.lognormvariate(3.0, 1.0))
    if code == "b":
        return rng.random() < 0.5
    return (start + timedelta(days=rng.randrange(days))).isoformat()


def _policy_record(rng: random.Random, label: str, plan: PolicyInputs, start: date,
                   days: int) -> dict[str, Any]:
    """A budget-like record: every money field near one size, so differences between them are small."""
    day = start + timedelta(days=rng.randrange(days))
    scale = rng.lognormvariate(math.log(50_000_000_00), 0.8)  # fen: tens of millions of yuan
    values = {name: _record_value(rng, code, scale, start, days) for name, code in plan.fields.items()}
    return {"id": label, "date": day.isoformat(), "record": values}


def sample_policy_claims(
    policy: Any,
    n: int,
    seed: int,
    *,
    scheme: str | None = None,
    kind: str | None = None,
    start: date | None = None,
    days: int | None = None,
) -> list[dict[str, Any]]:
    """``n`` claims (or records) that ``policy`` accepts, fully determined by the arguments.

    Schemes, visit kinds and categories come from what the policy's ``applies when`` lets
    in (``scheme``/``kind`` narrow them); levels, regions, referrals and facilities from its
    enums; disease names and item classes from its rules; ``year_to_date`` keys from its
    accumulators. Dates default to 2024 within the policy's effective dates. A claim the
    policy refuses is drawn again (validated in chunks: ``sampling_stream.claim_chunks``).
    """
    from yibao.sampling_stream import claim_chunks

    chunks = claim_chunks(policy, n, seed, scheme=scheme, kind=kind, start=start, days=days)
    return [claim for claims, _table in chunks for claim in claims]


def _parquet_row(claim: Mapping[str, Any]) -> dict[str, Any]:
    """A claim as a Parquet row: levels as text, so that ``2`` and ``"primary"`` share a column;
    empty objects left out (Parquet has no struct without fields; the contract reads both alike)."""
    row = {k: v for k, v in claim.items() if not (isinstance(v, Mapping) and not v)}
    visit = row.get("visit")
    if isinstance(visit, Mapping) and "level" in visit:
        row["visit"] = {**visit, "level": str(visit["level"])}
    return row


def write_parquet(claims: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """Write claims as one Parquet file of nested columns (person, visit, lines, year_to_date).

    Fields a claim leaves out are null in its row; ``read_claims`` drops the nulls again.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = Path(path)
    rows = [_parquet_row(c) for c in claims]
    # A column per field any claim has (``Table.from_pylist`` would take the first row's fields
    # only); each column's type is inferred from all its values, nested fields included.
    names = list(dict.fromkeys(k for row in rows for k in row)) or ["id"]
    table = pa.table({k: pa.array([row.get(k) for row in rows]) for k in names})
    # A file object, not a name: given a name, pyarrow removes the file when writing fails,
    # and that file may be a device (``/dev/null``). The temporary file is renamed when whole.
    with open_output(p, binary=True, parents=True) as f:
        pq.write_table(table, f)
    return p


def write_any(claims: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """Write claims where ``path`` says: ``.parquet`` file, ``.jsonl`` file, or else a folder."""
    if Path(path).suffix == ".parquet":
        return write_parquet(claims, path)
    return write_claims(claims, path)
