"""Fixtures for the service tests: a store per test, and a real uvicorn server on a random port.

The store is SQLite in ``tmp_path``; set ``AUDITOR_TEST_POSTGRES_URL`` (a database the tests may
wipe) to run every ``store_url`` test over PostgreSQL too. Servers run in a thread of the test
process (``served``) or as ``auditor serve`` subprocesses (the crash tests), always on 127.0.0.1
with a port the OS picked, and answer from the seed cassettes (no network).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from auditor.jobs.settings import JobSettings
from auditor.service.settings import ServiceSettings
from auditor.sources.replay import replay_settings
from auditor.store import migrate
from auditor.store.engine import Database
from auditor.store.tokens import create_token

ROOT = Path(__file__).resolve().parents[2]
SEED_000 = ROOT / "seeds" / "000_594f0db58d351876.txt"
CASSETTE_000 = ROOT / "cassettes" / "seeds" / "000.yaml"

_PG = os.environ.get("AUDITOR_TEST_POSTGRES_URL", "").strip()


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def cli_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What ``auditor check`` writes for seed 000 (replayed), per format: the bytes the service must match."""
    from auditor.cli import main

    stem = tmp_path_factory.mktemp("cli") / "seed000"
    code = main(["check", str(SEED_000), "--replay", str(CASSETTE_000), "--format", "text,json,html,sarif",
                 "--output", str(stem), "--no-progress"])
    assert code == 1
    ext = {"text": "txt", "json": "json", "html": "html", "sarif": "sarif"}
    return {fmt: Path(f"{stem}.{e}").read_bytes() for fmt, e in ext.items()}


@pytest.fixture(params=["sqlite", *(["postgresql"] if _PG else [])])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        _reset_postgres(_PG)
        return _PG
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def db(store_url: str) -> Iterator[Database]:
    database = Database(store_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


@dataclass
class Served:
    url: str
    db: Database
    app: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, tenant: str | None = "alice", **kwargs: Any) -> httpx.Client:
        """An httpx client for ``tenant`` (its token is created on first use); None: no token."""
        headers = dict(kwargs.pop("headers", {}))
        if tenant is not None:
            if tenant not in self.tokens:
                self.tokens[tenant] = create_token(self.db, tenant).secret
            headers["Authorization"] = f"Bearer {self.tokens[tenant]}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)


def run_in_thread(app: Any) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` with uvicorn on 127.0.0.1:<free port> in a thread; returns (url, stop)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()

    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


@pytest.fixture
def serve(db: Database) -> Iterator[Callable[..., Served]]:
    """``serve(workers=1, **service_settings)`` starts a server over this test's store."""
    from auditor.service.app import create_app

    stops: list[Callable[[], None]] = []

    def start(workers: int = 1, *, cassette: Path = CASSETTE_000, job: dict[str, Any] | None = None,
              **settings: Any) -> Served:
        app = create_app(db, ServiceSettings(**settings), workers=workers, audit_settings=replay_settings(),
                         job_settings=JobSettings(replay_cassette=str(cassette), poll_s=0.05, **(job or {})))
        url, stop = run_in_thread(app)
        stops.append(stop)
        return Served(url, db, app)

    yield start
    for stop in reversed(stops):
        stop()


def wait_for(client: httpx.Client, job_id: str, statuses: tuple[str, ...] = ("succeeded", "failed", "cancelled"),
             timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/audits/{job_id}").json()
        if body["status"] in statuses:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {body['status']} after {timeout} s")
        time.sleep(0.05)


def upload(client: httpx.Client, data: bytes | None = None, name: str = str(SEED_000), **kwargs: Any) -> httpx.Response:
    """POST a document (seed 000 by default, under the name ``auditor check`` shows for it)."""
    content = SEED_000.read_bytes() if data is None else data
    headers = kwargs.pop("headers", None)
    return client.post("/v1/audits", files={"file": (name, content, "text/plain")}, data=kwargs, headers=headers)
