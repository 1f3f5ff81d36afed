"""The bearer-token dependency: who a request acts for, checked against the store every time."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from auditor.store.tokens import Principal, authenticate

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
        raise ProblemError(401, "send 'Authorization: Bearer <token>' (create one with `auditor token create NAME`)",
                           slug="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="auditor"'})
    found = authenticate(ctx.db, credentials.credentials)
    if found is None:
        raise ProblemError(401, "the token is unknown or revoked", slug="unauthorized",
                           headers={"WWW-Authenticate": 'Bearer realm="auditor", error="invalid_token"'})
    return found
