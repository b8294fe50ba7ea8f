"""Mutations of a file of claims for ``yibao batch``: a few bundled claims of one policy, given to
one to three persons in person order, one or two of them mutated as ``claim_mutations`` mutates a
claim, written as JSON lines, or as a table mutated further by ``table_mutations``, in Parquet.

What is fuzzed is the columnar path against the scalar one: the runner settles the file with both
engines (and the columnar one again in chunks of two claims, and from Parquet), and any difference
in what they settle or refuse is a crash. Split from ``claim_mutations`` (one claim, one file) for
its own oracle: a claim's place in a chunk, its person's other claims, the row it is refused at.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from .claim_mutations import dump, mutate_tree
from .corpus import Corpus, Mutant
from .table_mutations import corrupt_file, mutate_table

BATCH_OPS = ("no_lines", "empty_lines_object", "out_of_order", "same_id", "null_person")


def mutate_parquet(rng: random.Random, corpus: Corpus, index: int = 0) -> Mutant:
    """A Parquet file of claims (``mutate_batch``'s, as a table) with its bytes broken."""
    for _ in range(20):  # a file of claims that has a table's shape
        base = mutate_batch(rng, corpus, index, table=True)
        if base.suffix == ".parquet":
            data, ops = corrupt_file(rng, base.data if isinstance(base.data, bytes) else b"")
            return Mutant("parquet", index, base.origin, (*base.ops, *ops), data, ".parquet")
    return Mutant("parquet", index, base.origin, base.ops, b"", ".parquet")


def mutate_batch(rng: random.Random, corpus: Corpus, index: int = 0, *, heavy: bool = False,
                 table: bool | None = None) -> Mutant:
    """Two to six claims of one policy's bundled claims, for one to three persons (sorted by id,
    any order of a person's claims), one or two of them mutated; maybe one change of the file's
    own (a claim without lines, out of person order, an id twice, a person without an id). As JSON
    lines, or as a Parquet table mutated further (``table``: always, never, or half the time)."""
    origin = rng.choice(sorted(corpus.claims))
    policy = corpus.claim_policy[origin]
    pool = corpus.claims_of(policy)
    claims: list[Any] = [json.loads(corpus.claims[rng.choice(pool)]) for _ in range(rng.randint(2, 6))]
    persons = sorted(rng.sample(range(100), rng.randint(1, min(3, len(claims)))))
    owners = sorted(rng.choice(persons) for _ in claims)
    ops: list[str] = []
    for i, (claim, owner) in enumerate(zip(claims, owners, strict=True)):
        claim = claims[i] = copy.deepcopy(claim)
        if isinstance(claim, dict):
            claim["id"] = f"FZ-{i}"
            if isinstance(claim.get("person"), dict):
                claim["person"]["id"] = f"P{owner:03d}"
    for _ in range(rng.choice((1, 1, 2))):
        i = rng.randrange(len(claims))
        claims[i], what = mutate_tree(rng, claims[i], corpus, heavy)
        ops.append(f"claim{i}:{what}")
    if rng.random() < 0.4:
        ops.append(_file_op(rng, claims))
    as_table = rng.random() < 0.5 if table is None else table
    if as_table:  # the claims as a table, mutated as only a table can be, in Parquet
        rows = _rows(claims)
        if rows:
            data, more = mutate_table(rng, rows, corpus)
            return Mutant("batch", index, origin, (*ops, *more), data, ".parquet")
    text = "".join(dump(c, ensure_ascii=rng.random() < 0.7) + "\n" for c in claims)
    return Mutant("batch", index, origin, tuple(ops), text.encode("utf-8", "surrogatepass"))


def _rows(claims: list[Any]) -> list[dict[str, Any]] | None:
    """The claims as rows of the claim table, or None where one has no table's shape."""
    from yibao.compiler import columnar_format as F
    from yibao.dsl.errors import ClaimError

    try:
        return F.claims_to_table((str(i), c) for i, c in enumerate(claims)).to_pylist()
    except ClaimError:
        return None


def _file_op(rng: random.Random, claims: list[Any]) -> str:
    """One change a file of claims can have that no single claim has."""
    kind = rng.choice(BATCH_OPS)
    i = rng.randrange(len(claims))
    claim = claims[i]
    if not isinstance(claim, dict):
        return "file_none"
    if kind == "no_lines":  # at a chunk's end, in the middle of a person's claims, or alone
        claim["lines"] = []
    elif kind == "empty_lines_object":
        claim["lines"] = [{}]
    elif kind == "out_of_order" and isinstance(claim.get("person"), dict):
        claim["person"]["id"] = "P999" if i < len(claims) - 1 else "P"
    elif kind == "same_id":
        claim["id"] = "FZ-0"
    elif kind == "null_person" and isinstance(claim.get("person"), dict):
        claim["person"]["id"] = None
    return f"file:{kind}@{i}"
