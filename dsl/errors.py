"""Errors for people: ``file:line:col``, the source line with a caret, a hint.

Checks collect every diagnostic of a file before raising one ``PolicyError``,
so an author fixes a file in one pass rather than one error at a time.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only an annotation here: `yibao --version` need not import the syntax tree
    from .ast import Span

from .codes import Code
from .phrase import P, Phrase


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem at one place. Its ``code`` (from ``codes.py``) comes first and is required:
    no diagnostic exists without a documented code, and the code decides the severity."""

    code: Code
    span: Span
    message: str  # in English; give a ``Phrase`` (``phrase.P``) and it is kept for every language
    hint: str | None = None
    phrase: Phrase | None = None  # the message as its template and arguments
    hint_phrase: Phrase | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, Code):
            raise TypeError(f"a diagnostic needs a Code from yibao.dsl.codes, not {self.code!r}")
        if isinstance(self.message, Phrase):
            object.__setattr__(self, "phrase", self.message)
            object.__setattr__(self, "message", self.message.en())
        if isinstance(self.hint, Phrase):
            object.__setattr__(self, "hint_phrase", self.hint)
            object.__setattr__(self, "hint", self.hint.en())

    @property
    def severity(self) -> str:
        """``error`` or ``warning``, as the code's registry entry says."""
        return self.code.severity

    def to_dict(self, lang: str = "en") -> dict[str, object]:
        """The diagnostic for machines (``yibao check --format json``): ``message`` and ``hint``
        stay English (tools match on them); in zh, ``message_zh`` and ``hint_zh`` are added."""
        s = self.span
        out: dict[str, object] = {
            "code": self.code.id, "severity": self.severity, "file": s.file, "line": s.line,
            "column": s.column, "end_line": s.end_line, "end_column": s.end_column,
            "message": self.message, "hint": self.hint}
        if lang == "zh":
            out["message_zh"], out["hint_zh"] = self.text(lang)
        return out

    def text(self, lang: str = "en") -> tuple[str, str | None]:
        """(message, hint) in ``lang``: each phrase through its own entry of the catalogue
        (``diagnostics_zh``), names as typed; a message given as plain text stays as written."""
        if lang != "zh":
            return self.message, self.hint
        message = self.phrase.zh() if self.phrase is not None else self.message
        hint = self.hint_phrase.zh() if self.hint_phrase is not None else self.hint
        return message, hint

    def format(self, text: str | None, lang: str = "en") -> str:
        """Render as ``file:line:col: error[Y0301]: …`` with the line and a caret; the labels, the
        code and the caret layout are the same in every language, the message and hint follow it."""
        message, hint = self.text(lang)
        out = [f"{self.span}: {self.severity}[{self.code.id}]: {message}"]
        if text is not None:
            lines = _lines(text)
            if 1 <= self.span.line <= len(lines):
                line = lines[self.span.line - 1].replace("\t", "→")  # a tab shown, one for one
                start = min(max(self.span.column - 1, 0), len(line))
                if self.span.end_line == self.span.line and self.span.end_column > self.span.column:
                    stop = self.span.end_column - 1
                else:  # a block: underline the rest of its first line
                    stop = start + len(line[start:].split("#")[0].rstrip())
                lo, hi = 0, len(line)
                if len(line) > _LONG_LINE:  # show a window round the caret, so output stays linear
                    stop = min(stop, start + _LONG_LINE // 2)
                    lo, hi = max(0, start - _CONTEXT), min(len(line), stop + _CONTEXT)
                before = ("…" if lo else "") + printable(line[lo:start])
                marked = printable(line[start:stop])
                after = printable(line[stop:hi]) + ("…" if hi < len(line) else "")
                gutter = f"{self.span.line:>4} | "
                out.append(gutter + before + marked + after)
                carets = "^" * max(display_width(marked), 1)
                out.append(" " * len(gutter) + " " * display_width(before) + carets)
        if hint:
            out.append(f"     = hint: {hint}")
        return printable("\n".join(out))  # the message and the path may hold what the line did


# Source lines longer than this are shown as a window of _CONTEXT characters either side of the span.
_LONG_LINE = 200
_CONTEXT = 40


@lru_cache(maxsize=8)
def _lines(text: str) -> list[str]:
    """A file's lines, split once however many diagnostics it has."""
    return text.splitlines()


_UNPRINTABLE = re.compile("[\x00\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` safe to write to any UTF-8 terminal, one character for one: ␀ for NUL, � for a lone
    surrogate (which would otherwise raise ``UnicodeEncodeError`` when printed)."""
    return _UNPRINTABLE.sub(lambda m: "\u2400" if m.group() == "\x00" else "\ufffd", text)


def display_width(text: str) -> int:
    """Terminal cells taken by ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class YibaoError(Exception):
    """Base of every error yibao reports to a person (never a traceback)."""


class PolicyError(YibaoError):
    """One or more diagnostics in a policy file."""

    def __init__(self, diagnostics: Iterable[Diagnostic],
                 text: str | Mapping[str, str] | None = None) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=_order))
        # A reform's diagnostics can sit in its base's file: keep every file's text.
        self.texts: Mapping[str, str] = text if isinstance(text, Mapping) else {}
        self.text = text if isinstance(text, str) else None
        super().__init__(self.format())

    def source_of(self, d: Diagnostic) -> str | None:
        return self.texts.get(d.span.file, self.text) if self.texts else self.text

    def format(self, lang: str = "en") -> str:
        """Every diagnostic with its source line, then the count, in ``lang``."""
        parts = [d.format(self.source_of(d), lang) for d in self.diagnostics]
        errors = sum(1 for d in self.diagnostics if d.severity == "error")
        warnings = len(self.diagnostics) - errors
        if lang == "zh":
            from .diagnostics_zh import summary

            return "\n\n".join(parts) + "\n" + summary(errors, warnings)
        also = f" and {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
        parts.append(f"{errors} error{'s' if errors != 1 else ''}{also} found")
        return "\n\n".join(parts[:-1]) + "\n" + parts[-1]


