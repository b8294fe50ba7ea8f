"""The benchmark's rules written in OpenFisca, and the OpenFisca side of ``openfisca_compare.py``.

Runs in OpenFisca's own virtualenv (``make bench-openfisca`` creates it), never in yibao's: it
imports no yibao module. The rules are ``columnar.py``'s: the Jiujiang resident inpatient rules
(category A in scope, B less a 10% first self-pay rounded per line, C out of scope; a deductible
and a rate by region, level and referral; a yearly cap) and a three-band critical-illness layer on
what basic insurance leaves, per year, all on integer fen.

Written as an OpenFisca author would: a bill line is the person entity and a claim the group
entity its lines belong to; amounts, rates and bands are parameters; the formulas use
``select``, ``where``, ``min_`` and ``max_`` over whole columns. Two things differ from a stock
country package, both for exact money: OpenFisca's ``value_type = int`` stores int32, too small
for fen × a percentage (a bill here reaches 669,394.83 yuan), so the system widens its integer
variables to int64; and percentages are integers with explicit half-up rounding, where a stock
package would use float rates.

``python openfisca_rules.py CLAIMS.npz --rounds 3`` (from ``openfisca_compare.py``) loads the
claim arrays, checks OpenFisca's payments equal to the fen against the hand-written NumPy
function (``columnar.hand_numpy``, the same source, read from ``columnar.py``) and against
yibao's columnar results in the file, then times both in this process and prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.model_api import YEAR, Enum, ParameterNode, Variable, max_, min_, select, where
from openfisca_core.simulations import Simulation, SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_handoff import OUTPUTS, Best, batch_of, hand_numpy_from, read

PERIOD = "2024"

Line = build_entity("line", "lines", "A line of a hospital bill", is_person=True)
Claim = build_entity("claim", "claims", "A claim: one stay's bill", roles=[
    {"key": "line", "plural": "lines", "label": "Bill line"}])


# ------------------------------------------------------------ enumerations (values as yibao names them)
class Category(Enum):
    A = "A"
    B = "B"
    C = "C"


class Region(Enum):
    local = "local"
    in_province = "in_province"
    out_of_province = "out_of_province"


class Level(Enum):
    level_1 = "1"
    level_2 = "2"
    level_3 = "3"
    primary = "primary"


class Referral(Enum):
    none = "none"
    referred = "referred"
    registered = "registered"
    emergency = "emergency"


ENUM_OF = {"line.category": Category, "visit.region": Region, "visit.level": Level,
           "visit.referral": Referral}

# ------------------------------------------------------------ parameters (fen; percentages as integers)
PARAMETERS = {
    "classify": {"b_first_self_pay_percent": {"2020-01-01": 10}},
    "basic": {
        "deductible": {
            "local_level_1": {"2020-01-01": 10_000},
            "local_level_2": {"2020-01-01": 40_000},
            "local_level_3": {"2020-01-01": 60_000},
            "elsewhere_not_referred": {"2020-01-01": 80_000},
            "elsewhere_referred": {"2020-01-01": 60_000},
        },
        "rate_percent": {
            "local_level_1": {"2020-01-01": 90},
            "local_level_2": {"2020-01-01": 80},
            "local_level_3": {"2020-01-01": 60},
            "elsewhere_not_referred": {"2020-01-01": 40},
            "elsewhere_referred": {"2020-01-01": 50},
        },
        "annual_cap": {"2020-01-01": 15_000_000},
    },
    "critical": {
        "band_1": {"floor": {"2020-01-01": 0}, "percent": {"2020-01-01": 0}},
        "band_2": {"floor": {"2020-01-01": 1_500_000}, "percent": {"2020-01-01": 60}},
        "band_3": {"floor": {"2020-01-01": 10_000_000}, "percent": {"2020-01-01": 70}},
    },
}


# ------------------------------------------------------------ a bill line
class line_amount(Variable):
    value_type = int
    entity = Line
    definition_period = YEAR
    label = "What the line bills, in fen"


class line_category(Variable):
    value_type = Enum
    possible_values = Category
    default_value = Category.C
    entity = Line
    definition_period = YEAR
    label = "The line's catalogue category"


class line_in_scope(Variable):
    value_type = int
    entity = Line
    definition_period = YEAR
    label = "What of the line the fund covers, in fen"

    def formula(line, period, parameters):
        amount = line("line_amount", period)
        category = line("line_category", period)
        share = parameters(period).classify.b_first_self_pay_percent
        return select([category == Category.A, category == Category.B],
                      [amount, amount - (amount * share + 50) // 100], 0)


# ------------------------------------------------------------ a claim: inputs
class in_scope(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "The claim's in-scope amount, in fen"

    def formula(claim, period):
        return claim.sum(claim.members("line_in_scope", period))


class total(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "The claim's bill, in fen"

    def formula(claim, period):
        return claim.sum(claim.members("line_amount", period))


class region(Variable):
    value_type = Enum
    possible_values = Region
    default_value = Region.local
    entity = Claim
    definition_period = YEAR


class level(Variable):
    value_type = Enum
    possible_values = Level
    default_value = Level.level_1
    entity = Claim
    definition_period = YEAR


class referral(Variable):
    value_type = Enum
    possible_values = Referral
    default_value = Referral.none
    entity = Claim
    definition_period = YEAR


class ytd_basic_deductible(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "Deductible already applied this year, in fen"


class ytd_basic_paid(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "Basic insurance already paid this year, in fen"


class ytd_critical_base(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "Critical-illness base already reached this year, in fen"


# ------------------------------------------------------------ a claim: the rules
def _by_visit(claim: Any, period: Any, table: Any) -> Any:
    """A figure of ``table`` chosen by region, level and referral, first match wins."""
    local = claim("region", period) == Region.local
    lvl = claim("level", period)
    return select(
        [local * ((lvl == Level.level_1) + (lvl == Level.primary)), local * (lvl == Level.level_2), local,
         claim("referral", period) == Referral.none],
        [table.local_level_1, table.local_level_2, table.local_level_3, table.elsewhere_not_referred],
        table.elsewhere_referred)


class basic_deductible(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "The deductible this claim bears, in fen"

    def formula(claim, period, parameters):
        due = _by_visit(claim, period, parameters(period).basic.deductible)
        left = max_(0, due - claim("ytd_basic_deductible", period))
        return min_(claim("in_scope", period), left)


class basic_rate_percent(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR

    def formula(claim, period, parameters):
        return _by_visit(claim, period, parameters(period).basic.rate_percent)


class basic(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "What basic insurance pays, in fen"

    def formula(claim, period, parameters):
        base = claim("in_scope", period) - claim("basic_deductible", period)
        pays = (base * claim("basic_rate_percent", period) + 50) // 100
        cap = parameters(period).basic.annual_cap
        return min_(pays, max_(0, cap - claim("ytd_basic_paid", period)))


class critical(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "What critical-illness insurance pays, in fen: each band of the year's base at its rate"

    def formula(claim, period, parameters):
        p = parameters(period).critical
        before = claim("ytd_critical_base", period)
        after = before + claim("in_scope", period) - claim("basic", period)
        bands = [(p.band_1, p.band_2.floor), (p.band_2, p.band_3.floor), (p.band_3, None)]
        pays = 0
        for band, ceiling in bands:
            low = max_(band.floor, before)
            top = after if ceiling is None else min_(ceiling, after)
            pays = pays + where(top > low, ((top - low) * band.percent + 50) // 100, 0)
        return pays


class person_pays(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "What the person pays, in fen"

    def formula(claim, period):
        return claim("total", period) - claim("basic", period) - claim("critical", period)


VARIABLES = (line_amount, line_category, line_in_scope, in_scope, total, region, level, referral,
             ytd_basic_deductible, ytd_basic_paid, ytd_critical_base, basic_deductible, basic_rate_percent,
             basic, critical, person_pays)


class ClaimsSystem(TaxBenefitSystem):
    """The benchmark's tax-benefit system: two entities, the parameters above, the variables above."""

    def __init__(self) -> None:
        super().__init__([Line, Claim])
        self.parameters = ParameterNode("", data=PARAMETERS)
        self.add_variables(*VARIABLES)
        for variable in self.variables.values():  # OpenFisca's int is int32: fen needs int64
            if variable.value_type is int:
                variable.dtype = np.int64


