"""Mutation fuzzing of policies and claims: what a person can feed yibao must end in a YibaoError.

A mutant is made from a bundled policy or claim by a few random mutations, and run
through the path a user takes (``yibao check`` / ``yibao settle --trace`` / ``yibao batch``, where
the columnar engine must settle or refuse what the scalar one does). Its outcome
is one of: accepted, rejected (a YibaoError that says where), unpositioned (a YibaoError
that does not say where), crashed (any other exception) or hung (over the time limit).

Mutant ``i`` of a run depends only on the seed, the target and ``i``, so a run can be
spread over processes and any mutant made again from its number. ``scripts/fuzz.py`` is
the command around this package; ``tests/test_fuzz.py`` draws seeds from hypothesis.

``corpus`` holds the inputs and the mutant, ``policy_mutations``, ``claim_mutations`` and
``batch_mutations`` make mutants, ``runner`` runs them; this module makes mutant ``i`` of a run
and names what the command and the tests use.
"""

from __future__ import annotations

import random
from dataclasses import replace

from .batch_mutations import mutate_batch, mutate_parquet
from .claim_mutations import Pairs, Raw, dump, mutate_claim
from .corpus import KINDS, MUTANT_NAME, TARGETS, Corpus, Mutant, bundled_root, load_corpus, policy_of_claim
from .national_mutations import mutate_national
from .policy_mutations import EXPENSIVE, POLICY_OPS, mutate_policy
from .runner import Hung, Outcome, Runner, cpu_count, hang_key, position_problem, save_mutant

__all__ = [
    "EXPENSIVE", "KINDS", "MUTANT_NAME", "POLICY_OPS", "TARGETS", "Corpus", "Hung", "Mutant", "Outcome",
    "Pairs", "Raw", "Runner", "bundled_root", "cpu_count", "dump", "hang_key", "load_corpus", "make_mutant",
    "mutate_batch", "mutate_claim", "mutate_national", "mutate_parquet", "mutate_policy", "policy_of_claim",
    "position_problem", "save_mutant",
]


def make_mutant(target: str, seed: int, index: int, corpus: Corpus, *, heavy: bool = True,
                op: str | None = None) -> Mutant:
    """Mutant ``index`` of a run: the same seed, target and index always give the same mutant."""
    rng = random.Random(f"{seed}/{target}/{index}")
    if target == "policy":
        return mutate_policy(rng, corpus, index, heavy=heavy, op=op)
    if target == "lsp":  # a policy's mutant, typed into an editor
        return replace(mutate_policy(rng, corpus, index, heavy=heavy, op=op), target="lsp")
    if target == "claim":
        return mutate_claim(rng, corpus, index, heavy=heavy)
    if target == "batch":
        return mutate_batch(rng, corpus, index)
    if target == "parquet":
        return mutate_parquet(rng, corpus, index)
    if target == "national":
        return mutate_national(rng, corpus, index)
    raise ValueError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")
