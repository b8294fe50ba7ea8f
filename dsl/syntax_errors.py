"""Lark's syntax errors in a policy author's words: what was found, what would fit, and a hint.

Split from ``parser.py``: the wording (terminal names, keyword suggestions, the common mistakes)
changes for people, the parser for the grammar.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from lark import Token, UnexpectedCharacters, UnexpectedInput
from lark.exceptions import UnexpectedEOF

from . import ast
from .errors import Diagnostic, suggest

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
    "_NL": "end of line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "NAME": "a name",
    "STRING": 'a quoted string ("…")',
    "NUMBER": "a number",
    "PERCENT": "a percentage such as 90%",
    "DATE": "a date such as 2020-01-01",
    "MONTHDAY": "a month and day such as 07-01",
    "BOOL": "true or false",
    "PERIOD": "`per year`, `per visit`, `per month` or `per quarter`",
    "COMP_OP": "a comparison (== != < <= > >=)",
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*` or `/`",
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
}

# Common mistakes, recognised by Lark's match_examples, with the advice to give.
EXAMPLES: dict[str, list[str]] = {
    "a label is a quoted string, optionally `\"中文\" / \"English\"`": [
        "policy x\n  document \"d\"\nparameter p 起付线: money\n  value 1\n",
    ],
    "a percentage needs its `%` sign, e.g. `rate 90%`": [],
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
    return sorted(names)


@cache
def _terminal_patterns() -> dict[str, str]:
    from .parser import _lark  # the parser imports this module; its grammar is read when first needed

    return {t.name: t.pattern.value for t in _lark().terminals}


def _anon_terminal(term: str) -> str:
    pattern = _terminal_patterns().get(term)
    if (pattern is not None and term.startswith("__ANON")) or (pattern and term.isupper()):
        return f"`{pattern}`"
    return term


def _syntax_diagnostic(err: UnexpectedInput, path: str, text: str) -> Diagnostic:
    line = getattr(err, "line", 0) or 0
    column = getattr(err, "column", 0) or 0
    if isinstance(err, UnexpectedEOF) or line <= 0:
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    hint = None
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        message = f"unexpected character {char!r}"
        if char == "'":
            hint = 'strings use double quotes: "…"'
        elif char == "\t":
            hint = "indent with spaces"
        elif char == ":":
            hint = "a parameter's type follows its label: `parameter name \"标签\" / \"label\": money`"
        width = 1
    else:
        token = getattr(err, "token", None)
        expected = _expected_names(_accepted(err))
        found = _describe_token(token)
        message = f"unexpected {found}"
        if expected:
            message += "; expected " + _one_of(expected)
        if isinstance(token, Token) and token.type == "NAME":
            hint = suggest(str(token), KEYWORDS)
        width = len(str(token)) if isinstance(token, Token) and str(token) else 1
        if isinstance(token, Token) and token.type in ("_INDENT", "_DEDENT", "_NL"):
            width = 1
            if token.type == "_INDENT":
                hint = "this line is indented more than the block it belongs to"
    span = ast.Span(path, line, column, line, column + max(width, 1))
    return Diagnostic(span, message, hint)


def _one_of(names: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``; long lists are cut with ``…``."""
    if len(names) > 16:  # a layer's statements and the end of its block (13) are listed whole
        return ", ".join(names[:16]) + ", …"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


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


def _describe_token(token: object) -> str:
    if not isinstance(token, Token):
        return "end of file"
    if token.type == "$END":
        return "end of file"
    if token.type == "_INDENT":
        return "indentation"
    if token.type in TERMINAL_NAMES and token.type.startswith("_"):
        return TERMINAL_NAMES[token.type]
    return f"`{token}`"


def _dedent_diagnostic(err: _BadDedent, path: str) -> Diagnostic:
    line, column = err.token.end_line or 1, err.token.end_column or 1
    levels = sorted(set(err.levels), reverse=True)
    fits = " or ".join(str(n) for n in levels)
    columns = "column" if err.indent == 1 else "columns"
    return Diagnostic(ast.Span(path, line, column, line, column + 1),
                      f"this line is indented {err.indent} {columns}, which matches no enclosing block",
                      f"indent it as the block it belongs to: {fits} columns")
