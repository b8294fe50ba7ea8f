"""``yibao batch`` and ``yibao convert``: files in, settlements out, both engines to the fen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from yibao.compiler import columnar_format as F
from yibao.compiler.loader import load_policy

from yibao.batch import person_chunks
from yibao.cli import main
from yibao.sampling import sample_policy_claims

from .conftest import POLICIES

POLICY = POLICIES / "liaocheng" / "poverty_inpatient.yb"


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def claims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 sampled claims of 40 persons, as JSON lines in input order (not sorted)."""
    policy = load_policy(POLICY)
    data = sample_policy_claims(policy, 300, seed=21)
    for i, c in enumerate(data):
        c["person"]["id"] = f"P{(i * 7) % 40:03d}"
    path = tmp_path_factory.mktemp("batch") / "claims.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in data), encoding="utf-8")
    return path


def _sorted(table: pa.Table) -> pa.Table:
    return table.take(pc.sort_indices(table, sort_keys=[("claim", "ascending")]))


def test_convert_round_trips_and_batch_engines_agree(claims: Path, tmp_path: Path) -> None:
    parquet, dataset, back = tmp_path / "c.parquet", tmp_path / "ds", tmp_path / "back.jsonl"
    for src, dst in ((claims, parquet), (parquet, dataset), (dataset, back)):
        result = run("convert", src, dst)
        assert result.exit_code == 0, result.output
    original = [json.loads(x) for x in claims.read_text().splitlines()]
    policy = load_policy(POLICY)
    again = [json.loads(x) for x in back.read_text().splitlines()]
    assert [policy.claim(c).lines for c in again] == [policy.claim(c).lines for c in original]

    columnar, scalar = tmp_path / "col.parquet", tmp_path / "sca.parquet"
    closing = tmp_path / "closing.jsonl"
    assert run("batch", POLICY, parquet, "-o", columnar, "--sort", "--closing", closing).exit_code == 0
    assert run("batch", POLICY, claims, "-o", scalar, "--sort", "--engine", "scalar").exit_code == 0
    a, b = pq.read_table(columnar), pq.read_table(scalar)
    assert a.equals(b) and a.num_rows == 300
    assert a.schema.names[:8] == ["claim", "person_id", "date", "year", "total", "out_of_scope",
                                  "first_self_pay", "in_scope"]
    assert a.schema.names[8:] == [*policy.layers, "person", *(f"ytd.{k}" for k in policy.accumulators)]
    # the amounts delta-encoded (and not compressed), the date and year dictionary-encoded,
    # statistics where readers filter
    meta = pq.ParquetFile(columnar).metadata
    for i in range(meta.num_columns):
        col = meta.row_group(0).column(i)
        name = col.path_in_schema
        money = a.schema.field(name).type == pa.int64()
        assert (col.compression == "UNCOMPRESSED") == money, name
        if money:
            assert "DELTA_BINARY_PACKED" in col.encodings and not col.has_dictionary_page, name
        elif name in ("date", "year"):
            assert col.has_dictionary_page, name
        assert col.is_stats_set == (name in ("person_id", "date", "year")), name
    # every column required: a settlement has every figure, and no definition levels are written
    schema = pq.ParquetFile(columnar).schema
    assert [schema.column(i).max_definition_level for i in range(meta.num_columns)] == [0] * meta.num_columns
    # each person's closing year_to_date is that of their last claim of the year, by settle_many
    rows = [json.loads(x) for x in closing.read_text().splitlines()]
    assert len(rows) == len({(c["person"]["id"], c["date"][:4]) for c in original})
    first = rows[0]
    mine = [c for c in original if c["person"]["id"] == first["person_id"]]
    last = policy.settle_many(mine)[-1]
    assert first["claims"] == len(mine)
    assert {k[4:]: v for k, v in first.items() if k.startswith("ytd.")} == {
        k: str(v) for k, v in last.year_to_date.items()}


