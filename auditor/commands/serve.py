"""``auditor serve``: the HTTP API plus N embedded workers over one store.

``--no-auth`` is refused unless the address is loopback (127.0.0.0/8, ::1, localhost): an open
service on a network interface would let anyone submit work and read every report.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import ipaddress
import signal
import socket
import sys
from collections.abc import Iterator
from typing import Any

from auditor.errors import ConfigError


def add_arguments(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP API with embedded workers",
                       description="Run the HTTP API (OpenAPI at /openapi.json, docs at /docs) with N in-process "
                       "workers.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--database", metavar="URL", help="SQLAlchemy URL (default: AUDITOR_DATABASE_URL, then a "
                   "SQLite file in the platform data directory)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="in-process job workers (default 1; 0: API only)")
    p.add_argument("--concurrency", type=int, default=None, metavar="C",
                   help="jobs each worker runs at once (default: AUDITOR_WORKER_CONCURRENCY, then 8)")
    p.add_argument("--no-auth", action="store_true", help="no tokens (loopback addresses only): tenant 'local'")
    p.add_argument("--config", metavar="TOML", help="settings file for the sources (see README: Configuration)")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    p.add_argument("--proxy-headers", action="store_true",
                   help="behind a reverse proxy: trust X-Forwarded-Proto/-For from --forwarded-allow-ips")
    p.add_argument("--forwarded-allow-ips", metavar="IPS", default=None,
                   help="comma-separated proxy addresses trusted with --proxy-headers (default: FORWARDED_ALLOW_IPS, "
                   "then 127.0.0.1)")
    p.set_defaults(run=run)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def draining_server_class() -> type:
    """uvicorn's Server, except that a SIGTERM it drained on ends the process with exit code 0.

    uvicorn re-raises the signal it stopped on once its graceful shutdown is over, so the process
    dies of SIGTERM (-15) even after a clean drain, which process managers log as a failure. By
    then the drain is done (no new claims, running jobs finished or handed back to the queue, see
    ``auditor.jobs.runner``), so a clean exit is the truth. SIGINT is still re-raised (Ctrl-C).
    """
    import uvicorn

    class _DrainingServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                self._captured_signals = [sig for sig in self._captured_signals if sig != signal.SIGTERM]

    return _DrainingServer


def freeze_startup_heap() -> int:
    """Move every object alive now out of the cyclic garbage collector's reach; returns how many.

    After start-up the process holds some 130,000 long-lived objects (modules, FastAPI routes,
    SQLAlchemy metadata, pydantic models) that are never garbage. Each full (generation 2)
    collection walked all of them: a pause of 100-300 ms on a busy 2-CPU machine, in which every
    request in flight waited (it was the whole p99 tail of ``GET /v1/audits/{id}`` under 200
    pollers). ``gc.freeze()`` (the standard library's tool for this) keeps them out of every later
    collection; reference counting still frees them if they ever go. Collect first, so no
    garbage is frozen.
    """
    import gc

    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def run(args: argparse.Namespace) -> int:
    if args.no_auth and not is_loopback(args.host):
        raise ConfigError(f"--no-auth is only allowed on a loopback address, not {args.host}")
    if args.workers < 0 or not 0 <= args.port <= 65535:
        raise ConfigError("--workers must be >= 0 and --port within 0-65535")
    if args.concurrency is not None and args.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    import logging

    import uvicorn

    from auditor.config import Settings
    from auditor.jobs.settings import JobSettings
    from auditor.service.app import create_app
    from auditor.service.settings import ServiceSettings

    from ._store import open_store

    service_settings = ServiceSettings.from_env(auth=not args.no_auth)
    job_settings = JobSettings.from_env()
    if args.concurrency is not None:
        job_settings = dataclasses.replace(job_settings, concurrency=args.concurrency)
    audit_settings = Settings.load(args.config)
    db = open_store(args.database)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("vcr").setLevel(logging.WARNING)  # replay mode would log every response body
    if db.dialect == "postgresql":
        # PostgreSQL: procrastinate is the queue; the in-process workers are procrastinate workers.
        from auditor.jobs.procrastinate_app import ProcrastinateQueue
        from auditor.jobs.procrastinate_worker import attach_to_service

        app = create_app(db, service_settings, workers=0, audit_settings=audit_settings, job_settings=job_settings,
                         queue=ProcrastinateQueue(db.url))
        attach_to_service(app, db.url, workers=args.workers * job_settings.concurrency, settings=audit_settings,
                          job_settings=job_settings,
                          observer=app.state.ctx.metrics)
    else:
        app = create_app(db, service_settings, workers=args.workers, audit_settings=audit_settings,
                         job_settings=job_settings)
    DrainingServer = draining_server_class()  # noqa: N806 - a class
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if args.no_auth:
        print("auditor: warning: --no-auth: every request acts for tenant 'local' without a token", file=sys.stderr)
    if job_settings.replay_cassette:
        print(f"auditor: warning: AUDITOR_REPLAY_CASSETTE: jobs answer from {job_settings.replay_cassette}, "
              "not the live services", file=sys.stderr)
    print(f"auditor: serving on http://{shown}:{port} (database {db.display_url}, {args.workers} worker(s) x "
          f"{job_settings.concurrency} concurrent job(s))",
          file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level=args.log_level, timeout_graceful_shutdown=int(job_settings.drain_s) + 5,
                            proxy_headers=args.proxy_headers, forwarded_allow_ips=args.forwarded_allow_ips,
                            server_header=False)
    freeze_startup_heap()
    try:
        DrainingServer(config).run(sockets=[sock])
    finally:
        sock.close()
        db.dispose()
    return 0
