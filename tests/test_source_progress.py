"""Per-source progress from the audit pipeline: what each source's state is while and after an audit.

The pipeline (``auditor.audit``) reports snapshots to a callback; these tests record every snapshot
and check the states against what the fake sources were actually asked and how they answered.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from auditor.audit import audit_documents, reaudit_documents
from auditor.model import ParsedDocument
from auditor.reports.json_report import report_to_dict
from auditor.sources.retraction_watch import INDEX_FILE, IndexState, RetractionIndex, build_index
from tests.builders import CREE_2010, TOLJAN_2018, make_report, ref
from tests.fakes import FakeCrossref, FakeEntrez

CREE_REF = ref("Cree BAC", "Kornyeyeva E", "Goodin DS",
               title="Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis",
               journal="Ann Neurol", year=2010, volume="68", issue="2", pages="145-150", number=1)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "retraction_watch"
INVENTED_REF = ref("Nobody A", title="An invented study of nothing at all", journal="J Nowhere", year=2021,
                   volume="9", pages="1-9", number=2)


def _doc(*refs: Any) -> ParsedDocument:
    return dataclasses.replace(make_report([]).parsed, references=tuple(refs))


def _states(snapshot: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {name: s["state"] for name, s in snapshot.items()}


def _crossref_view(record: Any) -> Any:
    return dataclasses.replace(record, source="crossref", pmid=None)


async def test_states_go_pending_running_done_and_requests_are_the_sources_own() -> None:
    seen: list[dict[str, dict[str, Any]]] = []
    entrez, crossref = FakeEntrez([CREE_2010]), FakeCrossref([_crossref_view(CREE_2010)])
    [report] = await audit_documents([_doc(CREE_REF, INVENTED_REF)], entrez, crossref, sources_progress=seen.append)
    assert _states(seen[0]) == {"pubmed": "pending", "crossref": "pending", "retraction_watch": "skipped"}
    assert any(_states(s)["pubmed"] == "running" for s in seen)
    assert any(_states(s)["crossref"] == "running" for s in seen)
    final = seen[-1]
    assert _states(final) == {"pubmed": "done", "crossref": "done", "retraction_watch": "skipped"}
    # Every fake call costs one request: the counts are exactly the calls each source received.
    assert final["pubmed"]["requests"] == sum(entrez.calls.values())
    assert final["crossref"]["requests"] == sum(crossref.calls.values())
    assert final["pubmed"]["requests"] + final["crossref"]["requests"] == report.requests
    assert final["pubmed"]["errors"] == final["crossref"]["errors"] == 0


async def test_a_failing_source_is_failed_as_soon_as_it_fails_and_stays_failed() -> None:
    seen: list[dict[str, dict[str, Any]]] = []
    entrez = FakeEntrez([CREE_2010], fail=["ecitmatch", "esearch", "efetch"])
    [report] = await audit_documents([_doc(INVENTED_REF)], entrez, FakeCrossref([]), sources_progress=seen.append)
    assert [a.verdict for a in report.audits] == ["unchecked"]
    first_failed = next(i for i, s in enumerate(seen) if s["pubmed"]["state"] == "failed")
    assert all(s["pubmed"]["state"] == "failed" for s in seen[first_failed:])
    assert seen[-1]["pubmed"]["errors"] == sum(entrez.calls.values()) >= 1
    assert seen[-1]["crossref"]["state"] == "done"


async def test_a_source_nothing_needed_is_skipped() -> None:
    seen: list[dict[str, dict[str, Any]]] = []
    await audit_documents([_doc()], FakeEntrez([]), FakeCrossref([]), sources_progress=seen.append)
    assert _states(seen[-1]) == {"pubmed": "skipped", "crossref": "skipped", "retraction_watch": "skipped"}


async def test_retraction_watch_state_follows_the_index(tmp_path: Path) -> None:
    header = (FIXTURES / "sandbox_retraction_watch.csv").read_text(encoding="utf-8").splitlines()[0]
    (tmp_path / "rw.csv").write_text(header + "\n", encoding="utf-8")
    build_index(tmp_path / "rw.csv", tmp_path / INDEX_FILE, {"checked_date": "2026-12-01"})
    index = RetractionIndex(tmp_path / INDEX_FILE)
    for state, expected in ((IndexState(index, "downloaded", requests=1), ("pending", "done", 1)),
                            (IndexState(None, "failed", error="HTTP 503", requests=3), ("failed", "failed", 3))):
        seen: list[dict[str, dict[str, Any]]] = []
        await audit_documents([_doc(CREE_REF)], FakeEntrez([CREE_2010]), FakeCrossref([]), retractions=state,
                              sources_progress=seen.append)
        watch_first, watch_last = seen[0]["retraction_watch"], seen[-1]["retraction_watch"]
        assert (watch_first["state"], watch_last["state"], watch_last["requests"]) == expected


async def test_reaudit_reports_the_identifier_checks_under_their_source() -> None:
    doc = _doc(CREE_REF, INVENTED_REF)
    [first] = await audit_documents([doc], FakeEntrez([CREE_2010]), FakeCrossref([_crossref_view(CREE_2010)]))
    seen: list[dict[str, dict[str, Any]]] = []
    status_entrez, status_crossref = FakeEntrez([CREE_2010]), FakeCrossref([_crossref_view(CREE_2010)])
    entrez, crossref = FakeEntrez([CREE_2010]), FakeCrossref([_crossref_view(CREE_2010)])
    await reaudit_documents([doc], [report_to_dict(first)], entrez, crossref, status_entrez, status_crossref,
                            sources_progress=seen.append)
    assert status_entrez.calls["efetch"] == 1
    final = seen[-1]
    assert final["pubmed"]["requests"] == sum(entrez.calls.values()) + sum(status_entrez.calls.values())
    assert _states(final)["pubmed"] == "done"


async def test_observing_changes_nothing_the_audit_finds() -> None:
    doc = _doc(CREE_REF, INVENTED_REF)

    async def run(observe: bool) -> Any:
        entrez, crossref = FakeEntrez([CREE_2010, TOLJAN_2018]), FakeCrossref([_crossref_view(CREE_2010)])
        [report] = await audit_documents([doc], entrez, crossref,
                                         sources_progress=(lambda s: None) if observe else None)
        return report_to_dict(report), entrez.calls, crossref.calls

    assert await run(True) == await run(False)
