"""``/v1/watches`` over a real server: validation reasons (422), tenancy, run now, stored diffs, and
signed webhook deliveries to a local receiver (allowed through AUDITOR_WEBHOOK_ALLOW)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from auditor.watch.webhooks import DELIVERY_HEADER
from tests.webhook_receiver import Receiver, serve_receiver

from .conftest import SEED_000


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    with serve_receiver() as served:
        yield served


def _create(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post("/v1/watches", files={"file": (str(SEED_000), SEED_000.read_bytes(), "text/plain")},
                       data=form)


def _wait_run(client: httpx.Client, path: str, timeout: float = 60, delivered: bool = False) -> dict[str, Any]:
    """The run once done (``delivered``: and its webhook delivery job finished too)."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(path).json()
        sent = all(d["status"] in ("delivered", "failed") for d in body["deliveries"]) and bool(body["deliveries"])
        if body["status"] in ("done", "failed") and (sent or not delivered):
            # Read once more: the run and its deliveries are two reads, and the delivery job may
            # have finished between them (it marks the run notified in the same transaction).
            return client.get(path).json() if delivered else body
        if time.monotonic() > deadline:
            raise AssertionError(f"run still {body['status']}")
        time.sleep(0.05)


@pytest.mark.parametrize(("form", "reason"), [
    ({"cron": "0 6 * *"}, "4 field(s)"),
    ({"cron": "0 25 * * *"}, "not a valid cron"),
    ({"cron": "0 6 * * 1", "timezone": "Mars/Base"}, "not an IANA time zone"),
    ({"cron": "0 6 * * 1", "webhook_url": "http://127.0.0.1:9/hook"}, "loopback address"),
    ({"cron": "0 6 * * 1", "webhook_url": "http://169.254.169.254/latest"}, "link-local"),
    ({"cron": "0 6 * * 1", "webhook_url": "file:///etc/passwd"}, "http or https"),
    ({"cron": "0 6 * * 1", "notify": "sometimes"}, ""),
])
def test_invalid_watches_are_422_with_the_reason(serve, form: dict[str, str], reason: str) -> None:
    with serve(workers=0).client() as client:
        resp = _create(client, **form)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert reason in json.dumps(resp.json())


def test_watch_lifecycle_runs_diffs_and_signed_deliveries(serve, receiver, monkeypatch) -> None:
    url, state = receiver
    monkeypatch.setenv("AUDITOR_WEBHOOK_ALLOW", "127.0.0.1")
    served = serve(workers=1, job={"watch_interval_s": 0.05})
    with served.client() as client, served.client("bob") as bob:
        resp = _create(client, cron="0 6 * * 1", timezone="Europe/Oslo", webhook_url=url, notify="always")
        assert resp.status_code == 201, resp.text
        watch = resp.json()
        state.secret = watch["webhook_secret"]
        assert len(state.secret) >= 40
        assert resp.headers["location"] == f"/v1/watches/{watch['id']}"
        assert watch["next_run_at"].endswith("Z") or "+00:00" in watch["next_run_at"]
        shown = client.get(f"/v1/watches/{watch['id']}").json()
        assert shown["webhook_secret"] is None and shown["cron"] == "0 6 * * 1"
        assert [w["id"] for w in client.get("/v1/watches").json()["items"]] == [watch["id"]]
        assert bob.get(f"/v1/watches/{watch['id']}").status_code == 404
        assert bob.get("/v1/watches").json()["items"] == []
        assert bob.post(f"/v1/watches/{watch['id']}/run").status_code == 404

        first = client.post(f"/v1/watches/{watch['id']}/run")
        assert first.status_code == 202
        run1 = _wait_run(client, first.headers["location"], delivered=True)
        second = client.post(f"/v1/watches/{watch['id']}/run")
        run2 = _wait_run(client, second.headers["location"], delivered=True)
        assert run1["status"] == run2["status"] == "done" and run1["job_status"] == "succeeded"
        assert run2["summary"].startswith("no changes since ")
        assert run1["summary"].startswith("30 reference(s) added")  # the first run lists its baseline

        diff = client.get(f"{second.headers['location']}/diff").json()
        assert diff["changes"] == [] and diff["unchanged"] == 30
        html = client.get(f"{second.headers['location']}/diff", params={"format": "html"})
        assert html.headers["content-type"].startswith("text/html") and "no changes since" in html.text
        text = client.get(f"{second.headers['location']}/diff", params={"format": "text"}).text
        assert "30 unchanged" in text

        # Both runs were delivered, signed with the watch's secret, with every attempt on the run.
        assert [body["run"]["id"] for _, body in state.received] == [run1["id"], run2["id"]]
        headers, body = state.received[1]
        assert headers[DELIVERY_HEADER] == run2["id"]
        assert body["summary"] == run2["summary"] and body["links"]["diff"].endswith("/diff")
        assert run2["notified"] is True
        assert run2["deliveries"][0]["delivered"] is True and run2["deliveries"][0]["status"] == "delivered"
        assert run2["deliveries"][0]["attempts"][0]["status"] == 204

        runs = client.get(f"/v1/watches/{watch['id']}/runs").json()["items"]
        assert [r["id"] for r in runs] == [run2["id"], run1["id"]]
        report = client.get(run2["links"]["report"], params={"format": "json"})
        assert report.status_code == 200 and report.json()["summary"]["verified"] == 4

        patched = client.patch(f"/v1/watches/{watch['id']}", json={"cron": "30 2 * * *"})
        assert patched.status_code == 200 and patched.json()["cron"] == "30 2 * * *"
        assert client.patch(f"/v1/watches/{watch['id']}", json={"timezone": "Nowhere/City"}).status_code == 422
        assert client.patch(f"/v1/watches/{watch['id']}", json={"colour": "red"}).status_code == 422
        assert client.delete(f"/v1/watches/{watch['id']}").status_code == 204
        assert client.get(f"/v1/watches/{watch['id']}").status_code == 404
    assert state.refused == 0


def test_notify_changes_sends_nothing_for_an_unchanged_document(serve, receiver, monkeypatch) -> None:
    url, state = receiver
    monkeypatch.setenv("AUDITOR_WEBHOOK_ALLOW", "127.0.0.1")
    served = serve(workers=1, job={"watch_interval_s": 0.05})
    with served.client() as client:
        watch = _create(client, cron="0 6 * * 1", webhook_url=url).json()
        state.secret = watch["webhook_secret"]
        for _ in range(2):
            run = _wait_run(client, client.post(f"/v1/watches/{watch['id']}/run").headers["location"])
            assert run["status"] == "done" and run["notified"] is False and run["deliveries"] == []
    assert state.received == []
