"""The metadata the shared cache and limiter tables are defined on.

Kept in one place so that switching to the store's declarative ``Base`` (and its Alembic
migrations) is a one-line change.
"""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
