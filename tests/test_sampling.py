"""yibao.sampling: reproducible claims that the Jiujiang policy (and every bundled policy) accepts."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao import Policy, load_policy
from yibao.sampling import sample_claims, write_claims

POLICY = Path(__file__).resolve().parent.parent / "policies" / "jiujiang" / "resident_inpatient.yb"
AMOUNT = re.compile(r"\d+\.\d\d")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY)


@pytest.fixture(scope="module")
def claims(policy: Policy) -> list[dict]:
    return sample_claims(300, 1, enums=policy.enums)


def test_same_seed_gives_identical_claims(claims: list[dict], policy: Policy) -> None:
    again = sample_claims(300, 1, enums=policy.enums)
    assert json.dumps(again, ensure_ascii=False) == json.dumps(claims, ensure_ascii=False)


def test_different_seed_gives_different_claims(claims: list[dict], policy: Policy) -> None:
    other = sample_claims(300, 2, enums=policy.enums)
    assert [c["lines"] for c in other] != [c["lines"] for c in claims]
    assert {c["person"]["id"] for c in other} != {c["person"]["id"] for c in claims}


def test_every_claim_validates_with_the_jiujiang_policy(claims: list[dict], policy: Policy) -> None:
    for data in claims:
        claim = policy.claim(data)  # raises ClaimError on any problem
        assert claim.total == sum(line.amount for line in claim.lines)
        assert not claim.ytd_ignored


def test_amounts_are_strings_with_exactly_two_decimals(claims: list[dict]) -> None:
    for c in claims:
        amounts = [line["amount"] for line in c["lines"]]
        amounts += [v for k, v in c["year_to_date"].items() if k != "year"]
        for amount in amounts:
            assert isinstance(amount, str)
            assert AMOUNT.fullmatch(amount), amount


def test_claims_follow_the_contract_shapes(claims: list[dict]) -> None:
    start, end = date(2024, 1, 1), date(2024, 12, 31)
    for c in claims:
        assert start <= date.fromisoformat(c["date"]) <= end
        assert c["visit"]["level"] in (1, 2, 3, "primary")
        assert 1 <= len(c["lines"]) <= 12
        assert len(c["person"]["id"]) == 18
        ytd = c["year_to_date"]
        assert ytd == {} or ytd["year"] == int(c["date"][:4])
    assert len({c["id"] for c in claims}) == len(claims)


def test_claims_cover_categories_referrals_and_large_bills(policy: Policy) -> None:
    many = [policy.claim(d) for d in sample_claims(2000, 1, enums=policy.enums)]
    assert {ln.category for c in many for ln in c.lines} == {"A", "B", "C"}
    assert {c.referral for c in many} == set(policy.enums["visit.referral"])
    assert {c.region for c in many} == set(policy.enums["visit.region"])
    assert any(c.ytd for c in many)
    assert any(c.total > 100_000_00 for c in many)  # enough to reach the annual cap


def test_enums_restrict_the_generated_values() -> None:
    only = {"visit.region": ("local",), "visit.level": ("2",)}
    for c in sample_claims(50, 3, enums=only):
        assert c["visit"]["region"] == "local"
        assert c["visit"]["level"] == 2


def test_dates_stay_in_the_window() -> None:
    for c in sample_claims(50, 4, start=date(2023, 12, 30), days=3):
        assert c["date"] in ("2023-12-30", "2023-12-31", "2024-01-01")


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match=r"person\.scheme"):
        sample_claims(1, 1, scheme="retired")


def test_write_claims_to_a_folder_and_to_jsonl(tmp_path: Path) -> None:
    data = sample_claims(5, 9)
    folder = write_claims(data, tmp_path / "claims")
    files = sorted(folder.glob("*.json"))
    assert [f.stem for f in files] == sorted(c["id"] for c in data)
    assert json.loads(files[0].read_text(encoding="utf-8")) == min(data, key=lambda c: c["id"])

    jsonl = write_claims(data, tmp_path / "out" / "claims.jsonl")
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert rows == data

    with pytest.raises(ValueError):
        write_claims(data, tmp_path / "one.json")


# ---------------------------------------------------------------- claims for a given policy

BUNDLED = sorted((POLICY.parent.parent).glob("*/*.yb"))


@pytest.fixture(scope="module")
def bundled() -> dict[str, Policy]:
    return {f"{p.parent.name}/{p.stem}": load_policy(p) for p in BUNDLED}


@pytest.mark.parametrize("name", [f"{p.parent.name}/{p.stem}" for p in BUNDLED])
def test_every_bundled_policy_accepts_and_settles_its_sampled_claims(bundled, name: str) -> None:
    from yibao.sampling import sample_policy_claims

    policy = bundled[name]
    claims = sample_policy_claims(policy, 200, 11)
    assert json.dumps(claims) == json.dumps(sample_policy_claims(policy, 200, 11))  # reproducible
    assert claims != sample_policy_claims(policy, 200, 12)
    paid = 0
    for data in claims:
        s = policy.settle(data)
        assert sum(s.payer_fen) + s.person_fen == s.total_fen
        assert all(f >= 0 for f in s.payer_fen)
        assert set(data.get("year_to_date", {})) - {"year"} <= set(policy.accumulators)
        paid += sum(s.payer_fen)
    assert paid > 0


def test_sampled_claims_follow_the_policy_scope(bundled) -> None:
    from yibao.sampling import sample_policy_claims

    drugs = sample_policy_claims(bundled["liaocheng/special_drugs"], 300, 1)
    assert {c["person"]["category"] for c in drugs} == {"poverty", "extreme_poverty"}
    assert {c["visit"]["kind"] for c in drugs} == {"special_drug"}
    two = sample_policy_claims(bundled["liaocheng/two_diseases_outpatient"], 300, 1)
    assert all({"hypertension", "diabetes"} & set(c["visit"]["diseases"]) for c in two)
    assert any(line.get("class") == "drug" for c in two for line in c["lines"])
    reform = sample_policy_claims(bundled["reform2023/resident_inpatient"], 300, 1)
    assert {c["visit"]["kind"] for c in reform} == {"inpatient", "day_surgery"}
    followup = sample_policy_claims(bundled["jiujiang/remote_followup"], 300, 1)
    assert {c["person"]["scheme"] for c in followup} == {"employee", "resident"}
    outpatient = sample_policy_claims(bundled["jiujiang/resident_outpatient"], 500, 1)
    assert {c["visit"]["facility"] for c in outpatient} >= {"general", "tcm", "township", "village"}
    assert any(line.get("class") == "tcm" for c in outpatient for line in c["lines"])
    inpatient = sample_policy_claims(bundled["jiujiang/resident_inpatient"], 2000, 1, kind="inpatient")
    assert any(c["year_to_date"] for c in inpatient)
    totals = [sum(int(line["amount"].replace(".", "")) for line in c["lines"]) for c in inpatient]
    assert max(totals) > 100_000_00  # a long tail: some stays reach the annual cap
    records = sample_policy_claims(bundled["reform2023/alliance_surplus"], 50, 1)
    assert all(set(r["record"]) == {"package", "spent"} for r in records)
    assert {r["date"][:4] for r in records} == {"2024"}
    with pytest.raises(ValueError, match="accepts no claim"):
        sample_policy_claims(bundled["jiujiang/resident_inpatient"], 1, 1, kind="outpatient")
    with pytest.raises(ValueError, match=r"visit\.kind"):
        sample_policy_claims(bundled["jiujiang/resident_inpatient"], 1, 1, kind="surgery")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), which=st.sampled_from([f"{p.parent.name}/{p.stem}" for p in BUNDLED]))
def test_settlements_of_sampled_claims_balance(bundled, seed: int, which: str) -> None:
    """Property: for any seed, any bundled policy, payers and person add up and nobody pays less than 0."""
    from yibao.sampling import sample_policy_claims

    policy = bundled[which]
    for data in sample_policy_claims(policy, 10, seed):
        s = policy.settle(data, trace=True)
        assert sum(s.payer_fen) + s.person_fen == s.total_fen
        assert min(s.payer_fen) >= 0 and s.person_fen >= 0
        assert all(s.ytd.get(k, 0) >= v for k, v in s.claim.ytd.items())  # accumulators only grow


def test_sample_claims_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from yibao.cli import main
    from yibao.impact import read_claims

    def run(*args: str):
        return CliRunner().invoke(main, ["sample-claims", str(POLICY), *args])

    out = run("-n", "3", "--seed", "5")
    assert out.exit_code == 0
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["id"] for r in rows] == ["SIM-5-000001", "SIM-5-000002", "SIM-5-000003"]
    for target in ("folder", "c.jsonl", "c.parquet"):
        result = run("-n", "3", "--seed", "5", "-o", str(tmp_path / target))
        assert result.exit_code == 0, result.output
        back = sorted((d for _, d in read_claims(tmp_path / target)), key=lambda d: d["id"])
        if target.endswith("parquet"):
            for d in back:  # Parquet keeps levels as text and leaves out empty objects
                level = d["visit"]["level"]
                d["visit"]["level"] = int(level) if level.isdigit() else level
                d.setdefault("year_to_date", {})
        assert back == rows, target
    assert run("-o", str(tmp_path / "one.json")).exit_code == 2
    assert run("--kind", "surgery").exit_code == 2
    dated = run("-n", "20", "--start", "2023-06-01", "--days", "10")
    assert {json.loads(line)["date"][:7] for line in dated.output.splitlines()} == {"2023-06"}
