"""The `yibao` command: outputs and exit codes (0 ok, 1 policy or claim errors, 2 usage)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from yibao.cli import main

POLICY = "policies/jiujiang/resident_inpatient.yb"
CLAIM = "policies/jiujiang/claims/level2_local.json"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_check_ok() -> None:
    result = run("check", POLICY)
    assert result.exit_code == 0
    assert result.output == f"ok: {POLICY} (3 parameters, 1 layer)\n"


def test_check_reports_every_file_and_fails() -> None:
    result = run("check", POLICY, "tests/dsl/broken/bands_gap.yb", "tests/dsl/broken/rates_out_of_range.yb")
    assert result.exit_code == 1
    assert "ok: policies/jiujiang/resident_inpatient.yb" in result.output
    assert "bands_gap.yb:16:5: error: band starts at 6000.00" in result.output
    assert "rates_out_of_range.yb:14:8: error" in result.output
    assert "Traceback" not in result.output


def test_compile_prints_the_module() -> None:
    result = run("compile", POLICY)
    assert result.exit_code == 0
    assert result.output.startswith('"""Settlement code for policy jiujiang.resident_inpatient')
    assert "def settle(c):" in result.output


def test_compile_to_file(tmp_path: Path) -> None:
    out = tmp_path / "policy.py"
    assert run("compile", POLICY, "-o", str(out)).exit_code == 0
    assert "def settle_traced(c):" in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.tmp"))


def test_settle_table() -> None:
    result = run("settle", POLICY, CLAIM)
    assert result.exit_code == 0
    assert "6,880.00" in result.output and "2,620.00" in result.output
    assert "72.42%" in result.output


def test_settle_json_with_trace() -> None:
    result = run("settle", POLICY, CLAIM, "--json", "--trace")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["payers"] == {"basic": "6880.00"} and data["person"] == "2620.00"
    assert data["trace"][-1]["formula"] == "total 9,500.00 − payers 6,880.00 = 2,620.00"


def test_bad_claim_is_exit_1_with_paths(tmp_path: Path) -> None:
    bad = json.loads(Path(CLAIM).read_text(encoding="utf-8"))
    bad["lines"][0]["amount"] = "12.345"
    bad["visit"]["level"] = 4
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = run("settle", POLICY, str(path))
    assert result.exit_code == 1
    assert "lines[0].amount: more than two decimals" in result.output
    assert "visit.level: 4 is not one of 1, 2, 3, primary" in result.output


def test_claim_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = run("settle", POLICY, str(path))
    assert result.exit_code == 1
    assert "not valid JSON at line 1 column 2" in result.output


def test_usage_errors_are_exit_2() -> None:
    assert run("settle", POLICY).exit_code == 2
    assert run("settle", POLICY, "no/such/claim.json").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_settle_a_record_policy() -> None:
    result = run("settle", "policies/reform2023/alliance_surplus.yb",
                 "policies/reform2023/claims/alliance_surplus/surplus_12_percent.json", "--trace")
    assert result.exit_code == 0, result.output
    assert "Record duchang-alliance-2023" in result.output
    assert "carried into next year's package" in result.output and "2,494,000.00" in result.output
    assert "amount 10,320,000.00 − payers 7,826,000.00 = 2,494,000.00" in result.output


def test_explain_output_needs_a_format(tmp_path: Path) -> None:
    result = run("explain", POLICY, CLAIM, "-o", str(tmp_path / "x.md"))
    assert result.exit_code == 2
    assert "-o writes a letter: give --format md or --format html too" in result.output
    missing = run("explain", POLICY, str(tmp_path / "nope.json"), "--format", "md")
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_files_saved_with_a_byte_order_mark(tmp_path: Path) -> None:
    # Editors on Windows often save UTF-8 with a BOM; policies and claims still read.
    policy = tmp_path / "bom.yb"
    policy.write_bytes(b"\xef\xbb\xbf" + Path(POLICY).read_bytes())
    claim = tmp_path / "bom.json"
    claim.write_bytes(b"\xef\xbb\xbf" + Path(CLAIM).read_bytes())
    result = run("settle", str(policy), str(claim), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["payers"] == {"basic": "6880.00"}
