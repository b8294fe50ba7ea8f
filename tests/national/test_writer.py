"""Settlement → setlinfo / setldetail / cuminfo: the identities hold, each row matches its field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yibao
from yibao.national import PolicyNeeds, area_for, settlement_shapes, to_claim, to_visit
from yibao.national.areas import FUND_FIELDS
from yibao.national.steps import proc_info, raw_steps, read_proc_info
from yibao.sampling import sample_policy_claims

LIAOCHENG = yibao.load_policy("policies/liaocheng/poverty_inpatient.yb")


def fen(text: str) -> int:
    return int(text.replace(".", ""))


def check_identities(shapes: dict, settlement) -> None:
    info = shapes["setlinfo"]
    funds = sum(fen(info[f]) for f in FUND_FIELDS)
    assert fen(info["fund_pay_sumamt"]) == funds
    assert fen(info["medfee_sumamt"]) == funds + fen(info["psn_part_amt"]) + fen(info["hosp_part_amt"])
    assert fen(info["medfee_sumamt"]) == (
        fen(info["fulamt_ownpay_amt"])
        + fen(info["overlmt_selfpay"])
        + fen(info["preselfpay_amt"])
        + fen(info["inscp_scp_amt"])
    )
    fields: dict[str, int] = {}
    area = area_for(settlement.meta.id)
    version = area.version(settlement.claim.date)
    for layer, paid in zip(settlement.meta.layers, settlement.payer_fen, strict=True):
        fld = version.layers[layer.name].for_scheme(settlement.claim.scheme)[0]
        fields[fld] = fields.get(fld, 0) + paid
    for fld, total in fields.items():
        assert fen(info[fld]) == total
    by_code = {}
    for row in shapes["setldetail"]:
        by_code[row["fund_pay_type"]] = by_code.get(row["fund_pay_type"], 0) + fen(row["fund_payamt"])
        assert len(row["setl_proc_info"]) <= 4000
        assert read_proc_info(row["setl_proc_info"])[-1]["rule"].endswith(".pays")
    for layer, paid in zip(settlement.meta.layers, settlement.payer_fen, strict=True):
        code = version.layers[layer.name].for_scheme(settlement.claim.scheme)[1]
        assert by_code.get(code, 0) >= (paid if paid else 0)


def test_the_hand_written_visit_settles_into_the_platform_s_shapes(
    visit, area, platform_policy, snapshot_json
):
    claim = to_claim(visit, area, PolicyNeeds.of(platform_policy))
    s = platform_policy.settle(claim, trace=True)
    shapes = settlement_shapes(s, area)
    check_identities(shapes, s)
    info = shapes["setlinfo"]
    # 46,774.08 in all; out of scope 500.00 全自费 + 5,000.00 above the price limit;
    # the fund (37,266.67 − 400.00) × 80%
    assert (info["medfee_sumamt"], info["fulamt_ownpay_amt"], info["overlmt_selfpay"]) == (
        "46774.08",
        "500.00",
        "5000.00",
    )
    assert (info["act_pay_dedc"], info["hifp_pay"], info["pool_prop_selfpay"], info["psn_part_amt"]) == (
        "400.00",
        "29493.34",
        "0.8000",
        "17280.74",
    )
    row = shapes["setldetail"][0]
    assert (row["fund_pay_type"], row["crt_payb_lmt_amt"], row["fund_payamt"]) == (
        "390100",
        "148766.00",
        "29493.34",
    )
    assert {r["cum_type_code"]: r["cum"] for r in shapes["cuminfo"]} == {
        "Q0000": "400.00",
        "F0000": "30727.34",
    }
    assert json.dumps(shapes, ensure_ascii=False, indent=2) + "\n" == snapshot_json


def test_a_long_trace_is_cut_to_4000_characters_citations_first():
    claim = sample_policy_claims(LIAOCHENG, 1, 3)[0]
    s = LIAOCHENG.settle(claim, trace=True)
    steps = [st for st in raw_steps(s) if st.layer] * 40
    text = proc_info(steps)
    assert len(text) <= 4000
    doc = json.loads(text)
    assert "cite" not in doc and doc["more"] == len(steps) - len(doc["steps"]) > 0
    assert read_proc_info(text) == doc["steps"]
    assert read_proc_info("统筹基金支付 1000 元") is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_claims_go_to_the_platform_and_back_unchanged(seed):
    """Any sampled Liaocheng claim (six layers, hospital reduction outside the funds): written as a visit
    with its settlement, the identities hold, and read back it settles to the same figures."""
    area = area_for(LIAOCHENG.id)
    claim = sample_policy_claims(LIAOCHENG, 1, seed)[0]
    s = LIAOCHENG.settle(claim, trace=True)
    visit = to_visit(s.claim, area, s)
    check_identities({"setlinfo": visit["setlinfo"], "setldetail": visit["setldetail"]}, s)
    back = LIAOCHENG.settle(to_claim(visit, area, PolicyNeeds.of(LIAOCHENG)))
    assert (back.payer_fen, back.person_fen, back.ytd, back.claim.admission_no) == (
        s.payer_fen,
        s.person_fen,
        s.ytd,
        s.claim.admission_no,
    )


MONTHLY_AREA = """
area = "000000"
policies = ["examples.*"]
[[version]]
from = 2020-01-01
admdvs = "000000"
[version.insutype]
"390" = "resident"
[version.med_type]
"11" = "outpatient"
[version.hosp_lv]
"08" = "1"
[version.chrgitm_lv]
"01" = "A"
[version.layers.basic]
field = "hifp_pay"
fund_pay_type = "390100"
[version.cum_type_code]
"basic.paid" = "F0000"
"""


def test_caps_per_month_write_the_tightest_cap_left_and_are_refused_on_reading():
    from yibao.dsl.errors import ClaimError

    from yibao.national import parse_area

    policy = yibao.load_policy("policies/examples/outpatient_monthly_limit.yb")
    area = parse_area(MONTHLY_AREA, "monthly.toml")
    claim = json.loads(Path("policies/examples/claims/outpatient_monthly_limit/month_cap.json").read_text(
        encoding="utf-8"))
    s = policy.settle(claim, trace=True)
    shapes = settlement_shapes(s, area)
    # month 300 − 250, quarter 800 − 500, year 2,400 − 500: the month's 50.00 is what this visit could get
    assert shapes["setldetail"][0]["crt_payb_lmt_amt"] == "50.00" == shapes["setldetail"][0]["fund_payamt"]
    visit = to_visit(s.claim, area, s)
    with pytest.raises(ClaimError, match="per month or per quarter"):
        to_claim(visit, area, PolicyNeeds.of(policy))


GIVEN_AREA = """
area = "000000"
policies = ["examples.*"]
[[version]]
from = 2020-01-01
admdvs = "000000"
[version.insutype]
"390" = "resident"
[version.med_type]
"21" = "inpatient"
[version.hosp_lv]
"01" = "3"
"05" = "2"
"08" = "1"
"11" = "primary"
[version.chrgitm_lv]
"01" = "A"
"02" = "B"
"03" = "C"
[version.layers.basic]
field = "hifp_pay"
fund_pay_type = "390100"
[version.cum_type_code]
"basic.paid" = "F0000"
"critical.paid" = "D390200"
"assistance.paid" = "D610100"
[version.refl_type]
"1" = "referred"
"2" = "registered"
"3" = "emergency"
[version.psn_idet_type]
"2301" = "extreme_poverty"
"2302" = "poverty"
"2303" = "low_income"
[version.layers.critical]
field = "hifmi_pay"
fund_pay_type = "390200"
[version.layers.assistance]
field = "maf_pay"
fund_pay_type = "610100"
"""


def test_given_layers_take_what_the_platform_paid_from_setlinfo():
    """A policy settling assistance on the platform's results reads basic and critical from setlinfo."""
    from yibao.national import parse_area

    policy = yibao.load_policy("policies/examples/assistance_on_platform_results.yb")
    area = parse_area(GIVEN_AREA, "given.toml")
    for claim in sample_policy_claims(policy, 20, 5):
        s = policy.settle(claim, trace=True)
        visit = to_visit(s.claim, area, s)
        assert visit["setlinfo"]["hifp_pay"] == claim["paid"]["basic"]
        back = to_claim(visit, area, PolicyNeeds.of(policy))
        assert back["paid"] == claim["paid"]
        again = policy.settle(back)
        assert (again.payer_fen, again.ytd) == (s.payer_fen, s.ytd)
