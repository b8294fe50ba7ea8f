"""Fixtures for the national platform's shapes: the test policy on the platform's split and its area."""

from __future__ import annotations

from pathlib import Path

import pytest

import yibao
from yibao.national import decode_visit, load_area

HERE = Path("tests/national")
POLICY = HERE / "platform_inpatient.yb"
AREA = HERE / "test_area.toml"
VISIT = HERE / "visits" / "refund_and_split.json"


@pytest.fixture(scope="session")
def platform_policy():
    return yibao.load_policy(POLICY)


@pytest.fixture(scope="session")
def area():
    return load_area(AREA)


@pytest.fixture
def visit():
    """The hand-written visit as the JSON reads (numbers exact), fresh for each test to change."""
    return decode_visit(VISIT.read_bytes(), str(VISIT))
