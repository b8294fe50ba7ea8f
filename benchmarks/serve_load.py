"""Load on ``yibao serve``: requests/s and p50/p99 latency at 1, 8 and 64 concurrent clients.

Starts ``yibao serve`` (uvicorn, one process) in a subprocess on a free port of 127.0.0.1, then for
each concurrency sends ``-n`` requests from that many clients at once (httpx, one connection pool;
each client sends its next request when the last one is answered) and reports what it measured.
Every answer must be 200 with the expected figures; any other answer is counted as an error.

    .venv/bin/python benchmarks/serve_load.py                 # 2,000 requests per level, settle endpoint
    .venv/bin/python benchmarks/serve_load.py --endpoint national -n 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = {  # name → (policy id, path, body file, a check on the answer)
    "settle": (
        "jiujiang.resident_inpatient",
        "settle",
        ROOT / "policies/jiujiang/claims/level2_local.json",
        lambda a: a["payers"]["basic"] == "6880.00",
    ),
    "national": (
        "jiujiang.platform_inpatient",
        "national/settle",
        ROOT / "tests/national/visits/refund_and_split.json",
        lambda a: a["setlinfo"]["hifp_pay"] == "29493.34",
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _level(url: str, body: bytes, check, clients: int, n: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    left = n
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:

        async def client() -> None:
            nonlocal left, errors
            while left > 0:
                left -= 1
                t = time.perf_counter()
                try:
                    r = await http.post(url, content=body, headers={"content-type": "application/json"})
                    ok = r.status_code == 200 and check(r.json())
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t)
                errors += not ok

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        took = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / took,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="requests per concurrency level (2000)")
    ap.add_argument("--endpoint", choices=sorted(ENDPOINTS), default="settle")
    ap.add_argument("--levels", default="1,8,64")
    args = ap.parse_args()
    policy_id, path, body_file, check = ENDPOINTS[args.endpoint]
    port = _free_port()
    exe = Path(sys.executable).with_name("yibao")
    server = subprocess.Popen(
        [
            str(exe),
            "serve",
            "policies/jiujiang/resident_inpatient.yb",
            "tests/national/platform_inpatient.yb",
            "--area",
            "tests/national/test_area.toml",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.1)
        body = body_file.read_bytes()
        url = f"{base}/policies/{policy_id}/{path}"
        print(f"endpoint POST /policies/{policy_id}/{path}, {args.n} requests per level")
        print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        failed = False
        for clients in (int(c) for c in args.levels.split(",")):
            r = asyncio.run(_level(url, body, check, clients, args.n))
            failed |= r["errors"] > 0
            print(
                f"{r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} "
                f"{r['p99_ms']:>8.1f}"
            )
        print(json.dumps({"server_alive": server.poll() is None}))
        return 1 if failed else 0
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
