"""The inputs mutants are made from (the bundled policies and claims) and the mutant itself.

Split from the single ``fuzzing`` module: both kinds of mutation and the runner read the corpus
and pass mutants, so these live below all three.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGETS = ("policy", "claim", "batch", "parquet", "national", "lsp")
KINDS = ("accepted", "rejected", "unpositioned", "crashed", "hung")
MUTANT_NAME = "__mutant__.yb"  # written next to the policy it came from, so `extends` paths still resolve


def bundled_root() -> Path:
    """The folder of the bundled policies (installed as ``yibao.policies``)."""
    import yibao.policies

    return Path(yibao.policies.__file__).resolve().parent




@dataclass(frozen=True)
class Corpus:
    """The bundled policies and claims that mutants are made from (paths relative to ``root``)."""

    root: Path
    policies: dict[str, str]
    claims: dict[str, bytes]
    claim_policy: dict[str, str]  # claim → the policy that settles it
    tokens: tuple[str, ...]  # every token of every policy, for splicing
    lines: tuple[str, ...]  # every line of every policy
    strings: tuple[str, ...]  # every string value in the claims (scheme names, codes, dates…)

    def claims_of(self, policy: str) -> list[str]:
        return [c for c, p in self.claim_policy.items() if p == policy]


TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?%?|[^\W\d]\w*(?:\.\w+)*'
                   r"|->|==|!=|<=|>=|\S")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?%?(?![\w-])")
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def policy_of_claim(claim: Path, root: Path) -> Path:
    """``claims/<stem>/x.json`` belongs to ``<stem>.yb``; a claim directly under ``claims/`` to the
    folder's resident inpatient policy."""
    folder = claim.parent
    if folder.name == "claims":
        return folder.parent / "resident_inpatient.yb"
    return folder.parent.parent / f"{folder.name}.yb"


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_in(v)


def load_corpus(root: Path | None = None) -> Corpus:
    """Read every bundled policy and claim under ``root`` (default: the installed policies)."""
    root = (root or bundled_root()).resolve()
    policies = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(root.glob("*/*.yb")) if p.name != MUTANT_NAME}
    claims: dict[str, bytes] = {}
    claim_policy: dict[str, str] = {}
    for c in sorted(root.glob("*/claims/**/*.json")):
        owner = policy_of_claim(c, root).relative_to(root).as_posix()
        if owner in policies:
            rel = c.relative_to(root).as_posix()
            claims[rel] = c.read_bytes()
            claim_policy[rel] = owner
    tokens = tuple(t for text in policies.values() for t in TOKEN.findall(text))
    lines = tuple(line for text in policies.values() for line in text.splitlines() if line.strip())
    strings = sorted({s for raw in claims.values() for s in _strings_in(json.loads(raw)) if len(s) < 40})
    return Corpus(root, policies, claims, claim_policy, tokens, lines, tuple(strings))




@dataclass(frozen=True)
class Mutant:
    """A mutated input. ``data`` bytes go through a file; a str (it may hold lone surrogates,
    which no file can) goes through the API (``compile_policy`` / ``Policy.settle``)."""

    target: str
    index: int
    origin: str  # the bundled file it was made from, relative to the corpus root
    ops: tuple[str, ...]
    data: bytes | str
    suffix: str = ""  # the file's suffix where the target has more than one kind of file

    @property
    def via(self) -> str:
        return "api" if isinstance(self.data, str) else "file"


def _pos(rng: random.Random, n: int) -> int:
    """A position in 0..n; 0 when there is none (an empty text gives n = -1)."""
    return rng.randint(0, n) if n > 0 else 0
