"""Lark's parse tree → the frozen AST of ``ast.py``, one method per grammar rule, without recursion.

Split from ``parser.py``: the parser owns the grammar and its errors, this module what each rule
means as a node (spans pulled back over comments, labels, tables, layers) and the problems a
tree can have that the grammar cannot say (two ``classify`` blocks, an impossible date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from . import ast, codes
from ._standalone import Token, Tree
from .errors import Diagnostic, suggest
from .limits import _number_too_long
from .phrase import P


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


def _period(tok: Token) -> str:
    """``per year`` → ``year``; also ``visit``, ``month``, ``quarter``."""
    return str(tok).split()[-1]


@dataclass(frozen=True, slots=True)
class _AsBilled:
    """``as billed`` inside ``classify``, until the block is built."""

    span: ast.Span


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

    def _fail(self, code: codes.Code, span: ast.Span, message: str, hint: str | None = None) -> None:
        raise _NodeError(Diagnostic(code, span, message, hint))

    def _decimal(self, tok: Token, text: str) -> Decimal:
        """A number's value; one too long for exact arithmetic is reported (and read as 0)."""
        too_long = _number_too_long(text, tok, self.path)
        if too_long is not None:
            self.diags.append(too_long)
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
                    self._fail(codes.TWICE, item.span, P("a policy has one `classify` block"),
                               P("the first is at line {line}; merge the two", line=classify.span.line))
                classify = item
        return ast.Policy(header, tuple(sources), tuple(enums), tuple(fields), tuple(params), classify,
                          tuple(layers), tuple(checks), tuple(amends), path=self.path)

    def policy(self, meta, children):
        name, label, *stmts = children
        fields: dict[str, object] = {}
        for key, value, span in stmts:
            if key in fields:
                self._fail(codes.TWICE, span, P("`{key}` is given twice in the policy header", key=key))
            fields[key] = (value, span) if key in ("extends", "year starts") else value
        effective = fields.get("effective")
        extends = fields.get("extends")
        year_start = fields.get("year starts")
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
            year_start=year_start[0] if year_start else None,  # type: ignore[index]
            year_start_span=year_start[1] if year_start else None,  # type: ignore[index]
            until_span=effective[2] if effective else None,  # type: ignore[index]
        )

    def document(self, meta, children):
        return ("document", _unquote(children[0]), self._span(meta))

    def effective(self, meta, children):
        start = self._date(children[0])
        until = self._date(children[1]) if len(children) > 1 else None
        until_span = self._tok(children[1]) if len(children) > 1 else None
        return ("effective", (start, until, until_span), self._span(meta))

    def applies(self, meta, children):
        return ("applies", children[0], self._span(meta))

    def rounding(self, meta, children):
        return ("rounding", str(children[0]), self._span(meta))

    def input_kind(self, meta, children):
        kind = str(children[0])
        if kind not in ("claim", "record"):
            self._fail(codes.UNKNOWN_INPUT,
                       self._tok(children[0]), P("unknown input `{kind}`; expected `claim` or `record`",
                                                 kind=kind),
                       suggest(kind, ["claim", "record"]))
        return ("input", kind, self._span(meta))

    def amount(self, meta, children):
        return ("amount", children[0], self._span(meta))

    def remainder(self, meta, children):
        return ("remainder", children[0], self._span(meta))

    def year_starts(self, meta, children):
        """Kept as written (month, day); the checker says whether it is a day every year has."""
        month, day = str(children[0]).split("-")
        return ("year starts", (int(month), int(day)), self._tok(children[0]))

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
        label = children[0]  # `assume "中文" / "English"`, or one text in one language
        return ast.Assumption(label.zh, self._span(meta), label.en)

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
                self._fail(codes.AMEND_UNDATED,
                           s.span, P("an amendment of `{name}` gives new values from a date", name=name),
                           P("write `from <date> value …`, or replace the whole parameter with `parameter`"))
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
                    self._fail(codes.UNDATED, stmt.span, P("parameter `{name}` has two definitions",
                                                           name=name),
                               P("give each one a start date: `{example}`",
                                 example="from 2022-07-01 value …"))
                undated = stmt
        if undated is not None:
            if versions:
                self._fail(codes.UNDATED, undated.span, P("mix of dated and undated definitions"),
                           P("write this one as `from <date> …` too"))
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
            self._fail(codes.INCOMPLETE,
                       self._span(meta), P("exception `{name}` needs exactly one `value` or `table`",
                                           name=name))
        return ast.Exception_(str(name), label, tuple(over), when, refs, defs[0],
                              self._span(meta))

    # ------------------------------------------------------------ classification
    def classify(self, meta, children):
        label, *stmts = children
        refs = tuple(s for s in stmts if isinstance(s, ast.Citation | ast.Assumption))
        rows = tuple(s for s in stmts if isinstance(s, ast.ClassRow))
        billed = [s for s in stmts if isinstance(s, _AsBilled)]
        if len(billed) > 1:
            self._fail(codes.TWICE, billed[1].span, P("`as billed` is said twice in `classify`"),
                       P("the first is at line {line}", line=billed[0].span.line))
        return ast.Classify(label, refs, rows, self._span(meta), billed[0].span if billed else None)

    def as_billed(self, meta, children):
        return _AsBilled(self._span(meta))

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

    def in_scope_share(self, meta, children):
        return ast.Treatment("in_scope_share", children[0], self._span(meta))

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
            if key == "ceiling":
                value, after = value
                if after:
                    fields["ceiling_after_deductible"] = True
            if key in fields:
                self._fail(codes.TWICE, sspan, P("layer `{name}` gives `{key}` twice", name=name, key=key))
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
            span=span, placement=placement, given=fields.get("given"),  # type: ignore[arg-type]
            ceiling_after_deductible=bool(fields.get("ceiling_after_deductible")),
        )

    def _periodic(self, meta, children) -> ast.Periodic:
        return ast.Periodic(children[0], _period(children[1]), self._span(meta))

    def layer_when(self, meta, children):
        return ("when", children[0], self._span(meta))

    def layer_base(self, meta, children):
        return ("base", children[0], self._span(meta))

    def layer_deductible(self, meta, children):
        span = self._span(meta)
        limit = None
        if len(children) == 4:
            limit = ast.Periodic(children[2], _period(children[3]), children[2].span)
        return ("deductible", (self._periodic(meta, children[:2]), limit), span)

    def layer_ceiling(self, meta, children):
        return ("ceiling", (self._periodic(meta, children), False), self._span(meta))

    def layer_ceiling_after(self, meta, children):
        """``ceiling X per year after deductible``: one ceiling, as the plain form (at most one a layer)."""
        return ("ceiling", (self._periodic(meta, children), True), self._span(meta))

    def layer_rate(self, meta, children):
        return ("rate", children[0], self._span(meta))

    def layer_cap(self, meta, children):
        return ("cap", self._periodic(meta, children), self._span(meta))

    def layer_fixed(self, meta, children):
        return ("fixed", self._periodic(meta, children), self._span(meta))

    def layer_given(self, meta, children):
        span = self._span(meta)
        return ("given", span, span)

    def layer_rounding(self, meta, children):
        return ("rounding", str(children[0]), self._span(meta))

    def layer_bands(self, meta, children):
        span = self._span(meta)
        return ("bands", ast.Bands(_period(children[0]), tuple(children[1:]), span), span)

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
            self._fail(codes.INCOMPLETE,
                       self._span(meta), P("check `{name}` needs exactly one `holds` condition", name=name))
        return ast.Check(str(name), label, refs, holds[0], self._span(meta))

    def check_holds(self, meta, children):
        return children[0]

    # ------------------------------------------------------------ expressions
    def _date(self, tok: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(tok))
        except ValueError:
            self._fail(codes.NOT_A_DATE, self._tok(tok), P("`{date}` is not a calendar date", date=tok))
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
