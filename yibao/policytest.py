"""Policy tests: worked cases kept next to a policy, run by ``yibao test``, with rule coverage.

A test file (``<policy>.tests.json``, in a ``tests/`` folder next to the policy or beside
it) lists cases: a claim, or a short list of one person's claims, and the figures a
person worked out by hand for each (payers, the person's share, optionally year-to-date
figures, checks and intermediate steps). The runner settles every case with a trace;
a failure shows the claim, expected against actual, and the first trace step where the
settlement parts from the expectation. Rule coverage is read from the same traces
(``yibao/coverage.py``): which table rows, exceptions, bands, classification rows, caps
and layers fired.

The format is documented in docs/testing.md. The module keeps the format, the runner
and the failure report together (about 620 lines): all three read the same ``Case`` and
``Expectation``, and a change to the format changes each of them.
"""

from __future__ import annotations

import difflib
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from yibao.compiler import claim_fields as _fields
from yibao.compiler.claims import Claim, Record, load_claim_json
from yibao.compiler.constructs import CHECK
from yibao.compiler.loader import Policy, load_policy
from yibao.compiler.money import money_display, to_fen
from yibao.compiler.runtime import Settlement
from yibao.compiler.trace import Step
from yibao.coverage import Coverage
from yibao.dsl.errors import YibaoError
from yibao.policytest_failure import format_failure

__all__ = [
    "TEST_SUFFIX",
    "Case",
    "CaseResult",
    "Coverage",
    "Expectation",
    "FileResult",
    "Mismatch",
    "TestFile",
    "TestFileError",
    "TestRun",
    "discover",
    "load_test_file",
    "run_case",
    "run_tests",
    "write_junit",
]

TEST_SUFFIX = ".tests.json"
# The fields of each part of a test file: compiler/claim_fields.py, which the JSON Schema comes from too.
CASE_KEYS = set(_fields.CASE_KEYS)
EXPECT_KEYS = set(_fields.EXPECT_KEYS)


class TestFileError(YibaoError):
    """A test file that cannot be read or does not follow the format (not a failing test)."""

    __test__ = False  # not a pytest test class


# ---------------------------------------------------------------------------- the format


@dataclass(frozen=True)
class Expectation:
    """The figures expected for one claim; anything left out is not checked."""

    payers: Mapping[str, int] = field(default_factory=dict)
    person: int | None = None
    year_to_date: Mapping[str, int] = field(default_factory=dict)
    checks: Mapping[str, bool] = field(default_factory=dict)
    steps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # rule → results, in trace order


@dataclass(frozen=True)
class Case:
    name: str
    file: Path
    claims: tuple[tuple[str, Any], ...]  # (where it came from, claim JSON)
    expect: tuple[Expectation, ...] | None  # one per claim, in the order the claims are listed
    error: str | None = None  # the case expects the policy to refuse the claims with this text


@dataclass(frozen=True)
class TestFile:
    __test__ = False

    path: Path
    policy: Path
    cases: tuple[Case, ...]


def _fail(path: Path, where: str, message: str) -> TestFileError:
    return TestFileError(f"{path}: {where}: {message}" if where else f"{path}: {message}")


