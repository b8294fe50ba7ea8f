"""Columnar settlement code for the policy POLICY_ID in SOURCE, by yibao-codegen-columnar/1.

Do not edit: change the policy and recompile.
"""

import numpy as np

from yibao.compiler.columnar_failures import (
    DIVISION_BY_ZERO,
    PolicyLines,
    commit_lines,
    fail,
    fail_lines,
    overpaid,
    rate_text,
)
from yibao.compiler.runtime_columnar import (
    I64,
    all_of,
    any_of,
    choose,
    div_down,
    div_half_even,
    div_half_up,
    div_up,
    floor_mul_div,
    full,
    isin,
    max,
    min,
    row_bits,
    sums,
    where,
)

POLICY_ID = 't.div'
SOURCE = 'div.yb'
EFFECTIVE = (738886, None)
ENUMS = {  # the value sets; a batch holds each value as its index here
    'person.category': ('normal', 'low_income', 'poverty', 'extreme_poverty'),
    'person.scheme': ('employee', 'resident'),
    'visit.facility': ('general', 'tcm', 'township', 'village', 'community'),
    'visit.kind': ('inpatient', 'outpatient', 'day_surgery', 'remote_followup', 'chronic_outpatient', 'special_drug'),
    'visit.level': ('1', '2', '3', 'primary'),
    'visit.referral': ('none', 'referred', 'registered', 'emergency'),
    'visit.region': ('local', 'in_province', 'out_of_province'),
}
LAYERS = ('basic', 'extra')
ACCUMULATORS = ('basic.deductible', 'basic.paid', 'extra.base', 'extra.paid')
YEAR_START = (1, 1)  # quarters count from the insurance year's start
INFO = PolicyLines(SOURCE, {})  # the policy's text, set by the loader, for error messages
KERNELS = None  # the compiled parts (columnar_c.Kernels), set by the loader


def applies(c):
    """Which claims the policy covers at all."""
    return full(c.n, True)