class ReadError(PolicyError):
    """A policy file that cannot be read (missing, a folder, not UTF-8…); ``reason`` says why."""

    def __init__(self, diagnostics: Iterable[Diagnostic], text: str | None = None, *, reason: str) -> None:
        self.reason = reason
        super().__init__(diagnostics, text)


def _order(d: Diagnostic) -> tuple[bool, str, int, int]:
    """Errors first, then warnings, each in file order: a warning never stands before the error
    that stops the policy."""
    return (d.severity != "error", d.span.file, d.span.line, d.span.column)


@dataclass(frozen=True, slots=True)
class ClaimIssue:
    """One problem in a claim, at a JSON path such as ``lines[2].amount``."""

    path: str
    message: str  # in English; given as a ``Phrase`` (``phrase.P``), which is kept for every language
    row: int | None = None  # in a batch of claims: the claim's row (its path then starts ``row N:``)
    phrase: Phrase | None = None  # the message as its template and arguments

    def __post_init__(self) -> None:
        if isinstance(self.message, Phrase):
            object.__setattr__(self, "phrase", self.message)
            object.__setattr__(self, "message", self.message.en())

    def text(self, lang: str = "en") -> str:
        """The message in ``lang``: its phrase's entry in the catalogue (``claims_zh``)."""
        if lang == "zh" and self.phrase is not None:
            return self.phrase.zh()
        return self.message

    def at(self, path: str, row: int | None = None) -> ClaimIssue:
        """The same issue at another path (a claim's issue within a batch or a file), its phrase kept."""
        return ClaimIssue(path, self.phrase or self.message, self.row if row is None else row)

    def format(self) -> str:
        return f"{self.path}: {self.message}"


class ClaimError(YibaoError):
    """A claim that cannot be settled; nothing is settled."""

    def __init__(self, issues: Iterable[ClaimIssue], source: str | None = None, what: str = "claim") -> None:
        self.issues = tuple(issues)
        self.source = source
        self.what = what  # "claim", "record" or "claims": what was rejected
        head = f"{source}: " if source else ""
        body = "\n".join(f"  {i.format()}" for i in self.issues)
        super().__init__(f"{head}{what} rejected\n{body}")


