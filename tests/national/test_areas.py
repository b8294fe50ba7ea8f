"""Pooling-area mappings: the bundled ones load, a bad one is refused with every problem at its key."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.national import AreaError, area_for, bundled_areas, parse_area

GOOD = """
area = "999900"
policies = ["demo.*"]

[[version]]
from = 2024-01-01
admdvs = "999900"
[version.insutype]
"390" = "resident"
[version.layers.basic]
field = "hifp_pay"
fund_pay_type = "390100"

[[version]]
from = 2025-01-01
admdvs = "999900"
[version.insutype]
"391" = "resident"
[version.layers.basic]
field = "hifp_pay"
fund_pay_type = { resident = "390100", employee = "310100" }
"""


def test_the_bundled_areas_cover_the_project_s_policies():
    assert {a.code for a in bundled_areas()} == {"360400", "371500"}
    assert area_for("jiujiang.resident_inpatient").code == "360400"
    assert area_for("liaocheng.poverty_inpatient").code == "371500"
    with pytest.raises(AreaError, match="no bundled pooling-area mapping"):
        area_for("nowhere.policy")


def test_versions_are_chosen_by_date():
    area = parse_area(GOOD, "demo.toml")
    assert area.version(dt.date(2023, 12, 31)) is None
    assert area.version(dt.date(2024, 6, 1)).code("insutype", "390") == "resident"
    later = area.version(dt.date(2025, 1, 1))
    assert later.code("insutype", "390") is None
    assert later.layers["basic"].for_scheme("employee") == ("hifp_pay", "310100", "")


def test_a_bad_mapping_names_every_problem_at_its_key():
    bad = GOOD.replace(
        'field = "hifp_pay"\nfund_pay_type = "390100"', 'feild = "hifp_pay"\nfund_pay_type = "39"'
    )
    bad = bad.replace("from = 2025-01-01", "from = 2023-01-01").replace(
        '"391" = "resident"', '"391" = "citizen"'
    )
    with pytest.raises(AreaError) as err:
        parse_area(bad, "demo.toml")
    problems = err.value.problems
    assert "version[0].layers.basic.feild: unknown key; did you mean `field`?" in problems
    assert "version[0].layers.basic.field: required" in problems
    assert any(
        p.startswith("version[0].layers.basic.fund_pay_type: '39' is not a fund_pay_type") for p in problems
    )
    assert "version[1].insutype.391: 'citizen' is not one of employee, resident" in problems
    assert any(p.startswith("version[1].from: 2023-01-01 is not after") for p in problems)
    with pytest.raises(AreaError, match="not TOML"):
        parse_area("area = ", "broken.toml")
