"""``yibao schema NAME``: prints the published schema; ``-o`` writes it; a bad name is a usage error."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from yibao.cli import main


def test_schema_prints_and_writes_the_published_text(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(main, ["schema", "claim"])
    assert printed.exit_code == 0
    assert printed.output == Path("docs/schemas/claim.json").read_text(encoding="utf-8")
    out = tmp_path / "settlement.json"
    assert runner.invoke(main, ["schema", "settlement", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "yibao settlement"
    bad = runner.invoke(main, ["schema", "claims"])
    assert bad.exit_code == 2 and "claim" in bad.output


def test_schema_of_a_policy_s_claims_and_a_broken_policy(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["schema", "claim", "--policy", "policies/jiujiang/resident_inpatient.yb"])
    assert ok.exit_code == 0 and json.loads(ok.output)["properties"]["lines"]["minItems"] == 1
    broken = tmp_path / "broken.yb"
    broken.write_text("policy x\n  nonsense\n", encoding="utf-8")
    failed = runner.invoke(main, ["schema", "claim", "--policy", str(broken)])
    assert failed.exit_code == 1 and "Traceback" not in failed.output
