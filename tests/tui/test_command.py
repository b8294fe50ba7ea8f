"""`yibao explain`: text without a terminal, the app with one, errors on stderr with exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from yibao.tui import command
from yibao.tui.app import ExplainApp
from yibao.tui.explanation import load_explanation

from yibao.cli import main

from .conftest import JIUJIANG, JIUJIANG_CLAIM, write_claim


def run(*args: str):
    return CliRunner().invoke(main, ["explain", *map(str, args)])


def test_text_flag_prints_the_letter_then_every_step(jiujiang) -> None:
    result = run("--text", JIUJIANG, JIUJIANG_CLAIM)
    assert result.exit_code == 0
    e = load_explanation(jiujiang, JIUJIANG_CLAIM)
    assert result.stdout == e.letter("en") + "\n" + e.steps_text("en")
    steps = result.stdout[result.stdout.index("\nSteps\n"):]
    assert "basic fund · deductible" in steps and "formula: deductible 400.00" in steps
    assert "given by row `local, 2, _`" in steps
    assert "where: policies/jiujiang/resident_inpatient.yb, line 51" in steps


def test_no_terminal_prints_text_in_chinese(jiujiang) -> None:
    result = run("--lang", "zh", JIUJIANG, JIUJIANG_CLAIM)  # CliRunner's stdout is not a tty
    assert result.exit_code == 0
    e = load_explanation(jiujiang, JIUJIANG_CLAIM)
    assert result.stdout == e.letter("zh") + "\n" + e.steps_text("zh")
    assert "统筹基金支付 · 起付线" in result.stdout and "取值:表格行 `local, 2, _`" in result.stdout


def test_a_folder_prints_every_claim(tmp_path: Path) -> None:
    data = json.loads(JIUJIANG_CLAIM.read_text(encoding="utf-8"))
    write_claim(tmp_path, "a.json", {**data, "id": "A-1"})
    write_claim(tmp_path, "b.json", {**data, "id": "B-2"})
    result = run("--text", JIUJIANG, tmp_path)
    assert result.exit_code == 0
    assert "\nClaim:    A-1\n" in result.stdout and "\nClaim:    B-2\n" in result.stdout


def test_a_folder_with_a_bad_claim_reports_it_and_fails(tmp_path: Path) -> None:
    data = json.loads(JIUJIANG_CLAIM.read_text(encoding="utf-8"))
    write_claim(tmp_path, "a.json", {**data, "id": "A-1"})
    (tmp_path / "b.json").write_text("{not json", encoding="utf-8")
    result = run("--text", JIUJIANG, tmp_path)
    assert result.exit_code == 1
    assert "\nClaim:    A-1\n" in result.stdout
    assert "b.json: claim rejected" in result.stderr and "not valid JSON" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    (("missing.json",), "missing.json: claim rejected\n  $: cannot read"),
    (("policies/liaocheng/claims/special_drugs/osimertinib_poverty.json",),
     "does not cover this claim"),
])
def test_bad_claims_exit_1_without_a_traceback(args: tuple[str, ...], message: str) -> None:
    result = run(JIUJIANG, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_claim_errors_list_every_issue(tmp_path: Path) -> None:
    data = json.loads(JIUJIANG_CLAIM.read_text(encoding="utf-8"))
    data["lines"][0]["amount"] = "1.234"
    data["visit"]["level"] = 9
    path = write_claim(tmp_path, "bad.json", data)
    result = run("--text", JIUJIANG, path)
    assert result.exit_code == 1
    assert "lines[0].amount" in result.stderr and "visit.level" in result.stderr


def test_policy_errors_exit_1(tmp_path: Path) -> None:
    result = run("tests/dsl/broken/bands_gap.yb", JIUJIANG_CLAIM)
    assert result.exit_code == 1
    assert "bands_gap.yb:16:5: error" in result.stderr
    assert "Traceback" not in result.output


def test_an_empty_folder_is_a_claim_error(tmp_path: Path) -> None:
    result = run(JIUJIANG, tmp_path)
    assert result.exit_code == 1
    assert "no claim files" in result.stderr


def test_a_terminal_starts_the_app(monkeypatch, tmp_path: Path) -> None:
    started: list[ExplainApp] = []
    monkeypatch.setattr(ExplainApp, "run", lambda self: started.append(self))
    assert command.explain(JIUJIANG, JIUJIANG_CLAIM, interactive=True, lang="zh") == 0
    assert started[0].explanation is not None and started[0].lang == "zh"
    assert command.explain(JIUJIANG, JIUJIANG_CLAIM.parent, interactive=True) == 0
    assert started[1].explanation is None and JIUJIANG_CLAIM in started[1].claims
    # --text never starts it, terminal or not
    monkeypatch.setattr(command, "is_interactive", lambda: True)
    out: list[str] = []
    assert command.explain(JIUJIANG, JIUJIANG_CLAIM, text=True, out=out.append) == 0
    assert len(started) == 2 and out[0].startswith("Your medical-insurance settlement explained")


def test_is_interactive_needs_both_ends_to_be_terminals() -> None:
    class Fake:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    assert command.is_interactive(Fake(True), Fake(True))
    assert not command.is_interactive(Fake(False), Fake(True))
    assert not command.is_interactive(Fake(True), Fake(False))
