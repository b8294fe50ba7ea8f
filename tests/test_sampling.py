"""yibao.sampling: reproducible claims that the Jiujiang policy accepts."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

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
