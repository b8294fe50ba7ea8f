"""Every construct of the language, defined once: what its trace record holds and what it means.

A construct is one kind of step a compiled policy records (a per-year deductible, a band, a
cap per visit, a classification row …). Its definition owns

- the *named fields* of its trace record, in the order the generated code records them, each
  with its format code (m money, r rate, c count, d date, t text, b yes/no);
- which field is the step's result;
- the step kind and rule part it is shown under (``basic.deductible``);
- what *covered* and *bound* mean for rule coverage;

and its wording lives in ``phrases.py`` under the same name, one table per language. The code
generator records by these names (``record``), ``trace.py`` turns each raw record into a step
with named values, and every consumer (letters, the explainer, coverage, ``diff``, the
settlement JSON's per-layer breakdown) reads kinds and names, never tuple positions or
template text.

Year-to-date accumulators and the results a later layer may read (``basic.paid``) are defined
here too, for the checker, the generator, the sampler and the documents alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from yibao.dsl import ast
from yibao.dsl.errors import DIVISION_BY_ZERO as _DIVISION_BY_ZERO


class Construct(NamedTuple):
    """One construct: its trace record's named fields and what a step of it means."""

    name: str  # the construct's own name, the key of its wording in phrases.py
    kind: str  # the step kind shown to people: layer, band, payer, skip, classify, parameter, …
    part: str  # the rule's last part for a layer's steps (``basic.deductible``); "" otherwise
    fields: tuple[tuple[str, str], ...]  # (name, format code), in the order they are recorded
    result: str | None = None  # the field shown as the step's result
    coverage: str | None = None  # the rule kind coverage counts this step under, if any
    bound: Callable[[Mapping[str, Any]], bool] | None = None  # when the rule "bound" (took effect)
    breakdown: tuple[tuple[str, str], ...] = ()  # (key in the settlement's per-layer breakdown, field)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.fields)

    @property
    def result_index(self) -> int:
        return self.names.index(self.result) if self.result is not None else -1

    @property
    def result_code(self) -> str:
        return dict(self.fields)[self.result] if self.result is not None else "m"

    def named(self, values: Sequence[Any]) -> dict[str, Any]:
        """A raw record as its named values."""
        return dict(zip(self.names, values, strict=True))

    def hit(self, values: Mapping[str, Any]) -> bool:
        """Whether a recorded step counts for coverage: it bound, or it has no notion of binding."""
        return self.bound is None or self.bound(values)


def _c(name: str, kind: str, part: str, fields: str, result: str | None = None, *,
       coverage: str | None = None, bound: Callable[[Mapping[str, Any]], bool] | None = None,
       breakdown: str = "") -> Construct:
    """``fields`` as ``"name:code …"`` and ``breakdown`` as ``"key=field …"``, as they read best below."""
    pairs = tuple((f.split(":")[0], f.split(":")[1]) for f in fields.split())
    shown = tuple((b.split("=")[0], b.split("=")[1]) for b in breakdown.split())
    return Construct(name, kind, part, pairs, result, coverage, bound, shown)


# The parameter's value has the parameter's own type, given per site: its code here is a placeholder.
PARAMETER = _c("parameter", "parameter", "", "value:t version:c exception:c row:c", "value")
CLASSIFY_IN = _c("classify_in", "classify", "", "line:c code:t name:t amount:m", "amount",
                 coverage="classify")
CLASSIFY_OUT = _c("classify_out", "classify", "", "line:c code:t name:t amount:m", "amount",
                  coverage="classify")
CLASSIFY_SHARE = _c("classify_share", "classify", "",
                    "line:c code:t name:t amount:m share:r first_self_pay:m in_scope:m", "first_self_pay",
                    coverage="classify")
# A share *in scope* (``-> in scope 70%``): the in-scope part is rounded, the rest is first self-pay.
CLASSIFY_IN_SHARE = _c("classify_in_share", "classify", "",
                       "line:c code:t name:t amount:m share:r in_scope:m first_self_pay:m", "in_scope",
                       coverage="classify")
