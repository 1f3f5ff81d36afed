"""The per-process limiter on a fake clock: no one-second window ever holds more sends than the limit.

Nothing is timed: a virtual clock drives the limiter's sleeps, and a "stalled event loop" is the
clock jumping ahead while several sleepers are due at once, which is exactly when sends scheduled
apart would leave together. The oracle counts sends the way the services (and the sandbox) count
arrivals: in any half-open one-second window.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random

import pytest

from auditor.sources.ratelimit import IN_FLIGHT_POLL_S, WINDOW_S, RateLimiter, SendWindow, window_limit


class VirtualTime:
    """A clock plus a sleep that only returns when :meth:`run` moves the clock past its deadline."""

    def __init__(self, stall_every: int = 0, stall_s: float = 0.0, seed: int = 1) -> None:
        self.now = 1000.0
        self._due: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._rng = random.Random(seed)
        self.stall_every = stall_every
        self.stall_s = stall_s

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._due, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    async def _settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    async def run(self, tasks: list[asyncio.Task[None]]) -> None:
        steps = 0
        while not all(t.done() for t in tasks):
            await self._settle()
            if not self._due:
                continue
            steps += 1
            deadline = self._due[0][0]
            if self.stall_every and steps % self.stall_every == 0:
                deadline += self._rng.uniform(0, self.stall_s)  # the loop was busy: wake late
            self.now = max(self.now, deadline)
            while self._due and self._due[0][0] <= self.now:  # everything due wakes in one go
                heapq.heappop(self._due)[2].set_result(None)
        for t in tasks:
            t.result()


def busiest_second(times: list[float]) -> int:
    """Most sends in any window [t, t + 1) (the sandbox drops arrivals ``>= 1.0`` s old)."""
    ordered = sorted(times)
    best, left = 0, 0
    for right, t in enumerate(ordered):
        while t - ordered[left] >= 1.0:
            left += 1
        best = max(best, right - left + 1)
    return best


async def _drive(rate: float, senders: int, per_sender: int, vt: VirtualTime, *, confirm: bool = True,
                 concurrency: int | None = None) -> tuple[RateLimiter, list[float]]:
    limiter = RateLimiter(rate, concurrency, clock=vt.clock, sleep=vt.sleep)
    sends: list[float] = []

    async def sender() -> None:
        for _ in range(per_sender):
            if confirm:
                async with limiter.deferred() as permit:
                    await vt.sleep(vt._rng.uniform(0, 0.3))  # connecting, building the request...
                    await permit.confirm()
                    sends.append(vt.now)
                    await vt.sleep(0.25)  # the answer takes a while
                    await permit.answered()
            else:  # the old rule: a send leaves when its scheduled start comes round
                await limiter.acquire()
                try:
                    sends.append(vt.now)
                    await vt.sleep(0.25)
                finally:
                    limiter.release()

    tasks = [asyncio.create_task(sender()) for _ in range(senders)]
    await vt.run(tasks)
    return limiter, sends


@pytest.mark.parametrize("rate", [3.0, 10.0, 5.0])
@pytest.mark.parametrize("stall_s", [0.0, 0.4, 1.5])
async def test_no_second_holds_more_than_the_limit_even_when_the_loop_stalls(rate: float, stall_s: float) -> None:
    vt = VirtualTime(stall_every=3, stall_s=stall_s, seed=int(rate * 10 + stall_s * 100))
    limiter, sends = await _drive(rate, senders=12, per_sender=8, vt=vt)
    assert len(sends) == 96
    assert busiest_second(sends) <= int(rate)
    # and the margin holds: floor(rate) sends in any WINDOW_S, not only in any second
    limit, span = window_limit(rate)
    ordered = sorted(sends)
    assert all(ordered[i + limit] - ordered[i] >= span - 1e-9 for i in range(len(ordered) - limit))
    assert sorted(limiter.sent) == ordered


def _stalled_server(t: float) -> float:
    """When a server whose loop is blocked in [2k + 0.5, 2k + 2) (an ECitMatch batch) counts an arrival."""
    phase = t % 2.0
    return t - phase + 2.0 if phase >= 0.5 else t


async def _drive_stalled_server(answer_first: bool) -> list[float]:
    vt = VirtualTime(seed=11)
    limiter = RateLimiter(3.0, clock=vt.clock, sleep=vt.sleep)
    counted: list[float] = []

    async def sender() -> None:
        for _ in range(6):
            async with limiter.deferred() as permit:
                await permit.confirm()
                if answer_first:  # the control: the place is held only for the window after the send
                    await permit.answered()
                counted_at = _stalled_server(vt.now)
                counted.append(counted_at)
                await vt.sleep(counted_at + 0.25 - vt.now)  # it answers 250 ms after counting
                await permit.answered()

    tasks = [asyncio.create_task(sender()) for _ in range(6)]
    await vt.run(tasks)
    return counted


async def test_a_server_that_counts_late_still_never_sees_more_than_the_limit() -> None:
    # The sandbox's loop is busy computing for 1.5 s of every 2: everything that arrives meanwhile
    # is counted the moment it is free. Places held until after the answers keep its count at 3.
    counted = await _drive_stalled_server(answer_first=False)
    assert len(counted) == 36
    assert busiest_second(counted) <= 3


async def test_holding_places_only_from_the_send_overruns_a_server_that_counts_late() -> None:
    assert busiest_second(await _drive_stalled_server(answer_first=True)) > 3


async def test_scheduled_sends_without_confirmation_do_overrun_under_stalls() -> None:
    # The control: the schedule alone (what the limiter did before) lets a late-woken batch out
    # together, so the oracle above is able to see an overrun.
    vt = VirtualTime(stall_every=3, stall_s=1.5, seed=3)
    _, sends = await _drive(3.0, senders=12, per_sender=8, vt=vt, confirm=False)
    assert busiest_second(sends) > 3


async def test_the_in_flight_cap_and_the_window_hold_together() -> None:
    vt = VirtualTime(stall_every=2, stall_s=0.8, seed=5)
    in_flight = peak = 0
    limiter = RateLimiter(10.0, 3, clock=vt.clock, sleep=vt.sleep)
    sends: list[float] = []

    async def sender() -> None:
        nonlocal in_flight, peak
        for _ in range(6):
            async with limiter.deferred() as permit:
                in_flight += 1
                peak = max(peak, in_flight)
                await permit.confirm()
                sends.append(vt.now)
                await vt.sleep(0.25)
                await permit.answered()
                in_flight -= 1

    tasks = [asyncio.create_task(sender()) for _ in range(10)]
    await vt.run(tasks)
    assert peak == 3 and len(sends) == 60
    assert busiest_second(sends) <= 10


async def test_a_pause_holds_back_confirmations_too() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(3.0, clock=vt.clock, sleep=vt.sleep)
    start = vt.now
    limiter.pause(5.0)

    async def one() -> None:
        await limiter.__aenter__()
        await limiter.__aexit__()

    task = asyncio.create_task(one())
    await vt.run([task])
    assert limiter.sent[0] >= start + 5.0


def test_send_window_holds_in_flight_sends_and_answered_ones_for_the_span() -> None:
    window = SendWindow()
    sends = [window.record(t) for t in (0.0, 0.1, 0.2)]
    assert window.delay(0.3, 3, WINDOW_S) == IN_FLIGHT_POLL_S  # all three still in flight
    for send in sends:
        window.answered(send, send.start + 0.25, WINDOW_S)  # each held for the span after its answer
    assert window.delay(0.3, 3, WINDOW_S) == pytest.approx(0.25 + WINDOW_S - 0.3)
    assert window.delay(0.3, 4, WINDOW_S) == 0.0
    assert window.delay(0.25 + WINDOW_S, 3, WINDOW_S) == 0.0  # the first one has just left
    slow = window.record(2.0)
    window.answered(slow, 4.0, WINDOW_S)  # the server sat on it: it may have counted it just now
    assert slow.until == pytest.approx(4.0 + WINDOW_S)


def test_a_place_outlasts_the_servers_second_even_when_every_earlier_round_trip_was_slow() -> None:
    # Measured on the sandbox with 32 jobs: for 25 s every PubMed request waited ~0.1 s before the
    # busy server counted it, so no round trip was shorter than 0.345 s. Then a request sent while
    # the server was computing was counted 2.1 s late and answered 0.25 s after that. Its place
    # must last a full second past that count (plus the margin), whatever round trips came before.
    window = SendWindow()
    for t in (0.0, 0.5, 1.0):
        window.answered(window.record(t), t + 0.345, WINDOW_S)
    late = window.record(10.0)
    counted = 12.14
    window.answered(late, counted + 0.25, WINDOW_S)
    assert late.until >= counted + WINDOW_S
    assert window_limit(3.0) == (3, WINDOW_S) and window_limit(0.5)[1] == pytest.approx(2 * WINDOW_S)
