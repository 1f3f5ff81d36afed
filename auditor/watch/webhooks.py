"""Webhook notifications: signed payloads, SSRF-safe delivery with retries, and a receiver's check.

Signing follows GitHub's and Stripe's scheme: ``X-Auditor-Signature: sha256=HEX`` where HEX is
HMAC-SHA256 with the watch's secret over ``timestamp + "." + body``, and ``X-Auditor-Timestamp`` is
that Unix timestamp. Signing the timestamp with the body is what lets a receiver reject replays:
:func:`verify` refuses stale timestamps, and :class:`ReplayGuard` refuses a signature seen before
inside the window. Each attempt is signed afresh, so a retry after a long backoff is still fresh.

A webhook URL is user input pointing our server at an address of the user's choice (SSRF), so:

* only ``http``/``https``, no credentials in the URL;
* the host is resolved at *delivery* time (not only at registration) and every address must be
  public: loopback, private, link-local, multicast, reserved, unspecified and IPv4-mapped forms of
  those are refused unless the operator's allow-list (``AUDITOR_WEBHOOK_ALLOW``: host names or
  CIDRs, comma-separated) names them;
* the connection is pinned to the address that was checked (a resolver that answers only that
  address), so a DNS answer that changes between check and connect cannot redirect it;
* redirects are never followed by the client: each ``Location`` is checked the same way, then
  re-POSTed (a webhook body must not be dropped), at most :attr:`DeliveryPolicy.max_redirects` times.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from auditor import __version__

SIGNATURE_HEADER = "X-Auditor-Signature"
TIMESTAMP_HEADER = "X-Auditor-Timestamp"
DELIVERY_HEADER = "X-Auditor-Delivery"
DEFAULT_TOLERANCE_S = 300.0
MAX_URL_LENGTH = 2048
ALLOW_ENV = "AUDITOR_WEBHOOK_ALLOW"
_REDIRECTS = (301, 302, 303, 307, 308)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


# --- signing and verifying ---------------------------------------------------------------------


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """``sha256=HEX``: HMAC-SHA256 over ``timestamp + "." + body``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str | bytes, body: bytes, delivery_id: str, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        "User-Agent": f"reference-auditor-webhook/{__version__}",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        DELIVERY_HEADER: delivery_id,
    }


def verify(secret: str | bytes, timestamp: str | int | None, body: bytes, signature: str | None,
           tolerance: float = DEFAULT_TOLERANCE_S, now: float | None = None) -> bool:
    """True when ``signature`` is ours for this timestamp and body and the timestamp is fresh.

    For receivers. The comparison is constant-time (:func:`hmac.compare_digest`). A timestamp more
    than ``tolerance`` seconds away from ``now`` (either way) fails, which bounds replays to the
    window; pair it with :class:`ReplayGuard` to refuse replays inside the window too.
    """
    if timestamp is None or signature is None:
        return False
    try:
        ts = int(str(timestamp).strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        return False
    expected = sign(secret, ts, body)
    return hmac.compare_digest(expected.encode("ascii"), str(signature).strip().encode("utf-8", "replace"))


class ReplayGuard:
    """Remembers the signatures accepted in the last ``tolerance`` seconds; a second use is a replay.

    In memory, for one receiver process; a receiver with several processes keeps the same set in its
    database. Entries older than the tolerance can be forgotten because :func:`verify` refuses
    their timestamps anyway.
    """

    def __init__(self, tolerance: float = DEFAULT_TOLERANCE_S) -> None:
        self.tolerance = tolerance
        self._seen: dict[str, float] = {}

    def first_use(self, signature: str, now: float | None = None) -> bool:
        current = time.time() if now is None else now
        for sig, when in list(self._seen.items()):
            if current - when > self.tolerance:
                del self._seen[sig]
        if signature in self._seen:
            return False
        self._seen[signature] = current
        return True


# --- address policy -----------------------------------------------------------------------------


class WebhookRefused(ValueError):
    """The target may not be contacted (scheme, credentials, a non-public address)."""


@dataclass(frozen=True)
class AddressPolicy:
    """Which webhook targets may be contacted: public addresses, plus the operator's exceptions."""

    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, value: str | None) -> AddressPolicy:
        """``AUDITOR_WEBHOOK_ALLOW`` syntax: ``127.0.0.1, 10.1.0.0/16, hooks.internal``."""
        hosts: set[str] = set()
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in (value or "").split(","):
            item = item.strip()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AddressPolicy:
        env = os.environ if environ is None else environ
        return cls.parse(env.get(ALLOW_ENV))

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allow_hosts

    def address_refusal(self, address: IPAddress) -> str | None:
        """Why this address is refused, or None when it may be contacted."""
        if any(address in net for net in self.allow_networks if net.version == address.version):
            return None
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            return self.address_refusal(mapped)
        for attr, name in (("is_loopback", "loopback"), ("is_link_local", "link-local"),
                           ("is_multicast", "multicast"), ("is_unspecified", "unspecified"),
                           ("is_private", "private"), ("is_reserved", "reserved")):
            if getattr(address, attr):
                return f"{name} address {address}"
        if not address.is_global:
            return f"non-public address {address}"
        return None


