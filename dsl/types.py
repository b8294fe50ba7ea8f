"""Types with units, and the claim fields a policy may read.

Money is counted in fen, rates in parts per million; the checker keeps them
apart so that ``deductible + rate`` is caught before any claim is settled.
"""

from __future__ import annotations

from dataclasses import dataclass

from .phrase import P, Phrase


@dataclass(frozen=True, slots=True)
class Type:
    name: str  # money / rate / count / number / date / bool / enum / textset
    enum: str | None = None  # for enums: the claim field that owns the value set

    def __str__(self) -> str:
        return self.phrase.en()

    @property
    def described(self) -> Phrase:
        """The type as a phrase: ``money``, ``a rate``, ``true/false``."""
        return _DESCRIBED.get(self.name) or P("a value of `{enum}`", enum=self.enum)

    @property
    def phrase(self) -> Phrase:
        """The type by its name (``money``, ``enum visit.level``), in every language."""
        return P("enum {enum}", enum=self.enum) if self.name == "enum" else _NAMED[self.name]


# The catalogue's phrases (``diagnostics_zh``) for each type: as named, and as described.
_NAMED = {"money": P("money"), "rate": P("rate"), "count": P("count"), "number": P("number"),
          "date": P("date"), "bool": P("bool"), "textset": P("textset")}
_DESCRIBED = {"money": P("money"), "rate": P("a rate"), "count": P("a count"), "number": P("a number"),
              "date": P("a date"), "bool": P("true/false"), "textset": P("a list of names")}

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

# A bill line's fields, readable in `classify` rows only (a row is judged line by line).
LINE_FIELDS: dict[str, Type] = {
    "line.unit_price": MONEY,
    "line.amount": MONEY,
    "line.category": enum_type("line.category"),  # A, B, C
    "line.class": enum_type("line.class"),  # the classes the policy's classify rows name
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


# Plain words for the claim's coded values (中文, English), used wherever a value is shown to a
# person — documents, letters, the explainer — unless the policy labels its own enum members.
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "person.scheme": {
        "employee": ("城镇职工基本医疗保险", "employee basic medical insurance"),
        "resident": ("城乡居民基本医疗保险", "resident basic medical insurance"),
    },
    "person.category": {
        "normal": ("普通参保人员", "ordinary insured"),
        "low_income": ("低收入人口", "low-income"),
        "poverty": ("贫困人口", "poverty population"),
        "extreme_poverty": ("特困人员", "extreme poverty"),
    },
    "visit.kind": {
        "inpatient": ("住院", "inpatient care"),
        "outpatient": ("普通门诊", "outpatient care"),
        "day_surgery": ("日间手术", "day surgery"),
        "remote_followup": ("互联网(远程)复诊", "remote follow-up visit"),
        "chronic_outpatient": ("门诊慢特病", "chronic-disease outpatient care"),
        "special_drug": ("特药", "special drugs"),
    },
    "visit.level": {
        "1": ("一级医院", "level 1"),
        "2": ("二级医院", "level 2"),
        "3": ("三级医院", "level 3"),
        "primary": ("基层医疗机构", "primary-level care"),
    },
    "visit.facility": {
        "general": ("综合医院", "general hospital"),
        "tcm": ("中医医院", "TCM hospital"),
        "township": ("乡镇卫生院", "township health centre"),
        "village": ("村卫生室", "village clinic"),
        "community": ("社区卫生服务机构", "community health centre"),
    },
    "visit.region": {
        "local": ("市内", "in the city"),
        "in_province": ("市外省内", "elsewhere in the province"),
        "out_of_province": ("省外", "outside the province"),
    },
    "visit.referral": {
        "none": ("未按规定转诊", "not referred"),
        "referred": ("按规定转诊", "referred"),
        "registered": ("异地就医备案", "registered"),
        "emergency": ("急诊抢救", "emergency"),
    },
    "line.category": {
        "A": ("甲类", "category A"),
        "B": ("乙类", "category B"),
        "C": ("丙类", "category C"),
    },
    "line.class": {
        "drug": ("药品", "drugs"),
        "tcm": ("中医药治疗", "TCM treatment"),
        "implant": ("植入材料", "implants"),
        "material": ("医用材料", "medical materials"),
        "relaxed": ("放宽支付范围项目", "items admitted on relaxed terms"),
    },
    "visit.diseases": {
        "hypertension": ("高血压", "hypertension"),
        "diabetes": ("糖尿病", "diabetes"),
        "breast cancer": ("乳腺癌", "breast cancer"),
        "lung cancer": ("肺癌", "lung cancer"),
        "gastric cancer": ("胃癌", "gastric cancer"),
        "liver cancer": ("肝癌", "liver cancer"),
        "leukaemia": ("白血病", "leukaemia"),
        "uremia": ("尿毒症", "uremia"),
        "cerebral infarction": ("脑梗死", "cerebral infarction"),
        "coronary heart disease": ("冠心病", "coronary heart disease"),
        "pneumonia": ("肺炎", "pneumonia"),
        "gastritis": ("胃炎", "gastritis"),
        "chronic gastritis": ("慢性胃炎", "chronic gastritis"),
        "chronic renal failure": ("慢性肾衰竭", "chronic renal failure"),
        "cervical spondylosis": ("颈椎病", "cervical spondylosis"),
        "lumbar disc herniation": ("腰椎间盘突出症", "lumbar disc herniation"),
        "femoral neck fracture": ("股骨颈骨折", "femoral neck fracture"),
    },
}
