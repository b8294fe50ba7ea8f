"""`yibao test`: policy test files, failures that show where a settlement parts, JUnit and coverage."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from yibao.cli import main
from yibao.policytest import TestFileError, discover, load_test_file, run_tests

from .conftest import ROOT

POLICY = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
CLAIMS = ROOT / "policies" / "jiujiang" / "claims"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A copy of the Jiujiang resident policy and its claims, with an empty tests/ folder."""
    shutil.copy(POLICY, tmp_path / "resident_inpatient.yb")
    shutil.copytree(CLAIMS, tmp_path / "claims",  # the resident claims, not the other policies' folders
                    ignore=lambda folder, names: [n for n in names if (Path(folder) / n).is_dir()])
    (tmp_path / "tests").mkdir()
    return tmp_path


def write_cases(team: Path, cases: list[dict] | dict) -> Path:
    path = team / "tests" / "resident_inpatient.tests.json"
    path.write_text(json.dumps(cases, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def level2(**expect: object) -> dict:
    return {"name": "level2_local", "claim": "../claims/level2_local.json", "expect": expect}


# ---------------------------------------------------------------- the bundled policies


def test_every_bundled_policy_has_tests_and_they_pass() -> None:
    result = run("test", "policies")
    assert result.exit_code == 0, result.output
    policies = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "policies").glob("*/*.yb"))
    tested = {str(load_test_file(f).policy.as_posix()) for f in discover(["policies"])}
    assert tested == set(policies)
    assert "failed" not in result.output and "error" not in result.output


def test_bundled_tests_cover_their_rules() -> None:
    report = run_tests(["policies"], coverage=True)
    assert report.ok
    by_id = {c.policy_id: c for c in report.coverage.values()}
    assert by_id["jiujiang.resident_inpatient"].percent == 100.0
    # nothing in the bundled tests reaches the basic fund's annual cap of the poverty chain
    missed = [r.label for r in by_id["liaocheng.poverty_inpatient"].missed()]
    assert missed == ["layer basic: cap per year reached"]


def test_a_policy_path_runs_its_own_test_file() -> None:
    result = run("test", "policies/jiujiang/resident_inpatient.yb", "-v")
    assert result.exit_code == 0
    head = "policies/jiujiang/tests/resident_inpatient.tests.json (jiujiang.resident_inpatient)"
    assert head in result.output
    assert "PASS  deductible_carried_to_the_next_admission" in result.output
    assert "PASS  employees_are_not_covered" in result.output


# ---------------------------------------------------------------- failures


def test_a_wrong_expectation_fails_with_the_claim_figures_and_first_differing_step(team: Path) -> None:
    write_cases(team, [level2(payers={"basic": "6900.00"}, person="2600.00")])
    result = run("test", str(team))
    assert result.exit_code == 1
    out = result.output
    assert "FAIL" in out and ":: level2_local" in out
    assert "claim JJ-2024-0001" in out and "inpatient, level 2, local, referral none" in out
    assert "total 9,500.00" in out
    assert [line.split() for line in out.splitlines() if line.strip().startswith(("basic ", "person "))] == [
        ["basic", "6,900.00", "6,880.00", "-20.00"], ["person", "2,600.00", "2,620.00", "+20.00"]]
    first = out.split("first step where they part:\n")[1].splitlines()
    assert first[0].strip().startswith("step 12 basic.pays (")
    assert "basic pays 6,880.00" in first[0] and "expected 6,900.00" in first[0]
    # and the steps of the layer that led there, with the table row each parameter came from
    assert "basic.deductible" in out and "[deductible = 400.00, row `local, 2, _`]" in out
    assert out.rstrip().endswith("0 passed, 1 failed")


def test_an_expected_step_moves_the_parting_point_to_that_step(team: Path) -> None:
    write_cases(team, [level2(payers={"basic": "6800.00"}, steps={"parameter:deductible": "500.00"})])
    out = run("test", str(team)).output
    first = out.split("first step where they part:\n")[1].splitlines()[0]
    assert "step 1 parameter:deductible" in first and "deductible = 400.00" in first
    assert "expected 500.00" in first


def test_claims_are_settled_in_date_order_but_expected_as_listed(team: Path) -> None:
    claim = json.loads((CLAIMS / "level2_local.json").read_text(encoding="utf-8"))
    later = {**claim, "id": "later", "date": "2024-11-02",
             "lines": [{"code": "X", "category": "A", "amount": "1000.00"}]}
    write_cases(team, [{
        "name": "two_stays", "claims": [later, "../claims/level2_local.json"],
        "expect": [{"payers": {"basic": "800.00"}, "year_to_date": {"basic.deductible": "400.00"}},
                   {"payers": {"basic": "6880.00"}, "person": "2620.00"}],
    }])
    assert run("test", str(team)).exit_code == 0


def test_an_expected_refusal(team: Path) -> None:
    claim = json.loads((CLAIMS / "level2_local.json").read_text(encoding="utf-8"))
    claim["person"]["scheme"] = "employee"
    write_cases(team, [{"name": "employee", "claim": claim, "error": "does not cover"},
                       {"name": "settles", "claim": "../claims/level2_local.json",
                        "error": "does not cover"}])
    result = run("test", str(team), "-v")
    assert result.exit_code == 1
    assert "PASS  employee" in result.output
    assert "expected an error with 'does not cover', but the claims were settled" in result.output


