"""What a generated policy module imports: its metadata types and the settlement.

The generated code computes the figures; this module only carries them. Per-line
shares are derived on demand from the payer totals (exact, largest remainder), so
the fast path pays nothing for them until somebody reads ``settlement.lines``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from yibao.dsl.errors import SettlementError

from .claim_view import ClaimView, PackedLines, to_claim, unpack_lines
from .claims import Claim, Record
from .constructs import PERIODS, period_of, split_accumulator
from .money import div_down, div_half_even, div_half_up, div_up, money_str, to_yuan
from .phrases import labels

__all__ = [
    "CheckInfo",
    "LayerInfo",
    "LineShare",
    "ParamInfo",
    "PolicyMeta",
    "Settlement",
    "SettlementError",
    "Site",
    "div_down",
    "div_half_even",
    "div_half_up",
    "div_up",
    "no_row",
]


class Site(NamedTuple):
    """A place in the policy that records a trace step, fixed at compile time.

    ``template`` holds ``{i:m}`` slots (m money, r rate, c count, d date, t text)
    filled from the values recorded at run time; it is built by the compiler and
    never contains policy text, so formatting it cannot run anything.
    """

    rule: str
    kind: str
    zh: str
    en: str
    cite: str
    line: int
    end_line: int
    template: str
    result: int  # index of the value shown as the step's result, or -1
    result_code: str
    inputs: tuple[str, ...]  # parameters the step reads
    file: str = ""  # the policy file of the rule, when not the policy's own (a reform's base)
    template_zh: str = ""  # the formula in Chinese, when it reads differently
    construct: str = ""  # the construct it records (compiler/constructs.py): the names of its values
    layer: str = ""  # the layer the step belongs to, for a layer's steps
    ordinal: int = 0  # a band's number within its layer, from 1
    cite_en: str = ""  # the citation in English, when it reads differently
    subject: str = ""  # the parameter or check the step is about, by its name in the policy


class ParamInfo(NamedTuple):
    name: str
    zh: str
    en: str
    type: str
    cite: str
    line: int
    # (from date, ((row keys as written, line[, file]), …)); a plain value is one row with no keys;
    # the file is given only for rows written in another file (a reform's base)
    versions: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...]
    # (name, zh, en, rows, citation)
    exceptions: tuple[tuple[str, str, str, tuple[tuple[Any, ...], ...], str], ...]


class LayerInfo(NamedTuple):
    name: str
    zh: str
    en: str
    line: int


class CheckInfo(NamedTuple):
    name: str
    zh: str
    en: str
    line: int


class PolicyMeta(NamedTuple):
    id: str
    zh: str
    en: str
    file: str
    layers: tuple[LayerInfo, ...]
    sites: tuple[Site, ...]
    params: Mapping[str, ParamInfo]
    line_parts: Callable[[Claim], list[tuple[int, int]]]  # per line (out of scope, first self-pay)
    checks: tuple[CheckInfo, ...] = ()
    input: str = "claim"  # or "record"
    remainder: tuple[str, str] = labels("person", role="who")  # who bears what the layers leave
    year_start: tuple[int, int] = (1, 1)  # (month, day): set where quarters count from it
    fields: tuple[tuple[str, str], ...] = ()  # a record's fields: (name, Chinese label) for formulas


def no_row(param: str, line: int) -> None:
    raise SettlementError.no_row(param, line)


def failure(file: str, line: int, what: str, claim: object, reason: object,
            texts: Mapping[str, str]) -> SettlementError:
    """The error a claim's settling ends in, as both backends report it: the policy file and line
    behind it, the claim, the reason, and the policy line's text (``texts``: file → source)."""
    source = texts.get(file, "")
    text = source.split("\n")[line - 1].strip() if line and source else ""
    return SettlementError.failed(f"{file}:{line}" if line else file, what, str(claim), reason, text)


@dataclass(frozen=True, slots=True)
class LineShare:
    """How one bill line was classified and who bears how much of it."""

    index: int
    code: str
    name: str
    category: str
    item_class: str | None
    amount: int
    out_of_scope: int
    first_self_pay: int
    in_scope: int
    payers: tuple[int, ...]
    person: int


