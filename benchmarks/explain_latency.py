"""How fast the explainer opens a large claim and moves between steps.

Builds a 200-line Jiujiang inpatient claim by hand, then measures with Textual's Pilot
(headless, so the figures leave out the terminal's own drawing time):

* load: read the claim, settle it with its trace and build the explanation;
* start: from ``App.run_test`` to the first frame of the explanation screen;
* step: from an ``n`` (or ``p``) key press to the first frame that shows the new step, and to
  the last frame it causes (scroll positions settled); and the CPU time the step costs.

Frames are timed where Textual hands them to the (headless) driver; Pilot's own waits, which
poll for idleness in 20 ms sleeps, are not counted in the frame times.

Targets (issue 4): opening under a second, a step under 50 ms.

    .venv/bin/python benchmarks/explain_latency.py [--lines 200] [--steps 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from yibao.sampling import long_claim

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "jiujiang" / "resident_inpatient.yb"


def big_claim(lines: int) -> dict:
    """A claim with many bill lines and long Chinese names (yibao.sampling.long_claim)."""
    return long_claim(lines, f"BENCH-{lines}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


class FrameClock:
    """Times the frames the app sends to its driver (``App._display``: Textual's one exit)."""

    def __init__(self, app: object) -> None:
        self.frames: list[float] = []
        display = app._display  # type: ignore[attr-defined]

        def timed(screen: object, renderable: object) -> None:
            if renderable is not None:
                self.frames.append(time.perf_counter())
            display(screen, renderable)

        app._display = timed  # type: ignore[attr-defined]


async def measure(claim_path: Path, steps: int, size: tuple[int, int]) -> dict[str, object]:
    from yibao.compiler.loader import load_policy
    from yibao.tui.app import ExplainApp, ExplainScreen
    from yibao.tui.explanation import load_explanation

    t0 = time.perf_counter()
    policy = load_policy(POLICY)  # reported apart: compiling the policy is not opening a claim
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    explanation = load_explanation(policy, claim_path)
    t_load = time.perf_counter() - t0

    app = ExplainApp(explanation)
    clock = FrameClock(app)
    t0 = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        while not isinstance(app.screen, ExplainScreen):
            await pilot.pause()
        shown = time.perf_counter()
        await pilot.pause()
        t_start = min(f for f in clock.frames if f >= shown) - t0
        screen = app.screen
        assert isinstance(screen, ExplainScreen)

        async def step(*keys: str) -> tuple[float, float, float]:
            """(first frame, last frame, CPU) of one key press, in seconds."""
            await pilot.pause()
            clock.frames.clear()
            c0, t = time.process_time(), time.perf_counter()
            await pilot.press(*keys)
            await pilot.pause()
            cpu = time.process_time() - c0
            return clock.frames[0] - t, clock.frames[-1] - t, cpu

        before = screen.current
        forward = [await step("n") for _ in range(min(steps, len(explanation.steps) - 1))]
        assert screen.current == before + len(forward)
        back = [await step("p") for _ in range(min(steps, screen.current))]
        table = screen.query_one("LinesTable")
        jumps = []
        for line in (150, 10, 199, 0):
            screen.go(len(explanation.steps) - 1)
            await pilot.pause()
            table.move_cursor(row=line, animate=False)
            table.focus()
            jumps.append(await step("enter"))
            assert screen.current == explanation.first_step_of_line(line)
        lang = await step("l")
    return {"steps": len(explanation.steps), "compile": t_compile, "load": t_load, "start": t_start,
            "keys": forward + back, "jumps": jumps, "lang": lang}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--size", default="120x40", help="terminal size, WxH")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "claim.json"
        path.write_text(json.dumps(big_claim(args.lines), ensure_ascii=False), encoding="utf-8")
        r = asyncio.run(measure(path, args.steps, (width, height)))
    keys: list[tuple[float, float, float]] = r["keys"]  # type: ignore[assignment]
    opened = r["load"] + r["start"]  # type: ignore[operator]

    def dist(values: list[float]) -> str:
        values = sorted(values)
        p95 = values[max(int(len(values) * 0.95) - 1, 0)]
        return f"median {ms(statistics.median(values))}  p95 {ms(p95)}  max {ms(values[-1])}"

    print(f"claim: {args.lines} lines, {r['steps']} trace steps; terminal {width}×{height} (headless)")
    print(f"compile the policy (once per run)            {ms(r['compile'])}")  # type: ignore[arg-type]
    print(f"load (read, settle with trace, explanation)  {ms(r['load'])}")  # type: ignore[arg-type]
    print(f"app start to first screen                    {ms(r['start'])}")  # type: ignore[arg-type]
    print(f"opening in all                               {ms(opened)}   (target < 1000 ms)")
    print(f"step keys n/p, {len(keys)} presses (target < 50 ms):")
    print(f"  key to first frame     {dist([k[0] for k in keys])}")
    print(f"  key to last frame      {dist([k[1] for k in keys])}")
    print(f"  CPU per step           {dist([k[2] for k in keys])}")
    jumps: list[tuple[float, float, float]] = r["jumps"]  # type: ignore[assignment]
    lang: tuple[float, float, float] = r["lang"]  # type: ignore[assignment]
    print(f"line → its first step    last frame max {ms(max(j[1] for j in jumps))}")
    print(f"switch language (l)      last frame {ms(lang[1])}")
    ok = opened < 1.0 and statistics.median(k[1] for k in keys) < 0.05
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
