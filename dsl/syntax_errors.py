"""Lark's syntax errors in a policy author's words: what was found, what would fit, and a hint.

Split from ``parser.py``: the wording (terminal names, keyword suggestions, the common mistakes)
changes for people, the parser for the grammar.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import TYPE_CHECKING, Any

from . import ast, codes
from ._standalone import Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput
from .errors import Diagnostic, suggest
from .phrase import Items, P, Phrase, en

if TYPE_CHECKING:
    from .parser import _BadDedent


KEYWORDS = (
    "policy document effective until applies when rounding source file cite assume enum "
    "parameter from value table exception over classify category class in out of scope first "
    "self pay layer base deductible rate cap fixed bands to above if then else and or not "
    "ceiling at most check holds extends amend before after input amount remainder field year starts"
).split()

# What a person calls the grammar's terminals, for "expected …" messages.
TERMINAL_NAMES = {
    "_NL": P("end of line"),
    "_INDENT": P("an indented block"),
    "_DEDENT": P("the end of the block"),
    "NAME": P("a name"),
    "STRING": P('a quoted string ("…")'),
    "NUMBER": P("a number"),
    "PERCENT": P("a percentage such as 90%"),
    "DATE": P("a date such as 2020-01-01"),
    "MONTHDAY": P("a month and day such as 07-01"),
    "BOOL": P("true or false"),
    "PERIOD": P("`per year`, `per visit`, `per month` or `per quarter`"),
    "COMP_OP": P("a comparison (== != < <= > >=)"),
    "ADD_OP": P("`+` or `-`"),
    "MUL_OP": P("`*` or `/`"),
    "MINUS": "`-`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "COMMA": "`,`",
    "COLON": "`:`",
    "SLASH": "`/`",
    "VBAR": "`|`",
    "EQUAL": "`=`",
    "DOT": "`.`",
    "PLACE": P("`before` or `after`"),
}

# Full-width punctuation a Chinese keyboard types, and the ASCII the language wants outside strings.
FULL_WIDTH = {"：": ":", "，": ",", "（": "(", "）": ")", "％": "%", "“": '"', "”": '"', "＝": "=",
              "＞": ">", "＜": "<", "｜": "|", "．": ".", "－": "-", "＋": "+", "／": "/", "｛": "{",
              "｝": "}", "。": "."}

# Common mistakes, recognised by Lark's match_examples, with the advice to give.
EXAMPLES: dict[str, list[str]] = {
    P('a label is a quoted string, optionally `"中文" / "English"`'): [
        "policy x\n  document \"d\"\nparameter p 起付线: money\n  value 1\n",
    ],
    P("a percentage needs its `%` sign, e.g. `rate 90%`"): [],
}


def _expected_names(expected: set[str]) -> list[str]:
    names = set()
    for term in expected:
        if term in TERMINAL_NAMES:
            names.add(TERMINAL_NAMES[term])
        elif term.isupper() and term.lower() in KEYWORDS:
            names.add(f"`{term.lower()}`")
        else:
            names.add(_anon_terminal(term))
    return sorted(names, key=en)


@cache
def _terminal_patterns() -> dict[str, str]:
    from .parser import _lark  # the parser imports this module; its grammar is read when first needed

    return {t.name: t.pattern.value for t in _lark().terminals}


def _anon_terminal(term: str) -> str:
    """A literal terminal as written (`->`); a pattern's regex is never shown to a person."""
    pattern = _terminal_patterns().get(term)
    if pattern is not None and (term.startswith("__ANON") or term.isupper()):
        return f"`{pattern}`" if term in _literals() else term.lower().replace("_", " ")
    return term


@cache
def _literals() -> frozenset[str]:
    """Terminals that are a fixed text (`->`, `per year`), not a pattern."""
    from ._standalone import PatternStr
    from .parser import _lark

    return frozenset(t.name for t in _lark().terminals if isinstance(t.pattern, PatternStr))


def _unclosed_quote(line: str) -> int | None:
    """The column (0-based) of the first quote of a line whose quotes do not pair up, else None."""
    quotes: list[int] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and quotes and len(quotes) % 2 == 1:
            i += 2
            continue
        if ch == "#" and len(quotes) % 2 == 0:
            break
        if ch == '"':
            quotes.append(i)
        i += 1
    if len(quotes) % 2 == 0:
        return None
    return quotes[0]


