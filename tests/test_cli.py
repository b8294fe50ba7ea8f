"""The `yibao` command: outputs and exit codes (0 ok, 1 policy or claim errors, 2 usage)."""

from __future__ import annotations

import errno
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from yibao.cli import main

POLICY = "policies/jiujiang/resident_inpatient.yb"
CLAIM = "policies/jiujiang/claims/level2_local.json"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_check_ok() -> None:
    result = run("check", POLICY)
    assert result.exit_code == 0
    assert result.output == f"ok: {POLICY} (3 parameters, 1 layer)\n"


def test_check_reports_every_file_and_fails() -> None:
    result = run("check", POLICY, "tests/dsl/broken/bands_gap.yb", "tests/dsl/broken/rates_out_of_range.yb")
    assert result.exit_code == 1
    assert "ok: policies/jiujiang/resident_inpatient.yb" in result.output
    assert "bands_gap.yb:16:5: error[Y0909]: band starts at 6000.00" in result.output
    assert "rates_out_of_range.yb:14:8: error" in result.output
    assert "Traceback" not in result.output


def test_compile_prints_the_module() -> None:
    result = run("compile", POLICY)
    assert result.exit_code == 0
    assert result.output.startswith('"""Settlement code for the policy POLICY_ID in SOURCE')
    assert "POLICY_ID = 'jiujiang.resident_inpatient'" in result.output
    assert "def settle(c):" in result.output


def test_compile_to_file(tmp_path: Path) -> None:
    out = tmp_path / "policy.py"
    assert run("compile", POLICY, "-o", str(out)).exit_code == 0
    assert "def settle_traced(c):" in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.tmp"))


def test_settle_table() -> None:
    result = run("settle", POLICY, CLAIM)
    assert result.exit_code == 0
    assert "6,880.00" in result.output and "2,620.00" in result.output
    assert "72.42%" in result.output


def test_settle_json_with_trace() -> None:
    result = run("settle", POLICY, CLAIM, "--json", "--trace")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["payers"] == {"basic": "6880.00"} and data["person"] == "2620.00"
    assert data["trace"][-1]["formula"] == "total 9,500.00 − payers 6,880.00 = 2,620.00"


def test_bad_claim_is_exit_1_with_paths(tmp_path: Path) -> None:
    bad = json.loads(Path(CLAIM).read_text(encoding="utf-8"))
    bad["lines"][0]["amount"] = "12.345"
    bad["visit"]["level"] = 4
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = run("settle", POLICY, str(path))
    assert result.exit_code == 1
    assert "lines[0].amount: more than two decimals" in result.output
    assert "visit.level: 4 is not one of 1, 2, 3, primary" in result.output


def test_claim_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = run("settle", POLICY, str(path))
    assert result.exit_code == 1
    assert "not valid JSON at line 1 column 2" in result.output


def test_usage_errors_are_exit_2() -> None:
    assert run("settle", POLICY).exit_code == 2
    assert run("settle", POLICY, "no/such/claim.json").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_settle_a_record_policy() -> None:
    result = run("settle", "policies/reform2023/alliance_surplus.yb",
                 "policies/reform2023/claims/alliance_surplus/surplus_12_percent.json", "--trace")
    assert result.exit_code == 0, result.output
    assert "Record duchang-alliance-2023" in result.output
    assert "carried into next year's package" in result.output and "2,494,000.00" in result.output
    assert "amount 10,320,000.00 − payers 7,826,000.00 = 2,494,000.00" in result.output


