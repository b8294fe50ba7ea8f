"""The fast accept path: it returns the very claim the full path returns, or declines; never more.

Every test of ``test_claims.py`` runs here a second time with each claim it parses also put
through a fast path (default value sets): whatever the fast path accepts must equal what the full
path accepts, and what it declines is left to the full path, whose messages the tests check.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from yibao.compiler import claim_fast
from yibao.compiler import claims as claims_module
from yibao.compiler.json_input import decode_json
from yibao.dsl.errors import ClaimError
from yibao.dsl.types import DEFAULT_ENUMS

import yibao
from yibao.fuzzing import load_corpus, make_mutant
from yibao.sampling import sample_policy_claims

from . import test_claims
from .test_claims import *  # noqa: F403  (collected again here, against the fast path)
from .test_claims import good_claim, jiujiang

_real_parse = claims_module.parse_claim


@functools.cache
def _default_fast(year_start: tuple[int, int]) -> Any:
    return claim_fast.build(claim_fast.Scope(
        enums=DEFAULT_ENUMS, year_start=year_start, start=1, end=None,
        accumulators=("basic.deductible", "basic.paid"), given=(), as_billed=True, priced=frozenset(),
        requires_age=False, applies=lambda c: True))


def _checked_parse(data: Any, enums: Any = None, source: str | None = None,
                   year_start: tuple[int, int] = (1, 1)) -> Any:
    fast = _default_fast(year_start)(data) if enums is None else None
    full = _real_parse(data, enums, source, year_start)  # raises as the tests expect
    assert fast is None or fast == full, f"fast path accepted {fast!r}, full path {full!r}"
    return full


@pytest.fixture(autouse=True)
def _through_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(test_claims, "parse_claim", _checked_parse)


def test_the_fast_path_accepts_a_good_claim_as_the_full_path_does() -> None:
    data = good_claim()
    fast = _default_fast((1, 1))(data)
    assert fast is not None and fast == _real_parse(data)
    assert jiujiang().claim(data) == jiujiang().full_claim(data)
    assert jiujiang().fast_claim(data) is not None


@pytest.mark.parametrize("change", [
    lambda d: d["lines"][0].update(amount="12.345"),
    lambda d: d["lines"][0].update(amount=12.5),
    lambda d: d["lines"][0].update(name="bad \ud800"),
    lambda d: d["visit"].update(level=7),
    lambda d: d["person"].update(scheme=["resident"]),
    lambda d: d.update(date="2019-01-01"),
    lambda d: d["year_to_date"].update({"basic.dedctible": "1.00"}),
    lambda d: d.update(paid={"basic": "1.00"}),
    lambda d: d["lines"][0].update(self_pay="0.00"),
])
def test_the_fast_path_declines_what_the_full_path_rejects(change: Any) -> None:
    data = good_claim()
    change(data)
    assert jiujiang().fast_claim(data) is None
    with pytest.raises(ClaimError) as full:
        jiujiang().full_claim(data)
    with pytest.raises(ClaimError) as api:
        jiujiang().claim(data)
    assert [(i.path, i.message) for i in api.value.issues] == [(i.path, i.message) for i in full.value.issues]


def test_the_generated_check_holds_only_the_policy_s_value_sets() -> None:
    source = jiujiang().fast_view.__doc__ or ""  # type: ignore[union-attr]
    assert source.startswith("def fast(data):")
    assert "'resident'" not in source and "_VALUES_" in source  # sets are constants, not text
    outpatient = yibao.load_policy("policies/jiujiang/resident_outpatient.yb")
    assert outpatient.fast_claim is not jiujiang().fast_claim


@functools.cache
def _bundled() -> dict[str, yibao.Policy]:
    corpus = load_corpus()
    return {name: yibao.load_policy(corpus.root / name) for name in sorted(set(corpus.claim_policy.values()))}


def test_every_sampled_claim_of_every_bundled_policy_is_accepted_fast_and_equal() -> None:
    for name, policy in _bundled().items():
        if policy.fast_claim is None:
            continue
        for data in sample_policy_claims(policy, 40, 3):
            fast = policy.fast_claim(data)
            assert fast is not None, (name, data)
            assert fast == policy.full_claim(data), name


@given(index=st.integers(min_value=0, max_value=2**31))
@settings(deadline=None, max_examples=150, database=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_claims_are_accepted_alike_or_rejected_with_the_same_issues(index: int) -> None:
    corpus = _corpus()
    mutant = make_mutant("claim", 7, index, corpus, heavy=False)
    policy = _bundled().get(corpus.claim_policy.get(mutant.origin, ""))
    if policy is None or policy.fast_claim is None:
        return
    try:
        data = decode_json(mutant.data)
    except ClaimError:
        return
    fast = policy.fast_claim(data) if type(data) is dict else None
    try:
        full = policy.full_claim(data)
    except ClaimError as err:
        assert fast is None, json.dumps(data, ensure_ascii=False, default=str)[:300]
        with pytest.raises(ClaimError) as api:
            policy.claim(data)
        assert api.value.issues == err.issues
        return
    assert fast is None or fast == full, json.dumps(data, ensure_ascii=False, default=str)[:300]


@functools.cache
def _corpus() -> Any:
    return load_corpus()


def test_dates_are_read_once_and_remembered_within_the_policy_s_dates() -> None:
    read = claim_fast._date_reader(claim_fast.Scope(
        enums=DEFAULT_ENUMS, year_start=(7, 1), start=dt.date(2024, 1, 1).toordinal(), end=None,
        accumulators=(), given=(), as_billed=False, priced=frozenset(), requires_age=False,
        applies=lambda c: True))
    assert read("2024-03-01") == (dt.date(2024, 3, 1), dt.date(2024, 3, 1).toordinal(), 2023)
    assert read("2024-03-01") is read("2024-03-01")
    assert read("2023-12-31") is None and read("2024-02-30") is None and read("2024-3-01") is None
    assert read(20240301) is None


_CLEAN = "aZ09 _-.\t\u00e9床位费\u3000\U0001f600\x00"
_TEXT = st.text(alphabet=_CLEAN, max_size=12) | st.text(alphabet=_CLEAN + "\ud800\udc00\udfff", max_size=12)
_AMOUNT = (st.from_regex(r"[0-9]{1,9}\.[0-9]{2}", fullmatch=True)
           | st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3})?", fullmatch=True)
           | st.text(alphabet=st.sampled_from("0123456789.-+_ \u0663\uff10e"), max_size=12))


@given(code=_TEXT, name=_TEXT | st.text(min_size=995, max_size=1005, alphabet="床a"), amount=_AMOUNT,
       unit_price=st.none() | _AMOUNT, item_class=st.none() | _TEXT)
@settings(deadline=None, max_examples=300, database=None)
def test_texts_and_amounts_are_accepted_exactly_as_the_full_path_reads_them(
        code: str, name: str, amount: str, unit_price: str | None, item_class: str | None) -> None:
    """Texts: isascii, else encode (a surrogate raises); amounts: one regular expression. Whatever
    the fast path accepts equals the full path's claim; a clean text and a canonical amount it must
    accept."""
    data = good_claim()
    line = {"code": code, "name": name, "category": "B", "amount": amount, "unit_price": unit_price}
    if item_class is not None:
        line["class"] = item_class
    data["lines"][1] = line
    fast = jiujiang().fast_claim(data)
    event("accepted" if fast is not None else "declined")
    try:
        full = jiujiang().full_claim(data)
    except ClaimError:
        assert fast is None
        return
    assert fast is None or fast == full
    texts = [code, name] + ([item_class] if item_class is not None else [])
    clean = all(not any("\ud800" <= ch <= "\udfff" for ch in t) for t in texts) and len(code) <= 200 and (
        item_class is None or len(item_class) <= 200) and len(name) <= 1000
    canonical = [a for a in (amount, unit_price) if a is not None]
    if clean and all(len(a) >= 4 and a[-3] == "." and a.replace(".", "", 1).isascii()
                     and a.replace(".", "", 1).isdigit() and len(a) <= 11 for a in canonical):
        assert fast is not None, (code, name, amount, unit_price)


def test_a_text_found_clean_as_a_name_is_still_too_long_for_a_code() -> None:
    for text in ("床" * 64, "床" * 500):  # remembered (short enough to be), and not
        data = good_claim()
        data["lines"][0]["name"] = text
        for _ in range(2):  # checked, then (the short one) found among the texts seen clean
            assert jiujiang().fast_claim(data) == jiujiang().full_claim(data)
    data = good_claim()
    data["lines"][0]["code"] = "床" * 500
    assert jiujiang().fast_claim(data) is None
    with pytest.raises(ClaimError):
        jiujiang().full_claim(data)
    data = good_claim()
    data["lines"][0]["name"] = "bad \ud800"  # never remembered: declined every time
    assert jiujiang().fast_claim(data) is None and jiujiang().fast_claim(data) is None


def test_the_generated_check_reads_as_the_snapshot_and_is_deterministic(snapshot_py: Any) -> None:
    """The check generated for the Jiujiang resident inpatient policy, as a reviewer reads it; built
    again from the file, it is the same text."""
    source = jiujiang().fast_view.__doc__ if jiujiang().fast_view is not None else None
    again = yibao.load_policy(jiujiang().ast.path).fast_view
    assert again is not None and source == again.__doc__
    assert source == snapshot_py


def test_an_optional_field_is_checked_only_when_given() -> None:
    """``x is not None and (a or b)``, never ``x is not None and a or b``: an absent optional text
    is accepted, not declined by a TypeError of its check."""
    from yibao.compiler.claim_fast import _text, _when_given, _Writer
    from yibao.compiler.claim_fields import Field

    out = _Writer()
    _when_given(out, Field("note", "text", "an optional text"), "v", _text(out, "v", 5))
    condition = out.lines[0].strip().removeprefix("if ").removesuffix(":")
    assert eval(condition, {}, {"v": None}) is False  # our own generated condition
    assert eval(condition, {}, {"v": "too long"}) is True
    assert eval(condition, {}, {"v": "ok"}) is False