def _unclosed_string(path: str, text: str, line: int) -> Diagnostic | None:
    """A syntax error on a line with an unpaired quote is that quote's: the lexer's own complaint
    (about what follows a string that swallowed the rest) would mislead."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    source = lines[line - 1]
    col = _unclosed_quote(source)
    if col is None:
        return None
    end = len(source.rstrip()) + 1
    return Diagnostic(codes.UNCLOSED_STRING, ast.Span(path, line, col + 1, line, max(end, col + 2)),
                      P('this string has no closing `"` on its line'),
                      P("close it before the end of the line, e.g. `{example}`",
                        example='"统筹基金" / "basic fund"'))


def _syntax_diagnostic(err: UnexpectedInput, path: str, text: str) -> Diagnostic:
    line = getattr(err, "line", 0) or 0
    column = getattr(err, "column", 0) or 0
    if isinstance(err, UnexpectedEOF) or line <= 0:
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    token = getattr(err, "token", None)
    if isinstance(token, Token) and token.type == "_INDENT":
        return _indent_diagnostic(token, path)
    unclosed = _unclosed_string(path, text, line)
    if unclosed is not None:
        return unclosed
    hint = None
    code = codes.SYNTAX
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        message = P("unexpected character {char}", char=repr(char))
        code = codes.CHARACTER
        if char in FULL_WIDTH:
            code = codes.FULL_WIDTH
            message = P("full-width `{char}` outside a string", char=char)
            hint = P("use ASCII `{char}`; only quoted text (labels, citations) may be full-width",
                     char=FULL_WIDTH[char])
        elif char == "'":
            hint = P('strings use double quotes: "…"')
        elif char == ":":
            hint = P("a parameter's type follows its label: `{example}`",
                     example='parameter name "标签" / "label": money')
        elif char == "¥":
            hint = P("write money as a plain number, e.g. `500.00`")
        elif char and unicodedata.east_asian_width(char) in "WF":
            hint = P('Chinese text belongs in a quoted label: "中文" / "English"')
        width = 1
    else:
        expected = _expected_names(_accepted(err))
        found = _describe_token(token)
        message = P("unexpected {found}", found=found)
        if expected:
            message = P("unexpected {found}; expected {expected}", found=found, expected=_one_of(expected))
        if isinstance(token, Token) and token.type == "NAME":
            hint = suggest(str(token), KEYWORDS)
        width = len(str(token)) if isinstance(token, Token) and str(token) else 1
        if isinstance(token, Token) and token.type in ("_DEDENT", "_NL"):
            width = 1
    span = ast.Span(path, line, column, line, column + max(width, 1))
    return Diagnostic(code, span, message, hint)


def _indent_diagnostic(token: Token, path: str) -> Diagnostic:
    """A line indented deeper than its block: at that line's indentation (Lark places the token at
    the end of the line before), naming a tab when there is one."""
    indent = str(token).rsplit("\n", 1)[-1]
    line = token.end_line or token.line or 1
    span = ast.Span(path, line, len(indent) + 1, line, len(indent) + 2)  # where the line's text starts
    if "\t" in indent:
        return Diagnostic(codes.TAB, span, P("this line is indented with a tab, which counts as 8 columns: "
                                             "deeper than the block it belongs to"),
                          P("indent with spaces, as the lines above"))
    return Diagnostic(codes.INDENTATION, span,
                      P("this line is indented {n} columns, more than the block it belongs to",
                        n=len(indent)),
                      P("indent it as the lines above it; a block starts only after a line that opens one"))


def _one_of(names: list[Any]) -> Items:
    """``a``, ``a or b``, ``a, b or c``; long lists are cut with ``…``."""
    if len(names) > 16:  # a layer's statements and the end of its block (13) are listed whole
        return Items(tuple(names[:16]), cut=True)
    return Items(tuple(names))


def _accepted(err: UnexpectedInput) -> set[str]:
    """Terminals the parser would really accept here.

    LALR merges lookaheads of similar states, so ``err.expected`` can list
    keywords of other blocks; asking the interactive parser is exact.
    """
    parser = getattr(err, "interactive_parser", None)
    if parser is not None:
        try:
            return set(parser.accepts())
        except Exception:
            pass
    return set(getattr(err, "expected", ()) or ())


def _describe_token(token: object) -> Phrase | str:
    if not isinstance(token, Token):
        return P("end of file")
    if token.type == "$END":
        return P("end of file")
    if token.type == "_INDENT":
        return P("indentation")
    if token.type in TERMINAL_NAMES and token.type.startswith("_"):
        return TERMINAL_NAMES[token.type]
    return f"`{token}`"


def _dedent_diagnostic(err: _BadDedent, path: str) -> Diagnostic:
    line = err.token.end_line or 1
    indent = str(err.token).rsplit("\n", 1)[-1]
    levels = sorted(set(err.levels), reverse=True)
    fits = Items(tuple(str(n) for n in levels))
    span = ast.Span(path, line, len(indent) + 1, line, len(indent) + 2)  # where the line's text starts
    if "\t" in indent:
        return Diagnostic(codes.TAB, span,
                          P("this line is indented with a tab, which counts as 8 columns and matches no "
                            "enclosing block"), P("indent with spaces: {fits} columns", fits=fits))
    columns = "column" if err.indent == 1 else "columns"
    return Diagnostic(codes.INDENTATION, span,
                      P("this line is indented {n} {unit}, which matches no enclosing block", n=err.indent,
                        unit=columns),
                      P("indent it as the block it belongs to: {fits} columns", fits=fits))