def test_unsorted_input_is_refused_and_nothing_is_written(claims: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    result = run("batch", POLICY, claims, "-o", out)
    assert result.exit_code == 1
    assert f"{claims}: claims rejected\n  row 6: person.id: 'P002' comes after 'P035': claims must be " \
        "sorted by person id" in result.output
    assert not out.exists()


def test_out_of_order_and_bad_claims_are_reported_alike_whatever_the_chunks(claims: Path,
                                                                            tmp_path: Path) -> None:
    """A claim out of person order no longer stops the reading at its chunk: every bad claim, before
    it and after it, is reported with it, by row, the same at any chunk size and by either engine."""
    data = sorted((json.loads(x) for x in claims.read_text().splitlines()), key=lambda c: c["person"]["id"])
    data[40], data[200] = data[200], data[40]  # row 41's person comes before row 40's
    for row in (3, 120, 260):
        data[row]["visit"]["level"] = "9"
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in data), encoding="utf-8")
    reports = set()
    for engine in ("columnar", "scalar"):
        for chunk in (7, 50, 1000):
            result = run("batch", POLICY, src, "-o", tmp_path / "s.parquet", "--engine", engine,
                         "--chunk", chunk)
            assert result.exit_code == 1
            reports.add(result.output)
    (report,) = reports
    rows = [line.split(":")[0].strip() for line in report.splitlines()[1:]]
    assert rows == ["row 3", "row 41", "row 120", "row 260"]
    assert "row 41: person.id:" in report and "claims must be sorted by person id" in report
    assert not (tmp_path / "s.parquet").exists()


def test_json_lines_issues_are_listed_in_line_order_whatever_the_chunks(claims: Path, tmp_path: Path) -> None:
    """A line that is not JSON is found as it is read, a claim's shape when its chunk is made: the
    issues are listed by line all the same."""
    lines = claims.read_text().splitlines()
    bad = json.loads(lines[2])
    bad["lines"][0]["amount"] = "x"
    lines[2] = json.dumps(bad)
    lines[4] = lines[4][:-1]  # not JSON
    src = tmp_path / "c.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = {run("batch", POLICY, src, "-o", tmp_path / "s.parquet", "--chunk", chunk).output
               for chunk in (2, 1000)}
    (output,) = outputs
    assert [line.split(": ")[0].rsplit(":", 1)[-1] for line in output.splitlines()[1:]] == ["3", "5"]


def test_bad_claims_are_reported_by_row_and_path(claims: Path, tmp_path: Path) -> None:
    data = [json.loads(x) for x in claims.read_text().splitlines()]
    data[5]["lines"][0]["amount"] = "-3.00"
    data[9]["visit"]["level"] = "9"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(c) + "\n" for c in data))
    parquet, out = tmp_path / "bad.parquet", tmp_path / "s.parquet"
    assert run("convert", bad, parquet).exit_code == 1  # a negative amount is no claim's shape at all
    data[5]["lines"][0]["amount"] = "3.00"
    bad.write_text("".join(json.dumps(c) + "\n" for c in data))
    assert run("convert", bad, parquet).exit_code == 0
    out.write_text("old")
    for engine in ("columnar", "scalar"):
        result = run("batch", POLICY, parquet, "-o", out, "--sort", "--engine", engine)
        assert result.exit_code == 1
        assert "row 9: visit.level: '9' is not one of 1, 2, 3, primary" in result.output
        assert out.read_text() == "old"  # nothing half-written


