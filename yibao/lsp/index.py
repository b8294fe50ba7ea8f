"""One policy buffer analysed for the editor: its diagnostics and where every name is defined and used.

The language server's features all read an ``Analysis``: the checker's diagnostics (all of them,
errors and warnings, as ``yibao check`` prints them), the parsed policy merged with its
``extends`` base, and the occurrences of every symbol — parameters, layers, sources, checks,
record fields, exceptions, claim fields and their enum values — each with the span of the name
alone. The AST's spans cover whole nodes, so a declaration's name is found on its first line,
after its keyword.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

from yibao.dsl import ast, codes
from yibao.dsl.checks import CheckedPolicy, check
from yibao.dsl.errors import Diagnostic, PolicyError
from yibao.dsl.parser import parse
from yibao.dsl.types import DEFAULT_ENUMS

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


@dataclass(frozen=True, slots=True)
class Symbol:
    """What a name means: ``("parameter", "rate")``, ``("member", "visit.level:2")`` …"""

    kind: str  # parameter / layer / source / check / record_field / exception / enum / member
    name: str


@dataclass(frozen=True, slots=True)
class Occurrence:
    symbol: Symbol
    span: ast.Span  # the name only
    is_definition: bool = False


@dataclass
class Analysis:
    """Everything the server knows about one buffer, from one parse and check."""

    path: str
    text: str
    diagnostics: list[Diagnostic]
    policy: ast.Policy | None = None  # None when the text does not parse
    checked: CheckedPolicy | None = None  # None when the checker found errors
    occurrences: list[Occurrence] = field(default_factory=list)
    nodes: dict[Symbol, object] = field(default_factory=dict)  # symbol → its declaring AST node
    _lines: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _units: dict[tuple[str, int, str], list[int] | None] = field(default_factory=dict, repr=False)

    def lines(self, file: str) -> list[str]:
        """The lines of a file the analysis read (the buffer itself, or a base), split once."""
        lines = self._lines.get(file)
        if lines is None:
            texts = self.policy.texts if self.policy else {}
            text = self.text if file == self.path else texts.get(file, "")
            lines = self._lines[file] = text.split("\n")
        return lines

    def client_column(self, file: str, line: int, column: int, encoding: str) -> int:
        """0-based code-point ``column`` of 0-based ``line`` of ``file`` in the client's units
        (``encoding``: utf-16, utf-8 or utf-32). Each line's units are counted once, and not at
        all where each character is one unit, so that placing the thousands of names of a long
        line costs no count of its characters each (the outline of such a line took 11 s)."""
        if encoding == "utf-32":
            return column
        key = (file, line, encoding)
        if key not in self._units:
            text = self.lines(file)[line]
            if encoding == "utf-8":
                one = text.isascii()
                sizes = (len(ch.encode("utf-8", "surrogatepass")) for ch in text)
            else:
                one = not text or max(text) <= "\uffff"
                sizes = (2 if ch > "\uffff" else 1 for ch in text)
            self._units[key] = None if one else [0, *accumulate(sizes)]
        counts = self._units[key]
        return column if counts is None else counts[min(column, len(counts) - 1)]

    @cached_property
    def _by_symbol(self) -> dict[Symbol, list[Occurrence]]:
        """Occurrences by symbol, made once the index is complete (a policy may have 10,000 names)."""
        out: dict[Symbol, list[Occurrence]] = {}
        for occ in self.occurrences:
            out.setdefault(occ.symbol, []).append(occ)
        return out

    def definition(self, symbol: Symbol) -> Occurrence | None:
        return next((occ for occ in self._by_symbol.get(symbol, ()) if occ.is_definition), None)

    def references(self, symbol: Symbol) -> list[Occurrence]:
        return list(self._by_symbol.get(symbol, ()))

    def at(self, file: str, line: int, column: int) -> Occurrence | None:
        """The occurrence under a 1-based position of ``file``."""
        for occ in self.occurrences:
            s = occ.span
            if s.file == file and s.line == line and s.column <= column <= s.end_column:
                return occ
        return None

    def enums(self) -> dict[str, tuple[str, ...]]:
        """Every claim field's value set: the defaults, as this policy redeclares them."""
        if self.checked is not None:
            return dict(self.checked.enums)
        out = dict(DEFAULT_ENUMS)
        for decl in self.policy.enums if self.policy else ():
            if decl.field.dotted in out:
                out[decl.field.dotted] = tuple(dict.fromkeys(m.name for m in decl.members))
        return out


