"""Fuzzing in CI: mutated policies and claims end in a positioned YibaoError or a result, never a traceback.

The mutations are those of ``scripts/fuzz.py`` (``yibao.fuzzing``); hypothesis draws which
mutant to run. Bounded to a few hundred small mutants and a handful of huge ones, so the
file stays fast; the long runs are ``scripts/fuzz.py``'s job.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from yibao.dsl import codes
from yibao.dsl.ast import Span
from yibao.dsl.errors import ClaimError, ClaimIssue, Diagnostic, PolicyError

from yibao.fuzzing import EXPENSIVE, Mutant, Runner, load_corpus, make_mutant

# No shrinking: a smaller mutant number is not a smaller mutant. The failure message shows the mutant.
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None,
                    phases=[Phase.explicit, Phase.generate])
INDEX = st.integers(min_value=0, max_value=2**31)


@pytest.fixture(scope="module")
def runner():
    with Runner(load_corpus(), timeout=5.0, settle_claims=1) as r:
        yield r


def explain(outcome, mutant: Mutant) -> str:
    data = mutant.data if len(mutant.data) < 400 else mutant.data[:400]
    return (f"{outcome.kind}: {outcome.error}: {outcome.message[:200]}\n  at {outcome.frame}\n"
            f"  mutant #{mutant.index} of {mutant.origin} via {mutant.via}, ops {mutant.ops}\n  {data!r}")


def assert_clean(runner: Runner, mutant: Mutant) -> None:
    outcome = runner.run(mutant)
    assert outcome.kind in ("accepted", "rejected"), explain(outcome, mutant)


@given(index=INDEX)
@settings(SETTINGS, max_examples=150)
def test_mutated_policies_are_accepted_or_rejected_with_a_position(runner, index):
    assert_clean(runner, make_mutant("policy", 1, index, runner.corpus, heavy=False))


@given(index=INDEX, op=st.sampled_from(sorted(EXPENSIVE | {"surrogate", "extends", "label"})))
@settings(SETTINGS, max_examples=15)
def test_hostile_policies_are_accepted_or_rejected_with_a_position(runner, index, op):
    assert_clean(runner, make_mutant("policy", 2, index, runner.corpus, op=op))


@given(index=INDEX)
@settings(SETTINGS, max_examples=200)
def test_mutated_claims_are_settled_or_rejected_with_a_path(runner, index):
    assert_clean(runner, make_mutant("claim", 1, index, runner.corpus, heavy=False))


@given(index=INDEX)
@settings(SETTINGS, max_examples=60)
def test_mutated_claim_files_are_settled_alike_by_both_batch_engines(runner, index):
    """A file of a few claims, some mutated: the columnar engine settles or refuses what the scalar
    one does (JSON lines in two chunk sizes, and Parquet), and a refusal names rows and paths."""
    assert_clean(runner, make_mutant("batch", 1, index, runner.corpus))


@given(index=INDEX)
@settings(SETTINGS, max_examples=40)
def test_broken_parquet_claim_files_are_refused_cleanly(runner, index):
    """A Parquet file of claims with its bytes broken: each engine, and convert, refuses it with a
    reason or settles it; never a crash (the process aborting is a crash too)."""
    assert_clean(runner, make_mutant("parquet", 1, index, runner.corpus))


@given(index=INDEX)
@settings(SETTINGS, max_examples=80)
def test_mutated_national_visits_are_reconciled_or_rejected_with_a_path(runner, index):
    """A visit in the platform's shapes made from a bundled claim, mutated: reconciled (matched or
    differing) or rejected with its issues' paths, the report printable, never a crash."""
    assert_clean(runner, make_mutant("national", 1, index, runner.corpus))


@given(index=INDEX)
@settings(SETTINGS, max_examples=40)
def test_the_language_server_answers_for_mutated_policies(runner, index):
    """A policy's mutant typed into an editor: ``yibao lsp`` over stdio publishes diagnostics within
    the text (none an internal error) and answers hover, completion, definition, references,
    symbols and formatting, never with an error."""
    assert_clean(runner, make_mutant("lsp", 1, index, runner.corpus, heavy=False))


@given(index=INDEX, op=st.sampled_from(sorted(EXPENSIVE)))
@settings(SETTINGS, max_examples=6)
def test_the_language_server_answers_for_huge_policies(runner, index, op):
    """Thousands of names on a line, a huge number, deep nesting: answered within the time limit
    (an outline of 3,000 names on one line took 11 s, 7,362 diagnostics 36 s)."""
    assert_clean(runner, make_mutant("lsp", 2, index, runner.corpus, op=op))


# ---------------------------------------------------------------------------- the oracle itself


def test_mutants_are_reproducible_from_their_number():
    corpus = load_corpus()
    for target in ("policy", "claim", "batch", "parquet", "national", "lsp"):
        assert make_mutant(target, 7, 42, corpus) == make_mutant(target, 7, 42, corpus)
        assert make_mutant(target, 7, 42, corpus) != make_mutant(target, 7, 43, corpus)


def test_the_oracle_tells_crashes_and_unpositioned_rejections_from_rejections(runner):
    mutant = Mutant("policy", 0, "jiujiang/resident_inpatient.yb", (), b"")
    assert runner.classify(KeyError("x"), mutant).kind == "crashed"
    nowhere = PolicyError([Diagnostic(codes.SYNTAX, Span("p.yb", 0, 0, 0, 0), "bad")], "x\n")
    assert runner.classify(nowhere, mutant).kind == "unpositioned"
    beyond = PolicyError([Diagnostic(codes.SYNTAX, Span("p.yb", 9, 1, 9, 2), "bad")], "x\n")
    assert runner.classify(beyond, mutant).kind == "unpositioned"
    there = PolicyError([Diagnostic(codes.SYNTAX, Span("p.yb", 1, 1, 1, 2), "bad")], "x\n")
    assert runner.classify(there, mutant).kind == "rejected"
    assert runner.classify(ClaimError([ClaimIssue("", "no path")]), mutant).kind == "unpositioned"
    assert runner.classify(ClaimError([ClaimIssue("lines[0]", "bad")]), mutant).kind == "rejected"
    assert runner.classify(None, mutant).kind == "accepted"


def test_a_mutant_over_the_time_limit_is_reported_as_hung():
    with Runner(load_corpus(), timeout=0.05) as slow:
        slow.run_policy = lambda mutant: [0 for _ in iter(int, 1)]  # type: ignore[method-assign]
        outcome = slow.run(Mutant("policy", 0, "jiujiang/resident_inpatient.yb", (), b""))
    assert outcome.kind == "hung"


def test_the_batch_oracle_tells_engines_that_differ(runner, monkeypatch):
    """Both engines settle a file of bundled claims alike; one made to differ is a crash."""
    origin = "jiujiang/claims/level2_local.json"
    claim = runner.corpus.claims[origin].decode("utf-8").replace("\n", " ")
    mutant = Mutant("batch", 0, origin, (), (claim + "\n").encode("utf-8"))
    assert runner.run(mutant).kind == "accepted"
    real = runner._batch

    def skewed(policy, src, engine, chunk=None):
        got, err = real(policy, src, engine, chunk)
        return ((*got, "skewed") if engine == "columnar" else got), err

    monkeypatch.setattr(runner, "_batch", skewed)
    outcome = runner.run(mutant)
    assert outcome.kind == "crashed" and "the columnar engine gives" in outcome.message, outcome
