"""yibao.sampling_columnar: the vectorised drawer draws claims the policy accepts, reproducibly, shaped as
the scalar drawer's, and every output format of ``yibao sample-claims`` holds the same claims."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.compiler import columnar_format as F
from yibao.compiler.claims import insurance_year
from yibao.compiler.columnar_read import read_batch
from yibao.compiler.loader_columnar import columnar_module

from yibao import load_policy
from yibao.cli import main
from yibao.sampling import sample_policy_claims
from yibao.sampling_stream import claim_tables, json_claims, sample_chunks

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "policies").glob("*/*.yb"))
CLAIM_POLICIES = [p for p in BUNDLED if load_policy(p).input == "claim"]
INPATIENT = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"


def drawn(policy, n: int, seed: int, **kw) -> pa.Table:
    return pa.concat_tables([F.CLAIM_SCHEMA.empty_table(), *claim_tables(policy, n, seed, **kw)])


@pytest.mark.parametrize("path", CLAIM_POLICIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_drawn_claim_is_one_the_policy_accepts(path: Path) -> None:
    policy = load_policy(path)
    table = drawn(policy, 400, 5)
    assert table.num_rows == 400 and table.schema.equals(F.CLAIM_SCHEMA)
    assert table.column("id").to_pylist()[:2] == ["SIM-5-000001", "SIM-5-000002"]
    read_batch(table, policy, columnar_module(policy))  # the columnar reader judges every row: none refused
    for claim in json_claims(table.slice(0, 60)):  # … and the scalar validator a sample of them
        policy.claim(claim)
    # year_to_date is for the claim's insurance year, and only after earlier visits
    has = table.column("ytd_year").is_valid().to_numpy(zero_copy_only=False)
    years = table.column("ytd_year").to_pylist()
    starts = tuple(policy.year_start)
    for day, year, stated in zip(table.column("date").to_pylist(), years, has, strict=True):
        if stated:
            assert year == insurance_year(day, starts)


def stats(table: pa.Table) -> dict:
    """What a reader of sampled claims would look at: bills, categories, the year before."""
    lines = table.column("lines").combine_chunks()
    amounts = lines.flatten().field("amount").to_numpy()
    ends = np.concatenate([[0], np.cumsum(amounts)])
    offsets = lines.offsets.to_numpy()
    totals = ends[offsets[1:]] - ends[offsets[:-1]]
    ytd = table.column("year_to_date").combine_chunks()
    flat = lines.flatten()
    return {
        "lines": len(amounts) / table.num_rows,
        "median": float(np.median(totals)),
        "p95": float(np.percentile(totals, 95)),
        "codes": set(flat.field("code").to_pylist()),
        "categories": Counter(table.column("person_category").to_pylist()),
        "with_ytd": float(np.mean(np.diff(ytd.offsets.to_numpy()) > 0)),
        "ytd_keys": set(ytd.keys.to_pylist()),
        "priced": float(np.mean(flat.field("unit_price").is_valid().to_numpy(zero_copy_only=False))),
        "split": float(np.mean(flat.field("in_scope").is_valid().to_numpy(zero_copy_only=False))),
        "paid": set(table.column("paid").combine_chunks().keys.to_pylist()),
    }


@pytest.mark.parametrize("name", ["jiujiang/resident_inpatient", "jiujiang/resident_outpatient",
                                  "examples/implants_and_platform_split",
                                  "examples/assistance_on_platform_results"])
def test_claims_look_like_the_scalar_drawers(name: str) -> None:
    """Same plan, same shapes: the figures of 20,000 vectorised claims are those of 3,000 scalar ones."""
    policy = load_policy(ROOT / "policies" / f"{name}.yb")
    scalar = stats(F.claims_to_table((c["id"], c) for c in sample_policy_claims(policy, 3000, 2)))
    vector = stats(drawn(policy, 20_000, 2))
    assert vector["codes"] == scalar["codes"] and vector["ytd_keys"] == scalar["ytd_keys"]
    assert vector["paid"] == scalar["paid"]
    assert vector["lines"] == pytest.approx(scalar["lines"], rel=0.05)
    assert vector["median"] == pytest.approx(scalar["median"], rel=0.12)
    assert vector["p95"] == pytest.approx(scalar["p95"], rel=0.15)
    for key in ("with_ytd", "priced", "split"):
        assert vector[key] == pytest.approx(scalar[key], abs=0.03), key
    for category, count in scalar["categories"].items():
        assert vector["categories"][category] / 20_000 == pytest.approx(count / 3000, abs=0.02)


def test_given_layers_never_pay_more_than_the_covered_cost() -> None:
    policy = load_policy(ROOT / "policies" / "examples" / "assistance_on_platform_results.yb")
    for claim in json_claims(drawn(policy, 2000, 9)):
        covered = sum(int(ln["amount"].replace(".", "")) for ln in claim["lines"] if ln["category"] in "AB")
        assert sum(int(v.replace(".", "")) for v in claim["paid"].values()) <= covered


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["sample-claims", str(INPATIENT), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_same_seed_same_bytes_and_a_shorter_run_is_the_start_of_a_longer(tmp_path: Path) -> None:
    a, b, c, short = (tmp_path / f"{x}.parquet" for x in "abcs")
    run("-n", "9000", "--seed", "7", "-o", str(a))
    run("-n", "9000", "--seed", "7", "-o", str(b))
    run("-n", "9000", "--seed", "8", "-o", str(c))
    run("-n", "25", "--seed", "7", "-o", str(short))
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert pq.read_table(short).equals(pq.read_table(a).slice(0, 25))


def test_every_output_holds_the_same_claims(tmp_path: Path) -> None:
    args = ("-n", "120", "--seed", "3")
    run(*args, "-o", str(tmp_path / "c.parquet"))
    run(*args, "-o", str(tmp_path / "c.jsonl"))
    run(*args, "-o", str(tmp_path / "folder"))
    claims = json_claims(pq.read_table(tmp_path / "c.parquet"))
    assert [json.loads(x) for x in run(*args).splitlines()] == claims
    assert [json.loads(x) for x in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()] == claims
    folder = sorted((tmp_path / "folder").glob("*.json"))
    assert [json.loads(p.read_text(encoding="utf-8")) for p in folder] == claims
    assert claims[0]["visit"]["level"] in (1, 2, 3, "primary")  # levels as the contract shows them


def test_record_policies_are_drawn_by_the_scalar_drawer() -> None:
    policy = load_policy(ROOT / "policies" / "reform2023" / "alliance_surplus.yb")
    chunks = list(sample_chunks(policy, 30, 1))
    assert [c for claims, _ in chunks for c in claims] == sample_policy_claims(policy, 30, 1)


def test_records_are_not_written_as_a_claim_table(tmp_path: Path) -> None:
    policy = ROOT / "policies" / "reform2023" / "alliance_surplus.yb"
    out = tmp_path / "records.parquet"
    result = CliRunner().invoke(main, ["sample-claims", str(policy), "-n", "5", "-o", str(out)])
    assert result.exit_code == 2 and "records have no columnar table" in result.output
    assert not out.exists()


def test_a_scope_the_policy_does_not_take_is_refused() -> None:
    with pytest.raises(ValueError, match="accepts no claim"):
        next(claim_tables(load_policy(INPATIENT), 5, 1, kind="outpatient"))


_POLICIES: dict[str, object] = {}


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(-(2**40), 2**40), n=st.integers(0, 300),
       which=st.sampled_from([f"{p.parent.name}/{p.stem}" for p in CLAIM_POLICIES]))
def test_any_seed_gives_n_numbered_claims_reproducibly(seed: int, n: int, which: str) -> None:
    """Property: any seed (negative too) gives exactly ``n`` claims, numbered in order, the same twice."""
    if which not in _POLICIES:
        _POLICIES[which] = load_policy(ROOT / "policies" / f"{which}.yb")
    policy = _POLICIES[which]
    first, again = drawn(policy, n, seed), drawn(policy, n, seed)
    assert first.equals(again) and first.num_rows == n
    assert first.column("id").to_pylist() == [f"SIM-{seed}-{i + 1:06d}" for i in range(n)]


def test_a_dropped_draft_is_one_the_policy_refuses() -> None:
    """The drawer drops what the validator's vectorised tests flag, unjudged: on a policy whose scope
    is narrower than the plan (two named diseases), what they flag is exactly what Policy.claim refuses,
    so dropping leaves no accepted kind of claim out."""
    from yibao.compiler.columnar_read import _checked, valid_rows

    from yibao.sampling_columnar import block_rng, draft_block
    from yibao.sampling_plan import PolicyInputs

    policy = load_policy(ROOT / "policies" / "liaocheng" / "two_diseases_outpatient.yb")
    plan = PolicyInputs(policy)
    first, span = plan.window(None, None)
    drafts = draft_block(plan, block_rng(3, 0), first, span, 3, 1500)
    module = columnar_module(policy)
    flagged = _checked(drafts, policy, module)[2]
    assert 0 < flagged.sum() < len(flagged)
    assert (valid_rows(drafts, policy, module) == ~flagged).all()
