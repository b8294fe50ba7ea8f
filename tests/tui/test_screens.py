"""The claim picker (a folder of claims), the help screen and the export dialog."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, OptionList, Static
from yibao.tui.app import AUTHOR, ExplainApp, ExplainScreen
from yibao.tui.screens import KEYS, ClaimPicker, ExportScreen, HelpScreen

from .conftest import JIUJIANG_CLAIM, write_claim

SIZE = (100, 30)


def folder(tmp_path: Path) -> list[Path]:
    data = json.loads(JIUJIANG_CLAIM.read_text(encoding="utf-8"))
    bad = write_claim(tmp_path, "a_bad.json", {**data, "lines": []})
    good = write_claim(tmp_path, "b_good.json", {**data, "id": "GOOD-1"})
    other = write_claim(tmp_path, "c_other.json", {**data, "id": "OTHER-2"})
    # a valid claim of another policy (an employee's) is not listed
    employee = write_claim(tmp_path, "d_employee.json", {**data, "id": "EMP-3",
                                                         "person": {**data["person"], "scheme": "employee"}})
    return [bad, good, other, employee]


async def test_picking_claims_from_a_folder(jiujiang, tmp_path: Path) -> None:
    files = folder(tmp_path)
    app = ExplainApp(policy=jiujiang, claims=files, root=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ClaimPicker)
        listed = app.screen.query_one(OptionList)
        rows = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert rows == ["a_bad (not valid: choose it to see why)",
                        "GOOD-1   2024-03-18  3604**********1234  9,500.00",
                        "OTHER-2  2024-03-18  3604**********1234  9,500.00"]
        await pilot.press("enter")  # the bad claim: its errors, and the picker stays
        assert isinstance(app.screen, ClaimPicker)
        error = str(app.screen.query_one("#picker-error", Static).content)
        assert "claim rejected" in error and "lines" in error
        await pilot.press("down", "enter")
        assert isinstance(app.screen, ExplainScreen)
        assert app.screen.explanation.claim_id == "GOOD-1"
        await pilot.press("n", "n", "o")  # another claim
        assert isinstance(app.screen, ClaimPicker)
        await pilot.press("escape")  # back to the claim shown before, where it was
        assert isinstance(app.screen, ExplainScreen) and app.screen.current == 2
        await pilot.press("o", "down", "down", "enter")
        assert isinstance(app.screen, ExplainScreen)
        assert app.screen.explanation.claim_id == "OTHER-2"
        assert len(app.screen_stack) == 2


async def test_escape_on_the_first_picker_quits(jiujiang, tmp_path: Path) -> None:
    app = ExplainApp(policy=jiujiang, claims=folder(tmp_path), root=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 0


async def test_claims_key_only_with_a_folder(jj) -> None:
    app = ExplainApp(jj, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, ExplainScreen)
        assert app.screen.check_action("open_claim", ()) is False


def screen_text(app: ExplainApp) -> str:
    """What the terminal shows, as text: the composited screen, not the widgets' own content.

    The help screen once opened as an empty box (its content laid out at width 0), which a
    test of the widgets' content alone would not see.
    """
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_help_in_chinese(jj) -> None:
    app = ExplainApp(jj, lang="zh", view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.lang == "zh"
        shown = screen_text(app)
        assert "帮助" in shown
        for keys, zh, _ in KEYS:
            assert keys in shown and zh in shown, (keys, zh)
        await pilot.press("question_mark")
        assert isinstance(app.screen, ExplainScreen)


async def test_help_in_english_shows_every_key(jj) -> None:
    app = ExplainApp(jj, lang="en", view=AUTHOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        for keys, _, en in KEYS:
            assert keys in shown and en in shown, (keys, en)
        assert "Every figure comes from the settlement" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, ExplainScreen)


async def test_export_dialog_takes_a_typed_name(jj, tmp_path: Path) -> None:
    app = ExplainApp(jj, export_dir=tmp_path, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one(Input).value = str(tmp_path / "letter.txt")
        await pilot.press("enter")
        await pilot.pause()
    assert (tmp_path / "letter.txt").read_text(encoding="utf-8") == jj.letter("en", "text")
