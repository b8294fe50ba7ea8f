"""Running a mutant the way a user would, under a time limit, and classifying what became of it.

Split from the single ``fuzzing`` module: how a mutant is made and what counts as a crash, a
hang or a rejection without a position change for different reasons.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from yibao.dsl.errors import ClaimError, ClaimsUnsettled, PolicyError, SettlementError, YibaoError

from .corpus import MUTANT_NAME, Corpus, Mutant
from .policy_mutations import BINARY_NAME, DIR_NAME, EMPTY_NAME


@dataclass(frozen=True)
class Outcome:
    """What became of one mutant. ``key`` (exception type, file, line) groups crashes."""

    kind: str
    index: int
    error: str = ""  # exception type
    message: str = ""
    frame: str = ""  # the innermost traceback frame: file:line in function
    key: tuple[str, str, int] | None = None
    wrapped: str = ""  # for a SettlementError: the exception it wraps, if any
    seconds: float = 0.0
    mutant: Mutant | None = field(default=None, compare=False)  # kept for crashes, hangs, unpositioned


class Hung(BaseException):
    """Raised by the timer in the worker: a BaseException, so no ``except Exception`` swallows it."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hung()


def hang_key(mutant: Mutant) -> tuple[str, str, int]:
    """Hangs have no crashing frame: group them by the mutation most likely to blame."""
    families = [re.match(r"[a-z_]+", op) for op in mutant.ops]
    names = [f.group() for f in families if f]
    heavy = [n for n in names if n.startswith(("long_", "nest_", "huge_", "deep", "lines_"))]
    return ("Hung", (heavy or names or ["?"])[0], 0)


def _frame_of(err: BaseException) -> tuple[str, int, str]:
    tb = traceback.extract_tb(err.__traceback__)
    if not tb:
        return "?", 0, "?"
    last = tb[-1]
    return last.filename, last.lineno or 0, last.name


PROJECT = str(Path(__file__).resolve().parents[2]) + os.sep  # the checkout: yibao/fuzzing/..


def _short(path: str) -> str:
    """A frame's file relative to the project or to site-packages, so keys read the same anywhere."""
    if path.startswith(PROJECT):
        return path[len(PROJECT):]
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1]
    return path


def position_problem(err: YibaoError, lines_of: Callable[[str], int | None]) -> str | None:
    """Why a rejection does not say where, or None if it does.

    ``lines_of(file)`` is the number of lines of a policy file's text when known.
    """
    if isinstance(err, PolicyError):
        if not err.diagnostics:
            return "PolicyError without diagnostics"
        for d in err.diagnostics:
            if d.span.line < 1 or d.span.column < 1:
                return f"diagnostic at line {d.span.line}, column {d.span.column}: {d.message[:80]}"
            text = err.source_of(d)
            n = text.count("\n") + 1 if text is not None else lines_of(d.span.file)
            if n is not None and d.span.line > n + 1:
                return f"diagnostic at line {d.span.line} of a {n}-line file: {d.message[:80]}"
        return None
    if isinstance(err, ClaimError):
        if not err.issues:
            return "ClaimError without issues"
        bad = [i for i in err.issues if not i.path]
        return f"ClaimError issue without a path: {bad[0].message[:80]}" if bad else None
    if isinstance(err, ClaimsUnsettled):  # each claim at its row, each failure at its policy line
        if not err.failures:
            return "ClaimsUnsettled without failures"
        return next(filter(None, (position_problem(e, lines_of) for _, e in err.failures)), None)
    if isinstance(err, SettlementError):
        located = re.match(r"^[^\n]*:\d+: ", str(err))
        return None if located else f"SettlementError without a line: {err}"[:200]
    return None


