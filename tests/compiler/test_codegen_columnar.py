"""The columnar backend settles every claim exactly as the scalar path does: every payer, the
person, the closing year_to_date, with each person's year carried claim to claim."""

from __future__ import annotations

import copy
import random
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yibao.compiler.codegen_columnar import ColumnarUnsupported
from yibao.compiler.columnar_settle import batch_from_claims, settle_batch
from yibao.compiler.loader import compile_policy, load_policy
from yibao.compiler.loader_columnar import columnar_module
from yibao.dsl.errors import SettlementError

from yibao.sampling import sample_policy_claims

from ..conftest import POLICIES

RECORDS = ("alliance_surplus.yb", "county_package.yb")
# Bundled policies with a construct the columnar backend refuses, and the construct it names.
REFUSED: dict[str, str] = {}
CLAIM_POLICIES = sorted(p for p in POLICIES.glob("*/*.yb") if p.name not in (*RECORDS, *REFUSED))


@cache
def _policy(path: str) -> Any:
    return load_policy(path)


def _scalar(policy: Any, claims: list[Any]) -> list[tuple[Any, ...]]:
    """(payers, person, year_to_date, totals) per claim by ``settle_many`` per person."""
    by_person: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        by_person.setdefault(c.person_id, []).append(i)
    out: list[Any] = [None] * len(claims)
    for idx in by_person.values():
        order = sorted(idx, key=lambda i: (claims[i].day, claims[i].id))
        for i, s in zip(order, policy.settle_many([claims[i] for i in idx]), strict=True):
            out[i] = (s.payer_fen, s.person_fen, {a: s.ytd.get(a, 0) for a in policy.accumulators},
                      (s.total_fen, s.out_of_scope_fen, s.first_self_pay_fen, s.in_scope_fen))
    return out


def _columnar(policy: Any, claims: list[Any]) -> list[tuple[Any, ...]]:
    module = columnar_module(policy)
    r = settle_batch(module, batch_from_claims(claims, module))
    return [(tuple(int(r.payers[name][i]) for name in policy.layers), int(r.person[i]),
             {a: int(r.ytd[a][i]) for a in policy.accumulators},
             (int(r.total[i]), int(r.out_of_scope[i]), int(r.first_self_pay[i]), int(r.in_scope[i])))
            for i in range(len(claims))]


