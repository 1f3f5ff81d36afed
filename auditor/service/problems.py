"""Every error as ``application/problem+json`` (RFC 9457), including FastAPI's own 404/405/422.

Raise :class:`ProblemError` from routes; the handlers below turn it, Starlette's HTTPException,
request validation errors and anything unexpected (500, logged, no internals shown) into problem
documents with ``type``, ``title``, ``status`` and ``detail``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from auditor.jobs.execute import PROBLEM_BASE  # one base URI for API and job problems

log = logging.getLogger("auditor.service")

PROBLEM_MEDIA_TYPE = "application/problem+json"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ProblemError(HTTPException):
    """An HTTP error with a problem type (a slug under PROBLEM_BASE) and a human-readable detail."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None, title: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(status, detail, headers=headers)
        self.slug = slug
        self.title = title or _phrase(status)
        self.extra = extra


def problem_body(status: int, detail: str | None, *, slug: str | None = None, title: str | None = None,
                 instance: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug if slug else "about:blank",
                            "title": title or _phrase(status), "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(status: int, detail: str | None, headers: dict[str, str] | None = None,
                     **kwargs: Any) -> JSONResponse:
    return JSONResponse(problem_body(status, detail, **kwargs), status_code=status, headers=headers,
                        media_type=PROBLEM_MEDIA_TYPE)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ProblemError):
        return problem_response(exc.status_code, exc.detail, exc.headers, slug=exc.slug, title=exc.title,
                                instance=request.url.path, **exc.extra)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != _phrase(exc.status_code) else None
    if exc.status_code == 404 and detail is None:
        detail = f"no resource at {request.url.path}"
    headers = exc.headers
    if exc.status_code == 405:
        detail = detail or f"{request.method} is not allowed on {request.url.path}"
        headers = {**(headers or {}), "Allow": ", ".join(_allowed(request))}
    return problem_response(exc.status_code, detail, headers, instance=request.url.path)


def _allowed(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette's own Allow names only the first route's)."""
    from starlette.routing import Match

    scope = {k: v for k, v in request.scope.items() if k not in ("route", "endpoint", "path_params")}
    return [method for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
            if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in request.app.routes)]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
              for e in exc.errors()]
    first = errors[0] if errors else None
    detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first else "the request is invalid"
    return problem_response(422, detail, slug="validation-error", title="Invalid request",
                            instance=request.url.path, errors=errors)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "an internal error occurred; it has been logged", slug="internal-error",
                            instance=request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
