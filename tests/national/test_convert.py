"""`yibao convert` between yibao claims and national visits; visits settled into the platform's shapes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from yibao.cli import main

from .conftest import AREA, POLICY, VISIT

CLAIM = "policies/jiujiang/claims/category_b_and_cap.json"


def run(*args: str):
    return CliRunner().invoke(main, ["convert", *args])


def test_a_claim_goes_to_the_platform_and_back(tmp_path):
    out = tmp_path / "visit.json"
    to = run("--from", "yibao", "--to", "national", "--policy", str(POLICY), CLAIM, "-o", str(out))
    assert to.exit_code == 0, to.output
    visit = json.loads(out.read_text(encoding="utf-8"))
    assert visit["setlinfo"]["hifp_pay"] == "52000.00"
    assert visit["setldetail"][0]["crt_payb_lmt_amt"] == "52000.00"
    back = run("--from", "national", "--to", "yibao", "--policy", str(POLICY), str(out))
    assert back.exit_code == 0, back.output
    claim, original = json.loads(back.stdout), json.loads(Path(CLAIM).read_text(encoding="utf-8"))
    assert [ln["amount"] for ln in claim["lines"]] == [ln["amount"] for ln in original["lines"]]
    assert claim["year_to_date"] == original["year_to_date"]


def test_visits_settle_into_setlinfo_and_a_bad_one_is_reported_with_its_path(tmp_path):
    good = json.loads(VISIT.read_text(encoding="utf-8"))
    bad = json.loads(VISIT.read_text(encoding="utf-8"))
    bad["feedetail_result"][1]["inscp_scp_amt"] = "36000.01"
    both = tmp_path / "visits.jsonl"
    both.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    r = run("--from", "national", "--to", "settlement", "--policy", str(POLICY), "--area", str(AREA),
            str(both))
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["setlinfo"]["psn_part_amt"] == "17280.74"
    assert "visits.jsonl:2: visit rejected" in r.stderr and "feedetail_result[1]" in r.stderr


def test_directions_that_do_not_exist_are_usage_errors():
    r = run("--from", "yibao", "--to", "yibao", "--policy", str(POLICY), CLAIM)
    assert r.exit_code == 2 and "choose one of" in r.output
    assert run("--from", "yibao", "--to", "national", CLAIM).exit_code == 2
