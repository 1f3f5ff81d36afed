"""The auth dependency: who a request acts for, checked against the store every time.

A bearer token, or else the web front end's session cookie (CSRF-checked for unsafe methods).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from auditor.store.tokens import Principal, authenticate
from auditor.web.session import cookie_principal

from .context import context
from .problems import ProblemError

bearer = HTTPBearer(auto_error=False, description="a token from `auditor token create NAME`")


def principal(request: Request,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    ctx = context(request)
    if not ctx.settings.auth:
        assert ctx.local_principal is not None
        return ctx.local_principal
    if credentials is None:
        session = cookie_principal(request, ctx.db)
        if session is not None:
            return session
        raise ProblemError(401, "send 'Authorization: Bearer <token>' (create one with `auditor token create NAME`)",
                           slug="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="auditor"'})
    found = authenticate(ctx.db, credentials.credentials)
    if found is None:
        raise ProblemError(401, "the token is unknown or revoked", slug="unauthorized",
                           headers={"WWW-Authenticate": 'Bearer realm="auditor", error="invalid_token"'})
    return found
