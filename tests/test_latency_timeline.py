"""The latency benchmark's timeline arithmetic (bench/lib/timeline.py), pinned without a server.

The README's floor analysis quotes these figures, so what each one means is fixed here on a
hand-made run: ECitMatch, three paced Crossref searches, then a sweep ESearch and EFetch.
"""

from __future__ import annotations

from bench.lib.timeline import Event, markdown_rows, max_in_flight, phases, request_kind


def _run() -> list[Event]:
    return [
        Event("pubmed", "ecitmatch", 0.0, 0.0, 1.3),
        Event("pubmed", "efetch", 1.31, 1.31, 1.56),
        Event("crossref", "search", 1.31, 1.31, 1.60),
        Event("crossref", "search", 1.31, 1.41, 1.70),
        Event("crossref", "search", 1.31, 1.51, 1.80),
        Event("pubmed", "esearch", 1.80, 1.80, 2.40),
        Event("pubmed", "efetch", 2.40, 2.40, 2.65),
    ]


def test_phases_name_the_critical_path() -> None:
    p = phases(_run(), wall=2.70)
    assert p["requests"] == 7
    assert p["ecitmatch_answered_s"] == 1.3
    assert p["first_search_sent_s"] == 1.31
    assert p["searches"] == 3
    assert p["search_spacing_median_s"] == 0.1
    assert p["search_duration_median_s"] == 0.29
    assert p["searches_max_in_flight"] == 3
    assert p["last_search_answered_s"] == 1.8
    assert p["tail_after_last_search_s"] == 0.85  # what PubMed still did after Crossref's last answer
    assert p["tail_requests"] == ["esearch", "efetch"]
    assert p["client_after_last_answer_s"] == 0.05
    assert p["wall_s"] == 2.7


def test_a_run_without_searches_has_no_search_figures() -> None:
    p = phases([Event("pubmed", "ecitmatch", 0.0, 0.0, 1.0), Event("pubmed", "efetch", 1.0, 1.0, 1.2)], wall=1.25)
    assert p["searches"] == 0 and p["first_search_sent_s"] is None and p["tail_after_last_search_s"] is None
    assert p["tail_requests"] == [] and p["last_answer_s"] == 1.2
    assert markdown_rows("x", p) == "| x | 1.00 | – | 0 at –, ≤ 0 in flight | – | – (–) | 0.05 | 1.25 |"


def test_an_answer_frees_its_slot_before_a_send_at_the_same_moment() -> None:
    back_to_back = [Event("crossref", "search", 0, 0.0, 0.3), Event("crossref", "search", 0, 0.3, 0.6)]
    assert max_in_flight(back_to_back) == 1
    assert max_in_flight(back_to_back + [Event("crossref", "search", 0, 0.1, 0.5)]) == 2


def test_request_kinds_from_url_and_parameters() -> None:
    eutils = "http://127.0.0.1:1/entrez/eutils/"
    assert request_kind("pubmed", eutils + "ecitmatch.cgi", {"bdata": "x"}) == "ecitmatch"
    assert request_kind("pubmed", eutils + "efetch.fcgi", {"id": "1"}) == "efetch"
    assert request_kind("pubmed", eutils + "esearch.fcgi", {"term": "x"}) == "esearch"
    works = "http://127.0.0.1:1/crossref/works"
    assert request_kind("crossref", works, {"query.bibliographic": "x", "rows": "3"}) == "search"
    assert request_kind("crossref", works, {"filter": "doi:10.1/x"}) == "dois"
    assert request_kind("crossref", works + "/10.1%2Fx", {}) == "work"
