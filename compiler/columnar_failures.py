"""How a claim of a batch fails, as the scalar path reports it: the columnar module's checks
(``fail``, ``fail_lines``) record each failing claim's message on the batch, and the claim's
first failure is its outcome, while the other claims are settled (``runtime_columnar``).

The message is ``loader.Policy._locate``'s: the policy file and line, the claim, the reason and
the policy line's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from yibao.dsl.errors import DIVISION_BY_ZERO, SettlementError  # noqa: F401  (generated modules import it here)

from .runtime import failure


@dataclass(frozen=True)
class PolicyLines:
    """The policy file and its text, to name a failing rule as ``loader.Policy._locate`` does."""

    file: str
    texts: Mapping[str, str]


def no_row(name: str, line: int) -> str:
    """Why a claim fails where no row of the table of parameter ``name`` (at ``line``) matches it."""
    return f"no table row of `{name}` (line {int(line)}) matches this claim"


def fail(c: Any, bad: Any, where: tuple[str, int], reason: Any, info: PolicyLines) -> None:
    """Every claim where ``bad`` holds fails with the scalar path's ``SettlementError`` message
    (unless it failed already: its first failure is its outcome); the other claims go on.
    ``reason`` is the message, or a function of the claim's index within ``c``."""
    bad = np.asarray(bad)
    if not bad.any():
        return
    for i in np.flatnonzero(np.broadcast_to(bad, (c.n,))).tolist():
        if not c.failed(i):
            c.fail_claim(i, message(c, i, where, reason(i) if callable(reason) else reason, info))


def message(c: Any, i: int, where: tuple[str, int], reason: object, info: PolicyLines) -> SettlementError:
    """``loader.Policy._locate``'s error (``runtime.failure``): the policy line, the claim, the
    reason, the line's text."""
    claim = c.id[i]
    claim = claim.as_py() if hasattr(claim, "as_py") else claim
    return failure(where[0], where[1], "claim", claim, reason, info.texts)


def fail_lines(c: Any, owner: np.ndarray, bad: Any, where: tuple[str, int], reason: Any,
               info: PolicyLines) -> None:
    """``fail`` for a test over bill lines, while the lines are classified: the scalar path goes
    line by line, so a claim's failure is that of its first failing line (``commit_lines``
    makes it the claim's). ``reason`` is a function of the line's index."""
    bad = np.asarray(bad)
    if not bad.any():
        return
    hits = np.flatnonzero(np.broadcast_to(bad, (len(owner),)))
    claims, first = np.unique(owner[hits], return_index=True)  # hits ascend: a claim's first line
    for i, j in zip(claims.tolist(), hits[first].tolist(), strict=True):
        known = c.line_errors.get(i)
        if known is None or j < known[0]:
            text = reason(j) if callable(reason) else reason
            c.line_errors[i] = (j, message(c, i, where, text, info))


def commit_lines(c: Any) -> None:
    """After the classification: each claim's first failing line, unless it failed before."""
    for i, (_, text) in sorted(c.line_errors.items()):
        c.fail_claim(i, text)
    c.line_errors.clear()


def rate_text(rate: Any, i: int) -> object:
    """The reason of a rate outside 0%..100% at claim (line) ``i``."""
    value = int(np.broadcast_to(rate, (i + 1,))[i]) if np.ndim(rate) else int(rate)
    return SettlementError.rate_outside(value).phrase


def overpaid(layer: str, pay: Any, unpaid: Any, i: int, first: bool) -> object:
    """The reason of a `given` layer's figure more than the claim leaves it, at claim ``i``."""
    return SettlementError.overpaid(layer, int(pay[i]), int(unpaid[i]), first).phrase
