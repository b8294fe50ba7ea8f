"""The insured person's ID number as people see it: masked, unless asked for whole.

Every human-facing output (the settle table, the explainer, letters, policy documents'
worked examples) shows ``mask_id(person_id)``; ``--show-id`` shows it whole. The
settlement JSON is machine-facing and keeps the full ID.

The rule, one ``*`` for each hidden character:

- 15 characters or more (the 15- and 18-digit resident ID numbers): the first 4 and the
  last 4 stay, ``3715**********4415``; the first 4 name the region, the last 4 let a clerk
  tell two people apart; the date of birth and the sequence number are hidden.
- 3 to 14 characters: only the last 2 stay (``******12``): the first 4 and the last 4 would
  show most of a short number.
- 1 or 2 characters: all hidden.
"""

from __future__ import annotations

__all__ = ["mask_id", "person_id"]

LONG = 15  # from this length the first 4 and the last 4 characters are shown
KEEP_HEAD = KEEP_TAIL = 4
KEEP_TAIL_SHORT = 2


def mask_id(value: object) -> str:
    """``371521195403120027`` → ``3715**********0027``; ``AB1234`` → ``****34``; ``p1`` → ``**``."""
    text = "" if value is None else str(value)
    n = len(text)
    if n >= LONG:
        return text[:KEEP_HEAD] + "*" * (n - KEEP_HEAD - KEEP_TAIL) + text[n - KEEP_TAIL:]
    if n > KEEP_TAIL_SHORT:
        return "*" * (n - KEEP_TAIL_SHORT) + text[n - KEEP_TAIL_SHORT:]
    return "*" * n


def person_id(value: object, show_id: bool = False) -> str:
    """The ID as an output shows it: whole with ``show_id`` (``--show-id``), else masked."""
    return ("" if value is None else str(value)) if show_id else mask_id(value)
