"""What every route needs, held on ``app.state``: the store, limits, the queue and the metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

from auditor.jobs import JobQueue
from auditor.store.engine import Database
from auditor.store.tokens import Principal

from .settings import ServiceSettings

if TYPE_CHECKING:
    from .metrics import Metrics


@dataclass
class ServiceContext:
    db: Database
    settings: ServiceSettings
    queue: JobQueue
    metrics: Metrics
    local_principal: Principal | None = None
    """The ``local`` tenant, used for every request under ``--no-auth``."""
    worker_fresh_s: float = 10.0
    """``/readyz`` wants a worker heartbeat at most this old (workers beat every 2 s)."""
    runs_jobs: bool = False
    """Workers run in this process, so an upload's parse can be handed to its job
    (:mod:`auditor.jobs.handoff`); an API-only process offers none, as nobody here would take it."""


def context(request: Request) -> ServiceContext:
    return request.app.state.ctx  # type: ignore[no-any-return]
