"""Every diagnostic yibao can report about a policy, with a stable code: the one registry.

A code (``Y0302``) names a kind of problem, not a message: the wording may improve, the code
stays, so that CI annotations, editor integrations and a team's notes can refer to it.
Each entry says what the problem means and shows it: ``wrong`` is a policy that produces the
code, ``right`` the same policy fixed (both are checked by ``tests/dsl/test_codes.py``, and
``scripts/diagnostic_pages.py`` makes one documentation page per code from them).

The examples live in ``code_examples.py``; this module holds the codes and their groups.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

# The hundreds of a code, the subject of its problems (docs/diagnostics/index.md lists them).
GROUPS: dict[str, str] = {
    "01": "syntax and reading the file",
    "02": "names",
    "03": "types and units",
    "04": "tables and classification",
    "05": "parameters and exceptions",
    "06": "dates",
    "07": "reforms (`extends`, `amend`)",
    "08": "record policies and fields",
    "09": "layers",
    "10": "labels and citations",
}


@dataclass(frozen=True, slots=True)
class Code:
    """One kind of problem: ``Y`` + group (2 digits) + number (2 digits), a slug and a severity."""

    id: str
    slug: str
    severity: str
    meaning: str  # one line: what is wrong

    @property
    def group(self) -> str:
        return GROUPS[self.id[1:3]]

    def __str__(self) -> str:
        return self.id


CODES: dict[str, Code] = {}


def _code(id: str, slug: str, meaning: str, severity: str = ERROR) -> Code:
    assert id not in CODES and id[0] == "Y" and len(id) == 5 and id[1:3] in GROUPS, id
    assert all(c.slug != slug for c in CODES.values()), slug
    CODES[id] = code = Code(id, slug, severity, meaning)
    return code


# ---------------------------------------------------------------- Y01 syntax and reading
SYNTAX = _code("Y0101", "unexpected-token", "the parser met a word or symbol that cannot come here")
CHARACTER = _code("Y0102", "unexpected-character", "a character that is not part of the language")
UNCLOSED_STRING = _code("Y0103", "unclosed-string", "a quoted string has no closing `\"` on its line")
INDENTATION = _code("Y0104", "bad-indentation", "a line is indented more than its block, or to no block")
TAB = _code("Y0105", "tab-indentation", "a tab in indentation made the line's block ambiguous")
FULL_WIDTH = _code("Y0106", "full-width-punctuation",
                   "full-width punctuation (`：，（）％`) outside a string")
UNREADABLE = _code("Y0107", "unreadable-file", "the policy file cannot be read as UTF-8 text")
BAD_CHARACTER = _code("Y0108", "bad-character", "a NUL or a lone surrogate in the text")
TOO_LONG = _code("Y0109", "too-long", "the policy, or one of its lines, is longer than yibao reads")
NUMBER_TOO_LONG = _code("Y0110", "number-too-long",
                        "a number has more digits than exact arithmetic allows")
TOO_DEEP = _code("Y0111", "nesting-too-deep", "an expression is nested more deeply than yibao allows")
TWICE = _code("Y0112", "given-twice", "a statement or block given twice where one is allowed")
UNKNOWN_INPUT = _code("Y0113", "unknown-input", "the header's `input` is neither `claim` nor `record`")
INCOMPLETE = _code("Y0114", "incomplete-block", "a block lacks the one statement it must have")
COMPILER_REFUSED = _code("Y0115", "compiler-refused",
                         "the code generator met a name or operator it cannot write (an internal safeguard)")
FORMAT_REFUSED = _code("Y0116", "format-refused",
                       "`yibao fmt` would not give back the same policy, so it leaves the file "
                       "(an internal safeguard)")

# ---------------------------------------------------------------- Y02 names
UNKNOWN_NAME = _code("Y0201", "unknown-name", "a name that is no parameter or settlement quantity")
UNKNOWN_FIELD = _code("Y0202", "unknown-field",
                      "a dotted name that is no claim or line field, nor a layer's result")
DECLARED_TWICE = _code("Y0203", "declared-twice", "two declarations (or enum values) with one name")
NAME_TAKEN = _code("Y0204", "name-taken", "a name that is reserved or already means something else")
UNKNOWN_SOURCE = _code("Y0205", "unknown-source", "`cite` names a source the policy does not declare")
UNKNOWN_FUNCTION = _code("Y0206", "unknown-function", "a call of a function the language does not have")
NOT_A_VALUE = _code("Y0207", "not-a-value", "a name that is not one of the field's values")
UNKNOWN_TYPE = _code("Y0208", "unknown-type",
                     "a parameter or field of a type the language does not have")
NOT_YET_APPLIED = _code("Y0209", "layer-not-applied",
                        "a layer's result read before the layer is applied")
NO_SUCH_RESULT = _code("Y0210", "unknown-layer-result",
                       "a layer result or accumulator the layer does not have")
UNKNOWN_ROUNDING = _code("Y0211", "unknown-rounding", "a rounding mode the language does not have")
NOT_AN_ENUM = _code("Y0212", "not-an-enum-field",
                    "`enum` declares values for a field that has no value set")
APPLIES_READS = _code("Y0213", "applies-reads-computed",
                      "`applies when` reads what is computed from the claim")
LAYER_ONLY = _code("Y0214", "layer-only-quantity", "`remaining` or `unpaid` read outside a layer")

# ---------------------------------------------------------------- Y03 types and units
TYPE_MISMATCH = _code("Y0301", "type-mismatch", "an expression of the wrong type for its place")
RATE_RANGE = _code("Y0302", "rate-out-of-range", "a rate below 0% or above 100%")
RATE_PRECISION = _code("Y0303", "rate-precision", "a rate with more than four decimals of a percent")
MONEY_PRECISION = _code("Y0304", "number-precision",
                        "money with more than two decimals, or a count with any")
UNITS = _code("Y0305", "unit-mismatch",
              "arithmetic that mixes units (money and a rate, money × money …)")
COMPARISON = _code("Y0306", "bad-comparison",
                   "a comparison of values that have no order or differ in kind")
OPERAND = _code("Y0307", "bad-operand", "an operator or function given an operand it cannot take")
FRACTION = _code("Y0308", "fractional-number",
                 "a plain number with decimals, which cannot settle exactly")

# ---------------------------------------------------------------- Y04 tables and classification
TABLE_KEY = _code("Y0401", "table-key-not-enum", "a table keyed by a field without a value set")
ROW_WIDTH = _code("Y0402", "row-width", "a table row with more or fewer cells than the table has keys")
ROW_UNREACHABLE = _code("Y0403", "row-never-applies", "a table row that the rows above it cover")
NOT_EXHAUSTIVE = _code("Y0404", "table-not-exhaustive", "a table with no row for some claim")
NO_CLASSIFY = _code("Y0405", "no-classify", "a claim policy without a `classify` block")
UNKNOWN_CATEGORY = _code("Y0406", "unknown-category", "a category other than A, B and C")
CLASS_TWICE = _code("Y0407", "class-treated-twice", "two rows that treat the same line class always")
CATEGORY_UNTREATED = _code("Y0408", "category-untreated",
                           "`classify` does not say how a category is treated")
LINE_RULE_TOTALS = _code("Y0409", "line-rule-reads-totals",
                         "a line rule that reads the totals made from the lines")
RECORD_CLASSIFY = _code("Y0410", "record-classify", "a record policy with a `classify` block")
LINE_FIELD_OUTSIDE = _code("Y0411", "line-field-outside-row",
                           "a bill line's field (`line.unit_price`) read outside a `classify` row or a "
                           "layer's `rate`")

# ---------------------------------------------------------------- Y05 parameters and exceptions
NO_VALUE = _code("Y0501", "parameter-without-value", "a parameter with no value for some claims")
EXCEPTIONS_OVERLAP = _code("Y0502", "exceptions-overlap",
                           "two exceptions can both apply and neither has priority")
EXCEPTION_PRIORITY = _code("Y0503", "exception-priority",
                           "an exception's `over` names no exception, or priorities form a cycle")
PARAMETER_CYCLE = _code("Y0504", "parameter-cycle", "parameters that depend on each other in a cycle")
UNUSED = _code("Y0505", "unused-parameter", "a parameter that nothing reads", WARNING)

# ---------------------------------------------------------------- Y06 dates
NOT_A_DATE = _code("Y0601", "not-a-date", "a date that is not on the calendar")
UNTIL_BEFORE = _code("Y0602", "until-before-effective", "the policy ends before it takes effect")
NO_EFFECTIVE = _code("Y0603", "no-effective-date", "the policy header has no `effective` date")
DATES_ORDER = _code("Y0604", "dates-not-increasing", "a parameter's dated values out of order")
VALUE_GAP = _code("Y0605", "no-value-at-start",
                  "a parameter's first dated value starts after the policy")
YEAR_START = _code("Y0606", "bad-year-start", "`year starts` names a day not every year has")
UNDATED = _code("Y0607", "undated-definition", "two undated values, or dated and undated ones mixed")

# ---------------------------------------------------------------- Y07 reforms
EXTENDS_LOOP = _code("Y0701", "extends-loop", "policies that extend each other in a loop")
BASE_NOT_FOUND = _code("Y0702", "base-not-found", "`extends` names a file that does not exist")
BASE_UNREADABLE = _code("Y0703", "base-unreadable",
                        "`extends` names a folder or a file that cannot be read")
AMEND_UNKNOWN = _code("Y0704", "amend-unknown-parameter",
                      "`amend` names a parameter the base does not have")
PLACE_UNKNOWN = _code("Y0705", "placement-unknown-layer",
                      "`before`/`after` names a layer the base does not have")
REFORM_ONLY = _code("Y0706", "reform-only", "`amend` or a placed layer in a policy that extends nothing")
AMEND_UNDATED = _code("Y0707", "amend-undated", "an amendment's value without the date it starts")

# ---------------------------------------------------------------- Y08 records and fields
RECORD_ONLY = _code("Y0801", "record-only", "a record's field, `amount` or `record.x` in a claim policy")
UNKNOWN_RECORD_FIELD = _code("Y0802", "unknown-record-field", "`record.x` names no declared field")
CLAIM_IN_RECORD = _code("Y0803", "claim-field-in-record",
                        "a claim field or `given` layer in a record policy")
NO_AMOUNT = _code("Y0804", "record-without-amount",
                  "a record policy that does not say what it shares out")
AMOUNT_READS = _code("Y0805", "amount-reads-quantity",
                     "the amount reads a quantity made from the amount")

# ---------------------------------------------------------------- Y09 layers
NO_LAYER = _code("Y0901", "no-layer", "a policy with no layer: nobody pays")
PAY_RULE = _code("Y0902", "pay-rule-count", "a layer without exactly one of `rate`, `bands` or `fixed`")
CEILING_NO_DEDUCTIBLE = _code("Y0903", "ceiling-without-deductible",
                              "a ceiling after the deductible in a layer without one")
PERIOD = _code("Y0904", "wrong-period", "a limit or payment given for a period it cannot have")
TWO_CAPS = _code("Y0905", "two-caps", "a layer with two caps for one period")
FIXED_DEDUCTIBLE = _code("Y0906", "fixed-with-deductible", "a fixed payment with a deductible")
GIVEN_RULE = _code("Y0907", "given-layer-rule", "a `given` layer with a rule that would compute it")
BANDS_START = _code("Y0908", "bands-start", "bands that do not start at 0.00")
BANDS_GAP = _code("Y0909", "bands-gap", "bands that do not meet: a gap or an overlap")
BAND_EMPTY = _code("Y0910", "band-empty", "a band that ends at or below its start")
BAND_OPEN = _code("Y0911", "band-open-not-last", "an open band (`above …`) that is not the last")

# ---------------------------------------------------------------- Y10 labels and citations
LABEL = _code("Y1001", "label-not-bilingual", "a label without both its Chinese and its English")
NO_CITATION = _code("Y1002", "no-citation", "a rule without `cite` or `assume`")
ASSUMPTION_ONE_LANGUAGE = _code("Y1003", "assumption-one-language",
                                "an `assume` in one language only, where a document in the other needs it",
                                WARNING)


def lookup(code: str) -> Code | None:
    """The code ``Y0301`` (any case, or its slug ``type-mismatch``), or None."""
    key = code.strip()
    found = CODES.get(key.upper())
    if found is not None:
        return found
    return next((c for c in CODES.values() if c.slug == key.lower()), None)