def test_a_claim_without_lines_that_ends_a_chunk_is_refused_at_its_row(claims: Path, tmp_path: Path) -> None:
    """A chunk is cut after its last complete person: a claim without lines there was past the last
    line summed (an internal error before); it is refused at its row by both engines, from a JSON
    array too (read at any size, not into a buffer of the largest size first)."""
    data = sorted((json.loads(x) for x in claims.read_text().splitlines()), key=lambda c: c["person"]["id"])
    last = data[-1]["person"]["id"]
    row = max(i for i, c in enumerate(data) if c["person"]["id"] != last)  # ends the first chunk
    data[row]["lines"] = []
    array = tmp_path / "claims.json"
    array.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    parquet = tmp_path / "claims.parquet"
    assert run("convert", array, parquet).exit_code == 0
    for src in (array, parquet):
        for engine in ("columnar", "scalar"):
            result = run("batch", POLICY, src, "-o", tmp_path / "s.parquet", "--engine", engine)
            assert result.exit_code == 1, result.output
            assert f"row {row}: lines: a claim needs at least one line" in result.output


def test_traces_of_chosen_claims(claims: Path, tmp_path: Path) -> None:
    chosen = json.loads(claims.read_text().splitlines()[17])
    traces, out = tmp_path / "t.jsonl", tmp_path / "s.jsonl"
    result = run("batch", POLICY, claims, "-o", out, "--sort", "--trace-claim", chosen["id"],
                 "--traces", traces)
    assert result.exit_code == 0, result.output
    (traced,) = [json.loads(x) for x in traces.read_text().splitlines()]
    row = next(json.loads(x) for x in out.read_text().splitlines() if json.loads(x)["claim"] == chosen["id"])
    assert traced["claim"] == chosen["id"] and traced["trace"] and traced["lines"]
    assert traced["person"] == row["person"] and traced["payers"] == {k: row[k] for k in traced["payers"]}
    missing = run("batch", POLICY, claims, "-o", out, "--sort", "--trace-claim", "nope", "--traces", traces)
    assert missing.exit_code == 1 and "no claim 'nope' in the input" in missing.output


def test_chunks_end_with_a_complete_person() -> None:
    ids = ["a", "a", "b", "b", "b", "c", "d", "d"]
    table = pa.table({"person_id": ids, "id": [str(i) for i in range(len(ids))]})
    parts = list(person_chunks((table.slice(i, 3) for i in range(0, 8, 3)), chunk=3))
    assert [p.table.column("person_id").to_pylist() for p in parts] == [["a", "a"], ["b", "b", "b"],
                                                                       ["c"], ["d", "d"]]
    assert [p.rows.tolist() for p in parts] == [[0, 1], [2, 3, 4], [5], [6, 7]]


def test_record_policies_are_refused_by_the_columnar_engine(tmp_path: Path) -> None:
    record = POLICIES / "reform2023" / "alliance_surplus.yb"
    claims = tmp_path / "c.jsonl"
    claims.write_text("")
    result = run("batch", record, claims, "-o", tmp_path / "s.jsonl")
    assert result.exit_code == 1 and "`input record` policies have no columnar form" in result.output


def test_settlement_rows_are_the_scalar_settlements() -> None:
    policy = load_policy(POLICY)
    claim = sample_policy_claims(policy, 1, seed=3)[0]
    row = F.settlement_row(policy.settle(claim), policy.accumulators)
    assert row["total"] == policy.settle(claim).total_fen
    assert list(row) == F.settlement_schema(policy.layers, policy.accumulators).names


MONTHLY = POLICIES / "examples" / "outpatient_monthly_limit.yb"


