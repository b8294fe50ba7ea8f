"""Reproducible random claims, for benchmarks, fuzzing and demos.

Every claim comes out in the JSON claim contract (``compiler/claims.py``), so the
same dicts can be written to disk, fed to ``Policy.claim`` or to the CLI. All
randomness comes from one ``random.Random(seed)``: the same arguments give the
same claims on every machine and Python version that keeps ``random``'s
documented reproducibility guarantee.

Money is generated as integer fen and only then formatted as ``"1234.50"``,
so no float ever reaches a claim amount.

Two generators live here and share their tables of bill items, ages and IDs (the plan,
``sampling_plan``): ``sample_policy_claims`` draws what any compiled policy accepts, one claim
at a time (the reference drawer, whose seeded output many tests pin; ``yibao sample-claims``
draws the same shapes a chunk at a time with ``sampling_columnar``); ``sample_claims`` is the
older, policy-blind Jiujiang generator, kept because the throughput benchmark and
tests/test_sampling.py depend on its exact output.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from yibao import sampling_plan as P  # the tables and shares both drawers read
from yibao.compiler.claims import insurance_year
from yibao.compiler.constructs import split_accumulator
from yibao.dsl.types import DEFAULT_ENUMS
from yibao.output import OutputError, is_stream, open_output, write_atomic
from yibao.sampling_plan import (  # _TRIES and PolicyInputs: also re-exported for their older importers
    _ADMISSIONS,
    _AGE_BANDS,
    _AREAS,
    _CATEGORY_WEIGHTS,
    _CUM_ADMISSIONS,
    _CUM_AGE_BANDS,
    _CUM_ITEMS,
    _CUM_LINE_COUNTS,
    _CUM_OUTPATIENT,
    _CUM_OUTPATIENT_COUNTS,
    _CUM_SPECIAL,
    _DAILY,
    _EARLIER_DEFAULT,
    _EARLIER_MEDIAN,
    _FACILITY_WEIGHTS,
    _FOLLOWUP,
    _FOLLOWUP_FEE,
    _ID_WEIGHTS,
    _INPATIENT_KINDS,
    _ITEMS,
    _LEVEL_WEIGHTS,
    _LINE_COUNTS,
    _MAX_LINE_FEN,
    _OUTPATIENT_COUNTS,
    _OUTPATIENT_ITEMS,
    _OUTPATIENT_KINDS,
    _PAID_DEDUCTIBLES,
    _REFERRAL_WEIGHTS,
    _REGION_WEIGHTS,
    _SPECIAL_DRUGS,
    _TRIES,  # noqa: F401
    PolicyInputs,
    _cum,
    _Item,
)

__all__ = [
    "PolicyInputs",
    "long_claim",
    "sample_claims",
    "sample_policy_claims",
    "write_any",
    "write_claims",
    "write_parquet",
]


def money(fen: int) -> str:
    """Fen → the contract's two-decimal string (``12345`` → ``"123.45"``)."""
    return f"{fen // 100}.{fen % 100:02d}"




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
    severity = rng.lognormvariate(0.0, P.INPATIENT_SEVERITY)
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
        mu, sigma, longest = P.STAY
        stay = 1 if kind == "day_surgery" else min(longest, 1 + round(rng.lognormvariate(mu, sigma)))
        return _lines(rng, stay)
    if kind == "special_drug":
        lines = _items(rng, _SPECIAL_DRUGS, _CUM_SPECIAL, 1, 1.0)
        for share, (code, name, category, item_class, median, sigma, _) in P.SPECIAL_EXTRAS:
            if rng.random() < share:
                lines.append(_line(code, name, category, item_class, _lognormal_fen(rng, median, sigma)))
        return lines
    if kind == "remote_followup":
        code, name, category, item_class = _FOLLOWUP
        category = rng.choices(P.FOLLOWUP_CATEGORIES[0], cum_weights=P.FOLLOWUP_CATEGORIES[1])[0]
        return [_line(code, name, category, item_class, _FOLLOWUP_FEE.get(level, 1500))]
    count = rng.choices(_OUTPATIENT_COUNTS, cum_weights=_CUM_OUTPATIENT_COUNTS)[0]
    severity = rng.lognormvariate(0.0, P.OUTPATIENT_SEVERITY)
    severity *= P.PRIMARY_SCALE if level == "primary" else 1.0
    lines = _items(rng, _OUTPATIENT_ITEMS, _CUM_OUTPATIENT, count, severity)
    if facility == "tcm" and not any(ln.get("class") == "tcm" for ln in lines):
        code, name, category, item_class, median, sigma, _ = P.TCM_LINE
        lines.append(_line(code, name, category, item_class, _lognormal_fen(rng, median, sigma)))
    return lines


