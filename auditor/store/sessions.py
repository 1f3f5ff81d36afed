"""Browser sessions: a sign-in with an API token, exchanged for a session secret the cookie carries.

Only the SHA-256 of a session secret is stored (like tokens). :func:`session_principal` joins the
session to its token and tenant on every request, so a session stops working at sign-out
(:func:`end_session`), at its expiry, and the moment its token is revoked (``auditor token revoke``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from auditor.store.engine import Database
from auditor.store.tables import Tenant, Token, WebSession, utcnow
from auditor.store.tokens import Principal, hash_secret

SESSION_PREFIX = "rs_"
SESSION_LIFETIME = timedelta(hours=12)
"""A session ends this long after sign-in even if nobody signs out (a working day)."""


def create_session(db: Database, who: Principal, lifetime: timedelta = SESSION_LIFETIME) -> str:
    """A new session for ``who`` (a token principal); returns the secret, which is never stored."""
    if who.token_id is None:
        raise ValueError("a session needs a token principal")
    secret = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with db.write() as session:
        session.add(WebSession(secret_sha256=hash_secret(secret), token_id=who.token_id, created_at=now,
                               expires_at=now + lifetime))
    return secret


def session_principal(db: Database, secret: str) -> Principal | None:
    """Who the session acts for, or None (unknown, ended, expired, or its token revoked)."""
    if not secret.startswith(SESSION_PREFIX) or len(secret) > 200:
        return None
    with db.read() as session:
        row = session.execute(
            select(WebSession, Token, Tenant.name)
            .join(Token, Token.id == WebSession.token_id)
            .join(Tenant, Tenant.id == Token.tenant_id)
            .where(WebSession.secret_sha256 == hash_secret(secret))
        ).first()
    if row is None:
        return None
    web, token, tenant = row
    if web.ended_at is not None or web.expires_at <= utcnow() or token.revoked_at is not None:
        return None
    return Principal(token.tenant_id, tenant, token.id)


def end_session(db: Database, secret: str) -> bool:
    """Sign-out: True when an active session ended; ending twice is harmless (False)."""
    if not secret.startswith(SESSION_PREFIX) or len(secret) > 200:
        return False
    with db.write() as session:
        web = session.scalar(select(WebSession).where(WebSession.secret_sha256 == hash_secret(secret)))
        if web is None or web.ended_at is not None:
            return False
        web.ended_at = utcnow()
        return True