def validate_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable webhook URL, or :class:`WebhookRefused` with the reason."""
    if not isinstance(url, str) or not url.strip():
        raise WebhookRefused("webhook URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise WebhookRefused(f"webhook URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise WebhookRefused("webhook URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookRefused(f"webhook URL is malformed ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise WebhookRefused("webhook URL must use http or https")
    if parts.username is not None or parts.password is not None:
        raise WebhookRefused("webhook URL must not carry credentials")
    host = parts.hostname
    if not host:
        raise WebhookRefused("webhook URL has no host")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (the one seam tests replace)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def check_target(url: str, policy: AddressPolicy, resolve: Resolver = system_resolve) -> tuple[str, str]:
    """Validate ``url`` and resolve its host now: (host, the checked address to connect to).

    Every resolved address must pass (a name that resolves to a public *and* a private address is
    refused), unless the host name itself is on the allow-list.
    """
    _, host, port = validate_url(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise WebhookRefused(f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise WebhookRefused(f"cannot resolve {host}: no address")
    if not policy.host_allowed(host):
        for text in addresses:
            reason = policy.address_refusal(ipaddress.ip_address(text.split("%")[0]))
            if reason:
                raise WebhookRefused(f"{host} resolves to a {reason}; add it to {ALLOW_ENV} to allow it")
    return host, addresses[0]


class _PinnedResolver(AbstractResolver):
    """Answers every lookup of the checked host with the checked address, and nothing else."""

    def __init__(self, host: str, address: str) -> None:
        self.host, self.address = host.lower(), address

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if host.lower() != self.host:
            raise OSError(f"connection to {host} was not checked")
        ip = ipaddress.ip_address(self.address)
        fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        return [ResolveResult(hostname=host, host=self.address, port=port, family=fam, proto=0,
                              flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        return None


# --- delivery -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryPolicy:
    attempts: int = 5
    wait_initial_s: float = 1.0
    wait_max_s: float = 60.0
    timeout_s: float = 10.0
    max_redirects: int = 3


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST (after any redirects), as the store records it and the run's page shows it."""

    number: int
    started_at: float
    """Unix time."""
    url: str
    """The URL finally contacted (after redirects)."""
    address: str | None
    status: int | None
    error: str | None
    duration_ms: int
    response_snippet: str = ""


@dataclass(frozen=True)
class DeliveryResult:
    delivery_id: str
    url: str
    delivered: bool
    attempts: tuple[DeliveryAttempt, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"delivery_id": self.delivery_id, "url": self.url, "delivered": self.delivered,
                "attempts": [asdict(a) for a in self.attempts]}


class _Retry(Exception):
    """A failure worth another attempt (network error, 408, 429, 5xx)."""


class _Permanent(Exception):
    """A failure no retry will fix (refused target, 4xx, too many redirects)."""


class DeliveryAborted(Exception):
    """The attempt hook says to stop (the sender lost its claim on the delivery): no more attempts."""


AttemptHook = Callable[[DeliveryAttempt], Awaitable[None]]


