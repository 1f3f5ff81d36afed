"""Prometheus metrics for ``/metrics``.

Job counts by status and the queue depth are read from the store at scrape time (so every process
reports the same, global figures). Job durations and upstream counters are this process's own, i.e.
those of the workers running inside it: a running job's ``ServiceCounters`` (requests sent by
service and answer status, cache hits, 429s, retries, failures per service) are added as they
move, at every job heartbeat and once more when its execution ends (:class:`auditor.jobs.execute.CounterFeed`
sends only the difference each time), so a 429 storm shows within a heartbeat, not when the
job finishes, and a job that loses its lease still shows the traffic it made.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from auditor.jobs.execute import Counters, JobResult
from auditor.store import jobs as store_jobs
from auditor.store.engine import Database

UPSTREAM_FIELDS = ("requests", "cache_hits", "rate_limited", "retries", "failures")


class _StoreCollector(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """Names only: registering must not query the store."""
        yield GaugeMetricFamily("auditor_jobs", "Jobs in the store by status", labels=["status"])
        yield GaugeMetricFamily("auditor_queue_depth", "Jobs waiting for a worker")
        yield GaugeMetricFamily("auditor_store_up", "1 when the store answered this scrape")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts = store_jobs.counts_by_status(self.db)
        except Exception:  # noqa: BLE001 - a scrape reports the store as down rather than failing
            yield GaugeMetricFamily("auditor_store_up", "1 when the store answered this scrape", value=0)
            return
        yield GaugeMetricFamily("auditor_store_up", "1 when the store answered this scrape", value=1)
        jobs = GaugeMetricFamily("auditor_jobs", "Jobs in the store by status", labels=["status"])
        for status, n in counts.items():
            jobs.add_metric([status], n)
        yield jobs
        yield GaugeMetricFamily("auditor_queue_depth", "Jobs waiting for a worker", value=counts["queued"])


class Metrics:
    """One process's registry. ``db`` None: no store gauges (an ``auditor worker``'s own endpoint,
    whose job counts would only repeat what every API process reports)."""

    def __init__(self, db: Database | None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        if db is not None:
            self.registry.register(_StoreCollector(db))
        self.job_duration = Histogram(
            "auditor_job_duration_seconds", "Wall time of one job execution in this process", ["status"],
            buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800), registry=self.registry)
        self.upstream_requests = Counter(
            "auditor_upstream_requests", "HTTP requests sent to PubMed/Crossref (retries included), by the "
            "status of their answer ('error': none came)", ["service", "status"], registry=self.registry)
        self.sent: dict[str, float] = {}
        """Requests sent per service, all statuses together (for the cache hit ratio)."""
        self.upstream_cache_hits = Counter(
            "auditor_upstream_cache_hits", "Look-ups answered from the response cache", ["service"],
            registry=self.registry)
        self.upstream_rate_limited = Counter(
            "auditor_upstream_rate_limited", "HTTP 429 answers received from upstream", ["service"],
            registry=self.registry)
        self.upstream_retries = Counter(
            "auditor_upstream_retries", "Retried upstream requests", ["service"], registry=self.registry)
        self.upstream_failures = Counter(
            "auditor_upstream_failures", "Look-ups that ended unavailable after retries", ["service"],
            registry=self.registry)
        self.registry.register(_CacheRatio(self))

    def finished(self, result: JobResult) -> None:
        """One finished execution (its upstream counters have already come through :meth:`upstream`)."""
        self.job_duration.labels(result.status).observe(result.duration_s)

    def upstream(self, delta: Counters) -> None:
        """Upstream counters that moved in a running job since its previous report."""
        for service, counters in delta.items():
            for name, metric in (("cache_hits", self.upstream_cache_hits),
                                 ("rate_limited", self.upstream_rate_limited), ("retries", self.upstream_retries),
                                 ("failures", self.upstream_failures)):
                value = counters.get(name, 0)
                if isinstance(value, int) and value > 0:
                    metric.labels(service).inc(value)
            statuses = counters.get("statuses")
            if isinstance(statuses, dict):
                for status, count in statuses.items():
                    if isinstance(count, int) and count > 0:
                        self.upstream_requests.labels(service, str(status)).inc(count)
                        self.sent[service] = self.sent.get(service, 0) + count


class _CacheRatio(Collector):
    """cache hits / (hits + requests sent) per service, over this process's lifetime."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("auditor_upstream_cache_hit_ratio",
                                "Share of upstream look-ups answered from the cache", labels=["service"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("auditor_upstream_cache_hit_ratio",
                                   "Share of upstream look-ups answered from the cache", labels=["service"])
        for service in ("pubmed", "crossref"):
            hits = self.metrics.upstream_cache_hits.labels(service)._value.get()
            sent = self.metrics.sent.get(service, 0)
            family.add_metric([service], hits / (hits + sent) if hits + sent else 0.0)
        yield family
