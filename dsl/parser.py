"""Source text → AST, with friendly syntax errors.

Lark (LALR, strict, positions on) parses the grammar in ``grammar.lark``; a
Transformer turns the parse tree into the frozen dataclasses of ``ast``.

Every malformed input ends as a positioned ``PolicyError``, in time linear in
its size: spans come from Lark's token positions and a once-per-line cache, the
tree is transformed without recursion, and expressions are limited in nesting
(``MAX_NESTING``) and numbers in length (``MAX_DIGITS``) so that no later stage
(checker, code generator, Python's own compiler) can overflow its stack.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

import lark
from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput
from lark.exceptions import LarkError, UnexpectedEOF
from lark.indenter import DedentError, Indenter

from . import ast, reform
from .errors import Diagnostic, PolicyError, ReadError, suggest

# Expression nesting (parentheses, `not`, unary minus, `if`, calls, comparisons, and/or) a policy may
# use. A chain of sums (`a + b - c + …`) counts once however long it is: the generator writes it flat;
# each product or quotient counts, since it nests (and may round) in the generated code.
# Every later stage recurses about four Python frames per level, and the generated Python nests one
# bracket or two per level (its tokenizer allows 200), so 64 leaves room under each limit.
MAX_NESTING = 64
# Digits in one number: Decimal arithmetic is exact to 28 digits, money adds two for fen.
MAX_DIGITS = 24


class _BadDedent(DedentError):
    """Lark's ``DedentError`` with the line it is about and the indentations that would fit."""

    def __init__(self, token: Token, indent: int, levels: list[int]) -> None:
        super().__init__(f"unexpected dedent to column {indent}")
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


def _cache_file(grammar: str) -> Path | None:
    """Where Lark keeps its tables between processes: per user, keyed by grammar and versions."""
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "yibao"
        root.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):
        return None
    key = hashlib.sha256(
        f"{grammar}\0{lark.__version__}\0{sys.version_info[:2]}".encode("utf-8", "surrogatepass")
    ).hexdigest()[:24]
    return root / f"grammar-{key}-lark{lark.__version__}.cache"


def _build_lark(cache_file: Path | None) -> Lark:
    """The LALR parser, from Lark's cache if it is there and whole.

    Lark checks the cache's hash of grammar, options and versions, and rebuilds from the grammar
    when the file is missing, stale or corrupt (rewriting it when it can); anything else that goes
    wrong with the cache falls back to building without it.
    """
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    options = dict(parser="lalr", strict=True, propagate_positions=True, maybe_placeholders=False)
    if cache_file is not None:
        try:
            return Lark(grammar, cache=str(cache_file), postlex=PolicyIndenter(), **options)
        except Exception:  # a cache must never stop a policy from parsing
            pass
    return Lark(grammar, postlex=PolicyIndenter(), **options)


@cache
def _lark() -> Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return _build_lark(_cache_file(grammar))


