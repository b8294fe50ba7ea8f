"""`yibao diff`: the impact of a policy change on many claims, checked against a hand calculation."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import yibao
from yibao.cli import main
from yibao.impact import diff_policies, first_difference, read_claims
from yibao.sampling import sample_policy_claims, write_claims, write_parquet

from .conftest import ROOT

POLICY = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"
N = 10_000
SEED = 2024


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def raised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the Jiujiang resident policy with the level-2 deductible raised from 400 to 500."""
    text = POLICY.read_text(encoding="utf-8")
    old = "    local, 2,           _                                 -> 400.00\n"
    assert text.count(old) == 1
    path = tmp_path_factory.mktemp("raised") / "resident_inpatient.yb"
    path.write_text(text.replace(old, old.replace("400.00", "500.00")), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the hand check
# The Jiujiang resident rules written out by hand, independently of the compiler:
# classify (A in scope, B 10% first self-pay rounded half-up per line, C out), deductible
# and rate by region/level/referral, the deductible once a year, 150,000.00 annual cap.


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def hand_basic(claim: dict, level2_deductible: int) -> tuple[int, int, bool]:
    """(basic fund payment, deductible applied) in fen, and whether the annual cap held the payment."""
    in_scope = 0
    for line in claim["lines"]:
        fen = int(Decimal(line["amount"]) * 100)
        if line["category"] == "A":
            in_scope += fen
        elif line["category"] == "B":
            in_scope += fen - _half_up(fen, 10)
    visit = claim["visit"]
    level, region, referral = str(visit["level"]), visit["region"], visit.get("referral", "none")
    if region == "local" and level in ("1", "primary"):
        deductible, rate = 100_00, 90
    elif region == "local" and level == "2":
        deductible, rate = level2_deductible, 80
    elif region == "local":
        deductible, rate = 600_00, 60
    elif referral != "none":
        deductible, rate = 600_00, 50
    else:
        deductible, rate = 800_00, 40
    ytd = claim.get("year_to_date", {})
    same_year = ytd.get("year", int(claim["date"][:4])) == int(claim["date"][:4])
    paid_deductible = int(Decimal(ytd.get("basic.deductible", "0")) * 100) if same_year else 0
    paid_before = int(Decimal(ytd.get("basic.paid", "0")) * 100) if same_year else 0
    applied = min(in_scope, max(deductible - paid_deductible, 0))
    pay = _half_up((in_scope - applied) * rate, 100)
    room = max(150_000_00 - paid_before, 0)
    return min(pay, room), applied, pay > room


def test_raising_the_level2_deductible_changes_exactly_the_level2_claims_that_pay_it(
        raised: Path, tmp_path: Path) -> None:
    claims_file = tmp_path / "claims.jsonl"
    made = run("sample-claims", str(POLICY), "-n", str(N), "--seed", str(SEED), "-o", str(claims_file))
    assert made.exit_code == 0, made.output
    claims = [json.loads(line) for line in claims_file.read_text(encoding="utf-8").splitlines()]
    assert len(claims) == N

    result = run("diff", str(POLICY), str(raised), "--claims", str(claims_file), "--json", "--all-changes")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)

    # the hand check over the same claims; first, it agrees with the compiled policy on every claim
    old_policy = yibao.load_policy(POLICY)
    hand: dict[str, tuple[int, int]] = {}
    level2_paying: set[str] = set()  # local level-2 claims that pay more deductible under the new policy
    held_at_cap: set[str] = set()  # … of which the annual cap holds the payment either way
    for c in claims:
        old, old_deductible, _ = hand_basic(c, 400_00)
        new, new_deductible, capped = hand_basic(c, 500_00)
        assert old_policy.settle(c).payer_fen == (old,), c["id"]
        hand[c["id"]] = (old, new)
        local2 = c["visit"]["level"] == 2 and c["visit"]["region"] == "local"
        if new_deductible > old_deductible:
            assert local2, c["id"]
            level2_paying.add(c["id"])
            if capped:
                held_at_cap.add(c["id"])
    expected = {cid: new - old for cid, (old, new) in hand.items() if new != old}

    changed = {c["claim"]: c for c in report["changes"]}
    # exactly the local level-2 claims that pay (more of) the deductible and are not held at the
    # annual cap, each by the hand figure
    assert set(changed) == set(expected) == level2_paying - held_at_cap
    assert len(held_at_cap) < 20
    assert report["changed"] == len(expected) > 1000
    for cid, c in changed.items():
        assert c["level"] == "2"
        basic = int(Decimal(c["change"]["basic"]) * 100)
        assert basic == expected[cid] < 0
        assert int(Decimal(c["change"]["person"]) * 100) == -basic
    # the total fund change is the sum of the hand figures
    total = sum(expected.values())
    assert Decimal(report["payers"]["basic"]["change"]) == Decimal(total) / 100
    assert Decimal(report["payers"]["person"]["change"]) == -Decimal(total) / 100
    assert Decimal(report["payers"]["basic"]["mean_per_changed_claim"]) == (
        Decimal(total) / len(expected) / 100).quantize(Decimal("0.01"))
    # only level 2 moves; the categories add up to the total
    assert {k: g["changed"] for k, g in report["by_level"].items()} == {
        "1": 0, "2": len(expected), "3": 0, "primary": 0}
    assert sum(Decimal(g["change"]["basic"]) for g in report["by_category"].values()) == Decimal(total) / 100
    # each of the largest changes shows the first step that differs: the deductible's table row
    assert len(report["largest"]) == 10
    for c in report["largest"]:
        step = c["first_difference"]
        assert (step["index"], step["old"]["rule"], step["new"]["rule"]) == (0, "parameter:deductible",
                                                                            "parameter:deductible")
        formulas = (step["old"]["formula"], step["new"]["formula"])
        assert formulas == ("deductible = 400.00", "deductible = 500.00")
        assert step["new"]["inputs"][0]["branch"] == "row `local, 2, _`"
    print(f"\n{N} claims: {len(expected)} changed, basic fund {Decimal(total) / 100:+,} "
          f"(hand check agrees)")


