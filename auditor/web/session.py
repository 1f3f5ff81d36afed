"""The session cookie and its CSRF token: how a browser authenticates to the same API a program uses.

Sign-in exchanges an API token for a session (:mod:`auditor.store.sessions`); the cookie carries the
session secret, ``HttpOnly``, ``SameSite=Strict``, and ``Secure`` whenever the request came over TLS
(the request's own scheme or a proxy's ``X-Forwarded-Proto: https``).

CSRF: a request authenticated by the cookie that changes state (any method but GET/HEAD/OPTIONS) must
also send ``X-CSRF-Token`` with the session's CSRF token, an HMAC of the session secret that the page
receives in a ``<meta>`` element. A cross-site page can make the browser send the cookie (were
SameSite ever bypassed) but cannot read the page to learn the token. Bearer requests need no CSRF
token: nothing sends an ``Authorization`` header on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from auditor.service.problems import ProblemError
from auditor.store.engine import Database
from auditor.store.sessions import SESSION_LIFETIME, session_principal
from auditor.store.tokens import Principal

SESSION_COOKIE = "auditor_session"
SIGNIN_COOKIE = "auditor_signin"
"""A pre-session CSRF secret for the sign-in form (double submit: cookie and hidden field must agree)."""
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(session_secret: str) -> str:
    """The CSRF token of a session: derived, so nothing more is stored and it dies with the session."""
    return hmac.new(session_secret.encode("utf-8"), b"auditor-web-csrf-v1", hashlib.sha256).hexdigest()


def same_token(sent: str | None, expected: str) -> bool:
    return sent is not None and hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


def is_tls(request: Request) -> bool:
    """The browser talks TLS: to us directly, or to a reverse proxy that says so."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def new_signin_secret() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=is_tls(request))


def set_session_cookie(response: Response, request: Request, secret: str) -> None:
    set_cookie(response, request, SESSION_COOKIE, secret, int(SESSION_LIFETIME.total_seconds()))


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="strict", secure=is_tls(request))


def page_session(request: Request, db: Database) -> tuple[Principal, str] | None:
    """(principal, session secret) for a page request carrying a live session cookie."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    who = session_principal(db, secret)
    return (who, secret) if who is not None else None


def cookie_principal(request: Request, db: Database) -> Principal | None:
    """The API's second way in (after a bearer token): the session cookie, CSRF-checked when unsafe.

    None when there is no live session (the caller answers 401); a 403 problem when the session is
    live but a state-changing request lacks the matching ``X-CSRF-Token``.
    """
    found = page_session(request, db)
    if found is None:
        return None
    who, secret = found
    if request.method not in SAFE_METHODS and not same_token(request.headers.get(CSRF_HEADER), csrf_token(secret)):
        raise ProblemError(403, f"a request authenticated by the session cookie must send the {CSRF_HEADER} header "
                           "from the page", slug="csrf", title="CSRF token missing or wrong")
    return who
