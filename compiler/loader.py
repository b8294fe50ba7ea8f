"""Policy file → checked AST → generated module → a ``Policy`` that settles claims.

This is the only place that executes generated code, and it executes nothing
else: claims and policy text never reach ``eval`` or ``exec``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import linecache
import types
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from yibao.dsl import ast
from yibao.dsl.checks import CheckedPolicy, check
from yibao.dsl.collector import collector_paused
from yibao.dsl.errors import ClaimError, ClaimIssue, SettlementError
from yibao.dsl.parser import parse, parse_file
from yibao.dsl.phrase import Names, P, Phrase
from yibao.dsl.types import DEFAULT_ENUMS

from . import claim_fast, claim_reader
from .claim_fields import REQUIRED_ENUMS
from .claim_view import ClaimView, to_claim
from .claims import Claim, Record, parse_claim, parse_record
from .codegen import GeneratedModule, generate
from .constructs import PERIODS, drop_period, period_of
from .json_input import decode_json
from .runtime import Settlement, failure


class Policy:
    """A compiled policy. ``settle`` takes a claim as a dict, JSON text or ``Claim``."""

    def __init__(self, checked: CheckedPolicy, generated: GeneratedModule) -> None:
        self.checked = checked
        self.ast: ast.Policy = checked.policy
        self.generated = generated
        self.module = _load_module(generated)
        self.id: str = self.module.POLICY_ID
        self.meta = self.module.META
        self.layers: tuple[str, ...] = tuple(layer.name for layer in self.meta.layers)
        self._settle = self.module.settle
        # The compiled fast path, for claims already validated by ``claim``: no wrapper in between.
        self.settle_fast: Callable[[Claim], Settlement] = self.module.settle
        self._settle_traced = self.module.settle_traced
        self._applies = self.module.applies
        self._start, self._end = self.module.EFFECTIVE
        self.enums: Mapping[str, tuple[str, ...]] = self.module.ENUMS
        self.requires: tuple[str, ...] = self.module.REQUIRES
        self.accumulators: tuple[str, ...] = self.module.ACCUMULATORS
        self.as_billed: bool = getattr(self.module, "AS_BILLED", False)  # reads lines' split
        self.priced: frozenset[tuple[str, str | None]] = frozenset(getattr(self.module, "PRICED", ()))
        self.given: tuple[str, ...] = getattr(self.module, "GIVEN", ())  # layers the claim's `paid` gives
        self.input: str = self.module.INPUT  # "claim", or "record" for a budget and the like
        # Required claim fields this policy never reads (`visit.level` of a drug policy): a claim may
        # leave them out.
        self.unread: frozenset[str] = unread_fields(checked.policy) if self.input == "claim" else frozenset()
        # (month, day) the insurance year starts on; a module without `year starts` uses 1 January
        self.year_start: tuple[int, int] = tuple(getattr(self.module, "YEAR_START", (1, 1)))  # type: ignore[assignment]
        # The fast accept path (``claim_fast``): the validated claim, or None and the full path says why.
        # ``fast_view`` is the generated check itself, giving the ``ClaimView`` that ``settle`` settles
        # without building the ``Claim`` (``claim_view``).
        # ``read_view`` is the C reader (``claim_reader``) of the same tables, giving the same view and
        # running the Python check where it declines (the check alone where the extension is not
        # built). ``read_claim`` is the same C reader filling the slotted ``Claim`` and its ``Line`` s
        # instead (``to_claim`` of the view), which the generated ``settle`` reads faster than the
        # view; it is what ``settle`` and ``claim`` of a dict call (``fast_claim``), falling back to the
        # Python check's ``Claim``. Without the extension both read through the Python check.
        self.fast_claim: Callable[[Any], Claim | None] | None = None
        self.fast_view: Callable[[Any], ClaimView | None] | None = None
        self.read_view: Callable[[Any], ClaimView | None] | None = None
        self.read_claim: Callable[[Any], Claim | None] | None = None
        self._read: Callable[[Any], Claim | ClaimView | None] | None = None  # what settle(dict) reads with
        # Where the classification is a table of line rules (``LINE_RULES``): the C reader also sums
        # the lines by them as it reads them, and ``settle(dict)`` enters the generated code after its
        # line loop (``settle_sums``) with those sums.
        self._read_settle: Callable[[Any, Any], Settlement | None] | None = None
        self._settle_sums: Callable[[Claim, int, int], Settlement] | None = getattr(
            self.module, "settle_sums", None)
        if self.input == "claim":
            scope = claim_fast.Scope(
                enums={**DEFAULT_ENUMS, **self.enums}, year_start=self.year_start, start=self._start,
                end=self._end, accumulators=self.accumulators, given=self.given, as_billed=self.as_billed,
                priced=self.priced, requires_age="person.age" in self.requires, applies=self._applies,
                applies_when=self.ast.header.applies)
            dates: dict[str, Any] = {}  # each date string read once, by whichever check meets it first
            self.fast_view = claim_fast.build_view(scope, dates)
            self.read_view = claim_reader.build(scope, dates, self.fast_view) or self.fast_view
            rules = getattr(self.module, "LINE_RULES", None)
            self.read_claim = claim_reader.build_claims(scope, dates, claim_fast.claims_of(self.fast_view),
                                                        rules)
            if rules is not None and self.read_claim is not None and self._settle_sums is not None:
                self._read_settle = self.read_claim.read_settle  # type: ignore[attr-defined]
            # ``settle`` itself with its common case, a dict alone, in C (``claim_reader.settler``):
            # no Python frame between the caller and the reader (and ``settle_sums`` where it sums
            # the lines); anything else is the method (never in place of a subclass's own ``settle``).
            if self.read_claim is not None and type(self).settle is Policy.settle:
                method = types.MethodType(Policy.settle, self)
                settle = self._settle_sums if self._read_settle is not None else self._settle
                vars(self)["settle"] = functools.update_wrapper(
                    claim_reader.settler(self.read_claim, settle, method), method)
            self.fast_claim = self.read_claim or claim_fast.claims_of(self.read_view)
            self._read = self.read_claim or self.read_view

    @property
    def source(self) -> str:
        """The generated Python module."""
        return self.generated.source

    @property
    def warnings(self) -> tuple[Any, ...]:
        return self.checked.warnings

    def __repr__(self) -> str:
        return f"<Policy {self.id} from {self.ast.path}>"

    # ------------------------------------------------------------ claims
    def claim(self, data: Any, source: str | None = None) -> Claim:
        """Validate a claim against this policy's value sets, scope and dates: the fast accept path
        first, and when it declines, the full path that reports every issue."""
        if data.__class__ is not dict and isinstance(data, str | bytes | bytearray):
            data = decode_json(data, source)
        if data.__class__ is dict and self.fast_claim is not None:
            fast = self.fast_claim(data)
            if fast is not None:
                return fast
        return self.full_claim(data, source)

    def full_claim(self, data: Any, source: str | None = None) -> Claim:
        """Validate a claim collecting every issue (the path whose messages users see)."""
        if isinstance(data, Claim | Record):
            claim = data
        elif self.input == "record":
            claim = parse_record(_decode(data, source), self.module.FIELDS, source, self.year_start)
        else:
            claim = parse_claim(_decode(data, source), self.enums, source, self.year_start, self.unread)
        issues: list[ClaimIssue] = []
        if claim.day < self._start or (self._end is not None and claim.day > self._end):
            start = dt.date.fromordinal(self._start)
            if self._end:
                span = P("{date} is outside the policy's dates (in force from {start} until {end})",
                         date=claim.date, start=start, end=dt.date.fromordinal(self._end))
            else:
                span = P("{date} is outside the policy's dates (in force from {start})", date=claim.date,
                         start=start)
            issues.append(ClaimIssue("date", span))
        for key in sorted(set(claim.ytd) - set(self.accumulators)):
            close = difflib.get_close_matches(key, self.accumulators, n=1)
            issues.append(ClaimIssue(f"year_to_date.{key}", (
                P("not an accumulator of this policy; did you mean `{name}`?", name=close[0]) if close else
                P("not an accumulator of this policy; known: {names}",
                  names=Names(tuple(self.accumulators))))))
        if self.given or (isinstance(claim, Claim) and claim.paid):
            issues.extend(self._paid_issues(claim))
        if isinstance(claim, Claim):
            issues.extend(self._line_issues(claim))
            claim = self._current_periods(claim)
        if "person.age" in self.requires and claim.age is None:
            issues.append(ClaimIssue("person.age", P("required by this policy")))
        if not issues and not self._applies(claim):
            issues.append(ClaimIssue("$", self._uncovered(claim)))
        if issues:
            raise ClaimError(issues, source, what=self.input)
        return claim

    def _current_periods(self, claim: Claim) -> Claim:
        """Figures of a month or quarter other than the claim's are dropped: a new period starts."""
        ytd = claim.ytd
        for period, stated in claim.ytd_periods.items():
            if stated != period_of(claim.date, period, self.year_start):
                ytd = drop_period(ytd, period)
        return claim if ytd is claim.ytd else dataclasses.replace(claim, ytd=ytd)

    def _uncovered(self, claim: Claim | Record) -> Phrase:
        """Why the policy does not cover ``claim``: the scheme and the visit kind it was given (a
        field the policy never reads may be absent)."""
        if self.input == "record":
            return P("policy {policy} does not cover this record", policy=self.id)
        scheme, kind = getattr(claim, "scheme", None), getattr(claim, "kind", None)
        if scheme is not None and kind is not None:
            return P("policy {policy} does not cover this claim (scheme {scheme}, visit kind {kind})",
                     policy=self.id, scheme=scheme, kind=kind)
        if scheme is not None:
            return P("policy {policy} does not cover this claim (scheme {scheme})", policy=self.id,
                     scheme=scheme)
        if kind is not None:
            return P("policy {policy} does not cover this claim (visit kind {kind})", policy=self.id,
                     kind=kind)
        return P("policy {policy} does not cover this claim", policy=self.id)

    def _line_issues(self, claim: Claim) -> list[ClaimIssue]:
        """A split only where the policy takes it as billed; a unit price where a row reads one."""
        issues: list[ClaimIssue] = []
        for i, ln in enumerate(claim.lines):
            if ln.split is not None and not self.as_billed:
                issues.append(ClaimIssue(f"lines[{i}].in_scope", P(
                    "this policy classifies every line itself and does not read the platform's split (its "
                    "`classify` has no `as billed`); send the line without self_pay, over_limit, "
                    "first_self_pay and in_scope")))
            if self.priced and ln.unit_price is None and ln.split is None and (
                    (ln.category, ln.item_class) in self.priced or (ln.category, None) in self.priced):
                if ln.item_class:
                    why = P("required: this policy's `classify` rows for category {category}, class "
                            "{item_class} read line.unit_price",
                            category=ln.category, item_class=ln.item_class)
                else:
                    why = P("required: this policy's `classify` rows for category {category} read "
                            "line.unit_price", category=ln.category)
                issues.append(ClaimIssue(f"lines[{i}].unit_price", why))
            if len(issues) >= 100:
                break
        return issues

    def _paid_issues(self, claim: Claim | Record) -> list[ClaimIssue]:
        """``paid`` names only this policy's `given` layers, and names each of them."""
        paid = claim.paid if isinstance(claim, Claim) else {}
        issues: list[ClaimIssue] = []
        for key in sorted(paid):
            if key in self.given:
                continue
            if key in self.layers:
                issues.append(ClaimIssue(f"paid.{key}", P("`{layer}` is computed by this policy, not given",
                                                          layer=key)))
                continue
            close = difflib.get_close_matches(key, self.given or self.layers, n=1)
            issues.append(ClaimIssue(f"paid.{key}", (
                P("not a layer of this policy; did you mean `{name}`?", name=close[0]) if close else
                P("not a layer of this policy; layers given by the claim: {names}",
                  names=Names(tuple(self.given)))
                if self.given else P("not a layer of this policy; no layer is given by the claim"))))
        for layer in self.given:
            if layer not in paid:
                issues.append(ClaimIssue(f"paid.{layer}",
                                         P("required: this policy takes what `{layer}` paid from the claim",
                                           layer=layer)))
        return issues

    def settle(self, claim: Any, trace: bool = False, *, source: str | None = None) -> Settlement:
        """Validate and settle one claim (a dict, JSON text, or a ``Claim``). A dict the fast accept
        path takes is settled as the ``Claim`` the C reader fills (as its ``ClaimView`` where the
        extension is not built), from the sums of its lines the reader took by ``LINE_RULES`` where
        the policy has them (``settle_sums``); anything else, or a settlement that fails, goes through the
        ``Claim`` (the failure is then raised from there, with its policy line). Where the reader
        reads claims in C, a policy's ``settle`` is this method behind ``claim_reader.settler``."""
        if claim.__class__ is dict and not trace:
            read_settle = self._read_settle  # set only where the reader and LINE_RULES are
            if read_settle is not None:
                try:  # the C reader reads the claim, sums its lines, and calls settle_sums
                    settled = read_settle(claim, self._settle_sums)
                    if settled is not None:
                        return settled  # type: ignore[no-any-return]
                except Exception:  # read and settled again below, through the Claim: located there
                    pass
        if claim.__class__ is dict and not trace and self._read is not None:
            got = self._read(claim)  # the C reader, then the Python check
            if got is None:  # declined: the full path says why (the fast checks are not run again)
                c = self.full_claim(claim, source)
            else:
                try:
                    return self._settle(got)
                except Exception:  # settled again below, through the Claim: the error is located there
                    c = to_claim(got) if got.__class__ is ClaimView else got
        else:
            c = self.claim(claim, source)
        try:
            return (self._settle_traced if trace else self._settle)(c)
        except Exception as err:  # a SettlementError, a ZeroDivisionError …: at its policy line
            raise self._locate(err, c) from None


    def settle_many(self, claims: Iterable[Any], trace: bool = False) -> list[Settlement]:
        """Settle one person's claims in date order, carrying year_to_date from each to the next."""
        validated = [self.claim(c) for c in claims]
        persons = {c.person_id for c in validated}
        if len(persons) > 1:
            raise ClaimError([ClaimIssue("person.id", P("settle_many takes one person's claims; got {ids}",
                                                        ids=Names(tuple(sorted(persons)))))])
        validated.sort(key=lambda c: (c.day, c.id))
        out: list[Settlement] = []
        carried: dict[str, int] | None = None
        year: int | None = None
        day = dt.date.min
        for claim in validated:
            if carried is not None and year == claim.year:
                for period in PERIODS:
                    start = self.year_start
                    if period_of(claim.date, period, start) != period_of(day, period, start):
                        carried = drop_period(carried, period)
                claim = claim.with_ytd(carried)
            s = self.settle(claim, trace=trace)
            carried, year, day = s.ytd, claim.year, claim.date
            out.append(s)
        return out

    def _locate(self, err: Exception, claim: Claim) -> SettlementError:
        """The policy file and line behind the innermost generated frame of an error."""
        file, line = self.ast.path, 0
        tb = err.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.module.__file__:
                index = tb.tb_lineno - 1
                if 0 <= index < len(self.generated.linemap) and self.generated.linemap[index][1]:
                    file, line = self.generated.linemap[index]
            tb = tb.tb_next
        return failure(file, line, self.input, claim.id, SettlementError.reason_of(err), self.ast.texts)


