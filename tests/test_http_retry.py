"""Retries, rate-limit answers and broken transfers, replayed from recorded sandbox faults."""

from __future__ import annotations

import pytest
from vcr.errors import CannotOverwriteExistingCassetteException

from auditor.sources import build_term, open_sources
from auditor.sources.http import _retry_after, user_agent
from auditor.sources.replay import replay_settings


async def test_429_then_success(sources_vcr):
    with sources_vcr.use_cassette("http_429_then_success.yaml") as cassette:
        async with open_sources(replay_settings()) as sources:
            first = await sources.entrez.esearch(build_term(first_author="Raser JM", journal="Science",
                                                            year=2004))
            second = await sources.entrez.esearch(build_term(author="Moscicki A", journal="J Infect Dis",
                                                             year=2004))
            third = await sources.crossref.work("10.1126/science.1098641")
            fourth = await sources.crossref.work("10.1086/421467")
            counters = sources.counters()
    assert cassette.all_played
    assert first.ok and first.requests == 1
    assert second.ok and second.value == ["15195241"] and second.requests == 2
    assert third.ok and fourth.ok and fourth.value is not None and fourth.requests == 2
    assert counters["pubmed"].rate_limited == 1 and counters["crossref"].rate_limited == 1
    assert counters["pubmed"].failures == 0


async def test_503_until_retries_run_out_is_unavailable_not_empty(sources_vcr):
    with sources_vcr.use_cassette("http_503_exhausted.yaml") as cassette:
        async with open_sources(replay_settings(retry_attempts=3)) as sources:
            fetched = await sources.entrez.efetch(["15166317"])
            work = await sources.crossref.work("10.1126/science.1098641")
            counters = sources.counters()
    assert cassette.all_played
    for result in (fetched, work):
        assert not result.ok
        assert result.value is None
        assert result.requests == 3
        assert "unavailable after 3 attempt(s)" in result.error and "503" in result.error
    assert counters["pubmed"].failures == 1 and counters["crossref"].retries == 2


async def test_fewer_attempts_stop_earlier(sources_vcr):
    with sources_vcr.use_cassette("http_503_exhausted.yaml", allow_playback_repeats=True):
        async with open_sources(replay_settings(retry_attempts=2)) as (entrez, _):
            fetched = await entrez.efetch(["15166317"])
    assert not fetched.ok and fetched.requests == 2


async def test_truncated_body_is_retried(sources_vcr):
    with sources_vcr.use_cassette("http_truncated_body.yaml") as cassette:
        async with open_sources(replay_settings()) as sources:
            fetched = await sources.entrez.efetch(["15166317", "15195241"])
            work = await sources.crossref.work("10.1086/421467")
    assert cassette.all_played
    first = cassette.responses[0]
    declared = int(first["headers"]["Content-Length"][0])
    assert len(first["body"]["string"]) < declared  # what a short read looks like
    assert fetched.ok and set(fetched.value) == {"15166317", "15195241"} and fetched.requests == 2
    assert work.ok and work.value is not None and work.requests == 2


async def test_unrecorded_request_fails_loudly(sources_vcr):
    with sources_vcr.use_cassette("crossref_work_404.yaml"):
        async with open_sources(replay_settings()) as (_, crossref):
            with pytest.raises(CannotOverwriteExistingCassetteException):
                await crossref.work("10.5555/something-else")


def test_retry_after_header_forms():
    assert _retry_after({"retry-after": "3"}) == 3.0
    assert _retry_after({}) is None
    assert _retry_after({"retry-after": "soon"}) is None
    assert 0.0 <= _retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) < 1.0


def test_user_agent_identifies_client():
    assert user_agent("me@example.org") == (
        "reference-auditor/0.1.0 (https://github.com/reference-auditor; mailto:me@example.org)")
    assert "mailto" not in user_agent(None)


def test_backoff_honours_retry_after_and_grows():
    from tenacity import RetryCallState

    from auditor.sources.http import HttpClient, TransientError

    http = HttpClient(replay_settings(retry_wait_initial_s=0.1, retry_wait_max_s=0.4, retry_max_time_s=10))

    def state(attempt: int, exc: BaseException) -> RetryCallState:
        st = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        st.attempt_number = attempt
        st.set_exception((type(exc), exc, None))
        return st

    first = http._wait(state(1, TransientError("HTTP 503")))
    assert 0.05 <= first <= 0.1
    assert 0.2 <= http._wait(state(5, TransientError("HTTP 503"))) <= 0.4  # capped at retry_wait_max_s
    assert http._wait(state(1, TransientError("HTTP 429", retry_after=3.0))) == 3.0
    assert http._wait(state(1, TransientError("HTTP 429", retry_after=99.0))) == 10.0  # bounded by total
