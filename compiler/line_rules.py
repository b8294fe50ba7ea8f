"""A policy's classification as a table of per-category line rules, ``LINE_RULES``: what each bill
line of a category does to its claim's out-of-scope and first self-pay sums, for the C code that
sums lines without Python — the columnar backend's fused line pass (``line_pass.py``,
``_line_pass.c``) and the claim reader's ``read_sums`` (``claim_reader.py``), both by the one rule of
``compiler/line_rule.h``.

``fused_table`` derives the table from the same plan entries both code generators write the line
loop from: a classification has the form when each category's lines all get one treatment with a
fixed share (no `class`, no `when`, no `as billed`, no rate by bill line, which needs each line's
figures). No NumPy here: the scalar generator reads it too.
"""

from __future__ import annotations

from fractions import Fraction

from yibao.dsl import ast
from yibao.dsl.types import CATEGORIES

from .constructs import TREATMENTS
from .money import RATE_ONE, percent_to_ppm

# What each treatment does to a line, in the kernel's terms (``OP_*`` in ``line_rule.h``).
OPS = {"in_scope": 0, "out_of_scope": 1, "first_self_pay": 2, "in_scope_share": 3}
MODES = {"half_up": 0, "down": 1, "half_even": 2, "up": 3}  # ``M_*``: as ``round_mul`` rounds
IN_SCOPE = (OPS["in_scope"], 0, 1, MODES["half_up"])
assert set(OPS) == set(TREATMENTS), "every treatment has a meaning in the fused pass"

Rule = tuple[int, int, int, int]


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