# ``as billed``: the platform's split of the line, taken as it came (全自费, 超限价, 先行自付, 符合范围).
CLASSIFY_BILLED = _c("classify_billed", "classify", "",
                     "line:c code:t name:t amount:m self_pay:m over_limit:m first_self_pay:m in_scope:m",
                     "in_scope", coverage="classify")
# Which construct a `classify` row's treatment records (``-> first self pay 10%`` → classify_share).
TREATMENTS: dict[str, Construct] = {"in_scope": CLASSIFY_IN, "out_of_scope": CLASSIFY_OUT,
                                    "first_self_pay": CLASSIFY_SHARE, "in_scope_share": CLASSIFY_IN_SHARE}
AMOUNT = _c("amount", "amount", "", "amount:m", "amount")
BASE = _c("base", "layer", "base", "base:m", "base", breakdown="base=base")
_CEILING = "ceiling=ceiling entered=entered over_ceiling=over"
CEILING_VISIT = _c("ceiling_visit", "layer", "ceiling", "ceiling:m room:m entered:m over:m", "entered",
                   coverage="ceiling", bound=lambda v: v["over"] > 0, breakdown=_CEILING)
CEILING_YEAR = _c("ceiling_year", "layer", "ceiling", "ceiling:m room:m entered:m over:m", "entered",
                  coverage="ceiling", bound=lambda v: v["over"] > 0, breakdown=_CEILING)
# `ceiling … after deductible`: the ceiling limits the eligible amount (base − deductible), not the base.
_CEILING_AFTER = "ceiling:m room:m eligible:m entered:m over:m"
CEILING_AFTER_DEDUCTIBLE_VISIT = _c("ceiling_after_deductible_visit", "layer", "ceiling", _CEILING_AFTER,
                                    "entered", coverage="ceiling", bound=lambda v: v["over"] > 0,
                                    breakdown=_CEILING)
CEILING_AFTER_DEDUCTIBLE_YEAR = _c("ceiling_after_deductible_year", "layer", "ceiling", _CEILING_AFTER,
                                   "entered", coverage="ceiling", bound=lambda v: v["over"] > 0,
                                   breakdown=_CEILING)
_DEDUCTIBLE = "deductible=deductible deductible_applied=applied"
DEDUCTIBLE_YEAR = _c("deductible_year", "layer", "deductible",
                     "deductible:m paid_before:m due:m base:m applied:m", "applied",
                     breakdown=_DEDUCTIBLE + " deductible_paid_before=paid_before")
DEDUCTIBLE_VISIT = _c("deductible_visit", "layer", "deductible",
                      "deductible:m base:m applied:m paid_before:m", "applied", breakdown=_DEDUCTIBLE)
DEDUCTIBLE_VISIT_LIMITED = _c("deductible_visit_limited", "layer", "deductible",
                              "deductible:m base:m applied:m paid_before:m", "applied",
                              breakdown=_DEDUCTIBLE + " deductible_paid_before=paid_before")
FIXED = _c("fixed", "layer", "fixed", "fixed:m cost:m pay:m", "pay", breakdown="fixed=fixed")
# A `given` layer: what the claim says it paid (``paid.<layer>``), at most what was left unpaid before it.
GIVEN = _c("given", "layer", "given", "given:m unpaid:m pay:m", "pay", breakdown="given=given")
RATE = _c("rate", "layer", "rate", "base:m deductible:m rate:r pay:m", "pay", breakdown="rate=rate")
RATE_AFTER_DEDUCTIBLE = _c("rate_after_deductible", "layer", "rate", "base:m deductible:m rate:r pay:m",
                           "pay", breakdown="rate=rate")
