"""Mutations of a visit in the national platform's shapes (``docs/national.md``): a bundled claim of
a policy that a bundled pooling area maps, written as the visit it is (``claim_to_national``: the
platform's mdtrtinfo, feedetail, setlinfo, setldetail, cuminfo as yibao settles it), then mutated
as ``claim_mutations`` mutates a claim's JSON tree, maybe its bytes too.

The runner reads the mutant as ``yibao reconcile`` and the national settle of ``yibao serve`` do:
every visit ends matched, differing or rejected with its issues' paths, never a crash.
"""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path
from typing import Any

from .claim_mutations import _mutate_bytes, dump, mutate_tree
from .corpus import Corpus, Mutant


@cache
def policy_and_area(root: Path, rel: str) -> tuple[Any, Any] | None:
    """A bundled policy, compiled, and the bundled area that maps it; None where none does."""
    from yibao.compiler.loader import load_policy
    from yibao.national.areas import AreaError, area_for

    policy = load_policy(root / rel)
    if policy.input != "claim":
        return None
    try:
        return policy, area_for(policy.id)
    except AreaError:
        return None


@cache
def _visits(root: Path, claims: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """(claim, its visit's JSON) for each bundled claim a bundled area's policy settles."""
    from yibao.dsl.errors import YibaoError
    from yibao.national.convert import claim_to_national

    out = []
    for claim, rel in claims:
        found = policy_and_area(root, rel)
        if found is None:
            continue
        policy, area = found
        try:
            visit = claim_to_national(policy, area, json.loads((root / claim).read_bytes()))
        except YibaoError:  # a code the area's mapping lacks for this claim: not a visit
            continue
        out.append((claim, json.dumps(visit, ensure_ascii=False)))
    return tuple(out)


def mutate_national(rng: random.Random, corpus: Corpus, index: int = 0) -> Mutant:
    """One to three structure-aware mutations of a visit made from a bundled claim, then maybe one
    of its bytes."""
    visits = _visits(corpus.root, tuple(sorted(corpus.claim_policy.items())))
    origin, text = rng.choice(visits)
    tree: Any = json.loads(text)
    ops = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        tree, what = mutate_tree(rng, tree, corpus, heavy=False)
        ops.append(what)
    data = dump(tree, ensure_ascii=rng.random() < 0.7).encode("utf-8", "surrogatepass")
    if rng.random() < 0.2:
        data, what = _mutate_bytes(rng, data)
        ops.append(what)
    return Mutant("national", index, origin, tuple(ops), data, ".json")