def prepare(c):
    """Per claim: parameters, the classification of every line, the totals."""
    zero = np.zeros(c.n, dtype=I64)
    'parameter by_age: rate by age'
    fail(c, all_of((c.age > 1), (c.age) == 0), ('div.yb', 8), DIVISION_BY_ZERO, INFO)
    p_by_age = full(c.n, where((c.age > 1), div_half_up(900000, c.age), 450000))
    'parameter in_city: in-city rate'
    f1 = isin(c.level, (0, 3))
    f2 = (c.level == 1)
    f3 = (c.level == 2)
    f5 = any_of(f1, f2, f3)
    f6 = all_of(True, np.logical_not(f5))
    fail(c, f6, ('div.yb', 12), 'no table row of `in_city` (line 12) matches this claim', INFO)
    f7 = row_bits(c.n, [f1, f2, f3])
    t4 = choose(c.n, [f1, f2, f3], [600000, 0, 400000], 0, rows=f7)
    p_in_city = full(c.n, t4)
    'parameter factor: factor'
    fail(c, all_of(np.logical_not((c.region == 0)), (p_in_city) == 0), ('div.yb', 19), DIVISION_BY_ZERO, INFO)
    p_factor = full(c.n, where((c.region == 0), 1000000, min(div_half_up(400000 * 1000000, p_in_city), 1000000)))
    'parameter share: share'
    fail(c, all_of(all_of(np.logical_not(False), (c.age > 3)), (c.age) == 0), ('div.yb', 26), DIVISION_BY_ZERO, INFO)
    m8 = all_of(True, np.logical_not(False), all_of((c.age > 3), (div_half_up(10, c.age) == 2)))
    m9 = all_of(True, np.logical_not(any_of(False, all_of((c.age > 3), (div_half_up(10, c.age) == 2)))), True)
    f10 = (c.region == 0)
    fail(c, all_of(all_of(m9, np.logical_not(any_of(f10))), (c.age) == 0), ('div.yb', 25), DIVISION_BY_ZERO, INFO)
    t11 = choose(c.n, [f10], [100000], div_half_up(200000, c.age))
    p_share = full(c.n, choose(c.n, [all_of((c.age > 3), (div_half_up(10, c.age) == 2))], [50000], t11))
    'parameter ded: deductible'
    fail(c, ((c.age + 1)) == 0, ('div.yb', 32), DIVISION_BY_ZERO, INFO)
    p_ded = full(c.n, div_half_up(60000, (c.age + 1)))
    'classify: classify'
    own = c.line_owner()
    L = c.take(own)  # the claim's fields, line by line
    amount = c.line_amount
    unit_price = c.line_unit_price
    oos = 0  # a number until a row of the classification sets some lines
    fsp = 0
    free = (c.line_category == 1)  # B
    fail_lines(c, own, all_of(free, (L.age) == 0), ('div.yb', 37), DIVISION_BY_ZERO, INFO)
    sel = free & full(L.n, (div_half_up(amount, L.age) > 10000))
    free = free & ~sel
    share = full(L.n, p_share[own])
    fail_lines(c, own, sel & ((share < 0) | (share > 1000000)), ('div.yb', 37), lambda j: rate_text(share, j), INFO)
    fsp = where(sel, (amount * share + 500000) // 1000000, fsp)
    sel = free
    fsp = where(sel, (amount + 5) // 10, fsp)
    free = (c.line_category == 2)  # C
    sel = free & (c.line_class == 'implant')
    free = free & ~sel
    fail_lines(c, own, all_of(sel, (L.age) == 0), ('div.yb', 39), DIVISION_BY_ZERO, INFO)
    share = full(L.n, div_half_up(500000, L.age))
    fail_lines(c, own, sel & ((share < 0) | (share > 1000000)), ('div.yb', 39), lambda j: rate_text(share, j), INFO)
    fsp = where(sel, amount - (amount * share + 500000) // 1000000, fsp)
    sel = free
    oos = where(sel, amount, oos)
    commit_lines(c)  # a claim fails at its first failing line
    total = c.total if c.total is not None else sums(amount, c.line_offsets)
    out_of_scope = sums(oos, c.line_offsets)
    first_self_pay = sums(fsp, c.line_offsets)
    in_scope = total - out_of_scope - first_self_pay
    return {
        'total': total,
        'out_of_scope': out_of_scope,
        'first_self_pay': first_self_pay,
        'in_scope': in_scope,
        'p_by_age': p_by_age,
        'p_in_city': p_in_city,
        'p_factor': p_factor,
        'p_share': p_share,
        'p_ded': p_ded,
    }


def settle_layers(c, env, ytd):
    """The layers, for claims of distinct persons; year_to_date in, the new one out."""
    zero = np.zeros(c.n, dtype=I64)
    total = env['total']
    out_of_scope = env['out_of_scope']
    first_self_pay = env['first_self_pay']
    in_scope = env['in_scope']
    p_by_age = env['p_by_age']
    p_in_city = env['p_in_city']
    p_factor = env['p_factor']
    p_share = env['p_share']
    p_ded = env['p_ded']
    unpaid = total
    remaining = in_scope
    'layer basic: basic insurance'
    yd_basic = ytd['basic.deductible']
    yp_basic = ytd['basic.paid']
    base = full(c.n, in_scope)
    over_basic = zero
    base_basic = base
    ded_due = np.maximum(p_ded - yd_basic, 0)
    ded_basic = np.minimum(base, ded_due)
    elig_basic = base - ded_basic
    rate = full(c.n, p_by_age)
    fail(c, True & (((rate) < 0) | ((rate) > 1000000)), ('div.yb', 46), lambda i: rate_text(rate, i), INFO)
    pay = (elig_basic * rate + 500000) // 1000000
    pay = np.minimum(pay, np.maximum(2000000 - yp_basic, 0))
    l_basic = pay
    unpaid = unpaid - l_basic
    remaining = np.maximum(remaining - l_basic, 0)
    'layer extra: extra'
    yb_extra = ytd['extra.base']
    yp_extra = ytd['extra.paid']
    fail(c, all_of(np.logical_not((c.age == 0)), (c.age) == 0), ('div.yb', 51), DIVISION_BY_ZERO, INFO)
    act_extra = full(c.n, any_of((c.age == 0), (div_half_up(100, c.age) > 20)))
    base = full(c.n, remaining)
    over_extra = zero
    base_extra = base
    ded_extra = zero
    elig_extra = base - ded_extra
    before = yb_extra
    after = before + elig_extra
    pay = zero
    lo = np.maximum(100000, before)
    hi = np.minimum(500000, after)
    part = np.maximum(hi - lo, 0)
    rate = full(c.n, p_factor)
    fail(c, all_of(act_extra, part > 0) & (((rate) < 0) | ((rate) > 1000000)), ('div.yb', 55), lambda i: rate_text(rate, i), INFO)
    pay = pay + (part * rate + 500000) // 1000000
    lo = np.maximum(500000, before)
    hi = after
    part = np.maximum(hi - lo, 0)
    fail(c, all_of(all_of(act_extra, part > 0), (c.age) == 0), ('div.yb', 56), DIVISION_BY_ZERO, INFO)
    rate = full(c.n, div_half_up(500000, c.age))
    fail(c, all_of(act_extra, part > 0) & (((rate) < 0) | ((rate) > 1000000)), ('div.yb', 56), lambda i: rate_text(rate, i), INFO)
    pay = pay + (part * rate + 500000) // 1000000
    l_extra = pay
    l_extra = where(act_extra, l_extra, 0)
    ded_extra = where(act_extra, ded_extra, 0)
    elig_extra = where(act_extra, elig_extra, 0)
    base_extra = where(act_extra, base_extra, 0)
    over_extra = where(act_extra, over_extra, 0)
    unpaid = unpaid - l_extra
    remaining = np.maximum(remaining - l_extra, 0)
    fail(c, all_of(np.logical_not((c.level == 0)), (c.age) == 0), ('div.yb', 60), DIVISION_BY_ZERO, INFO)
    paid = (l_basic, l_extra,)
    new_ytd = {
        'basic.deductible': yd_basic + ded_basic,
        'basic.paid': yp_basic + l_basic,
        'extra.base': yb_extra + elig_extra,
        'extra.paid': yp_extra + l_extra,
    }
    return paid, new_ytd
