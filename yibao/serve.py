"""``yibao serve``: the HTTP service (FastAPI, an ASGI app) that settles, explains and reconciles.

``create_app(policies)`` loads and compiles the policies once, at start; each request then reads its
body exactly as a claim file is read (size, UTF-8, depth, repeated keys: ``decode_json``) and is
validated completely before anything is settled. Bad input is 422 with each problem's JSON path and
reason; a failure inside is 500 with a message, never a dropped connection, and the process goes
on serving. A compiled policy keeps no state between settlements, so concurrent requests share it
safely. Settling runs in the thread pool, off the event loop, so a long bill does not hold up
``/health``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from yibao.compiler.claims import MAX_INPUT_BYTES
from yibao.compiler.json_input import decode_json
from yibao.compiler.loader import Policy, load_policy
from yibao.dsl.errors import ClaimError, SettlementError, YibaoError
from yibao.national.areas import Area, AreaError, area_for, load_area
from yibao.national.convert import national_to_claim, settle_national
from yibao.national.reader import decode_visit, issues_of
from yibao.national.reconcile import reconcile_visit

SETTLING_THREADS = 4
_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}}


class _Problem(Exception):
    """A request the service answers with an error status and JSON body."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(str(detail))
        self.status, self.detail = status, detail


def create_app(policies: Sequence[str | Path], *, area: str | Path | None = None) -> FastAPI:
    """The service for ``policies`` (files), each with its pooling area (``area``, or the bundled one)."""
    loaded: dict[str, Policy] = {}
    areas: dict[str, Area | None] = {}
    for path in policies:
        p = load_policy(path)
        loaded[p.id] = p
        try:
            areas[p.id] = load_area(area) if area is not None else area_for(p.id)
        except AreaError:
            areas[p.id] = None  # settles yibao claims; the national endpoints say why they cannot
    app = FastAPI(
        title="yibao",
        version="0.1.0",
        description="Medical-insurance reimbursement policies as code: settle claims (yibao JSON or "
        "the national platform's shapes), explain settlements, reconcile the "
        "platform's figures. Errors: 422 with `detail`, a list of {path, reason}.",
    )

    @app.exception_handler(_Problem)
    def _problem(_: Request, exc: _Problem) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content={"detail": exc.detail})

    @app.exception_handler(Exception)
    def _internal(_: Request, exc: Exception) -> JSONResponse:
        message = " ".join(str(exc).split())[:500]
        return JSONResponse(
            status_code=500, content={"detail": f"internal error: {type(exc).__name__}: {message}"}
        )

    def policy_of(policy_id: str) -> Policy:
        if policy_id not in loaded:
            raise _Problem(
                404,
                [
                    {
                        "path": "policy",
                        "reason": f"no policy {policy_id!r} is loaded; loaded: " + ", ".join(sorted(loaded)),
                    }
                ],
            )
        return loaded[policy_id]

    def area_of(policy_id: str) -> Area:
        a = areas[policy_id]
        if a is None:
            raise _Problem(
                422,
                [
                    {
                        "path": "policy",
                        "reason": f"no pooling-area mapping for {policy_id}: start the service with --area",
                    }
                ],
            )
        return a

    async def body(request: Request, national: bool = False) -> Any:
        data = await request.body()
        try:
            return decode_visit(data, "body") if national else decode_json(data, "body", MAX_INPUT_BYTES)
        except ClaimError as err:
            raise _Problem(422, issues_of(err)) from None

    # A few threads settle at once: settling holds the GIL, and more threads only take turns slower.
    settling = anyio.CapacityLimiter(SETTLING_THREADS)

    async def guarded(run: Any) -> Any:
        """``run()`` in the thread pool (the event loop keeps answering), its errors as 422."""
        try:
            return await anyio.to_thread.run_sync(run, limiter=settling)
        except ClaimError as err:
            raise _Problem(422, issues_of(err)) from None
        except (SettlementError, AreaError) as err:
            raise _Problem(422, [{"path": "$", "reason": str(err)}]) from None
        except YibaoError as err:
            raise _Problem(422, [{"path": "$", "reason": str(err)}]) from None

    @app.get("/health")
    def health() -> dict[str, Any]:
        """The service is up, with the policies it loaded."""
        return {"status": "ok", "policies": sorted(loaded)}

    @app.get("/policies")
    def list_policies() -> list[dict[str, Any]]:
        """Each loaded policy: its id, layers, accumulators and pooling area."""
        return [
            {
                "id": p.id,
                "layers": list(p.layers),
                "accumulators": list(p.accumulators),
                "as_billed": p.as_billed,
                "area": (areas[p.id].code if areas[p.id] else None),
            }
            for p in loaded.values()
        ]

    @app.post("/policies/{policy_id}/settle", openapi_extra=_BODY)
    async def settle(policy_id: str, request: Request, trace: bool = False) -> Any:
        """Settle a yibao claim (docs/claims.md); the settlement JSON, with its trace if asked."""
        p, data = policy_of(policy_id), await body(request)
        return await guarded(lambda: p.settle(data, trace=trace, source="body").to_dict(trace=trace))

    @app.post("/policies/{policy_id}/explain", openapi_extra=_BODY)
    async def explain(policy_id: str, request: Request) -> Any:
        """The traced settlement of a yibao claim: every step, its figures and citation, per layer."""
        p, data = policy_of(policy_id), await body(request)
        return await guarded(lambda: p.settle(data, trace=True, source="body").to_dict(trace=True))

    @app.post("/policies/{policy_id}/letter", openapi_extra=_BODY, response_class=HTMLResponse)
    async def letter(policy_id: str, request: Request, lang: str = "zh") -> Any:
        """The explanation letter for the insured person, as one HTML page (ID masked)."""
        from yibao.compiler.render import render_letter

        if lang not in ("zh", "en"):
            raise _Problem(422, [{"path": "lang", "reason": f"{lang!r} is not one of zh, en"}])
        p, data = policy_of(policy_id), await body(request)
        s = await guarded(lambda: p.settle(data, trace=True, source="body"))
        return HTMLResponse(render_letter(s, lang, "html", policy=p))

    @app.post("/policies/{policy_id}/national/settle", openapi_extra=_BODY)
    async def national_settle(policy_id: str, request: Request) -> Any:
        """Settle a national visit (docs/national.md): setlinfo, setldetail and the closing cuminfo."""
        p = policy_of(policy_id)
        a, data = area_of(policy_id), await body(request, national=True)
        return await guarded(lambda: settle_national(p, a, data, "body"))

    @app.post("/policies/{policy_id}/national/claim", openapi_extra=_BODY)
    async def national_claim(policy_id: str, request: Request) -> Any:
        """A national visit as the yibao claim it becomes (checked against the policy)."""
        p = policy_of(policy_id)
        a, data = area_of(policy_id), await body(request, national=True)
        return await guarded(lambda: national_to_claim(p, a, data, "body"))

    @app.post("/policies/{policy_id}/reconcile", openapi_extra=_BODY)
    async def reconcile(policy_id: str, request: Request) -> Any:
        """Recompute one platform visit (with its setlinfo / setldetail) and compare it to the fen."""
        p = policy_of(policy_id)
        a, data = area_of(policy_id), await body(request, national=True)
        result = await guarded(lambda: reconcile_visit(p, a, data, "body"))
        if result.status == "rejected":
            raise _Problem(422, result.to_dict()["issues"])
        return result.to_dict()

    return app