def test_a_misspelt_payer_is_an_error_with_a_suggestion(team: Path) -> None:
    write_cases(team, [level2(payers={"basik": "6880.00"})])
    result = run("test", str(team))
    assert result.exit_code == 1
    assert ("`basik` is not a payer of policy jiujiang.resident_inpatient; did you mean `basic`?"
            in result.output)
    assert "1 error" in result.output


@pytest.mark.parametrize(("cases", "message"), [
    ({"cases": [{"name": "x", "claim": "../claims/level2_local.json", "expct": {}}]},
     "cases[0].expct: unknown field; did you mean `expect`?"),
    ([level2(payers={"basic": "6880.001"})], "is not an amount"),
    ([level2(person="1.00"), level2(person="1.00")], "two cases are called 'level2_local'"),
    ([{"name": "x", "claim": "../claims/nowhere.json", "expect": {}}],
     "claim file '../claims/nowhere.json' not found"),
    ({"policy": "../missing.yb", "cases": []}, "policy file"),
])
def test_test_file_mistakes_name_the_file_and_the_place(team: Path, cases, message: str) -> None:
    path = write_cases(team, cases)
    with pytest.raises(TestFileError, match=r"resident_inpatient\.tests\.json") as info:
        load_test_file(path)
    assert message in str(info.value)
    result = run("test", str(path))
    assert result.exit_code == 1 and "ERROR" in result.output and message in result.output


def test_junit_report(team: Path, tmp_path: Path) -> None:
    write_cases(team, [level2(payers={"basic": "6880.00"}, person="2620.00"),
                       {**level2(payers={"basic": "1.00"}), "name": "wrong"}])
    out = tmp_path / "reports" / "junit.xml"
    assert run("test", str(team), "--junit", str(out)).exit_code == 1
    root = ET.parse(out).getroot()
    counts = (root.tag, root.get("tests"), root.get("failures"), root.get("errors"))
    assert counts == ("testsuites", "2", "1", "0")
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("jiujiang.resident_inpatient", "level2_local"), ("jiujiang.resident_inpatient", "wrong")]
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "basic: expected 1.00, got 6,880.00"
    assert "first step where they part" in (failure.text or "")


def test_no_tests_found_and_usage_errors(tmp_path: Path) -> None:
    result = run("test", str(tmp_path))
    assert result.exit_code == 1 and "no policy tests" in result.output
    assert run("test", str(tmp_path / "missing")).exit_code == 2
    assert run("test", str(tmp_path), "--min-coverage", "120").exit_code == 2


# ---------------------------------------------------------------- coverage


def test_coverage_lists_the_rows_no_test_reaches(team: Path, tmp_path: Path) -> None:
    write_cases(team, [level2(payers={"basic": "6880.00"})])
    report = tmp_path / "coverage.json"
    result = run("test", str(team), "--coverage", "--coverage-json", str(report))
    assert result.exit_code == 0
    text = result.output.split("Rule coverage\n")[1]
    policy = team / "resident_inpatient.yb"
    assert text.startswith(f"jiujiang.resident_inpatient ({policy}): 5/15 rules, 33.3%")
    never = text.split("never fired:\n")[1]
    assert "resident_inpatient.yb:28  row       deductible: row `local, 1 | primary, _`" in never
    assert "resident_inpatient.yb:29" not in never  # the level-2 row was reached
    assert "classify  B" in never and "cap       layer basic: cap per year reached" in never

    data = json.loads(report.read_text(encoding="utf-8"))["policies"][0]
    assert (data["policy"], data["rules"], data["covered"], data["claims"]) == (
        "jiujiang.resident_inpatient", 15, 5, 1)
    rows = {(i["kind"], i["line"]): i["hits"] for i in data["items"]}
    assert rows[("row", 29)] == 1 and rows[("row", 28)] == 0 and rows[("row", 38)] == 1
    assert {i["kind"] for i in data["items"]} == {"row", "classify", "layer", "cap"}


def test_min_coverage(team: Path) -> None:
    write_cases(team, [level2(payers={"basic": "6880.00"})])
    low = run("test", str(team), "--min-coverage", "50")
    assert low.exit_code == 1
    assert "coverage of jiujiang.resident_inpatient is 33.3%, below --min-coverage 50%" in low.output
    assert run("test", str(team), "--min-coverage", "30").exit_code == 0


def test_coverage_json_on_stdout_counts_exceptions_bands_and_skipped_layers() -> None:
    result = run("test", "policies/liaocheng/poverty_inpatient.yb", "--coverage-json", "-")
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # standard output is the JSON alone; the report went to stderr
    assert "passed" in result.stderr
    items = data["policies"][0]["items"]
    kinds = {i["kind"] for i in items}
    assert kinds == {"row", "exception", "classify", "band", "layer", "skip", "cap"}
    exceptions = [i for i in items if i["kind"] == "exception"]
    assert exceptions and all(i["hits"] > 0 for i in exceptions)  # the poverty thresholds and rates
    assert all(i["hits"] > 0 for i in items if i["kind"] == "band")
