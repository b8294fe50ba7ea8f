"""What a policy's sampled claims may look like: the sampler's plan, read by both drawers.

``sampling.sample_policy_claims`` (one claim at a time, ``random.Random``) and
``sampling_columnar`` (whole chunks, ``numpy.random.Generator``) draw from the tables and
shares here and from ``PolicyInputs``, what a compiled policy accepts. A shape either drawer
needs is added here, never written into a drawer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import accumulate
from typing import Any

from yibao.dsl.types import DEFAULT_ENUMS

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

# Shapes of a visit and of the year before it (both drawers read these; see docs/cli.md).
STAY = (1.8, 0.6, 60)  # days in hospital: 1 + round(lognormal(mu, sigma)), at most 60
INPATIENT_SEVERITY = 0.45  # sigma of a stay's lognormal severity factor (scales every item)
OUTPATIENT_SEVERITY = 0.5  # … of a clinic visit's
PRIMARY_SCALE = 0.6  # a primary-level clinic visit costs less
# A special-drug claim's further lines: (share of claims, item) — the item as in ``_ITEMS``.
SPECIAL_EXTRAS: tuple[tuple[float, _Item], ...] = (
    (0.3, ("250301001", "肝功能 / liver function panel", "A", "exam", 120.0, 0.4, 0)),
    (0.15, ("C-DRG-21", "保肝中成药(目录外) / off-list patent medicine", "C", "drug", 400.0, 0.5, 0)),
)
FOLLOWUP_CATEGORIES = (("A", "B", "C"), (90, 95, 100))  # values, cumulative weights
# a TCM visit without herbs on its bill gets them
TCM_LINE: _Item = ("T0100001", "中药饮片 / TCM herbal pieces", "A", "tcm", 80.0, 0.6, 0)
EARLIER_VISITS = (0.3, 1.0, 0.8)  # clinic visits before this one: none (share), else 1 + int(lognormal)
DISEASE_SHARE = (0.6, 0.25, 1.5)  # chronic: outpatient-like, others; × this / number of diseases
HEAVY_YEAR = 0.03  # a heavy year: close to or past the caps
HEAVY_PAID, HEAVY_BASE = 20, 10  # … multiplies the first layer's payments, a base's amount
OTHER_DEDUCTIBLES = (0, 5000, 10000, 20000)  # fen paid of a clinic deductible
SMALLER_DEDUCTIBLE = 0.1  # the earlier bills were smaller than their deductible
DEDUCTIBLE_MET = 0.7  # a layer with a ceiling after its deductible: deductible already met
EARLIER_SIGMA = 1.0  # sigma of an earlier visit's cost
PERIOD_NONE, PERIOD_SHARE = 0.4, 3  # a month's (quarter's) figure: none, else cost / this
LATER_NONE, LATER_SHARE = 0.5, 4  # a later layer paid nothing, else cost / this
BASE_SCALE = 1.5  # a year's base or entered amount: cost × this
NEAR_CEILING = (0.5, 40)  # an entered amount at its ceiling less up to ceiling / 40 (share of claims)
MAX_YTD_FEN = 10 * _MAX_LINE_FEN
# Priced lines (`priced` rows): a dear item at a price-band edge, or 1..4 units of the line.
PRICED_DEAR = 0.5
PRICES = (400_000, 500_000, 500_001, 1_999_999, 2_000_000, 2_500_000)
UNITS = (1, 4)
# `as billed` lines: the platform's split on a share of lines, percentages drawn from these.
SPLIT_SHARE = 0.5
OVER_LIMIT_PCT = (0, 0, 0, 5, 20)
FIRST_SELF_PAY_PCT = (5, 10, 20, 30)  # category B only
# `given` layers' payments: (share of claims paying all / nothing, uniform share low, high).
GIVEN_FIRST = (0.05, 0.4, 0.85)  # the first pays all now and then, else a share
GIVEN_LATER = (0.3, 0.0, 0.6)  # a later one often nothing


def _cum(values: Sequence[str], weights: Mapping[str, float]) -> tuple[float, ...]:
    """Cumulative weights for ``values``; unknown values weigh 1, and all-zero is uniform."""
    raw = [weights.get(v, 1) for v in values]
    return tuple(accumulate(raw if any(raw) else [1] * len(raw)))


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