# A rate by bill line (``rate if line.class == implant then 70% else 85%``): the layer's eligible amount
# is shared out over the lines by their in-scope cost (cumulative floors, so the shares add up to it
# exactly), each share paid at its line's rate; the layer's step sums them.
RATE_LINE = _c("rate_line", "layer", "rate_line", "line:c code:t name:t in_scope:m share:m rate:r pay:m",
               "pay")
RATE_BY_LINE = _c("rate_by_line", "layer", "rate", "base:m deductible:m eligible:m pay:m", "pay")
_BAND = "lower=lower upper=upper slice=slice rate=rate pay=pay"
BAND_VISIT = _c("band_visit", "band", "band", "lower:m upper:m slice:m rate:r pay:m", "pay",
                coverage="band", breakdown=_BAND)
BAND_YEAR = _c("band_year", "band", "band", "lower:m upper:m slice:m rate:r pay:m", "pay", coverage="band",
               breakdown=_BAND)
CAP_YEAR = _c("cap_year", "layer", "cap_year", "cap:m paid_before:m before_cap:m cap_left:m pay:m", "pay",
              coverage="cap", bound=lambda v: v["pay"] < v["before_cap"],
              breakdown="cap=cap cap_left=cap_left before_cap=before_cap")
# A cap per month or per quarter: what the layer paid in the claim's month (quarter) so far, as per year.
CAP_MONTH = _c("cap_month", "layer", "cap_month", "cap:m paid_before:m before_cap:m cap_left:m pay:m", "pay",
               coverage="cap", bound=lambda v: v["pay"] < v["before_cap"],
               breakdown="cap=cap cap_left=cap_left before_cap=before_cap")
CAP_QUARTER = _c("cap_quarter", "layer", "cap_quarter", "cap:m paid_before:m before_cap:m cap_left:m pay:m",
                 "pay", coverage="cap", bound=lambda v: v["pay"] < v["before_cap"],
                 breakdown="cap=cap cap_left=cap_left before_cap=before_cap")
CAP_VISIT = _c("cap_visit", "layer", "cap_visit", "before_cap:m cap:m pay:m", "pay",
               coverage="cap", bound=lambda v: v["pay"] < v["before_cap"],
               breakdown="cap=cap before_cap=before_cap")
PAYS = _c("pays", "payer", "pays", "pay:m", "pay", coverage="layer", bound=lambda v: v["pay"] > 0,
          breakdown="paid=pay")
SKIPPED = _c("skipped", "skip", "skipped", "condition:t", coverage="skip")
CHECK = _c("check", "check", "", "holds:b condition:t", "holds")
PERSON = _c("person", "person", "", "total:m paid:m person:m", "person")
REMAINDER = _c("remainder", "person", "", "total:m paid:m person:m", "person")
YTD_IGNORED = _c("ytd_ignored", "note", "", "ytd_year:c year:c")

CONSTRUCTS: dict[str, Construct] = {c.name: c for c in (
    PARAMETER, CLASSIFY_IN, CLASSIFY_OUT, CLASSIFY_SHARE, CLASSIFY_IN_SHARE, CLASSIFY_BILLED, AMOUNT, BASE,
    CEILING_VISIT, CEILING_YEAR,
    CEILING_AFTER_DEDUCTIBLE_VISIT, CEILING_AFTER_DEDUCTIBLE_YEAR,
    DEDUCTIBLE_YEAR, DEDUCTIBLE_VISIT, DEDUCTIBLE_VISIT_LIMITED, FIXED, GIVEN, RATE, RATE_AFTER_DEDUCTIBLE,
    RATE_LINE, RATE_BY_LINE,
    BAND_VISIT, BAND_YEAR, CAP_YEAR, CAP_MONTH, CAP_QUARTER, CAP_VISIT, PAYS, SKIPPED, CHECK, PERSON,
    REMAINDER,
    YTD_IGNORED,
)}


