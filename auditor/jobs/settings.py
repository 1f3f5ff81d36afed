"""How jobs run: lease, attempts, drain, and the two test/demo hooks, read from the environment.

``AUDITOR_REPLAY_CASSETTE`` (tests and offline demos only) makes every job's HTTP come from a
vcrpy cassette instead of the network, exactly like ``auditor check --replay``: live URLs, no
response cache, real limits. ``AUDITOR_TEST_JOB_DELAY`` (seconds; tests only) makes each job wait,
heartbeating, before it audits, so a test can kill a worker while a job is mid-flight.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from auditor.env import env_numbers
from auditor.errors import ConfigError

_ENV: tuple[tuple[str, str, type], ...] = (
    ("AUDITOR_JOB_LEASE", "lease_s", float),
    ("AUDITOR_JOB_MAX_ATTEMPTS", "max_attempts", int),
    ("AUDITOR_DRAIN_TIMEOUT", "drain_s", float),
    ("AUDITOR_POLL_INTERVAL", "poll_s", float),
    ("AUDITOR_TEST_JOB_DELAY", "test_delay_s", float),
    ("AUDITOR_WATCH_INTERVAL", "watch_interval_s", float),
    ("AUDITOR_WORKER_CONCURRENCY", "concurrency", int),
)

DEFAULT_CONCURRENCY = 8
"""Jobs one worker runs at once. A job spends most of its time waiting for the upstream budgets,
which every job of the process (PostgreSQL: of every worker) shares, so a few at once keep the
budgets busy; beyond that the queue, not the worker, holds the backlog."""


@dataclass(frozen=True)
class JobSettings:
    lease_s: float = 30.0
    """A claimed job is reclaimable this long after its worker's last heartbeat."""
    max_attempts: int = 3
    """Claims after which a job that never finished fails instead of being retried again."""
    drain_s: float = 30.0
    """On SIGTERM, how long running jobs may finish before they are requeued."""
    poll_s: float = 0.5
    """How often an idle embedded worker looks for work (a local submission wakes it at once)."""
    replay_cassette: str | None = None
    test_delay_s: float = 0.0
    watch_interval_s: float = 5.0
    """How often the embedded runner looks for due watch runs and finished runs to finalise."""
    concurrency: int = DEFAULT_CONCURRENCY
    """Jobs each worker runs at once (``--concurrency``, ``AUDITOR_WORKER_CONCURRENCY``): each embedded
    worker of ``auditor serve``, and each ``auditor worker`` process (procrastinate's ``concurrency``)."""
    public_url: str | None = None
    """``AUDITOR_PUBLIC_URL``: base of the absolute links in webhook payloads (None: relative links)."""

    @property
    def heartbeat_s(self) -> float:
        return max(0.05, min(1.0, self.lease_s / 3))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> JobSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = dict(env_numbers(env, _ENV, allow_zero=("test_delay_s",)))
        from auditor.watch.links import PUBLIC_URL_ENV, parse_public_url

        values["public_url"] = parse_public_url(env.get(PUBLIC_URL_ENV))
        cassette = env.get("AUDITOR_REPLAY_CASSETTE", "").strip()
        if cassette:
            if not os.path.isfile(cassette):
                raise ConfigError(f"AUDITOR_REPLAY_CASSETTE: {cassette}: no such cassette")
            values["replay_cassette"] = cassette
        return cls(**values)  # type: ignore[arg-type]