def _fen(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _variants(policy: Any, base: list[dict[str, Any]], k: int, seed: int) -> list[Any]:
    """``k`` variants of each sampled claim: amounts scaled, persons shared by several claims,
    dates moved within the year and across it, year_to_date kept or dropped; each validated."""
    rng = random.Random(seed)
    out = []
    persons = max(len(base) * k // 5, 1)
    for j in range(k):
        for claim in base:
            c = copy.deepcopy(claim)
            c["id"] = f"{claim['id']}-{j}"
            c["person"]["id"] = f"P{rng.randrange(persons)}"
            factor = rng.choice((1, 1, 2, 5, 20, 100)) if j else 1
            shrink = "paid" not in c  # what `given` layers paid must stay within the bill
            for ln in c["lines"]:
                split = "in_scope" in ln  # the platform's split scales with its amount, exactly
                fen = _fen(ln["amount"]) * factor // (rng.choice((1, 1, 3)) if shrink and not split else 1)
                ln["amount"] = _yuan(fen)
                for key in ("self_pay", "over_limit", "first_self_pay", "in_scope", "unit_price"):
                    if key in ln:
                        ln[key] = _yuan(_fen(ln[key]) * (factor if split or key != "unit_price" else 1))
            for key, value in c.get("paid", {}).items():
                c["paid"][key] = _yuan(_fen(value) * factor)
            if j % 3 == 2:
                c.pop("year_to_date", None)
            try:
                out.append(policy.claim(c))
            except Exception:  # a variant the policy does not cover: keep the others
                continue
    return out


@pytest.mark.parametrize("path", CLAIM_POLICIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_columnar_equals_scalar_on_sampled_claims(path: Any) -> None:
    # 350 sampled claims × 6 variants per policy: over 20,000 claims over the bundled policies
    policy = _policy(str(path))
    claims = _variants(policy, sample_policy_claims(policy, 350, seed=11), 6, seed=3)
    assert len(claims) > 1000
    assert len({c.person_id for c in claims}) < len(claims) / 2  # people with several claims a year
    assert _columnar(policy, claims) == _scalar(policy, claims)


@pytest.fixture(scope="module")
def poverty() -> Any:
    return _policy(str(POLICIES / "liaocheng" / "poverty_inpatient.yb"))


@cache
def _poverty_claim() -> dict[str, Any]:
    return sample_policy_claims(_policy(str(POLICIES / "liaocheng" / "poverty_inpatient.yb")), 1, seed=2)[0]


_amounts = st.integers(min_value=0, max_value=2_000_000_00)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bills=st.lists(st.lists(st.tuples(st.sampled_from("ABC"), _amounts), min_size=1, max_size=4),
                      min_size=1, max_size=6),
       ytd=st.dictionaries(st.sampled_from(("basic.deductible", "basic.paid", "critical.base",
                                            "critical.paid", "assistance.paid")),
                           st.integers(min_value=0, max_value=60_000_000), max_size=4))
def test_one_persons_year_at_the_edges(poverty: Any, bills: list[list[tuple[str, int]]],
                                       ytd: dict[str, int]) -> None:
    # deductibles, caps and bands of a six-layer chain, one person's claims in a year
    base = _poverty_claim()
    claims = []
    for k, bill in enumerate(bills):
        c = copy.deepcopy(base)
        c["id"] = f"E{k}"
        c["date"] = f"2024-0{1 + k}-15"
        c["lines"] = [{"code": f"x{i}", "category": cat, "amount": f"{fen // 100}.{fen % 100:02d}"}
                      for i, (cat, fen) in enumerate(bill)]
        c["year_to_date"] = {"year": 2024, **{key: f"{v // 100}.{v % 100:02d}" for key, v in ytd.items()}}
        claims.append(poverty.claim(c))
    assert _columnar(poverty, claims) == _scalar(poverty, claims)


def test_a_new_year_starts_from_the_claims_own_year_to_date() -> None:
    policy = _policy(str(POLICIES / "jiujiang" / "resident_inpatient.yb"))
    base = sample_policy_claims(policy, 1, seed=4)[0]
    claims = []
    for k, (day, year) in enumerate((("2024-03-01", 2024), ("2024-11-01", 2024), ("2025-02-01", 2023),
                                     ("2025-05-01", 2025))):
        c = copy.deepcopy(base)
        c["id"], c["date"] = f"Y{k}", day
        c["year_to_date"] = {"year": year, "basic.deductible": "100.00", "basic.paid": "1000.00"}
        try:
            claims.append(policy.claim(c))
        except Exception:  # the policy's dates end before 2025
            continue
    assert _columnar(policy, claims) == _scalar(policy, claims)


POLICY = """\
policy t.col "测试" / "test"
  effective 2024-01-01
  applies when visit.kind == inpatient

source doc "文件" / "document"

parameter share "自付比例" / "share": rate
  cite doc
  value if visit.region == in_province then 50% + 60% else 10%

parameter bonus "加成" / "bonus": rate
  cite doc
  value if visit.region == out_of_province then 90% + 70% else 60%

classify "分类" / "classify"
  cite doc
  category A -> in scope
  category B -> first self pay share
  category C -> out of scope

layer basic "基本医保" / "basic insurance"
  cite doc
  base in_scope
  rate bonus
"""


def _edge_claim(region: str, amount: str = "1000.00") -> dict[str, Any]:
    return {"id": f"c-{region}", "date": "2024-03-01", "person": {"id": "p1", "scheme": "resident"},
            "visit": {"kind": "inpatient", "level": 3, "region": region},
            "lines": [{"code": "x", "category": "B", "amount": amount}]}


def test_settling_errors_are_the_scalar_paths() -> None:
    policy = compile_policy(POLICY, "col.yb")
    module = columnar_module(policy)
    for region in ("in_province", "out_of_province"):  # a share of 110%, a rate of 160%
        claim = policy.claim(_edge_claim(region))
        with pytest.raises(SettlementError) as scalar:
            policy.settle(claim)
        with pytest.raises(SettlementError) as columnar:
            settle_batch(module, batch_from_claims([policy.claim(_edge_claim("local")), claim], module))
        assert str(columnar.value) == str(scalar.value)
    ok = settle_batch(module, batch_from_claims([policy.claim(_edge_claim("local"))], module))
    assert ok.payers["basic"].tolist() == [policy.settle(_edge_claim("local")).payer_fen[0]]


def test_record_policies_and_new_constructs_are_refused_by_name() -> None:
    policy = _policy(str(POLICIES / "reform2023" / "alliance_surplus.yb"))
    with pytest.raises(ColumnarUnsupported, match="`input record` policies have no columnar form"):
        columnar_module(policy)
    for name, message in REFUSED.items():
        (path,) = POLICIES.glob(f"*/{name}")
        with pytest.raises(ColumnarUnsupported, match=message):
            columnar_module(_policy(str(path)))
    computed = BILLED.replace("  rate 75%", "  rate if line.class == implant then 30% + 30% else 75%")
    with pytest.raises(ColumnarUnsupported, match=r"a rate by bill line that is computed"):
        columnar_module(compile_policy(computed, "by_line.yb"))


def test_the_module_is_deterministic_numpy_over_the_same_plan() -> None:
    from yibao.compiler.codegen_columnar import generate_columnar

    policy = _policy(str(POLICIES / "jiujiang" / "resident_inpatient.yb"))
    text = generate_columnar(policy.checked)
    assert text == generate_columnar(policy.checked)
    assert "def prepare(c):" in text and "def settle_layers(c, env, ytd):" in text
    assert "out_of_scope = sums(oos, c.line_offsets)" in text  # per-claim sums over the list offsets
    assert "jj2020" not in text  # no citation or label text but repr literals of layer labels


BILLED = """\
policy t.billed "测试" / "test"
  effective 2024-01-01

source doc "文件" / "document"

parameter price_share "自付比例" / "share": rate
  cite doc
  value if visit.region == local then 20% else 30%

classify "分类" / "classify"
  cite doc
  as billed
  category A -> in scope
  category B, class implant when line.unit_price > 1000.00 -> first self pay price_share
  category B, class implant -> in scope 95%
  category B when line.amount >= 50.00 and visit.level == 3 -> first self pay 10%
  category B -> in scope 92.5%
  category C -> out of scope

layer basic "基本医保" / "basic insurance"
  cite doc
  base in_scope
  deductible 300.00 per year
  rate 75%
  cap 20000.00 per year
"""


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from(("A", "B", "C")), st.sampled_from((None, "implant")),
                                st.integers(0, 5_000_00), st.integers(0, 5_000_00), st.booleans()),
                      min_size=1, max_size=8),
       region=st.sampled_from(("local", "in_province")), level=st.sampled_from((1, 3)))
