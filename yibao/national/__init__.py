"""The national medical-insurance platform's data shapes (国家医疗保障信息平台): read a visit's fee
details, line split, person and accumulators into a yibao claim; write a settlement as
``setlinfo`` / ``setldetail`` / ``cuminfo``; reconcile the platform's settlements (docs/national.md)."""

from .areas import Area, AreaError, area_for, bundled_areas, load_area, parse_area
from .reader import PolicyNeeds, decode_visit, to_claim
from .settled import read_setldetail, read_setlinfo
from .writer import settlement_shapes, to_visit

__all__ = [
    "Area",
    "AreaError",
    "PolicyNeeds",
    "area_for",
    "bundled_areas",
    "decode_visit",
    "load_area",
    "parse_area",
    "read_setldetail",
    "read_setlinfo",
    "settlement_shapes",
    "to_claim",
    "to_visit",
]
