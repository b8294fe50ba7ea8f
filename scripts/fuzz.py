"""Fuzz yibao: mutate the bundled policies or claims and run each mutant the way a user would.

    .venv/bin/python scripts/fuzz.py --target policy -n 5000 --seed 1 --jobs 1 --save /tmp/fuzz
    .venv/bin/python scripts/fuzz.py --target claim -n 2000 --save /tmp/fuzz
    .venv/bin/python scripts/fuzz.py --target batch -n 2000 --save /tmp/fuzz

``batch``: files of a few claims (some mutated) through ``yibao batch``, where the columnar engine
must settle or refuse what the scalar one does; ``parquet``: those files as Parquet with broken
bytes, which every reader must refuse cleanly; ``national``: visits in the platform's shapes
through ``yibao reconcile`` and the national settle; ``lsp``: policy mutants typed into ``yibao
lsp`` over stdio (one server per worker), hover, completion, definition, references, symbols and
formatting asked at positions in and past their lines.

Prints how many mutants were tried, accepted, rejected with a position, rejected without
one, crashed and hung; one line per distinct crash (exception type, file, line of the
crashing frame), whose first mutant is saved under --save. Exits 1 if anything crashed,
hung or was rejected without a position. The mutation logic lives in ``yibao.fuzzing``.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import sys
import time
from collections import Counter
from multiprocessing.connection import Connection, wait
from pathlib import Path

from yibao.fuzzing import (
    KINDS,
    TARGETS,
    Corpus,
    Outcome,
    Runner,
    cpu_count,
    hang_key,
    load_corpus,
    make_mutant,
    save_mutant,
)

GRACE = 5.0  # seconds past --timeout before a worker stuck where the alarm cannot reach is killed


def _worker(conn: Connection, corpus: Corpus, target: str, seed: int, timeout: float, render: bool) -> None:
    """Make and run the mutants whose numbers arrive on ``conn``; answer with their outcomes."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    with Runner(corpus, timeout=timeout, render=render) as runner:
        while True:
            index = conn.recv()
            if index is None:
                return
            mutant = make_mutant(target, seed, index, corpus)
            conn.send(runner.run(mutant))


class Pool:
    """Worker processes, each with its own pipe, so a hung one can be killed and replaced."""

    def __init__(self, jobs: int, corpus: Corpus, target: str, seed: int, timeout: float,
                 render: bool) -> None:
        self.args = (corpus, target, seed, timeout, render)
        self.ctx = mp.get_context("fork")
        self.workers: dict[Connection, mp.process.BaseProcess] = {}
        for _ in range(jobs):
            self._spawn()

    def _spawn(self) -> Connection:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(child, *self.args), daemon=True)
        proc.start()
        child.close()
        self.workers[parent] = proc
        return parent

    def replace(self, conn: Connection) -> Connection:
        proc = self.workers.pop(conn)
        proc.kill()
        proc.join(5)
        conn.close()
        return self._spawn()

    def close(self) -> None:
        for conn, proc in self.workers.items():
            with contextlib.suppress(OSError):
                conn.send(None)
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def run(target: str, count: int, seed: int, jobs: int, timeout: float, save: Path | None, render: bool,
        start: int = 0, progress: bool = False) -> tuple[Counter[str], dict[tuple, list[Outcome]], float]:
    """Run mutants ``start … start+count-1``; the outcome counts, crashes by key, and the seconds taken."""
    corpus = load_corpus()
    pool = Pool(jobs, corpus, target, seed, timeout, render)
    counts: Counter[str] = Counter()
    groups: dict[tuple, list[Outcome]] = {}
    pending = list(range(start + count - 1, start - 1, -1))
    busy: dict[Connection, tuple[int, float]] = {}
    began = time.perf_counter()
    last = began

    def record(outcome: Outcome) -> None:
        counts[outcome.kind] += 1
        if outcome.wrapped:
            counts["settle-wrapped"] += 1
        if outcome.mutant is None:
            return
        key = outcome.key or (outcome.error, outcome.kind, 0)
        group = groups.setdefault((outcome.kind, *key), [])
        group.append(outcome)
        if save is not None and len(group) == 1:
            save_mutant(outcome, save / target)

    try:
        while pending or busy:
            for conn in list(pool.workers):
                if conn not in busy and pending:
                    index = pending.pop()
                    conn.send(index)
                    busy[conn] = (index, time.perf_counter())
            for conn in wait(list(busy), timeout=0.5):
                try:
                    outcome = conn.recv()
                except EOFError:  # the worker died (out of memory, a segfault): a crash of its own kind
                    index, _ = busy.pop(conn)
                    mutant = make_mutant(target, seed, index, corpus)
                    code = pool.workers[conn].exitcode
                    record(Outcome("crashed", index, "WorkerDied", f"exit code {code}", "?",
                                   ("WorkerDied", str(code), 0), mutant=mutant))
                    pool.replace(conn)
                    continue
                busy.pop(conn)
                record(outcome)
            now = time.perf_counter()
            for conn, (index, since) in list(busy.items()):
                if now - since > timeout + GRACE:
                    busy.pop(conn)
                    mutant = make_mutant(target, seed, index, corpus)
                    record(Outcome("hung", index, "Hung", f"killed after {now - since:.0f} s", "?",
                                   hang_key(mutant), seconds=now - since, mutant=mutant))
                    pool.replace(conn)
            if progress and now - last > 10:
                last = now
                done = sum(counts[k] for k in KINDS)
                print(f"  … {done}/{count} in {now - began:.0f} s ({done / (now - began):.1f}/s) "
                      + " ".join(f"{k}={counts[k]}" for k in KINDS), file=sys.stderr, flush=True)
    finally:
        pool.close()
    return counts, groups, time.perf_counter() - began