def unread_fields(policy: ast.Policy) -> frozenset[str]:
    """The claim's required enum fields (``person.scheme``, ``visit.kind``, ``visit.level``,
    ``visit.region``) that no expression, table or condition of ``policy`` reads."""
    read = set()
    for n in ast.walk(policy):
        if isinstance(n, ast.Field):
            read.add(n.dotted)
        elif isinstance(n, ast.Table):
            read.update(k.dotted for k in n.keys)
    return frozenset(f for f in REQUIRED_ENUMS if f not in read)


def _decode(data: Any, source: str | None) -> Any:
    """JSON text or bytes through the API are read exactly as a claim file is (``decode_json``)."""
    if isinstance(data, str | bytes | bytearray):
        return decode_json(data, source)
    return data


def _load_module(generated: GeneratedModule) -> types.ModuleType:
    filename = f"<yibao {generated.filename}>"
    module = types.ModuleType(f"yibao_policy_{abs(hash(generated.source)):x}")
    module.__file__ = filename
    # Tracebacks through the generated module show its lines.
    linecache.cache[filename] = (len(generated.source), None, generated.source.splitlines(True), filename)
    # Compiling and running the module makes its constants, code and tables, all kept: the collector
    # would only walk the growing heap again and again (``collector_paused``).
    with collector_paused():
        code = compile(generated.source, filename, "exec")
        exec(code, module.__dict__)  # the generated module only: see module docstring
    return module


def compile_policy(text: str, path: str = "<policy>") -> Policy:
    checked = check(parse(text, path))
    return Policy(checked, generate(checked))


def load_policy(path: str | Path) -> Policy:
    """Parse, check and compile a policy file. Raises ``PolicyError`` with every problem."""
    checked = check(parse_file(path))
    return Policy(checked, generate(checked))

