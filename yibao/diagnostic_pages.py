"""One documentation page per diagnostic code, made from the registry and its example policies.

``docs/diagnostics/`` is written from here by ``scripts/diagnostic_pages.py`` (a test keeps the
files and this module in agreement), and ``yibao check --explain CODE`` prints the same page.
Each page shows what ``yibao check`` really says about the wrong example: the example is checked
when the page is made, so a page cannot show a message the checker no longer gives.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from yibao.dsl import codes
from yibao.dsl.code_examples import BASE, EXAMPLES, UNSHOWN
from yibao.dsl.errors import Diagnostic, PolicyError

EXAMPLE_FILE = "example.yb"  # the name the examples are checked under; a reform's base is base.yb


@lru_cache(maxsize=256)  # the pages and the tests check the same ~160 examples: once each
def check_example(text: str) -> tuple[tuple[Diagnostic, ...], str]:
    """Check ``text`` as ``example.yb`` beside ``base.yb`` (``BASE``): its diagnostics (errors and
    warnings) and what ``yibao check example.yb`` prints about them, with the folder left out."""
    from yibao.compiler.loader import load_policy

    with tempfile.TemporaryDirectory(prefix="yibao-example-") as tmp:
        folder = Path(tmp)
        (folder / "base.yb").write_text(BASE, encoding="utf-8")
        path = folder / EXAMPLE_FILE
        path.write_text(text, encoding="utf-8")
        try:
            policy = load_policy(path)
        except PolicyError as err:
            found, shown = err.diagnostics, err.format()
        else:
            found = tuple(policy.warnings)
            shown = "\n\n".join(w.format(policy.ast.texts.get(w.span.file, policy.ast.text)) for w in found)
        return found, shown.replace(str(folder) + os.sep, "").replace(str(folder), ".")


def page(code: codes.Code) -> str:
    """The Markdown page of one code."""
    out = [f"# {code.id} `{code.slug}`", "",
           f"**{code.severity}** · {code.group} · [all codes](index.md)", "",
           code.meaning[0].upper() + code.meaning[1:] + ".", ""]
    example = EXAMPLES.get(code)
    if example is None:
        out += ["No policy text shows this problem: " + UNSHOWN[code] + ".", ""]
        return "\n".join(out)
    _, shown = check_example(example.wrong)
    out += ["## Wrong", "", "```yibao", example.wrong.rstrip("\n"), "```", "",
            f"`yibao check {EXAMPLE_FILE}` says:", "", "```text", shown, "```", "",
            "## Right", "", "The same policy, changed where the problem was:", "",
            "```diff", _diff(example.wrong, example.right), "```", ""]
    if "extends" in example.wrong:
        out[-1:-1] = ["", f"`{EXAMPLE_FILE}` extends `base.yb`, the example policy of "
                      "[Y0101](Y0101.md#right) saved beside it."]
    return "\n".join(out)


def index() -> str:
    """The list of every code, by group."""
    out = ["# Diagnostic codes", "",
           "Every error and warning `yibao check` reports has a stable code, shown as "
           "`error[Y0302]` or `warning[Y0505]`: the wording of a message may improve, its code stays. "
           "`yibao check --explain Y0302` prints a code's page; `--format json` and `--format github` "
           "give the code to machines (see [the command line](../cli.md#yibao-check-policy)).", "",
           "A code is `Y`, two digits for its subject and two for the problem. Warnings do not fail "
           "`yibao check` unless `--strict` is given.", ""]
    for group, title in codes.GROUPS.items():
        out += [f"## Y{group}xx: {title}", "", "| code | name | severity | meaning |", "|---|---|---|---|"]
        out += [f"| [{c.id}]({c.id}.md) | `{c.slug}` | {c.severity} | {_cell(c.meaning)} |"
                for c in codes.CODES.values() if c.id[1:3] == group]
        out.append("")
    return "\n".join(out)


def _diff(wrong: str, right: str) -> str:
    """The right example as the lines it changes in the wrong one, with a line of context."""
    lines = difflib.unified_diff(wrong.splitlines(), right.splitlines(), EXAMPLE_FILE, EXAMPLE_FILE,
                                 n=1, lineterm="")
    return "\n".join(list(lines)[2:])  # without the file names: both are example.yb


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def pages() -> dict[str, str]:
    """File name under ``docs/diagnostics/`` → its text."""
    out = {"index.md": index()}
    out.update({f"{c.id}.md": page(c) for c in codes.CODES.values()})
    return out
