"""A Pygments lexer for policy files, registered as the ``yibao`` lexer (aliases ``yibao``, ``yb``).

The documentation site (``pymdownx.highlight`` picks lexers by alias: ```` ```yibao ````) and
Rich (``Syntax(code, "yibao")``) find it through the ``pygments.lexers`` entry point.

Its words come from the grammar (``dsl/keywords.py``), as do the TextMate grammar's. Keywords
are not reserved in the language (``parameter rate …: rate``), so a word that only ever begins a
statement is a keyword at the start of a line and a name anywhere else on it.
"""

from __future__ import annotations

from functools import cache, lru_cache

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Token,
    Whitespace,
)
from rich.style import Style
from rich.syntax import PygmentsSyntaxTheme

from yibao.dsl import keywords
from yibao.dsl.types import FUNCTIONS, QUANTITIES

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# the words before a declared name: `parameter NAME`, `layer NAME`, `exception NAME` …
DECLARING = ("amend", "check", "exception", "field", "layer", "parameter", "source")
WORD_OPERATORS = ("and", "in", "not", "or")


def names_after_keywords() -> list[tuple[str, str]]:
    """(keyword, regex of the keywords that cannot follow it): right after a line's first keyword,
    such a word is a name (``deductible deductible per year``: the parameter ``deductible``)."""
    inner = set(keywords.inner_keywords())
    out = []
    for word, after in keywords.followers().items():
        cannot = sorted(inner - set(after), key=lambda w: (-len(w), w))
        if cannot:
            out.append((word, "|".join(cannot)))
    return out


def _inner_keywords() -> tuple[str, ...]:
    return tuple(w for w in keywords.inner_keywords() if w not in WORD_OPERATORS)


class YibaoLexer(RegexLexer):
    """Policy files of yibao (医保): parameters, layers, tables, dated values, citations."""

    name = "yibao"
    aliases = ["yibao", "yb"]  # noqa: RUF012 - Pygments' own class attributes
    filenames = ["*.yb"]  # noqa: RUF012
    mimetypes = ["text/x-yibao"]  # noqa: RUF012
    url = "https://example.invalid/yibao"

    tokens = {  # noqa: RUF012
        "root": [
            (r"\n", Whitespace),
            (rf"^([ \t]*)(policy)([ \t]+)({_NAME}(?:\.{_NAME})*)",
             bygroups(Whitespace, Keyword.Declaration, Whitespace, Name.Namespace)),
            (rf"^([ \t]*)({'|'.join(DECLARING)})([ \t]+)({_NAME})",
             bygroups(Whitespace, Keyword.Declaration, Whitespace, Name.Function)),
            (rf"^([ \t]*)(cite)([ \t]+)({_NAME})", bygroups(Whitespace, Keyword, Whitespace, Name.Namespace)),
            (r"^([ \t]*)(enum)\b", bygroups(Whitespace, Keyword.Declaration)),
            *((rf"^([ \t]*)({word})([ \t]+)({cannot})(?![A-Za-z0-9_.])",
               bygroups(Whitespace, Keyword, Whitespace, Name)) for word, cannot in names_after_keywords()),
            (words(keywords.keywords(), prefix=r"^([ \t]*)", suffix=r"\b"),
             bygroups(Whitespace, Keyword)),
            (r"[ \t]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (rf"{_NAME}(?:\.{_NAME})+", Name.Variable),  # visit.level: before `visit` the keyword
            (r'"(?:[^"\\\n]|\\.)*"', String.Double),
            (r'"[^\n]*', String.Double),  # an unclosed string, as the author is typing it
            (r"\d{4}-\d{2}-\d{2}", Literal.Date),
            (r"\d{2}-\d{2}\b", Literal.Date),  # `year starts 07-01`
            (r"\d+(?:\.\d+)?%", Number),
            (r"\d+\.\d+", Number.Float),
            (r"\d+", Number.Integer),
            (words(keywords.constants(), prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            (words(WORD_OPERATORS, prefix=r"\b", suffix=r"\b"), Operator.Word),
            (words(_inner_keywords(), prefix=r"\b", suffix=r"\b"), Keyword),
            (words((*FUNCTIONS,), prefix=r"\b", suffix=r"\b(?=\s*\()"), Name.Builtin),
            (words(tuple(QUANTITIES), prefix=r"\b", suffix=r"\b(?!\.)"), Name.Builtin),
            (r"_(?![A-Za-z0-9_])", Keyword.Pseudo),
            (_NAME, Name),
            (r"->|==|!=|<=|>=|[<>=|+\-*×/]", Operator),
            (r"[(){},:.]", Punctuation),
            (r"[^\s]", Error),  # not the language: full-width `：`, a stray `;`
        ],
    }


@cache
def _lexer() -> YibaoLexer:
    return YibaoLexer()


@cache
def _theme(dark: bool) -> PygmentsSyntaxTheme:
    return PygmentsSyntaxTheme("monokai" if dark else "default")


@lru_cache(maxsize=4096)
def styled_line(line: str, dark: bool = True) -> tuple[tuple[str, Style], ...]:
    """One policy line as (text, Rich style) pieces: foreground colours only, so that whatever the
    view draws behind them (a selection, the rule's highlight) stays visible."""
    theme = _theme(dark)
    plain = theme.get_style_for_token(Token.Text).color
    out = []
    for _, ttype, value in _lexer().get_tokens_unprocessed(line):
        s = theme.get_style_for_token(ttype)
        colour = s.color if s.color != plain else None  # plain text keeps the view's own colour
        out.append((value, Style(color=colour, bold=s.bold, italic=s.italic)))
    return tuple(out)
