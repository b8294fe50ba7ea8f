"""Whether two exceptions of a parameter can both apply, and which one wins.

An exception ``over`` another wins where both apply; two exceptions neither of which is
over the other must have exclusive conditions. The priority is the closure of ``over``;
the overlap test reads a condition as a conjunction of enum tests and is conservative
(anything else may overlap). Its own module because it is an analysis of conditions,
not a check of one statement: ``checks.py`` reports what it finds.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import ast

__all__ = ["may_overlap", "priority"]


def priority(exceptions: Sequence[ast.Exception_]) -> dict[str, set[str]]:
    """Every exception each one is over, directly or through others (names not declared are kept)."""
    names = {e.name: e for e in exceptions}
    wins: dict[str, set[str]] = {}
    for e in exceptions:
        reached: set[str] = set()
        todo = list(e.over)
        while todo:
            b = todo.pop()
            if b not in reached:
                reached.add(b)
                todo.extend(names[b].over if b in names else ())
        wins[e.name] = reached
    return wins


def _constraints(e: ast.Expr, enums: dict[str, tuple[str, ...]]) -> dict[str, set[str]] | None:
    """A conjunction of enum tests as field → allowed values, or None if not of that form."""
    if isinstance(e, ast.BoolOp) and e.op == "and":
        out: dict[str, set[str]] = {}
        for o in e.operands:
            c = _constraints(o, enums)
            if c is None:
                continue  # an opaque conjunct only narrows: ignoring it stays conservative
            for k, v in c.items():
                out[k] = out[k] & v if k in out else set(v)
        return out
    if isinstance(e, ast.BoolOp) and e.op == "or":
        parts = [_constraints(o, enums) for o in e.operands]
        if any(p is None or len(p) != 1 for p in parts):
            return None
        keys = {next(iter(p)) for p in parts}  # type: ignore[union-attr]
        if len(keys) != 1:
            return None
        key = keys.pop()
        return {key: set().union(*(p[key] for p in parts))}  # type: ignore[index]
    if isinstance(e, ast.Compare) and isinstance(e.left, ast.Field) and e.op in ("==", "!="):
        dom = enums.get(e.left.dotted)
        if dom is None:
            return None
        if isinstance(e.right, ast.Name):
            value = e.right.name
        elif isinstance(e.right, ast.Number):
            value = str(e.right.value)
        else:
            return None
        return {e.left.dotted: {value} if e.op == "==" else set(dom) - {value}}
    if isinstance(e, ast.MemberOf) and isinstance(e.operand, ast.Field):
        return {e.operand.dotted: {m.name for m in e.members}}
    return None


def may_overlap(a: ast.Expr, b: ast.Expr, enums: dict[str, tuple[str, ...]]) -> bool:
    """Whether conditions ``a`` and ``b`` can both hold; True unless their enum tests exclude each other."""
    ca, cb = _constraints(a, enums), _constraints(b, enums)
    if ca is None or cb is None:
        return True
    return all(not (k in cb and not (v & cb[k])) for k, v in ca.items())