def _policy_ytd(rng: random.Random, plan: PolicyInputs, year: int, kind: str, earlier: int) -> dict[str, Any]:
    """Accumulators of this policy after ``earlier`` visits this year: deductibles, payments, bases."""
    if earlier == 0 or not plan.accumulators:
        return {}
    median = _EARLIER_MEDIAN.get(kind, _EARLIER_DEFAULT)
    sigma = P.EARLIER_SIGMA
    heavy = rng.random() < P.HEAVY_YEAR
    out: dict[str, Any] = {"year": year}
    first_layer = split_accumulator(plan.accumulators[0])[0]
    for key in plan.accumulators:
        layer, acc = split_accumulator(key)
        what = acc.key if acc is not None else ""
        if what == "deductible":
            choices = _PAID_DEDUCTIBLES if kind in _INPATIENT_KINDS else P.OTHER_DEDUCTIBLES
            fen = rng.choice(choices)
            if fen and rng.random() < P.SMALLER_DEDUCTIBLE:
                fen = rng.randrange(1, fen)
            if layer in plan.year_deductibles and rng.random() < P.DEDUCTIBLE_MET:  # the ceiling above in use
                fen = plan.year_deductibles[layer]
        elif acc is not None and acc.period != "year":  # this month's (quarter's) share of the year's
            year_paid = _fen(out.get(f"{layer}.paid", "0.00"))
            fen = 0 if rng.random() < P.PERIOD_NONE else min(
                year_paid, _lognormal_fen(rng, median / P.PERIOD_SHARE, sigma))
        elif what == "paid" and layer == first_layer:
            fen = sum(_lognormal_fen(rng, median, sigma) for _ in range(earlier))
            if heavy:
                fen *= P.HEAVY_PAID
        elif what == "paid":  # later payers pay a fraction of what the first one did, often nothing
            fen = 0
            if rng.random() >= P.LATER_NONE:
                fen = sum(_lognormal_fen(rng, median / P.LATER_SHARE, sigma) for _ in range(earlier))
        else:  # a year's base or entered amount: what the earlier visits brought in
            fen = sum(_lognormal_fen(rng, median * P.BASE_SCALE, sigma) for _ in range(earlier))
            if heavy:
                fen *= P.HEAVY_BASE
            near, part = P.NEAR_CEILING
            if what == "entered" and layer in plan.ceilings_after and rng.random() < near:
                limit = plan.ceilings_after[layer]  # close to its ceiling, or at it
                fen = limit - rng.randrange(0, limit // part + 1)
        out[key] = money(min(fen, P.MAX_YTD_FEN))
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
        none, mu, sigma = P.EARLIER_VISITS
        earlier = 0 if rng.random() < none else 1 + int(rng.lognormvariate(mu, sigma))
    if plan.diseases and ("visit.diseases" in plan.reads or kind not in _INPATIENT_KINDS):
        outpatient_like, other, scale = P.DISEASE_SHARE
        chronic = outpatient_like if kind in _OUTPATIENT_KINDS or kind == "remote_followup" else other
        visit["diseases"] = [d for d in plan.diseases if rng.random() < chronic / len(plan.diseases) * scale]
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
        if rng.random() < P.PRICED_DEAR:
            price = rng.choice(P.PRICES)
            line["amount"] = money(price)
            amount = price
        else:
            price = amount // rng.randint(*P.UNITS)
        line["unit_price"] = money(price)
    if not plan.as_billed or rng.random() < P.SPLIT_SHARE:
        return
    self_pay = amount if line["category"] == "C" else 0
    over = (amount - self_pay) * rng.choice(P.OVER_LIMIT_PCT) // 100
    share = rng.choice(P.FIRST_SELF_PAY_PCT) if line["category"] == "B" else 0
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
            whole, low, high = P.GIVEN_FIRST
            share = 1.0 if rng.random() < whole else rng.uniform(low, high)
        else:
            none, low, high = P.GIVEN_LATER
            share = 0.0 if rng.random() < none else rng.uniform(low, high)
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
