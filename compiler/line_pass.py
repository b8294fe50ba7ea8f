"""The columnar backend's fused line pass: a policy's classification as a table for the C kernel
``_line_pass`` (``compiler/_line_pass.c``), which classifies every bill line and sums each claim's
out-of-scope and first self-pay amounts in one loop, with no temporary arrays.

``fused_table`` derives the table from the same plan entries ``codegen_columnar.classify`` writes
the NumPy code from: a classification has a fused form when each category's lines all get one
treatment with a fixed share (no `class`, no `when`, no `as billed`, no rate by bill line, which
needs each line's figures). The generated module then calls ``line_sums`` and runs its NumPy code
only where that returns None: the extension not built, or a batch the kernel leaves to NumPy
(``_line_pass.c`` says which); either way the figures are the NumPy code's, to the fen.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from yibao.dsl import ast
from yibao.dsl.types import CATEGORIES

from .constructs import TREATMENTS
from .money import RATE_ONE, percent_to_ppm

try:
    from . import _line_pass as _C  # type: ignore[attr-defined]
except ImportError:  # not compiled: the NumPy code does the work
    _C = None

# What each treatment does to a line, in the kernel's terms (``OP_*`` in ``_line_pass.c``).
OPS = {"in_scope": 0, "out_of_scope": 1, "first_self_pay": 2, "in_scope_share": 3}
MODES = {"half_up": 0, "down": 1, "half_even": 2, "up": 3}  # ``M_*``: as ``round_mul`` rounds
IN_SCOPE = (OPS["in_scope"], 0, 1, MODES["half_up"])
assert set(OPS) == set(TREATMENTS), "every treatment has a meaning in the fused pass"

Rule = tuple[int, int, int, int]


def available() -> bool:
    """Whether the fused line pass was compiled into this installation."""
    return _C is not None


def fused_table(cls: ast.Classify, mode: str, by_line: bool) -> tuple[Rule, ...] | None:
    """Per line category (A, B, C: its code in a batch), ``(op, p, q, mode)``: a share of
    amount × p / q rounded by ``mode``; None when the classification has no fused form."""
    if cls.as_billed is not None or by_line:
        return None
    table = []
    for cat in CATEGORIES:
        rows = [r for r in cls.rows if r.category == cat]
        if all(r.treatment.kind == "in_scope" for r in rows):
            table.append(IN_SCOPE)
            continue
        if any(r.item_class is not None or r.when is not None for r in rows):
            return None
        t = rows[0].treatment  # the first unconditional row takes every line of its category
        if t.kind not in ("first_self_pay", "in_scope_share"):
            table.append((OPS[t.kind], 0, 1, MODES["half_up"]))
            continue
        if not isinstance(t.share, ast.Percent):
            return None
        frac = Fraction(percent_to_ppm(t.share.value), RATE_ONE)  # as ``ExprEmitter.round_mul``
        table.append((OPS[t.kind], frac.numerator, frac.denominator, MODES[mode]))
    return tuple(table)


def line_sums(c: Any, table: tuple[Rule, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Each claim's out-of-scope and first self-pay sums and its bill (``c.total`` when the reader
    summed it), by the fused pass; None where the NumPy code must run instead."""
    if _C is None:
        return None
    n = c.n
    oos = np.empty(n, dtype=np.int64)
    fsp = np.empty(n, dtype=np.int64)
    total = np.empty(n, dtype=np.int64) if c.total is None else None
    if not _C.line_sums(table, c.line_category, c.line_amount, c.line_offsets, oos, fsp, total):
        return None
    return oos, fsp, c.total if total is None else total
