"""The acceptance of issue 15: with YIBAO_LANG=zh, every command's output and errors are Chinese.

"No English words outside identifiers the user typed": a word of Latin letters may appear only
if it is a name the policy declares (its id, parameters, layers, enum values, fields, sources,
checks), a key or value of the claim files (names, codes, enum values a clerk entered), or part
of the command line (paths). Policy diagnostics keep their wording (and codes) and are not run.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import yibao
from yibao.cli import main

from .conftest import POLICIES

POLICY = POLICIES / "jiujiang" / "resident_inpatient.yb"
REFORM = POLICIES / "reform2023" / "resident_inpatient.yb"
CLAIM = POLICIES / "jiujiang" / "claims" / "level2_local.json"
ZH = {"YIBAO_LANG": "zh", "LANG": "C.UTF-8"}

WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Names of formats and of yibao itself, which have no Chinese of their own.
NAMES = {"yibao", "JSON", "HTML", "Markdown", "TOML", "YYYY", "MM", "DD", "help"}
# The command line's own identifiers: option names (``--help``) and argument names (``POLICY``).
# Every command, including those registered when first used (yibao/cli.py's LAZY_COMMANDS).
_CTX = click.Context(main)
_COMMANDS = [main.get_command(_CTX, name) for name in main.list_commands(_CTX)]
NAMES |= {w for command in _COMMANDS if command is not None for param in command.params
          for w in WORD.findall(" ".join([*param.opts, *param.secondary_opts, param.human_readable_name]))}


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [*map(str, value), *(s for v in value.values() for s in _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if isinstance(value, str) else []


def typed(policies: list[Path], claims: list[Path], argv: list[str]) -> set[str]:
    """The words a person typed: the policies' identifiers, the claims' values, the arguments."""
    words: set[str] = set(NAMES)
    for p in policies:
        checked = yibao.load_policy(p).checked
        a = checked.policy
        names = [a.header.name, *(x.name for x in a.parameters), *(x.name for x in a.layers),
                 *(x.name for x in a.sources), *(x.name for x in a.checks), *(x.name for x in a.fields),
                 *checked.enums,
                 *(v for values in checked.enums.values() for v in values)]
        words |= {w for n in names for w in WORD.findall(str(n))}
    for c in claims:
        for s in _strings(json.loads(c.read_text(encoding="utf-8"))):
            words |= set(WORD.findall(s))
    for a in [*argv, *map(str, policies), *map(str, claims)]:  # paths: names the user gave files
        words |= set(WORD.findall(a))
    return words


def english(text: str, allowed: set[str]) -> list[str]:
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", text, flags=re.S)  # an HTML page: its text only
    text = re.sub(r"\]\(#[^)]*\)|\{#[^}]*\}", " ", text)  # Markdown's anchors, which no reader sees
    return sorted({w for w in WORD.findall(text) if len(w) > 1 and w not in allowed})


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two claims of one person: the settle table then closes the year."""
    folder = tmp_path_factory.mktemp("year")
    data = json.loads(CLAIM.read_text(encoding="utf-8"))
    for i, day in enumerate(("2024-03-18", "2024-06-02")):
        (folder / f"c{i}.json").write_text(json.dumps({**data, "id": f"JJ-{i}", "date": day},
                                                      ensure_ascii=False), encoding="utf-8")
    return folder


def run(argv: list[str], policies: list[Path], claims: list[Path], code: int = 0,
        also: frozenset[str] = frozenset()) -> None:
    result = CliRunner().invoke(main, argv, env=ZH, prog_name="yibao")
    out = result.output + (result.stderr if result.stderr_bytes else "")
    assert result.exit_code == code, out
    assert out.strip(), argv
    leaked = english(out, typed(policies, claims, argv) | also)
    assert not leaked, (argv, leaked, out[:3000])


def test_make_demo_and_settle(year: Path) -> None:
    # `make demo` outside a terminal is exactly this command
    run(["settle", str(POLICY), str(CLAIM)], [POLICY], [CLAIM])
    run(["settle", str(POLICY), str(CLAIM), "--trace"], [POLICY], [CLAIM])
    run(["settle", str(POLICY), str(year)], [POLICY], sorted(year.glob("*.json")))


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_explain_letters(fmt: str) -> None:
    run(["explain", str(POLICY), str(CLAIM), "--format", fmt], [POLICY], [CLAIM])


