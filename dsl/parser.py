"""Source text → AST, with friendly syntax errors.

A LALR parser of the grammar in ``grammar.lark`` (strict, positions on), generated ahead of time
by Lark's standalone generator into ``_standalone.py`` (``standalone_gen.py``): parsing imports
no Lark and builds no tables. A Transformer turns the parse tree into the frozen dataclasses of
``ast``. This module is the front end: the parser and ``parse``; the limits are in
``limits.py``, the syntax-error wording in ``syntax_errors.py``, the tree → AST builder
in ``build_ast.py``.

Every malformed input ends as a positioned ``PolicyError``, in time linear in
its size: spans come from Lark's token positions and a once-per-line cache, the
tree is transformed without recursion, and expressions are limited in nesting
(``MAX_NESTING``) and numbers in length (``MAX_DIGITS``) so that no later stage
(checker, code generator, Python's own compiler) can overflow its stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

from . import ast, codes, reform
from ._standalone import DedentError, Indenter, Lark, Lark_StandAlone, LarkError, Token, UnexpectedInput
from .build_ast import _NodeError, _ToAst
from .collector import collector_paused
from .errors import Diagnostic, PolicyError, ReadError
from .limits import (
    MAX_DIGITS,
    MAX_LINE_CHARS,
    MAX_NESTING,
    MAX_POLICY_CHARS,
    _bad_characters,
    _position,
    _too_deep,
    _too_long,
)
from .phrase import P
from .syntax_errors import _dedent_diagnostic, _syntax_diagnostic

# The limits are part of the parser's interface (``from yibao.dsl.parser import MAX_NESTING``).
__all__ = ["MAX_DIGITS", "MAX_LINE_CHARS", "MAX_NESTING", "MAX_POLICY_CHARS", "parse", "parse_file",
           "parse_own", "read_policy_text"]


class _BadDedent(DedentError):
    """Lark's ``DedentError`` with the line it is about and the indentations that would fit."""

    def __init__(self, token: Token, indent: int, levels: list[int]) -> None:
        super().__init__(P("unexpected {found}", found=f"dedent to column {indent}"))
        self.token = token
        self.indent = indent
        self.levels = levels


class PolicyIndenter(Indenter):
    """Blocks by indentation, as in the policy documents' own outline."""

    NL_type = "_NL"
    OPEN_PAREN_types = ("LPAR", "LBRACE")  # type: ignore[assignment]
    CLOSE_PAREN_types = ("RPAR", "RBRACE")  # type: ignore[assignment]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token: Token) -> Iterator[Token]:  # Lark calls it by this name
        """As Lark's, but a dedent to no enclosing block says where it is."""
        if self.paren_level > 0:
            return
        yield token
        indent_str = token.rsplit("\n", 1)[1]
        indent = indent_str.count(" ") + indent_str.count("\t") * self.tab_len
        if indent > self.indent_level[-1]:
            self.indent_level.append(indent)
            yield Token.new_borrow_pos(self.INDENT_type, indent_str, token)
            return
        levels = list(self.indent_level)
        while indent < self.indent_level[-1]:
            self.indent_level.pop()
            yield Token.new_borrow_pos(self.DEDENT_type, indent_str, token)
        if indent != self.indent_level[-1]:
            raise _BadDedent(token, indent, levels)


@cache
def _lark() -> Lark:
    """The parser: the generated tables, read on first use (the lexer's expressions are compiled as
    each parser state is first met)."""
    return Lark_StandAlone(postlex=PolicyIndenter())


def parse_own(text: str, path: str = "<policy>") -> ast.Policy:
    """Parse one file as written (a reform not merged with its base); ``PolicyError`` on bad syntax."""
    if not text.endswith("\n"):
        text += "\n"
    bad = _too_long(text, path) or _bad_characters(text, path)
    if bad:
        raise PolicyError(bad, text)
    try:
        with collector_paused():
            tree = _lark().parse(text)
    except UnexpectedInput as err:
        raise PolicyError([_syntax_diagnostic(err, path, text)], text) from None
    except _BadDedent as err:
        raise PolicyError([_dedent_diagnostic(err, path)], text) from None
    except LarkError as err:  # anything else Lark can say: still a positioned diagnostic
        line, column = getattr(err, "line", 1) or 1, getattr(err, "column", 1) or 1
        raise PolicyError([Diagnostic(codes.SYNTAX, ast.Span(path, line, column, line, column + 1),
                                      P("cannot parse the policy: {err}", err=err))], text) from None
    builder = _ToAst(path, text)
    try:
        with collector_paused():
            policy: ast.Policy = builder.build(tree)
            diags = builder.diags + _too_deep(policy)
    except _NodeError as err:
        raise PolicyError([err.diagnostic, *builder.diags], text) from None
    if diags:
        raise PolicyError(diags, text)
    parsed = ast.Policy(
        header=policy.header,
        sources=policy.sources,
        enums=policy.enums,
        fields=policy.fields,
        parameters=policy.parameters,
        classify=policy.classify,
        layers=policy.layers,
        checks=policy.checks,
        amends=policy.amends,
        path=path,
        text=text,
        texts={path: text},
    )
    if parsed.header.extends is None:
        misplaced = [Diagnostic(codes.REFORM_ONLY, a.span, P("`amend` belongs in a reform"),
                                P('add `extends "{base}"` to the policy header',
                                  base="base.yb")) for a in parsed.amends]
        misplaced += [Diagnostic(codes.REFORM_ONLY,
                                 layer.span, P("`{place}` places a layer of a reform among its base's layers",
                                               place=f"{layer.placement[0]} {layer.placement[1]}"),
                                 P("in a policy of its own, layers apply in the order they are written"))
                      for layer in parsed.layers if layer.placement is not None]
        if misplaced:
            raise PolicyError(misplaced, text)
    return parsed


def parse(text: str, path: str = "<policy>", *, _chain: tuple[str, ...] = ()) -> ast.Policy:
    """Parse a policy (and, for a reform, its base); raise ``PolicyError`` on bad syntax."""
    return reform.resolve(parse_own(text, path), lambda p, chain: parse_file(p, _chain=chain), _chain)


def read_policy_text(path: str | Path) -> str:
    """A policy file's text; ``ReadError`` (a ``PolicyError``) if it cannot be read as UTF-8."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except (OSError, ValueError) as err:  # ValueError: a NUL in the path
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        if isinstance(err, IsADirectoryError):
            reason = "it is a folder, not a policy file"
        span = ast.Span(str(p), 1, 1, 1, 1)
        raise ReadError([Diagnostic(codes.UNREADABLE,
                                    span, P("cannot read policy: {reason}",
                                            reason=reason))], reason=reason) from None
    try:
        return data.decode("utf-8-sig")  # editors on Windows add a BOM
    except UnicodeDecodeError as err:
        shown = data.decode("utf-8-sig", errors="replace")
        prefix = data[: err.start].decode("utf-8-sig", errors="replace")
        line, col = _position(prefix + "\n", len(prefix))
        reason = f"it is not UTF-8 text (byte 0x{data[err.start]:02x} at line {line}, column {col})"
        span = ast.Span(str(p), line, col, line, col + 1)
        raise ReadError([Diagnostic(codes.UNREADABLE, span, P("cannot read policy: {reason}", reason=reason),
                                    P("save the policy as UTF-8"))], shown, reason=reason) from None


def parse_file(path: str | Path, *, _chain: tuple[str, ...] = ()) -> ast.Policy:
    return parse(read_policy_text(path), str(path), _chain=_chain)
