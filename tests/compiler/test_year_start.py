"""`year starts MM-DD`: insurance years that do not start on 1 January (保险年度自7月1日起)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from yibao.compiler.claims import insurance_year, parse_claim
from yibao.compiler.loader import compile_policy, load_policy
from yibao.compiler.render import render_policy
from yibao.dsl.errors import PolicyError

import yibao
from yibao.sampling import sample_policy_claims

from ..conftest import POLICIES

EXAMPLE = POLICIES / "examples" / "outpatient_ceiling_july_year.yb"

POLICY = """\
policy t.july "测试" / "test"
  effective 2019-07-01
  year starts 07-01

source doc "文件" / "document"

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> in scope
  category C -> out of scope

layer basic "基本医保" / "basic insurance"
  cite doc
  deductible 600.00 per year
  rate 50%
  cap 1000.00 per year
"""


def _claim(day: str, amount: str = "1000.00", ytd: dict[str, Any] | None = None,
           cid: str = "c") -> dict[str, Any]:
    claim: dict[str, Any] = {
        "id": cid, "date": day, "person": {"id": "p1", "scheme": "employee"},
        "visit": {"kind": "outpatient", "level": 2, "region": "local"},
        "lines": [{"code": "x", "category": "A", "amount": amount}]}
    if ytd is not None:
        claim["year_to_date"] = ytd
    return claim


@pytest.fixture(scope="module")
def policy() -> yibao.Policy:
    return compile_policy(POLICY, "july.yb")


@pytest.mark.parametrize(("day", "year"), [
    ("2020-06-30", 2019), ("2020-07-01", 2020), ("2019-12-31", 2019), ("2020-01-01", 2019),
    ("2020-03-01", 2019), ("2021-06-30", 2020),
])
def test_the_claim_s_year_is_its_insurance_year(policy: yibao.Policy, day: str, year: int) -> None:
    assert policy.year_start == (7, 1)
    assert policy.claim(_claim(day)).year == year
    assert insurance_year(dt.date.fromisoformat(day), (7, 1)) == year


def test_without_the_statement_the_year_is_the_calendar_year() -> None:
    plain = compile_policy(POLICY.replace("  year starts 07-01\n", ""), "plain.yb")
    assert plain.year_start == (1, 1)
    assert not hasattr(plain.module, "YEAR_START")  # the module of every other policy is unchanged
    assert plain.claim(_claim("2020-01-01")).year == 2020
    assert plain.claim(_claim("2019-12-31")).year == 2019
    assert parse_claim(_claim("2020-03-01")).year == 2020
    assert parse_claim(_claim("2020-03-01"), year_start=(7, 1)).year == 2019


def test_settle_many_starts_afresh_on_1_july(policy: yibao.Policy) -> None:
    # June (insurance year 2019): 1,000.00, deductible 600.00, (1,000 − 600) × 50% = 200.00.
    # July (insurance year 2020): nothing carried, the deductible is due again: 200.00 once more.
    june, july = policy.settle_many([_claim("2020-07-01", cid="b"), _claim("2020-06-30", cid="a")])
    assert (june.claim.year, july.claim.year) == (2019, 2020)
    assert june.payer_fen == july.payer_fen == (20000,)
    assert july.ytd["basic.deductible"] == 60000 and july.ytd["basic.paid"] == 20000


def test_settle_many_carries_on_across_1_january(policy: yibao.Policy) -> None:
    # December: 200.00 as above; January, same insurance year 2019: deductible done,
    # 1,000.00 × 50% = 500.00; the year's cap 1,000.00 is not reached (200 + 500 = 700).
    dec, jan = policy.settle_many([_claim("2019-12-31", cid="a"), _claim("2020-01-01", cid="b")])
    assert dec.claim.year == jan.claim.year == 2019
    assert jan.payer_fen == (50000,)
    assert jan.ytd["basic.deductible"] == 60000 and jan.ytd["basic.paid"] == 70000


def test_a_year_to_date_for_the_calendar_year_is_ignored(policy: yibao.Policy) -> None:
    # 2020-03-01 is in insurance year 2019: figures stated for 2020 are another year's.
    stale = _claim("2020-03-01", ytd={"year": 2020, "basic.deductible": "600.00", "basic.paid": "900.00"})
    c = policy.claim(stale)
    assert c.ytd_ignored is True and c.ytd == {} and c.ytd_year == 2020
    traced = policy.settle(stale, trace=True)
    assert traced.trace[0].rule == "year_to_date"
    assert traced.trace[0].formula == "year_to_date is for 2020, not the claim's year 2019: ignored"
    assert traced.payer_fen == (20000,)  # the deductible is due: (1,000 − 600) × 50%
    # The same figures stated for 2019 are used: deductible paid, cap room 1,000 − 900 = 100.00.
    used = policy.settle(_claim("2020-03-01", ytd={"year": 2019, "basic.deductible": "600.00",
                                                   "basic.paid": "900.00"}))
    assert used.claim.ytd_ignored is False and used.payer_fen == (10000,)


def test_a_reform_keeps_its_base_s_year_start(tmp_path: Path) -> None:
    (tmp_path / "base.yb").write_text(POLICY, encoding="utf-8")
    reform = 'policy t.reform "改革" / "reform"\n  extends "base.yb"\n'
    (tmp_path / "reform.yb").write_text(reform, encoding="utf-8")
    assert load_policy(tmp_path / "reform.yb").year_start == (7, 1)
    (tmp_path / "own.yb").write_text(reform + "  year starts 01-01\n", encoding="utf-8")
    own = load_policy(tmp_path / "own.yb")
    assert own.year_start == (1, 1) and own.claim(_claim("2020-03-01")).year == 2020


def test_the_document_states_the_year_start(policy: yibao.Policy) -> None:
    assert "保险年度自每年7月1日起。" in render_policy(policy, "zh", "md")
    assert "The insurance year starts on 1 July." in render_policy(policy, "en", "md")
    plain = compile_policy(POLICY.replace("  year starts 07-01\n", ""), "plain.yb")
    assert "insurance year starts" not in render_policy(plain, "en", "md")


def test_the_sampler_states_the_insurance_year() -> None:
    example = load_policy(EXAMPLE)
    claims = sample_policy_claims(example, 200, 7, start=dt.date(2024, 1, 1), days=366)
    stated = [(c["date"], c["year_to_date"]["year"]) for c in claims if c["year_to_date"]]
    assert stated
    for day, year in stated:
        assert year == insurance_year(dt.date.fromisoformat(day), (7, 1))
    assert any(day < "2024-07-01" for day, _ in stated) and any(day >= "2024-07-01" for day, _ in stated)
    for c in claims:
        assert example.claim(c).ytd_ignored is False


def _diagnostics(text: str) -> list[tuple[int, int, str, str | None]]:
    with pytest.raises(PolicyError) as err:
        compile_policy(text, "bad.yb")
    return [(d.span.line, d.span.column, d.message, d.hint) for d in err.value.diagnostics]


@pytest.mark.parametrize(("day", "message", "hint"), [
    ("02-29", "an insurance year cannot start on 02-29: most years have no such day",
     "start it on 03-01 or 02-28"),
    ("13-01", "`13-01` is not a day of the year",
     "write the month, then the day, e.g. `year starts 07-01` for 1 July"),
    ("04-31", "`04-31` is not a day of the year",
     "write the month, then the day, e.g. `year starts 07-01` for 1 July"),
    ("00-10", "`00-10` is not a day of the year",
     "write the month, then the day, e.g. `year starts 07-01` for 1 July"),
])
def test_the_day_must_be_one_every_year_has(day: str, message: str, hint: str) -> None:
    assert _diagnostics(POLICY.replace("starts 07-01", f"starts {day}")) == [(3, 15, message, hint)]


def test_the_statement_is_given_once_and_written_as_mm_dd() -> None:
    twice = _diagnostics(POLICY.replace("starts 07-01\n", "starts 07-01\n  year starts 08-01\n"))
    assert [(line, msg) for line, _, msg, _ in twice] == [
        (4, "`year starts` is given twice in the policy header")]
    short = _diagnostics(POLICY.replace("starts 07-01", "starts 7-1"))
    assert len(short) == 1 and short[0][0] == 3 and "a month and day such as 07-01" in short[0][2]


def test_year_is_still_a_name() -> None:
    compile_policy(POLICY.replace("  rate 50%\n", "  rate year\n")
                   + '\nparameter year "比例" / "rate": rate\n  cite doc\n  value 50%\n', "name.yb")