def test_month_and_quarter_year_to_date_round_trip_and_settle_as_json(tmp_path: Path) -> None:
    """``year_to_date`` naming the month and quarter of its period figures: the claim table keeps
    them (``ytd_month``, ``ytd_quarter``), and both engines drop the figures of another period."""
    def claim(cid: str, person: str, date: str, ytd: dict[str, Any]) -> dict[str, Any]:
        return {"id": cid, "date": date, "person": {"id": person, "scheme": "resident"},
                "visit": {"kind": "outpatient", "level": 1, "region": "local"},
                "lines": [{"code": "a", "category": "A", "amount": "700.00"}], "year_to_date": ytd}

    held = {"basic.paid": "500.00", "basic.month.paid": "250.00", "basic.quarter.paid": "700.00"}
    march, january = {"year": 2024, "month": 3, "quarter": 1}, {"year": 2024, "month": 1, "quarter": 1}
    claims = [claim("a", "P1", "2024-03-10", {**march, **held}),  # kept
              claim("b", "P2", "2024-04-02", {**march, **held}),  # both dropped
              claim("c", "P3", "2024-02-20", {**january, **held}),  # month dropped
              claim("d", "P3", "2024-03-01", {}),  # carried from c: its month ends, its quarter goes on
              claim("e", "P4", "2024-05-05", {"month": 5, **held})]
    src, parquet, back = tmp_path / "c.jsonl", tmp_path / "c.parquet", tmp_path / "back.jsonl"
    src.write_text("".join(json.dumps(c) + "\n" for c in claims), encoding="utf-8")
    for a, b in ((src, parquet), (parquet, back)):
        result = run("convert", a, b)
        assert result.exit_code == 0, result.output
    assert pq.read_table(parquet).column("ytd_month").to_pylist() == [3, 3, 1, None, 5]
    again = [json.loads(x) for x in back.read_text().splitlines()]
    assert [c.get("year_to_date", {}) for c in again] == [c["year_to_date"] for c in claims]

    columnar, scalar = tmp_path / "col.jsonl", tmp_path / "sca.jsonl"
    assert run("batch", MONTHLY, parquet, "-o", columnar).exit_code == 0
    assert run("batch", MONTHLY, src, "-o", scalar, "--engine", "scalar").exit_code == 0
    rows = [json.loads(x) for x in columnar.read_text().splitlines()]
    assert rows == [json.loads(x) for x in scalar.read_text().splitlines()]
    # a: 250.00 of March's 300.00 used: 50.00; b: April, a new month and quarter: 300.00;
    # c: a new month, 100.00 of the quarter's 800.00 left: 100.00; d: March, the quarter used up
    assert [r["basic"] for r in rows] == ["50.00", "300.00", "100.00", "0.00", "50.00"]


def test_a_month_out_of_range_in_the_claim_table_is_the_json_claims_issue(tmp_path: Path) -> None:
    table = F.claims_to_table([("c", {"id": "x", "date": "2024-03-10",
                                      "person": {"id": "P", "scheme": "resident"},
                                      "visit": {"kind": "outpatient", "level": 1, "region": "local"},
                                      "lines": [{"code": "a", "category": "A", "amount": "1.00"}]})])
    month = table.schema.get_field_index("ytd_month")
    table = table.set_column(month, "ytd_month", pa.array([13], pa.int8()))
    pq.write_table(table, tmp_path / "bad.parquet")
    result = CliRunner().invoke(main, ["batch", str(MONTHLY), str(tmp_path / "bad.parquet"), "-o",
                                       str(tmp_path / "out.jsonl")])
    assert result.exit_code == 1
    assert "row 0: year_to_date.month: must be a month of the year, 1 to 12" in result.output


