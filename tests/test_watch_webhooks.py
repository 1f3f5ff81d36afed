"""Webhooks: signatures a receiver can verify, replays refused, retries recorded, SSRF refused.

A real aiohttp receiver listens on 127.0.0.1 (allowed through the allow-list, as an operator would
for a local test receiver); the resolver seam is replaced to give DNS answers that change.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from auditor.watch.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    AddressPolicy,
    DeliveryPolicy,
    ReplayGuard,
    WebhookRefused,
    check_target,
    deliver,
    sign,
    validate_url,
    verify,
)

SECRET = "s3cret-watch-key"
FAST = DeliveryPolicy(attempts=4, wait_initial_s=0, wait_max_s=0, timeout_s=5)
LOCAL = AddressPolicy.parse("127.0.0.1")


@dataclass
class Receiver:
    """What a webhook consumer does: verify the signature, refuse stale or replayed requests."""

    url: str = ""
    guard: ReplayGuard = field(default_factory=ReplayGuard)
    received: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_first: int = 0
    redirect_to: str | None = None
    answers: list[int] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        state.requests.append((dict(request.headers), body))
        if state.redirect_to and request.path == "/hook":
            return _answer(state, web.Response(status=307, headers={"Location": state.redirect_to}))
        if state.fail_first > 0:
            state.fail_first -= 1
            return _answer(state, web.Response(status=503))
        signature = request.headers.get(SIGNATURE_HEADER)
        if not verify(SECRET, request.headers.get(TIMESTAMP_HEADER), body, signature):
            return _answer(state, web.Response(status=401, text="bad signature"))
        if not state.guard.first_use(signature or ""):
            return _answer(state, web.Response(status=409, text="replay"))
        state.received.append(json.loads(body))
        return _answer(state, web.Response(status=204))

    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_post("/final", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/hook"
    yield state
    await runner.cleanup()


def _answer(state: Receiver, response: web.Response) -> web.Response:
    state.answers.append(response.status)
    return response


# --- signing --------------------------------------------------------------------------------------


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign("k", 1700000000, b"{}") == f"sha256={expected}"


def test_verify_refuses_tampering_wrong_secret_and_stale_timestamps() -> None:
    now = 1_800_000_000
    sig = sign(SECRET, now, b'{"a":1}')
    assert verify(SECRET, str(now), b'{"a":1}', sig, now=now + 10)
    assert not verify(SECRET, str(now), b'{"a":2}', sig, now=now)
    assert not verify("other", str(now), b'{"a":1}', sig, now=now)
    assert not verify(SECRET, str(now + 1), b'{"a":1}', sig, now=now)
    assert not verify(SECRET, str(now), b'{"a":1}', sig, now=now + 301)
    assert not verify(SECRET, str(now), b'{"a":1}', sig, now=now - 301)
    assert not verify(SECRET, "soon", b'{"a":1}', sig, now=now)
    assert not verify(SECRET, None, b'{"a":1}', sig, now=now)
    assert not verify(SECRET, str(now), b'{"a":1}', None, now=now)


def test_replay_guard_refuses_a_second_use_inside_the_window() -> None:
    guard = ReplayGuard(tolerance=300)
    assert guard.first_use("sha256=aa", now=1000)
    assert not guard.first_use("sha256=aa", now=1100)
    assert guard.first_use("sha256=bb", now=1100)
    assert guard.first_use("sha256=aa", now=1401)  # forgotten: verify() refuses such timestamps anyway


# --- delivery to a local receiver --------------------------------------------------------------------


async def test_delivery_is_verified_by_the_receiver_and_a_replay_is_refused(receiver: Receiver) -> None:
    result = await deliver(receiver.url, {"summary": "1 cited work retracted"}, SECRET, policy=LOCAL,
                           delivery=FAST)
    assert result.delivered
    assert receiver.received == [{"summary": "1 cited work retracted"}]
    [(headers, body)] = receiver.requests
    assert headers[SIGNATURE_HEADER].startswith("sha256=")
    assert headers[DELIVERY_HEADER] == result.delivery_id
    assert abs(int(headers[TIMESTAMP_HEADER]) - time.time()) < 60
    # An attacker who captured the request sends it again, byte for byte.
    replay = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
    async with aiohttp.ClientSession() as session, session.post(receiver.url, data=body, headers=replay) as resp:
        assert resp.status == 409
    # ... or with a fresh timestamp but the old signature.
    replay[TIMESTAMP_HEADER] = str(int(time.time()) + 1)
    async with aiohttp.ClientSession() as session, session.post(receiver.url, data=body, headers=replay) as resp:
        assert resp.status == 401
    assert len(receiver.received) == 1


async def test_failed_attempts_are_retried_and_each_is_recorded(receiver: Receiver) -> None:
    receiver.fail_first = 2
    result = await deliver(receiver.url, {"n": 1}, SECRET, policy=LOCAL, delivery=FAST)
    assert result.delivered
    assert [a.status for a in result.attempts] == [503, 503, 204]
    assert [a.number for a in result.attempts] == [1, 2, 3]
    assert result.attempts[0].error == "HTTP 503" and result.attempts[2].error is None
    assert all(a.address == "127.0.0.1" for a in result.attempts)
    # Every attempt is signed afresh and still carries the same delivery id.
    assert len({h[DELIVERY_HEADER] for h, _ in receiver.requests}) == 1
    assert json.loads(json.dumps(result.to_dict()))["attempts"][0]["status"] == 503


async def test_retries_run_out(receiver: Receiver) -> None:
    receiver.fail_first = 10
    result = await deliver(receiver.url, {"n": 1}, SECRET, policy=LOCAL, delivery=FAST)
    assert not result.delivered
    assert len(result.attempts) == FAST.attempts


async def test_a_4xx_answer_is_not_retried(receiver: Receiver) -> None:
    result = await deliver(receiver.url, {"n": 1}, "wrong-secret", policy=LOCAL, delivery=FAST)
    assert not result.delivered
    assert [a.status for a in result.attempts] == [401]


async def test_redirect_to_an_allowed_target_is_rechecked_and_re_posted(receiver: Receiver) -> None:
    receiver.redirect_to = receiver.url.replace("/hook", "/final")
    result = await deliver(receiver.url, {"n": 2}, SECRET, policy=LOCAL, delivery=FAST)
    assert result.delivered
    assert result.attempts[-1].url.endswith("/final")
    assert receiver.received == [{"n": 2}]


# --- SSRF -----------------------------------------------------------------------------------------------


async def test_loopback_is_refused_by_default(receiver: Receiver) -> None:
    result = await deliver(receiver.url, {"n": 1}, SECRET, policy=AddressPolicy(), delivery=FAST)
    assert not result.delivered
    assert len(result.attempts) == 1 and result.attempts[0].error.startswith("refused: ")
    assert "loopback" in result.attempts[0].error
    assert receiver.requests == []


async def test_redirect_to_a_private_address_is_refused(receiver: Receiver) -> None:
    receiver.redirect_to = "http://10.20.30.40/internal"
    result = await deliver(receiver.url, {"n": 1}, SECRET, policy=LOCAL, delivery=FAST)
    assert not result.delivered
    assert "private address 10.20.30.40" in (result.attempts[-1].error or "")
    assert len(result.attempts) == 1  # a refusal is final, not retried
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://10.0.0.5/",
    "http://192.168.1.1/", "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://224.0.0.1/", "http://0.0.0.0/", "http://[fe80::1]/", "http://100.64.0.1/",
    "http://240.0.0.1/",
])
async def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(WebhookRefused):
        await check_target(url, AddressPolicy())


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "http://user:pw@example.org/",
                                 "http:///nohost", "", "http://exa mple.org/", "http://example.org:99999/"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(WebhookRefused):
        validate_url(url)


async def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(WebhookRefused, match="private address 10.0.0.7"):
        await check_target("https://hooks.example.test/x", AddressPolicy(), resolve)


async def test_dns_answer_changing_between_registration_and_delivery_is_refused(receiver: Receiver) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    url = receiver.url.replace("127.0.0.1", "hooks.example.test")
    host, address = await check_target(url, AddressPolicy(), rebinding)  # registration: public, accepted
    assert (host, address) == ("hooks.example.test", "93.184.216.34")
    result = await deliver(url, {"n": 1}, SECRET, policy=AddressPolicy(), delivery=FAST, resolve=rebinding)
    assert not result.delivered
    assert "loopback address 127.0.0.1" in (result.attempts[0].error or "")
    assert receiver.requests == []


async def test_the_connection_is_pinned_to_the_checked_address(receiver: Receiver) -> None:
    """The name is checked once per attempt and never resolved again by the HTTP client: a second,
    different answer (rebinding to an internal address) is never used. The name does not exist in
    real DNS, so the delivery can only have reached the receiver through the pinned address."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["10.9.9.9"]

    url = receiver.url.replace("127.0.0.1", "hooks.invalid")
    result = await deliver(url, {"n": 3}, SECRET, policy=LOCAL, delivery=FAST, resolve=resolve)
    assert result.delivered, result.attempts
    assert calls == ["hooks.invalid"]
    assert receiver.received == [{"n": 3}]


def test_allow_list_parses_hosts_and_cidrs() -> None:
    import ipaddress

    policy = AddressPolicy.parse(" 127.0.0.1, 10.1.0.0/16 ,hooks.internal., ")
    assert policy.host_allowed("HOOKS.internal")
    assert policy.address_refusal(ipaddress.ip_address("10.1.2.3")) is None
    assert policy.address_refusal(ipaddress.ip_address("10.2.0.1")) == "private address 10.2.0.1"
    assert policy.address_refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert AddressPolicy.from_env({"AUDITOR_WEBHOOK_ALLOW": "::1"}).address_refusal(ipaddress.ip_address("::1")) is None
