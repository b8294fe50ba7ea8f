"""Claims as Arrow tables: the JSON claim and its row stand for the same claim, money is exact,
and a bad claim read from Arrow gets the JSON path's issues, led by its row."""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from yibao.compiler import columnar_format as F
from yibao.compiler.columnar_read import read_batch
from yibao.compiler.columnar_settle import batch_from_claims, settle_batch
from yibao.compiler.loader import load_policy
from yibao.compiler.loader_columnar import columnar_module
from yibao.dsl.errors import ClaimError

from yibao.sampling import sample_policy_claims

from ..conftest import POLICIES
from .test_codegen_columnar import CLAIM_POLICIES, _billed

JIUJIANG = POLICIES / "jiujiang" / "resident_inpatient.yb"


@cache
def _policy(path: str) -> Any:
    return load_policy(path)


def _table(claims: list[dict[str, Any]]) -> pa.Table:
    return F.claims_to_table((f"c{i}", c) for i, c in enumerate(claims))


def _same_claim(a: Any, b: Any) -> bool:
    return (a.id, a.date, a.person_id, a.scheme, a.category, a.age, a.kind, a.facility, a.level, a.region,
            a.referral, a.admission_no, a.diseases, a.lines, a.ytd, a.ytd_year, a.paid) == (
        b.id, b.date, b.person_id, b.scheme, b.category, b.age, b.kind, b.facility, b.level, b.region,
        b.referral, b.admission_no, b.diseases, b.lines, b.ytd, b.ytd_year, b.paid)