def test_the_text_report(raised: Path, tmp_path: Path) -> None:
    claims = sample_policy_claims(yibao.load_policy(POLICY), 400, 5)
    folder = write_claims(claims, tmp_path / "claims")
    result = run("diff", str(POLICY), str(raised), "--claims", str(folder), "--top", "2")
    assert result.exit_code == 0
    out = result.output
    changed = int(out.split(" of 400 claims changed")[0].splitlines()[-1].replace(",", ""))
    assert changed > 0
    assert "per claim" in out and "per changed claim" in out
    assert out.count("old: step 1 parameter:deductible") == 2
    assert "deductible = 400.00 [deductible: row `local, 2, _`]" in out
    assert "deductible = 500.00 [deductible: row `local, 2, _`]" in out
    assert "By hospital level:" in out and "By person category:" in out
    assert run("diff", str(POLICY), str(raised), "--claims", str(folder), "--fail-on-change").exit_code == 1


def test_no_change_and_fail_on_change(tmp_path: Path) -> None:
    path = write_claims(sample_policy_claims(yibao.load_policy(POLICY), 50, 3), tmp_path / "c.jsonl")
    result = run("diff", str(POLICY), str(POLICY), "--claims", str(path), "--fail-on-change")
    assert result.exit_code == 0
    assert "0 of 50 claims changed (0.00%)" in result.output
    assert "Largest changes" not in result.output


def test_claims_one_policy_refuses_are_counted_not_raised(tmp_path: Path) -> None:
    path = write_claims(sample_policy_claims(yibao.load_policy(POLICY), 20, 3), tmp_path / "c.jsonl")
    employee = ROOT / "policies" / "jiujiang" / "employee_inpatient.yb"
    result = run("diff", str(POLICY), str(employee), "--claims", str(path), "--json", "--fail-on-change")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["refused"]["new"] == 20 and report["settled"] == 0 and report["changed"] == 0
    assert "does not cover" in report["refused"]["examples"][0]["message"]


