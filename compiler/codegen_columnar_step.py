"""Checked AST → a columnar module's whole settle step as one C function (``columnar_c.StepKernel``):
for claims of distinct persons, one loop over the claims that sums each claim's bill lines by the
policy's line rules (``LINE_RULES``), computes its parameters and settles its layers, writing only
what the settlement holds. It replaces three passes over memory (the fused line pass, the
parameters' loop, the layers' loop) and the in-scope sum between them, and the parameters' columns.

The parts are the other generators' (``codegen_columnar_c``): the parameters are
``CParamsGenerator``'s statements, the layers ``CLayersGenerator``'s, reading the claim's sums and
parameters from locals instead of columns. The line rules are ``line_rules.fused_table``'s, each
share taken by ``rule_share`` of ``line_rule.h`` (the one C definition of a line's rule, which
``_line_pass.c`` and the claim reader use too) on the rule as a constant. Exactness: a line of a
negative amount or of 2^32 fen or more, a claim without lines, offsets that do not run from 0 to
the last line -- the function returns 0 having promised nothing, and the runtime settles the batch
as before (``prepare`` and the layers), to the same fen. The only failures are the parameters'
(a table no row of which matches), recorded per claim as the parameters' loop records them; the
fused classification and the C layers take nothing that can fail.
"""

from __future__ import annotations

from yibao.dsl import ast
from yibao.dsl.checks import CheckedPolicy

from .codegen_c_int64 import PREAMBLE, CUnsupported, lit
from .codegen_columnar_c import CLayersGenerator, CParamsGenerator
from .line_rules import OPS, Rule

LIMIT = 2**32 - 1  # an amount above this (or negative) and the function declines
QUANTITIES = {"total": "q_total", "in_scope": "q_in_scope", "out_of_scope": "q_oos",
              "first_self_pay": "q_fsp"}  # the claim's sums, locals of the loop


class _StepLayers(CLayersGenerator):
    """The layers reading the claim's sums and parameters from the loop's locals."""

    def __init__(self, checked: CheckedPolicy, params: dict[str, int]) -> None:
        super().__init__(checked)
        self.params = params

    def column(self, name: str) -> str:
        if name in QUANTITIES:
            return QUANTITIES[name]
        if not name.startswith("ytd "):
            raise CUnsupported("a column the step does not compute")
        return super().column(name)

    def param(self, e: ast.Name) -> str:
        if e.name not in self.params:
            raise CUnsupported("a parameter computed after the classification")
        return f"pv_{self.params[e.name]}"


