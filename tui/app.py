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
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, OptionList

from .explanation import Explanation, StepView
from .screens import ClaimPicker, ExportScreen, HelpScreen
from .widgets import LinesTable, SearchBar, SourceView, StepDetail, StepList, SummaryBar

if TYPE_CHECKING:
    from yibao.compiler.loader import Policy

    from yibao.config import Bureau

__all__ = ["AUTHOR", "CLERK", "ExplainApp", "ExplainScreen"]

CLERK, AUTHOR = "clerk", "author"  # the two views: plain sentences, or the policy's formulas and source

# (keys, action, zh, en, key display, shown in the footer): the footer speaks the screen's language.
SCREEN_KEYS: tuple[tuple[str, str, str, str, str | None, bool], ...] = (
    ("n,down", "next_step", "下一步", "Next", "n/↓", True),
    ("p,up", "previous_step", "上一步", "Prev", "p/↑", True),
    ("home", "first_step", "第一步", "First", None, False),
    ("end", "last_step", "最后一步", "Last", None, False),
    ("slash", "search", "搜索", "Search", "/", True),
    ("v", "toggle_view", "视图", "View", "v", True),
    ("e", "export", "导出", "Export", "e", True),
    ("o", "open_claim", "选单", "Claims", "o", True),
)
APP_KEYS: tuple[tuple[str, str, str, str, str | None, bool], ...] = (
    ("l", "toggle_language", "English", "中文", "l", True),
    ("question_mark", "help", "帮助", "Help", "?", True),
    ("q", "quit", "退出", "Quit", "q", True),
)


def _bindings(keys: tuple[tuple[str, str, str, str, str | None, bool], ...], lang: str) -> list[Binding]:
    return [Binding(k, action, zh if lang == "zh" else en, key_display=shown, show=show)
            for k, action, zh, en, shown, show in keys]


def set_bindings(node: DOMNode, keys: tuple[tuple[str, str, str, str, str | None, bool], ...],
                 lang: str) -> None:
    """Give ``node`` its key bindings described in ``lang`` (Textual reads them per instance)."""
    node._bindings = BindingsMap(_bindings(keys, lang))


class ExplainScreen(Screen[None]):
    """One claim: summary, bill lines, the steps, the current step and the policy source."""

    DEFAULT_CSS = """
    ExplainScreen { layout: vertical; }
    ExplainScreen #body { height: 1fr; }
    ExplainScreen #right { width: 1fr; }
    ExplainScreen.-clerk #source { display: none; }
    ExplainScreen.-clerk StepList { width: 42%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = _bindings(SCREEN_KEYS, "en")  # type: ignore[assignment]

    def __init__(self, explanation: Explanation, lang: str = "en", *, can_pick: bool = False,
                 view: str = CLERK) -> None:
        super().__init__()
        self.explanation = explanation
        self.lang = lang
        self.can_pick = can_pick
        self.current = 0
        self.last_query = ""
        self.view = view
        self.set_class(view == CLERK, "-clerk")
        set_bindings(self, SCREEN_KEYS, lang)

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
        self.query_one(StepDetail).show(self.explanation, sv, self.lang, clerk=self.view == CLERK)
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
        set_bindings(self, SCREEN_KEYS, lang)
        self.refresh_bindings()
        self.query_one(SummaryBar).show(self.explanation, lang)
        self.query_one(LinesTable).show(self.explanation, lang)
        self.query_one(StepList).show(self.explanation, lang, self.current)
        self._show_step()

    def action_toggle_view(self) -> None:
        """The clerk's sentences, or the author's formula, inputs and policy source."""
        self.view = AUTHOR if self.view == CLERK else CLERK
        self.set_class(self.view == CLERK, "-clerk")
        app = self.app
        if isinstance(app, ExplainApp):
            app.view = self.view
        self._show_step()
        if self.view == AUTHOR:
            self.call_after_refresh(self.query_one(SourceView).show_again)
        self.notify(("政策编写视图：算式、参数与政策文件" if self.lang == "zh"
                     else "Author's view: formula, inputs and the policy file") if self.view == AUTHOR else
                    ("经办视图：计算说明" if self.lang == "zh" else "Clerk's view: the steps in words"),
                    timeout=2)

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
        default = folder / f"{safe}-explanation.html"
        self.app.push_screen(ExportScreen(default, self.lang), self._export)

    def _export(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        path, fmt = choice
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # the configured folder may be new
            write_explanation(self.explanation, path, lang=self.lang, fmt=fmt)
        except OSError as err:
            from yibao.messages import os_reason

            self.notify(f"{path}: {os_reason(err.strerror or str(err), self.lang)}", severity="error",
                        markup=False)
            return
        opened = fmt == "html" and isinstance(self.app, ExplainApp) and self.app.open_in_browser(path)
        zh = self.lang == "zh"
        self.notify((f"已保存 {path}" if zh else f"Saved {path}")
                    + (("，已在浏览器中打开" if zh else "; opened in the browser") if opened else ""),
                    markup=False)

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
    BINDINGS: ClassVar[list[BindingType]] = _bindings(APP_KEYS, "en")  # type: ignore[assignment]

    def __init__(self, explanation: Explanation | None = None, *, policy: Policy | None = None,
                 claims: Sequence[Path] = (), root: Path | None = None, lang: str = "en",
                 export_dir: Path | None = None, show_id: bool = False, bureau: Bureau | None = None,
                 view: str = CLERK, browser: bool = False) -> None:
        super().__init__()
        set_bindings(self, APP_KEYS, lang)
        self.bureau = bureau
        self.view = view
        self.browser = browser  # open an exported HTML letter in the browser, when there is one
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
            self.push_screen(ExplainScreen(self.explanation, self.lang, can_pick=bool(self.claims),
                                           view=self.view))
        else:
            self.pick_claim()

    def on_unmount(self) -> None:
        gc.unfreeze()  # the process may go on (tests, a script): let it collect them again

    def pick_claim(self) -> None:
        assert self.policy is not None
        self.push_screen(ClaimPicker(self.policy, self.root, self.claims, self.lang, show_id=self.show_id,
                                     bureau=self.bureau), self._picked)

    def _picked(self, explanation: Explanation | None) -> None:
        if explanation is None:
            if not isinstance(self.screen, ExplainScreen):
                self.exit()
            return
        self.explanation = explanation
        screen = ExplainScreen(explanation, self.lang, can_pick=True, view=self.view)
        if isinstance(self.screen, ExplainScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def open_in_browser(self, path: Path) -> bool:
        """Show an exported letter in the browser when one is there (never in tests or over SSH)."""
        if not self.browser:
            return False
        import webbrowser

        try:
            webbrowser.get()
        except webbrowser.Error:
            return False  # no browser on this machine: the file is saved, that is all
        return webbrowser.open(path.resolve().as_uri())

    def action_toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        set_bindings(self, APP_KEYS, self.lang)
        self.screen.refresh_bindings()
        for screen in self.screen_stack:
            if isinstance(screen, ExplainScreen):
                screen.set_language(self.lang)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.lang))
