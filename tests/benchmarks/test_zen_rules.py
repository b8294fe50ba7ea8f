"""The zen-engine comparison's rules (``benchmarks/zen_rules.py``): the hand-written function both
processes time must settle the prepared claims as yibao does, and the decision graph must be one
zen-engine can load (nodes named once, every edge between them). zen-engine itself is not installed
here (it has its own virtualenv); its process checks zen against that function before timing."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))
import columnar as C  # noqa: E402
import zen_rules as Z  # noqa: E402


def test_the_baseline_both_processes_time_settles_as_yibao_does() -> None:
    pol = C.policy()
    paid = [0, 0]
    for d in C.base_claims(pol, 400):
        c = pol.claim(d)
        item = Z.prepare({"region": c.region, "level": c.level, "referral": c.referral, "ytd": c.ytd,
                          "lines": [{"category": ln.category, "amount": ln.amount} for ln in c.lines]})
        s = pol.settle(d)
        assert Z.hand_dict(item) == C.hand_settle(c) == (s.payer_fen[0], s.payer_fen[1], s.person_fen)
        paid = [paid[0] + s.payer_fen[0], paid[1] + s.payer_fen[1]]
    assert paid[0] > 0 and paid[1] > 0  # both layers pay on some claims


def test_the_decision_graph_is_well_formed() -> None:
    g = Z.graph()
    ids = [n["id"] for n in g["nodes"]]
    assert len(ids) == len(set(ids))
    kinds = {n["type"] for n in g["nodes"]}
    assert kinds == {"inputNode", "decisionTableNode", "expressionNode", "outputNode"}
    assert all(e["sourceId"] in ids and e["targetId"] in ids for e in g["edges"])
    settle = next(n for n in g["nodes"] if n["type"] == "expressionNode")
    keys = [x["key"] for x in settle["content"]["expressions"]]
    assert keys[-3:] == ["band2", "critical", "person"] and "basic" in keys
    table = next(n for n in g["nodes"] if n["type"] == "decisionTableNode")["content"]
    assert table["hitPolicy"] == "first" and len(table["rules"]) == len(Z.RATES)
