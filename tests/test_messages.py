"""How errors are told (yibao/messages.py): every check a bad claim meets has its Chinese."""

from __future__ import annotations

import json

import pytest
from yibao.dsl.errors import ClaimError

import yibao
from yibao.messages import error_text, say

from .conftest import POLICIES

POLICY = POLICIES / "jiujiang" / "resident_inpatient.yb"
CLAIM_FILE = POLICIES / "jiujiang" / "claims" / "level2_local.json"
GOOD = json.loads(CLAIM_FILE.read_text(encoding="utf-8"))
LINE = GOOD["lines"][0]

BAD = [
    {**GOOD, "date": "18/03/2024", "colour": "red", "lines": [{**LINE, "amount": "12.345"}]},
    {**GOOD, "date": None, "lines": []},
    {**GOOD, "person": {**GOOD["person"], "scheme": "martian", "age": -1}, "lines": [{**LINE, "amount": -5}]},
    {**GOOD, "person": "nobody", "visit": 3, "lines": [{**LINE, "amount": 1.5, "nmae": "x"}]},
    {**GOOD, "year_to_date": {"basic.paidd": "1.00"}, "paid": {"basic": "1.00"}},
    {**GOOD, "date": "2019-01-01"},
    {**GOOD, "person": {**GOOD["person"], "scheme": "employee"}},
    {**GOOD, "lines": [{**LINE, "amount": "99999999999999.00"}],
     "visit": {**GOOD["visit"], "diseases": "flu"}},
    [1, 2],
]


@pytest.fixture(scope="module")
def policy() -> yibao.Policy:
    return yibao.load_policy(POLICY)


@pytest.mark.parametrize("claim", BAD, ids=range(len(BAD)))
def test_every_issue_of_a_bad_claim_has_its_chinese(policy: yibao.Policy, claim: object) -> None:
    with pytest.raises(ClaimError) as err:
        policy.settle(claim)
    for issue in err.value.issues:
        assert issue.phrase is not None, issue.message
        assert issue.text("zh") != issue.message, issue.message
    text = error_text(err.value, "zh")
    assert "结算单未通过校验" in text and "rejected" not in text


def test_english_is_left_as_it_is(policy: yibao.Policy) -> None:
    with pytest.raises(ClaimError) as err:
        policy.settle(BAD[1])
    assert error_text(err.value, "en") == str(err.value)
    assert say("check.ok", "en", path="p.yb", params=1, layers=2) == "ok: p.yb (1 parameter, 2 layers)"