KEYWORDS = (
    "policy document effective until applies when rounding source file cite assume enum "
    "parameter from value table exception over classify category class in out of scope first "
    "self pay layer base deductible rate cap fixed bands to above if then else and or not "
    "ceiling at most check holds extends amend before after input amount remainder field"
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
    "BOOL": "true or false",
    "PERIOD": "`per year` or `per visit`",
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
    if len(names) > 12:
        return ", ".join(names[:12]) + ", …"
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


def _position(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, pos) + 1
    return text.count("\n", 0, pos) + 1, pos - line_start + 1


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
        return [Diagnostic(ast.Span(path, 1, 1, 1, 2),
                           f"the policy is {len(text):,} characters long; at most {MAX_POLICY_CHARS:,}",
                           "split it: a reform (`extends`) can hold part of it")]
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_LINE_CHARS:
            return [Diagnostic(ast.Span(path, number, MAX_LINE_CHARS + 1, number, MAX_LINE_CHARS + 2),
                               f"line {number} is {len(line):,} characters long; at most {MAX_LINE_CHARS:,}",
                               "break the expression over lines, or give parts of it their own parameters")]
    return []


def _bad_characters(text: str, path: str) -> list[Diagnostic]:
    """NUL bytes and lone surrogates: no file read as UTF-8 has them, and nothing later can print them."""
    diags = []
    for m in _BAD_CHARS.finditer(text):
        line, col = _position(text, m.start())
        if m.group() == "\x00":
            diags.append(Diagnostic(ast.Span(path, line, col, line, col + 1), "a NUL character in the policy",
                                    "is this a binary file? a policy is UTF-8 text"))
        else:
            diags.append(Diagnostic(ast.Span(path, line, col, line, col + 1),
                                    f"a lone surrogate {m.group()!r}, which is not a character",
                                    "the text was decoded wrongly; a policy is UTF-8 text"))
        if len(diags) == _MAX_REPORTED_CHARS:
            break
    return diags


def _dedent_diagnostic(err: _BadDedent, path: str) -> Diagnostic:
    line, column = err.token.end_line or 1, err.token.end_column or 1
    levels = sorted(set(err.levels), reverse=True)
    fits = " or ".join(str(n) for n in levels)
    columns = "column" if err.indent == 1 else "columns"
    return Diagnostic(ast.Span(path, line, column, line, column + 1),
                      f"this line is indented {err.indent} {columns}, which matches no enclosing block",
                      f"indent it as the block it belongs to: {fits} columns")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing makes many objects and no garbage cycles: the cyclic collector, run again and again as
    they pile up, would take as long as the parse itself on a large policy."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse(text: str, path: str = "<policy>", *, _chain: tuple[str, ...] = ()) -> ast.Policy:
    """Parse a policy (and, for a reform, its base); raise ``PolicyError`` on bad syntax."""
    if not text.endswith("\n"):
        text += "\n"
    bad = _too_long(text, path) or _bad_characters(text, path)
    if bad:
        raise PolicyError(bad, text)
    try:
        with _collector_paused():
            tree = _lark().parse(text)
    except UnexpectedInput as err:
        raise PolicyError([_syntax_diagnostic(err, path, text)], text) from None
    except _BadDedent as err:
        raise PolicyError([_dedent_diagnostic(err, path)], text) from None
    except LarkError as err:  # anything else Lark can say: still a positioned diagnostic
        line, column = getattr(err, "line", 1) or 1, getattr(err, "column", 1) or 1
        raise PolicyError([Diagnostic(ast.Span(path, line, column, line, column + 1),
                                      f"cannot parse the policy: {err}")], text) from None
    builder = _ToAst(path, text)
    try:
        with _collector_paused():
            policy: ast.Policy = builder.build(tree)
    except _NodeError as err:
        raise PolicyError([err.diagnostic, *builder.diags], text) from None
    diags = builder.diags + _too_deep(policy)
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
        misplaced = [Diagnostic(a.span, "`amend` belongs in a reform",
                                'add `extends "base.yb"` to the policy header') for a in parsed.amends]
        misplaced += [Diagnostic(layer.span, f"`{layer.placement[0]} {layer.placement[1]}` places a "
                                 "layer of a reform among its base's layers",
                                 "in a policy of its own, layers apply in the order they are written")
                      for layer in parsed.layers if layer.placement is not None]
        if misplaced:
            raise PolicyError(misplaced, text)
    return reform.resolve(parsed, lambda p, chain: parse_file(p, _chain=chain), _chain)


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
        raise ReadError([Diagnostic(span, f"cannot read policy: {reason}")], reason=reason) from None
    try:
        return data.decode("utf-8-sig")  # editors on Windows add a BOM
    except UnicodeDecodeError as err:
        shown = data.decode("utf-8-sig", errors="replace")
        prefix = data[: err.start].decode("utf-8-sig", errors="replace")
        line, col = _position(prefix + "\n", len(prefix))
        reason = f"it is not UTF-8 text (byte 0x{data[err.start]:02x} at line {line}, column {col})"
        span = ast.Span(str(p), line, col, line, col + 1)
        raise ReadError([Diagnostic(span, f"cannot read policy: {reason}",
                                    "save the policy as UTF-8")], shown, reason=reason) from None


def parse_file(path: str | Path, *, _chain: tuple[str, ...] = ()) -> ast.Policy:
    return parse(read_policy_text(path), str(path), _chain=_chain)


class _NodeError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def _code(line: str) -> str:
    """A source line without its comment and trailing blanks."""
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
        elif ch == "#" and not in_string:
            return line[:i].rstrip()
    return line.rstrip()


def _unquote(token: Token) -> str:
    raw = str(token)[1:-1]
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _ToAst:
    """Parse tree → AST. Each method receives Lark's ``meta`` for the span, and the children built."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.split("\n")
        self._code_ends: dict[int, int] = {}
        self.diags: list[Diagnostic] = []  # problems that do not stop the tree being built

    def build(self, tree: Tree) -> ast.Policy:
        """Bottom-up without recursion: a sum of 10,000 terms is a tree 10,000 deep."""
        stack: list[tuple[Tree, list[object], Iterator[object]]] = [(tree, [], iter(tree.children))]
        while True:
            node, built, rest = stack[-1]
            for child in rest:
                if isinstance(child, Tree):
                    stack.append((child, [], iter(child.children)))
                    break
                built.append(child)
            else:
                stack.pop()
                value = getattr(self, node.data)(node.meta, built)
                if not stack:
                    return value  # type: ignore[no-any-return]
                stack[-1][1].append(value)

    def _code_end(self, index: int) -> int:
        """Length of line ``index`` (0-based) without its comment and trailing blanks, found once."""
        end = self._code_ends.get(index)
        if end is None:
            end = self._code_ends[index] = len(_code(self.lines[index]))
        return end

    def _span(self, meta: object) -> ast.Span:
        """The node's span, its end pulled back over trailing newlines and comments."""
        if getattr(meta, "empty", True):
            return ast.Span(self.path, 0, 0, 0, 0)
        line, col = meta.line, meta.column  # type: ignore[attr-defined]
        end_line, end_col = meta.end_line, meta.end_column  # type: ignore[attr-defined]
        if end_line > line:
            last = self.lines[end_line - 1]
            if len(last) - len(last.lstrip()) >= end_col - 1:  # ends in the indentation of a later line
                end_line -= 1
                while end_line > line and not self._code_end(end_line - 1):
                    end_line -= 1
                end_col = self._code_end(end_line - 1) + 1
        elif end_line == line:
            end_col = min(end_col, self._code_end(line - 1) + 1)
        return ast.Span(self.path, line, col, end_line, max(end_col, col + 1))

    def _tok(self, tok: Token) -> ast.Span:
        return ast.Span(self.path, tok.line, tok.column, tok.end_line, tok.end_column)  # type: ignore[arg-type]

    def _fail(self, span: ast.Span, message: str, hint: str | None = None) -> None:
        raise _NodeError(Diagnostic(span, message, hint))

    def _decimal(self, tok: Token, text: str) -> Decimal:
        """A number's value; one too long for exact arithmetic is reported (and read as 0)."""
        digits = len(text) - text.count(".")
        if digits > MAX_DIGITS:
            self.diags.append(Diagnostic(
                self._tok(tok), f"a number of {digits} digits is too long",
                f"a number has at most {MAX_DIGITS} digits; money is at most {MAX_DIGITS - 2} digits of "
                "yuan and two of fen"))
            return Decimal(0)
        return Decimal(text)

    # ------------------------------------------------------------ structure
    def start(self, meta, children):
        header = children[0]
        sources, enums, params, layers, checks, amends, fields = [], [], [], [], [], [], []
        classify = None
        for item in children[1:]:
            if isinstance(item, ast.Source):
                sources.append(item)
            elif isinstance(item, ast.EnumDecl):
                enums.append(item)
            elif isinstance(item, ast.Parameter):
                params.append(item)
            elif isinstance(item, ast.Layer):
                layers.append(item)
            elif isinstance(item, ast.Check):
                checks.append(item)
            elif isinstance(item, ast.Amend):
                amends.append(item)
            elif isinstance(item, ast.RecordField):
                fields.append(item)
            elif isinstance(item, ast.Classify):
                if classify is not None:
                    self._fail(item.span, "a policy has one `classify` block",
                               f"the first is at line {classify.span.line}; merge the two")
                classify = item
        return ast.Policy(header, tuple(sources), tuple(enums), tuple(fields), tuple(params), classify,
                          tuple(layers), tuple(checks), tuple(amends), path=self.path)

    def policy(self, meta, children):
        name, label, *stmts = children
        fields: dict[str, object] = {}
        for key, value, span in stmts:
            if key in fields:
                self._fail(span, f"`{key}` is given twice in the policy header")
            fields[key] = (value, span) if key == "extends" else value
        effective = fields.get("effective")
        extends = fields.get("extends")
        return ast.PolicyHeader(
            name=name,
            label=label,
            document=fields.get("document"),  # type: ignore[arg-type]
            effective=effective[0] if effective else None,  # type: ignore[index]
            until=effective[1] if effective else None,  # type: ignore[index]
            applies=fields.get("applies"),  # type: ignore[arg-type]
            rounding=fields.get("rounding"),  # type: ignore[arg-type]
            span=self._span(meta),
            extends=extends[0] if extends else None,  # type: ignore[index]
            extends_span=extends[1] if extends else None,  # type: ignore[index]
            input=fields.get("input", "claim"),  # type: ignore[arg-type]
            amount=fields.get("amount"),  # type: ignore[arg-type]
            remainder=fields.get("remainder"),  # type: ignore[arg-type]
        )

    def document(self, meta, children):
        return ("document", _unquote(children[0]), self._span(meta))

    def effective(self, meta, children):
        start = self._date(children[0])
        until = self._date(children[1]) if len(children) > 1 else None
        return ("effective", (start, until), self._span(meta))

    def applies(self, meta, children):
        return ("applies", children[0], self._span(meta))

    def rounding(self, meta, children):
        return ("rounding", str(children[0]), self._span(meta))

    def input_kind(self, meta, children):
        kind = str(children[0])
        if kind not in ("claim", "record"):
            self._fail(self._tok(children[0]), f"unknown input `{kind}`; expected `claim` or `record`",
                       suggest(kind, ["claim", "record"]))
        return ("input", kind, self._span(meta))

    def amount(self, meta, children):
        return ("amount", children[0], self._span(meta))

    def remainder(self, meta, children):
        return ("remainder", children[0], self._span(meta))

    def field_decl(self, meta, children):
        name, label, (type_name, type_span), *refs = children
        return ast.RecordField(str(name), label, type_name, type_span, tuple(refs), self._span(meta))

    def extends(self, meta, children):
        return ("extends", _unquote(children[0]), self._span(meta))

    def label(self, meta, children):
        zh = _unquote(children[0])
        en = _unquote(children[1]) if len(children) > 1 else ""
        return ast.Label(zh, en, self._span(meta))

    def dotted(self, meta, children):
        return ".".join(str(c) for c in children)

    def field(self, meta, children):
        return ast.Field(tuple(str(c) for c in children), self._span(meta))

    # ------------------------------------------------------------ sources and citations
    def source(self, meta, children):
        name, label, *stmts = children
        values = dict(stmts)
        return ast.Source(str(name), label, values.get("document"), values.get("file"),
                          self._span(meta))

    def source_document(self, meta, children):
        return ("document", _unquote(children[0]))

    def source_file(self, meta, children):
        return ("file", _unquote(children[0]))

    def cite(self, meta, children):
        section = _unquote(children[1]) if len(children) > 1 else None
        return ast.Citation(str(children[0]), section, self._span(meta))

    def assume(self, meta, children):
        return ast.Assumption(_unquote(children[0]), self._span(meta))

    # ------------------------------------------------------------ enums
    def enum_decl(self, meta, children):
        fld, *members = children
        return ast.EnumDecl(fld, tuple(members), self._span(meta))

    def enum_member(self, meta, children):
        label = children[1] if len(children) > 1 else None
        return ast.EnumMember(str(children[0]), label, self._span(meta))

    # ------------------------------------------------------------ parameters
    def type_name(self, meta, children):
        return (".".join(str(c) for c in children), self._span(meta))

    def amend(self, meta, children):
        name, *stmts = children
        refs = tuple(s for s in stmts if isinstance(s, ast.Citation | ast.Assumption))
        versions = tuple(s for s in stmts if isinstance(s, ast.Dated))
        exceptions = tuple(s for s in stmts if isinstance(s, ast.Exception_))
        for s in stmts:
            if isinstance(s, ast.Value | ast.Table):
                self._fail(s.span, f"an amendment of `{name}` gives new values from a date",
                           "write `from <date> value …`, or replace the whole parameter with `parameter`")
        return ast.Amend(str(name), refs, versions, exceptions, self._span(meta))

    def placement(self, meta, children):
        return (str(children[0]), str(children[1]))

    def parameter(self, meta, children):
        name, label, (type_name, type_span), *stmts = children
        refs, versions, exceptions = [], [], []
        undated: ast.Value | ast.Table | None = None
        for stmt in stmts:
            if isinstance(stmt, ast.Citation | ast.Assumption):
                refs.append(stmt)
            elif isinstance(stmt, ast.Dated):
                versions.append(stmt)
            elif isinstance(stmt, ast.Exception_):
                exceptions.append(stmt)
            else:
                if undated is not None:
                    self._fail(stmt.span, f"parameter `{name}` has two definitions",
                               "give each one a start date: `from 2022-07-01 value …`")
                undated = stmt
        if undated is not None:
            if versions:
                self._fail(undated.span, "mix of dated and undated definitions",
                           "write this one as `from <date> …` too")
            versions.append(ast.Dated(dt.date.min, undated, undated.span))
        return ast.Parameter(str(name), label, type_name, type_span, tuple(refs),
                             tuple(versions), tuple(exceptions), self._span(meta))

    def dated(self, meta, children):
        return ast.Dated(self._date(children[0]), children[1], self._span(meta))

    def value_def(self, meta, children):
        return ast.Value(children[0], self._span(meta))

    def table_def(self, meta, children):
        keys = tuple(c for c in children if isinstance(c, ast.Field))
        rows = tuple(c for c in children if isinstance(c, ast.Row))
        return ast.Table(keys, rows, self._span(meta))

    def row(self, meta, children):
        *patterns, value = children
        return ast.Row(tuple(patterns), value, self._span(meta))

    def wildcard(self, meta, children):
        return ast.Pattern(None, self._span(meta))

    def alternatives(self, meta, children):
        return ast.Pattern(tuple(str(c) for c in children), self._span(meta))

    def exception(self, meta, children):
        name, label, *rest = children
        over = []
        while rest and isinstance(rest[0], Token) and rest[0].type == "NAME":
            over.append(str(rest.pop(0)))
        when, *stmts = rest
        refs = tuple(s for s in stmts if isinstance(s, ast.Citation | ast.Assumption))
        defs = [s for s in stmts if isinstance(s, ast.Value | ast.Table)]
        if len(defs) != 1:
            self._fail(self._span(meta), f"exception `{name}` needs exactly one `value` or `table`")
        return ast.Exception_(str(name), label, tuple(over), when, refs, defs[0],
                              self._span(meta))

    # ------------------------------------------------------------ classification
    def classify(self, meta, children):
        label, *stmts = children
        refs = tuple(s for s in stmts if isinstance(s, ast.Citation | ast.Assumption))
        rows = tuple(s for s in stmts if isinstance(s, ast.ClassRow))
        return ast.Classify(label, refs, rows, self._span(meta))

    def class_row(self, meta, children):
        category, *rest = children
        treatment = rest.pop()
        item_class = str(rest.pop(0)) if rest and isinstance(rest[0], Token) else None
        when = rest[0] if rest else None
        return ast.ClassRow(str(category), item_class, when, treatment, self._span(meta))

    def in_scope(self, meta, children):
        return ast.Treatment("in_scope", None, self._span(meta))

    def out_of_scope(self, meta, children):
        return ast.Treatment("out_of_scope", None, self._span(meta))

    def first_self_pay(self, meta, children):
        return ast.Treatment("first_self_pay", children[0], self._span(meta))

    # ------------------------------------------------------------ layers
    def layer(self, meta, children):
        name, label, *stmts = children
        placement = stmts.pop(0) if stmts and isinstance(stmts[0], tuple) and len(stmts[0]) == 2 \
            else None
        span = self._span(meta)
        refs: list[ast.Reference] = []
        fields: dict[str, object] = {}
        caps: list[ast.Periodic] = []
        for stmt in stmts:
            if isinstance(stmt, ast.Citation | ast.Assumption):
                refs.append(stmt)
                continue
            key, value, sspan = stmt
            if key == "deductible":
                value, limit = value
                if limit is not None:
                    fields["deductible_limit"] = limit
            if key == "cap":
                caps.append(value)
                continue
            if key in fields:
                self._fail(sspan, f"layer `{name}` gives `{key}` twice")
            fields[key] = value
        return ast.Layer(
            name=str(name), label=label, references=tuple(refs),
            when=fields.get("when"), base=fields.get("base"),  # type: ignore[arg-type]
            ceiling=fields.get("ceiling"),  # type: ignore[arg-type]
            deductible=fields.get("deductible"),  # type: ignore[arg-type]
            deductible_limit=fields.get("deductible_limit"),  # type: ignore[arg-type]
            rate=fields.get("rate"),  # type: ignore[arg-type]
            bands=fields.get("bands"), caps=tuple(caps),  # type: ignore[arg-type]
            fixed=fields.get("fixed"), rounding=fields.get("rounding"),  # type: ignore[arg-type]
            span=span, placement=placement,
        )

    def _periodic(self, meta, children) -> ast.Periodic:
        period = "year" if str(children[1]).endswith("year") else "visit"
        return ast.Periodic(children[0], period, self._span(meta))

    def layer_when(self, meta, children):
        return ("when", children[0], self._span(meta))

    def layer_base(self, meta, children):
        return ("base", children[0], self._span(meta))

    def layer_deductible(self, meta, children):
        span = self._span(meta)
        limit = None
        if len(children) == 4:
            limit = ast.Periodic(children[2], "year" if str(children[3]).endswith("year") else "visit",
                                 children[2].span)
        return ("deductible", (self._periodic(meta, children[:2]), limit), span)

    def layer_ceiling(self, meta, children):
        return ("ceiling", self._periodic(meta, children), self._span(meta))

    def layer_rate(self, meta, children):
        return ("rate", children[0], self._span(meta))

    def layer_cap(self, meta, children):
        return ("cap", self._periodic(meta, children), self._span(meta))

    def layer_fixed(self, meta, children):
        return ("fixed", self._periodic(meta, children), self._span(meta))

    def layer_rounding(self, meta, children):
        return ("rounding", str(children[0]), self._span(meta))

    def layer_bands(self, meta, children):
        period = "year" if str(children[0]).endswith("year") else "visit"
        span = self._span(meta)
        return ("bands", ast.Bands(period, tuple(children[1:]), span), span)

    def band_closed(self, meta, children):
        return ast.Band(children[0], children[1], children[2], self._span(meta))

    def band_open(self, meta, children):
        return ast.Band(children[0], None, children[1], self._span(meta))

    # ------------------------------------------------------------ checks
    def check(self, meta, children):
        name, label, *stmts = children
        refs = tuple(s for s in stmts if isinstance(s, ast.Citation | ast.Assumption))
        holds = [s for s in stmts if not isinstance(s, ast.Citation | ast.Assumption)]
        if len(holds) != 1:
            self._fail(self._span(meta), f"check `{name}` needs exactly one `holds` condition")
        return ast.Check(str(name), label, refs, holds[0], self._span(meta))

    def check_holds(self, meta, children):
        return children[0]

    # ------------------------------------------------------------ expressions
    def _date(self, tok: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(tok))
        except ValueError:
            self._fail(self._tok(tok), f"`{tok}` is not a calendar date")
            raise  # unreachable

    def number(self, meta, children):
        return ast.Number(self._decimal(children[0], str(children[0])), self._span(meta))

    def percent(self, meta, children):
        return ast.Percent(self._decimal(children[0], str(children[0])[:-1]), self._span(meta))

    def date(self, meta, children):
        return ast.DateLit(self._date(children[0]), self._span(meta))

    def boolean(self, meta, children):
        return ast.BoolLit(str(children[0]) == "true", self._span(meta))

    def name(self, meta, children):
        return ast.Name(str(children[0]), self._span(meta))

    def call(self, meta, children):
        func, *args = children
        return ast.Call(str(func), tuple(args), self._span(meta))

    def binop(self, meta, children):
        left, op, right = children
        symbol = "*" if str(op) == "×" else str(op)
        return ast.BinOp(symbol, left, right, self._span(meta))

    def neg(self, meta, children):
        return ast.Neg(children[0], self._span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return ast.Compare(str(op), left, right, self._span(meta))

    def member_of(self, meta, children):
        operand, *members = children
        names = tuple(ast.Name(str(m), self._tok(m)) for m in members)
        return ast.MemberOf(operand, names, self._span(meta))

    def contains(self, meta, children):
        return ast.Contains(_unquote(children[0]), children[1], self._span(meta))

    def or_chain(self, meta, children):
        if len(children) == 1:
            return children[0]
        return ast.BoolOp("or", tuple(children), self._span(meta))

    def and_chain(self, meta, children):
        if len(children) == 1:
            return children[0]
        return ast.BoolOp("and", tuple(children), self._span(meta))

    def not_(self, meta, children):
        return ast.Not(children[0], self._span(meta))

    def if_expr(self, meta, children):
        return ast.If(children[0], children[1], children[2], self._span(meta))


# ---------------------------------------------------------------- nesting limit

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
                node.span, f"expression nested deeper than {MAX_NESTING} levels",
                "split it: give a part its own `parameter` and use the parameter's name here"))
            continue
        for child in reversed(ast.children(node)):
            chained = (isinstance(node, ast.BinOp) and child is node.left and isinstance(child, ast.BinOp)
                       and node.op in "+-" and child.op in "+-")
            todo.append((child, level if chained else level + 1, root))
    return diags
