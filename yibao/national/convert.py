"""Conversions between yibao claims and the platform's shapes, one item at a time, for ``yibao convert``
and the HTTP service. Each yields JSON-ready dicts, or raises a ``YibaoError`` naming the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from yibao.compiler.loader import Policy
from yibao.dsl.errors import YibaoError

from .areas import Area
from .reader import PolicyNeeds, to_claim
from .writer import settlement_shapes, to_visit

# (from, to) → what the conversion gives; the formats `yibao convert` knows for the national platform
DIRECTIONS = {
    ("national", "yibao"): "a national visit → a yibao claim",
    ("yibao", "national"): "a yibao claim → a national visit (with the policy's settlement as setlinfo)",
    ("national", "settlement"): "a national visit, settled → setlinfo, setldetail and closing cuminfo",
}


def national_to_claim(
    policy: Policy | None, area: Area, visit: Any, source: str | None = None
) -> dict[str, Any]:
    """The claim a visit becomes, checked against ``policy`` when one is given."""
    claim = to_claim(visit, area, PolicyNeeds.of(policy) if policy is not None else None, source)
    if policy is not None:
        policy.claim(claim, source)
    return claim


def claim_to_national(
    policy: Policy, area: Area, claim: Any, source: str | None = None, settle: bool = True
) -> dict[str, Any]:
    """A claim (validated by ``policy``) as a national visit; with ``settle``, also the platform's
    setlinfo and setldetail as the policy computes them."""
    c = policy.claim(claim, source)
    s = policy.settle(c, trace=True, source=source) if settle else None
    return to_visit(c, area, s)


def settle_national(policy: Policy, area: Area, visit: Any, source: str | None = None) -> dict[str, Any]:
    """A national visit settled under ``policy``: ``{"setlinfo", "setldetail", "cuminfo"}``."""
    claim = national_to_claim(policy, area, visit, source)
    return settlement_shapes(policy.settle(claim, trace=True, source=source), area)


def convert(
    direction: tuple[str, str], policy: Policy | None, area: Area, items: Iterable[tuple[str, Any]]
) -> Iterator[tuple[str, dict[str, Any] | YibaoError]]:
    """Each item converted, or the error that says why not (a rejected claim or visit, a code the
    area's mapping lacks, a failure while settling): the caller reports it and goes on."""
    for source, data in items:
        try:
            if direction == ("national", "yibao"):
                yield source, national_to_claim(policy, area, data, source)
            elif direction == ("yibao", "national"):
                assert policy is not None
                yield source, claim_to_national(policy, area, data, source)
            else:
                assert policy is not None
                yield source, settle_national(policy, area, data, source)
        except YibaoError as err:
            yield source, err
