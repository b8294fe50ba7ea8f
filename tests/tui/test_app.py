"""The app, driven by Pilot: stepping, lines, language, search, export, help, and SVG snapshots."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import DataTable
from yibao.compiler.money import money_display
from yibao.tui.app import AUTHOR, ExplainApp, ExplainScreen
from yibao.tui.explanation import Explanation, load_explanation
from yibao.tui.screens import ExportScreen, HelpScreen
from yibao.tui.widgets import LinesTable, SourceView, StepDetail, StepList, SummaryBar

import yibao

from ..conftest import POLICIES

SIZE = (100, 30)


def text_of(renderable: object) -> str:
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def explain_screen(app: ExplainApp) -> ExplainScreen:
    assert isinstance(app.screen, ExplainScreen)
    return app.screen


def detail_text(app: ExplainApp) -> str:
    return text_of(explain_screen(app).query_one(StepDetail).renderable)


async def test_first_screen_shows_the_settlement_s_figures(lc: Explanation) -> None:
    s = lc.settlement
    app = ExplainApp(lc, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = explain_screen(app)
        bar = text_of(screen.query_one(SummaryBar).render())
        for figure in (s.total_fen, *s.payer_fen, s.person_fen):
            assert money_display(figure) in bar
        assert f"{s.reimbursed_share * 100:.2f}%" in bar
        table = screen.query_one(LinesTable)
        assert table.row_count == len(s.lines)
        for i, share in enumerate(s.lines):
            cells = [c.plain.strip() for c in table.get_row_at(i)]
            assert cells[4:] == [money_display(share.amount), money_display(share.out_of_scope),
                                 money_display(share.first_self_pay),
                                 *(money_display(p) for p in share.payers), money_display(share.person)]
        assert screen.current == 0
        assert screen.query_one(StepList).highlighted == 0
        assert s.trace[0].formula in detail_text(app)


async def test_stepping_forward_and_back(jj: Explanation) -> None:
    app = ExplainApp(jj, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        screen = explain_screen(app)
        await pilot.press("n", "n", "n")
        assert screen.current == 3
        await pilot.press("p")
        assert screen.current == 2
        await pilot.press("down", "down")
        assert screen.current == 4
        await pilot.press("up")
        assert screen.current == 3
        step = jj.steps[3].step
        assert step.formula in detail_text(app)
        assert screen.query_one(SourceView).shown == (step.file, step.line, step.end_line)
        assert screen.query_one(StepList).highlighted == 3
        await pilot.press("p", "p", "p", "p", "p")  # stops at the first step
        assert screen.current == 0
        await pilot.press("end")
        assert screen.current == len(jj.steps) - 1
        await pilot.press("n")  # and at the last
        assert screen.current == len(jj.steps) - 1
        await pilot.press("home")
        assert screen.current == 0


async def test_band_step_shows_its_slice_and_source(lc: Explanation) -> None:
    app = ExplainApp(lc, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        screen = explain_screen(app)
        band = lc.search("critical.band3")
        screen.go(band)
        await pilot.pause()
        step = lc.steps[band].step
        text = detail_text(app)
        assert "slice 100,000.00 to 115,428.00" in text and "11,571.00" in text
        assert "critical_rate_2" in text and "exception poverty" in text
        view = screen.query_one(SourceView)
        assert view.shown == (step.file, step.line, step.line)
        assert view.border_title == "policies/liaocheng/poverty_inpatient.yb"


async def test_selecting_a_line_jumps_to_its_first_step(lc: Explanation) -> None:
    app = ExplainApp(lc, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        screen = explain_screen(app)
        table = screen.query_one(LinesTable)
        table.focus()
        await pilot.press("down", "down", "down", "enter")
        first = lc.first_step_of_line(3)
        assert screen.current == first
        assert lc.steps[first].claim_line == 3
        assert "C0311004" in detail_text(app)


async def test_the_mouse_selects_lines_and_steps(lc: Explanation) -> None:
    app = ExplainApp(lc, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        screen = explain_screen(app)
        # the table's top border, its header, then the bill lines
        table = screen.query_one(LinesTable)
        assert await pilot.click(LinesTable, offset=(10, 1 + table.header_height + 4))
        await pilot.pause()
        assert screen.current == lc.first_step_of_line(4)
        steps = screen.query_one(StepList)
        steps.scroll_home(animate=False)
        await pilot.pause()
        assert await pilot.click(StepList, offset=(6, 1 + 2))
        await pilot.pause()
        assert screen.current == 2


async def test_stepping_moves_the_line_cursor(lc: Explanation) -> None:
    app = ExplainApp(lc, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        screen = explain_screen(app)
        screen.go(lc.first_step_of_line(5))
        await pilot.pause()
        assert screen.query_one(DataTable).cursor_row == 5


async def test_switching_language(jj: Explanation) -> None:
    app = ExplainApp(jj, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        screen = explain_screen(app)
        await pilot.press("n")
        await pilot.press("l")
        assert app.lang == "zh" and screen.lang == "zh"
        assert "总费用" in text_of(screen.query_one(SummaryBar).render())
        assert screen.query_one(LinesTable).border_title == "费用明细"
        assert screen.current == 1
        assert "参数:报销比例" in str(screen.query_one(StepList).get_option_at_index(1).prompt)
        assert "算式" in detail_text(app)
        await pilot.press("l")
        assert app.lang == "en"
        assert "Total" in text_of(screen.query_one(SummaryBar).render())


async def test_search_finds_the_next_matching_step(lc: Explanation) -> None:
    app = ExplainApp(lc, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        screen = explain_screen(app)
        await pilot.press("slash", *"band", "enter")
        assert lc.steps[screen.current].step.rule == "critical.band2"
        await pilot.press("slash", "enter")  # the same text again: the next match
        assert lc.steps[screen.current].step.rule == "critical.band3"
        await pilot.press("slash", "backspace", "backspace", "backspace", "backspace", *"zzz", "enter")
        assert lc.steps[screen.current].step.rule == "critical.band3"
        await pilot.press("slash", "escape")
        assert isinstance(app.focused, StepList)


async def test_a_search_that_reads_like_markup_is_shown_as_typed(lc: Explanation) -> None:
    """Textual reads notifications as markup unless told not to: ``[/]`` would stop the app."""
    app = ExplainApp(lc, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"[/]x[b", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ExplainScreen)
        shown = [n for n in app._notifications if "[/]x[b" in str(n.message)]
        assert shown and not any(n.markup for n in shown)


async def test_export_html_markdown_and_text(jj: Explanation, tmp_path: Path) -> None:
    app = ExplainApp(jj, export_dir=tmp_path, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("enter")  # the default: the HTML letter, in the configured folder
        assert isinstance(app.screen, ExplainScreen)
        html = tmp_path / "JJ-2024-0001-explanation.html"
        assert html.read_text(encoding="utf-8") == jj.letter("en", "html")
        await pilot.press("e")
        await pilot.click("#export-md")
        await pilot.pause()
        md = tmp_path / "JJ-2024-0001-explanation.md"
        assert md.read_text(encoding="utf-8") == jj.letter("en", "markdown")
        await pilot.press("l", "e")
        await pilot.click("#export-txt")
        await pilot.pause()
        txt = tmp_path / "JJ-2024-0001-explanation.txt"
        assert txt.read_text(encoding="utf-8") == jj.letter("zh", "text")
        await pilot.press("e", "escape")
        assert isinstance(app.screen, ExplainScreen)
        assert not list(tmp_path.glob("*.tmp"))


async def test_export_to_a_bad_place_is_reported_not_raised(jj: Explanation, tmp_path: Path) -> None:
    app = ExplainApp(jj, export_dir=tmp_path / "missing" / "folder", view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ExplainScreen)
        assert any("missing" in str(n.message) for n in app._notifications)


async def test_help_and_quit(jj: Explanation) -> None:
    app = ExplainApp(jj, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ExplainScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_record_policy_and_a_reform_open_too() -> None:
    record = load_explanation(yibao.load_policy(POLICIES / "reform2023" / "alliance_surplus.yb"),
                              POLICIES / "reform2023" / "claims" / "alliance_surplus" / "overspent.json")
    app = ExplainApp(record, view=AUTHOR)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = explain_screen(app)
        assert screen.query_one(LinesTable).row_count == 0
        await pilot.press("n", "n")
        assert screen.current == 2
    reform = load_explanation(
        yibao.load_policy(POLICIES / "reform2023" / "resident_inpatient.yb"),
        POLICIES / "reform2023" / "claims" / "resident_inpatient" / "referred_up_pays_the_difference.json")
    app = ExplainApp(reform, view=AUTHOR)
    async with app.run_test(size=SIZE) as pilot:
        screen = explain_screen(app)
        view = screen.query_one(SourceView)
        files = []
        for _ in reform.steps:
            files.append(view.shown[0])
            await pilot.press("n")
        assert {"policies/jiujiang/resident_inpatient.yb",
                "policies/reform2023/resident_inpatient.yb"} <= set(files)
        assert view.border_title == reform.steps[-1].step.file


# ---------------------------------------------------------------- snapshots (no clock, no cursor)
# The clerk's and the author's view in both languages and sizes: tests/tui/test_views.py.
def test_snapshot_band_step(lc: Explanation, snap_compare) -> None:
    assert snap_compare(ExplainApp(lc, view=AUTHOR), press=["slash", *"band", "enter"],
                        terminal_size=(100, 30))
