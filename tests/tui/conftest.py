"""Fixtures of the explainer's tests: compiled policies and explanations of bundled claims."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from yibao.tui.explanation import Explanation, load_explanation

import yibao

from ..conftest import POLICIES

JIUJIANG = POLICIES / "jiujiang" / "resident_inpatient.yb"
JIUJIANG_CLAIM = POLICIES / "jiujiang" / "claims" / "level2_local.json"
LIAOCHENG = POLICIES / "liaocheng" / "poverty_inpatient.yb"
# Crosses from the critical-illness band 2 into band 3.
LIAOCHENG_CLAIM = (POLICIES / "liaocheng" / "claims" / "poverty_inpatient"
                   / "referred_provincial_gastric_cancer.json")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests (Pilot) on a fresh event loop; no asyncio plugin is needed."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**args))
    return True


@pytest.fixture(scope="session")
def jiujiang() -> yibao.Policy:
    return yibao.load_policy(JIUJIANG)


@pytest.fixture(scope="session")
def liaocheng() -> yibao.Policy:
    return yibao.load_policy(LIAOCHENG)


@pytest.fixture
def jj(jiujiang) -> Explanation:
    return load_explanation(jiujiang, JIUJIANG_CLAIM)


@pytest.fixture
def lc(liaocheng) -> Explanation:
    return load_explanation(liaocheng, LIAOCHENG_CLAIM)


def big_claim(lines: int = 200) -> dict:
    """A Jiujiang inpatient claim with many bill lines of every category, built by hand."""
    cats = ("A", "A", "B", "A", "C")
    return {
        "id": f"BIG-{lines}",
        "date": "2024-05-02",
        "person": {"id": "360402195001011234", "scheme": "resident", "category": "normal", "age": 74},
        "visit": {"kind": "inpatient", "level": 3, "region": "local", "referral": "none"},
        "lines": [
            {"code": f"X{i:05d}", "name": f"第{i + 1}项 很长的中文药品名称注射液 / item {i + 1}",
             "category": cats[i % len(cats)], "amount": f"{100 + (i * 37) % 900}.{i % 100:02d}"}
            for i in range(lines)
        ],
    }


def write_claim(folder: Path, name: str, data: dict) -> Path:
    import json

    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
