"""``/metrics``: upstream requests by service and answer status, 429s and the cache hit ratio."""

from __future__ import annotations

from prometheus_client import generate_latest

from auditor.jobs.execute import JobResult
from auditor.service.metrics import Metrics
from auditor.sources.http import ServiceCounters
from auditor.store.engine import Database


def test_upstream_requests_are_counted_by_service_and_status(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    metrics = Metrics(db)
    pubmed = ServiceCounters(requests=5, cache_hits=5, rate_limited=1, retries=1)
    for status in (200, 200, 200, 429, "error"):
        pubmed.count_status(status)
    crossref = ServiceCounters(requests=2)
    crossref.count_status(200)
    crossref.count_status(404)
    metrics.observe(JobResult("j1", "succeeded", 1.0, {"pubmed": pubmed.as_dict(), "crossref": crossref.as_dict()}))
    metrics.observe(JobResult("j2", "succeeded", 1.0, {"crossref": crossref.as_dict()}))
    text = generate_latest(metrics.registry).decode()
    for line in ('auditor_upstream_requests_total{service="pubmed",status="200"} 3.0',
                 'auditor_upstream_requests_total{service="pubmed",status="429"} 1.0',
                 'auditor_upstream_requests_total{service="pubmed",status="error"} 1.0',
                 'auditor_upstream_requests_total{service="crossref",status="404"} 2.0',
                 'auditor_upstream_rate_limited_total{service="pubmed"} 1.0',
                 'auditor_upstream_cache_hit_ratio{service="pubmed"} 0.5',
                 'auditor_upstream_cache_hit_ratio{service="crossref"} 0.0'):
        assert line in text, line
    db.dispose()
