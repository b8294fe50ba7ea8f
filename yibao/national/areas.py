"""A pooling area's (统筹区) mapping between the platform's codes and a policy's claim values.

Code lists differ between provinces, so they are data: one TOML file per area, validated when
read, versioned by date like parameters (``[[version]] from = 2024-01-01``). A version says
which layer reports as which ``setlinfo`` field and ``fund_pay_type`` code, which ``insutype`` /
``med_type`` / ``hosp_lv`` / ``psn_type`` / identity codes mean which claim values, which
``cum_type_code`` carries which accumulator, and the local-to-national code maps. The bundled
areas are in ``yibao/national/areas/``; ``docs/national.md`` states their assumptions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from yibao.dsl.errors import YibaoError
from yibao.dsl.types import CATEGORIES, DEFAULT_ENUMS

AREAS_DIR = Path(__file__).with_name("areas")

# setlinfo's payer fields (docs/national.md): the funds, which add up to fund_pay_sumamt …
FUND_FIELDS = (
    "hifp_pay",
    "cvlserv_pay",
    "hifes_pay",
    "hifmi_pay",
    "hifob_pay",
    "maf_pay",
    "oth_pay",
    "hifdm_pay",
)
# … and what the hospital bears, which does not.
PAYER_FIELDS = (*FUND_FIELDS, "hosp_part_amt")
POOL_PROP = ("fund_rate", "self_pay_rate")  # what pool_prop_selfpay holds in this area

_CODE_MAPS = {  # key → the claim field its values must belong to ("" for free text)
    "insutype": "person.scheme",
    "med_type": "visit.kind",
    "hosp_lv": "visit.level",
    "psn_type": "person.category",
    "psn_idet_type": "person.category",
    "refl_type": "visit.referral",
    "chrgitm_lv": "line.category",
    "med_chrgitm_type": "",
    "codes": "",
    "diseases": "",
    "fund_pay_type_local": "",
}
_VERSION_KEYS = {
    "from",
    "admdvs",
    "pool_prop_selfpay",
    "layers",
    "cum_type_code",
    "admission_count",
    *_CODE_MAPS,
}
_LAYER_KEYS = {"field", "fund_pay_type", "name"}
_TOP_KEYS = {"area", "name", "policies", "version"}


class AreaError(YibaoError):
    """A mapping file that cannot be used: every problem, each at its file and key path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{source}: pooling-area mapping rejected\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class LayerCode:
    """How one layer reports: its setlinfo field, its fund_pay_type code and name, each either one
    value or one per scheme (``"*"`` for all): an employee's basic fund is 310100, a resident's 390100."""

    field: Mapping[str, str]
    fund_pay_type: Mapping[str, str]
    name: Mapping[str, str]

    def for_scheme(self, scheme: str) -> tuple[str, str, str]:
        """(setlinfo field, fund_pay_type, fund_pay_type_name) for a claim of ``scheme``."""

        def pick(m: Mapping[str, str]) -> str:
            return m.get(scheme, m.get("*", ""))

        return pick(self.field), pick(self.fund_pay_type), pick(self.name)


@dataclass(frozen=True)
class Version:
    """The area's codes from one date on."""

    start: dt.date
    admdvs: str
    pool_prop_selfpay: str
    layers: Mapping[str, LayerCode]
    cum_type_code: Mapping[str, str]  # accumulator → cum_type_code
    maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # insutype, med_type, …
    admission_count: str | None = None  # the cum_type_code counting this year's admissions (C0000)

    def code(self, what: str, value: str) -> str | None:
        return self.maps.get(what, {}).get(value)

    def reverse(self, what: str, value: str) -> str | None:
        """The first code whose meaning is ``value`` (for writing a claim in the platform's codes)."""
        return next((k for k, v in self.maps.get(what, {}).items() if v == value), None)

    @property
    def accumulator_of(self) -> dict[str, str]:
        return {code: acc for acc, code in self.cum_type_code.items()}

    def national_fund(self, code: str) -> str:
        """A local fund_pay_type (8-digit ``999997xx``) as its national code; a national one as is."""
        return self.maps.get("fund_pay_type_local", {}).get(code, code)


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    policies: tuple[str, ...]  # policy ids it maps, as glob patterns (``jiujiang.*``)
    versions: tuple[Version, ...]
    source: str

    def covers(self, policy_id: str) -> bool:
        return any(fnmatch.fnmatchcase(policy_id, p) for p in self.policies)

    def version(self, day: dt.date) -> Version | None:
        """The version in force on ``day``: the latest whose ``from`` is not after it."""
        found = None
        for v in self.versions:
            if v.start <= day:
                found = v
        return found


