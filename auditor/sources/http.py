"""The one HTTP layer: shared aiohttp session, pacing, retries, cache and request counters.

Clients describe a request (service, method, URL, params, form) and how to judge the answer; this
module decides whether to answer from the cache, paces the send through the service's limiter,
retries transient failures (429, 5xx, timeouts, dropped connections, truncated or unparseable
bodies) with jittered exponential backoff that honours ``Retry-After``, and stores only answers that
were understood. When retries run out it returns an error string instead of raising, which the
clients turn into ``SourceResult(error=...)``: "unavailable" must never look like "not found".
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Generic, TypeVar
from urllib.parse import urlencode

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)
from yarl import URL

from auditor import __version__
from auditor.config import Settings
from auditor.sources.cache import CachedResponse, ResponseCache, request_key
from auditor.sources.ratelimit import get_limiter, parse_interval
from auditor.sources.upstream import AnswerCache, Limiter, LimiterFactory, current

PROJECT_URL = "https://github.com/reference-auditor"
TOOL_NAME = "reference-auditor"
POST_THRESHOLD = 1800
"""URLs longer than this go as POST (NCBI asks for POST beyond ~200 UIDs; proxies cut long URLs)."""

Params = Sequence[tuple[str, str]]


def user_agent(email: str | None) -> str:
    contact = f"{PROJECT_URL}; mailto:{email}" if email else PROJECT_URL
    return f"{TOOL_NAME}/{__version__} ({contact})"


class TransientError(Exception):
    """A failure worth retrying; ``retry_after`` is the server's requested wait, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadBody(ValueError):
    """Raised by a validator when a 2xx body cannot be understood (usually a truncated transfer)."""


@dataclass
class ServiceCounters:
    """What one service cost this process; the benchmarks print these."""

    requests: int = 0
    """HTTP requests actually sent (retries included)."""
    cache_hits: int = 0
    rate_limited: int = 0
    """HTTP 429 answers received."""
    retries: int = 0
    failures: int = 0
    """Look-ups that ended unavailable after retries."""
    statuses: dict[str, int] = field(default_factory=dict)
    """Requests sent by the status of their answer (``"200"``, ``"429"``, ...; ``"error"`` when no
    answer came: a timeout, a dropped connection)."""
    send_times: list[float] = field(default_factory=list, repr=False)

    def count_status(self, status: int | str) -> None:
        key = str(status)
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "cache_hits": self.cache_hits, "rate_limited": self.rate_limited,
                "retries": self.retries, "failures": self.failures, "statuses": dict(self.statuses)}


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str]
    from_cache: bool = False


@dataclass(frozen=True)
class Outcome:
    """Either a reply or the reason none could be had, plus the requests it cost."""

    reply: Reply | None = None
    error: str | None = None
    requests: int = 0


Validator = Callable[[Reply], bool]
"""Checks a reply is understood (raise :class:`BadBody` if not) and returns True if it is negative."""

T = TypeVar("T")


class ParsedOnce(Generic[T]):
    """``parse`` of the last body it was given, so one answer is parsed once, not twice.

    :meth:`HttpClient.fetch` runs the validator on every answer (a cached one too: today's parser
    must still read it), and the client then parsed the very same bytes again for its records:
    twice the XML or JSON work per answer, on the event loop every job of a process shares (9% of a
    PostgreSQL warm re-run's CPU). A client makes one of these per request and calls it from its
    validator and afterwards. The body's identity decides (``is``), so any other bytes, such as a
    concurrent identical request's answer, are parsed afresh. The parse result is shared as it is:
    callers copy from it and never mutate it.
    """

    __slots__ = ("_body", "_parse", "_value")

    def __init__(self, parse: Callable[[bytes], T]) -> None:
        self._parse = parse
        self._body: bytes | None = None
        self._value: T | None = None

    def __call__(self, body: bytes) -> T:
        if self._body is not body:
            self._value = self._parse(body)  # a parse that raises leaves nothing remembered
            self._body = body
        return self._value  # type: ignore[return-value]


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _readable(validate: Validator, reply: Reply) -> bool:
    try:
        validate(reply)
    except Exception:  # noqa: BLE001 - the same rule as a fresh answer: any unreadable body fails
        return False
    return True