def test_explain_text_check_render_and_test() -> None:
    run(["explain", str(POLICY), str(CLAIM), "--text"], [POLICY], [CLAIM])
    run(["check", str(POLICY)], [POLICY], [])
    run(["fmt", "--check", str(POLICY)], [POLICY], [])
    examples = sorted((POLICY.parent / "claims").glob("*.json"))
    run(["render", str(POLICY), "--format", "md"], [POLICY], examples)
    tests = sorted((POLICY.parent / "tests").glob("resident_inpatient*.json"))
    run(["test", str(POLICY)], [POLICY], tests)


def test_sample_claims_and_diff(tmp_path: Path, year: Path) -> None:
    run(["sample-claims", str(POLICY), "-n", "3", "-o", str(tmp_path / "sampled")], [POLICY], [])
    claims = sorted(year.glob("*.json"))
    shutil.copytree(year, tmp_path / "claims")
    run(["diff", str(POLICY), str(REFORM), "--claims", str(tmp_path / "claims")], [POLICY, REFORM], claims)


def test_errors(tmp_path: Path) -> None:
    data = json.loads(CLAIM.read_text(encoding="utf-8"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**data, "date": "18/03/2024", "colour": "red",
                               "lines": [{**data["lines"][0], "amount": "12.345"}]}), encoding="utf-8")
    run(["settle", str(POLICY), str(bad)], [POLICY], [bad], code=1)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**data, "person": {**data["person"], "scheme": "employee"}}),
                     encoding="utf-8")
    run(["explain", str(POLICY), str(other), "--text"], [POLICY], [other], code=1)
    # Click's own: a missing file, an unknown option (its option and argument names are identifiers)
    run(["settle", str(POLICY), str(tmp_path / "none.json")], [POLICY], [], code=2)
    run(["settle", "--bogus", str(POLICY), str(CLAIM)], [POLICY], [], code=2)
    # the help names files, settings and choices as they are written: yibao.toml, YIBAO_LANG, zh|en
    run(["settle", "--help"], [], [],
        also={"FILE", "YIBAO_LANG", "pyproject", "toml", "tool", "zh", "en"})


# ---------------------------------------------------------------- policy diagnostics under zh
CODE = re.compile(r"`[^`\n]*`|\"[^\"\n]*\"|'[^'\n]*'")  # policy text as written: names, keywords, examples
# The labels and codes stay, as rustc's do: `error[Y0302]`, `= hint:`.
LABELS = {"error", "warning", "hint", *__import__("yibao.dsl.codes", fromlist=["CODES"]).CODES}


def _check_zh(path: Path, also: set[str]) -> str:
    result = CliRunner().invoke(main, ["check", str(path)], env=ZH, prog_name="yibao")
    out = result.output + (result.stderr if result.stderr_bytes else "")
    assert result.exit_code in (0, 1), out
    assert "Traceback" not in out
    source = path.read_text(encoding="utf-8", errors="replace")
    allowed = LABELS | also | set(WORD.findall(source)) | set(WORD.findall(str(path)))
    # the source line under the message is the policy's own text
    shown = "\n".join(line for line in out.splitlines() if not re.match(r"\s*\d+ \| ", line))
    leaked = english(CODE.sub(" ", shown), allowed)
    assert not leaked, (path.name, leaked, out)
    return out


def test_every_codes_wrong_example_is_checked_in_chinese(tmp_path: Path) -> None:
    from yibao.dsl.code_examples import BASE, EXAMPLES

    (tmp_path / "base.yb").write_text(BASE, encoding="utf-8")
    for code, example in EXAMPLES.items():
        path = tmp_path / "example.yb"
        path.write_text(example.wrong, encoding="utf-8")
        out = _check_zh(path, set(WORD.findall(BASE)))
        assert f"[{code.id}]" in out, out
        assert "发现" in out or "warning[" in out, out


def test_broken_policies_are_checked_in_chinese() -> None:
    broken = sorted((Path(__file__).parent / "dsl" / "broken").glob("*.yb"))
    assert broken
    for path in broken:
        out = _check_zh(path, set())
        assert re.search(r"(error|warning)\[Y\d{4}\]", out), (path.name, out)