def _allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` fen in proportion to ``weights``, exactly (largest remainder)."""
    total = sum(weights)
    if amount <= 0 or total <= 0:
        return [0] * len(weights)
    shares = []
    remainders = []
    for i, w in enumerate(weights):
        q, r = divmod(amount * w, total)
        shares.append(q)
        remainders.append((-r, i))
    left = amount - sum(shares)
    for _, i in sorted(remainders)[:left]:
        shares[i] += 1
    return shares


def _line_pays(paid: int, pays: Sequence[int], room: Sequence[int]) -> list[int]:
    """A rate by line's per-line split: each line's own pay (the trace's ``rate_line`` steps);
    where caps or what was unpaid cut the layer's pay, each line's pay cut in proportion. A line
    never bears more than is left of it after the payers before (the rest goes to the lines with
    room, by their room), so every fen of a line goes to one payer or the person."""
    want = list(pays) if sum(pays) == paid else _allocate(paid, pays)
    share = [min(a, r) for a, r in zip(want, room, strict=True)]
    over = paid - sum(share)
    if over > 0:
        extra = _allocate(over, [r - a for a, r in zip(share, room, strict=True)])
        share = [a + b for a, b in zip(share, extra, strict=True)]
    return share


class Settlement:
    """One claim settled under one policy. Amounts are held in fen."""

    __slots__ = (
        "_claim",
        "_lines",
        "_steps",
        "check_results",
        "first_self_pay_fen",
        "in_scope_fen",
        "line_pays",
        "meta",
        "out_of_scope_fen",
        "parts",
        "payer_fen",
        "person_fen",
        "records",
        "total_fen",
        "ytd",
    )

    def __init__(
        self,
        meta: PolicyMeta,
        claim: Claim | Record,
        total: int,
        out_of_scope: int,
        first_self_pay: int,
        in_scope: int,
        payers: tuple[int, ...],
        person: int,
        ytd: dict[str, int],
        parts: list[tuple[int, int]] | None,
        records: list[tuple[int, tuple[Any, ...]]] | None,
        checks: tuple[bool, ...] = (),
        line_pays: tuple[list[int] | None, ...] = (),  # per layer, a rate by line's pay of each line
    ) -> None:
        self.meta = meta
        self._claim = claim  # or the ClaimView standing for it (``Policy.settle`` of a dict)
        self.total_fen = total
        self.out_of_scope_fen = out_of_scope
        self.first_self_pay_fen = first_self_pay
        self.in_scope_fen = in_scope
        self.payer_fen = payers
        self.person_fen = person
        self.ytd = ytd
        self.parts = parts
        self.records = records
        self.check_results = checks
        self.line_pays = line_pays
        self._lines: tuple[LineShare, ...] | None = None
        self._steps: list[Any] | None = None

    @property
    def claim(self) -> Claim | Record:
        """The claim settled. ``Policy.settle`` of a dict settles a ``ClaimView`` (``claim_view``),
        the validated claim's fields as flat tuples: the ``Claim`` is built on first reading."""
        claim = self._claim
        if claim.__class__ is ClaimView:
            claim = self._claim = to_claim(claim)
        elif claim.lines.__class__ is PackedLines:  # the C reader's flat lines (``read_sums``)
            unpack_lines(claim)  # type: ignore[arg-type]
        return claim  # type: ignore[return-value]

    # ------------------------------------------------------------ figures as Decimal
    @property
    def total(self) -> Decimal:
        return to_yuan(self.total_fen)

    @property
    def out_of_scope(self) -> Decimal:
        return to_yuan(self.out_of_scope_fen)

    @property
    def first_self_pay(self) -> Decimal:
        return to_yuan(self.first_self_pay_fen)

    @property
    def in_scope(self) -> Decimal:
        return to_yuan(self.in_scope_fen)

    @property
    def person(self) -> Decimal:
        return to_yuan(self.person_fen)

    @property
    def payers(self) -> dict[str, Decimal]:
        return {layer.name: to_yuan(f) for layer, f in zip(self.meta.layers, self.payer_fen, strict=True)}

    @property
    def checks(self) -> dict[str, bool]:
        """The policy's own checks (e.g. the 10% guarantee) on this settlement."""
        return {info.name: ok for info, ok in zip(self.meta.checks, self.check_results, strict=True)}

    @property
    def year_to_date(self) -> dict[str, Decimal]:
        return {k: to_yuan(v) for k, v in sorted(self.ytd.items())}

    @property
    def reimbursed_share(self) -> Decimal:
        """What the payers bore, as a share of the total (0 for an empty bill)."""
        if self.total_fen == 0:
            return Decimal(0)
        return (Decimal(sum(self.payer_fen)) / Decimal(self.total_fen)).quantize(Decimal("0.0001"))

    # ------------------------------------------------------------ per-line shares
    @property
    def lines(self) -> tuple[LineShare, ...]:
        if self._lines is None:
            self._lines = self._share_lines()
        return self._lines

    def _share_lines(self) -> tuple[LineShare, ...]:
        if self.parts is None:  # the fast path leaves classification by line for later
            self.parts = self.meta.line_parts(self.claim)
        lines = self.claim.lines
        in_scope = [ln.amount - oos - fsp for ln, (oos, fsp) in zip(lines, self.parts, strict=True)]
        left_in = list(in_scope)
        left_all = [ln.amount for ln in lines]
        per_payer: list[list[int]] = []
        for k, paid in enumerate(self.payer_fen):
            pays = self.line_pays[k] if k < len(self.line_pays) else None
            if pays is not None:  # a rate by line: each line's own pay
                share = _line_pays(paid, pays, left_all)
            else:  # by the in-scope cost left on each line, then by what is left of it
                inside = _allocate(min(paid, sum(left_in)), left_in)
                over = paid - sum(inside)
                rest = [a - i for a, i in zip(left_all, inside, strict=True)]
                outside = _allocate(over, rest) if over > 0 else [0] * len(lines)
                share = [a + b for a, b in zip(inside, outside, strict=True)]
            for i, s in enumerate(share):
                left_all[i] -= s
                left_in[i] = max(0, left_in[i] - s)
            per_payer.append(share)
        out = []
        for i, (ln, (oos, fsp)) in enumerate(zip(lines, self.parts, strict=True)):
            payers = tuple(p[i] for p in per_payer)
            out.append(LineShare(i, ln.code, ln.name, ln.category, ln.item_class, ln.amount,
                                 oos, fsp, in_scope[i], payers, ln.amount - sum(payers)))
        return tuple(out)

    # ------------------------------------------------------------ trace
    @property
    def trace(self) -> list[Any]:
        """The settlement's steps, or an empty list if it was settled without a trace.

        Formatted once, on first reading: the traced path only records figures.
        """
        from .trace import render_steps

        if self.records is None:
            return []
        if self._steps is None:
            self._steps = render_steps(self.meta, self.claim, self.records)
        return list(self._steps)

    # ------------------------------------------------------------ JSON
    def to_dict(self, *, trace: bool | None = None, lines: bool | None = None) -> dict[str, Any]:
        """The settlement contract (docs/claims.md); amounts as two-decimal strings. The per-line
        split is shared out only when asked for (``lines=True``) or with the trace (``lines=None``):
        for a year of claims it is most of the output, and most of the time spent writing it."""
        layer_names = [layer.name for layer in self.meta.layers]
        if self.meta.input == "record":
            return self._record_dict(layer_names, trace)
        traced = bool(trace or (trace is None and self.records is not None))
        data: dict[str, Any] = {
            "claim": self._claim.id,
            "policy": self.meta.id,
            "date": self._claim.date.isoformat(),
            "total": money_str(self.total_fen),
            "out_of_scope": money_str(self.out_of_scope_fen),
            "first_self_pay": money_str(self.first_self_pay_fen),
            "in_scope": money_str(self.in_scope_fen),
            "payers": {n: money_str(f) for n, f in zip(layer_names, self.payer_fen, strict=True)},
            "person": money_str(self.person_fen),
            **({"checks": self.checks} if self.meta.checks else {}),
            "year_to_date": self._ytd_json(),
        }
        if lines or (lines is None and traced):
            data["lines"] = [
                {
                    "code": s.code,
                    "name": s.name,
                    "category": s.category,
                    **({"class": s.item_class} if s.item_class else {}),
                    "amount": money_str(s.amount),
                    "out_of_scope": money_str(s.out_of_scope),
                    "first_self_pay": money_str(s.first_self_pay),
                    "in_scope": money_str(s.in_scope),
                    "payers": {n: money_str(f) for n, f in zip(layer_names, s.payers, strict=True)},
                    "person": money_str(s.person),
                }
                for s in self.lines
            ]
        if traced:
            from .trace import layer_breakdown

            data["layers"] = layer_breakdown(self.trace)
            data["trace"] = [step.to_dict() for step in self.trace]
        return data

    def _record_dict(self, layer_names: list[str], trace: bool | None) -> dict[str, Any]:
        """A record's settlement: the amount shared out, each layer's share and the remainder."""
        data: dict[str, Any] = {
            "record": self.claim.id,
            "policy": self.meta.id,
            "date": self.claim.date.isoformat(),
            "amount": money_str(self.total_fen),
            "payers": {n: money_str(f) for n, f in zip(layer_names, self.payer_fen, strict=True)},
            "remainder": money_str(self.person_fen),
            **({"checks": self.checks} if self.meta.checks else {}),
            "year_to_date": self._ytd_json(),
        }
        if trace or (trace is None and self.records is not None):
            from .trace import layer_breakdown

            data["layers"] = layer_breakdown(self.trace)
            data["trace"] = [step.to_dict() for step in self.trace]
        return data

    def _ytd_json(self) -> dict[str, Any]:
        """The closing figures, with the year (and the month or quarter, for period figures) they are for."""
        out: dict[str, Any] = {"year": self._claim.year}
        for period in PERIODS:
            if any(a is not None and a.period == period for _, a in map(split_accumulator, self.ytd)):
                out[period] = period_of(self._claim.date, period, self.meta.year_start)
        return {**out, **{k: money_str(v) for k, v in sorted(self.ytd.items())}}

    def to_json(self, *, trace: bool | None = None, lines: bool | None = None, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(trace=trace, lines=lines), ensure_ascii=False, indent=indent)

    def __repr__(self) -> str:
        payers = ", ".join(f"{k}={v}" for k, v in self.payers.items())
        return f"<Settlement {self._claim.id} total={self.total} {payers} person={self.person}>"
