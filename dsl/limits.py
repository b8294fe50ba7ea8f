"""What a policy text may be before and after parsing: its size, its characters, its nesting, its numbers.

Split from ``parser.py`` because these limits are a contract of their own: every later stage
(checker, code generator, Python's own compiler) relies on them to stay within its stack and
time, so they are stated in one place, each with the reason for its figure.
"""

from __future__ import annotations

import re

from . import ast, codes
from ._standalone import Token
from .errors import Diagnostic
from .phrase import P

# Expression nesting (parentheses, `not`, unary minus, `if`, calls, comparisons, and/or) a policy may
# use. A chain of sums (`a + b - c + …`) counts once however long it is: the generator writes it flat;
# each product or quotient counts, since it nests (and may round) in the generated code.
# Every later stage recurses about four Python frames per level, and the generated Python nests one
# bracket or two per level (its tokenizer allows 200), so 64 leaves room under each limit.
MAX_NESTING = 64
# Digits in one number: Decimal arithmetic is exact to 28 digits, money adds two for fen.
MAX_DIGITS = 24


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_MAX_REPORTED_CHARS = 20
# A line of policy text, and a whole policy, at most this long: a 10,000-member enum or a
# 10,000-term sum fits on one line many times over; a megabyte line is not a policy, and
# parsing it would take seconds.
MAX_LINE_CHARS = 100_000
MAX_POLICY_CHARS = 5_000_000


def _too_long(text: str, path: str) -> list[Diagnostic]:
    """A policy, or a line of it, over the limits above: said before any time goes into parsing."""
    if len(text) > MAX_POLICY_CHARS:
        return [Diagnostic(codes.TOO_LONG, ast.Span(path, 1, 1, 1, 2),
                           P("the policy is {n} characters long; at most {max}", n=format(len(text), ","),
                             max=format(MAX_POLICY_CHARS, ",")),
                           P("split it: a reform (`extends`) can hold part of it"))]
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_LINE_CHARS:
            return [Diagnostic(codes.TOO_LONG,
                               ast.Span(path, number, MAX_LINE_CHARS + 1, number, MAX_LINE_CHARS + 2),
                               P("line {line} is {n} characters long; at most {max}", line=number,
                                 n=format(len(line), ","), max=format(MAX_LINE_CHARS, ",")),
                               P("break the expression over lines, or give parts of it their own "
                                 "parameters"))]
    return []


def _bad_characters(text: str, path: str) -> list[Diagnostic]:
    """NUL bytes and lone surrogates: no file read as UTF-8 has them, and nothing later can print them."""
    diags = []
    for m in _BAD_CHARS.finditer(text):
        line, col = _position(text, m.start())
        if m.group() == "\x00":
            diags.append(Diagnostic(codes.BAD_CHARACTER,
                                    ast.Span(path, line, col, line,
                                             col + 1), P("a NUL character in the policy"),
                                    P("is this a binary file? a policy is UTF-8 text")))
        else:
            diags.append(Diagnostic(codes.BAD_CHARACTER, ast.Span(path, line, col, line, col + 1),
                                    P("a lone surrogate {char}, which is not a character",
                                      char=repr(m.group())),
                                    P("the text was decoded wrongly; a policy is UTF-8 text")))
        if len(diags) == _MAX_REPORTED_CHARS:
            break
    return diags

def _number_too_long(text: str, tok: Token, path: str) -> Diagnostic | None:
    """A number with more digits than exact arithmetic allows (``text`` without its ``%``), else None."""
    digits = len(text) - text.count(".")
    if digits <= MAX_DIGITS:
        return None
    span = ast.Span(path, tok.line, tok.column, tok.end_line, tok.end_column)  # type: ignore[arg-type]
    return Diagnostic(
        codes.NUMBER_TOO_LONG, span, P("a number of {n} digits is too long", n=digits),
        P("a number has at most {n} digits; money is at most {m} digits of yuan and two of fen", n=MAX_DIGITS,
          m=MAX_DIGITS - 2))



def _position(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, pos) + 1
    return text.count("\n", 0, pos) + 1, pos - line_start + 1

_EXPRESSIONS = (ast.Number, ast.Percent, ast.DateLit, ast.BoolLit, ast.Name, ast.Field, ast.BinOp, ast.Neg,
                ast.Compare, ast.MemberOf, ast.Contains, ast.BoolOp, ast.Not, ast.Call, ast.If)


def _too_deep(policy: ast.Policy) -> list[Diagnostic]:
    """Expressions nested deeper than ``MAX_NESTING``, each reported once, where it passes the limit.

    Top down with an explicit stack; the left operand of a sum that is itself a sum continues
    its chain (``a + b - c``) and does not count as a level, since the generator writes a sum
    flat. A product or quotient nests in the generated code (each may round), so each counts.
    """
    diags: list[Diagnostic] = []
    reported: set[int] = set()  # statement-level expressions already reported
    todo: list[tuple[object, int, int]] = [(policy, 0, 0)]
    while todo:
        node, level, root = todo.pop()
        if not isinstance(node, _EXPRESSIONS):
            todo.extend((child, 1, id(child)) if isinstance(child, _EXPRESSIONS) else (child, 0, 0)
                        for child in reversed(ast.children(node)))
            continue
        if root in reported:
            continue
        if level > MAX_NESTING:
            reported.add(root)
            diags.append(Diagnostic(
                codes.TOO_DEEP, node.span, P("expression nested deeper than {n} levels", n=MAX_NESTING),
                P("split it: give a part its own `parameter` and use the parameter's name here")))
            continue
        for child in reversed(ast.children(node)):
            chained = (isinstance(node, ast.BinOp) and child is node.left and isinstance(child, ast.BinOp)
                       and node.op in "+-" and child.op in "+-")
            todo.append((child, level if chained else level + 1, root))
    return diags
