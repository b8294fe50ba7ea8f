"""A wrong and a right policy for every diagnostic code: the code's documentation and its test.

Each example is a small complete policy, made from ``BASE`` (a claim policy) or ``RECORD``
(a record policy) by replacing lines, so that the wrong and the right one differ only where the
problem is. ``tests/dsl/test_codes.py`` proves that every wrong policy produces its code and
every right one passes ``yibao check``; ``scripts/diagnostic_pages.py`` writes them into
``docs/diagnostics/``. A reform's example extends ``base.yb``, which is ``BASE`` saved beside it.

A few codes cannot be shown by a policy's text (a file that is not UTF-8, a line of 100,000
characters, a safeguard of the code generator): ``UNSHOWN`` says why, and the test produces
each of them another way.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import codes

BASE = '''\
policy example "示例政策" / "example policy"
  effective 2024-01-01

source notice "示例通知" / "example notice"

parameter deductible "起付线" / "deductible": money
  cite notice "第二条"
  value 500.00

parameter basic_rate "报销比例" / "reimbursement rate": rate
  cite notice "第三条"
  value 80%

classify "费用分类" / "classifying the bill"
  cite notice "第一条"
  category A -> in scope
  category B -> first self pay 10%
  category C -> out of scope

layer basic "统筹基金" / "basic fund"
  cite notice "第三条"
  base in_scope
  deductible deductible per year
  rate basic_rate
'''

RECORD = '''\
policy example.surplus "结余留用" / "surplus retention"
  effective 2024-01-01
  input record
  amount max(record.package - record.spent, 0.00)
  remainder "结转下年" / "carried into next year"

source plan "示例方案" / "example plan"

field package "打包总额" / "packaged fund": money
  cite plan "三"
field spent "实际支出" / "spending": money
  cite plan "三"

layer kept "留用" / "kept"
  cite plan "三"
  base total
  rate 60%
'''

REFORM = '''\
policy example.reform "示例改革" / "example reform"
  extends "base.yb"
  effective 2025-01-01

amend basic_rate
  cite notice "第五条"
  from 2025-01-01 value 85%
'''

CHECK = '''
check within_bill "不超过费用" / "within the bill"
  cite notice "第四条"
  holds basic.paid <= total
'''


@dataclass(frozen=True, slots=True)
class Example:
    """The wrong policy and the right one, each as the whole text of a file."""

    wrong: str
    right: str


def _edit(base: str, *pairs: tuple[str, str]) -> str:
    text = base
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _pair(base: str, wrong: list[tuple[str, str]], right: list[tuple[str, str]] | None = None) -> Example:
    return Example(_edit(base, *wrong), _edit(base, *(right or [])))


_PARAMETERS = ('parameter deductible "起付线" / "deductible": money\n  cite notice "第二条"\n  value 500.00\n\n'
               'parameter basic_rate "报销比例" / "reimbursement rate": rate\n  cite notice "第三条"\n'
               '  value 80%\n\n')
_LAYER_END = "  rate basic_rate\n"
_NESTED = "-(" * 66 + "500.00" + ")" * 66

C = codes
EXAMPLES: dict[codes.Code, Example] = {
    # ------------------------------------------------------------ Y01
    C.SYNTAX: _pair(BASE, [("  deductible deductible", "  deductable deductible")]),
    C.CHARACTER: _pair(BASE, [("value 500.00", "value ¥500.00")]),
    C.UNCLOSED_STRING: _pair(BASE, [('layer basic "统筹基金"', 'layer basic "统筹基金')]),
    C.INDENTATION: _pair(BASE, [("  value 500.00", "    value 500.00")]),
    C.TAB: _pair(BASE, [("  value 500.00", "\tvalue 500.00")]),
    C.FULL_WIDTH: _pair(BASE, [('"deductible": money', '"deductible"：money')]),
    C.NUMBER_TOO_LONG: _pair(BASE, [("value 500.00", "value 50000000000000000000000000.00")]),
    C.TOO_DEEP: _pair(BASE, [("value 500.00", "value " + _NESTED)]),
    C.TWICE: _pair(BASE, [(_LAYER_END, _LAYER_END + "  rate 70%\n")]),  # also `classify`, a header line…
    C.UNKNOWN_INPUT: _pair(BASE, [("  effective 2024-01-01\n", "  effective 2024-01-01\n  input claims\n")],
                           [("  effective 2024-01-01\n", "  effective 2024-01-01\n  input claim\n")]),
    C.INCOMPLETE: _pair(BASE + CHECK, [("holds basic.paid <= total\n",
                                        "holds basic.paid <= total\n  holds basic.paid >= 0.00\n")],
                        [("holds basic.paid <= total\n", "holds basic.paid <= total and basic.paid >= 0.00\n")]),
    # ------------------------------------------------------------ Y02
    C.UNKNOWN_NAME: _pair(BASE, [("  rate basic_rate", "  rate basic_rat")]),
    C.UNKNOWN_FIELD: _pair(BASE, [("  base in_scope", "  when visit.levle == 3\n  base in_scope")],
                           [("  base in_scope", "  when visit.level == 3\n  base in_scope")]),
    C.DECLARED_TWICE: _pair(BASE, [('source notice "示例通知" / "example notice"\n',
                                    'source notice "示例通知" / "example notice"\n'
                                    'source notice "另一通知" / "another notice"\n')],
                            [('source notice "示例通知" / "example notice"\n',
                              'source notice "示例通知" / "example notice"\n'
                              'source other "另一通知" / "another notice"\n')]),
    C.NAME_TAKEN: _pair(BASE, [("layer basic ", "layer deductible ")]),
    C.UNKNOWN_SOURCE: _pair(BASE, [('cite notice "第二条"', 'cite notise "第二条"')]),
    C.UNKNOWN_FUNCTION: _pair(BASE, [("  rate basic_rate", "  rate minimum(basic_rate, 90%)")],
                              [("  rate basic_rate", "  rate min(basic_rate, 90%)")]),
    C.NOT_A_VALUE: _pair(BASE, [("  base in_scope", "  when visit.region == locl\n  base in_scope")],
                         [("  base in_scope", "  when visit.region == local\n  base in_scope")]),
    C.UNKNOWN_TYPE: _pair(BASE, [('"deductible": money', '"deductible": mony')]),
    C.NOT_YET_APPLIED: _pair(BASE, [(_LAYER_END, _LAYER_END + "  cap basic.paid + 100.00 per visit\n")],
                             [(_LAYER_END, _LAYER_END + "  cap 100000.00 per visit\n")]),
    C.NO_SUCH_RESULT: _pair(BASE + CHECK, [("holds basic.paid <=", "holds basic.payed <=")]),
    C.UNKNOWN_ROUNDING: _pair(BASE, [("  effective 2024-01-01\n", "  effective 2024-01-01\n  rounding half_upp\n")],
                              [("  effective 2024-01-01\n", "  effective 2024-01-01\n  rounding half_up\n")]),
    C.NOT_AN_ENUM: _pair(BASE, [("\nsource notice", "\nenum visit.regoin = local | elsewhere\n\nsource notice")],
                         [("\nsource notice", "\nenum visit.region = local | in_province | out_of_province\n\nsource notice")]),
    C.APPLIES_READS: _pair(BASE, [("  effective 2024-01-01\n", "  effective 2024-01-01\n  applies when total > 0\n")],
                           [("  effective 2024-01-01\n",
                             "  effective 2024-01-01\n  applies when visit.kind == inpatient\n")]),
    C.LAYER_ONLY: _pair(BASE, [("  value 500.00", "  value min(500.00, remaining)")],
                        [("  value 500.00", "  value min(500.00, in_scope)")]),
    # ------------------------------------------------------------ Y03
    C.TYPE_MISMATCH: _pair(BASE, [("  rate basic_rate", "  rate deductible")]),
    C.RATE_RANGE: _pair(BASE, [("value 80%", "value 800%")]),
    C.RATE_PRECISION: _pair(BASE, [("value 80%", "value 80.123456%")], [("value 80%", "value 80.1235%")]),
    C.MONEY_PRECISION: _pair(BASE, [("value 500.00", "value 500.005")], [("value 500.00", "value 500.01")]),
    C.UNITS: _pair(BASE, [("  base in_scope", "  base in_scope + basic_rate")],
                   [("  base in_scope", "  base in_scope * basic_rate")]),
    C.COMPARISON: _pair(BASE, [("  base in_scope", "  when visit.level > 2\n  base in_scope")],
                        [("  base in_scope", "  when visit.level in {3}\n  base in_scope")]),
    C.OPERAND: _pair(BASE, [("  base in_scope", "  when not total\n  base in_scope")],
                     [("  base in_scope", "  when not total > 0\n  base in_scope")]),
    C.FRACTION: _pair(BASE, [("  base in_scope", "  base in_scope * 1.5")],
                      [("  base in_scope", "  base in_scope * 3 / 2")]),
    # ------------------------------------------------------------ Y04
    C.TABLE_KEY: _pair(BASE, [("  value 500.00", "  table person.age\n    _ -> 500.00")],
                       [("  value 500.00", "  table visit.level\n    _ -> 500.00")]),
    C.ROW_WIDTH: _pair(BASE, [("  value 500.00", "  table visit.level\n    1, local -> 300.00\n    _ -> 500.00")],
                       [("  value 500.00", "  table visit.level\n    1 -> 300.00\n    _ -> 500.00")]),
    C.ROW_UNREACHABLE: _pair(BASE, [("  value 500.00", "  table visit.level\n    _ -> 500.00\n    1 -> 300.00")],
                             [("  value 500.00", "  table visit.level\n    1 -> 300.00\n    _ -> 500.00")]),
    C.NOT_EXHAUSTIVE: _pair(BASE, [("  value 500.00", "  table visit.level\n    1 | 2 -> 300.00\n    3 -> 800.00")],
                            [("  value 500.00", "  table visit.level\n    1 | 2 | primary -> 300.00\n"
                              "    3 -> 800.00")]),
    C.NO_CLASSIFY: _pair(BASE, [('classify "费用分类" / "classifying the bill"\n  cite notice "第一条"\n'
                                 "  category A -> in scope\n  category B -> first self pay 10%\n"
                                 "  category C -> out of scope\n\n", "")]),
    C.UNKNOWN_CATEGORY: _pair(BASE, [("  category C -> out of scope\n",
                                      "  category C -> out of scope\n  category D -> out of scope\n")]),
    C.CLASS_TWICE: _pair(BASE, [("  category C -> out of scope\n",
                                 "  category C -> out of scope\n  category C -> in scope\n")]),
    C.CATEGORY_UNTREATED: _pair(BASE, [("  category B -> first self pay 10%\n", "")]),
    C.LINE_RULE_TOTALS: _pair(BASE, [("  category B -> first self pay 10%\n",
                                      "  category B when total > 10000.00 -> first self pay 20%\n"
                                      "  category B -> first self pay 10%\n")],
                              [("  category B -> first self pay 10%\n",
                                "  category B when visit.level == 3 -> first self pay 20%\n"
                                "  category B -> first self pay 10%\n")]),
    C.LINE_FIELD_OUTSIDE: _pair(BASE, [("  base in_scope", "  when line.unit_price > 5000.00\n  base in_scope")],
                                [("  category B -> first self pay 10%\n",
                                  "  category B when line.unit_price > 5000.00 -> first self pay 20%\n"
                                  "  category B -> first self pay 10%\n")]),
    C.RECORD_CLASSIFY: _pair(RECORD, [("\nlayer kept", '\nclassify "分类" / "classes"\n  cite plan "三"\n'
                                       "  category A -> in scope\n  category B -> in scope\n"
                                       "  category C -> out of scope\n\nlayer kept")]),
    # ------------------------------------------------------------ Y05
    C.NO_VALUE: _pair(BASE, [("  value 500.00\n", "")]),
    C.EXCEPTIONS_OVERLAP: _pair(BASE, [(
        "  value 500.00\n",
        "  value 500.00\n"
        '  exception poverty "贫困人口" / "poverty" when person.category == poverty\n    value 0.00\n'
        '  exception elderly "高龄" / "elderly" when person.age >= 80\n    value 250.00\n')],
        [("  value 500.00\n",
          "  value 500.00\n"
          '  exception poverty "贫困人口" / "poverty" when person.category == poverty\n    value 0.00\n'
          '  exception elderly "高龄" / "elderly" over poverty when person.age >= 80\n    value 250.00\n')]),
    C.EXCEPTION_PRIORITY: _pair(BASE, [(
        "  value 500.00\n",
        "  value 500.00\n"
        '  exception elderly "高龄" / "elderly" over povrty when person.age >= 80\n    value 250.00\n')],
        [("  value 500.00\n",
          "  value 500.00\n"
          '  exception elderly "高龄" / "elderly" when person.age >= 80\n    value 250.00\n')]),
    C.PARAMETER_CYCLE: _pair(BASE, [("  value 500.00", "  value basic_rate * deductible"),
                                    ("  value 80%", "  value if deductible > 0.00 then 80% else 70%")],
                             [("  value 80%", "  value if deductible > 0.00 then 80% else 70%")]),
    C.UNUSED: _pair(BASE, [("\nclassify", '\nparameter spare "备用" / "spare": money\n  cite notice "第九条"\n'
                            "  value 100.00\n\nclassify")]),
    # ------------------------------------------------------------ Y06
    C.NOT_A_DATE: _pair(BASE, [("effective 2024-01-01", "effective 2024-02-30")],
                        [("effective 2024-01-01", "effective 2024-02-29")]),
    C.UNTIL_BEFORE: _pair(BASE, [("effective 2024-01-01", "effective 2024-01-01 until 2023-12-31")],
                          [("effective 2024-01-01", "effective 2024-01-01 until 2024-12-31")]),
    C.NO_EFFECTIVE: _pair(BASE, [("  effective 2024-01-01\n", '  document "示例文号"\n')],
                          [("  effective 2024-01-01\n", '  document "示例文号"\n  effective 2024-01-01\n')]),
    C.DATES_ORDER: _pair(BASE, [("  value 500.00", "  from 2024-01-01 value 500.00\n  from 2025-01-01 value 600.00\n"
                                           "  from 2024-07-01 value 550.00")],
                         [("  value 500.00", "  from 2024-01-01 value 500.00\n  from 2025-01-01 value 600.00")]),
    C.VALUE_GAP: _pair(BASE, [("  value 500.00", "  from 2024-07-01 value 500.00")],
                       [("  value 500.00", "  from 2024-01-01 value 500.00")]),
    C.YEAR_START: _pair(BASE, [("  effective 2024-01-01\n", "  effective 2024-01-01\n  year starts 02-29\n")],
                        [("  effective 2024-01-01\n", "  effective 2024-01-01\n  year starts 03-01\n")]),
    C.UNDATED: _pair(BASE, [("  value 500.00", "  value 500.00\n  value 600.00")],
                     [("  value 500.00", "  from 2024-01-01 value 500.00\n  from 2024-07-01 value 600.00")]),
    # ------------------------------------------------------------ Y07
    C.EXTENDS_LOOP: _pair(REFORM, [('extends "base.yb"', 'extends "example.yb"')]),
    C.BASE_NOT_FOUND: _pair(REFORM, [('extends "base.yb"', 'extends "bsae.yb"')]),
    C.BASE_UNREADABLE: _pair(REFORM, [('extends "base.yb"', 'extends "."')]),
    C.AMEND_UNKNOWN: _pair(REFORM, [("amend basic_rate", "amend basic_rates")]),
    C.PLACE_UNKNOWN: _pair(REFORM, [("\namend", '\nlayer extra "补充" / "top-up" after basci\n  cite notice "第六条"\n'
                                     "  base remaining\n  rate 10%\n\namend")],
                           [("\namend", '\nlayer extra "补充" / "top-up" after basic\n  cite notice "第六条"\n'
                             "  base remaining\n  rate 10%\n\namend")]),
    C.REFORM_ONLY: _pair(REFORM, [('  extends "base.yb"\n', "")]),
    C.AMEND_UNDATED: _pair(REFORM, [("  from 2025-01-01 value 85%", "  value 85%")]),
    # ------------------------------------------------------------ Y08
    C.RECORD_ONLY: _pair(BASE, [("  base in_scope", "  base record.package")]),
    C.UNKNOWN_RECORD_FIELD: _pair(RECORD, [("record.package - record.spent", "record.package - record.spend")]),
    C.CLAIM_IN_RECORD: _pair(RECORD, [("  base total", "  when visit.level == 3\n  base total")]),
    C.NO_AMOUNT: _pair(RECORD, [("  amount max(record.package - record.spent, 0.00)\n", "")]),
    C.AMOUNT_READS: _pair(RECORD, [("amount max(record.package - record.spent, 0.00)",
                                    "amount max(record.package - total, 0.00)")]),
    # ------------------------------------------------------------ Y09
    C.NO_LAYER: _pair(BASE, [('\nlayer basic "统筹基金" / "basic fund"\n  cite notice "第三条"\n  base in_scope\n'
                              "  deductible deductible per year\n  rate basic_rate\n", "")]),
    C.PAY_RULE: _pair(BASE, [(_LAYER_END, "")]),
    C.CEILING_NO_DEDUCTIBLE: _pair(BASE, [("  deductible deductible per year\n",
                                           "  ceiling 20000.00 per year after deductible\n")],
                                   [("  deductible deductible per year\n",
                                     "  deductible deductible per year\n"
                                     "  ceiling 20000.00 per year after deductible\n")]),
    C.PERIOD: _pair(BASE, [("  deductible deductible per year\n",
                            "  deductible deductible per visit, at most 1000.00 per visit\n")],
                    [("  deductible deductible per year\n",
                      "  deductible deductible per visit, at most 1000.00 per year\n")]),
    C.TWO_CAPS: _pair(BASE, [(_LAYER_END, _LAYER_END + "  cap 100000.00 per year\n  cap 80000.00 per year\n")],
                      [(_LAYER_END, _LAYER_END + "  cap 80000.00 per year\n")]),
    C.FIXED_DEDUCTIBLE: _pair(BASE, [(_LAYER_END, "  fixed 30.00 per visit\n"), ("  value 80%", "  value 0%")],
                              [(_PARAMETERS, ""), ("  deductible deductible per year\n" + _LAYER_END,
                                                   "  fixed 30.00 per visit\n")]),
    C.GIVEN_RULE: _pair(BASE, [("  base in_scope\n  deductible deductible per year\n", "  given\n"),
                               ("  value 500.00", "  value 0.00")],
                        [(_PARAMETERS, ""), ("  base in_scope\n  deductible deductible per year\n" + _LAYER_END,
                                             "  given\n")]),
    C.BANDS_START: _pair(BASE, [(_LAYER_END, "  bands per visit\n    1000.00 to 5000.00 -> 50%\n"
                                 "    above 5000.00 -> basic_rate\n")],
                         [(_LAYER_END, "  bands per visit\n    0.00 to 5000.00 -> 50%\n    above 5000.00 -> basic_rate\n")]),
    C.BANDS_GAP: _pair(BASE, [(_LAYER_END, "  bands per visit\n    0.00 to 5000.00 -> 50%\n"
                               "    6000.00 to 9000.00 -> 55%\n    above 9000.00 -> basic_rate\n")],
                       [(_LAYER_END, "  bands per visit\n    0.00 to 5000.00 -> 50%\n"
                         "    5000.00 to 9000.00 -> 55%\n    above 9000.00 -> basic_rate\n")]),
    C.BAND_EMPTY: _pair(BASE, [(_LAYER_END, "  bands per visit\n    0.00 to 5000.00 -> 50%\n"
                                "    5000.00 to 5000.00 -> 55%\n    above 5000.00 -> basic_rate\n")],
                        [(_LAYER_END, "  bands per visit\n    0.00 to 5000.00 -> 50%\n    above 5000.00 -> basic_rate\n")]),
    C.BAND_OPEN: _pair(BASE, [(_LAYER_END, "  bands per visit\n    0.00 to 5000.00 -> 50%\n"
                               "    above 5000.00 -> basic_rate\n    above 9000.00 -> basic_rate\n")],
                       [(_LAYER_END, "  bands per visit\n    0.00 to 5000.00 -> 50%\n"
                         "    5000.00 to 9000.00 -> 60%\n    above 9000.00 -> basic_rate\n")]),
    # ------------------------------------------------------------ Y10
    C.LABEL: _pair(BASE, [('source notice "示例通知" / "example notice"', 'source notice "示例通知"')]),
    C.NO_CITATION: _pair(BASE, [('  cite notice "第二条"\n', "")],
                         [('  cite notice "第二条"\n', '  assume "通知未规定起付线；假设为500.00元" / '
                           '"the notice gives no deductible; 500.00 assumed"\n')]),
    C.ASSUMPTION_ONE_LANGUAGE: _pair(BASE, [('  cite notice "第二条"\n',
                                             '  assume "the notice gives no deductible; 500.00 assumed"\n')],
                                     [('  cite notice "第二条"\n', '  assume "通知未规定起付线；假设为500.00元" / '
                                       '"the notice gives no deductible; 500.00 assumed"\n')]),
}

# Codes no policy text can show, and why (the test produces each another way).
UNSHOWN: dict[codes.Code, str] = {
    C.UNREADABLE: "the file is missing, a folder, or not UTF-8 text (save it as UTF-8)",
    C.BAD_CHARACTER: "the text holds a NUL character or a lone surrogate, which no UTF-8 text file has",
    C.TOO_LONG: "the policy is over 5,000,000 characters, or a line over 100,000",
    C.COMPILER_REFUSED: "an internal safeguard of the code generator, which the checker's rules keep unreached",
    C.FORMAT_REFUSED: "an internal safeguard of `yibao fmt`: it refuses a layout that would not parse to the same policy",
}
