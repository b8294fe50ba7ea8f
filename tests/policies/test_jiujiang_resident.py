"""Jiujiang resident inpatient (001, 二(三)): the issue's figures, worked by hand, and snapshots."""

from __future__ import annotations

from decimal import Decimal

from yibao.testing import each_claim

from ..conftest import POLICIES, ROOT

pytest_plugins = ["yibao.testing"]

CLAIMS = POLICIES / "jiujiang" / "claims"


def claim(level, region, referral, lines, ytd=None, date="2024-04-01"):
    return {
        "id": f"hand-{level}-{region}-{referral}",
        "date": date,
        "person": {"id": "p1", "scheme": "resident", "category": "normal"},
        "visit": {"kind": "inpatient", "level": level, "region": region, "referral": referral},
        "lines": [{"code": f"L{i}", "name": f"line {i}", "category": c, "amount": a}
                  for i, (c, a) in enumerate(lines)],
        "year_to_date": ytd or {},
    }


def test_level2_local(jiujiang_resident) -> None:
    s = jiujiang_resident.settle(claim(2, "local", "none", [("A", "9000.00"), ("C", "500.00")]))
    # in scope 9,000.00; deductible 400.00 (local level 2); (9,000 − 400) × 80% = 6,880.00
    assert s.payers == {"basic": Decimal("6880.00")}
    # person: 500.00 out of scope + 400.00 deductible + 20% × 8,600 = 1,720.00 → 2,620.00
    assert s.person == Decimal("2620.00")


def test_level3_in_province_not_referred(jiujiang_resident) -> None:
    s = jiujiang_resident.settle(claim(3, "in_province", "none", [("A", "20000.00")]))
    # outside the city without referral: deductible 800.00, rate 40%: (20,000 − 800) × 40% = 7,680.00
    assert s.payers["basic"] == Decimal("7680.00")


def test_level3_in_province_referred(jiujiang_resident) -> None:
    s = jiujiang_resident.settle(claim(3, "in_province", "referred", [("A", "20000.00")]))
    # referred outside the city: deductible 600.00, rate 50%: (20,000 − 600) × 50% = 9,700.00
    assert s.payers["basic"] == Decimal("9700.00")


def test_level1_deductible_already_paid_rounds_half_up(jiujiang_resident) -> None:
    s = jiujiang_resident.settle(
        claim(1, "local", "none", [("A", "1234.65")], ytd={"basic.deductible": "100.00"}))
    # deductible 100.00 already paid this year → 0 due; 1,234.65 × 90% = 1,111.185 → 1,111.19 (half-up)
    assert s.payers["basic"] == Decimal("1111.19")
    assert s.person == Decimal("123.46")  # 1,234.65 − 1,111.19


def test_category_b_first_self_pay_and_cap(jiujiang_resident) -> None:
    s = jiujiang_resident.settle(claim(
        3, "local", "none", [("A", "68000.00"), ("B", "45000.00"), ("B", "12345.67"), ("C", "3600.00")],
        ytd={"year": 2024, "basic.deductible": "600.00", "basic.paid": "98000.00"}))
    # B first self-pay 10%: 4,500.00 + 1,234.567 → 1,234.57 = 5,734.57
    assert s.first_self_pay == Decimal("5734.57")
    # in scope 68,000 + 40,500 + 11,111.10 = 119,611.10; deductible paid; × 60% = 71,766.66
    # but only 150,000 − 98,000 = 52,000.00 of the annual cap is left
    assert s.in_scope == Decimal("119611.10")
    assert s.payers["basic"] == Decimal("52000.00")
    assert s.year_to_date["basic.paid"] == Decimal("150000.00")
    assert s.person == Decimal("76945.67")  # 128,945.67 − 52,000.00


def test_year_to_date_of_another_year_is_ignored(jiujiang_resident) -> None:
    s = jiujiang_resident.settle(
        claim(1, "local", "none", [("A", "1000.00")], ytd={"year": 2023, "basic.deductible": "100.00"}),
        trace=True)
    # 2023's deductible does not count in 2024: (1,000 − 100) × 90% = 810.00
    assert s.payers["basic"] == Decimal("810.00")
    assert s.trace[0].rule == "year_to_date"
    assert "2023" in s.trace[0].formula


def test_settle_many_carries_the_deductible(jiujiang_resident) -> None:
    first = claim(2, "local", "none", [("A", "300.00")], date="2024-02-01")
    second = claim(2, "local", "none", [("A", "1000.00")], date="2024-03-01")
    second["id"] = "second"
    earlier, later = jiujiang_resident.settle_many([second, first])  # returned in date order
    # first: 300 < 400 deductible → fund pays 0, deductible paid 300
    assert earlier.payers["basic"] == 0 and earlier.ytd["basic.deductible"] == 30000
    # second: 100 of the 400 deductible left; (1,000 − 100) × 80% = 720.00
    assert later.claim.id == "second"
    assert later.payers["basic"] == Decimal("720.00")
    assert later.ytd == {"basic.deductible": 40000, "basic.paid": 72000}


@each_claim(ROOT / CLAIMS, policy=ROOT / POLICIES / "jiujiang" / "resident_inpatient.yb")
def test_sample_claim_settlement(claim_case, settlement_snapshot) -> None:
    assert claim_case.text() == settlement_snapshot  # yibao.testing also checks payers + person = total