# ------------------------------------------------------------ simulations from the claim arrays
def enum_indices(arrays: dict[str, np.ndarray], names: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """yibao's enum codes (an index into ``names[field]``) as indices of the OpenFisca enums."""
    out = {}
    for field, enum in ENUM_OF.items():
        members = list(enum)
        perm = np.array([members.index(enum(v)) for v in names[field]], dtype=np.int16)
        out[field] = perm[arrays[field]]
    return out


def simulate(system: ClaimsSystem, a: dict[str, np.ndarray], names: dict[str, list[str]],
             lines: bool = True) -> Simulation:
    """A fresh simulation of the claims in ``a``: with their bill lines as OpenFisca persons, or
    (``lines=False``) with each claim's in-scope amount and bill given as inputs."""
    offsets = a["line_offsets"]
    n = len(offsets) - 1
    codes = enum_indices(a, names)
    builder = SimulationBuilder()
    builder.create_entities(system)
    count = int(offsets[-1]) if lines else 0
    builder.declare_person_entity("line", np.arange(count))
    claims = builder.declare_entity("claim", np.arange(n))
    owner = np.repeat(np.arange(n), np.diff(offsets)) if lines else np.zeros(0, dtype=np.int64)
    builder.join_with_persons(claims, owner, np.zeros(count, dtype=np.int64))
    sim = builder.build(system)
    if lines:
        sim.set_input("line_amount", PERIOD, a["line_amount"])
        sim.set_input("line_category", PERIOD, codes["line.category"])
    else:
        sim.set_input("in_scope", PERIOD, a["given:in_scope"])
        sim.set_input("total", PERIOD, a["given:total"])
    sim.set_input("region", PERIOD, codes["visit.region"])
    sim.set_input("level", PERIOD, codes["visit.level"])
    sim.set_input("referral", PERIOD, codes["visit.referral"])
    sim.set_input("ytd_basic_deductible", PERIOD, a["ytd:basic.deductible"])
    sim.set_input("ytd_basic_paid", PERIOD, a["ytd:basic.paid"])
    sim.set_input("ytd_critical_base", PERIOD, a["ytd:critical.base"])
    return sim


def calculate(sim: Simulation) -> tuple[np.ndarray, ...]:
    return tuple(sim.calculate(name, PERIOD) for name in OUTPUTS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("claims", type=Path, help=".npz written by openfisca_compare.py")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    a, names, want = read(args.claims)
    hand = hand_numpy_from()
    batch = batch_of(a)
    system = ClaimsSystem()

    # every result equal to the fen before anything is timed
    results = {"hand-written NumPy": hand(batch, names),
               "OpenFisca, lines as persons": calculate(simulate(system, a, names)),
               "OpenFisca, in-scope given": calculate(simulate(system, a, names, lines=False))}
    for what, got in results.items():
        for name, x, y in zip(OUTPUTS, got, want, strict=True):
            if x.dtype.kind != "i" or not np.array_equal(x, y):
                bad = int(np.flatnonzero(x != y)[0]) if x.shape == y.shape else -1
                print(f"{what}: {name} differs from yibao's columnar settlement at claim {bad} "
                      f"({x[bad] if bad >= 0 else x.shape} against {y[bad] if bad >= 0 else y.shape}, "
                      f"dtype {x.dtype})", file=sys.stderr)
                return 1

    best = Best()
    for _ in range(args.rounds):  # the paths take turns, round after round
        best.time("hand", lambda: hand(batch, names))
        for key, lines in (("lines", True), ("given", False)):
            wall, cpu = time.perf_counter(), time.process_time()
            sim = best.time(f"{key}_build", lambda lines=lines: simulate(system, a, names, lines))
            best.time(f"{key}_calculate", lambda sim=sim: calculate(sim))
            best.add(f"{key}_total", time.perf_counter() - wall, time.process_time() - cpu)
            del sim
    print(json.dumps({"claims": len(a["line_offsets"]) - 1, **best.as_json(), "numpy": np.__version__,
                      "openfisca": version("openfisca-core")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
