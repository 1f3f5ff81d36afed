"""Webhook deliveries as durable jobs: created pending with the run's diff, sent afterwards by a
sender holding a lease, every attempt recorded as it ends, never sent twice once a 2xx is recorded,
continued (not restarted) after a crash, and absolute links under AUDITOR_PUBLIC_URL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select, update

from auditor.errors import ConfigError
from auditor.jobs.settings import JobSettings
from auditor.store import deliveries as store_deliveries
from auditor.store import migrate
from auditor.store import watches as store_watches
from auditor.store.engine import Database
from auditor.store.tables import WatchRun, WebhookDelivery
from auditor.store.tokens import ensure_tenant
from auditor.watch import delivery as sender
from auditor.watch.links import parse_public_url
from auditor.watch.runs import _payload
from auditor.watch.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    AddressPolicy,
    DeliveryPolicy,
    verify,
)

FAST = DeliveryPolicy(attempts=4, wait_initial_s=0, wait_max_s=0, timeout_s=5)
LOCAL = AddressPolicy.parse("127.0.0.1")
SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("000_*.txt"))


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    """Answers to give, in order (then 204)."""
    requests: list[dict[str, str]] = field(default_factory=list)
    hold: asyncio.Event | None = None


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        assert verify(state.secret, request.headers.get(TIMESTAMP_HEADER), body, request.headers.get(SIGNATURE_HEADER))
        state.requests.append(dict(request.headers))
        if state.hold is not None:
            await state.hold.wait()
        return web.Response(status=state.statuses.pop(0) if state.statuses else 204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"  # type: ignore[union-attr]
    yield state
    await runner.cleanup()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    migrate.upgrade(database)
    yield database
    database.dispose()


def _pending(db: Database, url: str) -> tuple[str, str]:
    """A finished run with a pending delivery to ``url``; returns (delivery id, the watch's secret)."""
    tenant = ensure_tenant(db, "alice")
    created = store_watches.create_watch(db, tenant_id=tenant.tenant_id, filename="paper.txt", data=SEED.read_bytes(),
                                         cron="0 6 * * *", timezone="UTC", notify="always", fail_on="major",
                                         webhook_url=url, sha256="0" * 64)
    run = store_watches.run_now(db, created.watch)
    store_watches.finish_run(db, run.id, status="done", diff={"summary": "s", "changes": []},
                             delivery={"id": run.id, "url": url, "payload": b'{"event": "watch.run"}'})
    assert created.secret is not None
    return run.id, created.secret


def _expire(db: Database, delivery_id: str) -> None:
    with db.write() as session:
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                        .values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1)))


async def test_a_pending_delivery_is_sent_once_with_its_attempts_recorded(db: Database, receiver: Receiver) -> None:
    delivery_id, receiver.secret = _pending(db, receiver.url)
    row = store_deliveries.get(db, delivery_id)
    assert row is not None and row.status == "pending" and row.attempts == []  # finishing the run sent nothing
    assert receiver.requests == []
    receiver.statuses = [503, 500]
    assert await sender.send(db, delivery_id, policy=LOCAL, delivery=FAST) == "delivered"
    row = store_deliveries.get(db, delivery_id)
    assert row is not None and row.status == "delivered" and row.delivered
    assert [(a["number"], a["status"]) for a in row.attempts] == [(1, 503), (2, 500), (3, 204)]
    assert {r[DELIVERY_HEADER] for r in receiver.requests} == {delivery_id}  # the same id on every attempt
    with db.read() as session:
        run = session.scalar(select(WatchRun).where(WatchRun.id == row.run_id))
        assert run is not None and run.notified is True
    # Sent: a re-run (a duplicate announcement, a second worker) sends nothing.
    assert await sender.send(db, delivery_id, policy=LOCAL, delivery=FAST) == "skipped"
    assert await sender.send_waiting(db, policy=LOCAL, delivery=FAST) == 0
    assert len(receiver.requests) == 3


async def test_a_rerun_after_a_crash_never_resends_a_recorded_success(db: Database, receiver: Receiver) -> None:
    delivery_id, receiver.secret = _pending(db, receiver.url)
    # A sender got a 204 and died before it could finish the delivery.
    assert store_deliveries.claim(db, delivery_id, "dead") is not None
    assert store_deliveries.record_attempt(db, delivery_id, "dead", {"number": 1, "status": 204, "error": None})
    assert await sender.send(db, delivery_id, policy=LOCAL, delivery=FAST) == "skipped"  # its lease still holds
    _expire(db, delivery_id)
    assert await sender.send(db, delivery_id, policy=LOCAL, delivery=FAST) == "delivered"
    assert receiver.requests == []
    row = store_deliveries.get(db, delivery_id)
    assert row is not None and row.status == "delivered" and len(row.attempts) == 1