class Runner:
    """Runs mutants the way ``yibao check`` and ``yibao settle --trace`` do, in this process.

    Works in a private copy of the bundled policies, so mutants written next to their
    origin resolve ``extends`` as the original would, and nothing in the project changes.
    """

    def __init__(self, corpus: Corpus, *, timeout: float = 5.0, render: bool = False,
                 settle_claims: int = 2) -> None:
        self.corpus = corpus
        self.timeout = timeout
        self.render = render
        self.settle_claims = settle_claims
        self.dir = Path(tempfile.mkdtemp(prefix="yibao-fuzz-"))
        self.root = self.dir / "policies"
        shutil.copytree(corpus.root, self.root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (self.root / DIR_NAME).mkdir()
        (self.root / BINARY_NAME).write_bytes(bytes(range(256)) * 4)
        (self.root / EMPTY_NAME).write_bytes(b"")
        self._policies: dict[str, Any] = {}
        self._client: Any = None  # the language server of the ``lsp`` target
        self._versions = 0

    def close(self) -> None:
        if self._client is not None and self._client.proc.poll() is None:
            self._client.proc.kill()
            self._client.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def policy(self, rel: str) -> Any:
        """A bundled policy, compiled once."""
        if rel not in self._policies:
            from yibao.compiler.loader import load_policy

            self._policies[rel] = load_policy(self.root / rel)
        return self._policies[rel]

    # -------------------------------------------------------------- the user's paths
    def run_policy(self, mutant: Mutant) -> None:
        """``yibao check`` (and ``compile``), then settle the origin's claims under the mutant (and, with
        ``render``, show the settlement table and render the policy document)."""
        from yibao.compiler.json_input import load_claim_json
        from yibao.compiler.loader import compile_policy, load_policy

        path = self.root / Path(mutant.origin).parent / MUTANT_NAME
        if isinstance(mutant.data, str):
            policy = compile_policy(mutant.data, str(path))
        else:
            path.write_bytes(mutant.data)
            policy = load_policy(path)
        out = [w.format(policy.ast.texts.get(w.span.file, policy.ast.text)) for w in policy.warnings]
        out.append(f"ok: {path} ({len(policy.ast.parameters)} parameters, {len(policy.layers)} layers)")
        out.append(policy.source)
        if mutant.via == "file":
            "\n".join(out).encode("utf-8")  # what `yibao check` prints must be printable
        for claim in self.corpus.claims_of(mutant.origin)[: self.settle_claims]:
            # The mutant may no longer take this claim: that is its right.
            with contextlib.suppress(ClaimError):
                self._settle(policy, load_claim_json(self.root / claim), str(self.root / claim),
                             printable=mutant.via == "file", view=self.render)
        if self.render:
            from yibao.compiler.render import render_policy

            render_policy(policy, "zh", "md", claims=[]).encode("utf-8")

    def run_claim(self, mutant: Mutant) -> None:
        """``yibao settle POLICY CLAIM --trace``: read the file, settle, print JSON and the table."""
        from yibao.compiler.json_input import load_claim_json

        policy = self.policy(self.corpus.claim_policy[mutant.origin])
        path = self.dir / "claim.json"
        if isinstance(mutant.data, str):
            self._settle(policy, mutant.data, None)
            return
        path.write_bytes(mutant.data)
        self._settle(policy, load_claim_json(path), str(path))

    def _settle(self, policy: Any, data: Any, source: str | None, *, printable: bool = True,
                view: bool = True) -> None:
        """Settle with the trace, make the JSON and (``view``) the table; ``printable``: they must encode
        as UTF-8 (what the command prints; a str the API returns may hold what a policy passed in)."""
        from rich.console import Console

        from yibao.compiler.report import settlement_view

        fast: Any = None
        if data.__class__ is dict:  # the path a program takes first: a dict alone (the Settler, in C)
            try:
                fast = policy.settle(data)
            except YibaoError as err:
                fast = err
        try:
            s = policy.settle(data, trace=True, source=source)
        except YibaoError as err:
            if fast is not None and not isinstance(fast, type(err)):
                raise AssertionError(f"settled untraced, but traced: {type(err).__name__}") from None
            raise
        if isinstance(fast, YibaoError):
            raise AssertionError(f"settled traced, but untraced: {type(fast).__name__}: {fast}")
        figures = (s.payer_fen, s.person_fen, s.ytd)
        if fast is not None and (fast.payer_fen, fast.person_fen, fast.ytd) != figures:
            raise AssertionError("the untraced and the traced settlements differ")
        text = s.to_json(trace=True)
        if printable:
            text.encode("utf-8")
        if view:  # the Rich table costs milliseconds a line: only where the claim is what is fuzzed
            console = Console(file=io.StringIO(), width=120, highlight=False, color_system=None)
            console.print(settlement_view(s, lang="en", trace=True, width=120))
            if printable:
                console.file.getvalue().encode("utf-8")  # type: ignore[attr-defined]

    def run_batch(self, mutant: Mutant) -> None:
        """``yibao batch POLICY CLAIMS``: the columnar engine settles or refuses exactly what the
        scalar engine does, from the JSON lines in the default chunks and in chunks of two claims,
        and from the file converted to Parquet; a difference is an ``AssertionError``. Across chunk
        sizes the outcome is the same, refusals issue for issue (a claim out of person order is
        reported with every bad claim, whatever the chunks); across formats what is settled is the
        same and what is refused is refused (the formats name a claim each their own way).
        Raises what both engines raised."""
        from yibao.compiler.codegen_columnar import ColumnarUnsupported
        from yibao.compiler.loader_columnar import columnar_module

        policy = self.policy(self.corpus.claim_policy[mutant.origin])
        if policy.input != "claim":
            return
        try:
            columnar_module(policy)
        except ColumnarUnsupported:
            return
        src = self.dir / f"claims{mutant.suffix or '.jsonl'}"
        src.write_bytes(mutant.data if isinstance(mutant.data, bytes) else mutant.data.encode("utf-8"))
        what = "Parquet" if src.suffix == ".parquet" else "JSON lines"
        inputs = [(what, src, None), (f"{what} in chunks of 2", src, 2)]
        parquet = self._converted(src) if src.suffix == ".jsonl" else None
        if parquet is not None:
            inputs.append(("Parquet", parquet, None))
        first: tuple | None = None
        raised = None
        for how, path, chunk in inputs:
            want, err = self._batch(policy, path, "scalar", chunk)
            got, _ = self._batch(policy, path, "columnar", chunk)
            if got != want:
                raise AssertionError(f"yibao batch, {how}: the columnar engine gives {_brief(got)}, "
                                     f"the scalar engine {_brief(want)}")
            if first is None:
                first, raised = want, err
            elif (path == src or want[0] == "settled" or first[0] == "settled") and want != first:
                raise AssertionError(f"yibao batch, {how}: {_brief(want)}; in the default chunks: "
                                     f"{_brief(first)}")
        self._diff_alike(policy, src)
        if raised is not None:
            raise raised

    def _diff_alike(self, policy: Any, src: Path) -> None:
        """``yibao diff POLICY POLICY CLAIMS`` by either engine: the same report (nothing changes
        when a policy replaces itself), or the same refusal."""
        from yibao.impact_run import diff_path

        reports = []
        for engine in ("columnar", "scalar"):
            try:
                impact, _notes = diff_path(policy, policy, src, chunk=65_536, engine=engine)
            except YibaoError as err:
                reports.append(f"refused: {type(err).__name__}: {err}")
                continue
            if impact.changed:
                raise AssertionError(f"yibao diff --engine {engine}: {impact.changed} claims change when "
                                     "a policy replaces itself")
            impact.format("en").encode("utf-8")
            reports.append(json.dumps(impact.to_dict(), sort_keys=True, ensure_ascii=False))
        if reports[0] != reports[1]:
            raise AssertionError(f"yibao diff: the columnar engine reports {reports[0][:300]}, the scalar "
                                 f"engine {reports[1][:300]}")

    def run_parquet(self, mutant: Mutant) -> None:
        """``yibao batch`` of a broken Parquet file by either engine, and ``yibao convert`` of it to
        JSON lines: each refuses it (or settles it) cleanly. The engines may differ here: the
        columnar one does not decode a column it need not read. Raises the first refusal."""
        from yibao.formats import CHUNK, guess

        policy = self.policy(self.corpus.claim_policy[mutant.origin])
        src = self.dir / "broken.parquet"
        src.write_bytes(mutant.data if isinstance(mutant.data, bytes) else b"")
        errors = [self._batch(policy, src, engine)[1] for engine in ("columnar", "scalar")]
        out = self.dir / "broken.jsonl"
        try:
            guess(out, None, reading=False).write(out, guess(src, None, reading=True).read(src, CHUNK))
        except ClaimError as err:
            errors.append(err)
        first = next((e for e in errors if e is not None), None)
        if first is not None:
            raise first

    def run_national(self, mutant: Mutant) -> None:
        """``yibao reconcile POLICY VISITS`` and the national settle of ``yibao serve``: each visit is
        matched, differs or is rejected with its issues at their paths (the report in both
        languages made), and settling it gives the platform's shapes or a refusal. Raises the
        first refusal."""
        from yibao.national.convert import settle_national
        from yibao.national.reconcile import describe, read_visits, reconcile_visit

        from .national_mutations import policy_and_area

        found = policy_and_area(self.corpus.root, self.corpus.claim_policy[mutant.origin])
        if found is None:
            return
        policy, area = found
        path = self.dir / "visit.json"
        path.write_bytes(mutant.data if isinstance(mutant.data, bytes) else b"")
        first: YibaoError | None = None
        for source, data, _size in read_visits(path):
            if isinstance(data, ClaimError):
                first = first or data
                continue
            result = reconcile_visit(policy, area, data, source)
            if result.status == "rejected" and not result.issues:
                raise AssertionError("yibao reconcile: a visit rejected without an issue")
            if any(not i.path for i in result.issues):
                raise AssertionError(f"yibao reconcile: an issue without a path: {result.issues}")
            for lang in ("en", "zh"):  # the text report and the --json one must be printable
                describe(result, lang).encode("utf-8")
            json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")
            try:
                settle_national(policy, area, data, source)
            except YibaoError as err:
                first = first or err
        if first is not None:
            raise first

    def run_lsp(self, mutant: Mutant) -> None:
        """``yibao lsp`` as an editor drives it, over stdio (one server per runner): the origin is
        opened, then changed to the mutant; its diagnostics must lie within the text and none may
        be an internal error, and hover, completion, definition and references at positions drawn
        in and just past its lines, its symbols and its formatting must each be answered (a
        JSON-RPC error is a crash). The server carries on to the next mutant."""
        import random
        import zlib

        client = self._lsp()
        origin = (self.root / mutant.origin).read_text(encoding="utf-8")
        text = _as_typed(mutant.data)
        uri = (self.root / Path(mutant.origin).parent / MUTANT_NAME).as_uri()
        self._versions += 2
        version = self._versions
        doc = {"uri": uri}
        client.notify("textDocument/didOpen", {"textDocument": {**doc, "languageId": "yibao",
                                                                "version": version - 1, "text": origin}})
        try:
            client.diagnostics(uri, version - 1, timeout=self.timeout)
            client.notify("textDocument/didChange", {"textDocument": {**doc, "version": version},
                                                     "contentChanges": [{"text": text}]})
            lines = text.split("\n")
            widths = [len(line.encode("utf-16-le")) // 2 for line in lines]  # the client's units
            for d in client.diagnostics(uri, version, timeout=self.timeout):
                if d["message"].startswith("internal error"):
                    raise AssertionError(f"yibao lsp: {d['message'][:300]}")
                for end in ("start", "end"):
                    at = d["range"][end]
                    if not (at["line"] < len(lines) and at["character"] <= widths[at["line"]]):
                        raise AssertionError(f"yibao lsp: a diagnostic's {end} {at} is outside the text "
                                             f"({len(lines)} lines): {d['message'][:120]}")
            rng = random.Random(zlib.crc32(text.encode("utf-8")))
            for _ in range(6):
                row = rng.randrange(len(lines) + 1)  # one past the last line too
                where = {"line": row, "character": rng.randrange(widths[min(row, len(lines) - 1)] + 3)}
                for method in ("hover", "completion", "definition", "references"):
                    params: dict[str, Any] = {"textDocument": doc, "position": where}
                    if method == "references":
                        params["context"] = {"includeDeclaration": bool(rng.getrandbits(1))}
                    self._ask(client, f"textDocument/{method}", params)
            self._ask(client, "textDocument/documentSymbol", {"textDocument": doc})
            self._ask(client, "textDocument/formatting",
                      {"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": True}})
        except Hung:  # the server may still be busy with this text: the next mutant gets a new one
            client.proc.kill()
            client.proc.wait(5)
            self._client = None
            raise
        finally:
            if client.proc.poll() is None:
                client.notify("textDocument/didClose", {"textDocument": doc})

    def _ask(self, client: Any, method: str, params: dict[str, Any]) -> Any:
        """A request's answer; an error answer, or the server gone, is an ``AssertionError``."""
        try:
            return client.request(method, params, timeout=self.timeout)
        except RuntimeError as err:  # the server's error answer
            raise AssertionError(f"yibao lsp: {method} at {params.get('position')}: {err}"[:400]) from None
        except EOFError:
            self._client = None
            raise AssertionError(f"yibao lsp: the server stopped during {method}: "
                                 f"{client.stderr_tail()[-300:]}") from None

    def _lsp(self) -> Any:
        """The runner's language server, started on first use (and again if it stopped)."""
        import sys

        from yibao.lsp.client import LspClient

        if self._client is not None and self._client.proc.poll() is None:
            return self._client
        yibao = Path(sys.executable).with_name("yibao")
        command = [str(yibao), "lsp"] if yibao.exists() else [sys.executable, "-m", "yibao", "lsp"]
        client = LspClient(command, cwd=str(self.root))
        client.request("initialize", {"processId": None, "rootUri": self.root.as_uri(), "capabilities": {}},
                       timeout=30)
        client.notify("initialized", {})
        self._client = client
        return client

    def _batch(self, policy: Any, src: Path, engine: str, chunk: int | None = None) -> tuple[tuple, Any]:
        """What ``yibao batch`` makes of ``src``: the settlements as rows, or the refusal's class and
        each issue (or failure) it lists; and the refusal itself."""
        import pyarrow.parquet as pq

        from yibao.batch import run

        out = self.dir / "settled.parquet"
        try:
            run(policy, src, out, engine=engine, **({"chunk": chunk} if chunk else {}))
        except ClaimError as err:
            return ("refused", type(err).__name__, tuple((i.path, str(i.message)) for i in err.issues)), err
        except ClaimsUnsettled as err:
            return ("unsettled", tuple((row, str(e)) for row, e in err.failures)), err
        except YibaoError as err:
            return ("refused", type(err).__name__, str(err)), err
        return ("settled", tuple(pq.read_table(out).to_pylist())), None

    def _converted(self, src: Path) -> Path | None:
        """``yibao convert`` of the JSON lines to Parquet; None where the claims have no table's shape."""
        from yibao.formats import CHUNK, guess

        out = self.dir / "converted.parquet"
        try:
            guess(out, None, reading=False).write(out, guess(src, None, reading=True).read(src, CHUNK))
        except ClaimError:
            return None
        return out

    # -------------------------------------------------------------- outcomes
    def run(self, mutant: Mutant) -> Outcome:
        """Run one mutant under the time limit and classify what happened."""
        import time

        previous = signal.signal(signal.SIGALRM, _on_alarm)
        start = time.perf_counter()
        err: BaseException | None = None
        try:
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
            try:
                paths = {"policy": self.run_policy, "claim": self.run_claim, "batch": self.run_batch,
                         "parquet": self.run_parquet, "national": self.run_national, "lsp": self.run_lsp}
                paths[mutant.target](mutant)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Hung:
            return Outcome("hung", mutant.index, "Hung", f"over {self.timeout:g} s", key=hang_key(mutant),
                           seconds=time.perf_counter() - start, mutant=mutant)
        except BaseException as caught:  # a crash of any kind is what we are looking for
            if isinstance(caught, KeyboardInterrupt | SystemExit):
                raise
            err = caught
        finally:
            signal.signal(signal.SIGALRM, previous)
        seconds = time.perf_counter() - start
        return self.classify(err, mutant, seconds)

    def classify(self, err: BaseException | None, mutant: Mutant, seconds: float = 0.0) -> Outcome:
        if err is None:
            return Outcome("accepted", mutant.index, seconds=seconds)
        name = type(err).__name__
        file, line, func = _frame_of(err)
        frame = f"{_short(file)}:{line} in {func}"
        message = str(err)[:300] if not isinstance(err, RecursionError) else str(err)[:120]
        if isinstance(err, YibaoError):
            inner = err.__context__
            wrapped = (type(inner).__name__ if isinstance(err, SettlementError) and inner is not None
                       and not isinstance(inner, YibaoError) else "")
            problem = position_problem(err, self._lines_of)
            if problem is not None:
                return Outcome("unpositioned", mutant.index, name, problem, frame, (name, _short(file), line),
                               wrapped, seconds, mutant)
            keep = mutant if wrapped else None
            key = (f"SettlementError<{wrapped}>", *self._inner_frame(inner)) if wrapped and inner else None
            return Outcome("rejected", mutant.index, name, message, frame, key, wrapped, seconds, keep)
        return Outcome("crashed", mutant.index, name, message, frame, (name, _short(file), line), "",
                       seconds, mutant)

    @staticmethod
    def _inner_frame(err: BaseException) -> tuple[str, int]:
        """Where a wrapped exception was raised; every generated module counts as one place."""
        file, line, _ = _frame_of(err)
        return ("<generated module>", 0) if file.startswith("<yibao ") else (_short(file), line)

    def _lines_of(self, file: str) -> int | None:
        try:
            return Path(file).read_bytes().count(b"\n") + 1
        except (OSError, ValueError):
            return None


def _as_typed(data: bytes | str) -> str:
    """A mutant's text as an editor holds it: bytes decoded (a byte that is no UTF-8 shown as
    U+FFFD), no lone surrogate (JSON-RPC carries Unicode text)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text.encode("utf-8", "replace").decode("utf-8")


def _brief(outcome: tuple) -> str:
    """An engine's outcome in a line: what it settled, or the first of what it refused."""
    if outcome[0] == "settled":
        return f"{len(outcome[1])} settlements"
    return f"{outcome[0]}: {str(outcome[1:])[:300]}"


# ---------------------------------------------------------------------------- reports


def save_mutant(outcome: Outcome, folder: Path) -> Path | None:
    """Write a mutant and what it did to ``folder``, once per (exception type, file, line).

    Returns the mutant's path if it was new, else None.
    """
    if outcome.mutant is None:
        return None
    m = outcome.mutant
    key = outcome.key or (outcome.error, outcome.kind, 0)
    slug = re.sub(r"[^\w.-]+", "_", f"{outcome.kind}-{key[0]}-{Path(key[1]).name}-{key[2]}")[:120]
    folder.mkdir(parents=True, exist_ok=True)
    suffix = m.suffix or {"policy": ".yb", "lsp": ".yb", "claim": ".json", "batch": ".jsonl"}[m.target]
    path = folder / (slug + (".txt" if m.via == "api" else suffix))
    if path.exists():
        return None
    if isinstance(m.data, str):
        path.write_text(repr(m.data), encoding="utf-8")  # a Python literal: surrogates survive
    else:
        path.write_bytes(m.data)
    meta = {"target": m.target, "index": m.index, "origin": m.origin, "ops": list(m.ops), "via": m.via,
            "kind": outcome.kind, "error": outcome.error, "message": outcome.message, "frame": outcome.frame,
            "wrapped": outcome.wrapped, "key": list(key)}
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, ensure_ascii=True, indent=2) + "\n",
                                                       encoding="utf-8")
    return path


def cpu_count() -> int:
    return os.cpu_count() or 1
