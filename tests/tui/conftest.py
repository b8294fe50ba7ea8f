"""Fixtures of the explainer's tests: compiled policies and explanations of bundled claims."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from yibao.tui.explanation import Explanation, load_explanation

import yibao
from yibao.sampling import long_claim

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
    """A claim with many bill lines and long Chinese names (yibao.sampling.long_claim)."""
    return long_claim(lines, f"BIG-{lines}")


def write_claim(folder: Path, name: str, data: dict) -> Path:
    import json

    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