def test_explain_output_needs_a_format(tmp_path: Path) -> None:
    result = run("explain", POLICY, CLAIM, "-o", str(tmp_path / "x.md"))
    assert result.exit_code == 2
    assert "-o writes a letter: give --format md, html or text too" in result.output
    missing = run("explain", POLICY, str(tmp_path / "nope.json"), "--format", "md")
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_files_saved_with_a_byte_order_mark(tmp_path: Path) -> None:
    # Editors on Windows often save UTF-8 with a BOM; policies and claims still read.
    policy = tmp_path / "bom.yb"
    policy.write_bytes(b"\xef\xbb\xbf" + Path(POLICY).read_bytes())
    claim = tmp_path / "bom.json"
    claim.write_bytes(b"\xef\xbb\xbf" + Path(CLAIM).read_bytes())
    result = run("settle", str(policy), str(claim), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["payers"] == {"basic": "6880.00"}


# ---------------------------------------------------------------- outputs: whole, or an error of one line


def _one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


WRITERS = {
    "compile": ["compile", POLICY, "-o"],
    "render": ["render", POLICY, "-o"],
    "explain": ["explain", POLICY, CLAIM, "--format", "html", "-o"],
    "sample-claims jsonl": ["sample-claims", POLICY, "-n", "3", "-o"],
    "test --junit": ["test", POLICY, "--junit"],
    "test --coverage-json": ["test", POLICY, "--coverage-json"],
}
SUFFIX = {"sample-claims jsonl": ".jsonl", "test --junit": ".xml", "test --coverage-json": ".json"}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_folder_as_output_is_one_line_exit_1(tmp_path: Path, writer: str) -> None:
    folder = tmp_path / f"out{SUFFIX.get(writer, '')}"  # sample-claims writes a folder, not a "x.jsonl" one
    folder.mkdir()
    result = run(*WRITERS[writer], str(folder))
    assert result.exit_code == 1
    assert _one_line(result) == f"cannot write {folder}: is a folder, not a file"
    assert os.listdir(folder) == []


@pytest.mark.parametrize("writer", ["compile", "render", "explain"])
def test_an_output_in_a_missing_folder_is_one_line_exit_1(tmp_path: Path, writer: str) -> None:
    out = tmp_path / "no" / "such" / "doc.out"
    result = run(*WRITERS[writer], str(out))
    assert result.exit_code == 1
    assert _one_line(result) == f"cannot write {out}: no such folder: {out.parent}"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["replace", "fsync"])
@pytest.mark.parametrize("writer", WRITERS)
def test_a_full_disk_leaves_the_existing_output_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      writer: str, where: str) -> None:
    out = tmp_path / f"existing{SUFFIX.get(writer, '.out')}"
    out.write_text("the old output\n", encoding="utf-8")
    monkeypatch.setattr(os, where, enospc)
    result = run(*WRITERS[writer], str(out))
    monkeypatch.undo()
    assert result.exit_code == 1
    assert _one_line(result) == f"cannot write {out}: No space left on device"
    assert out.read_text(encoding="utf-8") == "the old output\n"
    assert os.listdir(tmp_path) == [out.name]  # no temporary file left behind


@pytest.mark.parametrize("suffix", [".parquet", "/"])
def test_sample_claims_to_parquet_or_a_folder_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             suffix: str) -> None:
    if suffix == "/":
        folder = tmp_path / "claims"
        folder.mkdir()
        out = folder / "SIM-1-000001.json"
        target = folder
    else:
        out = target = tmp_path / "claims.parquet"
    out.write_text("old", encoding="utf-8")
    monkeypatch.setattr(os, "replace", enospc)
    result = run("sample-claims", POLICY, "-n", "3", "-o", str(target))
    monkeypatch.undo()
    assert result.exit_code == 1
    assert _one_line(result).endswith(": No space left on device")
    assert out.read_text(encoding="utf-8") == "old"
    assert os.listdir(out.parent) == [out.name]


def test_sample_claims_will_not_turn_a_file_into_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "claims"
    out.write_text("old", encoding="utf-8")
    result = run("sample-claims", POLICY, "-n", "3", "-o", str(out))
    assert result.exit_code == 1
    assert "is a file, not a folder" in _one_line(result)
    assert out.read_text(encoding="utf-8") == "old"


def test_render_stops_at_a_worked_example_that_does_not_settle(tmp_path: Path) -> None:
    claims = tmp_path / "claims"
    claims.mkdir()
    good = json.loads(Path(CLAIM).read_text(encoding="utf-8"))
    (claims / "a_good.json").write_text(json.dumps(good), encoding="utf-8")
    good["visit"]["level"] = 4
    (claims / "b_bad.json").write_text(json.dumps(good), encoding="utf-8")
    out = tmp_path / "doc.md"
    result = run("render", POLICY, "--claims", str(claims), "-o", str(out))
    assert result.exit_code == 1
    assert f"the worked example {claims / 'b_bad.json'} cannot be settled" in result.stderr
    assert "visit.level: 4 is not one of 1, 2, 3, primary" in result.stderr
    assert not out.exists()
    assert "Not settled" not in result.output


# ---------------------------------------------------------------- never a traceback


