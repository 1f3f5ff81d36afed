"""The Retraction Watch index: the CSV's conventions, conditional daily download, local look-ups,
flags and REF305 evidence on matched works at zero requests, and Crossref's retraction-watch entries."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web

from auditor.audit import audit_documents
from auditor.config import Settings
from auditor.documents.loader import load_document
from auditor.judging.retraction_watch import apply_retraction_watch
from auditor.model import Match, ReferenceAudit
from auditor.parsing import parse_document
from auditor.sources import open_sources
from auditor.sources.crossref_json import parse_item
from auditor.sources.http import HttpClient
from auditor.sources.replay import replay_settings, replaying
from auditor.sources.retraction_watch import (
    INDEX_FILE,
    IndexState,
    RetractionIndex,
    RetractionWatchFormatError,
    build_index,
    parse_csv,
    read_csv_text,
    refresh_index,
)
from tests.builders import ref

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "retraction_watch"
SANDBOX_CSV = FIXTURES / "sandbox_retraction_watch.csv"
EDGE_CSV = FIXTURES / "edge_cases.csv"
DAY = 86400.0


def _entries(path: Path) -> list:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(parse_csv(fh))


def _index(tmp_path: Path, *csvs: Path) -> RetractionIndex:
    combined = tmp_path / "combined.csv"
    text = csvs[0].read_text(encoding="utf-8-sig")
    for extra in csvs[1:]:
        text += "".join(extra.read_text(encoding="utf-8-sig").splitlines(keepends=True)[1:])
    combined.write_text(text, encoding="utf-8")
    build_index(combined, tmp_path / INDEX_FILE, {"url": "file", "checked_date": "2026-12-01"})
    return RetractionIndex(tmp_path / INDEX_FILE)


# --- the CSV ---------------------------------------------------------------------------------------------


def test_edge_cases_follow_the_documented_conventions() -> None:
    entries = {e.record_id: e for e in _entries(EDGE_CSV)}
    # 90003 names no DOI or PMID; 90008 has a nature this parser does not know.
    assert set(entries) == {"90001", "90002", "90004", "90005", "90006", "90007"}
    r = entries["90001"]
    assert (r.nature, r.original_doi, r.original_pmid) == ("retraction", "10.5555/fixture.retracted", "99000101")
    assert r.notice_doi == "10.5555/fixture.notice-1" and r.notice_pmid is None  # PMID "0" is missing
    assert r.notice_date == date(2024, 1, 15)
    assert r.reasons == ("+Fake Peer Review", "+Concerns/Issues About Data", "+Investigation by Journal/Publisher")
    assert r.title == "Fake peer review, with a comma, in the title"
    eoc = entries["90002"]
    assert (eoc.nature, eoc.original_doi, eoc.original_pmid, eoc.notice_doi) == (
        "expression_of_concern", None, "99000102", None)
    assert entries["90007"].nature == "reinstatement"


def test_sandbox_copy_parses_every_row() -> None:
    entries = _entries(SANDBOX_CSV)
    rows = SANDBOX_CSV.read_text(encoding="utf-8").count("\n") - 1
    assert len(entries) == rows == 12
    fixture = next(e for e in entries if e.original_doi == "10.5555/emulator.retracted")
    assert (fixture.record_id, fixture.nature, fixture.original_pmid, fixture.notice_pmid) == (
        "65305", "retraction", "99000001", "99000002")
    assert {e.nature for e in entries} <= {"retraction", "correction", "expression_of_concern"}


def test_a_file_without_the_columns_is_refused() -> None:
    with pytest.raises(RetractionWatchFormatError, match="Record ID"):
        read_csv_text("<html><body>Sign in to GitLab</body></html>\n")


def test_lookup_by_doi_any_spelling_or_pmid(tmp_path: Path) -> None:
    index = _index(tmp_path, SANDBOX_CSV, EDGE_CSV)
    assert [e.record_id for e in index.lookup(doi="https://doi.org/10.5555/FIXTURE.retracted")] == ["90001"]
    assert [e.record_id for e in index.lookup(pmid="99000102")] == ["90002"]
    assert [e.record_id for e in index.lookup(doi="10.5555/fixture.corrected")] == ["90004", "90005"]
    assert [e.record_id for e in index.lookup(doi="10.5555/emulator.retracted", pmid="99000001")] == ["65305"]
    assert index.lookup(doi="10.1000/not-listed", pmid="0") == []
    assert index.lookup() == []
    assert index.consulted_key == "retraction-watch@2026-12-01"


# --- applying it to judged references ------------------------------------------------------------------


def _audit(doi: str | None = None, pmid: str | None = None, flags: tuple[str, ...] = ()) -> ReferenceAudit:
    match = Match(doi=doi, pmid=pmid, source="crossref") if (doi or pmid) else None
    return ReferenceAudit(reference=ref("Tester A", title="A title"), verdict="verified",
                          flags=flags, match=match, consulted={"pubmed": "answered", "crossref": "answered"})


def test_a_listed_match_gains_its_flag_and_the_evidence(tmp_path: Path) -> None:
    state = IndexState(_index(tmp_path, EDGE_CSV), "fresh")
    audit = apply_retraction_watch(_audit(doi="10.5555/fixture.retracted"), state)
    assert audit.flags == ("retracted",)
    assert audit.verdict == "verified"  # flags stand beside the verdict
    [finding] = audit.findings
    assert (finding.code, finding.severity, finding.source) == ("REF305", "error", "retraction-watch")
    assert finding.identifier == "DOI:10.5555/fixture.notice-1"
    assert finding.message == ("Retraction Watch record 90001: retraction on 2024-01-15 (notice "
                               "DOI:10.5555/fixture.notice-1); reasons: +Fake Peer Review "
                               "+Concerns/Issues About Data +Investigation by Journal/Publisher")
    assert audit.consulted["retraction-watch@2026-12-01"] == "answered"
    assert audit.consulted["pubmed"] == "answered"


def test_expression_of_concern_corrections_and_reinstatement(tmp_path: Path) -> None:
    state = IndexState(_index(tmp_path, EDGE_CSV), "fresh")
    eoc = apply_retraction_watch(_audit(pmid="99000102"), state)
    assert eoc.flags == ("expression_of_concern",) and eoc.findings[0].severity == "major"
    corrected = apply_retraction_watch(_audit(doi="10.5555/fixture.corrected", flags=("retracted",)), state)
    assert corrected.flags == ("retracted", "corrected")
    assert [f.record_value for f in corrected.findings] == ["Correction (record 90004)", "Correction (record 90005)"]
    reinstated = apply_retraction_watch(_audit(doi="10.5555/fixture.reinstated"), state)
    assert reinstated.flags == () and reinstated.findings == ()


def test_unmatched_references_and_missing_index_are_named_honestly(tmp_path: Path) -> None:
    state = IndexState(_index(tmp_path, EDGE_CSV), "fresh")
    assert apply_retraction_watch(_audit(), state).consulted["retraction-watch@2026-12-01"] == "not_asked"
    failed = apply_retraction_watch(_audit(doi="10.5555/fixture.retracted"), IndexState(None, "failed", "HTTP 503"))
    assert failed.consulted["retraction-watch"] == "failed" and failed.flags == ()
    offline = apply_retraction_watch(_audit(doi="10.5555/fixture.retracted"), IndexState(None, "offline"))
    assert offline.consulted["retraction-watch"] == "not_asked"


async def test_a_whole_audit_consults_the_index_at_zero_requests(tmp_path: Path) -> None:
    """Seed 001 replayed: the index lists one of its matched works; the request count is unchanged."""
    seed = next((ROOT / "seeds").glob("001_*.txt"))
    csv_path = tmp_path / "rw.csv"
    header = SANDBOX_CSV.read_text(encoding="utf-8").splitlines()[0]
    csv_path.write_text(header + "\n" + "77001,T,,,,,,,,,3/4/2026 0:00,10.5555/notice,0,1/1/2024 0:00,"
                        "10.3390/cancers16061240,0,Retraction,+Paper Mill;,No,\n", encoding="utf-8")
    build_index(csv_path, tmp_path / INDEX_FILE, {"checked_date": "2026-12-01"})
    state = IndexState(RetractionIndex(tmp_path / INDEX_FILE), "fresh")
    documents = [parse_document(load_document(str(seed)))]

    async def run(retractions: IndexState | None) -> list:
        with replaying(ROOT / "cassettes" / "seeds" / "001.yaml"):
            async with open_sources(replay_settings()) as (entrez, crossref):
                return await audit_documents(documents, entrez, crossref, retractions=retractions)

    [plain] = await run(None)
    [checked] = await run(state)
    assert checked.requests == plain.requests
    flagged = [a for a in checked.audits if a.flags]
    assert [(a.reference.number, a.flags) for a in flagged] == [(2, ("retracted",))]
    assert flagged[0].findings[-1].code == "REF305"
    assert all("retraction-watch@2026-12-01" in a.consulted for a in checked.audits)
    assert all(not any(k.startswith("retraction-watch") for k in a.consulted) for a in plain.audits)
    # The report with the index's flag, finding and consulted entry is still a valid report.
    import jsonschema

    from auditor.reports.json_report import load_schema, report_to_dict

    jsonschema.validate(report_to_dict(checked), load_schema())


# --- downloading: conditional GET, at most daily -----------------------------------------------------------


@dataclass
class CsvServer:
    body: bytes
    url: str = ""
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@pytest.fixture
async def csv_server() -> AsyncIterator[CsvServer]:
    state = CsvServer(SANDBOX_CSV.read_bytes())

    async def handler(request: web.Request) -> web.Response:
        state.requests.append(dict(request.headers))
        if state.status != 200:
            return web.Response(status=state.status)
        if request.headers.get("If-None-Match") == state.etag:
            return web.Response(status=304, headers={"ETag": state.etag})
        return web.Response(body=state.body, content_type="text/csv", headers={"ETag": state.etag})

    app = web.Application()
    app.router.add_get("/retraction-watch/retraction_watch.csv", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/retraction-watch/retraction_watch.csv"
    yield state
    await runner.cleanup()


def _settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=str(tmp_path), retry_attempts=2, retry_wait_initial_s=0, retry_wait_max_s=0)


async def test_conditional_download_at_most_daily(tmp_path: Path, csv_server: CsvServer) -> None:
    t0 = time.time()
    async with HttpClient(_settings(tmp_path)) as http:
        first = await refresh_index(http, csv_server.url, tmp_path, now=t0)
        assert first.action == "downloaded" and first.index is not None and first.requests == 1
        assert "If-None-Match" not in csv_server.requests[0]
        assert first.index.lookup(doi="10.5555/emulator.retracted")[0].record_id == "65305"

        same_day = await refresh_index(http, csv_server.url, tmp_path, now=t0 + 3600)
        assert same_day.action == "fresh" and len(csv_server.requests) == 1

        next_day = await refresh_index(http, csv_server.url, tmp_path, now=t0 + DAY + 1)
        assert next_day.action == "not_modified" and next_day.index is not None
        assert csv_server.requests[1]["If-None-Match"] == csv_server.etag
        assert next_day.index.lookup(pmid="99000001")

        csv_server.body = EDGE_CSV.read_bytes()  # a new day's file
        forced = await refresh_index(http, csv_server.url, tmp_path, mode="refresh", now=t0 + DAY + 2)
        assert forced.action == "downloaded"
        assert forced.index is not None and forced.index.lookup(doi="10.5555/fixture.retracted")
        assert not forced.index.lookup(pmid="99000001")

        offline = await refresh_index(http, csv_server.url, tmp_path, mode="offline", now=t0 + 30 * DAY)
        assert offline.action == "offline" and offline.index is not None and len(csv_server.requests) == 3


async def test_a_failed_or_bogus_download_keeps_the_last_copy(tmp_path: Path, csv_server: CsvServer) -> None:
    t0 = time.time()
    async with HttpClient(_settings(tmp_path)) as http:
        assert (await refresh_index(http, csv_server.url, tmp_path, now=t0)).action == "downloaded"
        csv_server.status = 503
        failed = await refresh_index(http, csv_server.url, tmp_path, now=t0 + 2 * DAY)
        assert failed.action == "failed" and "unavailable after 2 attempt(s)" in (failed.error or "")
        assert failed.index is not None and failed.index.lookup(pmid="99000001")
        csv_server.status = 200
        csv_server.body = b"<html>maintenance</html>"
        bogus = await refresh_index(http, csv_server.url, tmp_path, now=t0 + 3 * DAY)
        assert bogus.action == "failed" and "missing column" in (bogus.error or "")
        assert bogus.index is not None and bogus.index.lookup(pmid="99000001")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".retraction_watch")] == []


async def test_offline_with_no_copy_has_no_index(tmp_path: Path) -> None:
    async with HttpClient(_settings(tmp_path)) as http:
        state = await refresh_index(http, "http://127.0.0.1:9/none.csv", tmp_path, mode="offline")
    assert state.index is None and state.error is None


# --- Crossref's retraction-watch entries ------------------------------------------------------------------


def test_crossref_retraction_watch_entry_keeps_its_record_id() -> None:
    entry = {"DOI": "10.5555/emulator.retraction-notice", "type": "retraction", "label": "Retraction",
             "updated": {"date-parts": [[2021, 1]]}}
    both = parse_item({"DOI": "10.5555/emulator.retracted", "updated-by": [
        {**entry, "source": "publisher"}, {**entry, "source": "retraction-watch", "record-id": 65305}]})
    [update] = both.updates
    assert (update.source, update.record_id) == ("publisher", "65305")
    assert update.label == "Retraction; Retraction Watch record 65305"
    only_rw = parse_item({"DOI": "10.5555/x", "updated-by": [{**entry, "source": "retraction-watch",
                                                             "record-id": "12"}]})
    assert [(u.source, u.record_id) for u in only_rw.updates] == [("retraction-watch", "12")]
    no_id = parse_item({"DOI": "10.5555/y", "updated-by": [{**entry, "source": "publisher", "record-id": 5}]})
    assert no_id.updates[0].record_id is None
    assert no_id.updates[0].label == "Retraction"


async def test_a_failed_download_is_not_retried_by_every_audit(tmp_path: Path, csv_server: CsvServer) -> None:
    """A service calls this for every job: an unreachable host must cost one retry schedule per back-off."""
    t0 = time.time()
    csv_server.status = 503
    async with HttpClient(_settings(tmp_path)) as http:
        first = await refresh_index(http, csv_server.url, tmp_path, retry_s=900, now=t0)
        assert first.action == "failed" and first.index is None and first.requests == 2
        again = await refresh_index(http, csv_server.url, tmp_path, retry_s=900, now=t0 + 60)
        assert again.action == "failed" and again.requests == 0 and len(csv_server.requests) == 2
        assert "unavailable after 2 attempt(s)" in (again.error or "")
        assert "1 min ago, the next is due in 14 min" in (again.error or "")
        other_url = await refresh_index(http, csv_server.url + "?mirror", tmp_path, retry_s=900, now=t0 + 61)
        assert other_url.requests == 2  # the back-off belongs to the URL that failed
        csv_server.status = 200
        forced = await refresh_index(http, csv_server.url, tmp_path, mode="refresh", retry_s=900, now=t0 + 120)
        assert forced.action == "downloaded" and forced.index is not None
    assert not (tmp_path / "retraction_watch.failed.json").exists()


async def test_the_back_off_ends(tmp_path: Path, csv_server: CsvServer) -> None:
    t0 = time.time()
    csv_server.status = 503
    async with HttpClient(_settings(tmp_path)) as http:
        assert (await refresh_index(http, csv_server.url, tmp_path, retry_s=900, now=t0)).action == "failed"
        csv_server.status = 200
        later = await refresh_index(http, csv_server.url, tmp_path, retry_s=900, now=t0 + 901)
        assert later.action == "downloaded" and later.index is not None and later.requests == 1


async def test_concurrent_audits_share_one_download(tmp_path: Path, csv_server: CsvServer) -> None:
    async with HttpClient(_settings(tmp_path)) as http:
        states = await asyncio.gather(*(refresh_index(http, csv_server.url, tmp_path) for _ in range(6)))
    assert len(csv_server.requests) == 1
    assert sorted(s.requests for s in states) == [0, 0, 0, 0, 0, 1]
    assert {s.action for s in states} == {"downloaded"}
    indexes = [s.index for s in states]
    assert all(i is not None for i in indexes) and len({id(i) for i in indexes}) == 6  # each closes its own
    for index in indexes:
        assert index is not None and index.lookup(pmid="99000001")
        index.close()
