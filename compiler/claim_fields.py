"""The claim's and the record's fields, once: what each field is, its limits and its value set.

Three things are derived from this table and nothing else: the collecting validator
(``claims.parse_claim``, which reports every issue at its JSON path), the fast accept path
generated per policy (``claim_fast``, a straight-line check that falls back to the collecting
validator when anything is off) and the published JSON Schemas (``schemas``). A field added
here is validated, fast-checked and documented alike; a field left out of it exists nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ---------------------------------------------------------------- limits (docs/claims.md, "Limits")
# Amounts are bounded so that fen × a rate in parts per million (10^12 × 10^6) and the rounding
# around it stay inside int64, for a columnar backend; sums of millions of claims fit too.
MAX_LINE_FEN = 10**10 - 1  # one bill line: 99,999,999.99 yuan
MAX_AMOUNT_FEN = 10**12 - 1  # a claim's total, a year_to_date value, a record's money field
MAX_LINES = 10_000
MAX_DISEASES = 100
MAX_YTD_ENTRIES = 1_000  # also the entries of `paid` (layer → what it paid upstream)
MAX_CODE_CHARS = 200  # ids, codes, classes, diseases, year_to_date keys
MAX_NAME_CHARS = 1_000  # line names
MAX_AGE = 150
MAX_ADMISSION_NO = 1_000
MAX_YEAR = 9_999
MAX_COUNT = 10**9  # a record's count field
MAX_INPUT_BYTES = 10_000_000  # a claim file or JSON text (for a str: characters)
MAX_DEPTH = 10  # nested objects and lists; a claim needs 3 (4 in a file holding a list of claims)
MAX_ISSUES = 100  # reported per claim; the rest are counted

# The national platform's split of a bill line (全自费, 超限价, 先行自付, 符合政策范围): all four
# or none, adding up to the line's amount; a policy with `as billed` in `classify` takes them.
SPLIT_KEYS = ("self_pay", "over_limit", "first_self_pay", "in_scope")
YEAR_KEY = "year"
PERIOD_KEYS = {"month": 12, "quarter": 4}  # which month / quarter the period figures are for (1..n)


@dataclass(frozen=True, slots=True)
class Field:
    """One JSON field. ``kind`` says how it is read:

    text (a string, or an integer read as its digits), enum (one of a value set), int (a whole
    number in [minimum, limit]), amount (yuan as a decimal string → fen, at most ``limit`` fen),
    date (YYYY-MM-DD), codes (a list of texts), object (``fields`` inside), lines (a list of
    objects of ``fields``), split (one of the four amounts of a line's split, all or none),
    ytd (accumulator → amount, plus ``year``), paid (layer → amount).

    The formats yibao writes, or reads outside a claim, add: money (an amount as yibao writes it,
    "1234.50"), bool, map (name → ``fields[0]``), list (of ``fields[0]``), either (one of
    ``fields``), any (whatever JSON; its shape is another page's), claim (a claim, as above).
    """

    key: str
    kind: str
    doc: str
    required: bool = False
    default: object = None  # the value when absent; for an enum "first" is the set's first value
    enum: str | None = None  # the value set's name (a policy may redeclare it: ``enum person.category``)
    limit: int = 0  # characters for text, the maximum for int (fen for amount)
    minimum: int = 0
    fields: tuple[Field, ...] = ()
    attr: str = ""  # the ``Claim`` / ``Line`` attribute it fills, when not named ``key``
    keys: frozenset[str] = field(init=False, repr=False, compare=False)  # the keys an object allows

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(f.key for f in self.fields))
        if not self.attr:
            object.__setattr__(self, "attr", "split" if self.kind == "split" else self.key)


def _text(key: str, doc: str, *, required: bool = False, default: object = None,
          limit: int = MAX_CODE_CHARS, attr: str = "") -> Field:
    return Field(key, "text", doc, required=required, default=default, limit=limit, attr=attr)


def _enum(key: str, enum: str, doc: str, *, default: object = None) -> Field:
    return Field(key, "enum", doc, required=default is None, default=default, enum=enum)


PERSON = (
    _text("id", "the insured person's id (a year's claims are carried by it)", required=True, default="",
          attr="person_id"),
    _enum("scheme", "person.scheme", "the insurance scheme"),
    _enum("category", "person.category", "the person's category (low income, poverty …)", default="first"),
    Field("age", "int", "age in whole years, when the policy reads it", minimum=0, limit=MAX_AGE),
)

VISIT = (
    _enum("kind", "visit.kind", "inpatient, outpatient …"),
    _enum("facility", "visit.facility", "what kind of hospital", default="first"),
    _enum("level", "visit.level", "the hospital's level (a JSON integer is read as its digits)"),
    _enum("region", "visit.region", "where the hospital is, seen from the person's pooling area"),
    _enum("referral", "visit.referral", "how the person came there (`none` when absent, if allowed)",
          default="none"),
    Field("admission_no", "int", "which admission of the year this is", default=1, minimum=1,
          limit=MAX_ADMISSION_NO),
    Field("diseases", "codes", "diagnosis codes (ICD-10)", limit=MAX_DISEASES),
)

LINE = (
    _text("code", "the item's code", required=True, default=""),
    _text("name", "the item's name", default="", limit=MAX_NAME_CHARS),
    _enum("category", "line.category", "the catalogue category (甲 A, 乙 B, 丙 C …)"),
    _text("class", "the item's class (drug, material …), when the policy's rows read one", attr="item_class"),
    Field("amount", "amount", "what the line costs, yuan", required=True, limit=MAX_LINE_FEN),
    Field("unit_price", "amount", "price per unit, yuan", limit=MAX_LINE_FEN),
    *(Field(key, "split", f"the platform's split: {doc}, yuan (all four or none, adding up to amount)",
            limit=MAX_LINE_FEN)
      for key, doc in zip(SPLIT_KEYS, ("paid fully by the person (全自费)", "over the price limit (超限价)",
                                       "first self-pay (先行自付)", "in the policy's scope (符合政策范围)"),
                          strict=True)),
)

# The enum fields a claim must give, unless its policy never reads them (``Policy.unread``).
REQUIRED_ENUMS = tuple(f.enum for part in (PERSON, VISIT) for f in part
                       if f.kind == "enum" and f.required and f.enum is not None)

YEAR_TO_DATE = Field("year_to_date", "ytd", "accumulators of the year so far (accumulator → yuan), "
                                            "and `year`: the insurance year they are for",
                     limit=MAX_AMOUNT_FEN, attr="ytd")

CLAIM = (
    _text("id", "the claim's id", required=True, default=""),
    Field("date", "date", "settlement or discharge date", required=True),
    Field("person", "object", "who was treated", required=True, fields=PERSON),
    Field("visit", "object", "where and how", required=True, fields=VISIT),
    Field("lines", "lines", "the bill's lines", required=True, limit=MAX_LINES, fields=LINE),
    YEAR_TO_DATE,
    Field("paid", "paid", "what each `given` layer paid upstream (layer → yuan)", limit=MAX_AMOUNT_FEN),
)

RECORD = (
    _text("id", "the record's id", required=True, default=""),
    Field("date", "date", "the date the record is for", required=True),
    Field("record", "object", "the policy's declared record fields", required=True),
    YEAR_TO_DATE,
)

# ------------------------------------------------------------------ what yibao writes: the settlement
_MONEY = Field("", "money", "yuan, two decimals")
_PAYERS = Field("payers", "map", "layer → what it pays, in layer order", required=True, fields=(_MONEY,))
_BOOL = Field("", "bool", "result")
_CHECKS = Field("checks", "map", "check → result (a policy with checks)", fields=(_BOOL,))
_CLOSING = Field("year_to_date", "ytd", "the accumulators after this claim, and `year`", required=True,
                 limit=MAX_AMOUNT_FEN)
_TRACE = (Field("layers", "any", "each layer's figures (with the trace; docs/claims.md, "
                                 "Per-layer breakdown)"),
          Field("trace", "list", "every step (with the trace; docs/claims.md, The trace)",
                fields=(Field("", "any", "a step"),)))
SETTLEMENT_LINE = (
    _text("code", "the line's code", required=True),
    _text("name", "the line's name", required=True, limit=MAX_NAME_CHARS),
    Field("category", "text", "the line's category", required=True),
    _text("class", "the line's class, when it has one"),
    *(Field(key, "money", doc, required=True) for key, doc in (
        ("amount", "the line's amount"), ("out_of_scope", "its share out of scope (政策范围外)"),
        ("first_self_pay", "its first self-pay (先行自付)"), ("in_scope", "its share in scope"))),
    _PAYERS,
    Field("person", "money", "what the person pays of it", required=True),
)
SETTLEMENT = (
    _text("claim", "the claim's id", required=True),
    _text("policy", "the policy's id", required=True),
    Field("date", "date", "the claim's date", required=True),
    *(Field(key, "money", doc, required=True) for key, doc in (
        ("total", "the bill's total"), ("out_of_scope", "政策范围外: lines out of scope"),
        ("first_self_pay", "先行自付"), ("in_scope", "政策范围内"))),
    _PAYERS,
    Field("person", "money", "what the person pays", required=True),
    _CHECKS,
    _CLOSING,
    Field("lines", "list", "each line's share (asked for with `--lines`, or with the trace)",
          fields=(Field("", "object", "a line's share", fields=SETTLEMENT_LINE),)),
    *_TRACE,
)
RECORD_SETTLEMENT = (
    _text("record", "the record's id", required=True),
    _text("policy", "the policy's id", required=True),
    Field("date", "date", "the record's date", required=True),
    Field("amount", "money", "the amount shared out", required=True),
    _PAYERS,
    Field("remainder", "money", "what no layer takes", required=True),
    _CHECKS,
    _CLOSING,
    *_TRACE,
)

# ------------------------------------------------------------- policy tests (`*.tests.json`)
_STEP_RESULT = Field("", "either", "a result as the trace shows it", fields=(
    Field("", "text", "text such as \"400.00\" or \"80%\"", limit=10_000),
    Field("", "int", "a whole number", minimum=-(10**18), limit=10**18)))
EXPECT = (
    Field("payers", "map", "layer → amount it pays",
          fields=(Field("", "amount", "yuan", limit=MAX_AMOUNT_FEN),)),
    Field("person", "amount", "what the person pays", limit=MAX_AMOUNT_FEN),
    Field("remainder", "amount", "a record's remainder (its name for `person`)", limit=MAX_AMOUNT_FEN),
    Field("year_to_date", "map", "accumulator → amount after the claim (`year` is ignored)",
          fields=(Field("", "amount", "yuan", limit=MAX_AMOUNT_FEN),)),
    Field("checks", "map", "check → result", fields=(_BOOL,)),
    Field("steps", "map", "rule → its result, or its results in trace order", fields=(
        Field("", "either", "", fields=(_STEP_RESULT, Field("", "list", "results", fields=(_STEP_RESULT,)))),
    )),
)
_A_CLAIM = Field("", "either", "a claim (or record) inline, or the path of a claim file relative to the "
                               "test file",
                 fields=(Field("", "text", "a path", limit=10_000), Field("", "any", "a claim")))
_AN_EXPECT = Field("", "object", "the figures expected; anything left out is not checked", fields=EXPECT)
CASE = (
    _text("name", "the case's name, unique in the file", required=True, limit=10_000),
    _text("description", "what the case shows", limit=100_000),
    Field("claim", "either", "one claim", fields=(_A_CLAIM,)),
    Field("claims", "list", "claims of one person, settled in date order", fields=(_A_CLAIM,)),
    Field("expect", "either", "one expectation per claim (an object for `claim`)",
          fields=(_AN_EXPECT, Field("", "list", "", fields=(_AN_EXPECT,)))),
    _text("error", "text the policy's refusal must contain (instead of `expect`)", limit=100_000),
)
TEST_FILE = (
    _text("policy", "the policy file, relative to the test file (default: the file's namesake)",
          limit=10_000),
    _text("description", "what the file tests", limit=100_000),
    Field("cases", "list", "the cases", required=True,
          fields=(Field("", "object", "a case", fields=CASE),)),
)

CLAIM_KEYS = {f.key for f in CLAIM}
PERSON_KEYS = {f.key for f in PERSON}
VISIT_KEYS = {f.key for f in VISIT}
LINE_KEYS = {f.key for f in LINE}
RECORD_KEYS = {f.key for f in RECORD}
CASE_KEYS = {f.key for f in CASE}
EXPECT_KEYS = {f.key for f in EXPECT}
TEST_FILE_KEYS = {f.key for f in TEST_FILE}

# A record field's type (as the policy declares it) → its code in the generated module's FIELDS.
RECORD_TYPES = {"m": "money", "r": "rate", "c": "count", "b": "bool", "d": "date"}