def report(target: str, counts: Counter[str], groups: dict[tuple, list[Outcome]], seconds: float,
           save: Path | None) -> str:
    tried = sum(counts[k] for k in KINDS)
    rows = [("tried", tried), ("accepted", counts["accepted"]),
            ("rejected with position", counts["rejected"]),
            ("rejected without position", counts["unpositioned"]), ("crashed", counts["crashed"]),
            ("hung", counts["hung"])]
    rate = tried / max(seconds, 1e-9)
    out = [f"target {target}: {tried} mutants in {seconds:.1f} s ({rate:.1f} mutants/s)"]
    out += [f"  {name:<28}{n:>8}" for name, n in rows]
    if counts["settle-wrapped"]:
        out.append(f"  {'(settlement errors wrapping an internal exception)':<28} {counts['settle-wrapped']}")
    if groups:
        out.append("\ndistinct problems (kind, exception, file:line of the crashing frame) × count, "
                   "shortest mutant:")
        for key, outcomes in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
            first = min(outcomes, key=lambda o: len(o.mutant.data) if o.mutant else 0)
            kind, error, file, line = key
            m = first.mutant
            assert m is not None
            out.append(f"  {kind:<12} {error} at {file}:{line} × {len(outcomes)}")
            out.append(f"      {first.message.splitlines()[0][:150] if first.message else ''}")
            out.append(f"      mutant #{m.index} of {m.origin} ({m.via}, {len(m.data)} long): "
                       f"{', '.join(m.ops)[:150]}")
    if save is not None and groups:
        out.append(f"\nfirst mutant of each saved under {save / target}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=TARGETS, default="policy")
    parser.add_argument("-n", "--count", type=int, default=1000, help="how many mutants (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed makes the same mutants")
    parser.add_argument("--start", type=int, default=0, help="number of the first mutant (to re-run one)")
    parser.add_argument("--jobs", type=int, default=cpu_count(), help="worker processes (default: all cores)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds a mutant may take (default 5)")
    parser.add_argument("--save", type=Path, help="save the first mutant of each distinct crash here")
    parser.add_argument("--render", action="store_true", help="also render accepted policies as documents")
    parser.add_argument("--progress", action="store_true", help="a progress line on stderr every 10 s")
    args = parser.parse_args(argv)
    counts, groups, seconds = run(args.target, args.count, args.seed, max(1, args.jobs), args.timeout,
                                  args.save, args.render, args.start, args.progress)
    print(report(args.target, counts, groups, seconds, args.save))
    return 1 if counts["crashed"] or counts["hung"] or counts["unpositioned"] else 0


if __name__ == "__main__":
    sys.exit(main())
