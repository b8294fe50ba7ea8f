"""Every broken policy in tests/dsl/broken/ fails with located, hinted errors (snapshots)."""

from __future__ import annotations

from pathlib import Path

import pytest
from yibao.dsl.checks import check
from yibao.dsl.errors import PolicyError
from yibao.dsl.parser import parse, parse_file

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p.name for p in BROKEN.glob("*.yb"))


def errors_of(path: Path) -> PolicyError:
    rel = path.relative_to(Path(__file__).parent)
    with pytest.raises(PolicyError) as info:
        check(parse(path.read_text(encoding="utf-8"), str(rel)))
    return info.value


@pytest.mark.parametrize("name", CASES)
def test_broken_policy_report(name: str, snapshot_txt) -> None:
    err = errors_of(BROKEN / name)
    assert err.diagnostics, "a broken policy must say what is wrong"
    for d in err.diagnostics:
        assert d.span.line >= 1 and d.span.column >= 1
    assert err.format() == snapshot_txt


def test_all_errors_of_a_file_come_together() -> None:
    err = errors_of(BROKEN / "names_unknown_field_and_param.yb")
    messages = [d.message for d in err.diagnostics if d.severity == "error"]
    assert len(messages) == 3
    hints = [d.hint for d in err.diagnostics]
    assert "did you mean `visit.level`?" in hints
    assert "did you mean `local`?" in hints


def test_error_names_file_line_column_and_carets() -> None:
    text = errors_of(BROKEN / "rates_out_of_range.yb").format()
    assert "broken/rates_out_of_range.yb:14:8: error: a rate must lie between 0% and 100%" in text
    assert "              ^^^^" in text


def test_money_plus_rate_is_a_unit_error() -> None:
    err = errors_of(BROKEN / "types_money_plus_rate.yb")
    assert err.diagnostics[0].message == "cannot add money and a rate"
    assert err.diagnostics[0].hint == "did you mean `money × rate`?"


def test_conflicting_exceptions_need_priority() -> None:
    err = errors_of(BROKEN / "exceptions_conflict.yb")
    pairs = {tuple(d.message.split("`")[1:4:2]) for d in err.diagnostics}
    # poverty and low_income exclude each other; the age rule overlaps both.
    assert pairs == {("poverty", "elderly"), ("elderly", "low_income")}


def test_priority_resolves_the_conflict() -> None:
    text = (BROKEN / "exceptions_conflict.yb").read_text(encoding="utf-8")
    fixed = text.replace('"elderly" when', '"elderly" over poverty, low_income when')
    checked = check(parse(fixed, "fixed.yb"))
    assert [e.name for e in checked.policy.parameters[0].exceptions] == [
        "poverty", "elderly", "low_income"]


def test_bundled_policy_is_clean() -> None:
    root = Path(__file__).resolve().parents[2] / "policies"
    for path in sorted(root.rglob("*.yb")):
        checked = check(parse_file(path))
        assert not [w for w in checked.warnings if w.severity == "error"]
