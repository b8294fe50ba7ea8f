"""`yibao settle` of a person's year: a JSON array, JSON lines, a folder or stdin, as settle_many does."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import yibao
from yibao.cli import main

POLICY = "policies/jiujiang/resident_inpatient.yb"
CLAIMS = Path("policies/jiujiang/claims")


def claims() -> list[dict]:
    """Two admissions of one person (the second later in the year, out of order) and one of another."""
    first = json.loads((CLAIMS / "level2_local.json").read_text(encoding="utf-8"))
    second = {**json.loads(json.dumps(first)), "id": first["id"] + "-2", "date": "2024-12-01"}
    other = json.loads((CLAIMS / "level1_second_admission.json").read_text(encoding="utf-8"))
    return [second, first, other]


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def expected() -> list[dict]:
    policy = yibao.load_policy(POLICY)
    by_person: dict[str, list[dict]] = {}
    for c in claims():
        by_person.setdefault(c["person"]["id"], []).append(c)
    return [s.to_dict() for group in by_person.values() for s in policy.settle_many(group)]


def test_json_lines_settle_each_person_s_year_as_settle_many_does(tmp_path: Path) -> None:
    path = tmp_path / "year.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims()), encoding="utf-8")
    result = run("settle", POLICY, str(path), "--jsonl")
    assert result.exit_code == 0, result.output
    got = [json.loads(line) for line in result.output.splitlines()]
    assert got == expected()
    # the second admission of the year pays no deductible again: 400.00 was paid on the first
    assert [g["year_to_date"].get("basic.deductible") for g in got[:2]] == ["400.00", "400.00"]


def test_a_json_array_a_folder_and_stdin_give_the_same(tmp_path: Path) -> None:
    array = tmp_path / "claims.json"
    array.write_text(json.dumps(claims(), ensure_ascii=False), encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    for i, c in enumerate(claims()):
        (folder / f"{i}.json").write_text(json.dumps(c, ensure_ascii=False), encoding="utf-8")
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims())
    outputs = [run("settle", POLICY, str(array), "--json"), run("settle", POLICY, str(folder), "--json"),
               run("settle", POLICY, "-", "--json", stdin=lines),
               run("settle", POLICY, "-", "--json", stdin=json.dumps(claims()))]
    for result in outputs:
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["settlements"] == expected()
        assert data["closing"] == {
            "360402199001011234": {"year": 2024, "basic.deductible": "400.00", "basic.paid": "14080.00"},
            "360402196002027777": {"year": 2024, "basic.deductible": "100.00", "basic.paid": "3811.19"},
        }


def test_the_table_ends_with_the_closing_figures_ids_masked(tmp_path: Path) -> None:
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(claims(), ensure_ascii=False), encoding="utf-8")
    result = run("settle", POLICY, str(path))
    assert result.exit_code == 0, result.output
    tail = result.output[result.output.index("Year to date after these claims"):]
    assert "3604**********1234" in tail and "2024 basic.paid" in tail and "14,080.00" in tail
    assert "360402199001011234" not in result.output


def test_one_refused_claim_settles_nothing_and_names_its_line(tmp_path: Path) -> None:
    bad = claims()
    bad[2]["lines"][0]["amount"] = "１２.５０"
    path = tmp_path / "year.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in bad), encoding="utf-8")
    result = run("settle", POLICY, str(path), "--jsonl")
    assert result.exit_code == 1
    assert f"{path}:3: lines[0].amount" in result.output
    assert '"claim"' not in result.output


def test_one_claim_file_is_one_settlement_as_before() -> None:
    result = run("settle", POLICY, str(CLAIMS / "level2_local.json"), "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["claim"] == "JJ-2024-0001"


def test_json_holds_the_per_line_split_only_when_asked() -> None:
    claim = str(CLAIMS / "level2_local.json")
    plain = json.loads(run("settle", POLICY, claim, "--json").stdout)
    lined = json.loads(run("settle", POLICY, claim, "--json", "--lines").stdout)
    traced = json.loads(run("settle", POLICY, claim, "--json", "--trace").stdout)
    assert "lines" not in plain and "trace" not in plain
    assert {k: v for k, v in lined.items() if k != "lines"} == plain
    assert lined["lines"] == traced["lines"]
    fen = [int(ln["amount"].replace(".", "")) for ln in lined["lines"]]
    assert sum(fen) == int(plain["total"].replace(".", ""))
    rows = run("settle", POLICY, claim, "--jsonl", "--lines").stdout.splitlines()
    assert [json.loads(r)["lines"] for r in rows] == [lined["lines"]]
