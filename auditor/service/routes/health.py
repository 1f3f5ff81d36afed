"""Unauthenticated operations routes: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from auditor.store import jobs as store_jobs
from auditor.store import migrate

from ..context import context
from ..problems import PROBLEM_MEDIA_TYPE
from ..schemas import Ready

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=Ready, summary="Database reachable, migrations current, a worker heartbeating",
            responses={503: {"model": Ready, "description": "not ready; checks say why"}})
def readyz(request: Request) -> JSONResponse:
    ctx = context(request)
    checks: dict[str, str] = {}
    try:
        with ctx.db.read() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported as such
        checks["database"] = f"unreachable: {type(exc).__name__}"
    if checks["database"] == "ok":
        try:
            current, head = migrate.current_revision(ctx.db), migrate.head_revision(ctx.db)
            checks["migrations"] = ("ok" if current == head
                                    else f"at {current}, head is {head} (run `auditor db upgrade`)")
        except Exception as exc:  # noqa: BLE001
            checks["migrations"] = f"unknown: {type(exc).__name__}"
        try:
            n = store_jobs.fresh_workers(ctx.db, ctx.worker_fresh_s)
            checks["workers"] = "ok" if n else f"no worker heartbeat in the last {ctx.worker_fresh_s:g} s"
        except Exception as exc:  # noqa: BLE001
            checks["workers"] = f"unknown: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    body = Ready(status="ready" if ready else "not ready", checks=checks).model_dump()
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
def metrics(request: Request) -> Response:
    return Response(generate_latest(context(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


__all__ = ["router", "PROBLEM_MEDIA_TYPE"]
