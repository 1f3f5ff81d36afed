"""Crossref JSON parser against real recorded bodies (tests/fixtures/sources)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.sources.crossref_json import parse_item, parse_work, parse_work_list

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_single_work_with_correction_and_elocator_page():
    rec = parse_work(load("works_doi_plos_one_updated_by_correction_EXCERPT.json"))
    assert rec.source == "crossref"
    assert rec.doi == "10.1371/journal.pone.0033693"
    assert rec.journal == "PLoS ONE" and rec.journal_abbrevs == ("PLoS ONE",)
    assert rec.year == 2012 and rec.online_year == 2012
    assert rec.article_number == "e33693"
    assert rec.authors[0].family == "Sadasivan" and rec.authors[1].initials == "BB"
    assert [(u.kind, u.source) for u in rec.updates] == [("correction", "publisher")]
    assert not rec.is_notice


def test_article_number_field():
    rec = parse_work(load("works_doi_sci_rep_srep16696_EXCERPT.json"))
    assert rec.article_number == "16696"
    assert rec.first_page is None
    assert rec.journal_abbrevs == ("Sci Rep",)


def test_multi_doi_filter_list_unordered_scores():
    records = parse_work_list(load("works_filter_multi_doi_rows3_EXCERPT.json"))
    assert {r.doi for r in records} == {"10.1162/qss_a_00348", "10.1007/10452.1573-5125",
                                        "10.1007/s11192-025-05390-3"}
    assert all(r.score == 0.0 for r in records)


def test_query_results_keep_scores_in_order():
    records = parse_work_list(load("works_query_ecology_rows2_polite.json"))
    assert [r.score for r in records] == sorted((r.score for r in records), reverse=True)
    assert records[0].score == pytest.approx(11.044969)


def test_correction_notice_without_source_key():
    rec = parse_item(json.loads(load("item_correction_notice_update_to_plos_one.json")))
    assert rec.is_notice
    assert rec.updates == ()


def test_new_version_is_ignored():
    rec = parse_item(json.loads(load("item_update_to_and_updated_by_new_version_plos_pathog_EXCERPT.json")))
    assert rec.updates == () and not rec.is_notice


def test_retraction_watch_and_print_year_synthetic():
    # Constructed: no recorded item with a retraction was available (see api-samples README).
    item = {"DOI": "10.5555/X", "title": ["A <i>title</i>"], "published-print": {"date-parts": [[2021, 2]]},
            "published-online": {"date-parts": [[2020, 11, 3]]}, "page": "10-19",
            "author": [{"name": "Consortium"}],
            "updated-by": [{"DOI": "10.5555/R", "type": "retraction", "source": "retraction-watch"},
                           {"DOI": "10.5555/R", "type": "retraction", "source": "publisher"},
                           {"DOI": "10.5555/E", "type": "expression_of_concern"},
                           {"DOI": "10.5555/V", "type": "new_version"}]}
    rec = parse_item(item)
    assert rec.doi == "10.5555/x" and rec.title == "A title"
    assert (rec.year, rec.online_year) == (2021, 2020)
    assert (rec.first_page, rec.last_page) == ("10", "19")
    assert rec.authors[0].collective == "Consortium"
    assert [(u.kind, u.source) for u in rec.updates] == [("retraction", "retraction-watch"),
                                                         ("expression_of_concern", "publisher")]


def test_404_text_and_truncated_json_are_errors():
    with pytest.raises(ValueError):
        parse_work(load("works_404_not_found.txt"))
    body = load("works_query_ecology_rows2_polite.json")
    with pytest.raises(ValueError):
        parse_work_list(body[: len(body) // 2])
