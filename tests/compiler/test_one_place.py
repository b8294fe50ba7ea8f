"""One construct, one place: only the plan and trace modules know how a rule id or a record is built.

``compiler/constructs.py`` defines each construct's named fields, ``phrases.py`` its wording,
``codegen.py`` builds rule ids and records from them and ``trace.py`` turns records into steps
with named values. Every other module reads ``Step.construct``, ``Step.layer`` and
``Step.values`` (or ``Site.construct``/``Site.layer`` and ``Construct.named``); one that picks
a rule id apart by its suffix, a record by its positions or a formula by its template text
breaks silently when a construct changes, so this test names it by file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from yibao.compiler import constructs as C
from yibao.compiler import phrases

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("compiler", "tui", "yibao")
PLAN_MODULES = {"compiler/constructs.py", "compiler/phrases.py", "compiler/trace.py", "compiler/codegen.py"}


def _is_plan(rel: str) -> bool:
    """The plan and trace modules, and the code generator however many files it is split into."""
    return rel in PLAN_MODULES or re.fullmatch(r"compiler/codegen_\w+\.py", rel) is not None

PATTERNS: dict[str, re.Pattern[str]] = {
    "a rule id picked apart by its suffix": re.compile(
        r"""\brule\.(?:r?split|r?partition|endswith|startswith)\(|\.rsplit\(\s*["']\.["']\s*,\s*1\s*\)"""),
    "a trace record read by position": re.compile(
        r"\b(?:values|v|record|rec)\[\d+\]|\blen\((?:values|v)\)\s*=="),
    "a formula's template text": re.compile(r"\.template(?:_zh)?\b"),
}

# Lines that match a pattern but are about something else, each with the reason.
ALLOWED: dict[tuple[str, str], str] = {
    ("compiler/claims.py", "return values[0]"): "an enum's allowed values, not a trace record",
}


def _sources() -> list[Path]:
    return sorted(p for d in SCANNED for p in (ROOT / d).rglob("*.py")
                  if not _is_plan(p.relative_to(ROOT).as_posix()))


def offences(rel: str, text: str) -> list[str]:
    """``file:line: what (the line)`` for each line of ``text`` that matches an old pattern."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        for what, pattern in PATTERNS.items():
            if pattern.search(line) and (rel, line.strip()) not in ALLOWED:
                out.append(f"{rel}:{n}: {what}: {line.strip()}")
    return out


def test_no_consumer_reads_rule_ids_record_positions_or_templates() -> None:
    found = [o for p in _sources() for o in offences(p.relative_to(ROOT).as_posix(), p.read_text("utf-8"))]
    assert not found, "read constructs and steps instead (compiler/constructs.py):\n" + "\n".join(found)


def test_the_allowed_lines_still_exist() -> None:
    """An allowance outlives its line only by mistake."""
    for rel, line in ALLOWED:
        assert line in (ROOT / rel).read_text("utf-8"), (rel, line)


@pytest.mark.parametrize("old", [
    'layer = site.rule.rsplit(".", 1)[0]',
    'elif site.rule.endswith((".cap_year", ".cap_visit")):',
    "if values[4] < values[2]:  # (cap, paid before, pay before the cap, room, pay)",
    'check = step.rule.split(".", 1)[1] if step.kind == "check" else ""',
    "return [x for x in s.trace[: step.index] if x.rule.rsplit(\".\", 1)[0] == layer]",
    "if len(v) == 5:",
    "parts = _compiled(site.template_zh or site.template)",
])
def test_the_old_code_would_fail(old: str) -> None:
    """Lines the consumers held before issue 10 are caught."""
    assert offences("yibao/example.py", f"    {old}\n")


def test_every_layer_result_and_accumulator_has_its_words() -> None:
    """The words for ``basic.paid`` and ``basic.deductible`` are keyed by the constructs' own names."""
    for lang, table in phrases.TABLES.items():
        assert {n for c, n in table if c == "result"} == set(C.LAYER_RESULTS), lang
        assert {n for c, n in table if c == "accumulator"} == {a.key for a in C.ACCUMULATORS}, lang
    assert set(C.CLAIM_RESULTS) | set(C.YEAR_RESULTS) == set(C.LAYER_RESULTS)
    assert all(C.LAYER_RESULTS[a.result].meaning == a.meaning for a in C.ACCUMULATORS)
