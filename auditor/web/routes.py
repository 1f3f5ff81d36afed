"""The pages: sign in/out (forms, CSRF-checked) and three page shells whose data comes from the API.

Pages are server-rendered Jinja2 (autoescaped) shells; ``static/app.js`` fills them by calling the
same ``/v1`` routes a program calls, authenticated by the session cookie plus ``X-CSRF-Token``. No
audit logic and no second code path for audits lives here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from auditor import __version__
from auditor.service.context import context
from auditor.store.sessions import create_session, end_session
from auditor.store.tokens import authenticate

from .session import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    clear_cookie,
    csrf_token,
    new_signin_secret,
    page_session,
    same_token,
    set_cookie,
    set_session_cookie,
)

HERE = Path(__file__).resolve().parent
TEMPLATES = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                        trim_blocks=True, lstrip_blocks=True)
NO_STORE = {"Cache-Control": "no-store"}
SIGNIN_MAX_AGE = 3600

router = APIRouter(include_in_schema=False)


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("kB", 1024)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _render(name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(version=__version__, **values)
    return HTMLResponse(html, status_code=status_code, headers=NO_STORE)


def _page(request: Request, name: str, page: str, **values: Any) -> Response:
    """A signed-in page, or a redirect to the sign-in form."""
    ctx = context(request)
    if not ctx.settings.auth:
        return _render(name, page=page, tenant="local", csrf="", auth=False, **values)
    found = page_session(request, ctx.db)
    if found is None:
        return RedirectResponse("/signin", status_code=303, headers=NO_STORE)
    who, secret = found
    return _render(name, page=page, tenant=who.tenant, csrf=csrf_token(secret), auth=True, **values)


@router.get("/")
def upload_page(request: Request) -> Response:
    limit = context(request).settings.max_upload_bytes
    return _page(request, "upload.html.j2", "upload", max_bytes=limit, max_human=human_bytes(limit),
                 max_references=context(request).settings.max_references)


@router.get("/audits")
def audits_page(request: Request) -> Response:
    return _page(request, "audits.html.j2", "audits")


@router.get("/watches")
def watches_page(request: Request) -> Response:
    return _page(request, "watches.html.j2", "watches")


@router.get("/audits/{job_id}")
def audit_page(request: Request, job_id: str) -> Response:
    return _page(request, "audit.html.j2", "audit", job_id=job_id)


def _signin_form(request: Request, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    secret = new_signin_secret()
    response = _render("signin.html.j2", status_code, page="signin", csrf=secret, error=error, auth=True,
                       tenant=None, signin_csrf=secret)
    set_cookie(response, request, SIGNIN_COOKIE, secret, SIGNIN_MAX_AGE)
    return response


@router.get("/signin")
def signin_page(request: Request) -> Response:
    ctx = context(request)
    if not ctx.settings.auth or page_session(request, ctx.db) is not None:
        return RedirectResponse("/", status_code=303, headers=NO_STORE)
    return _signin_form(request)


@router.post("/signin")
def signin(request: Request, token: Annotated[str, Form(max_length=300)] = "",
           csrf_token_field: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "") -> Response:
    ctx = context(request)
    expected = request.cookies.get(SIGNIN_COOKIE)
    if not expected or not same_token(csrf_token_field, expected):
        return _signin_form(request, "The sign-in form expired or came from another site. Please try again.", 403)
    who = authenticate(ctx.db, token.strip())
    if who is None:
        return _signin_form(request, "That token is unknown or revoked. Create one with `auditor token create NAME`.",
                            401)
    response = RedirectResponse("/", status_code=303, headers=NO_STORE)
    set_session_cookie(response, request, create_session(ctx.db, who))
    clear_cookie(response, request, SIGNIN_COOKIE)
    return response


@router.post("/signout")
def signout(request: Request,
            csrf_token_field: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "") -> Response:
    ctx = context(request)
    secret = request.cookies.get(SESSION_COOKIE)
    if secret and page_session(request, ctx.db) is not None:
        if not same_token(csrf_token_field, csrf_token(secret)):
            return _render("error.html.j2", 403, page="error", auth=True, tenant=None, csrf="",
                           message="Sign-out refused: the form did not come from this page.")
        end_session(ctx.db, secret)
    response = RedirectResponse("/signin", status_code=303, headers=NO_STORE)
    clear_cookie(response, request, SESSION_COOKIE)
    return response