def _money(path: Path, where: str, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _fail(path, where, f'must be an amount such as "1234.50", not {raw!r}')
    try:
        return to_fen(str(raw))
    except (ValueError, InvalidOperation):
        raise _fail(path, where, f'{raw!r} is not an amount; write yuan as "1234.50"') from None


def _expectation(path: Path, where: str, raw: Any) -> Expectation:
    if not isinstance(raw, Mapping):
        raise _fail(path, where, "an expectation is an object with `payers`, `person`, …")
    for key in raw:
        if key not in EXPECT_KEYS:
            close = difflib.get_close_matches(key, sorted(EXPECT_KEYS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f"; known: {', '.join(sorted(EXPECT_KEYS))}"
            raise _fail(path, f"{where}.{key}", f"unknown field{hint}")
    if "person" in raw and "remainder" in raw:
        raise _fail(path, where, "give `person` or `remainder` (its name for a record), not both")

    def amounts(key: str) -> dict[str, int]:
        value = raw.get(key, {})
        if not isinstance(value, Mapping):
            raise _fail(path, f"{where}.{key}", "must be an object of name → amount")
        return {k: _money(path, f"{where}.{key}.{k}", v) for k, v in value.items() if k != "year"}

    checks = raw.get("checks", {})
    if not isinstance(checks, Mapping) or not all(isinstance(v, bool) for v in checks.values()):
        raise _fail(path, f"{where}.checks", "must be an object of check name → true or false")
    steps_raw = raw.get("steps", {})
    if not isinstance(steps_raw, Mapping):
        raise _fail(path, f"{where}.steps", "must be an object of rule → result (or a list of results)")
    steps: dict[str, tuple[str, ...]] = {}
    for rule, value in steps_raw.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise _fail(path, f"{where}.steps.{rule}", 'results are written as text, e.g. "400.00" or "80%"')
        steps[rule] = tuple(str(v) for v in values)
    person = raw.get("person", raw.get("remainder"))
    return Expectation(
        payers=amounts("payers"),
        person=None if person is None else _money(path, f"{where}.person", person),
        year_to_date=amounts("year_to_date"),
        checks=dict(checks),
        steps=steps,
    )


def _claim(path: Path, where: str, raw: Any) -> tuple[str, Any]:
    """A claim written inline, or a path to a claim file relative to the test file."""
    if isinstance(raw, str):
        file = (path.parent / raw)
        if not file.is_file():
            raise _fail(path, where, f"claim file {raw!r} not found (paths are relative to the test file)")
        return str(_relative(file)), load_claim_json(file)
    if isinstance(raw, Mapping):
        return f"{path}:{where}", raw
    raise _fail(path, where, "a claim is an object, or the path of a claim file")


def _relative(p: Path) -> Path:
    """``p`` relative to the working directory when it is under it: shorter, stable messages."""
    try:
        return p.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return p


def _case(path: Path, i: int, raw: Any, names: set[str]) -> Case:
    where = f"cases[{i}]"
    if not isinstance(raw, Mapping):
        raise _fail(path, where, "a case is an object with `name`, `claims` and `expect`")
    for key in raw:
        if key not in CASE_KEYS:
            close = difflib.get_close_matches(key, sorted(CASE_KEYS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise _fail(path, f"{where}.{key}", f"unknown field{hint}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, f"{where}.name", "every case needs a name")
    if name in names:
        raise _fail(path, f"{where}.name", f"two cases are called {name!r}")
    names.add(name)
    where = f"case {name!r}"
    if ("claim" in raw) == ("claims" in raw):
        raise _fail(path, where, "give `claim` (one) or `claims` (a list), exactly one of them")
    listed = [raw["claim"]] if "claim" in raw else raw["claims"]
    if not isinstance(listed, list) or not listed:
        raise _fail(path, f"{where}.claims", "must be a non-empty list")
    claims = tuple(_claim(path, f"{where}.claims[{j}]", c) for j, c in enumerate(listed))
    error = raw.get("error")
    if ("expect" in raw) == (error is not None):
        raise _fail(path, where, "give `expect` (the figures) or `error` (the expected refusal), one of them")
    if error is not None:
        if not isinstance(error, str):
            raise _fail(path, f"{where}.error", "must be text found in the error message")
        return Case(name, path, claims, None, error)
    expect = raw["expect"]
    if "claim" in raw and isinstance(expect, Mapping):
        expect = [expect]
    if not isinstance(expect, list) or len(expect) != len(claims):
        raise _fail(path, f"{where}.expect", f"needs one expectation per claim ({len(claims)})")
    return Case(name, path, claims,
                tuple(_expectation(path, f"{where}.expect[{j}]", e) for j, e in enumerate(expect)))


def default_policy(test_path: Path) -> Path:
    """``X/tests/<stem>.tests.json`` and ``X/<stem>.tests.json`` test ``X/<stem>.yb``."""
    stem = test_path.name[: -len(TEST_SUFFIX)] if test_path.name.endswith(TEST_SUFFIX) else test_path.stem
    folder = test_path.parent
    if folder.name == "tests" and not (folder / f"{stem}.yb").exists():
        folder = folder.parent
    return folder / f"{stem}.yb"


def load_test_file(path: str | Path) -> TestFile:
    """Read and check a test file; raise ``TestFileError`` with the place of the first problem."""
    p = _relative(Path(path))
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise _fail(p, "", f"cannot read: {err.strerror or err}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        where = f"line {err.lineno} column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
        raise _fail(p, where, f"not valid JSON: {getattr(err, 'msg', err)}") from None
    policy = default_policy(p)
    if isinstance(data, Mapping):
        unknown = set(data) - _fields.TEST_FILE_KEYS
        if unknown:
            raise _fail(p, "", f"unknown field `{sorted(unknown)[0]}` (a test file has `policy` and `cases`)")
        if "policy" in data:
            if not isinstance(data["policy"], str):
                raise _fail(p, "policy", "must be the policy file's path, relative to the test file")
            policy = p.parent / data["policy"]
        data = data.get("cases")
    if not isinstance(data, list):
        raise _fail(p, "cases", "must be a list of cases")
    if not policy.is_file():
        raise _fail(p, "policy", f"policy file {policy} not found")
    names: set[str] = set()
    return TestFile(p, _relative(policy), tuple(_case(p, i, c, names) for i, c in enumerate(data)))


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Test files under ``paths``: test files as given, folders searched, a policy's own test file."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = p.rglob(f"*{TEST_SUFFIX}")
            out += sorted(f for f in found if not any(x.startswith(".") for x in f.relative_to(p).parts))
        elif p.suffix == ".yb":
            name = p.stem + TEST_SUFFIX
            out += [c for c in (p.parent / "tests" / name, p.parent / name) if c.is_file()][:1]
        else:
            out.append(p)
    return list(dict.fromkeys(_relative(p) for p in out))


# ---------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Mismatch:
    """One expected figure a settlement did not give."""

    claim: int  # index of the claim in the case, as listed
    kind: str  # "payer", "person", "year_to_date", "check" or "step"
    name: str  # the payer, accumulator, check or step rule; "" for the person
    expected: str
    actual: str

    @property
    def what(self) -> str:
        """What differs, as a test file names it: ``basic``, ``person``, ``year_to_date.basic.paid``,
        ``check.ratio``, ``step basic.deductible``."""
        if self.kind in ("payer", "person"):
            return self.name or self.kind
        return f"step {self.name}" if self.kind == "step" else f"{self.kind}.{self.name}"


@dataclass
class CaseResult:
    case: Case
    status: str  # "pass", "fail" or "error"
    mismatches: list[Mismatch] = field(default_factory=list)
    settlements: list[Settlement | None] = field(default_factory=list)  # as the claims are listed
    message: str = ""  # an error's message
    parted: tuple[int, Step] | None = None  # (claim index, step) where the settlement parts
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "pass"


def _norm(text: str) -> Decimal | str:
    """A step result for comparison: ``6,880.00`` = ``6880`` and ``80%`` = ``80.00%``."""
    t = text.replace(",", "").replace(" ", "").strip()
    percent = t.endswith("%")
    try:
        value = Decimal(t[:-1] if percent else t)
    except InvalidOperation:
        return t
    return value / 100 if percent else value


def _check_names(policy: Policy, case: Case) -> str | None:
    """Names in the expectations that the policy does not have (typos), as a message."""
    assert case.expect is not None
    known = {
        "payer": set(policy.layers),
        "accumulator": set(policy.accumulators),
        "check": {c.name for c in policy.meta.checks},
        "step rule": {s.rule for s in policy.meta.sites},
    }
    for e in case.expect:
        for kind, names in (("payer", e.payers), ("accumulator", e.year_to_date), ("check", e.checks),
                            ("step rule", e.steps)):
            for name in names:
                if name not in known[kind]:
                    close = difflib.get_close_matches(name, sorted(known[kind]), n=1)
                    hint = (f"; did you mean `{close[0]}`?" if close
                            else f"; known: {', '.join(sorted(known[kind]))}")
                    return f"`{name}` is not a {kind} of policy {policy.id}{hint}"
    return None


def _compare(i: int, s: Settlement, e: Expectation) -> list[Mismatch]:
    out = []
    paid = {layer.name: fen for layer, fen in zip(s.meta.layers, s.payer_fen, strict=True)}
    for name, fen in e.payers.items():
        if paid[name] != fen:
            out.append(Mismatch(i, "payer", name, money_display(fen), money_display(paid[name])))
    if e.person is not None and e.person != s.person_fen:
        out.append(Mismatch(i, "person", "", money_display(e.person), money_display(s.person_fen)))
    for key, fen in e.year_to_date.items():
        got = s.ytd.get(key, 0)
        if got != fen:
            out.append(Mismatch(i, "year_to_date", key, money_display(fen), money_display(got)))
    for name, ok in e.checks.items():
        if s.checks[name] != ok:
            out.append(Mismatch(i, "check", name, str(ok).lower(), str(s.checks[name]).lower()))
    if e.steps:
        seen: dict[str, list[str]] = {}
        for step in s.trace:
            if step.rule in e.steps:
                seen.setdefault(step.rule, []).append(step.result or "")
        for rule, wanted in e.steps.items():
            got = seen.get(rule, [])
            if [_norm(w) for w in wanted] != [_norm(g) for g in got[: len(wanted)]] or len(got) < len(wanted):
                out.append(Mismatch(i, "step", rule, ", ".join(wanted), ", ".join(got) or "(no such step)"))
    return out


def _parting_step(s: Settlement, e: Expectation) -> Step | None:
    """The first trace step whose figure contradicts the expectation.

    Payers part at their ``pays`` step (or at the step that skipped the layer), the person
    at the last step, checks at their step, and ``steps`` expectations at that step.
    """
    paid = {layer.name: fen for layer, fen in zip(s.meta.layers, s.payer_fen, strict=True)}
    seen: dict[str, int] = {}
    for step in s.trace:
        if step.rule in e.steps:
            k = seen.get(step.rule, 0)
            seen[step.rule] = k + 1
            wanted = e.steps[step.rule]
            if k < len(wanted) and _norm(wanted[k]) != _norm(step.result or ""):
                return step
        layer = step.layer
        if step.kind in ("payer", "skip") and layer in e.payers and e.payers[layer] != paid[layer]:
            return step
        check = step.subject if step.construct == CHECK.name else ""
        if check in e.checks and e.checks[check] != s.checks[check]:
            return step
        if step.kind == "person" and e.person is not None and e.person != s.person_fen:
            return step
    return None


def _date_order(claims: Sequence[Claim | Record]) -> list[int]:
    """The order ``Policy.settle_many`` settles claims in: by date, then id, else as listed."""
    return sorted(range(len(claims)), key=lambda i: (claims[i].day, claims[i].id))


def run_case(policy: Policy, case: Case, coverage: Coverage | None = None) -> CaseResult:
    """Settle a case's claims with a trace and compare them with its expectations."""
    started = time.perf_counter()
    result = CaseResult(case, "pass")
    try:
        if case.expect is not None and (problem := _check_names(policy, case)):
            raise TestFileError(f"{case.file}: case {case.name!r}: {problem}")
        validated = [policy.claim(data, source) for source, data in case.claims]
        if len(validated) == 1:
            settled = [policy.settle(validated[0], trace=True)]
        else:
            settled = policy.settle_many(validated, trace=True)
    except YibaoError as err:
        if case.error is not None and case.error in str(err):
            result.seconds = time.perf_counter() - started
            return result
        result.status = "error"
        result.message = str(err)
        if case.error is not None:
            result.status = "fail"
            result.message = f"expected an error with {case.error!r}, got:\n{err}"
        result.seconds = time.perf_counter() - started
        return result
    if case.error is not None:
        result.status = "fail"
        result.message = f"expected an error with {case.error!r}, but the claims were settled"
        result.seconds = time.perf_counter() - started
        return result
    assert case.expect is not None
    order = _date_order(validated) if len(validated) > 1 else [0]
    by_listing: list[Settlement | None] = [None] * len(validated)
    for s, i in zip(settled, order, strict=True):
        by_listing[i] = s
    result.settlements = by_listing
    for i in order:  # date order: the first claim to part is the one the others inherit from
        s = by_listing[i]
        assert s is not None
        if coverage is not None:
            coverage.add(s)
        found = _compare(i, s, case.expect[i])
        if found and result.parted is None:
            step = _parting_step(s, case.expect[i])
            if step is not None:
                result.parted = (i, step)
        result.mismatches += found
    if result.mismatches:
        result.status = "fail"
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class FileResult:
    path: Path
    policy_path: Path | None
    policy_id: str = ""
    cases: list[CaseResult] = field(default_factory=list)
    error: str = ""  # the file or its policy could not be loaded
    seconds: float = 0.0


@dataclass
class TestRun:
    """Everything ``yibao test`` ran: results per file and coverage per policy."""

    __test__ = False

    files: list[FileResult] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)  # by policy path

    def count(self, status: str) -> int:
        return sum(1 for f in self.files for c in f.cases if c.status == status)

    @property
    def file_errors(self) -> int:
        return sum(1 for f in self.files if f.error)

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(c.ok for f in self.files for c in f.cases)

    def summary(self) -> str:
        parts = [f"{self.count('pass')} passed"]
        if self.count("fail"):
            parts.append(f"{self.count('fail')} failed")
        errors = self.count("error") + self.file_errors
        if errors:
            parts.append(f"{errors} error{'s' if errors != 1 else ''}")
        return ", ".join(parts)


def run_tests(paths: Iterable[str | Path], *, coverage: bool = False) -> TestRun:
    """Run every test file under ``paths``; a policy is compiled once however many files test it."""
    run = TestRun()
    policies: dict[Path, Policy | YibaoError] = {}
    for path in discover(paths):
        started = time.perf_counter()
        try:
            tests = load_test_file(path)
        except YibaoError as err:
            run.files.append(FileResult(path, None, error=str(err)))
            continue
        key = tests.policy.resolve()
        if key not in policies:
            try:
                policies[key] = load_policy(tests.policy)
            except YibaoError as err:
                policies[key] = err
        policy = policies[key]
        if isinstance(policy, YibaoError):
            from yibao.messages import current_lang, error_text

            message = error_text(policy, current_lang())
            run.files.append(FileResult(path, tests.policy, error=message))
            continue
        cov = None
        if coverage:
            cov = run.coverage.setdefault(str(tests.policy), Coverage(policy, str(tests.policy)))
        result = FileResult(path, tests.policy, policy.id)
        result.cases = [run_case(policy, case, cov) for case in tests.cases]
        result.seconds = time.perf_counter() - started
        run.files.append(result)
    return run


# ---------------------------------------------------------------------------- reporting


def write_junit(run: TestRun, path: str | Path) -> Path:
    """The run as JUnit XML: a test suite per test file, a test case per case."""
    root = ET.Element("testsuites", name="yibao test", tests=str(sum(len(f.cases) or 1 for f in run.files)),
                      failures=str(run.count("fail")), errors=str(run.count("error") + run.file_errors),
                      time=f"{sum(f.seconds for f in run.files):.3f}")
    for f in run.files:
        suite = ET.SubElement(root, "testsuite", name=str(f.path), tests=str(len(f.cases) or 1),
                              failures=str(sum(c.status == "fail" for c in f.cases)),
                              errors=str(sum(c.status == "error" for c in f.cases) + bool(f.error)),
                              time=f"{f.seconds:.3f}")
        if f.error:
            tc = ET.SubElement(suite, "testcase", classname=str(f.path), name="(loading)")
            ET.SubElement(tc, "error", message=f.error.splitlines()[0]).text = f.error
            continue
        for c in f.cases:
            tc = ET.SubElement(suite, "testcase", classname=f.policy_id, name=c.case.name, file=str(f.path),
                               time=f"{c.seconds:.3f}")
            if not c.ok:
                text = format_failure(c, f)
                first = (c.message.splitlines() or [""])[0] if c.message else "; ".join(
                    f"{m.what}: expected {m.expected}, got {m.actual}" for m in c.mismatches[:3])
                ET.SubElement(tc, "failure" if c.status == "fail" else "error", message=first).text = text
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(p, encoding="utf-8", xml_declaration=True)
    return p
