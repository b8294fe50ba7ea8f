"""A visit in the platform's shapes → a yibao claim dict, every value checked, every problem at its path.

The visit is one JSON object holding the platform's messages by their node names (docs/national.md):
``mdtrtinfo`` (the visit: 2401 / 2201), ``baseinfo`` and ``idetinfo`` (1101), ``feedetail``
(2301 / 2204 input), ``feedetail_result`` (the ``result`` node of their output: the platform's
line split), ``cuminfo`` (5206, the opening year-to-date), and for reconciling, ``setlinfo`` and
``setldetail`` (2207 / 2304 output). Rows may carry the many other fields of the interface;
those yibao does not read are ignored, but every field it reads is validated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yibao.compiler.claims import MAX_ADMISSION_NO, _Collector, _show, insurance_year
from yibao.compiler.constructs import split_accumulator
from yibao.dsl.errors import ClaimError
from yibao.dsl.phrase import Names, P

from . import numbers as n
from .areas import Area, Version
from .fields import _code, _day, _obj, _rows
from .settled import read_setlinfo

VISIT_KEYS = {
    "mdtrtinfo",
    "baseinfo",
    "insuinfo",
    "idetinfo",
    "feedetail",
    "feedetail_result",
    "cuminfo",
    "setlinfo",
    "setldetail",
    "diseinfo",
}
SPLIT = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")
CLAIM_SPLIT = ("self_pay", "over_limit", "first_self_pay", "in_scope")  # the claim's names, in that order


@dataclass(frozen=True)
class PolicyNeeds:
    """What the reader needs to know of the policy the claim is for."""

    accumulators: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    year_start: tuple[int, int] = (1, 1)
    as_billed: bool = True  # whether the policy takes the platform's line split (`as billed`)

    @classmethod
    def of(cls, policy: Any) -> PolicyNeeds:
        return cls(
            tuple(policy.accumulators),
            tuple(getattr(policy, "given", ())),
            tuple(getattr(policy, "year_start", (1, 1))),  # type: ignore[arg-type]
            bool(getattr(policy, "as_billed", True)),
        )


def _mapped(c: _Collector, v: Version, what: str, code: str | None, path: str, area: Area) -> str | None:
    if code is None:
        return None
    value = v.code(what, code)
    if value is None:
        known = tuple(sorted(v.maps.get(what, {})))
        c.add(path, P("{value} is not a {what} code of pooling area {code} (known: {known})",
                      value=_show(code),
                      what=what, code=area.code, known=Names(known)) if known else
              P("{value} is not a {what} code of pooling area {code} (it maps none)", value=_show(code),
                what=what, code=area.code))
    return value


def region_of(v: Version, insured: str | None, treated: str | None) -> str:
    """local when treated in the insured's city (first four digits of the 医保区划 code), in_province
    when in the same province (first two), out_of_province otherwise; a missing code counts as the area's."""
    home = insured or v.admdvs
    where = treated or home
    if where[:4] == home[:4]:
        return "local"
    return "in_province" if where[:2] == home[:2] else "out_of_province"


def _category(
    c: _Collector, v: Version, visit: Mapping[str, Any], day: dt.date | None, area: Area
) -> str | None:
    """The person's category: the first identity (in the mapping's order) valid on the day, else psn_type."""
    valid: set[str] = set()
    for path, row in _rows(c, visit.get("idetinfo"), "idetinfo"):
        code = _code(c, row, "psn_idet_type", path)
        begin = _day(c, row, "begntime", path, required=False)
        end = _day(c, row, "endtime", path, required=False)
        if (
            code is not None
            and day is not None
            and (begin is None or begin <= day)
            and (end is None or day <= end)
        ):
            valid.add(code)
    for code, category in v.maps.get("psn_idet_type", {}).items():
        if code in valid:
            return category
    for path, row in _rows(c, visit.get("insuinfo"), "insuinfo"):
        code = _code(c, row, "psn_type", path, required=False)
        if code is not None and code in v.maps.get("psn_type", {}):
            return v.maps["psn_type"][code]
    return None


