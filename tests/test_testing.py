"""yibao.testing: snapshot suites for policy teams, and the team set-up that docs/testing.md shows."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.testing import ClaimCase, claim_cases, each_claim, settlement_text

from .conftest import ROOT

DOC = ROOT / "docs" / "testing.md"
JIUJIANG = ROOT / "policies" / "jiujiang"


def doc_files() -> dict[str, str]:
    """The files docs/testing.md shows in full: a line naming the file, then its code block."""
    text = DOC.read_text(encoding="utf-8")
    return {m[1]: m[2] for m in re.finditer(r"^`([\w./-]+)`:\n\n```\w+\n(.*?)^```", text, re.S | re.M)}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_team_repository_of_the_docs_works_as_documented(tmp_path: Path) -> None:
    files = doc_files()
    assert set(files) == {"policies/tests/inpatient.tests.json", "tests/test_claims.py"}
    test_file = files["tests/test_claims.py"]
    assert len(test_file.strip().splitlines()) <= 10
    # the layout of the docs: a policy, a claims folder, the two files above
    (tmp_path / "policies").mkdir()
    shutil.copy(JIUJIANG / "resident_inpatient.yb", tmp_path / "policies" / "inpatient.yb")
    (tmp_path / "claims" / "inpatient").mkdir(parents=True)
    shutil.copy(JIUJIANG / "claims" / "level2_local.json", tmp_path / "claims" / "inpatient")
    shutil.copy(JIUJIANG / "claims" / "level3_out_of_city_referred.json",
                tmp_path / "claims" / "inpatient" / "level3_referred.json")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")

    tests = run(["-m", "yibao.cli", "test"], tmp_path)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert tests.stdout.endswith("2 passed\n")

    pytest_args = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
    first = run([*pytest_args, "--snapshot-update"], tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "2 snapshots generated" in first.stdout
    snapshot = tmp_path / "tests" / "__snapshots__" / "test_claims" / "test_inpatient[level2_local].json"
    data = json.loads(snapshot.read_text(encoding="utf-8"))
    assert (data["payers"], data["person"]) == ({"basic": "6880.00"}, "2620.00")
    assert {step["file"] for step in data["trace"]} == {"policies/inpatient.yb"}  # relative to the root
    again = run(pytest_args, tmp_path)
    assert again.returncode == 0 and "2 snapshots passed" in again.stdout, again.stdout

    # a change to the policy fails both, showing the figures that moved
    policy = tmp_path / "policies" / "inpatient.yb"
    text = policy.read_text(encoding="utf-8")
    row = "local, 2,           _                                 -> 400.00"
    assert row in text
    policy.write_text(text.replace(row, row.replace("400.00", "500.00")), encoding="utf-8")
    changed = run(pytest_args, tmp_path)
    assert changed.returncode == 1
    assert '-     "basic": "6880.00"' in changed.stdout and '+     "basic": "6800.00"' in changed.stdout
    assert "1 snapshot failed. 1 snapshot passed." in changed.stdout
    failing = run(["-m", "yibao.cli", "test"], tmp_path)
    assert failing.returncode == 1
    assert "basic   6,880.00  6,800.00      -80.00" in failing.stdout


def test_claim_cases_of_a_folder_a_file_and_a_jsonl(tmp_path: Path) -> None:
    policy = JIUJIANG / "resident_inpatient.yb"
    folder = claim_cases(JIUJIANG / "claims", policy, prefix="jj-")
    assert [ident for ident, _ in folder] == [
        "jj-category_b_and_cap", "jj-level1_second_admission", "jj-level2_local",
        "jj-level3_out_of_city_not_referred", "jj-level3_out_of_city_referred"]  # not the subfolders
    one = claim_cases("claims/level2_local.json", "resident_inpatient.yb", base=JIUJIANG)
    assert [ident for ident, _ in one] == ["level2_local"]

    lines = tmp_path / "claims.jsonl"
    data = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((JIUJIANG / "claims").glob("*.json"))]
    lines.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in data), encoding="utf-8")
    from_lines = claim_cases(lines, policy)
    assert [ident for ident, _ in from_lines] == [d["id"] for d in data]
    assert [c.text() for _, c in from_lines] == [c.text() for _, c in folder]

    with pytest.raises(FileNotFoundError):
        claim_cases(tmp_path / "nowhere", policy)
    with pytest.raises(FileNotFoundError):
        claim_cases(lines, tmp_path / "missing.yb")


def test_a_claim_case_settles_with_its_trace_and_checks_the_balance() -> None:
    (_, case), = claim_cases(JIUJIANG / "claims" / "level2_local.json", JIUJIANG / "resident_inpatient.yb")
    s = case.settle()
    assert s.payers == {"basic": Decimal("6880.00")} and s.records is not None
    assert case.text() == settlement_text(s) == s.to_json(trace=True) + "\n"
    assert repr(case) == ("<claim policies/jiujiang/claims/level2_local.json "
                          "under policies/jiujiang/resident_inpatient.yb>")
    assert case.policy is case.policy  # compiled once
    plain = ClaimCase(case.policy_path, case.path, trace=False)
    assert '"trace"' not in plain.text()


def test_each_claim_stacks_suites_in_reading_order() -> None:
    @each_claim("b", policy="b.yb", prefix="b-")
    @each_claim("a", policy="a.yb", prefix="a-")
    def test() -> None: ...

    suites = test._yibao_claims  # type: ignore[attr-defined]
    assert suites == [("b", "b.yb", True, "b-"), ("a", "a.yb", True, "a-")]
