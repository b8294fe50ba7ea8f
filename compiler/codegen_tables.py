"""Parameters to Python: dated versions, exceptions, and tables short and long.

Split from ``codegen.py`` because long tables need their own machinery: CPython nests an
``elif`` chain and fails on thousands of rows, so a table longer than ``_CHAIN_ROWS`` is found
in module-level dicts (or a flat search function) and its value read from a tuple or a
binary tree, none of which nests with the size of the table.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from yibao.dsl import ast

from . import constructs as C
from .codegen_expr import _FIELDS, _QUANTITY_VARS, _TYPE_CODE, ExprEmitter, _day, _is_literal
from .constructs import record

# Up to this many rows a table is an if/elif chain (readable, and as fast as a dict for a few
# rows); longer ones are looked up in dicts: CPython nests an elif chain and fails on thousands.
_CHAIN_ROWS = 16
# A row with alternatives becomes one dict entry per combination; past this many entries per
# row on average the table is searched by a flat function instead.
_EXPANSION = 8


# How a long table finds its row: (indices of the keys its rows constrain, default row) per dict,
# or "search" for a flat search function.
_Shapes = list[tuple[tuple[int, ...], int]] | str


@dataclass(frozen=True)
class _Lookup:
    """A long table's module-level code: its lines (with the policy span of each) and how to use it."""

    name: str
    lines: list[tuple[str, ast.Span]]
    shapes: _Shapes
    constant: bool  # every row's value is a constant, kept in ``{name}_values``


def _param_record(var: str, version: int, exception: int, row: str) -> str:
    """A parameter step's record: the value, and which version, exception and row gave it."""
    return record(C.PARAMETER, value=var, version=str(int(version)), exception=str(int(exception)), row=row)