def analyse(text: str, path: str) -> Analysis:
    """Parse and check ``text`` as the policy at ``path`` (a reform's base is read from disk)."""
    try:
        policy = parse(text, path)
    except PolicyError as err:
        return Analysis(path, text, list(err.diagnostics))
    except RecursionError:  # the parser limits nesting; this is the last line of defence
        return Analysis(path, text, [Diagnostic(codes.TOO_DEEP, ast.Span(path, 1, 1, 1, 2),
                                                "the policy is nested too deeply")])
    checked: CheckedPolicy | None = None
    try:
        checked = check(policy)
        diagnostics = list(checked.warnings)
    except PolicyError as err:
        diagnostics = list(err.diagnostics)
    result = Analysis(path, text, diagnostics, policy, checked)
    _Indexer(result, policy).run()
    return result


class _Indexer:
    """Fills an analysis's occurrences from the merged policy."""

    def __init__(self, result: Analysis, policy: ast.Policy) -> None:
        self.result = result
        self.policy = policy
        self.texts = dict(policy.texts) or {policy.path: policy.text}
        self.lines = {file: text.split("\n") for file, text in self.texts.items()}
        self.params = {p.name for p in policy.parameters}
        self.layers = {layer.name for layer in policy.layers}
        self.enums = result.enums()
        self._context: set[int] = set()  # names already read as a compared field's value

    # ------------------------------------------------------------ spans of names
    def line(self, file: str, line: int) -> str:
        lines = self.lines.get(file, ())
        return lines[line - 1] if 1 <= line <= len(lines) else ""

    def word(self, file: str, line: int, start: int, word: str) -> ast.Span | None:
        """The span of ``word``, whole, first found on ``line`` from 1-based column ``start``."""
        at = _find_word(self.line(file, line), word, max(start - 1, 0))
        return None if at < 0 else ast.Span(file, line, at + 1, line, at + 1 + len(word))

    def add(self, kind: str, name: str, span: ast.Span | None, definition: bool = False,
            node: object = None) -> None:
        if span is None:
            return
        symbol = Symbol(kind, name)
        self.result.occurrences.append(Occurrence(symbol, span, definition))
        if definition and node is not None:
            self.result.nodes.setdefault(symbol, node)

    def declared(self, kind: str, node: ast.Parameter | ast.Layer | ast.Source | ast.Check
                 | ast.RecordField, keyword: str) -> None:
        s = node.span
        self.add(kind, node.name, self.word(s.file, s.line, s.column + len(keyword), node.name), True, node)

    # ------------------------------------------------------------ the walk
    def run(self) -> None:
        p = self.policy
        for source in p.sources:
            self.declared("source", source, "source")
        for decl in p.enums:
            self.field(decl.field, definition=True, node=decl)
            for m in decl.members:
                self.add("member", f"{decl.field.dotted}:{m.name}",
                         ast.Span(m.span.file, m.span.line, m.span.column, m.span.line,
                                  m.span.column + len(m.name)), True, m)
        for f in p.fields:
            self.declared("record_field", f, "field")
        for param in p.parameters:
            self.declared("parameter", param, "parameter")
            for e in param.exceptions:
                self.exception(param, e)
        for layer in p.layers:
            self.declared("layer", layer, "layer")
            if layer.placement is not None:
                after = layer.label.span.end_column if layer.label.span.line == layer.span.line else 1
                self.add("layer", layer.placement[1],
                         self.word(layer.span.file, layer.span.line, after, layer.placement[1]))
        for c in p.checks:
            self.declared("check", c, "check")
        self.amends()
        for node in ast.walk(p):
            self.node(node)

    def exception(self, param: ast.Parameter, e: ast.Exception_) -> None:
        s = e.span
        key = f"{param.name}.{e.name}"
        self.add("exception", key, self.word(s.file, s.line, s.column + len("exception"), e.name), True, e)
        after = e.label.span.end_column if e.label.span.line == s.line else s.column
        head = self.line(s.file, s.line)[after - 1:].split(" when ")[0]  # `over a, b` before `when`
        for name in dict.fromkeys(e.over):
            at = _find_word(head, name, 0)
            while at >= 0:
                self.add("exception", f"{param.name}.{name}", _at(s, after + at, name))
                at = _find_word(head, name, at + len(name))

    def amends(self) -> None:
        """``amend NAME`` lines of a reform: gone from the merged policy, still references."""
        for file, lines in self.lines.items():
            for i, line in enumerate(lines, 1):
                m = re.match(rf"\s*amend\s+({_NAME})", line)
                if m and m.group(1) in self.params:
                    self.add("parameter", m.group(1), ast.Span(file, i, m.start(1) + 1, i, m.end(1) + 1))

    def field(self, f: ast.Field, definition: bool = False, node: object = None) -> None:
        s = f.span
        if f.path[0] == "record" and len(f.path) == 2:
            start = s.column + len("record.")
            self.add("record_field", f.path[1], _at(s, start, f.path[1]))
        elif f.path[0] in self.layers:
            self.add("layer", f.path[0], _at(s, s.column, f.path[0]))
        else:
            self.add("enum", f.dotted, s, definition, node)

    def member(self, field_name: str, name: str, span: ast.Span) -> None:
        if name in self.enums.get(field_name, ()):
            self.add("member", f"{field_name}:{name}", span)

    def node(self, node: object) -> None:
        if isinstance(node, ast.Citation):
            s = node.span
            self.add("source", node.source, self.word(s.file, s.line, s.column + len("cite"), node.source))
        elif isinstance(node, ast.Field):
            if not any(node is d.field for d in self.policy.enums):
                self.field(node)
        elif isinstance(node, ast.Name):
            if node.name in self.params:
                self.add("parameter", node.name, node.span)
            else:
                for field_name, values in self.enums.items():  # a value named outside a comparison
                    if node.name in values and not self._in_context(node):
                        self.member(field_name, node.name, node.span)
                        break
        elif isinstance(node, ast.Compare):
            pairs = ((node.left, node.right), (node.right, node.left))
            for f, v in pairs:
                if isinstance(f, ast.Field) and isinstance(v, ast.Name | ast.Number):
                    self.member(f.dotted, v.name if isinstance(v, ast.Name) else _integer(v), v.span)
                    self._context.add(id(v))
        elif isinstance(node, ast.MemberOf) and isinstance(node.operand, ast.Field):
            for m in node.members:
                self.member(node.operand.dotted, m.name, m.span)
                self._context.add(id(m))
        elif isinstance(node, ast.Table):
            for row in node.rows:
                for key, pattern in zip(node.keys, row.patterns, strict=False):
                    for alt in pattern.alternatives or ():
                        s = pattern.span
                        self.member(key.dotted, alt, self.word(s.file, s.line, s.column, alt))

    def _in_context(self, node: ast.Name) -> bool:
        return id(node) in self._context


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _find_word(line: str, word: str, start: int) -> int:
    """Index of ``word`` standing alone in ``line`` from ``start``, or -1 (no regex per name: a
    policy of thousands of names would compile thousands)."""
    at = line.find(word, start)
    while at >= 0:
        end = at + len(word)
        alone_before = at == 0 or not _is_word_char(line[at - 1])
        if alone_before and (end == len(line) or not _is_word_char(line[end])):
            return at
        at = line.find(word, at + 1)
    return -1


def _at(span: ast.Span, column: int, name: str) -> ast.Span:
    """``name`` at ``column`` of ``span``'s first line."""
    return ast.Span(span.file, span.line, column, span.line, column + len(name))


def _integer(n: ast.Number) -> str:
    return str(int(n.value)) if n.value == n.value.to_integral_value() else str(n.value)


def iter_declarations(policy: ast.Policy) -> Iterator[object]:
    """The policy's top-level items in file order (for document symbols)."""
    items: list[object] = [*policy.sources, *policy.enums, *policy.fields, *policy.parameters,
                           *policy.layers, *policy.checks]
    if policy.classify is not None:
        items.append(policy.classify)
    return iter(sorted(items, key=lambda n: (n.span.line, n.span.column)))  # type: ignore[attr-defined]
