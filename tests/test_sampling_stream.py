"""yibao.sampling_stream: the sampler in chunks gives the claims of drawing one at a time."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from yibao.compiler import columnar_format as F

from yibao import load_policy
from yibao.cli import main
from yibao.sampling import _TRIES, PolicyInputs, _policy_claim, _policy_record
from yibao.sampling_stream import claim_chunks, drafts_table

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "policies").glob("*/*.yb"))


def one_at_a_time(policy, n: int, seed: int) -> list[dict]:
    """The reference: draw a claim, validate it with ``Policy.claim``, draw again if refused."""
    plan = PolicyInputs(policy)
    first, span = plan.window(None, None)
    draw = _policy_record if plan.input == "record" else _policy_claim
    rng = random.Random(seed)
    out = []
    for i in range(n):
        for _ in range(_TRIES):
            data = draw(rng, f"SIM-{seed}-{i + 1:06d}", plan, first, span)
            try:
                policy.claim(data)
            except Exception:
                continue
            out.append(data)
            break
    return out


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_chunks_give_the_claims_of_drawing_one_at_a_time(path: Path) -> None:
    policy = load_policy(path)
    chunks = list(claim_chunks(policy, 400, 3, chunk=97))
    assert [c for claims, _ in chunks for c in claims] == one_at_a_time(policy, 400, 3)
    assert len(chunks) >= 5 and all(0 < len(claims) <= 97 for claims, _ in chunks)  # refused: drawn again
    for claims, table in chunks:  # the table that was validated is the claims' own
        if table is not None:
            assert table.equals(F.claims_to_table((c["id"], c) for c in claims))
            assert table.equals(drafts_table(claims))


def test_parquet_output_is_the_columnar_claim_table(tmp_path: Path) -> None:
    policy = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
    out = tmp_path / "c.parquet"
    args = ["sample-claims", str(policy), "-n", "250", "--seed", "4"]
    result = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.schema.equals(F.CLAIM_FILE_SCHEMA)  # CLAIM_SCHEMA, its required columns so marked
    lines = CliRunner().invoke(main, args).output
    assert F.table_to_claims(table) == F.table_to_claims(
        F.claims_to_table((str(i), json.loads(x)) for i, x in enumerate(lines.splitlines())))