def _age(c: _Collector, base: Mapping[str, Any], day: dt.date | None) -> int | None:
    """``baseinfo.age`` (a number, possibly with decimals: whole years kept), else from ``brdy``."""
    if base.get("age") not in (None, ""):
        tenths = n.read(c, base["age"], "baseinfo.age", n.Kind("N4,1", 4, 1))
        return None if tenths is None else tenths // 10
    birth = _day(c, base, "brdy", "baseinfo", required=False)
    if birth is None or day is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class _Line:
    """A bill line while refunds are netted against it: amounts in fen, the split if the platform gave it."""

    __slots__ = ("amount", "category", "code", "item_class", "name", "path", "price", "split")

    def __init__(self, path: str, code: str, name: str, amount: int, price: int | None) -> None:
        self.path, self.code, self.name, self.amount, self.price = path, code, name, amount, price
        self.category: str | None = None
        self.item_class: str | None = None
        self.split: list[int] | None = None


def _splits(c: _Collector, visit: Mapping[str, Any], sums: Mapping[str, int]) -> dict[str, tuple[str, Any]]:
    """The platform's line split by feedetl_sn: (path, (four parts, chrgitm_lv, row)), each row checked."""
    out: dict[str, tuple[str, Any]] = {}
    for path, row in _rows(c, visit.get("feedetail_result"), "feedetail_result"):
        sn = _code(c, row, "feedetl_sn", path, limit=30)
        total = n.read(c, row.get("det_item_fee_sumamt"), f"{path}.det_item_fee_sumamt", n.SIGNED_AMOUNT)
        parts = [n.read(c, row.get(k), f"{path}.{k}", n.SIGNED_AMOUNT) for k in SPLIT]
        if sn is None:
            continue
        if sn in out:
            c.add(f"{path}.feedetl_sn", P("{value} repeats {first}", value=_show(sn), first=out[sn][0]))
            continue
        if sn not in sums:
            c.add(f"{path}.feedetl_sn", P("{value} is not the feedetl_sn of any feedetail row",
                                          value=_show(sn)))
            continue
        if total is not None and total != sums[sn]:
            c.add(
                f"{path}.det_item_fee_sumamt",
                P("{amount} is not the fee detail's {amount2}", amount=n.amount_text(total),
                  amount2=n.amount_text(sums[sn])),
            )
        if total is not None and all(p is not None for p in parts) and sum(parts) != total:  # type: ignore[arg-type]
            c.add(
                path,
                P("the split adds up to {amount} (fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + "
                  "inscp_scp_amt), not det_item_fee_sumamt {amount2}",
                  amount=n.amount_text(sum(parts)), amount2=n.amount_text(total)),
            )
        out[sn] = (path, (parts, row.get("chrgitm_lv"), row))
    return out