def test_as_billed_unit_prices_and_in_scope_shares(lines: list[tuple[Any, ...]], region: str,
                                                    level: int) -> None:
    policy = _billed()
    bill = []
    for i, (cat, cls, amount, price, billed) in enumerate(lines):
        line: dict[str, Any] = {"code": f"x{i}", "category": cat, "amount": _yuan(amount),
                                "unit_price": _yuan(price)}
        if cls:
            line["class"] = cls
        if billed:  # the platform's split: a fifth self-paid, a tenth over the price limit
            a, b = amount // 5, amount // 10
            line.update(self_pay=_yuan(a), over_limit=_yuan(b), first_self_pay=_yuan(amount // 20),
                        in_scope=_yuan(amount - a - b - amount // 20))
        bill.append(line)
    claims = [policy.claim({"id": f"b{k}", "date": f"2024-0{k + 1}-01",
                            "person": {"id": "p", "scheme": "resident"},
                            "visit": {"kind": "inpatient", "level": level, "region": region}, "lines": bill})
              for k in range(3)]
    assert _columnar(policy, claims) == _scalar(policy, claims)


@cache
def _billed() -> Any:
    return compile_policy(BILLED, "billed.yb")


BY_LINE = BILLED.replace("  rate 75%", "  rate if line.class == implant then 60% else if line.category == B "
                                      "then price_share else 85%")


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from(("A", "B", "C")), st.sampled_from((None, "implant")),
                                st.integers(0, 3_000_000), st.booleans()), min_size=1, max_size=8),
       region=st.sampled_from(("local", "in_province")), claims_a_year=st.integers(1, 4))