class HttpClient:
    """Owns the aiohttp session, the cache and the limiters for one run.

    ``cache`` and ``limiter_factory`` replace the per-process defaults (the SQLite cache file and
    :func:`~auditor.sources.ratelimit.get_limiter`); when not given, those installed with
    :func:`auditor.sources.upstream.sharing` apply (PostgreSQL workers share both through the
    database). A cache passed in belongs to the caller and is not closed here.
    """

    def __init__(self, settings: Settings, session: aiohttp.ClientSession | None = None,
                 cache: AnswerCache | None = None, limiter_factory: LimiterFactory | None = None, *,
                 paced: bool = True) -> None:
        installed = current()
        if installed is not None:
            cache = cache if cache is not None else installed.cache
            limiter_factory = limiter_factory or installed.limiter_factory
        self.settings = settings
        self.paced = paced
        """False when the transport is a replayed cassette: no server is there to protect, so no
        limiter spacing, no 429 pauses, no retry backoff and no limits adopted from replayed headers.
        Live pacing is decided by the limiters alone and is unchanged."""
        self._session = session
        self._own_session = session is None
        self.cache: AnswerCache | None = cache
        self._own_cache = False
        if cache is None and settings.cache_mode != "no-cache":
            self.cache = ResponseCache(settings.resolved_cache_dir / "responses.sqlite3",
                                       settings.cache_ttl_s, settings.cache_negative_ttl_s)
            self._own_cache = True
        self.counters: dict[str, ServiceCounters] = {"pubmed": ServiceCounters(), "crossref": ServiceCounters()}
        self._in_flight: dict[str, asyncio.Future[Outcome]] = {}
        self._adapt_limits = settings.crossref_rps is None and settings.crossref_concurrency is None
        """Explicit rate overrides (benchmarks, replay tests) win over what the headers advertise."""
        self._adapt_ncbi = settings.ncbi_rps is None
        factory = limiter_factory or get_limiter
        self.limiters: dict[str, Limiter] = {
            "pubmed": self._ncbi_limiter(settings, factory),
            "crossref": self._crossref_limiter(settings, factory),
        }

    @staticmethod
    def _ncbi_limiter(settings: Settings, factory: LimiterFactory = get_limiter) -> Limiter:
        rate = settings.ncbi_rps or (10.0 if settings.ncbi_api_key else 3.0)
        # The budget belongs to the key, so the pool is named by a fingerprint of it (never the key).
        pool = f"key:{hashlib.sha256(settings.ncbi_api_key.encode()).hexdigest()[:12]}" \
            if settings.ncbi_api_key else "ip"
        return factory("pubmed", pool, rate, None)

    @staticmethod
    def _crossref_limiter(settings: Settings, factory: LimiterFactory = get_limiter) -> Limiter:
        polite = settings.crossref_polite
        rate = settings.crossref_rps or (10.0 if polite else 5.0)
        concurrency = settings.crossref_concurrency or (3 if polite else 1)
        return factory("crossref", "polite" if polite else "public", rate, concurrency)

    async def _cache_get(self, key: str) -> CachedResponse | None:
        assert self.cache is not None
        aget = getattr(self.cache, "aget", None)
        return await aget(key) if aget is not None else self.cache.get(key)

    async def _cache_put(self, key: str, reply: Reply, negative: bool) -> None:
        assert self.cache is not None
        aput = getattr(self.cache, "aput", None)
        if aput is not None:
            await aput(key, reply.status, dict(reply.headers), reply.body, negative)
        else:
            self.cache.put(key, reply.status, dict(reply.headers), reply.body, negative)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # ``total`` bounds a server that drips bytes forever, which ``sock_read`` alone never ends.
            total = self.settings.connect_timeout_s + 4 * self.settings.read_timeout_s
            timeout = aiohttp.ClientTimeout(total=total, connect=self.settings.connect_timeout_s,
                                            sock_read=self.settings.read_timeout_s)
            connector = aiohttp.TCPConnector(limit=self.settings.max_connections, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                timeout=timeout, connector=connector, trace_configs=[_send_trace()],
                headers={"User-Agent": user_agent(self.settings.email)},
            )
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None
        if self.cache is not None and self._own_cache:
            self.cache.close()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -----------------------------------------------------------------------------------------

    async def fetch(self, service: str, url: str, params: Params, *, private: Params = (),
                    validate: Validator, accept: tuple[int, ...] = (200,), post: bool | None = None) -> Outcome:
        """Ask once (from the cache or the network, with retries) and return an :class:`Outcome`.

        ``params`` are the question; ``private`` are identification/credentials sent with it but
        kept out of the cache key. ``accept`` lists statuses that are answers (e.g. 404 for a DOI).
        ``post`` forces the method; by default long queries go as a form POST.
        """
        counters = self.counters[service]
        wire = list(params) + list(private)
        if post is None:
            post = len(url) + len(urlencode(wire)) + 1 > POST_THRESHOLD
        method = "POST" if post else "GET"
        key = request_key(method, url, [] if post else params, params if post else None)
        mode = self.settings.cache_mode
        if self.cache is not None and mode in ("use", "offline"):
            hit = await self._cache_get(key)
            cached = Reply(hit.status, hit.body, hit.headers, from_cache=True) if hit is not None else None
            # A stored body is read again by today's parser: one it now rejects is a miss, not a crash.
            if cached is not None and _readable(validate, cached):
                counters.cache_hits += 1
                return Outcome(cached)
        if mode == "offline":
            return Outcome(error="offline: not in cache")
        # Single flight: concurrent identical questions (two documents citing one DOI) share one request.
        running = self._in_flight.get(key)
        if running is not None:
            shared = await asyncio.shield(running)
            if shared.reply is not None:
                counters.cache_hits += 1
            return Outcome(shared.reply, shared.error, requests=0)
        task = asyncio.ensure_future(self._fetch_network(service, method, url, wire, key, validate, accept))
        self._in_flight[key] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                self._in_flight.pop(key, None)
            else:
                task.add_done_callback(lambda _t: self._in_flight.pop(key, None))

    async def _fetch_network(self, service: str, method: str, url: str, wire: Params, key: str,
                             validate: Validator, accept: tuple[int, ...]) -> Outcome:
        counters = self.counters[service]
        mode = self.settings.cache_mode
        sent = 0
        settings = self.settings

        async def attempt() -> tuple[Reply, bool]:
            nonlocal sent
            sent += 1
            reply = await self._send(service, method, url, wire)
            if reply.status == 429:
                counters.rate_limited += 1
                retry_after = _retry_after(reply.headers)
                limiter = self.limiters[service]
                if not self.paced:
                    raise TransientError("HTTP 429 rate limited", retry_after)
                # Capped: a huge Retry-After must not stall the whole process (the limiter is
                # shared) beyond the time this call may spend retrying anyway.
                limiter.pause(min(retry_after, settings.retry_max_time_s) if retry_after is not None
                              else max(1.0 / limiter.rate, settings.retry_wait_initial_s))
                raise TransientError("HTTP 429 rate limited", retry_after)
            if reply.status >= 500 or reply.status == 408:
                raise TransientError(f"HTTP {reply.status}", _retry_after(reply.headers))
            if reply.status not in accept:
                return reply, False
            try:
                negative = validate(reply)
            except Exception as exc:  # noqa: BLE001 - any body we cannot read is a failed answer
                # Not only BadBody/ValueError: a well-formed body of an unexpected shape (a number
                # where a list belongs) must become "unavailable", never a crash of the whole run.
                raise TransientError(f"unreadable body: {type(exc).__name__}: {exc}") from exc
            return reply, negative

        retrying = self._retrying(counters)
        try:
            reply, negative = await retrying(attempt)
        except RetryError as exc:
            counters.failures += 1
            cause = exc.last_attempt.exception()
            return Outcome(error=f"{service} unavailable after {sent} attempt(s): {_describe(cause)}",
                           requests=sent)
        if reply.status not in accept:
            counters.failures += 1
            snippet = reply.body[:200].decode("utf-8", "replace").strip()
            return Outcome(error=f"{service} answered HTTP {reply.status}: {snippet}", requests=sent)
        if self.cache is not None and mode != "no-cache":
            await self._cache_put(key, reply, negative)
        return Outcome(reply, requests=sent)

    def _retrying(self, counters: ServiceCounters) -> AsyncRetrying:
        """One retry policy for every request and download: the settings' attempt and time budget,
        backoff that honours Retry-After (``_wait``), and each retry counted for the metrics."""
        settings = self.settings
        return AsyncRetrying(
            stop=stop_after_attempt(settings.retry_attempts) | stop_after_delay(settings.retry_max_time_s),
            wait=self._wait,
            retry=retry_if_exception_type((TransientError, aiohttp.ClientError, asyncio.TimeoutError)),
            before_sleep=lambda _state: setattr(counters, "retries", counters.retries + 1),
            reraise=False,
        )

    def _wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff, but never shorter than the server's ``Retry-After``.

        A replayed transport retries at once: its answers are already recorded, waiting changes nothing.
        """
        if not self.paced:
            return 0.0
        settings = self.settings
        ceiling = min(settings.retry_wait_max_s,
                      settings.retry_wait_initial_s * (2 ** (state.attempt_number - 1)))
        wait = random.uniform(ceiling / 2, ceiling) if ceiling > 0 else 0.0
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientError) and exc.retry_after is not None:
            wait = max(wait, min(exc.retry_after, settings.retry_max_time_s))
        return wait

    async def _send(self, service: str, method: str, url: str, wire: Params) -> Reply:
        counters = self.counters[service]
        limiter = self.limiters[service]
        if method == "POST":
            body = urlencode(wire).encode("ascii")
            kwargs: dict[str, object] = {
                "data": body, "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
            target = url
        else:
            kwargs = {}
            target = f"{url}?{urlencode(wire)}" if wire else url
        deferred = getattr(limiter, "deferred", None) if self.paced else None
        async with (deferred() if deferred is not None else limiter if self.paced else _UNPACED) as permit:
            if deferred is not None and self._own_session:
                # The send is confirmed from aiohttp's connection-acquired hook: after any connect,
                # with nothing between it and the write that could let the event loop stall.
                kwargs["trace_request_ctx"] = _SendHook(permit.confirm)
            elif deferred is not None:
                await permit.confirm()  # a session from outside carries no hook: confirm as late as we can
            counters.requests += 1
            counters.send_times.append(time.monotonic())
            try:
                async with self.session.request(method, URL(target, encoded=True), **kwargs) as resp:
                    if deferred is not None:
                        await permit.answered()  # the status line is in: the server has counted this request
                    body_bytes = await resp.read()
                    headers = {k.lower(): v for k, v in resp.headers.items()}
                    status = resp.status
            except BaseException:
                counters.count_status("error")
                raise
            counters.count_status(status)
        if service == "crossref" and self._adapt_limits and self.paced:
            self._adapt_crossref(limiter, headers)
        elif service == "pubmed" and self._adapt_ncbi and self.paced:
            self._adapt_ncbi_limit(limiter, headers)
        declared = headers.get("content-length")
        if (declared and declared.isdigit() and "content-encoding" not in headers
                and int(declared) != len(body_bytes)):
            raise TransientError(f"truncated body: {len(body_bytes)} of {declared} bytes")
        return Reply(status, body_bytes, headers)

    async def download(self, service: str, url: str, dest: Path, headers: Mapping[str, str] | None = None,
                       max_bytes: int = 1 << 30) -> Download:
        """Stream a large file (a bulk data set) to ``dest``, with the same retries as :meth:`fetch`.

        Never through the response cache: the caller keeps its own copy and sends conditional
        headers (``If-None-Match``), so a 304 costs one small request and writes nothing.
        """
        counters = self.counters.setdefault(service, ServiceCounters())
        settings = self.settings
        sent = 0

        async def attempt() -> Download:
            nonlocal sent
            sent += 1
            counters.requests += 1
            # No total bound: a large file takes as long as it takes, but a stalled read still ends.
            timeout = aiohttp.ClientTimeout(total=None, connect=settings.connect_timeout_s,
                                            sock_read=settings.read_timeout_s)
            async with self.session.get(URL(url, encoded=True), headers=dict(headers or {}),
                                        timeout=timeout) as resp:
                status = resp.status
                counters.count_status(status)
                reply_headers = {k.lower(): v for k, v in resp.headers.items()}
                if status == 429 or status >= 500 or status == 408:
                    if status == 429:
                        counters.rate_limited += 1
                    raise TransientError(f"HTTP {status}", _retry_after(reply_headers))
                if status != 200:
                    return Download(status, reply_headers)
                size = 0
                with dest.open("wb") as fh:
                    async for chunk in resp.content.iter_chunked(1 << 16):
                        size += len(chunk)
                        if size > max_bytes:
                            raise BadBody(f"larger than {max_bytes} bytes")
                        fh.write(chunk)
                declared = reply_headers.get("content-length")
                if declared and declared.isdigit() and "content-encoding" not in reply_headers \
                        and int(declared) != size:
                    raise TransientError(f"truncated body: {size} of {declared} bytes")
                return Download(status, reply_headers, size=size)

        retrying = self._retrying(counters)
        try:
            result = await retrying(attempt)
        except RetryError as exc:
            counters.failures += 1
            cause = exc.last_attempt.exception()
            return Download(error=f"{service} unavailable after {sent} attempt(s): {_describe(cause)}", requests=sent)
        except (BadBody, OSError) as exc:
            counters.failures += 1
            return Download(error=f"{service}: {exc}", requests=sent)
        if result.status not in (200, 304):
            counters.failures += 1
            return Download(result.status, result.headers, error=f"{service} answered HTTP {result.status}",
                            requests=sent)
        return Download(result.status, result.headers, requests=sent, size=result.size)

    @staticmethod
    def _adapt_ncbi_limit(limiter: Limiter, headers: Mapping[str, str]) -> None:
        """Follow the per-second limit NCBI says applies to this IP or key (``X-RateLimit-Limit``).

        We can only assume 3/s without an API key and 10/s with one; every E-utilities answer says
        which budget NCBI actually applies (recorded: 3 and 10), including a higher rate granted on
        request or a key it does not honour. An explicit ``ncbi_rps`` still wins."""
        limit = headers.get("x-ratelimit-limit")
        if limit and limit.strip().isdigit() and int(limit) > 0 and float(limit) != limiter.rate:
            limiter.update(float(limit))

    @staticmethod
    def _adapt_crossref(limiter: Limiter, headers: Mapping[str, str]) -> None:
        """Follow the limits Crossref says it applies to this pool right now."""
        limit = headers.get("x-rate-limit-limit")
        interval = parse_interval(headers.get("x-rate-limit-interval")) or 1.0
        concurrency = headers.get("x-concurrency-limit")
        rate = float(limit) / interval if limit and limit.strip().isdigit() else None
        conc = int(concurrency) if concurrency and concurrency.strip().isdigit() else None
        if (rate is not None and rate != limiter.rate) or (conc is not None and conc != limiter.concurrency):
            limiter.update(rate, conc)


@dataclass
class _SendHook:
    """Per-request trace context: the limiter's confirmation, awaited once per connection acquired."""

    confirm: Callable[[], Awaitable[None]]


async def _on_connection(_session: object, context: SimpleNamespace, _params: object) -> None:
    hook = context.trace_request_ctx
    if isinstance(hook, _SendHook):
        await hook.confirm()


def _send_trace() -> aiohttp.TraceConfig:
    """Confirm each send against the limiter's window the moment its connection is ready.

    aiohttp fires exactly one of these per request it sends (a pooled connection reused, or a new
    one connected), right before it writes the request; redirects fire again, as they send again.
    """
    trace = aiohttp.TraceConfig()
    trace.on_connection_reuseconn.append(_on_connection)
    trace.on_connection_create_end.append(_on_connection)
    return trace


class _Unpaced(contextlib.AbstractAsyncContextManager[None]):
    """The limiter a replayed transport uses: enters at once, holds no slot."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


_UNPACED = _Unpaced()


@dataclass(frozen=True)
class Download:
    """The outcome of :meth:`HttpClient.download`: a status (200 wrote the file, 304 did not), or an error."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    requests: int = 0
    size: int = 0


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, TransientError):
        return str(exc)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
