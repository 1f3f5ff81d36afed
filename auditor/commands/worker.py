"""``auditor worker --database postgresql+psycopg://...``: a job worker for any machine.

Any number of workers on any number of machines share one queue (procrastinate, in the same
PostgreSQL as the store) and one budget per upstream service (the shared limiter). The schema must
be current (``auditor db upgrade``); a worker never migrates on its own, so rolling out a new
version is one explicit step, not a race between machines.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from auditor.errors import ConfigError


def add_arguments(sub: Any) -> None:
    p = sub.add_parser("worker", help="run a job worker on PostgreSQL (any number, on any machines)",
                       description="Run audit jobs from the PostgreSQL queue until SIGTERM/SIGINT, which drains: "
                       "no new jobs; running ones get AUDITOR_DRAIN_TIMEOUT seconds, then go back to the queue.")
    p.add_argument("--database", metavar="URL",
                   help="postgresql+psycopg://user:password@host/db (default: AUDITOR_DATABASE_URL)")
    p.add_argument("--concurrency", type=int, default=None, metavar="N",
                   help="jobs this process runs at once (default: AUDITOR_WORKER_CONCURRENCY, then 8); upstream "
                   "limits are shared regardless")
    p.add_argument("--config", metavar="TOML", help="settings file for the sources (see README: Configuration)")
    p.add_argument("--metrics-port", type=int, default=None, metavar="PORT",
                   help="serve this worker's Prometheus metrics (upstream requests, 429s, cache hits, job "
                   "durations) on http://HOST:PORT/metrics; 0 picks a free port (default: none)")
    p.add_argument("--metrics-host", default="127.0.0.1", metavar="HOST",
                   help="address for --metrics-port (default 127.0.0.1)")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from sqlalchemy.exc import SQLAlchemyError

    from auditor.config import Settings
    from auditor.jobs.procrastinate_app import WorkerTuning
    from auditor.jobs.procrastinate_worker import run_worker
    from auditor.jobs.settings import JobSettings
    from auditor.store import migrate
    from auditor.store.engine import Database, database_url

    from ._store import StoreError

    if args.concurrency is not None and args.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if args.metrics_port is not None and not 0 <= args.metrics_port <= 65535:
        raise ConfigError("--metrics-port must be within 0-65535")
    url = database_url(args.database)
    db = Database(url)
    try:
        if db.dialect != "postgresql":
            raise ConfigError(f"auditor worker needs PostgreSQL, not {db.dialect} (with SQLite, "
                              "`auditor serve --workers N` runs the workers in the service process)")
        if not migrate.at_head(db):
            raise ConfigError(f"{db.display_url} is not at the current schema; run `auditor db upgrade "
                              "--database URL` first")
    except SQLAlchemyError as exc:
        raise StoreError(f"database {db.display_url}: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    finally:
        db.dispose()
    job_settings = JobSettings.from_env()
    concurrency = args.concurrency or job_settings.concurrency
    tuning = WorkerTuning.from_env()
    settings = Settings.load(args.config)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    metrics = None if args.metrics_port is None else serve_metrics(args.metrics_host, args.metrics_port)
    print(f"auditor: worker on {db.display_url} ({concurrency} concurrent job(s))", file=sys.stderr, flush=True)
    asyncio.run(run_worker(url, concurrency=concurrency, settings=settings, job_settings=job_settings,
                           tuning=tuning, observer=metrics))
    return 0


def serve_metrics(host: str, port: int) -> Any:
    """This worker's own ``/metrics`` (prometheus-client's server, a daemon thread): the upstream
    counters and job durations of the jobs it runs, live (the API's ``/metrics`` shows only the
    API process's own workers). No store gauges: every API process already reports those."""
    from prometheus_client import start_http_server

    from auditor.service.metrics import Metrics

    metrics = Metrics(None)
    try:
        server, _thread = start_http_server(port, addr=host, registry=metrics.registry)
    except OSError as exc:
        raise ConfigError(f"--metrics-port: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    print(f"auditor: worker metrics on http://{shown}:{bound_port}/metrics", file=sys.stderr, flush=True)
    return metrics
