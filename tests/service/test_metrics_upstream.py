"""``/metrics``: upstream requests by service and answer status, 429s and the cache hit ratio."""

from __future__ import annotations

from prometheus_client import generate_latest

from auditor.jobs.execute import CounterFeed, JobResult
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
    metrics.upstream({"pubmed": pubmed.as_dict(), "crossref": crossref.as_dict()})
    metrics.upstream({"crossref": crossref.as_dict()})
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


def test_a_feed_pushed_at_every_heartbeat_counts_each_request_once(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    metrics = Metrics(db)
    feed = CounterFeed(metrics)
    live = ServiceCounters()
    for step in range(5):  # a job that sends two requests between heartbeats, one answered 429
        live.requests += 2
        live.count_status(200)
        live.count_status(429)
        live.rate_limited += 1
        live.cache_hits += step
        feed.push({"pubmed": live.as_dict()})
        feed.push({"pubmed": live.as_dict()})  # nothing moved: nothing added
        text = generate_latest(metrics.registry).decode()
        assert f'auditor_upstream_requests_total{{service="pubmed",status="429"}} {step + 1}.0' in text
    metrics.finished(JobResult("j1", "succeeded", 1.0, {"pubmed": live.as_dict()}))  # the end: no recount
    text = generate_latest(metrics.registry).decode()
    for line in ('auditor_upstream_requests_total{service="pubmed",status="200"} 5.0',
                 'auditor_upstream_requests_total{service="pubmed",status="429"} 5.0',
                 'auditor_upstream_rate_limited_total{service="pubmed"} 5.0',
                 'auditor_upstream_cache_hits_total{service="pubmed"} 10.0',
                 'auditor_job_duration_seconds_count{status="succeeded"} 1.0'):
        assert line in text, line
    db.dispose()