def test_an_unexpected_error_is_one_line_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something broke\nbadly")

    monkeypatch.setattr("yibao.cli.load_policy", boom)
    result = run("compile", POLICY)
    assert result.exit_code == 3
    line = _one_line(result)
    assert line.startswith("internal error: RuntimeError: something broke badly — please report this")
    assert "with the command you ran" in line
    monkeypatch.setenv("YIBAO_DEBUG", "1")  # for developers: the exception itself
    debug = run("compile", POLICY)
    assert isinstance(debug.exception, RuntimeError)


def test_ctrl_c_is_a_quiet_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("yibao.cli.load_policy", interrupted)
    result = run("compile", POLICY)
    assert result.exit_code == 130
    assert result.output == ""


def test_an_os_error_elsewhere_is_one_line_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", POLICY)

    monkeypatch.setattr("yibao.cli.load_policy", unreadable)
    result = run("compile", POLICY)
    assert result.exit_code == 1
    assert _one_line(result) == f"{POLICY}: Permission denied"


def test_usage_errors_still_exit_2(tmp_path: Path) -> None:
    assert run("render", POLICY, "-o").exit_code == 2
    assert run("compile", POLICY, "--frobnicate").exit_code == 2
    assert run("render", POLICY, "--lang", "fr", "-o", str(tmp_path / "x.md")).exit_code == 2
    assert run().exit_code == 2


def _modules_after(*args: str) -> set[str]:
    """The modules a fresh ``yibao ARGS`` process has imported when it ends: top-level packages, and
    yibao's own modules by their full names."""
    probe = ("import sys; from yibao.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "names = {m.split('.')[0] for m in sys.modules}\n"
             "names |= {m for m in sys.modules if m.startswith(('yibao.', 'importlib.metadata'))}\n"
             "print(' '.join(sorted(names)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
    return set(done.stderr.split()[-600:])


# Not needed to check a policy: the parser is generated ahead of time (dsl/_standalone.py), so Lark
# (and interegular, which Lark imports) is needed only to change the grammar.
HEAVY = {"rich", "textual", "jinja2", "pyarrow", "numpy", "pygments", "dask", "distributed", "lark",
         "interegular", "fastapi", "uvicorn", "pygls", "importlib.metadata"}


def test_cold_commands_import_only_what_they_use() -> None:
    version = _modules_after("--version")
    assert not version & HEAVY, version & HEAVY
    ours = {m for m in version if m.startswith("yibao.")}
    # Click, and the words of its messages in zh: no command's module, configuration or compiler
    assert ours <= {"yibao.cli", "yibao.cli_config", "yibao.cli_types", "yibao.cli_zh", "yibao.messages",
                    "yibao.lang", "yibao.dsl", "yibao.dsl.claims_zh"}, ours
    check = _modules_after("check", "policies/liaocheng/poverty_inpatient.yb")
    assert not check & HEAVY, check & HEAVY
    other_commands = {f"yibao.{m}" for m in ("cli_batch", "cli_convert", "cli_fmt", "cli_lsp", "cli_policy",
                                             "cli_reconcile", "cli_render", "cli_schema", "cli_serve")}
    assert not check & other_commands, check & other_commands


def test_version_is_the_installed_packages() -> None:
    from importlib.metadata import version

    import yibao

    result = run("--version")
    assert result.exit_code == 0 and result.output.split()[-1] == version("yibao") == yibao.__version__


def test_the_console_script_exits_with_the_commands_status(tmp_path: Path) -> None:
    """``yibao`` is ``run``: ``main`` with its exit status and messages, then no last collection."""
    import tomllib

    scripts = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["yibao"] == "yibao.cli:run"
    bad = tmp_path / "bad.yb"
    bad.write_text("policy x\n  nonsense here\n", encoding="utf-8")
    probe = "import sys; from yibao.cli import run; sys.exit(run())"
    for args, status in ((["--version"], 0), (["check", POLICY], 0), (["check", str(bad)], 1)):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
        assert done.returncode == status, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert "bad.yb:1:9: error[Y0101]" in done.stderr


def test_every_lazy_command_is_registered_by_its_module() -> None:
    """``LAZY_COMMANDS`` names each command its module's ``register`` defines, and nothing else."""
    from yibao.cli import LAZY_COMMANDS

    for module in set(LAZY_COMMANDS.values()):
        group = click.Group()
        importlib.import_module(module).register(group)
        assert set(group.commands) == {n for n, m in LAZY_COMMANDS.items() if m == module}, module
