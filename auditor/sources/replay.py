"""vcrpy settings shared by the cassette recorder and every replay (tests, whole-document runs).

One definition of what identifies a request (method, URL, query and, for the POSTed ECitMatch and
EFetch, the form body) and of what is never written to a cassette (email, API key, User-Agent), so
a cassette recorded by ``scripts/record_cassettes.py`` replays byte-for-byte through the same client
code. vcrpy is a test/recording dependency, so it is imported only when these helpers are called.

Replaying through the real code path::

    vcr = replay_vcr("cassettes/sources")
    with vcr.use_cassette("entrez_efetch_batch.yaml") as cassette:
        async with open_sources(replay_settings()) as (entrez, crossref):
            ...
    assert cassette.all_played
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.config import DEFAULT_CROSSREF_URL, DEFAULT_ENTREZ_URL, Settings

if TYPE_CHECKING:
    import vcr as vcr_module

MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
FILTER_QUERY = ("email", "api_key", "mailto")
FILTER_POST = ("email", "api_key")
FILTER_HEADERS = ("user-agent", "authorization", "crossref-plus-api-token", "cookie")

_LOCAL = r"^https?://(?:127\.0\.0\.1|localhost|\[::1\]):\d+"
_REWRITES = (
    (re.compile(_LOCAL + r"/entrez/eutils/"), DEFAULT_ENTREZ_URL),
    (re.compile(_LOCAL + r"/crossref/"), DEFAULT_CROSSREF_URL),
)


def rewrite_uri(uri: str) -> str:
    """A sandbox (or local proxy) URL as the live service URL it stands for; others unchanged."""
    for pattern, live in _REWRITES:
        new, count = pattern.subn(live, uri, count=1)
        if count:
            return new
    return uri


def rewrite_request(request: Any) -> Any:
    """vcrpy ``before_record_request`` hook: store requests under the live services' URLs."""
    request.uri = rewrite_uri(request.uri)
    return request


def replay_vcr(cassette_dir: str | os.PathLike[str], record_mode: str = "none",
               **options: Any) -> vcr_module.VCR:
    """A ``vcr.VCR`` for replay (``record_mode="none"``: any unrecorded request is an error)."""
    import vcr

    config: dict[str, Any] = {
        "cassette_library_dir": os.fspath(cassette_dir),
        "record_mode": record_mode,
        "match_on": MATCH_ON,
        "filter_query_parameters": FILTER_QUERY,
        "filter_post_data_parameters": FILTER_POST,
        "filter_headers": FILTER_HEADERS,
        "before_record_request": rewrite_request,
    }
    config.update(options)
    return vcr.VCR(**config)


@contextlib.contextmanager
def replaying(cassette: str | os.PathLike[str], **options: Any) -> Iterator[Any]:
    """Serve every HTTP request made inside the block from ``cassette`` (no network at all).

    Any request the cassette does not hold raises vcrpy's ``CannotOverwriteExistingCassetteException``
    out of the client, so a replay can never silently fall back to the live services. Yields the
    vcrpy cassette (``cassette.all_played`` tells whether every recorded answer was used).
    """
    path = Path(cassette)
    with replay_vcr(path.parent, **options).use_cassette(path.name) as loaded:
        yield loaded


def replay_settings(**overrides: Any) -> Settings:
    """Settings for replaying cassettes: live URLs, no cache, no pacing, tiny retry waits.

    The environment is ignored so a developer's ``AUDITOR_*`` variables cannot redirect a replay.
    """
    values: dict[str, Any] = {
        "cache_mode": "no-cache",
        "retry_attempts": 3,
        "retry_wait_initial_s": 0.001,
        "retry_wait_max_s": 0.002,
        "retry_max_time_s": 30.0,
        "ncbi_rps": 10000.0,
        "crossref_rps": 10000.0,
        "crossref_concurrency": 8,
    }
    values.update(overrides)
    return Settings.load(environ={}, **values)