class TableEmitter(ExprEmitter):
    """A parameter's code, wherever it is needed: at the start of a settlement or after classification."""

    default_mode: str
    tables: dict[int, _Lookup]
    site: Callable[..., int]

    def _quantity_params(self) -> set[str]:
        """Parameters that read claim totals, and so must wait for classification."""
        direct = {
            p.name for p in self.p.parameters
            if any(isinstance(n, ast.Name) and n.name in _QUANTITY_VARS for n in ast.walk(p))
        }
        late = set(direct)
        for p in self.c.param_order:
            if self.c.param_deps[p.name] & late:
                late.add(p.name)
        return late

    def parameter(self, p: ast.Parameter, traced: bool) -> None:
        w = self.w
        var = f"p_{p.name}"
        code = _TYPE_CODE.get(p.type_name, "t")
        sid = self.site(f"param:{p.name}", C.PARAMETER, rule=f"parameter:{p.name}", label=p.label,
                        refs=p.references, span=p.span, en={"name": p.name},
                        zh={"label": p.label.zh}, codes={"value": code}, subject=p.name)
        mode = self.default_mode
        with w.at(p.span):
            w(repr(f"parameter {p.name}: {p.label.en}"), p.span)  # a string statement: no code, no comment
            first = True
            for ex in p.exceptions_by_priority():
                kw = "if" if first else "elif"
                first = False
                w(f"{kw} {self.expr(ex.when, mode)}:", ex.span)
                with w.indent():
                    self.definition(ex.definition, var, mode, traced, sid, version=-1,
                                    exception=p.exceptions.index(ex))
            versions = list(enumerate(p.versions))
            for n, (vi, version) in enumerate(reversed(versions)):
                is_last = n == len(versions) - 1
                if first and is_last:
                    self.definition(version.definition, var, mode, traced, sid, version=vi, exception=-1)
                    break
                if is_last:
                    w("else:", version.span)
                else:
                    kw = "if" if first else "elif"
                    day = int(version.start.toordinal())
                    w(f"{kw} c.day >= {day}:  # from {_day(day)}", version.span.line)
                first = False
                with w.indent():
                    self.definition(version.definition, var, mode, traced, sid, version=vi, exception=-1)

    def definition(self, d: ast.Definition, var: str, mode: str, traced: bool, sid: int, *,
                   version: int, exception: int) -> None:
        w = self.w
        if isinstance(d, ast.Value):
            w(f"{var} = {self.expr(d.expr, mode)}", d.span)
            if traced:
                w(f"t(({sid}, {_param_record(var, version, exception, '-1')}))",
                  d.span)
            return
        if len(d.rows) > _CHAIN_ROWS:
            self.long_table(d, var, mode, traced, sid, version=version, exception=exception)
            return
        rows = list(enumerate(d.rows))
        for n, (ri, row) in enumerate(rows):
            test = self.row_test(d, row)
            last = n == len(rows) - 1
            if not test:
                w("else:" if n else "if True:", row.span)
            elif n == 0:
                w(f"if {test}:", row.span)
            else:
                w(f"elif {test}:", row.span)
            with w.indent():
                w(f"{var} = {self.expr(row.value, mode)}", row.span)
                if traced:
                    w(f"t(({sid}, {_param_record(var, version, exception, str(ri))}))",
                      row.span)
            if last and test:
                w("else:", d.span)
                with w.indent():
                    w(f"no_row({var[2:]!r}, {int(d.span.line)})", d.span)

    def row_test(self, d: ast.Table, row: ast.Row) -> str:
        """A row's patterns as a condition on the claim; empty when every pattern is ``_``."""
        conds = []
        for key, pat in zip(d.keys, row.patterns, strict=True):
            if pat.alternatives is None:
                continue
            field = _FIELDS[key.dotted]
            if len(pat.alternatives) == 1:
                conds.append(f"{field} == {pat.alternatives[0]!r}")
            else:
                conds.append(f"{field} in {tuple(pat.alternatives)!r}")
        return " and ".join(conds)

    def long_table(self, d: ast.Table, var: str, mode: str, traced: bool, sid: int, *,
                   version: int, exception: int) -> None:
        """A long table without nesting: find the first matching row ``ri``, then its value.

        The row is found in dicts, one per set of keys the rows constrain (a row's ``_`` keys
        are left out of its dict key): each maps the claim's values to the first row of that
        shape, and the first of those wins, as in the chain. Values that are constants are read
        from a tuple; others are computed in a binary ``if ri < …`` tree, log₂(rows) deep.
        """
        w = self.w
        lookup = self.table_lookup(d)
        name, tables = lookup.name, lookup.shapes
        end = len(d.rows)
        with w.at(d.span):
            if tables == "search":
                w(f"ri = {name}_row(c)", d.span)
            else:
                for k, (mask, default) in enumerate(tables):
                    key = ", ".join(_FIELDS[d.keys[i].dotted] for i in mask)
                    key = key if len(mask) == 1 else f"({key})"
                    if k == 0:
                        w(f"ri = {name}_{k}.get({key}, {default})" if mask else f"ri = {default}", d.span)
                    else:
                        w(f"r = {name}_{k}.get({key}, {end})", d.span)
                        w("if r < ri:", d.span)
                        with w.indent():
                            w("ri = r", d.span)
            if not any(all(p.alternatives is None for p in r.patterns) for r in d.rows):
                w(f"if ri == {end}:", d.span)
                with w.indent():
                    w(f"no_row({var[2:]!r}, {int(d.span.line)})", d.span)
            if lookup.constant:
                w(f"{var} = {name}_values[ri]", d.span)
            else:
                self.value_tree(d, var, [self.expr(r.value, mode) for r in d.rows], 0, end)
            if traced:
                w(f"t(({sid}, {_param_record(var, version, exception, 'ri')}))",
                  d.span)

    def value_tree(self, d: ast.Table, var: str, values: list[str], lo: int, hi: int) -> None:
        """``var = `` the value of row ``ri``, for rows lo..hi-1, by halves."""
        w = self.w
        if hi - lo <= 4:
            for ri in range(lo, hi):
                if ri == hi - 1:
                    w("else:" if ri > lo else "if True:", d.rows[ri].span)
                else:
                    w(f"{'if' if ri == lo else 'elif'} ri == {ri}:", d.rows[ri].span)
                with w.indent():
                    w(f"{var} = {values[ri]}", d.rows[ri].span)
            return
        mid = (lo + hi) // 2
        w(f"if ri < {mid}:", d.span)
        with w.indent():
            self.value_tree(d, var, values, lo, mid)
        w("else:", d.span)
        with w.indent():
            self.value_tree(d, var, values, mid, hi)

    def table_lookup(self, d: ast.Table) -> _Lookup:
        """The module-level tables of a long table, made once: name, and (keys, default) per dict.

        A table whose rows have too many alternatives to list every combination is searched by
        a module-level function of flat ``if …: return row`` statements instead ("search").
        """
        if id(d) in self.tables:
            return self.tables[id(d)]
        name = f"_TABLE{len(self.tables)}"
        lines: list[tuple[str, ast.Span]] = []
        end = len(d.rows)
        default = next((ri for ri, r in enumerate(d.rows) if all(p.alternatives is None for p in r.patterns)),
                       end)
        masks: dict[tuple[int, ...], dict[object, int]] = {}
        entries = 0
        budget = _EXPANSION * end
        for ri, row in enumerate(d.rows[:default]):  # rows after an all-`_` row never match
            mask = tuple(i for i, p in enumerate(row.patterns) if p.alternatives is not None)
            table = masks.setdefault(mask, {})
            for combo in itertools.product(*(tuple(row.patterns[i].alternatives or ()) for i in mask)):
                key = combo[0] if len(combo) == 1 else combo
                if key not in table:
                    table[key] = ri
                    entries += 1
            if entries > budget:
                break
        shapes: _Shapes
        if entries > budget:
            shapes = "search"
            lines.append((f"def {name}_row(c):", d.span))
            lines.append(('    """The first row of a long table that matches the claim."""', d.span))
            for ri, row in enumerate(d.rows[:default]):
                lines.append((f"    if {self.row_test(d, row)}:", row.span))
                lines.append((f"        return {ri}", row.span))
            lines.append((f"    return {default}", d.span))
            lines.append(("", d.span))
            lines.append(("", d.span))
        else:
            shapes = []
            for k, (mask, table) in enumerate(masks.items()):
                shapes.append((mask, default if k == 0 else end))
                lines.append((f"{name}_{k} = {{  # claim values -> first row of this shape", d.span))
                for key, ri in table.items():
                    lines.append((f"    {key!r}: {ri},", d.rows[ri].span))
                lines.append(("}", d.span))
            if not masks:
                shapes.append(((), default))
        values = [self.expr(r.value, self.default_mode) for r in d.rows]
        constant = all(_is_literal(v) for v in values)
        if constant:
            lines.append((f"{name}_values = (  # the value of each row", d.span))
            for ri, v in enumerate(values):
                lines.append((f"    {v},", d.rows[ri].span))
            lines.append((")", d.span))
        self.tables[id(d)] = _Lookup(name, lines, shapes, constant)
        return self.tables[id(d)]