def test_check_json_in_chinese_keeps_the_english_message(tmp_path: Path) -> None:
    from yibao.dsl.code_examples import BASE, EXAMPLES
    from yibao.dsl.codes import UNKNOWN_NAME

    path = tmp_path / "example.yb"
    (tmp_path / "base.yb").write_text(BASE, encoding="utf-8")
    path.write_text(EXAMPLES[UNKNOWN_NAME].wrong, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "json", str(path)], env=ZH)
    found = json.loads(result.stdout)
    assert found[0]["message"].startswith("unknown name")
    assert found[0]["message_zh"].startswith("未知的名称")
    english_only = CliRunner().invoke(main, ["check", "--format", "json", str(path)],
                                      env={"YIBAO_LANG": "en"})
    assert "message_zh" not in json.loads(english_only.stdout)[0]


# ---------------------------------------------------------------- yibao test and yibao reconcile under zh
def test_a_failing_policy_test_with_coverage(tmp_path: Path) -> None:
    claim = (POLICY.parent / "claims" / "level2_local.json").resolve()
    (tmp_path / "tests").mkdir()
    cases = {"policy": str(POLICY.resolve()), "cases": [
        {"name": "wrong_amount", "claim": str(claim), "expect": {"payers": {"basic": "6000.00"}}},
        {"name": "right", "claim": str(claim), "expect": {"payers": {"basic": "6880.00"}}}]}
    tests = tmp_path / "tests" / "resident_inpatient.tests.json"
    tests.write_text(json.dumps(cases), encoding="utf-8")
    # the cases' names are identifiers the author typed; steps are named by their rule ids (basic.pays)
    rules = {w for site in yibao.load_policy(POLICY).meta.sites for w in WORD.findall(site.rule)}
    also = frozenset({"wrong_amount", "right", *rules})
    run(["test", str(tmp_path), "--coverage", "-v"], [POLICY], [claim, tests], code=1, also=also)
    run(["test", str(POLICY.parent / "tests"), "--coverage"], [POLICY],
        sorted((POLICY.parent / "tests").glob("*.json")) + sorted((POLICY.parent / "claims").glob("*.json")))


def test_reconcile_report(tmp_path: Path) -> None:
    from yibao.national.areas import area_for
    from yibao.national.convert import claim_to_national
    from yibao.sampling import sample_policy_claims

    from .national.conftest import POLICY as PLATFORM

    policy = yibao.load_policy(PLATFORM)
    area = area_for(policy.id)
    claims = sample_policy_claims(policy, 12, 7)
    data = tmp_path / "platform.jsonl"
    data.write_text("".join(json.dumps(claim_to_national(policy, area, c), ensure_ascii=False) + "\n"
                            for c in claims), encoding="utf-8")
    changed = tmp_path / "changed.yb"
    changed.write_text(PLATFORM.read_text(encoding="utf-8").replace(
        "    local, 2, _                            -> 400.00",
        "    local, 2, _                            -> 450.00"), encoding="utf-8")
    # the platform's field names and codes (hifp_pay, fund_pay_type…) are the platform's identifiers
    platform = frozenset(w for line in data.read_text(encoding="utf-8").splitlines()[:12]
                         for w in WORD.findall(line))
    run(["reconcile", str(PLATFORM), str(data)], [PLATFORM], [], also=platform)
    run(["reconcile", str(changed), str(data), "--show", "1"], [PLATFORM], [], also=platform)


def test_the_help_of_reconcile_serve_convert_batch_and_lsp() -> None:
    # option values are in Chinese (整数, 路径); formats, the platform's field names and the tools named
    # stay as written
    names = {"ADDRESS", "OUTPUT", "ID", "docs", "md", "json", "jsonl",
             "parquet", "Parquet", "int64", "openapi", "OpenAPI", "HTTP", "national", "settlement",
             "cuminfo", "feedetail_result", "setlinfo", "setldetail", "columnar", "scalar", "NumPy", "Dask",
             "VS", "Code", "Neovim", "Helix", "FILE", "YIBAO_LANG", "pyproject", "toml", "tool", "zh", "en"}
    for command in ("reconcile", "serve", "convert", "batch", "lsp", "diff"):
        run([command, "--help"], [], [], also=frozenset(names | {command}))
