"""The explainer's widgets. Each one renders part of an ``Explanation``; none of them computes a figure."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable, Input, OptionList
from textual.widgets.option_list import Option
from yibao.compiler.text_width import clip, clip_middle

from yibao.highlight import styled_line

from .explanation import Explanation, StepView, word

NAME_CELLS = 20  # a bill line's name in the table; longer (Chinese) names end in "…"
NAME_CELLS_COMPACT = 16
CODE_CELLS = 10
PAYER_LABEL_CELLS = 22  # a payer's label in the summary bar


# Shorter labels where the bar is narrow; the letter keeps the long ones.


class SummaryBar(Widget):
    """The claim, the policy and the figures that matter: total, each payer, the person, the share.

    Figures are packed whole onto as many lines as the width needs, so a long Chinese payer
    label never splits a figure from its amount.
    """

    DEFAULT_CSS = """
    SummaryBar { height: auto; padding: 0 0 0 1; background: $boost; }
    """

    def __init__(self, explanation: Explanation, lang: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.explanation = explanation
        self.lang = lang

    def show(self, explanation: Explanation, lang: str) -> None:
        self.explanation, self.lang = explanation, lang
        self.refresh(layout=True)

    def items(self) -> list[tuple[str, str, bool]]:
        """(label, value, strong) of each figure, as shown."""
        out = []
        for f in self.explanation.summary:
            label = f.label(self.lang, short=True)
            if f.payer:
                label = clip(label, PAYER_LABEL_CELLS)
            out.append((label, f.value, f.strong or f.key == "total"))
        return out

    def _pack(self, width: int) -> Text:
        e, lang = self.explanation, self.lang
        width = max(width, 20)
        date = e.settlement.claim.date.isoformat()
        head = f"{word('claim', lang)} {e.claim_id} · {date} · {e.policy_title(lang)}"
        text = Text(clip(head, width), style="dim")
        sep = " │ "
        used = width  # forces a new line before the first figure
        for label, value, strong in self.items():
            piece = Text.assemble((label + " ", ""), (value, "bold" if strong else ""))
            size = cell_len(piece.plain)
            if used + cell_len(sep) + size > width:
                text.append("\n")
                used = 0
            else:
                text.append(sep, style="dim")
                used += cell_len(sep)
            text.append_text(piece)
            used += size
        return text

    def render(self) -> RenderableType:
        return self._pack(self.content_region.width or 80)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._pack(width).plain.split("\n"))


class LinesTable(DataTable[str]):
    """The bill lines with how each was classified and who bears how much of it."""

    DEFAULT_CSS = """
    LinesTable { height: auto; min-height: 4; max-height: 35%; border: none;
                 border-top: solid $primary 50%; border-title-color: $text; }
    LinesTable:focus { border: none; border-top: solid $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.explanation: Explanation | None = None
        self.lang = "en"
        self.compact = False

    def show(self, explanation: Explanation, lang: str) -> None:
        """(Re)fill the table in ``lang``; the cursor stays on the same line.

        When the table would not fit the terminal's width, the headers take two lines and the
        cells one space of padding instead of two: a one-payer claim then fits 80 columns.
        """
        row = self.cursor_row
        self.explanation, self.lang = explanation, lang
        self.compact = compact = self._too_wide(explanation, lang)
        zh = lang == "zh"
        self.clear(columns=True)
        self.cell_padding = 0 if compact else 1
        self.header_height = 2 if compact else 1
        if compact:
            scope = ("政策\n范围外", "先行\n自付") if zh else ("Out of\nscope", "First\nself-pay")
        else:
            scope = (word("out_of_scope", lang), word("first_self_pay", lang))
        head = [("#", True), (word("code", lang), False), (word("name", lang), False),
                (word("category", lang), False), (word("amount", lang), True),
                (scope[0], True), (scope[1], True)]
        head += [(clip(label, 8 if compact else 12) if zh else name, True)
                 for name, label, _ in explanation.payers]
        head.append((explanation.figure("person").label(lang) if zh else "Person", True))
        pad = " " if compact else ""
        name_cells = NAME_CELLS_COMPACT if compact else NAME_CELLS
        for i, (label, right) in enumerate(head):
            label = "\n".join(pad + part for part in label.split("\n"))
            self.add_column(Text(label, justify="right" if right else "left"), key=f"c{i}")
        for r in explanation.lines:
            cells = [str(r.index + 1), clip(r.code, CODE_CELLS), clip(r.name, name_cells), r.category,
                     r.amount, r.out_of_scope, r.first_self_pay, *r.payers, r.person]
            self.add_row(*[Text(pad + c, justify="right" if right else "left")
                           for c, (_, right) in zip(cells, head, strict=True)], key=str(r.index))
        self.border_title = word("lines", lang)
        if explanation.lines:
            self.move_cursor(row=min(max(row, 0), len(explanation.lines) - 1), animate=False)

    def _too_wide(self, e: Explanation, lang: str) -> bool:
        """Whether the table at full width (two cells of padding) is wider than the terminal."""
        widths = [cell_len(word(k, lang)) for k in ("code", "name", "category", "amount", "out_of_scope",
                                                       "first_self_pay")]
        widths = [max(len(str(len(e.lines))), 1), *widths]
        widths += [cell_len(clip(zh, 12)) if lang == "zh" else len(name) for name, zh, _ in e.payers]
        widths.append(cell_len(e.figure("person").label(lang)) if lang == "zh" else len("Person"))
        for r in e.lines:
            cells = [r.code[:CODE_CELLS], clip(r.name, NAME_CELLS), r.category, r.amount, r.out_of_scope,
                     r.first_self_pay, *r.payers, r.person]
            widths[1:] = [max(w, cell_len(c)) for w, c in zip(widths[1:], cells, strict=True)]
        scrollbar = 2 if len(e.lines) > 6 else 0
        return sum(widths) + 2 * len(widths) + scrollbar > self.app.size.width

    def on_resize(self) -> None:
        if self.explanation is not None and self._too_wide(self.explanation, self.lang) != self.compact:
            self.show(self.explanation, self.lang)

    async def _on_click(self, event: events.Click) -> None:
        """One click on a line selects it (a DataTable wants a second click on a new row)."""
        before = self.cursor_coordinate
        await super()._on_click(event)
        if event.style.meta.get("row", -1) >= 0 and self.cursor_coordinate != before:
            self.action_select_cursor()


class StepList(OptionList):
    """The settlement's steps in trace order; the highlighted one is the current step."""

    DEFAULT_CSS = """
    StepList { width: 36%; min-width: 24; max-width: 60; height: 1fr; border: none;
               border-top: solid $primary 50%; border-right: solid $primary 50%; border-title-color: $text;
               text-wrap: nowrap; text-overflow: ellipsis; }
    StepList:focus { border: none; border-top: solid $accent; border-right: solid $primary 50%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[Explanation, str] | None = None
        self._room = 0

    def show(self, explanation: Explanation, lang: str, current: int) -> None:
        self._shown = (explanation, lang)
        digits = len(str(len(explanation.steps)))
        self._room = room = self.scrollable_content_region.width - digits - 1

        def title(sv: StepView) -> str:
            return clip_middle(sv.title(lang), room) if room > 8 else sv.title(lang)

        self.set_options(Option(Text.assemble((f"{sv.index + 1:>{digits}} ", "dim"), title(sv)))
                         for sv in explanation.steps)
        if explanation.steps:
            self.highlighted = current
        self.border_title = word("steps", lang)

    def on_resize(self) -> None:
        if self._shown is not None and self.highlighted is not None:
            digits = len(str(len(self._shown[0].steps)))
            if self.scrollable_content_region.width - digits - 1 != self._room:
                self.show(*self._shown, self.highlighted)


class StepDetail(ScrollView, can_focus=True):
    """The current step: formula with its figures, the inputs it read, its label and citation.

    The text is laid out once per step (and per width) and drawn line by line, so a step
    repaints this panel without a new layout of the whole screen.
    """

    DEFAULT_CSS = """
    StepDetail { height: 1fr; border: none; border-top: solid $primary 50%; border-title-color: $text;
                 padding: 0 1; overflow-x: hidden; }
    StepDetail:focus { border: none; border-top: solid $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.renderable: RenderableType = Text("")
        self._strips: list[Strip] = []
        self._width = 0

    def show(self, explanation: Explanation, sv: StepView | None, lang: str, *, clerk: bool = False) -> None:
        self.renderable = self.renderable_for(explanation, sv, lang, clerk=clerk)
        self.border_title = sv.title(lang) if sv else ""
        self._layout_text()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def _layout_text(self) -> None:
        width = self.scrollable_content_region.width
        self._width = width
        if width <= 0:
            self._strips = []
            return
        console = self.app.console
        options = console.options.update(width=width, height=None, highlight=False)
        lines = console.render_lines(self.renderable, options, style=self.rich_style, pad=False)
        self._strips = [Strip(line) for line in lines]
        size = Size(width, len(self._strips))
        if size != self.virtual_size:
            self.virtual_size = size
        self.refresh()

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width:
            self._layout_text()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self._strips):
            return Strip.blank(width, self.rich_style)
        return self._strips[index].crop_extend(0, width, self.rich_style)

    @staticmethod
    def renderable_for(e: Explanation, sv: StepView | None, lang: str, *,
                       clerk: bool = False) -> RenderableType:
        if sv is None:
            return Text("—")
        if clerk:
            return StepDetail.clerk_renderable(e, sv, lang)
        s = sv.step
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row(word("formula", lang), Text(s.formula_in(lang), style="bold"))
        if s.result is not None:
            grid.add_row(word("result", lang), Text(s.result, style="bold"))
        for i in sv.inputs:
            grid.add_row(word("inputs", lang), i.describe(lang))
        if s.claim_line is not None and s.claim_line < len(e.lines):
            row = e.lines[s.claim_line]
            grid.add_row("费用明细" if lang == "zh" else "Bill line",
                         f"{row.index + 1}: {row.code} {row.name} ({row.category}) {row.amount}")
            grid.add_row("分担" if lang == "zh" else "Borne by", e.line_shares(row, lang))
        grid.add_row(word("label", lang), f"{s.zh} / {s.en}")
        grid.add_row("规则" if lang == "zh" else "Rule", f"{s.rule} ({s.kind})")
        if s.citation:
            grid.add_row(word("citation", lang), s.citation_in(lang))
        grid.add_row(word("source", lang), sv.where(lang))
        return grid

    @staticmethod
    def clerk_renderable(e: Explanation, sv: StepView, lang: str) -> RenderableType:
        """The clerk's view of a step: what happened, in a sentence, and the document behind it."""
        s = sv.step
        zh = lang == "zh"
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row("说明" if zh else "What", Text(e.sentence(sv, lang), style="bold"))
        if s.claim_line is not None and s.claim_line < len(e.lines):
            row = e.lines[s.claim_line]
            grid.add_row("费用明细" if zh else "Bill line",
                         f"{row.index + 1}: {row.code} {row.name} ({row.category}) {row.amount}")
            grid.add_row("分担" if zh else "Borne by", e.line_shares(row, lang))
        citation = s.citation_in(lang)
        if citation and s.kind != "parameter":  # a parameter's sentence names its document already
            grid.add_row(word("citation", lang), citation)
        return grid


class SourceView(ScrollView, can_focus=True):
    """The policy file the current rule is written in, its code coloured (``yibao.highlight``) and
    the rule's lines highlighted.

    Lines are drawn one at a time as they scroll into view, so moving to another step costs
    the same for a long policy file as for a short one.
    """

    DEFAULT_CSS = """
    SourceView { height: 1fr; border: none; border-top: solid $primary 50%; border-title-color: $text;
                 overflow: auto auto; scrollbar-size-horizontal: 0; }
    SourceView:focus { border: none; border-top: solid $accent; }
    SourceView .source-view--highlight { background: $accent 35%; text-style: bold; }
    SourceView .source-view--gutter { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"source-view--highlight", "source-view--gutter"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._files: dict[str, list[str]] = {}
        self._lines: list[str] = []
        self.shown: tuple[str, int, int] = ("", 0, 0)  # (file, first line, last line) highlighted

    def show(self, explanation: Explanation, sv: StepView | None) -> None:
        if sv is None:
            return
        s = sv.step
        key = (s.file, s.line, max(s.end_line, s.line))
        if key == self.shown:
            return
        if s.file != self.shown[0]:
            lines = self._files.get(s.file)
            if lines is None:
                lines = self._files[s.file] = explanation.source_text(sv).split("\n")
            self._lines = lines
            longest = max((cell_len(line) for line in lines), default=0)
            self.virtual_size = Size(self._gutter() + 1 + longest, len(lines))
            self.border_title = s.file
        self.shown = key
        first, last = key[1], key[2]
        self.border_subtitle = f"{first}–{last}" if last > first else str(first)
        self._centre()
        self.refresh()

    def show_again(self) -> None:
        """Centre the rule again once the pane is back in view (the author's view)."""
        self._centre()
        self.refresh()

    def _gutter(self) -> int:
        return len(str(len(self._lines)))

    def _centre(self) -> None:
        """Scroll so that the rule's lines sit in the middle of the view."""
        _, first, last = self.shown
        room = self.scrollable_content_region.height
        top = first - 1 - max((room - (last - first + 1)) // 2, 0)
        self.scroll_to(x=0, y=max(top, 0), animate=False, immediate=True)

    def on_resize(self) -> None:
        self._centre()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        number = scroll_y + y + 1
        if number > len(self._lines):
            return Strip.blank(width, base)
        _, first, last = self.shown
        inside = first <= number <= last
        style = base + self.get_component_rich_style("source-view--highlight") if inside else base
        gutter = base + self.get_component_rich_style("source-view--gutter")
        if inside:
            gutter += style
        strip = Strip([
            Segment(f"{number:>{self._gutter()}}", gutter),
            Segment("▶" if inside else " ", style),  # visible without colour, too
            *(Segment(text, style + colour)
              for text, colour in styled_line(self._lines[number - 1], self.app.current_theme.dark)),
        ])
        # the rule's lines are marked across the whole width of the view
        return strip.crop_extend(scroll_x, scroll_x + width, style)


class SearchBar(Input):
    """``/``: find the next step whose label, rule, formula, inputs or citation mention the text."""

    DEFAULT_CSS = """
    SearchBar { dock: bottom; display: none; border: tall $accent; }
    SearchBar.-open { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", show=True)]

    class Closed(Message):
        """The search was closed without a jump."""

    def open(self, lang: str) -> None:
        self.placeholder = "搜索步骤…(回车查找下一个,Esc 关闭)" if lang == "zh" else \
            "Search steps… (Enter: next match, Esc: close)"
        self.add_class("-open")
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")

    def action_close(self) -> None:
        self.close()
        self.post_message(self.Closed())