def test_a_rate_by_bill_line_equals_the_scalar_path(lines: list[tuple[Any, ...]], region: str,
                                                     claims_a_year: int) -> None:
    """Each claim's eligible amount shared out over its lines by in-scope cost and paid at each line's
    rate, the deductible and the annual cap carried through a person's year: the scalar figures."""
    policy = _by_line()
    bill = []
    for i, (cat, cls, amount, billed) in enumerate(lines):
        line: dict[str, Any] = {"code": f"x{i}", "category": cat, "amount": _yuan(amount)}
        line["unit_price"] = "1.00"  # the implant rows read it
        if cls:
            line["class"] = cls
        if billed:
            line.update(self_pay=_yuan(amount // 5), over_limit="0.00", first_self_pay="0.00",
                        in_scope=_yuan(amount - amount // 5))
        bill.append(line)
    person = {"id": "p", "scheme": "resident"}
    claims = [policy.claim({"id": f"b{k}", "date": f"2024-0{k + 1}-01", "person": person,
                            "visit": {"kind": "inpatient", "level": 3, "region": region}, "lines": bill})
              for k in range(claims_a_year)]
    assert _columnar(policy, claims) == _scalar(policy, claims)


@cache
def _by_line() -> Any:
    return compile_policy(BY_LINE, "by_line.yb")


def test_caps_per_month_and_quarter_start_afresh_in_a_new_period() -> None:
    """The hand-worked year of tests/compiler/test_period_caps.py, in one batch: the same payments."""
    policy = _policy(str(POLICIES / "examples" / "outpatient_monthly_limit.yb"))
    rows = [("a", "2024-01-05", "400.00"), ("b", "2024-01-20", "200.00"), ("c", "2024-02-03", "200.00"),
            ("d", "2024-03-10", "1000.00"), ("e", "2024-03-28", "1000.00"), ("f", "2024-04-01", "1000.00")]
    claims = [policy.claim({"id": i, "date": d, "person": {"id": "p", "scheme": "resident"},
                            "visit": {"kind": "outpatient", "level": 1, "region": "local"},
                            "lines": [{"code": "a", "category": "A", "amount": a}]}) for i, d, a in rows]
    got = _columnar(policy, claims)
    assert [g[0][0] for g in got] == [24_000, 6_000, 12_000, 30_000, 0, 30_000]
    assert got == _scalar(policy, claims)


def test_persons_are_found_when_their_ids_convert_in_chunks() -> None:
    """``pa.array`` of a large NumPy array of texts gives a ChunkedArray (700,000 ids of 43
    characters do; a batch of 10⁶ sampled claims failed here): the persons are counted and coded
    across its chunks as in one array."""
    import numpy as np
    import pyarrow as pa

    policy = load_policy(POLICIES / "jiujiang" / "resident_inpatient.yb")
    module = columnar_module(policy)
    batch = batch_from_claims([policy.claim(d) for d in sample_policy_claims(policy, 3, seed=5)], module)
    half = 350_000
    ids = np.char.add(np.char.zfill(np.arange(half).astype(str), 23), "-" + "x" * 19)
    ids = np.concatenate([ids, ids])  # each person twice
    assert isinstance(pa.array(ids), pa.ChunkedArray)  # what makes this test mean something
    batch.person_id, batch.person_codes = ids, None
    codes = batch.person_code()
    assert batch.persons == half
    assert np.array_equal(codes[:half], codes[half:])
    assert len(np.unique(codes[:half])) == half