def _lines(c: _Collector, visit: Mapping[str, Any], v: Version, area: Area, as_billed: bool) -> list[_Line]:
    """The fee details with refunds netted against their ``init_feedetl_sn``; fully refunded lines dropped."""
    rows = _rows(c, visit.get("feedetail"), "feedetail", required=True)
    if not rows and "feedetail" in visit:
        c.add("feedetail", P("a visit needs at least one fee detail"))
    parsed: list[tuple[str, Mapping[str, Any], str | None, int | None, int | None, int | None]] = []
    sums: dict[str, int] = {}
    for path, row in rows:
        sn = _code(c, row, "feedetl_sn", path, limit=30)
        amount = n.read(c, row.get("det_item_fee_sumamt"), f"{path}.det_item_fee_sumamt", n.SIGNED_AMOUNT)
        cnt = n.read(c, row.get("cnt"), f"{path}.cnt", n.COUNT)
        price = n.read(c, row.get("pric"), f"{path}.pric", n.PRICE)
        if sn is not None:
            if sn in sums:
                c.add(f"{path}.feedetl_sn", P("{value} appears twice; each fee detail has its own",
                                              value=_show(sn)))
                sn = None
            elif amount is not None:
                sums[sn] = amount
        parsed.append((path, row, sn, amount, cnt, price))
    splits = _splits(c, visit, sums) if visit.get("feedetail_result") is not None else {}
    lines: dict[str, _Line] = {}
    refunds: list[tuple[str, Mapping[str, Any], str, int]] = []
    for path, row, sn, amount, cnt, price in parsed:
        if sn is None or amount is None or cnt is None:
            continue
        if cnt < 0 or amount < 0:
            if cnt > 0 or amount > 0:
                c.add(path, P("a refund has a negative cnt and a negative (or zero) det_item_fee_sumamt"))
                continue
            refunds.append((path, row, sn, amount))
            continue
        code = _code(c, row, "med_list_codg", path, required=False)
        local = _code(c, row, "medins_list_codg", path, required=False, limit=150)
        if code is None and local is not None:
            code = v.code("codes", local)
            if code is None:
                c.add(
                    f"{path}.med_list_codg",
                    P("missing, and medins_list_codg {value} is not in pooling area {code}'s code map",
                      value=_show(local), code=area.code),
                )
        elif code is None:
            c.add(f"{path}.med_list_codg", P("required"))
        name = row.get("hilist_name") or row.get("medins_list_name") or ""
        line = _Line(
            path,
            code or "",
            name if isinstance(name, str) else "",
            amount,
            None if price is None else n.price_to_fen(price),
        )
        level = row.get("chrgitm_lv")
        cls = _code(c, row, "med_chrgitm_type", path, required=False)
        line.item_class = v.code("med_chrgitm_type", cls) if cls is not None else None
        if sn in splits:
            split_path, (parts, level_out, _) = splits[sn]
            level = level_out if level_out is not None else level
            negative = [k for k, p in zip(SPLIT, parts, strict=True) if p is not None and p < 0]
            for k in negative:
                c.add(
                    f"{split_path}.{k}",
                    P("must not be negative: only a refund (negative cnt) has negative parts"),
                )
            if all(p is not None for p in parts) and not negative:
                line.split = list(parts)
        elif splits or (as_billed and visit.get("feedetail_result") is not None):
            c.add(path, P("no line split: feedetail_result has no row with feedetl_sn {value}",
                          value=_show(sn)))
        if level is None:
            c.add(f"{path}.chrgitm_lv", P("unknown: neither the fee detail nor its line split gives it"))
        else:
            line.category = _mapped(c, v, "chrgitm_lv", str(level), f"{path}.chrgitm_lv", area)
        lines[sn] = line
    for path, row, sn, amount in refunds:
        _net(c, lines, splits, path, row, sn, amount)
    kept = [ln for ln in lines.values() if ln.amount != 0]
    if lines and not kept:
        c.add("feedetail", P("every fee detail is refunded in full: nothing to settle"))
    return kept


def _net(
    c: _Collector,
    lines: Mapping[str, _Line],
    splits: Mapping[str, tuple[str, Any]],
    path: str,
    row: Mapping[str, Any],
    sn: str,
    amount: int,
) -> None:
    """Subtract a refund (negative cnt) from the line it refunds, its split part by part."""
    original = _code(c, row, "init_feedetl_sn", path, limit=30)
    if original is None:
        return
    line = lines.get(original)
    if line is None:
        c.add(
            f"{path}.init_feedetl_sn",
            P("{value} is not an earlier fee detail of this visit that is not itself a refund",
              value=_show(original)),
        )
        return
    if line.amount + amount < 0:
        c.add(
            path,
            P("refunds {amount}, more than the {amount2} left of {path}", amount=n.amount_text(-amount),
              amount2=n.amount_text(line.amount), path=line.path),
        )
        return
    line.amount += amount
    if line.split is not None:
        refund = splits.get(sn)
        if refund is None:
            c.add(path, P("no line split: feedetail_result has no row with feedetl_sn {value}",
                          value=_show(sn)))
            return
        parts = refund[1][0]
        if any(p is None for p in parts):
            return
        netted = [a + b for a, b in zip(line.split, parts, strict=True)]
        if any(p < 0 for p in netted):
            c.add(refund[0], P("refunds more of a part than {path}'s line split holds", path=line.path))
            return
        line.split = netted