class SettlementError(YibaoError):
    """A failure while settling, reported at the policy line that caused it.

    Its message is a phrase (``failed``: the policy line, the claim and the reason, itself a
    phrase), so it is told in each language from ``claims_zh``; it is the exception's one argument,
    so it survives pickling (the Dask path)."""

    claim: str | None = None  # the claim it failed on, where ``failed`` made it

    def __init__(self, message: str | Phrase) -> None:
        super().__init__(message)
        self.phrase = message if isinstance(message, Phrase) else None

    def __str__(self) -> str:
        return self.phrase.en() if self.phrase is not None else str(self.args[0])

    def text(self, lang: str = "en") -> str:
        return self.phrase.zh() if lang == "zh" and self.phrase is not None else str(self)

    @classmethod
    def failed(cls, where: str, what: str, claim: str, reason: object,
               line_text: str = "") -> SettlementError:
        """``where: error while settling claim X: reason`` and the policy line's text below it."""
        text = f"\n  {line_text}" if line_text else ""
        if what == "record":
            err = cls(P("{where}: error while settling record {id}: {reason}{text}",
                        where=where, id=claim, reason=reason, text=text))
        else:
            err = cls(P("{where}: error while settling claim {id}: {reason}{text}",
                        where=where, id=claim, reason=reason, text=text))
        err.claim = claim
        return err

    @classmethod
    def reason_of(cls, err: BaseException) -> object:
        """What ``err``, raised by a policy's code, says went wrong: a phrase where it has one."""
        if isinstance(err, ZeroDivisionError):
            return DIVISION_BY_ZERO
        return err.phrase if isinstance(err, SettlementError) and err.phrase is not None else str(err)

    @classmethod
    def rate_outside(cls, rate: int) -> SettlementError:
        """A computed rate (in 1/10,000 of a percent) outside 0%..100%."""
        return cls(P("a rate outside 0%..100%: {rate}", rate=f"{rate / 10000}%"))

    @classmethod
    def no_row(cls, param: str, line: int) -> SettlementError:
        return cls(P("no table row of `{param}` (line {line}) matches this claim", param=param, line=line))

    @classmethod
    def overpaid(cls, layer: str, pay: int, unpaid: int, first: bool) -> SettlementError:
        """A `given` layer's figure more than the claim leaves it (``first``: it is the first layer)."""
        if first:
            return cls(P("`{layer}` paid {pay} (paid.{layer} in the claim), more than the {unpaid} of the "
                         "claim's total", layer=layer, pay=_yuan(pay), unpaid=_yuan(unpaid)))
        return cls(P("`{layer}` paid {pay} (paid.{layer} in the claim), more than the {unpaid} left unpaid "
                     "after the earlier layers", layer=layer, pay=_yuan(pay), unpaid=_yuan(unpaid)))

    @classmethod
    def after_failed(cls, claim: object) -> Phrase:
        """Why a later claim of the person's year is not settled (the earlier ``claim`` failed)."""
        return P("not settled: the person's earlier claim {id} of the same year could not be settled",
                 id=claim)


class ClaimsUnsettled(SettlementError):
    """The claims of a batch that could not be settled, each at its input row with its own
    failure (a claim after a failed one in its person's year is not listed: it was never reached),
    all collected before anything is reported; nothing is written."""

    def __init__(self, failures: Iterable[tuple[int, SettlementError]], source: str | None = None,
                 dropped: int = 0) -> None:
        self.failures = tuple(failures)
        self.source, self.dropped = source, dropped
        Exception.__init__(self, self.failures, source, dropped)  # pickles as it was made
        self.phrase = None

    def __str__(self) -> str:
        return self.text("en")

    def text(self, lang: str = "en") -> str:
        n = len(self.failures) + self.dropped
        head = (P("{n} claim could not be settled", n=n) if n == 1
                else P("{n} claims could not be settled", n=n))
        sep = "：" if lang == "zh" else ": "
        out = [f"{self.source}{sep}" if self.source else ""]
        out[0] += head.zh() if lang == "zh" else head.en()
        for row, err in self.failures:
            out.append(f"  row {row}{sep}" + err.text(lang).replace("\n", "\n    "))
        if self.dropped:
            more = (P("{n} more issue not shown", n=1) if self.dropped == 1
                    else P("{n} more issues not shown", n=self.dropped))
            out.append("  " + (more.zh() if lang == "zh" else more.en()))
        return "\n".join(out)


DIVISION_BY_ZERO = P("division by zero")  # the reason when a divisor is 0 for a claim


def _yuan(fen: int) -> str:
    return "{:,}.{:02d}".format(*divmod(int(fen), 100))


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A ``did you mean …`` hint for a misspelt name, or None."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return P("did you mean `{name}`?", name=matches[0]) if matches else None