def _unknown(problems: list[str], obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for key in obj:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            problems.append(f"{path}{key}: unknown key{hint}")


def _table(problems: list[str], raw: Any, path: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{path}: must be a table")
        return {}
    return raw


def _string_map(problems: list[str], raw: Any, path: str, meaning: str) -> dict[str, str]:
    allowed = (CATEGORIES if meaning == "line.category" else DEFAULT_ENUMS.get(meaning)) if meaning else None
    out: dict[str, str] = {}
    for key, value in _table(problems, raw, path).items():
        if not isinstance(value, str) or not value:
            problems.append(f"{path}.{key}: must be a non-empty string")
        elif allowed is not None and value not in allowed and meaning != "person.category":
            problems.append(f"{path}.{key}: {value!r} is not one of {', '.join(allowed)}")
        else:
            out[str(key)] = value
    return out


def _payer_field(value: str) -> str | None:
    return (
        None
        if value in PAYER_FIELDS
        else f"{value!r} is not a setlinfo payer field ({', '.join(PAYER_FIELDS)})"
    )


def _fund_code(value: str) -> str | None:
    if value.isascii() and value.isdigit() and len(value) in (6, 8):
        return None
    return f'{value!r} is not a fund_pay_type code (6 digits, 8 for a local one, such as "390100")'


def _any(value: str) -> str | None:
    return None


def _per_scheme(problems: list[str], raw: Any, path: str, check: Any) -> dict[str, str] | None:
    """One string, or a table of scheme → string (``"*"`` for the rest)."""
    if raw is None:
        problems.append(f"{path}: required")
        return None
    items = {"*": raw} if isinstance(raw, str) else raw
    if not isinstance(items, dict):
        problems.append(f"{path}: must be a string or a table of scheme → string")
        return None
    out: dict[str, str] = {}
    for scheme, value in items.items():
        where = path if isinstance(raw, str) else f"{path}.{scheme}"
        if scheme != "*" and scheme not in DEFAULT_ENUMS["person.scheme"]:
            problems.append(
                f"{where}: {scheme!r} is not a scheme ({', '.join(DEFAULT_ENUMS['person.scheme'])})"
            )
            continue
        problem = check(value) if isinstance(value, str) else "must be a string"
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        out[scheme] = value
    return out if len(out) == len(items) else None


def _version(problems: list[str], raw: Any, path: str) -> Version | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: must be a table")
        return None
    _unknown(problems, raw, _VERSION_KEYS, path + ".")
    start = raw.get("from")
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        problems.append(f"{path}.from: required, a date such as 2024-01-01 (unquoted)")
        start = None
    admdvs = raw.get("admdvs")
    if not isinstance(admdvs, str) or len(admdvs) != 6 or not admdvs.isdigit():
        problems.append(f'{path}.admdvs: required, the area\'s six-digit 医保区划 code, such as "360400"')
    prop = raw.get("pool_prop_selfpay", "fund_rate")
    if prop not in POOL_PROP:
        problems.append(f"{path}.pool_prop_selfpay: {prop!r} is not one of {', '.join(POOL_PROP)}")
    layers: dict[str, LayerCode] = {}
    for name, spec in _table(problems, raw.get("layers"), path + ".layers").items():
        lpath = f"{path}.layers.{name}"
        if not isinstance(spec, dict):
            problems.append(f"{lpath}: must be a table with field, fund_pay_type and name")
            continue
        _unknown(problems, spec, _LAYER_KEYS, lpath + ".")
        parts = [
            _per_scheme(problems, spec.get(k, "" if k == "name" else None), f"{lpath}.{k}", check)
            for k, check in (("field", _payer_field), ("fund_pay_type", _fund_code), ("name", _any))
        ]
        if all(p is not None for p in parts):
            layers[name] = LayerCode(*parts)  # type: ignore[arg-type]
    cum = _string_map(problems, raw.get("cum_type_code"), path + ".cum_type_code", "")
    for acc in cum:
        if "." not in acc:
            problems.append(f"{path}.cum_type_code.{acc}: not an accumulator (such as basic.deductible)")
    if len(set(cum.values())) != len(cum):
        problems.append(f"{path}.cum_type_code: two accumulators share one cum_type_code")
    maps = {k: _string_map(problems, raw.get(k), f"{path}.{k}", meaning) for k, meaning in _CODE_MAPS.items()}
    admissions = raw.get("admission_count")
    if admissions is not None and (not isinstance(admissions, str) or admissions in cum.values()):
        problems.append(
            f'{path}.admission_count: must be a cum_type_code no accumulator uses, such as "C0000"'
        )
    if start is None or not isinstance(admdvs, str) or prop not in POOL_PROP:
        return None
    return Version(start, admdvs, prop, layers, cum, maps, admissions)


def parse_area(text: str, source: str) -> Area:
    """A mapping file's text → ``Area``, or ``AreaError`` with every problem at its key path."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise AreaError(source, [f"not TOML: {err}"]) from None
    problems: list[str] = []
    _unknown(problems, raw, _TOP_KEYS, "")
    code, name, pols = raw.get("area"), raw.get("name", ""), raw.get("policies", [])
    if not isinstance(code, str) or not code:
        problems.append("area: required, the area's name or code as a string")
    if not isinstance(pols, list) or not all(isinstance(p, str) for p in pols):
        problems.append('policies: must be a list of policy ids (glob patterns such as "jiujiang.*")')
        pols = []
    versions = raw.get("version")
    if not isinstance(versions, list) or not versions:
        problems.append("version: at least one [[version]] with its `from` date")
        versions = []
    parsed = [_version(problems, v, f"version[{i}]") for i, v in enumerate(versions)]
    good = [v for v in parsed if v is not None]
    for i, (a, b) in enumerate(itertools.pairwise(good)):
        if b.start <= a.start:
            problems.append(
                f"version[{i + 1}].from: {b.start} is not after the version before it ({a.start})"
            )
    if problems:
        raise AreaError(source, problems)
    return Area(str(code), str(name), tuple(pols), tuple(good), source)


def load_area(path: str | Path) -> Area:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AreaError(str(p), [f"cannot read: {err}"]) from None
    return parse_area(text, str(p))


@cache
def bundled_areas() -> tuple[Area, ...]:
    return tuple(load_area(p) for p in sorted(AREAS_DIR.glob("*.toml")))


def area_for(policy_id: str, path: str | Path | None = None) -> Area:
    """The mapping for ``policy_id``: the file at ``path``, or the bundled area that lists the policy."""
    if path is not None:
        area = load_area(path)
        return area
    for area in bundled_areas():
        if area.covers(policy_id):
            return area
    raise AreaError(
        policy_id,
        [
            "no bundled pooling-area mapping lists this policy; give one with --area "
            f"(bundled: {', '.join(a.source for a in bundled_areas()) or 'none'})"
        ],
    )


def version_for(area: Area, day: dt.date, path: str = "date") -> Version:
    v = area.version(day)
    if v is None:
        raise AreaError(
            area.source,
            [f"{path}: {day} is before the first version of the mapping ({area.versions[0].start})"],
        )
    return v