def _year_to_date(
    c: _Collector, visit: Mapping[str, Any], v: Version, insutype: str | None, year: int, needs: PolicyNeeds
) -> tuple[dict[str, str], int | None]:
    """The opening accumulators from ``cuminfo``: this insutype's rows of the claim's year, by cum_type_code;
    also the admissions so far (the area's ``admission_count`` code, such as C0000)."""
    ytd: dict[str, str] = {}
    admissions: int | None = None
    accumulator_of = v.accumulator_of
    seen: dict[str, str] = {}
    for path, row in _rows(c, visit.get("cuminfo"), "cuminfo"):
        code = _code(c, row, "cum_type_code", path)
        row_type = _code(c, row, "insutype", path, required=False)
        row_year = row.get("year")
        if isinstance(row_year, str) and row_year.isascii() and row_year.isdigit():
            row_year = int(row_year)
        if isinstance(row_year, bool) or not isinstance(row_year, int):
            c.add(f"{path}.year", P("required, a year such as 2024, not {value}", value=_show(row_year)))
            continue
        cum = n.read(c, row.get("cum"), f"{path}.cum", n.AMOUNT)
        if (
            code is None
            or cum is None
            or row_year != year
            or (row_type and insutype and row_type != insutype)
        ):
            continue  # another year's or another insurance type's figures
        if code in seen:
            c.add(f"{path}.cum_type_code", P("{value} repeats {first}", value=_show(code), first=seen[code]))
            continue
        seen[code] = path
        if code == v.admission_count:
            if cum % 100:
                c.add(f"{path}.cum", P("an admission count is a whole number"))
            else:
                admissions = cum // 100
            continue
        acc = accumulator_of.get(code)
        if acc is not None and (not needs.accumulators or acc in needs.accumulators):
            ytd[acc] = n.amount_text(cum)
    return ytd, admissions


