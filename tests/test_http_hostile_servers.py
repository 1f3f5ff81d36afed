"""Servers that answer badly must give "unavailable", never a crash, a hang or an empty answer.

Each test runs a tiny aiohttp server on 127.0.0.1 standing in for one misbehaviour, and points the
real clients at it through ``AUDITOR_ENTREZ_URL``/``AUDITOR_CROSSREF_URL``-style settings.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from auditor.config import Settings
from auditor.sources import open_sources
from auditor.sources.pubmed_xml import parse_efetch

Handler = Callable[[web.Request], web.StreamResponse]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], object]]:
    servers: list[TestServer] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("/")).rstrip("/")

    yield start
    for server in servers:
        await server.close()


def _settings(base: str, **kw: object) -> Settings:
    values: dict[str, object] = dict(
        entrez_url=f"{base}/entrez/eutils/", crossref_url=f"{base}/crossref/", cache_mode="no-cache",
        retry_attempts=2, retry_wait_initial_s=0.01, retry_wait_max_s=0.02, retry_max_time_s=2.0,
        ncbi_rps=1000.0, crossref_rps=1000.0,
    )
    values.update(kw)
    return Settings.load(environ={}, **values)


async def test_an_unexpected_crossref_json_shape_is_unavailable(serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "message": {"items": [{"DOI": "10.1/x", "author": 5}]}})

    base = await serve(handler)
    async with open_sources(_settings(base)) as (_, crossref):
        result = await crossref.search_bibliographic("Smith J. A title. J Test. 2020;1:1.")
    assert not result.ok and "unreadable body" in (result.error or "")


async def test_an_html_page_from_efetch_is_unavailable_not_an_empty_answer(serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="<html><head><title>Service Temporarily Unavailable</title></head></html>",
                            content_type="text/html")

    base = await serve(handler)
    async with open_sources(_settings(base)) as (entrez, _):
        result = await entrez.efetch(["31234567"])
    assert not result.ok and result.value is None


async def test_a_huge_retry_after_does_not_stall_beyond_the_retry_budget(serve) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "3600"}, text="slow down")

    base = await serve(handler)
    started = time.monotonic()
    async with open_sources(_settings(base, retry_max_time_s=1.0)) as (entrez, _):
        result = await entrez.esearch("x[ti]")
    assert not result.ok
    assert time.monotonic() - started < 10  # bounded by the retry budget, not by the hour asked for


def test_pubmed_book_records_are_records() -> None:
    body = b"""<?xml version="1.0"?><PubmedArticleSet><PubmedBookArticle><BookDocument>
      <PMID Version="1">20301340</PMID><ArticleTitle>Alzheimer Disease Overview</ArticleTitle>
      <Book><Publisher><PublisherName>University of Washington, Seattle</PublisherName></Publisher>
        <BookTitle>GeneReviews</BookTitle><PubDate><Year>1998</Year></PubDate></Book>
      <AuthorList Type="authors"><Author><LastName>Bird</LastName><ForeName>Thomas D</ForeName>
        <Initials>TD</Initials></Author></AuthorList></BookDocument>
      <PubmedBookData><ArticleIdList><ArticleId IdType="pubmed">20301340</ArticleId></ArticleIdList>
      </PubmedBookData></PubmedBookArticle></PubmedArticleSet>"""
    record = parse_efetch(body)["20301340"]
    assert (record.title, record.journal, record.year) == ("Alzheimer Disease Overview", "GeneReviews", 1998)
    assert [a.family for a in record.authors] == ["Bird"]
    with pytest.raises(ValueError):
        parse_efetch(b"<html><body>maintenance</body></html>")