async def deliver(url: str, payload: Mapping[str, Any] | bytes, secret: str | bytes,
                  policy: AddressPolicy | None = None, delivery: DeliveryPolicy | None = None,
                  resolve: Resolver = system_resolve, delivery_id: str | None = None,
                  on_attempt: AttemptHook | None = None, first_attempt: int = 1) -> DeliveryResult:
    """POST the signed payload with retries; never raises. Every attempt is in the result.

    ``on_attempt`` is awaited after each attempt (a durable sender records it there; raising
    :class:`DeliveryAborted` stops). ``first_attempt`` continues the numbering of a delivery that
    was interrupted: only ``delivery.attempts - first_attempt + 1`` attempts remain.
    """
    policy = AddressPolicy.from_env() if policy is None else policy
    delivery = delivery or DeliveryPolicy()
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    delivery_id = delivery_id or str(uuid.uuid4())
    attempts: list[DeliveryAttempt] = []
    remaining = delivery.attempts - first_attempt + 1
    if remaining < 1:
        return DeliveryResult(delivery_id, url, False, ())

    async def attempt() -> None:
        before = len(attempts)
        try:
            await one_attempt()
        finally:
            if on_attempt is not None and len(attempts) > before:
                await on_attempt(attempts[-1])

    async def one_attempt() -> None:
        number = first_attempt + len(attempts)
        started = time.time()
        clock = time.monotonic()
        target, address, status, snippet = url, None, None, ""
        try:
            target, address, status, snippet = await _post_following_redirects(
                url, body, secret, delivery_id, policy, delivery, resolve)
        except WebhookRefused as exc:
            attempts.append(DeliveryAttempt(number, started, target, address, None, f"refused: {exc}",
                                            _ms(clock)))
            raise _Permanent(str(exc)) from None
        except _Permanent as exc:
            attempts.append(DeliveryAttempt(number, started, target, address, None, str(exc), _ms(clock)))
            raise
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            attempts.append(DeliveryAttempt(number, started, target, address, None,
                                            f"{type(exc).__name__}: {exc}".strip(": "), _ms(clock)))
            raise _Retry(str(exc)) from None
        record = DeliveryAttempt(number, started, target, address, status, None, _ms(clock), snippet)
        if 200 <= status < 300:
            attempts.append(record)
            return
        attempts.append(DeliveryAttempt(number, started, target, address, status, f"HTTP {status}",
                                        _ms(clock), snippet))
        if status in (408, 429) or status >= 500:
            raise _Retry(f"HTTP {status}")
        raise _Permanent(f"HTTP {status}")

    retrying = AsyncRetrying(
        stop=stop_after_attempt(remaining),
        wait=wait_random_exponential(multiplier=delivery.wait_initial_s, max=delivery.wait_max_s),
        retry=retry_if_exception_type(_Retry), reraise=True,
    )
    delivered = False
    try:
        await retrying(attempt)
        delivered = True
    except (_Retry, _Permanent, DeliveryAborted):
        delivered = False
    return DeliveryResult(delivery_id, url, delivered, tuple(attempts))


def _ms(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


async def _post_following_redirects(url: str, body: bytes, secret: str | bytes, delivery_id: str,
                                    policy: AddressPolicy, delivery: DeliveryPolicy, resolve: Resolver
                                    ) -> tuple[str, str, int, str]:
    target = url
    for _hop in range(delivery.max_redirects + 1):
        host, address = await check_target(target, policy, resolve)
        connector = aiohttp.TCPConnector(resolver=_PinnedResolver(host, address), force_close=True,
                                         use_dns_cache=False)
        timeout = aiohttp.ClientTimeout(total=delivery.timeout_s)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False) as session:
            headers = signed_headers(secret, body, delivery_id)
            async with session.post(target, data=body, headers=headers, allow_redirects=False) as resp:
                snippet = (await resp.content.read(512)).decode("utf-8", "replace")[:200]
                status, location = resp.status, resp.headers.get("Location")
        if status in _REDIRECTS and location:
            target = urljoin(target, location)
            continue
        return target, address, status, snippet
    raise _Permanent(f"more than {delivery.max_redirects} redirects")
