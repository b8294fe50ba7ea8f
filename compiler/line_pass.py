"""The columnar backend's fused line pass: a policy's classification as a table for the C kernel
``_line_pass`` (``compiler/_line_pass.c``), which classifies every bill line and sums each claim's
out-of-scope and first self-pay amounts in one loop, with no temporary arrays.

``fused_table`` (``line_rules.py``, shared with the scalar generator) derives the table from the
same plan entries ``codegen_columnar.classify`` writes the NumPy code from (when a classification
has that form, see there). The generated module then calls ``line_sums`` and runs its NumPy code
only where that returns None: the extension not built, or a batch the kernel leaves to NumPy
(``_line_pass.c`` says which); either way the figures are the NumPy code's, to the fen.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .line_rules import IN_SCOPE, MODES, OPS, Rule, fused_table  # noqa: F401  (the table, re-exported)

try:
    from . import _line_pass as _C  # type: ignore[attr-defined]
except ImportError:  # not compiled: the NumPy code does the work
    _C = None


def available() -> bool:
    """Whether the fused line pass was compiled into this installation."""
    return _C is not None


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