def test_a_progress_bar_does_not_change_the_report(raised: Path, tmp_path: Path) -> None:
    path = write_claims(sample_policy_claims(yibao.load_policy(POLICY), 30, 4), tmp_path / "c.jsonl")
    plain = run("diff", str(POLICY), str(raised), "--claims", str(path), "--json")
    with_bar = run("diff", str(POLICY), str(raised), "--claims", str(path), "--json", "--progress")
    assert plain.exit_code == with_bar.exit_code == 0
    assert json.loads(plain.output) == json.loads(with_bar.output[with_bar.output.index("{"):])


def test_bad_inputs(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": 1}\n{not json\n', encoding="utf-8")
    result = run("diff", str(POLICY), str(POLICY), "--claims", str(broken))
    assert result.exit_code == 1 and "broken.jsonl:2" in result.output and "not valid JSON" in result.output
    assert run("diff", str(POLICY), str(POLICY)).exit_code == 2  # the claims are required
    assert run("diff", str(POLICY), str(POLICY), str(broken), "--claims", str(broken)).exit_code == 2  # once
    bad_policy = tmp_path / "bad.yb"
    bad_policy.write_text("policy x\n", encoding="utf-8")
    assert run("diff", str(POLICY), str(bad_policy), "--claims", str(broken)).exit_code == 1


# ---------------------------------------------------------------- reading claims


def test_folder_jsonl_and_parquet_give_the_same_settlements(tmp_path: Path) -> None:
    policy = yibao.load_policy(POLICY)
    claims = sample_policy_claims(policy, 60, 8)
    sources = {
        "folder": write_claims(claims, tmp_path / "folder"),
        "jsonl": write_claims(claims, tmp_path / "claims.jsonl"),
        "parquet": write_parquet(claims, tmp_path / "claims.parquet"),
    }
    settled = {}
    for kind, path in sources.items():
        read = sorted((data for _, data in read_claims(path)), key=lambda d: d["id"])
        assert len(read) == 60
        settled[kind] = [policy.settle(d).to_dict() for d in read]
    assert settled["folder"] == settled["jsonl"] == settled["parquet"]
    rows = [data for _, data in read_claims(sources["parquet"])]
    assert rows[0]["visit"]["level"] == str(claims[0]["visit"]["level"])  # levels are text in Parquet
    assert all("class" not in line or line["class"] for r in rows for line in r["lines"])  # no nulls


def test_parquet_with_one_json_column(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    claims = sample_policy_claims(yibao.load_policy(POLICY), 5, 1)
    path = tmp_path / "as_json.parquet"
    pq.write_table(pa.table({"claim": [json.dumps(c, ensure_ascii=False) for c in claims]}), path)
    assert [data for _, data in read_claims(path)] == claims


def test_first_difference_ignores_wording_and_lines(raised: Path) -> None:
    old, new = yibao.load_policy(POLICY), yibao.load_policy(raised)
    claim = json.loads((ROOT / "policies" / "jiujiang" / "claims" / "level3_out_of_city_referred.json")
                       .read_text(encoding="utf-8"))
    assert first_difference(old.settle(claim, trace=True).trace, new.settle(claim, trace=True).trace) is None
    level2 = json.loads((ROOT / "policies" / "jiujiang" / "claims" / "level2_local.json")
                        .read_text(encoding="utf-8"))
    diff = first_difference(old.settle(level2, trace=True).trace, new.settle(level2, trace=True).trace)
    assert diff is not None and diff.index == 0
    assert diff.describe()[1].endswith("deductible = 500.00 [deductible: row `local, 2, _`]")
    impact = diff_policies(old, new, [("x", level2)])
    assert impact.changed == 1 and impact.largest[0].delta == {"basic": -80_00, "person": 80_00}


def test_parquet_of_claims_without_year_to_date(tmp_path: Path) -> None:
    claim = json.loads((ROOT / "policies" / "jiujiang" / "claims" / "level2_local.json")
                       .read_text(encoding="utf-8"))
    claim["year_to_date"] = {}  # Parquet cannot hold an object without fields: it is left out
    (_, back), = read_claims(write_parquet([claim], tmp_path / "one.parquet"))
    assert "year_to_date" not in back
    policy = yibao.load_policy(POLICY)
    assert policy.settle(back).to_dict() == policy.settle(claim).to_dict()


# ---------------------------------------------------------------- streaming in chunks


def _people(n: int, seed: int) -> list[dict]:
    """Sampled claims regrouped so that most persons have several claims a year, sorted by person."""
    claims = sample_policy_claims(yibao.load_policy(POLICY), n, seed)
    for i, c in enumerate(claims):
        c["person"]["id"] = f"P{(i * 7) % (n // 3):05d}"
    return sorted(claims, key=lambda c: c["person"]["id"])


def test_many_chunks_give_the_report_of_one_chunk(raised: Path, tmp_path: Path) -> None:
    path = write_claims(_people(300, 11), tmp_path / "people.jsonl")
    args = ("diff", str(POLICY), str(raised), "--claims", str(path), "--json", "--all-changes")
    reports = {}
    for name, extra in {"one chunk": (), "chunks of 7": ("--chunk", "7"), "chunks of 1": ("--chunk", "1"),
                        "scalar": ("--engine", "scalar"), "scalar, 7": ("--engine", "scalar", "--chunk", "7"),
                        "sorted": ("--chunk", "5", "--sort")}.items():
        result = run(*args, *extra)
        assert result.exit_code == 0, (name, result.output)
        reports[name] = json.loads(result.output)
    positional = run("diff", str(POLICY), str(raised), str(path), "--json", "--all-changes")
    assert json.loads(positional.output) == reports["one chunk"]  # CLAIMS, or --claims CLAIMS
    first = reports["one chunk"]
    assert first["changed"] > 10 and first["claims"] == 300
    for name, report in reports.items():
        assert report == first, name
    # a person's later claims carry the year so far: the deductible is met once, by the first claim
    policy = yibao.load_policy(POLICY)
    claims = _people(300, 11)
    expected = {}
    for pid in {c["person"]["id"] for c in claims}:
        for s in policy.settle_many([c for c in claims if c["person"]["id"] == pid]):
            expected[s.claim.id] = s.payer_fen[0]
    old = {c["claim"]: int(Decimal(c["old"]["basic"]) * 100) for c in first["changes"]}
    assert old and all(expected[k] == v for k, v in old.items())
    assert int(Decimal(first["payers"]["basic"]["old"]) * 100) == sum(expected.values())


def test_input_larger_than_a_chunk_must_be_sorted_by_person(raised: Path, tmp_path: Path) -> None:
    claims = _people(60, 12)
    path = write_claims([*claims[30:], *claims[:30]], tmp_path / "unsorted.jsonl")
    result = run("diff", str(POLICY), str(raised), "--claims", str(path), "--chunk", "10")
    assert result.exit_code == 1
    assert "claims must be sorted by person id" in result.output and "row 30" in result.output
    args = ("diff", str(POLICY), str(raised), "--claims", str(path))
    assert run(*args, "--chunk", "10", "--sort").exit_code == 0
    assert run(*args).exit_code == 0  # one chunk: any order


def test_claims_the_claim_table_cannot_hold_are_read_as_json(tmp_path: Path) -> None:
    # claims naming the month and quarter of their figures are held (ytd_month, ytd_quarter); one
    # that is not a claim's shape sends the file to the JSON path, with a note
    monthly = ROOT / "policies" / "examples" / "outpatient_monthly_limit.yb"
    folder = ROOT / "policies" / "examples" / "claims" / "outpatient_monthly_limit"
    lines, held = tmp_path / "monthly.jsonl", tmp_path / "held.jsonl"
    held.write_text("".join(json.dumps(json.loads(p.read_text(encoding="utf-8"))) + "\n"
                            for p in sorted(folder.glob("*.json"))), encoding="utf-8")
    lines.write_text(held.read_text(encoding="utf-8") + '{"id": "odd"}\n', encoding="utf-8")
    assert any('"month"' in x for x in held.read_text(encoding="utf-8").splitlines())
    reports = {}
    for path in (folder, lines, held):
        result = run("diff", str(monthly), str(monthly), "--claims", str(path), "--json")
        assert result.exit_code == 0, result.output
        reports[path] = json.loads(result.output[result.output.index("{"):])
    note = run("diff", str(monthly), str(monthly), "--claims", str(lines)).output
    assert "date: required" in note and "year_to_date.month" not in note
    assert reports[lines]["settled"] == reports[folder]["settled"] == len(list(folder.glob("*.json")))
    assert reports[lines]["payers"] == reports[folder]["payers"] == reports[held]["payers"]
    assert reports[lines]["refused"]["both"] == 1  # not a claim: counted, as before
    assert "note:" not in run("diff", str(monthly), str(monthly), "--claims", str(held)).output  # streamed


def test_diff_of_json_lines_that_are_not_utf8_is_refused_at_the_line(tmp_path):
    """The whole-file reading ``yibao diff`` falls back to read JSON lines as text that might not
    decode (a UnicodeDecodeError, exit 3): they are read as a claim file's bytes, refused at the line."""
    from click.testing import CliRunner

    from yibao.cli import main

    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "a", "lines": []}\n{"id": "\xed\xa0\x80"}\n')
    policy = "policies/jiujiang/resident_inpatient.yb"
    result = CliRunner().invoke(main, ["diff", policy, policy, str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:2" in result.output


def test_diff_by_either_engine_of_person_ids_held_dictionary_encoded(tmp_path):
    """A file whose person ids are an Arrow dictionary column reads back with the file's dictionary
    in every chunk: the columnar engine counted the chunk's persons by that dictionary, so a chunk
    of two claims of one person, with two ids in the dictionary, was settled as two persons (the
    second claim's year_to_date not carried)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from click.testing import CliRunner
    from yibao.compiler import columnar_format as F
    from yibao.compiler.loader import load_policy

    from yibao.cli import main
    from yibao.sampling import sample_policy_claims

    policy_path = "policies/jiujiang/resident_inpatient.yb"
    data = sample_policy_claims(load_policy(policy_path), 8, seed=3)
    for i, c in enumerate(data):
        c["person"]["id"] = f"P{i // 6}"  # six claims of P0, then a chunk of P1's two
        c["date"] = f"2024-0{i % 6 + 1}-10"  # in one year: each claim's year_to_date the one before's
        c.pop("year_to_date", None)
    table = F.claims_to_table((str(i), c) for i, c in enumerate(data))
    at = table.schema.get_field_index("person_id")
    path = tmp_path / "dictionary.parquet"
    pq.write_table(table.set_column(at, "person_id", pc.dictionary_encode(table.column("person_id"))), path,
                   row_group_size=3)
    reports = {}
    for engine in ("columnar", "scalar"):
        result = CliRunner().invoke(main, ["diff", policy_path, policy_path, str(path), "--json",
                                           "--engine", engine])
        assert result.exit_code == 0, result.output
        reports[engine] = json.loads(result.output)
    assert reports["columnar"]["payers"] == reports["scalar"]["payers"]


def test_a_refused_claims_id_that_is_not_text_is_shown_escaped(tmp_path):
    """A claim refused for an id with an unpaired surrogate is listed by that id: escaped, so the
    report prints (it was a UnicodeEncodeError writing the text report)."""
    from click.testing import CliRunner

    from yibao.cli import main

    policy = "policies/jiujiang/resident_inpatient.yb"
    good = json.loads(Path("policies/jiujiang/claims/level2_local.json").read_text(encoding="utf-8"))
    bad = dict(good, id="\ud800")
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", policy, policy, str(path)])
    assert result.exit_code == 0, result.output
    assert "\\ud800" in result.output
