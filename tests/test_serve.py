"""`yibao serve` over real HTTP on 127.0.0.1: uvicorn in a thread on a free port, httpx as the client."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from yibao.serve import create_app

CLAIM = Path("policies/jiujiang/claims/level2_local.json")
VISIT = Path("tests/national/visits/refund_and_split.json")
JJ = "jiujiang.resident_inpatient"
PLATFORM = "jiujiang.platform_inpatient"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url():
    app = create_app(
        ["policies/jiujiang/resident_inpatient.yb", "tests/national/platform_inpatient.yb"],
        area="tests/national/test_area.toml",
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_health_openapi_and_policies(base_url):
    assert httpx.get(f"{base_url}/health").json() == {"status": "ok", "policies": [PLATFORM, JJ]}
    spec = httpx.get(f"{base_url}/openapi.json").json()
    assert "/policies/{policy_id}/national/settle" in spec["paths"]
    assert {p["id"]: p["as_billed"] for p in httpx.get(f"{base_url}/policies").json()} == {
        JJ: False,
        PLATFORM: True,
    }


def test_settle_explain_and_letter(base_url):
    body = CLAIM.read_bytes()
    s = httpx.post(f"{base_url}/policies/{JJ}/settle", content=body).json()
    assert s["payers"] == {"basic": "6880.00"} and "trace" not in s
    t = httpx.post(f"{base_url}/policies/{JJ}/explain", content=body).json()
    assert t["trace"][-1]["rule"] == "person" and t["layers"]["basic"]["paid"] == "6880.00"
    page = httpx.post(f"{base_url}/policies/{JJ}/letter?lang=en", content=body)
    assert page.headers["content-type"].startswith("text/html") and "6,880.00" in page.text


def test_national_settle_claim_and_reconcile(base_url):
    shapes = httpx.post(f"{base_url}/policies/{PLATFORM}/national/settle", content=VISIT.read_bytes()).json()
    assert shapes["setlinfo"]["hifp_pay"] == "29493.34"
    claim = httpx.post(f"{base_url}/policies/{PLATFORM}/national/claim", content=VISIT.read_bytes()).json()
    assert claim["lines"][2]["amount"] == "74.08"
    visit = {
        **json.loads(VISIT.read_text(encoding="utf-8")),
        **{k: shapes[k] for k in ("setlinfo", "setldetail")},
    }
    ok = httpx.post(f"{base_url}/policies/{PLATFORM}/reconcile", content=json.dumps(visit)).json()
    assert ok["status"] == "matched"
    visit["setlinfo"] = {
        **visit["setlinfo"],
        "hifp_pay": "29000.00",
        "fund_pay_sumamt": "29000.00",
        "psn_part_amt": "17774.08",
    }
    differs = httpx.post(f"{base_url}/policies/{PLATFORM}/reconcile", content=json.dumps(visit)).json()
    assert differs["status"] == "differs" and differs["fields"]["hifp_pay"]["difference"] == "493.34"


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        (f"/policies/{JJ}/settle", b'{"id": "x"', "$"),
        (f"/policies/{JJ}/settle", b"\xff\xfe", "$"),
        (f"/policies/{JJ}/settle", json.dumps({"id": "x", "date": "2024-13-01"}).encode(), "date"),
        (
            f"/policies/{JJ}/settle",
            CLAIM.read_bytes().replace(b'"amount": "1200.00"', b'"amount": 12.5'),
            "lines[0].amount",
        ),
        (
            f"/policies/{PLATFORM}/national/settle",
            VISIT.read_bytes().replace(b'"pric": "12.345650"', b'"pric": "x"', 1),
            "feedetail[2].pric",
        ),
        ("/policies/nope/settle", b"{}", "policy"),
    ],
)
def test_bad_input_is_a_json_path_and_reason(base_url, path, body, where):
    r = httpx.post(base_url + path, content=body)
    assert r.status_code == (404 if "nope" in path else 422)
    assert where in [d["path"] for d in r.json()["detail"]]


def test_64_concurrent_clients_all_get_their_own_settlement(base_url):
    claim = json.loads(CLAIM.read_text(encoding="utf-8"))

    def one(i: int) -> tuple[int, str, str]:
        body = {**claim, "id": f"C{i}", "lines": [{**claim["lines"][0], "amount": f"{1000 + i}.00"}]}
        r = post(f"{base_url}/policies/{JJ}/settle", json=body)
        return r.status_code, r.json()["claim"], r.json()["payers"]["basic"]

    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(64) as pool:
        post = client.post
        results = list(pool.map(one, range(256)))
    assert all(code == 200 for code, _, _ in results)
    # (1000 + i − 400) × 80% for claim i: no answer crossed to another request
    assert all(
        cid == f"C{i}" and paid == f"{(600 + i) * 8 // 10}.{(600 + i) * 8 % 10}0"
        for i, (_, cid, paid) in enumerate(results)
    )
    assert httpx.get(f"{base_url}/health").status_code == 200
