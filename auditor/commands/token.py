"""``auditor token create NAME | list | revoke ID``: the service's bearer tokens.

``create`` prints only the new token on stdout (so ``TOKEN=$(auditor token create ci)`` works);
it is shown this once and stored as a hash. A token acts for a tenant (``--tenant``, default NAME);
jobs are visible only to their tenant's tokens. ``revoke`` takes effect on the next request.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from auditor.errors import AuditorError


def add_arguments(sub: Any) -> None:
    p = sub.add_parser("token", help="create, list and revoke API tokens",
                       description="Create, list and revoke the service's bearer tokens.")
    actions = p.add_subparsers(dest="token_command", required=True)
    db_help = "SQLAlchemy URL (default: AUDITOR_DATABASE_URL, then the default SQLite file)"
    create = actions.add_parser("create", help="make a token and print it (once)")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--tenant", metavar="TENANT", help="the tenant it acts for (default: NAME)")
    create.add_argument("--database", metavar="URL", help=db_help)
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--database", metavar="URL", help=db_help)
    revoke = actions.add_parser("revoke", help="revoke a token by its ID (from `token list`)")
    revoke.add_argument("id", metavar="ID", type=int)
    revoke.add_argument("--database", metavar="URL", help=db_help)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from auditor.store import tokens

    from ._store import open_store

    name = getattr(args, "name", None)
    tenant = getattr(args, "tenant", None)
    for label, value in (("NAME", name), ("--tenant", tenant)):
        if value is not None and (not value.strip() or len(value) > 200 or not value.isprintable()):
            raise AuditorError(f"token {args.token_command}: {label} must be 1-200 printable characters")
    db = open_store(args.database)
    try:
        if args.token_command == "create":
            issued = tokens.create_token(db, name.strip(), tenant.strip() if tenant else None)
            print(issued.secret)
            print(f"token {issued.id} for tenant {issued.tenant!r}: shown once, store it now", file=sys.stderr)
            return 0
        if args.token_command == "list":
            rows = tokens.list_tokens(db)
            print(f"{'ID':>4}  {'TENANT':<20} {'NAME':<20} {'CREATED':<20} STATE")
            for t in rows:
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
                print(f"{t.id:>4}  {t.tenant:<20} {t.name:<20} {t.created_at:%Y-%m-%d %H:%M:%S}  {state}")
            return 0
        if tokens.revoke_token(db, args.id):
            print(f"token {args.id} revoked", file=sys.stderr)
            return 0
        raise AuditorError(f"token revoke: no active token {args.id}")
    finally:
        db.dispose()
