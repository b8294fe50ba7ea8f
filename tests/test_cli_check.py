"""`yibao check`: codes in every format, --strict, --explain, and errors before warnings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from yibao.cli import main

POLICY = "policies/jiujiang/resident_inpatient.yb"
BROKEN = "tests/dsl/broken"
WARNED = f"{BROKEN}/warning_after_the_error.yb"  # an error at line 23, an unused parameter at line 12


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def warned_only(tmp_path: Path) -> Path:
    """A policy whose only diagnostic is a warning."""
    text = (Path(WARNED).read_text(encoding="utf-8")).replace("basic_rate * 150%", "basic_rate")
    path = tmp_path / "warned.yb"
    path.write_text(text, encoding="utf-8")
    return path


def test_text_shows_codes_and_puts_the_error_before_the_warning() -> None:
    result = run("check", WARNED)
    assert result.exit_code == 1
    err = result.stderr
    assert f"{WARNED}:23:21: error[Y0302]: a rate must lie between 0% and 100%, not 150%" in err
    assert err.index("error[Y0302]") < err.index("warning[Y0505]: parameter `spare` is never used")
    assert err.rstrip().endswith("1 error and 1 warning found")


def test_json_is_one_object_per_diagnostic_on_stdout() -> None:
    result = run("check", "--format", "json", POLICY, WARNED, f"{BROKEN}/syntax_tab_indent.yb")
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert [d["code"] for d in found] == ["Y0302", "Y0505", "Y0105"]
    assert found[0] == {
        "code": "Y0302", "severity": "error", "file": WARNED, "line": 23, "column": 21,
        "end_line": 23, "end_column": 25, "message": "a rate must lie between 0% and 100%, not 150%",
        "hint": "a rate is the share of the base that is paid: 100% pays all of it, 0% none"}
    assert found[1]["severity"] == "warning" and found[1]["hint"] is None
    assert "ok:" not in result.stdout


def test_json_of_good_policies_is_an_empty_list() -> None:
    result = run("check", "--format", "json", POLICY)
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_github_annotations_from_the_real_command() -> None:
    done = subprocess.run([sys.executable, "-m", "yibao.cli", "check", "--format", "github", WARNED],
                          capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 1
    first, second = done.stdout.splitlines()
    assert first == (f"::error file={WARNED},line=23,col=21,endLine=23,endColumn=25,"
                     "title=Y0302 rate-out-of-range::a rate must lie between 0%25 and 100%25, not 150%25"
                     "%0Ahint: a rate is the share of the base that is paid: "
                     "100%25 pays all of it, 0%25 none")
    assert second.startswith(f"::warning file={WARNED},line=12,col=1,")
    assert "title=Y0505 unused-parameter::parameter `spare` is never used" in second
    assert "Traceback" not in done.stderr


def test_strict_makes_a_warning_fail(tmp_path: Path) -> None:
    path = warned_only(tmp_path)
    relaxed = run("check", str(path))
    assert relaxed.exit_code == 0 and relaxed.stdout.startswith(f"ok: {path}")
    assert "warning[Y0505]" in relaxed.stderr
    strict = run("check", "--strict", str(path))
    assert strict.exit_code == 1 and "ok:" not in strict.stdout
    assert f"{path}: 1 warning, which --strict makes fail" in strict.stderr
    assert run("check", "--strict", POLICY).exit_code == 0


def test_explain_prints_the_code_s_page() -> None:
    for asked in ("Y0302", "y0302", "rate-out-of-range"):
        result = run("check", "--explain", asked)
        assert result.exit_code == 0
        assert result.stdout.startswith("# Y0302 `rate-out-of-range`")
        assert "error[Y0302]: a rate must lie between 0% and 100%, not 800%" in result.stdout
    unknown = run("check", "--explain", "Y9999")
    assert unknown.exit_code == 2 and "no diagnostic code 'Y9999'" in unknown.stderr
    assert run("check").exit_code == 2  # neither policies nor --explain
