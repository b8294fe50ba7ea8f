"""The shape of a rendered document, shared by the Markdown and the HTML templates.

Builders fill these with plain text (already in the reader's language); templates
decide the markup and escape every string, so no policy text reaches the output raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)  # right-aligned columns (amounts)
    caption: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not self.numeric:
            self.numeric = [False] * len(self.headers)


@dataclass
class Item:
    """A list item: an optional lead-in in bold, then text."""

    text: str
    lead: str = ""


@dataclass
class Block:
    """One paragraph, table, list, or set of references. ``kind`` tells the template which."""

    kind: str  # para | table | list | refs | facts
    text: str = ""
    lead: str = ""
    table: Table | None = None
    items: list[Item] = field(default_factory=list)
    ordered: bool = False
    cites: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


def para(text: str, lead: str = "") -> Block:
    return Block("para", text=text, lead=lead)


def table(t: Table) -> Block:
    return Block("table", table=t)


def items(entries: list[Item], ordered: bool = False) -> Block:
    return Block("list", items=entries, ordered=ordered)


def facts(entries: list[Item]) -> Block:
    """Label–value pairs, e.g. a document's number and dates."""
    return Block("facts", items=entries)


@dataclass
class Section:
    id: str
    number: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    capitalize: bool = True  # False for a title that is a name as given, e.g. a claim's id

    @property
    def heading(self) -> str:
        """Number and title; a title starts with a capital (English labels are lower case)."""
        title = self.title[:1].upper() + self.title[1:] if self.capitalize else self.title
        if not self.number:
            return title
        if self.number.endswith(("、", "）")):
            return f"{self.number}{title}"
        return f"{self.number} {title}"


@dataclass
class Document:
    lang: str
    kind: str  # policy | changes | letter
    title: str
    subtitle: str = ""
    facts: list[Item] = field(default_factory=list)
    intro: list[Block] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    toc: bool = True
    footer: str = ""
    letterhead: list[str] = field(default_factory=list)  # a letter's: the bureau, its address, hotline
    notes: list[str] = field(default_factory=list)  # a letter's footer lines, from the configuration

    @property
    def toc_label(self) -> str:
        return "目录" if self.lang == "zh" else "Contents"


def slug(text: str) -> str:
    """An ASCII anchor from a name: ``annual_cap`` → ``annual-cap``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