async def test_a_rerun_after_a_crash_continues_the_attempt_count(db: Database, receiver: Receiver) -> None:
    delivery_id, receiver.secret = _pending(db, receiver.url)
    assert store_deliveries.claim(db, delivery_id, "dead") is not None
    for n in (1, 2, 3):
        store_deliveries.record_attempt(db, delivery_id, "dead", {"number": n, "status": 503, "error": "HTTP 503"})
    _expire(db, delivery_id)
    receiver.statuses = [503]
    assert await sender.send(db, delivery_id, policy=LOCAL, delivery=FAST) == "failed"  # 4 attempts in all
    row = store_deliveries.get(db, delivery_id)
    assert row is not None and row.status == "failed" and [a["number"] for a in row.attempts] == [1, 2, 3, 4]
    assert len(receiver.requests) == 1


async def test_two_senders_at_once_send_once(db: Database, receiver: Receiver) -> None:
    delivery_id, receiver.secret = _pending(db, receiver.url)
    results = await asyncio.gather(*(sender.send(db, delivery_id, f"s{i}", LOCAL, FAST) for i in range(4)))
    assert sorted(results) == ["delivered", "skipped", "skipped", "skipped"]
    assert len(receiver.requests) == 1


async def test_the_embedded_loop_sends_while_the_run_is_already_done(db: Database, receiver: Receiver) -> None:
    delivery_id, receiver.secret = _pending(db, receiver.url)
    receiver.hold = asyncio.Event()
    wake = asyncio.Event()
    loop = asyncio.create_task(sender.delivery_loop(db, wake, 0.05, LOCAL, FAST))
    try:
        for _ in range(200):
            if receiver.requests:
                break
            await asyncio.sleep(0.02)
        row = store_deliveries.get(db, delivery_id)
        assert row is not None and row.status == "sending"  # the receiver holds the request...
        with db.read() as session:
            run = session.get(WatchRun, 1)
            assert run is not None and run.status == "done" and run.diff is not None  # ...the run is done
            assert run.notified is False
        receiver.hold.set()
        for _ in range(200):
            row = store_deliveries.get(db, delivery_id)
            if row is not None and row.status == "delivered":
                break
            await asyncio.sleep(0.02)
        assert row is not None and row.status == "delivered"
        with db.read() as session:
            run = session.get(WatchRun, 1)
            assert run is not None and run.notified is True
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
    assert len(receiver.requests) == 1


# --- AUDITOR_PUBLIC_URL -----------------------------------------------------------------------------


def test_public_url_makes_payload_links_absolute() -> None:
    from types import SimpleNamespace

    watch = SimpleNamespace(id="w1", filename="p.md", cron="0 6 * * *", timezone="UTC")
    run = SimpleNamespace(id="r1", scheduled_for=datetime(2026, 12, 1, tzinfo=UTC), trigger="schedule")
    job = SimpleNamespace(id="j1")
    relative = _payload(watch, run, job, {"summary": "s"}, None)["links"]
    assert relative["run"] == "/v1/watches/w1/runs/r1" and relative["report_html"] == "/v1/audits/j1/report?format=html"
    base = parse_public_url("https://auditor.example.org/")
    absolute = _payload(watch, run, job, {"summary": "s"}, base)["links"]
    assert absolute == {"run": "https://auditor.example.org/v1/watches/w1/runs/r1",
                        "diff": "https://auditor.example.org/v1/watches/w1/runs/r1/diff",
                        "report_json": "https://auditor.example.org/v1/audits/j1/report?format=json",
                        "report_html": "https://auditor.example.org/v1/audits/j1/report?format=html"}
    assert parse_public_url("https://example.org/auditor") == "https://example.org/auditor"
    assert json.dumps(absolute)  # plain strings


@pytest.mark.parametrize(("value", "reason"), [
    ("auditor.example.org", "absolute http(s) URL"),
    ("ftp://auditor.example.org", "absolute http(s) URL"),
    ("https://", "absolute http(s) URL"),
    ("https://user:pw@auditor.example.org", "credentials"),
    ("https://auditor.example.org/?x=1", "query or fragment"),
    ("https://auditor.example.org:99999", "malformed"),
    ("https://auditor example.org", "not a URL"),
])
def test_a_bad_public_url_is_refused_at_start(value: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        JobSettings.from_env({"AUDITOR_PUBLIC_URL": value})
    assert str(caught.value).startswith("AUDITOR_PUBLIC_URL: ") and reason in str(caught.value)
    assert JobSettings.from_env({}).public_url is None
    assert JobSettings.from_env({"AUDITOR_PUBLIC_URL": "http://a.example/"}).public_url == "http://a.example"


def test_serve_refuses_a_bad_public_url_in_one_line(monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    monkeypatch.setenv("AUDITOR_PUBLIC_URL", "auditor.example.org")
    assert main(["watch", "run-due", "--database", "sqlite:///:memory:"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "AUDITOR_PUBLIC_URL" in err and "Traceback" not in err