def test_both_engines_stop_at_the_same_claim_that_divides_by_zero(tmp_path: Path) -> None:
    from .compiler.test_columnar_failures import DIVIDING

    policy = tmp_path / "div.yb"
    policy.write_text(DIVIDING, encoding="utf-8")

    def claim(cid: str, person: str, date: str, age: int, region: str) -> dict[str, Any]:
        return {"id": cid, "date": date, "person": {"id": person, "scheme": "resident", "age": age},
                "visit": {"kind": "inpatient", "level": 1, "region": region},
                "lines": [{"code": "a", "category": "A", "amount": "3000.00"}]}

    rows = [claim("a1", "P1", "2024-02-01", 0, "in_province"),  # 20% / 0 in `share`
            claim("b1", "P2", "2024-01-05", 0, "in_province"),  # and again
            claim("a2", "P1", "2024-01-10", 0, "in_province"),  # before a1 in P1's year: the first
            claim("c1", "P3", "2024-01-10", 4, "local")]
    src = tmp_path / "claims.jsonl"
    src.write_text("".join(json.dumps(c) + "\n" for c in rows), encoding="utf-8")
    outputs = []
    for engine in ("columnar", "scalar"):
        out = tmp_path / f"{engine}.jsonl"
        result = CliRunner().invoke(main, ["batch", str(policy), str(src), "-o", str(out), "--engine", engine,
                                           "--sort"])
        assert result.exit_code == 1 and "Traceback" not in result.output
        outputs.append(result.output)
        assert not out.exists()  # nothing half-written
    assert outputs[0] == outputs[1]
    assert "error while settling claim a2: division by zero" in outputs[0]
    # every claim that could not be settled, each at its input row; not c1, nor a1 after a2
    lines = outputs[0].splitlines()
    assert lines[0].endswith("claims.jsonl: 2 claims could not be settled")
    assert [x.split(": ")[0] for x in lines if x.startswith("  row ")] == ["  row 1", "  row 2"]
    assert "claim b1: division by zero" in lines[1] and "claim a2: division by zero" in lines[3]
    assert "a1" not in outputs[0] and "c1" not in outputs[0]


def test_a_map_key_twice_in_a_claim_table_is_refused_by_both_engines_and_by_convert(tmp_path: Path) -> None:
    """A Parquet map column can hold a key twice; a JSON claim cannot (one value would be lost):
    the row is refused at the key's path by either engine, and ``yibao convert`` writes no JSON."""
    policy = load_policy(POLICY)
    data = sample_policy_claims(policy, 3, seed=5)
    for i, c in enumerate(data):
        c["person"]["id"] = f"P{i}"
    table = F.claims_to_table((str(i), c) for i, c in enumerate(data))
    rows = table.to_pylist()
    rows[1]["year_to_date"] = [("basic.paid", 100), ("basic.paid", 200)]
    parquet = tmp_path / "twice.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=F.CLAIM_SCHEMA), parquet)
    for engine in ("columnar", "scalar"):
        result = run("batch", POLICY, parquet, "-o", tmp_path / "s.parquet", "--engine", engine)
        assert result.exit_code == 1, result.output
        assert "row 1: year_to_date.basic.paid: duplicate key (2 times); a key may appear once" \
            in result.output
    result = run("convert", parquet, tmp_path / "back.jsonl")
    assert result.exit_code == 1 and "row 1: year_to_date.basic.paid: duplicate key" in result.output
    assert not (tmp_path / "back.jsonl").exists()


def test_person_ids_stored_dictionary_encoded_are_sorted_and_checked(tmp_path: Path) -> None:
    """A file whose writer kept ``person_id`` as an Arrow dictionary column reads back so; Arrow's
    comparisons do not take it (--sort and ``yibao diff`` of a small file crashed): decoded first."""
    policy = load_policy(POLICY)
    data = sample_policy_claims(policy, 6, seed=8)
    for i, c in enumerate(data):
        c["person"]["id"] = f"P{(5 - i) // 2}"  # out of order
    table = F.claims_to_table((str(i), c) for i, c in enumerate(data))
    at = table.schema.get_field_index("person_id")
    table = table.set_column(at, "person_id", pc.dictionary_encode(table.column("person_id")))
    parquet = tmp_path / "dictionary.parquet"
    pq.write_table(table, parquet)
    assert pa.types.is_dictionary(pq.read_table(parquet).schema.field("person_id").type)
    sorted_out = tmp_path / "s.parquet"
    assert run("batch", POLICY, parquet, "-o", sorted_out, "--sort").exit_code == 0
    got = pq.read_table(sorted_out).column("person_id").to_pylist()
    assert got == sorted(c["person"]["id"] for c in data)
    result = run("batch", POLICY, parquet, "-o", tmp_path / "t.parquet")
    assert result.exit_code == 1 and "claims must be sorted by person id" in result.output
    result = run("diff", POLICY, POLICY, parquet)
    assert result.exit_code == 0, result.output