def letter_variant(c: Construct, values: Mapping[str, Any], *, record: bool = False) -> str:
    """Which of a construct's letter sentences (phrases.py) a step reads as."""
    if c in (DEDUCTIBLE_YEAR,) and values["paid_before"]:
        return "letter_earlier"
    if c in (RATE, PAYS) and record:
        return "letter_record"
    if c.coverage == "cap":
        return "letter_bound" if c.hit(values) else "letter"
    if c is CHECK and not values["holds"]:
        return "letter_failed"
    return "letter"


def letter_values(c: Construct, values: Mapping[str, Any]) -> dict[str, Any]:
    """A step's figures with those its sentences name besides: the part above the deductible."""
    if c is RATE_AFTER_DEDUCTIBLE:
        return {**values, "above": values["base"] - values["deductible"]}
    return dict(values)


def record(construct: Construct, **values: str) -> str:
    """The generated code's record tuple for a step: the values' expressions in the construct's order.

    The generator names every value; a missing or unknown name is a bug in the generator, caught
    when the module is generated, not when someone reads the trace.
    """
    if set(values) != set(construct.names):
        raise AssertionError(f"{construct.name} records {construct.names}, not {tuple(values)}")
    items = [values[n] for n in construct.names]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


# ---------------------------------------------------------------- what a layer leaves behind

class Accumulator(NamedTuple):
    """A year-to-date figure a layer carries from claim to claim (``basic.deductible``)."""

    key: str  # the part after the layer's name in ``year_to_date``
    result: str  # what a later rule reads it as before this claim: ``basic.year_deductible``
    var: str  # the generated code's local name prefix for its opening value
    adds: str  # the local name prefix of what this claim adds to it (per layer: ``accumulator_adds``)
    needs: str  # why a layer may lack it ("" when every layer has it)
    meaning: str  # what ``result`` reads, for the checker's messages
    period: str = "year"  # what it accumulates over: the insurance year, or a month or quarter of it


ACCUMULATORS: tuple[Accumulator, ...] = (
    Accumulator("entered", "year_entered", "ye", "base", "the layer has no `ceiling … per year`",
                "cost entered under its ceiling this year"),
    Accumulator("deductible", "year_deductible", "yd", "ded", "the layer has no deductible",
                "deductible paid this year before this claim"),
    Accumulator("base", "year_base", "yb", "elig", "the layer has no `bands per year`",
                "the year's accumulated base for its bands"),
    Accumulator("paid", "year_paid", "yp", "l", "", "paid this year before this claim"),
    Accumulator("month.paid", "month_paid", "mp", "l", "the layer has no `cap … per month`",
                "paid this month before this claim", "month"),
    Accumulator("quarter.paid", "quarter_paid", "qp", "l", "the layer has no `cap … per quarter`",
                "paid this quarter before this claim", "quarter"),
)
# The claim's period a period accumulator is for, as ``year_to_date`` states it ("month": 3).
PERIODS = ("month", "quarter")
# What a layer paid over a period before this claim, which its `cap … per <period>` reads (what a
# claim adds to it is the layer's pay, ``l``); a cap per visit reads none.
PAID_IN: dict[str, Accumulator] = {a.period: a for a in ACCUMULATORS if a.adds == "l"}
# The step a cap over each period records.
CAPS: dict[str, Construct] = {"year": CAP_YEAR, "month": CAP_MONTH, "quarter": CAP_QUARTER,
                              "visit": CAP_VISIT}


def rate_by_line(layer: ast.Layer) -> bool:
    """Whether the layer's rate reads the bill line (``rate if line.class == implant …``): then its
    eligible amount is shared out over the lines (``RATE_LINE``, ``RATE_BY_LINE``)."""
    return layer.rate is not None and any(
        isinstance(x, ast.Field) and x.path[0] == "line" for x in ast.walk(layer.rate))


# ------------------------------------------------------------ what a settlement fails on
DIVISION_BY_ZERO = _DIVISION_BY_ZERO  # the reason when a divisor is 0 for a claim (a phrase: dsl/errors.py)