def to_claim(
    visit: Any, area: Area, needs: PolicyNeeds | None = None, source: str | None = None
) -> dict[str, Any]:
    """A national visit → a yibao claim dict (``docs/claims.md``); ``ClaimError`` with every problem,
    each at its path in the visit. Amounts exact; unit prices rounded half up to the fen."""
    needs = needs or PolicyNeeds()
    c = _Collector()
    if not isinstance(visit, Mapping):
        c.add("$", P("a visit must be a JSON object"))
        raise c.error(source, what="visit")
    c.unknown_keys(visit, VISIT_KEYS, "")
    info = _obj(c, visit.get("mdtrtinfo"), "mdtrtinfo")
    # an empty mdtrtinfo has no endtime (required); one that is not an object is an issue already
    day = _day(c, info, "endtime", "mdtrtinfo") if isinstance(visit.get("mdtrtinfo"), Mapping) else None
    v = area.version(day) if day is not None else None
    if day is not None and v is None:
        c.add(
            "mdtrtinfo.endtime",
            P("{day} is before pooling area {code}'s first mapping ({start})", day=day, code=area.code,
              start=area.versions[0].start),
        )
    if v is None:
        raise c.error(source, what="visit")
    mdtrt_id = _code(c, info, "mdtrt_id", "mdtrtinfo", limit=30)
    base = _obj(c, visit.get("baseinfo"), "baseinfo", required=False)
    psn_no = _code(c, info, "psn_no", "mdtrtinfo", limit=30) or _code(c, base, "psn_no", "baseinfo", limit=30)
    insutype = _code(c, info, "insutype", "mdtrtinfo", limit=6)
    scheme = _mapped(c, v, "insutype", insutype, "mdtrtinfo.insutype", area)
    kind = _mapped(
        c, v, "med_type", _code(c, info, "med_type", "mdtrtinfo", limit=6), "mdtrtinfo.med_type", area
    )
    level = _mapped(
        c, v, "hosp_lv", _code(c, info, "hosp_lv", "mdtrtinfo", limit=6), "mdtrtinfo.hosp_lv", area
    )
    refl = _code(c, info, "refl_type", "mdtrtinfo", required=False, limit=6)
    referral = _mapped(c, v, "refl_type", refl, "mdtrtinfo.refl_type", area) if refl else "none"
    region = region_of(
        v,
        _code(c, info, "insuplc_admdvs", "mdtrtinfo", required=False, limit=6),
        _code(c, info, "mdtrtarea_admvs", "mdtrtinfo", required=False, limit=6),
    )
    diseases = []
    for path, row in _rows(c, visit.get("diseinfo"), "diseinfo"):
        code = _code(c, row, "diag_code", path)
        if code is not None and v.code("diseases", code):
            diseases.append(v.code("diseases", code))
    dise = _code(c, info, "dise_codg", "mdtrtinfo", required=False)
    if dise is not None and v.code("diseases", dise):
        diseases.append(v.code("diseases", dise))
    category = _category(c, v, visit, day, area)
    age = _age(c, base, day)
    lines = _lines(c, visit, v, area, needs.as_billed)
    year = insurance_year(day, needs.year_start) if day is not None else 0
    ytd, admissions = _year_to_date(c, visit, v, insutype, year, needs)
    periods = [k for k in needs.accumulators
               if (a := split_accumulator(k)[1]) is not None and a.period != "year"]
    if periods:
        c.add("cuminfo",
              P("the policy caps a layer per month or per quarter ({periods}): reading those accumulators "
                "from cuminfo is not supported yet", periods=Names(tuple(periods))))
    paid: dict[str, str] = {}
    if needs.given:
        figures = read_setlinfo(c, visit.get("setlinfo"))
        for layer in needs.given:
            spec = v.layers.get(layer)
            if spec is None:
                c.add(
                    "setlinfo",
                    P("pooling area {code} does not say which setlinfo field layer `{layer}` is",
                      code=area.code, layer=layer),
                )
            elif figures:
                paid[layer] = n.amount_text(figures[spec.for_scheme(scheme or "")[0]])
    if admissions is not None and admissions + 1 > MAX_ADMISSION_NO:
        c.add("cuminfo", P("{n} admissions this year; at most {max} before this one", n=admissions,
                           max=MAX_ADMISSION_NO - 1))
    if c.issues:
        raise c.error(source, what="visit")
    claim: dict[str, Any] = {
        "id": mdtrt_id,
        "date": day.isoformat() if day else None,
        "person": {
            "id": psn_no,
            "scheme": scheme,
            **({"category": category} if category else {}),
            **({"age": age} if age is not None else {}),
        },
        "visit": {
            "kind": kind,
            "level": level,
            "region": region,
            "referral": referral,
            **({"admission_no": admissions + 1} if admissions is not None else {}),
            **({"diseases": sorted(set(diseases))} if diseases else {}),
        },
        "lines": [_claim_line(ln, needs.as_billed) for ln in lines],
        "year_to_date": {"year": year, **ytd},
    }
    if paid:
        claim["paid"] = paid
    return claim


def _claim_line(ln: _Line, as_billed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": ln.code,
        "name": ln.name,
        "category": ln.category,
        **({"class": ln.item_class} if ln.item_class else {}),
        "amount": n.amount_text(ln.amount),
    }
    if ln.price is not None:
        out["unit_price"] = n.amount_text(ln.price)
    if as_billed and ln.split is not None:
        out.update({k: n.amount_text(p) for k, p in zip(CLAIM_SPLIT, ln.split, strict=True)})
    return out


def decode_visit(data: str | bytes, source: str | None = None) -> Any:
    """A visit's JSON text, read as a claim's is (size, depth, repeated keys), numbers kept exact."""
    from yibao.compiler.json_input import decode_json

    return decode_json(data, source, parse_float=Decimal)


def issues_of(err: ClaimError) -> list[dict[str, str]]:
    return [{"path": i.path, "reason": i.message} for i in err.issues]
