"""The platform's own settlement (``setlinfo``, ``setldetail``) as read for reconciling and for a
policy's ``given`` layers: amounts in fen, its identities checked, local fund codes made national."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yibao.compiler.claims import _Collector
from yibao.dsl.phrase import P

from . import numbers as n
from .areas import FUND_FIELDS, Version
from .fields import _code, _obj, _rows


def read_setlinfo(c: _Collector, raw: Any, path: str = "setlinfo") -> dict[str, int]:
    """The platform's settlement figures (fen), checked: the funds add up to fund_pay_sumamt, and
    fund_pay_sumamt + psn_part_amt + hosp_part_amt to medfee_sumamt."""
    obj = _obj(c, raw, path)
    if not isinstance(raw, Mapping):  # missing or not an object: _obj said so
        return {}
    out: dict[str, int] = {}
    for key in SETLINFO_AMOUNTS:
        required = key in ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt")
        value = n.read(c, obj.get(key), f"{path}.{key}", n.AMOUNT, required=required)
        out[key] = value or 0
        if value is None and required:
            return {}
    funds = sum(out[f] for f in FUND_FIELDS)
    if funds != out["fund_pay_sumamt"]:
        c.add(
            f"{path}.fund_pay_sumamt",
            P("{amount} is not the sum of the funds ({funds} = {sum})",
              amount=n.amount_text(out["fund_pay_sumamt"]), funds=" + ".join(FUND_FIELDS),
              sum=n.amount_text(funds)),
        )
    whole = out["fund_pay_sumamt"] + out["psn_part_amt"] + out["hosp_part_amt"]
    if whole != out["medfee_sumamt"]:
        c.add(
            f"{path}.medfee_sumamt",
            P("{amount} is not fund_pay_sumamt + psn_part_amt + hosp_part_amt = {amount2}",
              amount=n.amount_text(out["medfee_sumamt"]), amount2=n.amount_text(whole)),
        )
    return out


SETLINFO_AMOUNTS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    *FUND_FIELDS,
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "hosp_part_amt",
)


def read_setldetail(c: _Collector, raw: Any, v: Version, path: str = "setldetail") -> list[dict[str, Any]]:
    """The platform's per-fund rows: national fund_pay_type (local codes mapped), amounts in fen."""
    out = []
    for rpath, row in _rows(c, raw, path):
        code = _code(c, row, "fund_pay_type", rpath, limit=8)
        paid = n.read(c, row.get("fund_payamt"), f"{rpath}.fund_payamt", n.AMOUNT)
        left = n.read(c, row.get("crt_payb_lmt_amt"), f"{rpath}.crt_payb_lmt_amt", n.AMOUNT, required=False)
        info = row.get("setl_proc_info")
        if info is not None and (not isinstance(info, str) or len(info) > 4000):
            c.add(f"{rpath}.setl_proc_info", P("must be a string of at most 4,000 characters"))
            info = None
        if code is not None and paid is not None:
            out.append(
                {
                    "path": rpath,
                    "fund_pay_type": v.national_fund(code),
                    "fund_payamt": paid,
                    "crt_payb_lmt_amt": left,
                    "setl_proc_info": info,
                }
            )
    return out


