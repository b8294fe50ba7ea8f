"""A settlement's recorded steps by construct, and the compact trace ``setl_proc_info`` carries.

The writer and the reconciler read figures from the steps the compiled policy recorded, by their
construct (``compiler/constructs.py``) and the names it gives their values: never by rule-id
suffix, tuple position or formula text. These are the raw records, named; formatting a step for a
person (``Settlement.trace``) happens only for the visit someone looks at.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from yibao.compiler.constructs import (
    BASE,
    CAP_MONTH,
    CAP_QUARTER,
    CAP_VISIT,
    CAP_YEAR,
    CONSTRUCTS,
    PAYS,
    RATE,
    RATE_AFTER_DEDUCTIBLE,
    SKIPPED,
    Construct,
)
from yibao.compiler.runtime import Settlement
from yibao.compiler.trace import json_values

PROC_INFO_LIMIT = 4000  # setl_proc_info is C4000
PROC_INFO_VERSION = 1


class RawStep(NamedTuple):
    index: int  # the step's index in the settlement's trace
    rule: str
    construct: Construct
    layer: str
    values: Mapping[str, Any]  # as recorded: money in fen, rates in parts per million
    cite: str


def raw_steps(s: Settlement) -> list[RawStep]:
    """The traced settlement's steps, named by their constructs; ``ValueError`` if it was not traced."""
    if s.records is None:
        raise ValueError("the settlement was not traced: settle with trace=True")
    sites = s.meta.sites
    out = []
    for i, (site_id, values) in enumerate(s.records):
        site = sites[site_id]
        c = CONSTRUCTS[site.construct]
        out.append(RawStep(i, site.rule, c, site.layer, c.named(values), site.cite))
    return out


class LayerFigures(NamedTuple):
    """What one layer's steps say, for setlinfo and setldetail."""

    applies: bool
    base: int | None
    deductible: int  # the deductible applied
    rate: int | None  # parts per million
    cap_left: int | None  # what the cap left this visit could pay (本次可支付限额)
    paid: int


def layer_figures(steps: Sequence[RawStep]) -> dict[str, LayerFigures]:
    """Each layer's figures, from the constructs of its steps."""
    acc: dict[str, dict[str, Any]] = {}
    for st in steps:
        if not st.layer:
            continue
        f = acc.setdefault(
            st.layer,
            {"applies": True, "base": None, "deductible": 0, "rate": None, "cap_left": None, "paid": 0},
        )
        c, v = st.construct, st.values
        if c is SKIPPED:
            f["applies"] = False
        elif c is BASE:
            f["base"] = v["base"]
        elif c.part == "deductible":
            f["deductible"] += v["applied"]
        elif c in (RATE, RATE_AFTER_DEDUCTIBLE):
            f["rate"] = v["rate"]
        elif c in (CAP_YEAR, CAP_MONTH, CAP_QUARTER, CAP_VISIT):  # the tightest cap is what is left
            left = v["cap"] if c is CAP_VISIT else v["cap_left"]
            f["cap_left"] = left if f["cap_left"] is None else min(f["cap_left"], left)
        elif c is PAYS:
            f["paid"] = v["pay"]
    return {k: LayerFigures(**f) for k, f in acc.items()}


def step_entry(st: RawStep) -> dict[str, Any]:
    """A step as the compact trace writes it: its rule and its figures by name, as the settlement
    JSON shows them."""
    return {"rule": st.rule, **json_values(st.construct.name, st.values)}


def proc_info(steps: Sequence[RawStep], limit: int = PROC_INFO_LIMIT) -> str:
    """One layer's steps as compact JSON within ``limit`` characters: rule, figures, citations.

    When they do not fit, the citations are dropped first, then the last steps (``more`` counts them).
    """
    entries = [step_entry(st) for st in steps]
    cites = list(dict.fromkeys(st.cite for st in steps if st.cite))

    def dump(body: list[dict[str, Any]], cite: list[str], more: int) -> str:
        doc: dict[str, Any] = {"yibao": PROC_INFO_VERSION, "steps": body}
        if cite:
            doc["cite"] = cite
        if more:
            doc["more"] = more
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))

    text = dump(entries, cites, 0)
    if len(text) <= limit:
        return text
    text = dump(entries, [], 0)
    kept = len(entries)
    while len(text) > limit and kept > 0:
        kept -= 1
        text = dump(entries[:kept], [], len(entries) - kept)
    return text


def read_proc_info(text: str | None) -> list[dict[str, Any]] | None:
    """The steps of a compact trace yibao wrote, or None for any other text (a platform's own)."""
    if not text or not text.startswith('{"yibao":'):
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    steps = doc.get("steps") if isinstance(doc, dict) else None
    if doc.get("yibao") != PROC_INFO_VERSION or not isinstance(steps, list):
        return None
    if not all(isinstance(s, dict) and isinstance(s.get("rule"), str) for s in steps):
        return None
    return steps
