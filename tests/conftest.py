"""Shared fixtures: readable single-file snapshots and the bundled policies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

ROOT = Path(__file__).resolve().parent.parent
# Paths stay relative to the repository so that snapshots, which show policy
# paths, are the same in every clone.
POLICIES = Path("policies")


@pytest.fixture(autouse=True, scope="session")
def _english_unless_a_test_says_otherwise():
    """The suite's outputs are English whatever the machine's locale or YIBAO_LANG
    (yibao/config.py); a test that wants Chinese sets YIBAO_LANG or passes --lang."""
    saved = {k: os.environ.get(k) for k in ("YIBAO_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    for k in saved:
        os.environ.pop(k, None)
    os.environ["LANG"] = "C.UTF-8"
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True, scope="session")
def _run_from_repository_root():
    previous = Path.cwd()
    os.chdir(ROOT)
    yield
    os.chdir(previous)


class TextSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    _file_extension = file_extension = "txt"  # syrupy 4 reads the first name, later ones the second


class PythonSnapshot(TextSnapshot):
    _file_extension = file_extension = "py"


class JsonSnapshot(TextSnapshot):
    _file_extension = file_extension = "json"


@pytest.fixture
def snapshot_txt(snapshot):
    return snapshot.use_extension(TextSnapshot)


@pytest.fixture
def snapshot_py(snapshot):
    return snapshot.use_extension(PythonSnapshot)


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JsonSnapshot)


@pytest.fixture(scope="session")
def jiujiang_resident():
    import yibao

    return yibao.load_policy(POLICIES / "jiujiang" / "resident_inpatient.yb")
