"""Snapshot suites for policy teams: every claim in a folder, settled under a policy, with syrupy.

A pytest plugin. Load it with ``pytest_plugins = ["yibao.testing"]`` in a test file (or
in the repository's top ``conftest.py``); then::

    from yibao.testing import each_claim

    pytest_plugins = ["yibao.testing"]


    @each_claim("../claims", policy="../policies/inpatient.yb")
    def test_inpatient_claims(claim_case, settlement_snapshot):
        assert claim_case.text() == settlement_snapshot

runs one test per claim file and keeps each settlement (figures, per-line shares and the
trace) as one readable JSON file under ``__snapshots__/``; ``pytest --snapshot-update``
writes them, and a reviewer reads a policy change as a diff of those files.

Relative paths are relative to the test file. Policy paths inside the snapshots are
written relative to pytest's root folder, so snapshots are the same on every machine.
syrupy is imported only when a snapshot is taken: loading the plugin never needs it.

PYTEST_DONT_REWRITE: test files import this module before pytest loads it as a plugin.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest

from yibao.compiler.json_input import load_claim_json
from yibao.compiler.loader import Policy, load_policy
from yibao.compiler.runtime import Settlement

__all__ = ["ClaimCase", "claim_cases", "each_claim", "settlement_text"]

ATTRIBUTE = "_yibao_claims"  # the suites each_claim put on a test function
ARGNAME = "claim_case"
F = TypeVar("F", bound=Callable[..., Any])
_root: list[Path] = []  # pytest's root folder, once the plugin is configured


def _display(path: Path) -> tuple[Path, str]:
    """(folder, ``path`` relative to it): pytest's root if ``path`` is under it, else the working folder."""
    for base in (*_root, Path.cwd().resolve()):
        if path.is_relative_to(base):
            return base, path.relative_to(base).as_posix()
    return Path.cwd(), str(path)


@cache
def _policy(resolved: Path, mtime: float) -> Policy:
    """One compiled policy per file and version of it, shared by every claim of a session.

    It is loaded from its root-relative path, from the root, because the compiled policy
    keeps that path (the trace cites it) and a reform finds its base from it.
    """
    _ = mtime  # part of the cache key: an edited file is compiled again
    base, shown = _display(resolved)
    previous = Path.cwd()
    os.chdir(base)
    try:
        return load_policy(shown)
    finally:
        os.chdir(previous)


def settlement_text(settlement: Settlement, *, trace: bool = True) -> str:
    """A settlement as the snapshots hold it: the settlement JSON (docs/claims.md), then a newline."""
    return settlement.to_json(trace=trace) + "\n"


@dataclass(frozen=True, repr=False)
class ClaimCase:
    """One claim of a suite and the policy it is settled under."""

    policy_path: Path  # absolute
    path: Path  # the claim file (absolute)
    index: int | None = None  # the line of a .jsonl file, else None
    trace: bool = True

    def __repr__(self) -> str:  # pytest shows it when a test fails
        where = _display(self.path)[1] + (f":{self.index + 1}" if self.index is not None else "")
        return f"<claim {where} under {_display(self.policy_path)[1]}>"

    @property
    def policy(self) -> Policy:
        resolved = self.policy_path.resolve()
        return _policy(resolved, resolved.stat().st_mtime)

    @property
    def data(self) -> Any:
        if self.index is None:
            return load_claim_json(self.path)
        lines = [ln for ln in self.path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        return json.loads(lines[self.index])

    def settle(self) -> Settlement:
        """Settle the claim; the payers and the person must add up to the total, always."""
        source = _display(self.path)[1] + (f":{self.index + 1}" if self.index is not None else "")
        s = self.policy.settle(self.data, trace=self.trace, source=source)
        assert sum(s.payer_fen) + s.person_fen == s.total_fen, (
            f"{source}: payers {sum(s.payer_fen)} + person {s.person_fen} ≠ total {s.total_fen} (fen)")
        return s

    def text(self) -> str:
        """The settlement JSON to compare with the snapshot."""
        return settlement_text(self.settle(), trace=self.trace)


def _resolve(path: str | os.PathLike[str], base: Path) -> Path:
    return (base / Path(path)).resolve()  # an absolute path stays itself


def claim_cases(claims: str | os.PathLike[str], policy: str | os.PathLike[str], *, base: Path | None = None,
                trace: bool = True, prefix: str = "") -> list[tuple[str, ClaimCase]]:
    """(test id, case) for every claim: ``*.json`` files of a folder (not its subfolders, which
    often hold other policies' claims) in name order, one ``.json`` file, or each line of a
    ``.jsonl`` file (its id is the claim's ``id``)."""
    base = base or Path.cwd()
    where, policy_path = _resolve(claims, base), _resolve(policy, base)
    if not policy_path.is_file():
        raise FileNotFoundError(f"policy {policy_path} not found")
    out: list[tuple[str, ClaimCase]] = []
    if where.is_dir():
        for file in sorted(where.glob("*.json")):
            out.append((prefix + file.stem, ClaimCase(policy_path, file, None, trace)))
    elif where.suffix == ".jsonl":
        rows = [ln for ln in where.read_text(encoding="utf-8").splitlines() if ln.strip()]
        for i, row in enumerate(rows):
            ident = prefix + str(json.loads(row).get("id", i + 1))
            out.append((ident, ClaimCase(policy_path, where, i, trace)))
    elif where.is_file():
        out.append((prefix + where.stem, ClaimCase(policy_path, where, None, trace)))
    else:
        raise FileNotFoundError(f"claims {where} not found")
    return out


def each_claim(claims: str | os.PathLike[str], policy: str | os.PathLike[str], *, trace: bool = True,
               prefix: str = "") -> Callable[[F], F]:
    """Run the test once per claim, with the ``claim_case`` argument; stack it for several policies.

    ``prefix`` goes before each test id (e.g. ``"inpatient-"``) so that stacked suites do not clash.
    The suites are read when pytest collects the test (``pytest_generate_tests`` below), not here.
    """

    def mark(test: F) -> F:
        suites = list(getattr(test, ATTRIBUTE, ()))
        suites.insert(0, (claims, policy, trace, prefix))  # decorators apply bottom-up
        setattr(test, ATTRIBUTE, suites)
        return test

    return mark


# ---------------------------------------------------------------------------- the plugin


def pytest_configure(config: pytest.Config) -> None:
    _root[:] = [Path(config.rootpath).resolve()]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    suites = getattr(metafunc.function, ATTRIBUTE, None)
    if not suites:
        return
    if ARGNAME not in metafunc.fixturenames:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: each_claim needs a `{ARGNAME}` argument")
    base = Path(metafunc.definition.path).parent
    found: list[tuple[str, ClaimCase]] = []
    for claims, policy, trace, prefix in suites:
        found += claim_cases(claims, policy, base=base, trace=trace, prefix=prefix)
    metafunc.parametrize(ARGNAME, [case for _, case in found], ids=[ident for ident, _ in found])


def _extension() -> type:
    """syrupy's single-file extension, as readable UTF-8 JSON text (imported when first used)."""
    from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

    class SettlementSnapshot(SingleFileSnapshotExtension):
        _write_mode = WriteMode.TEXT
        _file_extension = file_extension = "json"  # syrupy 4 reads the first name, later ones the second

    return SettlementSnapshot


@pytest.fixture
def settlement_snapshot(snapshot: Any) -> Iterator[Any]:
    """syrupy's ``snapshot``, kept as one ``.json`` file per test (per claim)."""
    yield snapshot.use_extension(_extension())