class CStepGenerator:
    """One policy's settle step as C: ``source()``; the enum columns (``enums``) and year_to_date
    columns (``ytd``) it reads; its outputs (``outputs``); the tables that can fail (``failures``)."""

    def __init__(self, checked: CheckedPolicy, table: tuple[Rule, ...],
                 params: list[ast.Parameter]) -> None:
        self.table = table
        self.params = CParamsGenerator(checked, params, prefix="en")
        self.layers = _StepLayers(checked, dict(self.params.local))
        self.lines: list[str] = []

    def line_sums(self) -> None:
        """The claim's lines summed into ``so``, ``sf``, ``st`` (the largest amount in ``top``), each
        share by ``rule_share`` of ``line_rule.h`` -- the one C definition of a line's rule, which
        the reader and the fused line pass use too -- on the rule's constants; ``bad`` where a figure
        would leave int64 (never below 2^32 fen)."""
        rules, adds = [], []
        for code, (op, p, q, mode) in enumerate(self.table):
            if op == OPS["out_of_scope"]:
                adds.append(f"so += k == {code} ? a : 0;")
            elif op in (OPS["first_self_pay"], OPS["in_scope_share"]):
                rules.append(f"static const Rule RULE_{code} = {{{int(op)}, {int(mode)}, {lit(p)}, "
                             f"{lit(q)}}};")
                part = f"a - x_{code}" if op == OPS["in_scope_share"] else f"x_{code}"
                adds += [f"i64 x_{code};",
                         f"bad |= (k == {code}) & !rule_share(&RULE_{code}, a, &x_{code});",
                         f"sf += k == {code} ? {part} : 0;"]
        self.rules = rules
        self.lines += [
            "        const i64 c = idx ? idx[i] : i;  /* the claim's place in the batch */",
            "        if (c < 0 || c >= m) return 0;",
            "        const i64 start = off[c], end = off[c + 1];",
            "        if (start < 0 || end <= start || end > lines) return 0;  /* no lines; past the end */",
            "        i64 so = 0, sf = 0, st = 0;",
            "        for (i64 j = start; j < end; j++) {",
            "            const i64 a = amt[j];",
            "            const uint8_t k = (uint8_t)cat[j];  /* a code without a rule: in scope */",
            "            top |= (uint64_t)a;  /* past 2^32 fen, or negative: declined */",
            "            st += a;",
            *(f"            {x}" for x in adds),
            "        }",
            "        const i64 q_total = total ? total[c] : st;",
            "        const i64 q_oos = so, q_fsp = sf;",
            "        const i64 q_in_scope = q_total - q_oos - q_fsp;",
        ]

    def source(self) -> str:
        """``yibao_settle_step(n, m, lines, idx, cat, amt, off, total, en, in, out, fail)``: 1 when it
        settled the n claims ``idx`` (NULL: the first n) of a batch of m claims, 0 when it declined.
        The batch's columns are read at ``idx[i]``, the year_to_date, ``out`` and ``fail`` at ``i``;
        ``total`` may be NULL (then summed and written last)."""
        self.line_sums()
        self.params.claim(write=False)
        k = self.layers.claim()
        self.layers.w(f"out_{k}[i] = q_oos;")
        self.layers.w(f"out_{k + 1}[i] = q_fsp;")
        self.layers.w(f"out_{k + 2}[i] = q_in_scope;")
        self.layers.w(f"if (!total) out_{k + 3}[i] = q_total;")
        self.outputs = k + 4
        self.enums = tuple(self.params.inputs)
        self.ytd = tuple(name[4:] for name in self.layers.inputs)
        self.failures = self.params.failures
        en = [f"    const int8_t *const en_{j} = en[{j}];" for j in range(len(self.enums))]
        ins = [f"    const i64 *const in_{j} = in[{j}];" for j in range(len(self.ytd))]
        outs = [f"    i64 *const out_{j} = out[{j}];" for j in range(self.outputs)]
        lines = [PREAMBLE,
                 "#define LINE_RULE_NO_PYTHON",
                 "#include <line_rule.h>  /* rule_share: as the reader and the line pass take a share */",
                 "",
                 *self.rules,
                 "",
                 "/* The claims idx (NULL: 0 .. n - 1) of a batch of m: its lines (cat, amt, off), bills",
                 "   (total, or NULL), enum columns (en); their year_to_date (in); out: the payers, the",
                 "   accumulators, the person, the out-of-scope and first self-pay sums, the in-scope",
                 "   amount, the bill where total is NULL. */",
                 "int yibao_settle_step(i64 n, i64 m, i64 lines, const i64 *idx, const int8_t *cat,",
                 "                      const i64 *amt, const i64 *off, const i64 *total,",
                 "                      const int8_t *const *en, const i64 *const *in, i64 *const *out,",
                 "                      uint8_t *fail) {",
                 "    if (n <= 0 || off[0] != 0 || off[m] != lines) return 0;",
                 "    if (lines >= (INT64_C(1) << 31)) return 0;  /* so that a claim's sums fit */",
                 *en, *ins, *outs,
                 "    uint64_t top = 0;",
                 "    int bad = 0;",
                 "    for (i64 i = 0; i < n; i++) {",
                 *self.lines,
                 "        uint8_t failed = 0;",
                 *self.params.lines,
                 "        fail[i] = failed;",
                 *self.layers.lines,
                 "    }",
                 f"    return !bad && top <= UINT64_C({LIMIT});",
                 "}"]
        return "\n".join(lines) + "\n"


def generate_c_step(checked: CheckedPolicy, table: tuple[Rule, ...], params: list[ast.Parameter]
                    ) -> tuple[str, CStepGenerator]:
    """(C source, its generator: what it reads and writes); raises ``CUnsupported``."""
    if len(params) > 250:
        raise CUnsupported("more tables than a failure code holds")
    g = CStepGenerator(checked, table, params)
    return g.source(), g