@pytest.mark.parametrize("path", CLAIM_POLICIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_json_and_arrow_stand_for_the_same_claims(path: Any) -> None:
    policy = _policy(str(path))
    claims = sample_policy_claims(policy, 60, seed=8)
    table = _table(claims)
    assert table.schema == F.CLAIM_SCHEMA
    back = F.table_to_claims(table)
    assert all(_same_claim(policy.claim(a), policy.claim(b)) for a, b in zip(claims, back, strict=True))
    # the Arrow reader builds the same batch as the validated claims do
    module = columnar_module(policy)
    got = settle_batch(module, read_batch(table, policy, module))
    want = settle_batch(module, batch_from_claims([policy.claim(c) for c in claims], module))
    assert got.person.tolist() == want.person.tolist()
    assert {k: v.tolist() for k, v in got.ytd.items()} == {k: v.tolist() for k, v in want.ytd.items()}


def _claim(**lines: Any) -> dict[str, Any]:
    return {"id": "c1", "date": "2024-03-01", "person": {"id": "p1", "scheme": "resident"},
            "visit": {"kind": "inpatient", "level": 2, "region": "local"},
            "lines": [{"code": "x", "category": "B", "amount": "1234.56", **lines}]}


def test_decimal_money_is_read_exactly_and_floats_are_refused() -> None:
    policy = _policy(str(JIUJIANG))
    module = columnar_module(policy)
    table = _table([_claim()])
    lines = pa.array([[{"code": "x", "category": "B", "amount": Decimal("1234.56")}]],
                     pa.list_(pa.struct([("code", pa.string()), ("category", pa.string()),
                                         ("amount", pa.decimal128(18, 2))])))
    as_decimal = table.set_column(table.schema.get_field_index("lines"), "lines", lines)
    batch = read_batch(as_decimal, policy, module)
    assert batch.line_amount.tolist() == [123456]
    assert F.fen_array(pa.array([Decimal("99999999.99"), None, Decimal("0.10")], pa.decimal128(18, 2))
                       ).to_pylist() == [9999999999, None, 10]
    with pytest.raises(ValueError, match="more than two decimals"):
        F.fen_array(pa.array([Decimal("1.234")], pa.decimal128(18, 3)))
    with pytest.raises(ValueError, match="not double"):
        F.fen_array(pa.array([1.5]))


def test_bad_rows_get_the_json_paths_issues_led_by_their_row() -> None:
    policy = _policy(str(JIUJIANG))
    module = columnar_module(policy)
    good = _claim()
    bad = []
    b1 = copy.deepcopy(good)
    b1["visit"]["level"] = "4"
    b1["lines"][0]["amount"] = "20000000000.00"
    bad.append(b1)
    b2 = copy.deepcopy(good)
    b2["year_to_date"] = {"basic.dedcutible": "1.00"}
    b2["lines"].append({"code": "y", "category": "A", "amount": "5.00", "self_pay": "5.00", "over_limit": "0",
                        "first_self_pay": "0", "in_scope": "0"})
    bad.append(b2)
    b3 = copy.deepcopy(good)
    b3["person"]["scheme"] = "employee"
    bad.append(b3)
    rows = [good, bad[0], good, bad[1], bad[2]]
    with pytest.raises(ClaimError) as err:
        kept = F.claims_to_table((str(i), c) for i, c in enumerate(rows) if i != 1)
        read_batch(kept, policy, module, first_row=np.array([0, 2, 3, 4]))
    expected = []
    for row, claim in ((3, bad[1]), (4, bad[2])):
        with pytest.raises(ClaimError) as one:
            policy.claim(claim)
        expected += [(f"row {row}: {i.path}", i.message) for i in one.value.issues]
    assert [(i.path, i.message) for i in err.value.issues] == expected
    assert any("no `as billed`" in m for _, m in expected) and any("dedcutible" in p for p, _ in expected)
    # converting refuses what is no claim's shape at all, at the claim's source and path
    with pytest.raises(ClaimError, match=r"c0: lines\[0\]\.amount: .* more than the limit"):
        _table([bad[0]])


def test_unknown_columns_and_columns_of_another_type_are_refused() -> None:
    table = _table([_claim()]).append_column("price", pa.array(["1"]))
    with pytest.raises(ClaimError, match="unknown column `price`"):
        F.normalise(table)
    floats = pa.array([[{"code": "x", "category": "B", "amount": 1234.56}]])
    table = _table([_claim()])
    with pytest.raises(ClaimError, match=r"column `lines` .* money must be int64 fen or decimal128"):
        F.normalise(table.set_column(table.schema.get_field_index("lines"), "lines", floats))
    with pytest.raises(ClaimError, match="column `age`"):
        F.normalise(pa.table({"id": ["a"], "age": ["old"]}))


def test_as_billed_lines_through_arrow() -> None:
    policy = _billed()
    claim = _claim(unit_price="1500.00")
    claim["lines"][0]["class"] = "implant"
    claim["lines"].append({"code": "y", "category": "B", "amount": "100.00", "self_pay": "10.00",
                           "over_limit": "20.00", "first_self_pay": "5.00", "in_scope": "65.00"})
    module = columnar_module(policy)
    got = settle_batch(module, read_batch(_table([claim]), policy, module))
    s = policy.settle(claim)
    assert (int(got.out_of_scope[0]), int(got.first_self_pay[0]), int(got.payers["basic"][0])) == (
        s.out_of_scope_fen, s.first_self_pay_fen, s.payer_fen[0])
    no_price = copy.deepcopy(claim)
    del no_price["lines"][0]["unit_price"]
    with pytest.raises(ClaimError, match=r"row 0: lines\[0\]\.unit_price: required"):
        read_batch(_table([no_price]), policy, module)


def test_a_normal_table_is_normalised_as_it_is() -> None:
    """What ``normalise`` gives (texts perhaps dictionary-encoded) comes back as it is; a table one
    column off that (an int32 amount, a decimal, a column missing) is still converted."""
    table = _table([_claim(), _claim()])
    assert F.normalise(table) is table
    texts = table.set_column(table.schema.get_field_index("level"), "level",
                             table.column("level").dictionary_encode())
    assert F.normalise(texts) is texts
    lines = table.column("lines").combine_chunks()
    child = lines.values
    narrow = [child.field(f.name).cast(pa.int32()) if f.name == "amount" else child.field(f.name)
              for f in F.LINE_TYPE]
    types = [pa.field(f.name, pa.int32() if f.name == "amount" else f.type) for f in F.LINE_TYPE]
    int32 = table.set_column(table.schema.get_field_index("lines"), "lines", pa.ListArray.from_arrays(
        lines.offsets, pa.StructArray.from_arrays(narrow, fields=types)))
    again = F.normalise(int32)
    assert again is not int32 and again.schema == F.CLAIM_SCHEMA and again.equals(table)
    fewer = F.normalise(table.drop_columns(["referral"]))
    assert fewer.schema == F.CLAIM_SCHEMA and fewer.column("referral").null_count == 2


def test_a_column_that_cannot_be_read_is_an_issue_that_pickles_as_text() -> None:
    """An issue's phrase carries the reason as text, never the exception (the Dask path pickles it)."""
    import pickle

    with pytest.raises(F.ClaimsRejected) as err:
        F.normalise(pa.table({"id": pa.array(["a"]), "age": pa.array(["x"])}))
    phrase = err.value.issues[0].phrase
    assert all(isinstance(v, str | int) for _, v in phrase.args)
    assert pickle.loads(pickle.dumps(phrase)).en().startswith("column `age` (string) cannot be read as int16")


@pytest.mark.parametrize("name", ["year_to_date", "paid"])
def test_a_map_key_that_is_not_text_is_refused_at_its_path_as_the_validator_does(name: str) -> None:
    """A key with an unpaired surrogate (JSON ``"\\ud800"``) fits no UTF-8 map column: refused when
    converting, at its path, in the validator's words (it was an encoding error, a crash)."""
    policy = load_policy(POLICIES / "jiujiang" / "resident_inpatient.yb")
    claim = sample_policy_claims(policy, 1, seed=2)[0]
    claim[name] = {**(claim.get(name) or {}), "\ud800": "1.00"}
    with pytest.raises(ClaimError) as converting:
        F.claims_to_table([("c.json", claim)])
    with pytest.raises(ClaimError) as validating:
        policy.claim(claim)
    want = [i for i in validating.value.issues if "\\ud800" in i.path]
    assert [(i.path, str(i.message)) for i in converting.value.issues] == \
        [(f"c.json: {i.path}", str(i.message)) for i in want]


def test_a_sliced_chunk_with_a_null_list_normalises_as_the_whole_table() -> None:
    """A chunk is a slice of a batch; Arrow builds a list (or map) column with a null only from
    offsets that are not a slice ("Null bitmap with offsets slice not supported": a refusal of the
    whole column, where its row's own issue was due). The slice normalises to the whole's rows."""
    policy = _policy(JIUJIANG)
    table = _table(sample_policy_claims(policy, 5, seed=6))
    lines = table.column("lines").combine_chunks()
    keep = pa.array([True, True, True, False, True])
    fewer = pa.StructArray.from_arrays([lines.values.field(k) for k in ("code", "category", "amount")],
                                       names=["code", "category", "amount"])
    table = table.set_column(table.schema.get_field_index("lines"), "lines",
                             pa.ListArray.from_arrays(lines.offsets, fewer, mask=pc.invert(keep)))
    ytd = table.column("year_to_date").combine_chunks()
    table = table.set_column(table.schema.get_field_index("year_to_date"), "year_to_date",
                             pa.MapArray.from_arrays(ytd.offsets, ytd.keys.dictionary_encode(), ytd.items,
                                                     mask=pc.invert(keep)))
    whole = F.normalise(table)
    for start in range(1, 4):
        part = F.normalise(table.slice(start, 2))
        assert part.to_pylist() == whole.slice(start, 2).to_pylist()
