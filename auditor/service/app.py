"""The FastAPI application factory: routers, problem handlers, limits, and the embedded runner.

``create_app(db, ...)`` builds an app over an open :class:`~auditor.store.engine.Database`. When
``workers`` > 0 an :class:`~auditor.jobs.runner.EmbeddedRunner` starts with the app (lifespan)
and drains when it stops (uvicorn calls the lifespan shutdown on SIGTERM). A deployment with its
own job engine passes ``workers=0`` and its ``queue``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from auditor import __version__
from auditor.config import Settings
from auditor.jobs import EmbeddedQueue, JobQueue
from auditor.jobs.runner import EmbeddedRunner
from auditor.jobs.settings import JobSettings
from auditor.store.engine import Database
from auditor.store.tokens import LOCAL_TENANT, ensure_tenant
from auditor.web import install as install_web

from . import problems
from .context import ServiceContext
from .limits import BodyLimit, TimeLimit
from .metrics import Metrics
from .routes import audits, docs, health, watches
from .schemas import Problem
from .settings import ServiceSettings

DESCRIPTION = ("Audits the reference lists of scientific documents against PubMed and Crossref. Submit a "
               "document, poll its status, fetch the report (JSON, HTML, SARIF or text). Every error is "
               "application/problem+json (RFC 9457).")


def create_app(db: Database, settings: ServiceSettings | None = None, *, workers: int = 1,
               audit_settings: Settings | None = None, job_settings: JobSettings | None = None,
               queue: JobQueue | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    job_settings = job_settings or JobSettings()
    metrics = Metrics(db)
    embedded = EmbeddedQueue()
    runner = EmbeddedRunner(db, workers, audit_settings or Settings.load(), job_settings, metrics) \
        if workers > 0 else None
    if runner is not None:
        embedded.attach(runner)
    ctx = ServiceContext(db=db, settings=settings, queue=queue or embedded, metrics=metrics,
                         runs_jobs=runner is not None)
    if not settings.auth:
        ctx.local_principal = ensure_tenant(db, LOCAL_TENANT)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if runner is not None:
            await runner.start()
        try:
            yield
        finally:
            if runner is not None:
                await runner.stop()

    app = FastAPI(title="reference-auditor", version=__version__, description=DESCRIPTION, docs_url=None,
                  redoc_url=None, lifespan=lifespan)
    app.state.ctx = ctx
    app.state.runner = runner
    problems.install(app)
    app.include_router(audits.router)
    app.include_router(watches.router)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(TimeLimit, seconds=settings.request_timeout_s)
    install_web(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema(
                ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
