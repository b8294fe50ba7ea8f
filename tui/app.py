"""``yibao explain``: a settlement, step by step, in the terminal.

The app shows an ``Explanation`` (tui/explanation.py) and nothing else: every figure on
screen is a string the settlement or its trace already holds.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, OptionList

from .explanation import Explanation, StepView
from .screens import ClaimPicker, ExportScreen, HelpScreen
from .widgets import LinesTable, SearchBar, SourceView, StepDetail, StepList, SummaryBar

if TYPE_CHECKING:
    from yibao.compiler.loader import Policy

__all__ = ["ExplainApp", "ExplainScreen"]


class ExplainScreen(Screen[None]):
    """One claim: summary, bill lines, the steps, the current step and the policy source."""

    DEFAULT_CSS = """
    ExplainScreen { layout: vertical; }
    ExplainScreen #body { height: 1fr; }
    ExplainScreen #right { width: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,down", "next_step", "Next", key_display="n/↓"),
        Binding("p,up", "previous_step", "Prev", key_display="p/↑"),
        Binding("home", "first_step", "First", show=False),
        Binding("end", "last_step", "Last", show=False),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("e", "export", "Export"),
        Binding("o", "open_claim", "Claims"),
    ]

    def __init__(self, explanation: Explanation, lang: str = "en", *, can_pick: bool = False) -> None:
        super().__init__()
        self.explanation = explanation
        self.lang = lang
        self.can_pick = can_pick
        self.current = 0
        self.last_query = ""

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield SummaryBar(self.explanation, self.lang, id="summary")
        yield LinesTable(id="lines")
        with Horizontal(id="body"):
            yield StepList(id="steps")
            with Vertical(id="right"):
                yield StepDetail(id="detail")
                yield SourceView(id="source")
        yield SearchBar(id="search")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(LinesTable).show(self.explanation, self.lang)
        self.query_one(StepList).show(self.explanation, self.lang, self.current)
        self._show_step()
        self.query_one(StepList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_claim":
            return self.can_pick
        return True

    # ------------------------------------------------------------------ the current step
    @property
    def step(self) -> StepView | None:
        steps = self.explanation.steps
        return steps[self.current] if steps else None

    def go(self, index: int) -> None:
        """Make step ``index`` current: highlight it in the list, show it and its source."""
        steps = self.explanation.steps
        if not steps:
            return
        index = min(max(index, 0), len(steps) - 1)
        if index == self.current and self.query_one(StepList).highlighted == index:
            return
        self.current = index
        step_list = self.query_one(StepList)
        if step_list.highlighted != index:
            step_list.highlighted = index
        self._show_step()

    def _show_step(self) -> None:
        sv = self.step
        self.query_one(StepDetail).show(self.explanation, sv, self.lang)
        self.query_one(SourceView).show(self.explanation, sv)
        n = len(self.explanation.steps)
        self.query_one(StepList).border_subtitle = f"{self.current + 1}/{n}" if n else ""
        if sv is not None and sv.claim_line is not None:
            table = self.query_one(LinesTable)
            if table.row_count > sv.claim_line and table.cursor_row != sv.claim_line:
                table.move_cursor(row=sv.claim_line, animate=False)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if isinstance(event.option_list, StepList):
            event.stop()
            # After quick key presses the queue holds highlights that are already out of date:
            # following them would swing the list back and forth.
            if event.option_index == event.option_list.highlighted:
                self.go(event.option_index)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A bill line chosen (Enter or a click): jump to its first step, its classification."""
        event.stop()
        first = self.explanation.first_step_of_line(event.cursor_row)
        if first is not None:
            self.go(first)

    # ------------------------------------------------------------------ actions
    def action_next_step(self) -> None:
        self.go(self.current + 1)

    def action_previous_step(self) -> None:
        self.go(self.current - 1)

    def action_first_step(self) -> None:
        self.go(0)

    def action_last_step(self) -> None:
        self.go(len(self.explanation.steps) - 1)

    def set_language(self, lang: str) -> None:
        """Redraw every label in ``lang``; the current step and line stay where they are."""
        self.lang = lang
        self.query_one(SummaryBar).show(self.explanation, lang)
        self.query_one(LinesTable).show(self.explanation, lang)
        self.query_one(StepList).show(self.explanation, lang, self.current)
        self._show_step()

    def action_search(self) -> None:
        bar = self.query_one(SearchBar)
        bar.value = self.last_query
        bar.open(self.lang)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not isinstance(event.input, SearchBar):
            return
        event.stop()
        query = event.value.strip()
        self.last_query = query
        bar = self.query_one(SearchBar)
        bar.close()
        self.query_one(StepList).focus()
        if not query:
            return
        found = self.explanation.search(query, self.current + 1)
        if found is None:
            self.notify(f"没有步骤包含 “{query}”" if self.lang == "zh" else f"No step mentions “{query}”",
                        severity="warning", markup=False)  # what the clerk typed, not markup
            return
        self.go(found)

    def on_search_bar_closed(self, event: SearchBar.Closed) -> None:
        event.stop()
        self.query_one(StepList).focus()

    def action_export(self) -> None:
        safe = re.sub(r"[^\w.-]+", "_", self.explanation.claim_id) or "claim"
        app = self.app
        folder = app.export_dir if isinstance(app, ExplainApp) else Path.cwd()
        default = folder / f"{safe}-explanation.md"
        self.app.push_screen(ExportScreen(default, self.lang), self._export)

    def _export(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        path, fmt = choice
        try:
            write_explanation(self.explanation, path, lang=self.lang, fmt=fmt)
        except OSError as err:
            self.notify(f"{path}: {err.strerror or err}", severity="error", markup=False)
            return
        self.notify(f"已保存 {path}" if self.lang == "zh" else f"Saved {path}", markup=False)

    def action_open_claim(self) -> None:
        app = self.app
        if isinstance(app, ExplainApp):
            app.pick_claim()


def write_explanation(explanation: Explanation, path: Path, *, lang: str, fmt: str) -> None:
    """Write the letter, all or nothing: a half-written file is never left behind, a device
    is never replaced (``yibao.output``); a failure is an ``OSError`` naming the path."""
    from yibao.output import write_atomic

    write_atomic(path, explanation.letter(lang, fmt))


class ExplainApp(App[None]):
    """The explainer: one claim, or a folder of claims to pick from."""

    TITLE = "yibao explain"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "toggle_language", "中文/English", key_display="l"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, explanation: Explanation | None = None, *, policy: Policy | None = None,
                 claims: Sequence[Path] = (), root: Path | None = None, lang: str = "en",
                 export_dir: Path | None = None, show_id: bool = False) -> None:
        super().__init__()
        if explanation is None and (policy is None or not claims):
            raise ValueError("ExplainApp needs an explanation, or a policy and claims to pick from")
        self.explanation = explanation
        self.policy = policy
        self.claims = list(claims)
        self.root = root or (self.claims[0].parent if self.claims else Path.cwd())
        self.lang = lang
        self.export_dir = export_dir or Path.cwd()
        self.show_id = show_id  # claims picked from the folder show the person's ID whole

    def on_mount(self) -> None:
        # What exists once the app is up (policy, settlement, widgets, styles) lives as long as
        # the app: keep it out of the collector's full passes, which otherwise stall a key press
        # every dozen steps on a large claim.
        self.call_after_refresh(gc.freeze)
        if self.explanation is not None:
            self.push_screen(ExplainScreen(self.explanation, self.lang, can_pick=bool(self.claims)))
        else:
            self.pick_claim()

    def on_unmount(self) -> None:
        gc.unfreeze()  # the process may go on (tests, a script): let it collect them again

    def pick_claim(self) -> None:
        assert self.policy is not None
        self.push_screen(ClaimPicker(self.policy, self.root, self.claims, self.lang, show_id=self.show_id),
                         self._picked)

    def _picked(self, explanation: Explanation | None) -> None:
        if explanation is None:
            if not isinstance(self.screen, ExplainScreen):
                self.exit()
            return
        self.explanation = explanation
        screen = ExplainScreen(explanation, self.lang, can_pick=True)
        if isinstance(self.screen, ExplainScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        for screen in self.screen_stack:
            if isinstance(screen, ExplainScreen):
                screen.set_language(self.lang)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.lang))
