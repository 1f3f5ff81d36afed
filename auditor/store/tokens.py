"""Tenants and bearer tokens.

A token is ``ra_`` + 43 URL-safe characters (32 random bytes = 256 bits). Only its SHA-256 is
stored; the secret is returned once by :func:`create_token`. :func:`authenticate` reads the table
on every request (no cache), so :func:`revoke_token` takes effect on the very next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auditor.store.engine import Database
from auditor.store.tables import Tenant, Token, utcnow

TOKEN_PREFIX = "ra_"
TOKEN_BYTES = 32
LOCAL_TENANT = "local"
"""The tenant every request belongs to under ``auditor serve --no-auth``."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts for."""

    tenant_id: int
    tenant: str
    token_id: int | None


@dataclass(frozen=True)
class IssuedToken:
    id: int
    tenant: str
    name: str
    secret: str


@dataclass(frozen=True)
class TokenInfo:
    id: int
    tenant: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _tenant(session: Session, name: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        tenant = Tenant(name=name, created_at=utcnow())
        session.add(tenant)
        session.flush()
    return tenant


def ensure_tenant(db: Database, name: str) -> Principal:
    """The tenant called ``name``, created if missing (safe when two processes race)."""
    for _ in range(2):
        try:
            with db.write() as session:
                tenant = _tenant(session, name)
                return Principal(tenant.id, tenant.name, None)
        except IntegrityError:
            continue
    raise RuntimeError(f"could not create tenant {name!r}")


def create_token(db: Database, name: str, tenant: str | None = None) -> IssuedToken:
    """A new token for ``tenant`` (default: a tenant named like the token)."""
    tenant_name = tenant or name
    ensure_tenant(db, tenant_name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    with db.write() as session:
        owner = _tenant(session, tenant_name)
        token = Token(tenant_id=owner.id, name=name, secret_sha256=hash_secret(secret), created_at=utcnow())
        session.add(token)
        session.flush()
        return IssuedToken(token.id, owner.name, name, secret)


def list_tokens(db: Database) -> list[TokenInfo]:
    with db.read() as session:
        rows = session.execute(select(Token, Tenant.name).join(Tenant, Tenant.id == Token.tenant_id)
                               .order_by(Token.id)).all()
        return [TokenInfo(t.id, tenant, t.name, t.created_at, t.revoked_at) for t, tenant in rows]


def revoke_token(db: Database, token_id: int) -> bool:
    """True when the token existed and was active; revoking twice is harmless (False)."""
    with db.write() as session:
        token = session.get(Token, token_id)
        if token is None or token.revoked_at is not None:
            return False
        token.revoked_at = utcnow()
        return True


def authenticate(db: Database, secret: str) -> Principal | None:
    """The principal for an active token, or None (unknown, malformed or revoked)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    with db.read() as session:
        row = session.execute(
            select(Token, Tenant.name).join(Tenant, Tenant.id == Token.tenant_id)
            .where(Token.secret_sha256 == digest)
        ).first()
    if row is None:
        return None
    token, tenant = row
    # The lookup is by hash (an index), so timing reveals nothing about the secret; compare anyway.
    if token.revoked_at is not None or not hmac.compare_digest(token.secret_sha256, digest):
        return None
    return Principal(token.tenant_id, tenant, token.id)