def divides(node: object) -> bool:
    """Whether ``node`` holds a division that a claim can make by zero: its divisor is not a
    literal other than 0 (``90% / person.age``, ``50% / in_city_rate``)."""
    for x in ast.walk(node):
        if isinstance(x, ast.BinOp) and x.op == "/":
            right = x.right
            if not (isinstance(right, ast.Number | ast.Percent) and right.value != 0):
                return True
    return False
ACCUMULATOR: dict[str, Accumulator] = {a.key: a for a in ACCUMULATORS}


def accumulates(layer: ast.Layer, acc: Accumulator) -> bool:
    """Whether ``layer`` keeps accumulator ``acc``."""
    if acc.key == "entered":
        return layer.ceiling is not None and layer.ceiling.period == "year"
    if acc.key == "deductible":
        return layer.deductible is not None
    if acc.key == "base":
        return layer.bands is not None and layer.bands.period == "year"
    if acc.period != "year":
        return any(c.period == acc.period for c in layer.caps)
    return True


def accumulator_adds(layer: ast.Layer, acc: Accumulator) -> str:
    """The local name prefix of what a claim adds to ``acc``: what entered under a ceiling after the
    deductible is the reduced eligible amount (``elig``), not the base."""
    if acc.key == "entered" and layer.ceiling_after_deductible:
        return "elig"
    return acc.adds


def layer_accumulators(layer: ast.Layer) -> tuple[Accumulator, ...]:
    return tuple(a for a in ACCUMULATORS if accumulates(layer, a))


def accumulator_key(layer: str, acc: Accumulator) -> str:
    return f"{layer}.{acc.key}"


def period_of(day: Any, period: str, year_start: tuple[int, int] = (1, 1)) -> int:
    """The month (1–12, the calendar month) or quarter (1–4, of the insurance year: the calendar
    quarter for a year starting in January, April, July or October) a date falls in."""
    if period == "month":
        return int(day.month)
    return (day.month - year_start[0]) % 12 // 3 + 1


def drop_period(ytd: Mapping[str, int], period: str) -> dict[str, int]:
    """Year-to-date figures without those of one period's accumulators: a new month or quarter."""
    def keeps(key: str) -> bool:
        acc = split_accumulator(key)[1]
        return acc is None or acc.period != period

    return {k: v for k, v in ytd.items() if keeps(k)}


def split_accumulator(key: str) -> tuple[str, Accumulator | None]:
    """``basic.deductible`` → (``basic``, its accumulator), or None for a key no layer keeps."""
    layer, _, what = key.partition(".")
    return layer, ACCUMULATOR.get(what)


class LayerResult(NamedTuple):
    """A figure of an earlier layer a later rule or a check may read, as ``basic.paid``."""

    name: str
    var: str  # the generated code's local name prefix
    meaning: str  # for the checker's messages
    accumulator: Accumulator | None = None  # set for the year-to-date figures


LAYER_RESULTS: dict[str, LayerResult] = {r.name: r for r in (
    LayerResult("paid", "l", "what the layer paid on this claim"),
    LayerResult("deductible", "ded", "the deductible it applied"),
    LayerResult("base", "base", "the base that entered it, after its ceiling"),
    LayerResult("over_ceiling", "over", "the part of its base above its ceiling"),
    LayerResult("eligible", "elig", "its base after the deductible"),
    *(LayerResult(a.result, a.var, a.meaning, a) for a in ACCUMULATORS),
)}
# The figures of this claim alone, and those the year-to-date accumulators held before it.
CLAIM_RESULTS: dict[str, LayerResult] = {n: r for n, r in LAYER_RESULTS.items() if r.accumulator is None}
YEAR_RESULTS: dict[str, Accumulator] = {a.result: a for a in ACCUMULATORS}


def split_result(dotted: str) -> tuple[str, LayerResult | None]:
    """``basic.paid`` → (``basic``, its result), or None for a name that is no layer result."""
    layer, _, what = dotted.partition(".")
    return layer, LAYER_RESULTS.get(what)
