"""The tables PostgreSQL workers share besides the job store: the upstream limiter and response cache.

``upstream_limits`` (one row per upstream budget: rate, concurrency cap, next allowed start) is
used by :mod:`auditor.store.shared_limiter`; ``response_cache`` (raw HTTP answers) by
:mod:`auditor.store.shared_cache`. Both exist on SQLite too (one migration history for both
backends) but only PostgreSQL workers use them; SQLite mode keeps the per-process limiter and the
cache file.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, LargeBinary, String, Table, Text

from auditor.store.tables import Base

metadata = Base.metadata

upstream_limits = Table(
    "upstream_limits",
    metadata,
    Column("name", String(200), primary_key=True,
           doc="service:pool:configured-rate:configured-concurrency, one budget per row"),
    Column("rate", Float, nullable=False, doc="requests per second allowed now (headers adapt it)"),
    Column("concurrency", Integer, nullable=True, doc="requests in flight allowed; NULL means no cap"),
    Column("next_start", DateTime(timezone=True), nullable=False,
           doc="the earliest time (database clock) the next request may start"),
    Column("recent", Text, nullable=True,
           doc="epoch seconds (database clock) of the starts in the current window, space-separated"),
)

response_cache = Table(
    "response_cache",
    metadata,
    Column("key", String(64), primary_key=True, doc="sha256 of the normalised request"),
    Column("request", Text, nullable=False, doc="the normalised request itself, for inspection"),
    Column("status", Integer, nullable=False),
    Column("headers", Text, nullable=False, doc="JSON object of the answer's headers"),
    Column("body", LargeBinary, nullable=False),
    Column("fetched_at", Float, nullable=False, doc="seconds since the epoch, database clock"),
    Column("negative", Boolean, nullable=False, doc="a 'nothing found' answer (shorter TTL)"),
)

