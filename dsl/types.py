"""Types with units, and the claim fields a policy may read.

Money is counted in fen, rates in parts per million; the checker keeps them
apart so that ``deductible + rate`` is caught before any claim is settled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Type:
    name: str  # money / rate / count / number / date / bool / enum / textset
    enum: str | None = None  # for enums: the claim field that owns the value set

    def __str__(self) -> str:
        return f"enum {self.enum}" if self.name == "enum" else self.name

    @property
    def described(self) -> str:
        """The type as a phrase: ``money``, ``a rate``, ``true/false``."""
        return {
            "money": "money", "rate": "a rate", "count": "a count", "number": "a number",
            "date": "a date", "bool": "true/false", "textset": "a list of names",
        }.get(self.name, f"a value of `{self.enum}`")


MONEY = Type("money")
RATE = Type("rate")
COUNT = Type("count")
NUMBER = Type("number")  # a bare literal: becomes money or count by context
DATE = Type("date")
BOOL = Type("bool")
TEXTSET = Type("textset")

SCALAR_TYPES = {"money": MONEY, "rate": RATE, "count": COUNT, "date": DATE, "bool": BOOL}

ROUNDING_MODES = ("half_up", "half_even", "down", "up")


def enum_type(field: str) -> Type:
    return Type("enum", field)


# Value sets of the claim's enum fields. A policy may redeclare a set with
# ``enum person.category = …``; the claim validator then accepts that set.
DEFAULT_ENUMS: dict[str, tuple[str, ...]] = {
    "person.scheme": ("employee", "resident"),
    "person.category": ("normal", "low_income", "poverty", "extreme_poverty"),
    "visit.kind": (
        "inpatient", "outpatient", "day_surgery", "remote_followup", "chronic_outpatient",
        "special_drug",
    ),
    "visit.level": ("1", "2", "3", "primary"),
    # what kind of hospital: a general one, a TCM (中医) hospital, a township health centre…
    "visit.facility": ("general", "tcm", "township", "village", "community"),
    "visit.region": ("local", "in_province", "out_of_province"),
    "visit.referral": ("none", "referred", "registered", "emergency"),
}

# Every claim field an expression may read, with its type.
CLAIM_FIELDS: dict[str, Type] = {
    **{name: enum_type(name) for name in DEFAULT_ENUMS},
    "person.age": COUNT,
    "visit.admission_no": COUNT,
    "visit.diseases": TEXTSET,
    "claim.date": DATE,
}

# Settlement quantities a rule may name. ``remaining`` and ``unpaid`` depend on
# the layers already applied, so only layers may read them.
QUANTITIES: dict[str, tuple[Type, str]] = {
    "total": (MONEY, "the claim's total cost"),
    "in_scope": (MONEY, "cost inside the policy scope"),
    "out_of_scope": (MONEY, "category-C and other out-of-scope cost"),
    "first_self_pay": (MONEY, "first self-pay shares of category-B items"),
    "remaining": (MONEY, "in-scope cost the earlier layers left to the person"),
    "unpaid": (MONEY, "all cost the earlier layers left to the person"),
}
LAYER_ONLY_QUANTITIES = frozenset({"remaining", "unpaid"})

FUNCTIONS = ("min", "max")

CATEGORIES = ("A", "B", "C")
