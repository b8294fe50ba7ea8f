"""Reconcile: sampled platform data from the same policy matches to the fen; one parameter changed,
exactly the affected visits are reported, each with its first differing step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import yibao
from yibao.cli import main
from yibao.national.areas import area_for
from yibao.national.convert import claim_to_national
from yibao.national.reconcile import Summary, read_visits, reconcile_stream, reconcile_visit
from yibao.sampling import sample_policy_claims

from .conftest import POLICY

CHANGE = (
    "    local, 2, _                            -> 400.00",
    "    local, 2, _                            -> 450.00",
)
N = 150


@pytest.fixture(scope="module")
def sampled(tmp_path_factory, platform_policy):
    """N sampled visits as the platform would send them, the claims, and the policy with one change."""
    tmp = tmp_path_factory.mktemp("reconcile")
    area = area_for(platform_policy.id)
    claims = sample_policy_claims(platform_policy, N, 7)
    data = tmp / "platform.jsonl"
    data.write_text(
        "".join(
            json.dumps(claim_to_national(platform_policy, area, c), ensure_ascii=False) + "\n" for c in claims
        ),
        encoding="utf-8",
    )
    text = Path(POLICY).read_text(encoding="utf-8")
    changed_path = tmp / "changed.yb"
    changed_path.write_text(text.replace(*CHANGE), encoding="utf-8")
    return data, claims, yibao.load_policy(changed_path), changed_path, area


def _run(policy, area, data):
    summary, results = Summary(), []
    for r, _ in reconcile_stream(policy, area, read_visits(data)):
        summary.add(r)
        if r.status != "matched":
            results.append(r)
    return summary, results


def test_the_same_policy_recomputes_every_visit_to_the_fen(sampled, platform_policy):
    data, _, _, _, area = sampled
    summary, results = _run(platform_policy, area, data)
    assert (summary.visits, summary.matched, summary.differing, summary.rejected) == (N, N, 0, 0), results[:1]


def test_a_changed_deductible_reports_exactly_the_visits_it_affects(sampled, platform_policy):
    data, claims, changed, _, area = sampled
    affected = set()
    for c in claims:
        a, b = platform_policy.settle(c), changed.settle(c)
        if (a.payer_fen, a.person_fen, a.ytd) != (b.payer_fen, b.person_fen, b.ytd):
            affected.add(c["id"])
    summary, results = _run(changed, area, data)
    assert affected and {r.visit for r in results} == affected
    assert summary.rejected == 0
    for r in results:
        step = r.first_step
        # the platform's compact trace and ours part at the deductible step of layer basic
        assert step["layer"] == "basic" and step["recomputed"]["rule"] == "basic.deductible"
        assert step["platform"]["deductible"] == "400.00" and step["recomputed"]["deductible"] == "450.00"
        assert step["step"]["inputs"][0]["value"] == "450.00"
    d = summary.to_dict()
    assert d["fields"]["act_pay_dedc"]["visits"] == len(affected)
    assert set(d["payers"]) <= {"390100"}
    assert sum(r.payers["390100"][1] - r.payers["390100"][0] for r in results if "390100" in r.payers) == int(
        d["payers"]["390100"]["difference"].replace(".", "")
    )


def test_a_platform_s_own_process_text_still_names_the_layer(visit, area, platform_policy):
    from yibao.national import PolicyNeeds, settlement_shapes, to_claim

    s = platform_policy.settle(to_claim(visit, area, PolicyNeeds.of(platform_policy)), trace=True)
    shapes = settlement_shapes(s, area)
    visit["setlinfo"] = {
        **shapes["setlinfo"],
        "hifp_pay": "29000.00",
        "fund_pay_sumamt": "29000.00",
        "psn_part_amt": "17774.08",
        "psn_cash_pay": "17774.08",
    }
    visit["setldetail"] = [
        {**shapes["setldetail"][0], "fund_payamt": "29000.00", "setl_proc_info": "390100|起付线400|比例0.8"}
    ]
    r = reconcile_visit(platform_policy, area, visit, "hand")
    assert r.status == "differs"
    assert r.fields["hifp_pay"] == (2900000, 2949334)
    assert r.first_step["layer"] == "basic" and "not yibao's compact trace" in r.first_step["note"]


def test_inconsistent_platform_figures_are_rejected_with_their_path(visit, area, platform_policy):
    from yibao.national import PolicyNeeds, settlement_shapes, to_claim

    s = platform_policy.settle(to_claim(visit, area, PolicyNeeds.of(platform_policy)), trace=True)
    visit.update(settlement_shapes(s, area))
    visit["setlinfo"]["maf_pay"] = "10.00"
    r = reconcile_visit(platform_policy, area, visit, "hand")
    assert r.status == "rejected"
    assert r.issues[0].path == "setlinfo.fund_pay_sumamt"
    assert r.to_dict()["issues"][0]["path"] == "setlinfo.fund_pay_sumamt"  # the JSON keeps its shape


def test_the_command_reports_json_and_fails_on_difference(sampled, platform_policy):
    data, _, _, changed_path, _ = sampled
    runner = CliRunner()
    same = runner.invoke(main, ["reconcile", str(POLICY), str(data), "--fail-on-difference"])
    assert same.exit_code == 0, same.output
    assert f"{N} visits: {N} matched, 0 differing, 0 rejected" in same.output
    diff = runner.invoke(
        main,
        [
            "reconcile",
            str(changed_path),
            str(data),
            "--json",
            "--fail-on-difference",
            "--area",
            "yibao/national/areas/jiujiang.toml",
        ],
    )
    assert diff.exit_code == 1
    report = json.loads(diff.output)
    assert report["summary"]["differing"] == len(report["visits"]) > 0
    text = runner.invoke(main, ["reconcile", str(changed_path), str(data), "--show", "1"])
    assert text.exit_code == 0
    assert "first differing step: basic.deductible" in text.output and "more differing" in text.output


def test_unreadable_lines_are_rejected_not_fatal(tmp_path, platform_policy):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"mdtrtinfo": 1}\nnot json\n\n{"a": 1, "a": 2}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["reconcile", str(POLICY), str(bad), "--json"])
    report = json.loads(result.output)
    assert report["summary"]["rejected"] == 3
    assert [v["issues"][0]["path"] for v in report["visits"]] == ["mdtrtinfo", "$", "a"]


def test_a_progress_bar_leaves_the_report_as_it_was(sampled, platform_policy):
    data = sampled[0]
    plain = CliRunner().invoke(main, ["reconcile", str(POLICY), str(data), "--json", "--no-progress"])
    barred = CliRunner().invoke(main, ["reconcile", str(POLICY), str(data), "--json", "--progress"])
    assert barred.exit_code == plain.exit_code == 0
    assert json.loads(barred.stdout) == json.loads(plain.stdout)


def test_an_empty_mdtrtinfo_or_a_code_that_is_not_text_is_rejected_at_its_path(visit, area, platform_policy):
    """An empty ``mdtrtinfo`` was rejected with no reason, an empty ``setlinfo`` crashed; a code with
    an unpaired surrogate (JSON ``"\\ud800"``) was taken as it was and crashed the report that
    printed it. Each is rejected at its path, and the report (text and JSON) can be printed."""
    import copy

    from yibao.national import PolicyNeeds, settlement_shapes, to_claim
    from yibao.national.reconcile import describe

    s = platform_policy.settle(to_claim(visit, area, PolicyNeeds.of(platform_policy)), trace=True)
    visit.update(settlement_shapes(s, area))  # the platform's figures, as it would send them
    empty = copy.deepcopy(visit)
    empty["mdtrtinfo"] = {}
    r = reconcile_visit(platform_policy, area, empty, "v.json")
    assert r.status == "rejected" and [i.path for i in r.issues] == ["mdtrtinfo.endtime"]
    empty = copy.deepcopy(visit)
    empty["setlinfo"] = {}  # was a KeyError: an empty object read as no figures, unchecked
    r = reconcile_visit(platform_policy, area, empty, "v.json")
    assert r.status == "rejected" and [i.path for i in r.issues] == ["setlinfo.medfee_sumamt"]
    for where in ("mdtrtinfo", "setldetail"):
        broken = copy.deepcopy(visit)
        if where == "mdtrtinfo":
            broken["mdtrtinfo"]["psn_no"] = "\udfff\ud800"
        else:
            broken["setldetail"][0]["fund_pay_type"] = "\ud800"
        r = reconcile_visit(platform_policy, area, broken, "v.json")
        assert r.status == "rejected", r
        assert any("unpaired surrogate" in i.message for i in r.issues), r.issues
        for lang in ("en", "zh"):
            describe(r, lang).encode("utf-8")
        json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8")
