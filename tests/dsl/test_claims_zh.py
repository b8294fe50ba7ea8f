"""The Chinese of a claim's checks (dsl/claims_zh.py): whole, keyed by template, never matched."""

from __future__ import annotations

import ast as pyast
import re
from pathlib import Path

from yibao.dsl.claims_zh import MESSAGES, OS_REASONS, reason
from yibao.dsl.diagnostics_zh import MESSAGES as DIAGNOSTICS
from yibao.dsl.errors import ClaimIssue
from yibao.dsl.phrase import Names, P

ROOT = Path(__file__).resolve().parents[2]
SLOT = re.compile(r"\{(\w+)\}")
# Every module that writes a claim's issues.
SOURCES = [ROOT / "compiler" / name
           for name in ("claims.py", "loader.py", "json_input.py", "columnar_format.py", "columnar_read.py")]
SOURCES += [ROOT / "yibao" / name for name in ("formats.py", "parquet_checks.py", "batch.py", "impact.py")]
SOURCES += [*(ROOT / "yibao" / "national").glob("*.py"), ROOT / "tui" / "command.py"]
SOURCES += [ROOT / "dsl" / "errors.py"]  # a settlement's failures (SettlementError)
WRITERS = ("add", "ClaimIssue", "reject", "_Bad")  # what takes an issue's message (its second argument)


def _calls(path: Path) -> list[pyast.Call]:
    return [n for n in pyast.walk(pyast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, pyast.Call)]


def _name(call: pyast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, pyast.Attribute) else f.id if isinstance(f, pyast.Name) else ""


def test_every_template_carries_its_slots_over() -> None:
    for en, text in MESSAGES:
        assert set(SLOT.findall(text)) <= set(SLOT.findall(en)), en
    assert len({en for en, _ in MESSAGES}) == len(MESSAGES), "each template once"


def test_every_phrase_of_a_claim_check_has_its_chinese_and_every_entry_is_used() -> None:
    """A new check's message without Chinese fails here; so does an entry no check writes any more."""
    known = {en for en, _ in MESSAGES}
    diagnostics = {en for en, _ in DIAGNOSTICS}  # dsl/errors.py words a policy's diagnostics too
    used, missing = set(), []
    for path in SOURCES:
        for node in _calls(path):
            if _name(node) != "P":
                continue
            template = node.args[0]
            assert isinstance(template, pyast.Constant) and isinstance(template.value, str), \
                f"{path.name}:{node.lineno}: a phrase's template is a literal, the catalogue's key"
            used.add(template.value)
            if template.value not in known | diagnostics:
                missing.append(f"{path.name}:{node.lineno}: {template.value}")
            given = {k.arg for k in node.keywords}
            assert set(SLOT.findall(template.value)) == given, f"{path.name}:{node.lineno}: slots {given}"
    assert len(used) > 120, len(used)  # the walk found the checks' phrases
    assert not missing, "\n".join(missing)
    assert known - used == set(), known - used


def test_no_issue_is_written_as_finished_text() -> None:
    """An issue's message written as a string or an f-string could not be shown in Chinese."""
    written = []
    for path in SOURCES:
        for node in _calls(path):
            if _name(node) not in WRITERS:
                continue
            args = node.args[1:2] if _name(node) != "_Bad" else node.args[:1]
            for arg in args:
                # inside a phrase, or a condition choosing between phrases: not message text
                phrased = {id(x) for c in pyast.walk(arg)
                           if (isinstance(c, pyast.Call) and _name(c) == "P") or isinstance(c, pyast.Compare)
                           for x in pyast.walk(c)}
                text = [n for n in pyast.walk(arg) if id(n) not in phrased and (isinstance(n, pyast.JoinedStr)
                        or (isinstance(n, pyast.Constant) and isinstance(n.value, str)))]
                if text:
                    written.append(f"{path.name}:{node.lineno}: {pyast.unparse(arg)[:80]}")
    assert not written, "\n".join(written)


def test_an_issue_is_told_in_each_language_from_its_phrase() -> None:
    issue = ClaimIssue("visit.kind", P("{value} is not one of {values}", value="'x'",
                                       values=Names(("inpatient", "outpatient"))))
    assert issue.message == "'x' is not one of inpatient, outpatient"
    assert issue.text("en") == issue.message
    assert issue.text("zh") == "'x' 不是以下取值之一：`inpatient`、`outpatient`"
    long = P("{n} characters; at most {max}", n=300, max=200)
    nested = ClaimIssue("paid", P("key: {problem}", problem=long))
    assert nested.text("zh") == "键：共 300 个字符；最多 200 个"
    moved = nested.at("row 4: paid", 4)
    assert (moved.path, moved.row, moved.phrase) == ("row 4: paid", 4, nested.phrase)
    assert ClaimIssue("$", "a reason from elsewhere").text("zh") == "a reason from elsewhere"


def test_an_operating_system_s_reason_is_shown_in_chinese() -> None:
    text = next(iter(OS_REASONS))
    issue = ClaimIssue("$", P("cannot read: {reason}", reason=reason(text)))
    assert issue.text("zh") == f"无法读取：{OS_REASONS[text]}"
    assert reason("a reason no table has") == "a reason no table has"


def test_a_settlement_s_failure_is_a_phrase_that_survives_pickling() -> None:
    import pickle

    from yibao.dsl.errors import DIVISION_BY_ZERO, SettlementError

    err = SettlementError.failed("p.yb:25", "claim", "a2", DIVISION_BY_ZERO, "_ -> 20% / person.age")
    assert str(err) == ("p.yb:25: error while settling claim a2: division by zero\n"
                        "  _ -> 20% / person.age")
    assert err.text("zh") == "p.yb:25：结算单 a2 结算时出错：除数为零\n  _ -> 20% / person.age"
    again = pickle.loads(pickle.dumps(err))
    assert (str(again), again.text("zh")) == (str(err), err.text("zh"))
    paid = SettlementError.overpaid("upstream", 123456, 100000, first=True)
    assert str(paid) == ("`upstream` paid 1,234.56 (paid.upstream in the claim), more than the 1,000.00 "
                         "of the claim's total")
    assert paid.text("zh") == ("`upstream` 支付了 1,234.56（结算单中的 paid.upstream），"
                               "超过结算单总费用 1,000.00")
    assert SettlementError("a reason from elsewhere").text("zh") == "a reason from elsewhere"


def test_a_batch_s_unsettled_claims_are_told_in_each_language_and_pickle() -> None:
    import pickle

    from yibao.dsl.errors import DIVISION_BY_ZERO, ClaimsUnsettled, SettlementError

    one = SettlementError.failed("p.yb:25", "claim", "b1", DIVISION_BY_ZERO, "_ -> 20% / person.age")
    err = ClaimsUnsettled([(1, one)], "claims.jsonl")
    assert str(err) == ("claims.jsonl: 1 claim could not be settled\n"
                        "  row 1: p.yb:25: error while settling claim b1: division by zero\n"
                        "      _ -> 20% / person.age")
    assert err.text("zh").splitlines()[:2] == ["claims.jsonl：1 份结算单未能结算",
                                               "  row 1：p.yb:25：结算单 b1 结算时出错：除数为零"]
    again = pickle.loads(pickle.dumps(err))
    assert (again.text("zh"), again.failures[0][1].claim) == (err.text("zh"), "b1")
