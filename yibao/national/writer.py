"""A yibao settlement → the platform's ``setlinfo`` + ``setldetail`` + closing ``cuminfo``; a yibao
claim (and its settlement) → a visit in the platform's shapes.

Field names are the interface's, verbatim. Amounts are written as decimal strings with two
decimals (``"1234.50"``), never floats; ``pool_prop_selfpay`` (N5,4) with four. Which layer reports
as which field and ``fund_pay_type`` is the pooling area's mapping (``areas.py``); the figures
come from the settlement's steps by construct (``steps.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yibao.compiler.money import RATE_ONE, div_half_up
from yibao.compiler.runtime import Settlement

from . import numbers as n
from .areas import FUND_FIELDS, PAYER_FIELDS, Area, AreaError, Version, version_for
from .reader import CLAIM_SPLIT, SPLIT
from .steps import layer_figures, proc_info, raw_steps


def _codes(v: Version, area: Area, layer: str, scheme: str) -> tuple[str, str, str]:
    spec = v.layers.get(layer)
    if spec is None:
        raise AreaError(
            area.source,
            [f"version from {v.start}: layer `{layer}` has no setlinfo field (add [version.layers.{layer}])"],
        )
    fld, code, name = spec.for_scheme(scheme)
    if not fld or not code:
        raise AreaError(
            area.source,
            [f"version from {v.start}: layer `{layer}` names no field or fund_pay_type for scheme {scheme}"],
        )
    return fld, code, name


def settlement_shapes(s: Settlement, area: Area) -> dict[str, Any]:
    """``{"setlinfo": {…}, "setldetail": [...], "cuminfo": [...]}`` for a traced settlement."""
    claim = s.claim
    v = version_for(area, claim.date)
    steps = raw_steps(s)
    figures = layer_figures(steps)
    by_layer: dict[str, list[Any]] = {}
    for st in steps:
        if st.layer:
            by_layer.setdefault(st.layer, []).append(st)
    payers = dict.fromkeys(PAYER_FIELDS, 0)
    detail = []
    deductible = 0
    rate: int | None = None
    for layer, paid in zip(s.meta.layers, s.payer_fen, strict=True):
        fld, code, name = _codes(v, area, layer.name, claim.scheme)
        payers[fld] += paid
        f = figures.get(layer.name)
        if f is None or not f.applies:
            continue
        if fld == "hifp_pay":
            deductible += f.deductible
            rate = f.rate if rate is None else rate
        detail.append(
            {
                "fund_pay_type": code,
                "inscp_scp_amt": n.amount_text(f.base if f.base is not None else s.in_scope_fen),
                "crt_payb_lmt_amt": None if f.cap_left is None else n.amount_text(f.cap_left),
                "fund_payamt": n.amount_text(paid),
                "fund_pay_type_name": name,
                "setl_proc_info": proc_info(by_layer.get(layer.name, [])),
            }
        )
    self_pay = over_limit = 0
    for line, share in zip(claim.lines, s.lines, strict=True):
        split = line.split
        if split is not None:
            self_pay += split[0]
            over_limit += split[1]
        else:
            self_pay += share.out_of_scope
    fund = sum(payers[f] for f in FUND_FIELDS)
    prop = None
    if rate is not None:
        share = rate if v.pool_prop_selfpay == "fund_rate" else RATE_ONE - rate
        prop = n.text(div_half_up(share, 100), 4)  # parts per million → N5,4, half up
    setlinfo = {
        "mdtrt_id": claim.id,
        "psn_no": claim.person_id,
        "insutype": v.reverse("insutype", claim.scheme),
        "med_type": v.reverse("med_type", claim.kind),
        "setl_time": f"{claim.date.isoformat()} 00:00:00",
        "medfee_sumamt": n.amount_text(s.total_fen),
        "fulamt_ownpay_amt": n.amount_text(self_pay),
        "overlmt_selfpay": n.amount_text(over_limit),
        "preselfpay_amt": n.amount_text(s.first_self_pay_fen),
        "inscp_scp_amt": n.amount_text(s.in_scope_fen),
        "act_pay_dedc": n.amount_text(deductible),
        "hifp_pay": n.amount_text(payers["hifp_pay"]),
        "pool_prop_selfpay": prop,
        **{f: n.amount_text(payers[f]) for f in FUND_FIELDS if f != "hifp_pay"},
        "fund_pay_sumamt": n.amount_text(fund),
        "psn_part_amt": n.amount_text(s.person_fen),
        "acct_pay": "0.00",
        "psn_cash_pay": n.amount_text(s.person_fen),
        "hosp_part_amt": n.amount_text(payers["hosp_part_amt"]),
        "acct_mulaid_pay": "0.00",
    }
    return {
        "setlinfo": setlinfo,
        "setldetail": detail,
        "cuminfo": cuminfo(s.ytd, v, claim, setlinfo["insutype"]),
    }


def cuminfo(
    ytd: Mapping[str, int], v: Version, claim: Any, insutype: str | None, admissions: int | None = None
) -> list[dict[str, Any]]:
    """Accumulators as 5206 ``cuminfo`` rows, those the area gives a cum_type_code (and the admissions)."""
    rows = []
    ym = f"{claim.date.year}{claim.date.month:02d}"
    for acc, code in v.cum_type_code.items():
        if acc in ytd:
            rows.append(
                {
                    "insutype": insutype,
                    "year": claim.year,
                    "cum_ym": ym,
                    "cum_type_code": code,
                    "cum": n.amount_text(ytd[acc]),
                }
            )
    if admissions is not None and v.admission_count:
        rows.append(
            {
                "insutype": insutype,
                "year": claim.year,
                "cum_ym": ym,
                "cum_type_code": v.admission_count,
                "cum": n.amount_text(admissions * 100),
            }
        )
    return rows


def _treated_in(v: Version, region: str) -> str:
    """A 医保区划 code for where the visit was: the area, another city of its province, or elsewhere."""
    if region == "local":
        return v.admdvs
    if region == "in_province":
        return v.admdvs[:2] + ("9900" if v.admdvs[2:4] != "99" else "9800")
    return "110000" if v.admdvs[:2] != "11" else "310000"


def to_visit(claim: Any, area: Area, settlement: Settlement | None = None) -> dict[str, Any]:
    """A validated ``Claim`` (from ``Policy.claim``) in the platform's shapes: mdtrtinfo, baseinfo,
    idetinfo, feedetail (one line each, cnt 1), the line split (the claim's own, else how the
    settlement classified each line), the opening cuminfo, and with a traced settlement the
    platform's setlinfo and setldetail as yibao computed them."""
    v = version_for(area, claim.date)
    insutype = v.reverse("insutype", claim.scheme)
    med_type = v.reverse("med_type", claim.kind)
    day = claim.date.isoformat()
    info: dict[str, Any] = {
        "mdtrt_id": claim.id,
        "psn_no": claim.person_id,
        "insutype": insutype,
        "med_type": med_type,
        "begntime": f"{day} 00:00:00",
        "endtime": f"{day} 00:00:00",
        "hosp_lv": v.reverse("hosp_lv", claim.level),
        "insuplc_admdvs": v.admdvs,
        "mdtrtarea_admvs": _treated_in(v, claim.region),
    }
    if claim.referral != "none":
        info["refl_type"] = v.reverse("refl_type", claim.referral)
    meaning = {
        "insutype": claim.scheme,
        "med_type": claim.kind,
        "hosp_lv": claim.level,
        "refl_type": claim.referral,
    }
    missing = [k for k in ("insutype", "med_type", "hosp_lv") if info[k] is None]
    if claim.referral != "none" and info.get("refl_type") is None:
        missing.append("refl_type")
    if missing:
        raise AreaError(
            area.source, [f"version from {v.start}: no {k} code means {meaning[k]!r}" for k in missing]
        )
    visit: dict[str, Any] = {
        "mdtrtinfo": info,
        "baseinfo": {"psn_no": claim.person_id, **({"age": claim.age} if claim.age is not None else {})},
    }
    identity = v.reverse("psn_idet_type", claim.category)
    if identity is not None:
        visit["idetinfo"] = [{"psn_idet_type": identity, "begntime": f"{claim.year}-01-01 00:00:00"}]
    diseases = [code for d in sorted(claim.diseases) if (code := v.reverse("diseases", d)) is not None]
    if diseases:
        visit["diseinfo"] = [{"diag_code": code} for code in diseases]
    shares = settlement.lines if settlement is not None else None
    details, results = [], []
    for i, line in enumerate(claim.lines):
        sn = str(i + 1)
        price = line.unit_price
        level = v.reverse("chrgitm_lv", line.category)
        details.append(
            {
                "feedetl_sn": sn,
                "mdtrt_id": claim.id,
                "psn_no": claim.person_id,
                "med_type": med_type,
                "fee_ocur_time": f"{day} 00:00:00",
                "med_list_codg": line.code,
                "medins_list_codg": line.code,
                "hilist_name": line.name,
                "det_item_fee_sumamt": n.amount_text(line.amount),
                # the count the amount makes at the unit price, to 4 decimals half up (1 without a price)
                "cnt": n.text(div_half_up(line.amount * 10_000, price) if price else 10_000, 4),
                "pric": n.text((price if price else line.amount) * 10_000, 6),
                **(
                    {"med_chrgitm_type": v.reverse("med_chrgitm_type", line.item_class)}
                    if line.item_class and v.reverse("med_chrgitm_type", line.item_class)
                    else {}
                ),
            }
        )
        split = line.split
        if split is None and shares is not None:
            sh = shares[i]
            split = (sh.out_of_scope, 0, sh.first_self_pay, sh.in_scope)
        if split is not None:
            results.append(
                {
                    "feedetl_sn": sn,
                    "det_item_fee_sumamt": n.amount_text(line.amount),
                    **{k: n.amount_text(p) for k, p in zip(SPLIT, split, strict=True)},
                    "chrgitm_lv": level,
                }
            )
        else:
            details[-1]["chrgitm_lv"] = level
    visit["feedetail"] = details
    if results:
        visit["feedetail_result"] = results
    admissions = claim.admission_no - 1 if claim.kind in ("inpatient", "day_surgery") else None
    visit["cuminfo"] = cuminfo(claim.ytd, v, claim, insutype, admissions)
    if settlement is not None:
        shapes = settlement_shapes(settlement, area)
        visit["setlinfo"] = shapes["setlinfo"]
        visit["setldetail"] = shapes["setldetail"]
    return visit


__all__ = ["CLAIM_SPLIT", "cuminfo", "settlement_shapes", "to_visit"]
