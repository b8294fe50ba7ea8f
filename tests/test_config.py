"""The project configuration (yibao/config.py): found, validated with file:line, obeyed by the commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from yibao.cli import main
from yibao.config import Config, ConfigError, find_config, load_config, locale_lang

from .conftest import POLICIES

POLICY = POLICIES / "jiujiang" / "resident_inpatient.yb"
CLAIM = POLICIES / "jiujiang" / "claims" / "level2_local.json"
C = "C.UTF-8"

BUREAU = """\
lang = "zh"
export_dir = "letters"

[bureau]
name = "九江市医疗保障局"
address = "九江市浔阳区长虹大道 1 号"
hotline = "0792-12345"
notes = ["本说明仅供参考。", "工作时间：周一至周五"]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A bureau's folder: its yibao.toml and a copy of a bundled policy and claim."""
    (tmp_path / "yibao.toml").write_text(BUREAU, encoding="utf-8")
    sub = tmp_path / "policies"
    sub.mkdir()
    shutil.copy(POLICY, sub / POLICY.name)
    shutil.copy(CLAIM, sub / CLAIM.name)
    return tmp_path


def test_the_locale_decides_when_nothing_else_does() -> None:
    assert locale_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert locale_lang({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}) == "en"
    assert locale_lang({"LANG": C}) == "en"
    assert locale_lang({}) == "en"


def test_found_from_the_policy_up_and_resolved(project: Path) -> None:
    policy = project / "policies" / POLICY.name
    assert find_config(policy) == project / "yibao.toml"
    cfg = load_config(policy, environ={"LANG": C})
    assert cfg.lang == "zh" and cfg.bureau.name == "九江市医疗保障局"
    assert cfg.bureau.notes == ("本说明仅供参考。", "工作时间：周一至周五")
    assert cfg.export_dir == project / "letters" and cfg.mask_ids is True
    # --lang wins over YIBAO_LANG, which wins over the file
    assert load_config(policy, environ={"YIBAO_LANG": "en", "LANG": C}).lang == "en"
    assert load_config(policy, lang="en", environ={"YIBAO_LANG": "zh"}).lang == "en"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.yibao]\nlang = "zh"\n'
                                             'mask_ids = false\n', encoding="utf-8")
    cfg = load_config(tmp_path, environ={"LANG": C})
    assert cfg.path == tmp_path / "pyproject.toml" and cfg.lang == "zh" and cfg.show_id() is True


def test_no_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(tmp_path, environ={"LANG": "zh_TW.UTF-8"}) == Config(lang="zh")


@pytest.mark.parametrize(("text", "where", "what"), [
    ('lang = "zh"\ncolour = "red"\n', ":2:", "colour: unknown key"),
    ('[bureau]\nname = "x"\nphone = "1"\n', ":3:", "bureau.phone: unknown key"),
    ('mask_ids = "yes"\n', ":1:", "mask_ids: must be true or false"),
    ('lang = "fr"\n', ":1:", "lang: 'fr' is not zh or en"),
    ('[bureau]\nnotes = "one line"\n', ":2:", "bureau.notes: must be a list of strings"),
    ('lang = \n', ":1:", "not valid TOML"),
])
def test_a_bad_key_is_named_with_its_line(tmp_path: Path, text: str, where: str, what: str) -> None:
    path = tmp_path / "yibao.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, environ={"LANG": C})
    assert str(err.value).startswith(f"{path}{where}") and what in str(err.value)


def test_a_bad_key_on_the_command_line_is_exit_1_in_the_file_s_words(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[bureau]\nfax = "1"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["settle", str(POLICY), str(CLAIM), "--config", str(bad)],
                                env={"YIBAO_LANG": "zh"})
    assert result.exit_code == 1
    assert f"{bad}:2: bureau.fax：未知的配置项" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(main, ["check", str(POLICY), "--config", str(tmp_path / "none.toml")],
                                 env={"YIBAO_LANG": "en"})
    assert missing.exit_code == 1 and "no such configuration file" in missing.output


def test_the_commands_follow_the_file(project: Path) -> None:
    policy = str(project / "policies" / POLICY.name)
    claim = str(project / "policies" / CLAIM.name)
    runner = CliRunner()
    settled = runner.invoke(main, ["settle", policy, claim], env={"LANG": C, "YIBAO_LANG": None})
    assert settled.exit_code == 0 and "结算结果" in settled.output and "Settlement" not in settled.output
    assert "转诊" not in settled.output  # a local stay: referral decided nothing
    english = runner.invoke(main, ["settle", policy, claim, "--lang", "en"], env={"LANG": C})
    assert "Settlement" in english.output
    letter = runner.invoke(main, ["explain", policy, claim, "--format", "text"], env={"LANG": C})
    assert letter.exit_code == 0
    head = letter.output.splitlines()[:3]
    assert head == ["九江市医疗保障局", "地址：九江市浔阳区长虹大道 1 号", "咨询电话：0792-12345"]
    assert letter.output.rstrip().endswith("工作时间：周一至周五")
    assert "3604**********1234" in letter.output and "360402199001011234" not in letter.output


@pytest.mark.parametrize("fmt", ["md", "html", "text"])
def test_letter_with_a_configured_bureau(project: Path, fmt: str) -> None:
    """The acceptance: name, address and hotline on the letter, the person's ID masked."""
    result = CliRunner().invoke(main, ["explain", str(project / "policies" / POLICY.name),
                                       str(project / "policies" / CLAIM.name), "--format", fmt],
                                env={"LANG": C})
    assert result.exit_code == 0, result.output
    for text in ("九江市医疗保障局", "九江市浔阳区长虹大道 1 号", "0792-12345", "本说明仅供参考。",
                 "3604**********1234" if fmt != "md" else "3604\\*\\*\\*\\*\\*\\*\\*\\*\\*\\*1234"):
        assert text in result.output, (fmt, text)
    assert "360402199001011234" not in result.output
