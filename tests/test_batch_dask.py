"""``yibao batch --dask``: partitions settled on a real two-process LocalCluster give exactly the
single-process settlements, byte for byte once both are in claim order."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from yibao.compiler.loader import load_policy
from yibao.dsl.errors import ClaimsUnsettled

from yibao.batch import run
from yibao.batch_dask import partition_of, run_dask
from yibao.sampling import sample_policy_claims

from .conftest import POLICIES

POLICY = POLICIES / "jiujiang" / "resident_inpatient.yb"


def _ipc(table: pa.Table) -> bytes:
    table = table.take(pc.sort_indices(table, sort_keys=[("claim", "ascending")]))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return sink.getvalue().to_pybytes()


def test_a_local_cluster_settles_exactly_as_one_process(tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    policy = load_policy(POLICY)
    claims = sample_policy_claims(policy, 400, seed=31)
    for i, c in enumerate(claims):
        c["person"]["id"] = f"P{(i * 13) % 90:03d}"  # several claims a person, spread over partitions
    source = tmp_path / "claims.jsonl"
    source.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), encoding="utf-8")
    one = tmp_path / "one.parquet"
    run(policy, source, one, sort=True)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        summary = run_dask(policy, source, tmp_path / "dataset", scheduler=cluster.scheduler_address,
                           partitions=5, chunk=64)
        # claims that cannot be settled: every one listed, at its input row, as by one process
        from .compiler.test_columnar_failures import DIVIDING

        (tmp_path / "div.yb").write_text(DIVIDING, encoding="utf-8")
        dividing = load_policy(tmp_path / "div.yb")
        bad = [{"id": f"d{i}", "date": "2024-03-01",
                "person": {"id": f"Q{i}", "scheme": "resident", "age": i % 3},
                "visit": {"kind": "inpatient", "level": 1, "region": "in_province"},
                "lines": [{"code": "a", "category": "A", "amount": "3000.00"}]} for i in range(12)]
        (tmp_path / "bad.jsonl").write_text("".join(json.dumps(c) + "\n" for c in bad), encoding="utf-8")
        with pytest.raises(ClaimsUnsettled) as alone:
            run(dividing, tmp_path / "bad.jsonl", tmp_path / "bad.parquet", sort=True)
        with pytest.raises(ClaimsUnsettled) as spread:
            run_dask(dividing, tmp_path / "bad.jsonl", tmp_path / "bad-ds",
                     scheduler=cluster.scheduler_address, partitions=3, chunk=4)
        rows = [row for row, _ in alone.value.failures]
        assert [row for row, _ in spread.value.failures] == rows == [0, 3, 6, 9]
        assert spread.value.text("zh") == alone.value.text("zh") and str(spread.value) == str(alone.value)
    parts = sorted(p.name for p in (tmp_path / "dataset").iterdir())
    assert parts == [f"part-{k:05d}.parquet" for k in range(5)]
    assert summary.claims == 400 and summary.persons == 90
    assert _ipc(pq.read_table(tmp_path / "dataset")) == _ipc(pq.read_table(one))
    # each person's claims are in one partition
    for name in parts:
        persons = set(pq.read_table(tmp_path / "dataset" / name).column("person_id").to_pylist())
        assert all(partition_of(pa.array([p]).to_numpy(zero_copy_only=False), 5)[0] == int(name[5:10])
                   for p in persons)
