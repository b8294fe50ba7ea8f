"""Screens around the explanation: help, the claim picker (a folder of claims) and export."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from yibao.dsl.errors import YibaoError

from .explanation import ClaimEntry, Explanation, claim_entries, load_explanation

if TYPE_CHECKING:
    from yibao.compiler.loader import Policy

    from yibao.config import Bureau

# (keys, zh, en) as the help screen lists them.
KEYS: tuple[tuple[str, str, str], ...] = (
    ("↓ n", "下一步", "next step"),
    ("↑ p", "上一步", "previous step"),
    ("Home End", "第一步 / 最后一步", "first / last step"),
    ("Enter / click", "在费用明细中:跳到该行的第一步", "on a bill line: jump to its first step"),
    ("Tab", "切换面板", "move between panels"),
    ("l", "切换中文 / 英文标签", "switch Chinese / English labels"),
    ("/", "搜索步骤(再按回车找下一个)", "search the steps (Enter again: next match)"),
    ("v", "切换经办视图 / 政策编写视图", "switch the clerk's view / the author's view"),
    ("e", "导出说明函(HTML、Markdown 或纯文本)", "export the letter (HTML, Markdown or plain text)"),
    ("o", "选择另一份结算单(打开文件夹时)", "choose another claim (when a folder was opened)"),
    ("?", "帮助", "this help"),
    ("q", "退出", "quit"),
)


class HelpScreen(ModalScreen[None]):
    """What the keys do, in the current language."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: auto; max-width: 90%; height: auto; max-height: 90%;
                            border: round $accent; background: $surface; padding: 0 1; }
    /* The box is as wide as its content: the content must not be 1fr of it (0 wide in Textual 8). */
    HelpScreen Static { width: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def compose(self) -> ComposeResult:
        zh = self.lang == "zh"
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for keys, k_zh, k_en in KEYS:
            grid.add_row(keys, k_zh if zh else k_en)
        note = ("每一步的数字都取自结算结果及其计算过程,本程序不重新计算。" if zh else
                "Every figure comes from the settlement and its steps; nothing is recomputed here.")
        with Vertical() as box:
            box.border_title = "帮助" if zh else "Help"
            box.border_subtitle = "Esc"
            yield Static(grid)
            yield Static(Text("\n" + note, style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)


class ClaimPicker(Screen[Explanation | None]):
    """A folder's claims to choose from; a claim that fails shows its errors here, not a traceback."""

    DEFAULT_CSS = """
    ClaimPicker { layout: vertical; }
    ClaimPicker #picker-title { padding: 0 1; background: $boost; }
    ClaimPicker OptionList { height: 1fr; border: round $accent; }
    ClaimPicker #picker-error { height: auto; max-height: 10; color: $error; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Back")]

    def __init__(self, policy: Policy, root: Path, files: Sequence[Path], lang: str, *,
                 show_id: bool = False, bureau: Bureau | None = None) -> None:
        super().__init__()
        self.policy, self.root, self.lang = policy, root, lang
        self.show_id, self.bureau = show_id, bureau
        self.entries: list[ClaimEntry] = claim_entries(policy, files, show_id=show_id)
        self.files = [e.path for e in self.entries]

    def compose(self) -> ComposeResult:
        zh = self.lang == "zh"
        title = (f"选择结算单 · {self.root} · 政策 {self.policy.id}" if zh
                 else f"Choose a claim · {self.root} · policy {self.policy.id}")
        yield Static(title, id="picker-title", markup=False)
        yield OptionList(*(Option(self._row(e)) for e in self.entries), id="picker-list")
        empty = ("此文件夹中没有适用本政策的结算单" if zh
                 else "No claim in this folder is one this policy covers")
        yield Static("" if self.entries else empty, id="picker-error", markup=False)
        yield Footer()

    def _row(self, e: ClaimEntry) -> Text:
        """``id  date  person  total``, aligned; a claim that does not validate says so."""
        if e.problem:
            note = ("（未通过校验，选择查看原因）" if self.lang == "zh"
                    else " (not valid: choose it to see why)")
            return Text.assemble((e.id, "bold"), (note, "dim"))
        ids = max((cell_len(x.id) for x in self.entries), default=0)
        totals = max((len(x.total) for x in self.entries), default=0)
        persons = max((len(x.person) for x in self.entries), default=0)
        pad = " " * (ids - cell_len(e.id))
        return Text.assemble((e.id + pad, "bold"), "  ", e.date, "  ", e.person.ljust(persons), "  ",
                             (e.total.rjust(totals), ""))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(event.option_index)

    def choose(self, index: int) -> None:
        """Settle the chosen claim and close the picker, or show why it cannot be settled."""
        path = self.files[index]
        try:
            explanation = load_explanation(self.policy, path, show_id=self.show_id, bureau=self.bureau)
        except YibaoError as err:
            from yibao.messages import error_text

            self.query_one("#picker-error", Static).update(error_text(err, self.lang))
            return
        self.dismiss(explanation)

    def action_cancel(self) -> None:
        self.dismiss(None)


EXPORT_FORMATS = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html"}
SUFFIX = {"html": ".html", "markdown": ".md", "text": ".txt"}


class ExportScreen(ModalScreen[tuple[Path, str] | None]):
    """Where to write the letter; ``.html`` gives the HTML letter, ``.md`` Markdown, anything else text."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 72; max-width: 95%; height: auto; border: round $accent;
                              background: $surface; padding: 0 1; }
    ExportScreen Horizontal { height: auto; align: right middle; }
    ExportScreen Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: Path, lang: str) -> None:
        super().__init__()
        self.default, self.lang = default, lang

    def compose(self) -> ComposeResult:
        zh = self.lang == "zh"
        with Vertical() as box:
            box.border_title = "导出说明函" if zh else "Export the letter"
            yield Static("文件名以 .html 结尾为网页（可打印），.md 为 Markdown，其他为纯文本。" if zh else
                         "A name ending in .html gives the printable page, .md Markdown, "
                         "any other plain text.",
                         markup=False)
            yield Input(str(self.default), id="export-path")
            with Horizontal():
                yield Button("网页" if zh else "HTML", id="export-html", variant="primary")
                yield Button("Markdown", id="export-md")
                yield Button("纯文本" if zh else "Text", id="export-txt")
                yield Button("取消" if zh else "Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _path(self) -> Path:
        return Path(self.query_one(Input).value.strip() or str(self.default))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = self._path()
        self.dismiss((path, EXPORT_FORMATS.get(path.suffix.lower(), "text")))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export-cancel":
            self.dismiss(None)
            return
        fmt = {"export-md": "markdown", "export-html": "html"}.get(event.button.id or "", "text")
        self.dismiss((self._path().with_suffix(SUFFIX[fmt]), fmt))

    def action_cancel(self) -> None:
        self.dismiss(None)
