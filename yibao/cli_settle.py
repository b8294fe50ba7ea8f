"""``yibao settle`` of many claims: a person's year from a JSON array, JSON lines, a folder or stdin.

The claims of each person are settled in date order with ``Policy.settle_many``, carrying
``year_to_date`` from claim to claim, so the command gives what the API gives. Every claim is
validated first; if any is refused, nothing is settled and each refusal is reported with its
source and JSON path.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from yibao.compiler.claims import Claim, Record
from yibao.compiler.json_input import decode_json
from yibao.compiler.loader import Policy
from yibao.compiler.masking import person_id
from yibao.compiler.money import money_display, money_str
from yibao.compiler.runtime import Settlement
from yibao.dsl.errors import ClaimError, ClaimIssue

STDIN = "-"


def read_many(path: str) -> tuple[list[tuple[str, Any]], bool]:
    """(source, claim JSON) pairs, and whether the input was one claim object rather than several."""
    from yibao.impact import read_claims

    if path == STDIN:
        return _stdin()
    p = Path(path)
    if p.is_dir() or p.suffix in (".jsonl", ".parquet"):
        return list(read_claims(p)), False
    items = list(read_claims(p))
    single = len(items) == 1 and items[0][0] == str(p)  # a file holding one object, not a list
    return items, single


def _stdin() -> tuple[list[tuple[str, Any]], bool]:
    """Standard input: one JSON value (a claim or a list of claims), or JSON lines."""
    data = sys.stdin.buffer.read()
    try:
        value = decode_json(data, "<stdin>")
    except ClaimError as whole:
        lines = [line for line in data.splitlines() if line.strip()]
        if len(lines) < 2:
            raise
        try:
            return [(f"<stdin>:{n}", decode_json(line, f"<stdin>:{n}"))
                    for n, line in enumerate(data.splitlines(), 1) if line.strip()], False
        except ClaimError:
            raise whole from None
    if isinstance(value, list):
        return [(f"<stdin>[{i}]", item) for i, item in enumerate(value)], False
    return [("<stdin>", value)], True


def settle_people(policy: Policy, items: list[tuple[str, Any]],
                  trace: bool) -> list[tuple[str, list[Settlement]]]:
    """Each person's settlements in date order, people in the order they first appear."""
    validated: list[Claim | Record] = []
    issues: list[ClaimIssue] = []
    for source, data in items:
        try:
            validated.append(policy.claim(data, source))
        except ClaimError as err:
            issues += [i.at(f"{err.source or source}: {i.path}") for i in err.issues]
    if issues:
        raise ClaimError(issues)
    people: dict[str, list[Claim | Record]] = {}
    for claim in validated:
        people.setdefault(getattr(claim, "person_id", ""), []).append(claim)
    return [(person, policy.settle_many(claims, trace=trace)) for person, claims in people.items()]


def as_json(people: list[tuple[str, list[Settlement]]], trace: bool, lines: bool | None = None) -> str:
    """One JSON document: every settlement, and each person's closing year-to-date figures."""
    return json.dumps({
        "settlements": [s.to_dict(trace=trace, lines=lines) for _, settled in people for s in settled],
        "closing": {person: _closing(settled) for person, settled in people},
    }, ensure_ascii=False, indent=2)


def as_jsonl(people: list[tuple[str, list[Settlement]]], trace: bool,
             lines: bool | None = None) -> Iterator[str]:
    """A settlement a line, each person's in date order: a person's last line has their closing
    ``year_to_date``."""
    for _, settled in people:
        for s in settled:
            yield json.dumps(s.to_dict(trace=trace, lines=lines), ensure_ascii=False)


def _closing(settled: list[Settlement]) -> dict[str, Any]:
    last = settled[-1]
    return {"year": last.claim.year, **{k: money_str(v) for k, v in sorted(last.ytd.items())}}


def closing_rows(people: list[tuple[str, list[Settlement]]], show_id: bool, lang: str = "en",
                 policy: Policy | None = None) -> list[tuple[str, str, str]]:
    """(person, accumulator, amount) for the closing table; IDs masked unless ``show_id``.

    In Chinese an accumulator is named in words (统筹基金支付已支付), not by its key.
    """
    rows = []
    for person, settled in people:
        who = person_id(person, show_id)
        last = settled[-1]
        names: dict[str, str] = {}
        if lang == "zh":
            from yibao.compiler.render import letter_lex
            from yibao.compiler.render_settlement import layer_labels

            lex = letter_lex(last, lang, policy)
            labels = layer_labels(last, lex)
            names = {key: lex.accumulator(key, labels) for key in last.ytd}
        for key, fen in sorted(last.ytd.items()):
            what = f"{last.claim.year}年 {names[key]}" if key in names else f"{last.claim.year} {key}"
            rows.append((who, what, money_display(fen)))
    return rows
