"""PubMed XML and ECitMatch parsers against real recorded bodies (tests/fixtures/sources)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.sources.pubmed_xml import esearch_count, expand_pages, parse_ecitmatch, parse_efetch, parse_esearch

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_two_records_fields_and_nlm_page_expansion():
    records = parse_efetch(load("efetch_pubmed_xml_two_records.xml"))
    assert set(records) == {"11748933", "11700088"}
    rec = records["11748933"]
    assert rec.source == "pubmed"
    assert rec.doi == "10.1006/cryo.2001.2328"
    assert rec.journal == "Cryobiology"
    assert rec.journal_abbrevs == ("Cryobiology",)
    assert (rec.year, rec.volume, rec.issue) == (2001, "42", "4")
    assert rec.pages == "244-55"
    assert (rec.first_page, rec.last_page) == ("244", "255")
    assert rec.authors[0].family == "Taddei" and rec.authors[0].initials == "AR"
    assert "Journal Article" in rec.publication_types
    assert rec.updates == () and not rec.is_notice


def test_season_date_and_missing_doi():
    records = parse_efetch(load("efetch_pubmed_xml_abstract_two_records.xml"))
    social = records["12091962"]
    assert social.year == 1990  # <PubDate><Year>1990</Year><Season>Spring</Season>
    assert social.doi is None
    assert records["9997"].doi == "10.1016/0005-2795(76)90109-4"


def test_retracted_fragment_without_wrapper():
    records = parse_efetch(load("efetch_pubmed_xml_retracted_publication_10066780_fragment.xml"))
    rec = records["10066780"]
    assert rec.journal_abbrevs == ("J Biol Chem", "J. Biol. Chem.")
    kinds = {u.kind: u for u in rec.updates}
    assert kinds["retraction"].pmid == "11905463"
    assert kinds["retraction"].source == "pubmed"
    assert kinds["correction"].pmid is None  # ErratumIn without a PMID is still reported
    assert not rec.is_notice
    assert (rec.first_page, rec.last_page) == ("7196", "7199")


def test_retraction_notice_is_a_notice():
    rec = parse_efetch(load("efetch_pubmed_xml_retraction_notice_27508352.xml"))["27508352"]
    assert rec.is_notice
    assert rec.updates == ()
    assert rec.pmcid == "PMC4979084"


def test_elocation_pii_is_article_number_and_online_year():
    rec = parse_efetch(load("efetch_pubmed_xml_29915538_EXCERPT.xml"))["29915538"]
    assert rec.article_number == "576"
    assert rec.doi == "10.3389/fphar.2018.00576"
    assert rec.online_year == 2018
    assert rec.issue is None


def test_mathml_title_becomes_text_and_elocator_page():
    rec = parse_efetch(load("efetch_pubmed_xml_frontiers_elocation_mathml.xml"))["30108519"]
    assert rec.title is not None and "<" not in rec.title and "Blood Relationship" in rec.title
    assert rec.article_number == "1034"
    assert rec.doi == "10.3389/fphys.2018.01034"


def test_collective_name_and_medline_date_synthetic():
    # Constructed (not copied) to cover elements no recorded sample holds.
    xml = b"""<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
      <Journal><JournalIssue><Volume>3</Volume><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate>
      </JournalIssue><Title>Some journal</Title></Journal><ArticleTitle>T <i>x</i><sup>2</sup>.</ArticleTitle>
      <Pagination><MedlinePgn>e123</MedlinePgn></Pagination>
      <AuthorList><Author><CollectiveName>WHO Study Group</CollectiveName></Author>
      <Author ValidYN="N"><LastName>Dropped</LastName></Author></AuthorList>
      <PublicationTypeList><PublicationType>Published Erratum</PublicationType></PublicationTypeList>
      </Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"""
    rec = parse_efetch(xml)["1"]
    assert rec.year == 1998
    assert rec.title == "T x2."
    assert [a.collective for a in rec.authors] == ["WHO Study Group"]
    assert rec.article_number == "e123"
    assert rec.is_notice


@pytest.mark.parametrize(
    ("pages", "expected"),
    [("244-55", ("244", "255")), ("1116-1122", ("1116", "1122")), ("e13-7", ("e13", "e17")),
     ("S12-4", ("S12", "S14")), ("576", ("576", None)), ("", (None, None)), ("113-25, 130", ("113", "125"))],
)
def test_expand_pages(pages, expected):
    assert expand_pages(pages) == expected


def test_truncated_xml_is_an_error_not_an_empty_answer():
    body = load("efetch_pubmed_xml_two_records.xml")
    with pytest.raises(ValueError):
        parse_efetch(body[: len(body) // 2])


def test_esearch_ids_and_no_results():
    assert parse_esearch(load("esearch_pubmed_xml_journal_volume_translationset.xml"))[:2] == [
        "11121077", "11121076"]
    assert parse_esearch(load("esearch_xml_no_results_phrase_not_found.xml")) == []


def test_ecitmatch_found_invalid_journal_and_emptied_author():
    mixed = parse_ecitmatch(load("ecitmatch_mixed_found_invalid_journal.txt"))
    assert mixed["Art1"].status == "found" and mixed["Art1"].pmid == "2014248"
    assert mixed["ref2"].status == "invalid_journal" and mixed["ref2"].pmid is None
    blanked = parse_ecitmatch(load("ecitmatch_reutils_test_expected_author_blanked.txt"))
    assert blanked["Art2"].pmid == "3026048"


def test_ecitmatch_not_found_and_ambiguous_lines():
    text = "j|2000|1|1|a b|k1|NOT_FOUND\nj|2000|1|1||k2|AMBIGUOUS 1234,5678\n"
    outcomes = parse_ecitmatch(text)
    assert outcomes["k1"].status == "not_found"
    assert outcomes["k2"].status == "ambiguous"
    with pytest.raises(ValueError):
        parse_ecitmatch("<html>error</html>")


@pytest.mark.parametrize("result", ["²", "١٢٣", "0", "123456789012345678901"])
def test_an_ecitmatch_result_that_only_looks_like_a_pmid_is_a_malformed_answer(result: str) -> None:
    # str.isdigit() is true for these; taking them as PMIDs would send them on to EFetch.
    with pytest.raises(ValueError, match="not a PMID"):
        parse_ecitmatch(f"j|2000|1|1|a b|k1|{result}\n")
    assert parse_ecitmatch("j|2000|1|1|a b|k1|00123\n")["k1"].pmid == "123"


def test_non_ascii_digits_in_counts_and_years_are_not_numbers() -> None:
    assert esearch_count("<eSearchResult><Count>²</Count></eSearchResult>") is None
    assert esearch_count("<eSearchResult><Count>12</Count></eSearchResult>") == 12
    article = load("efetch_pubmed_xml_two_records.xml").decode("utf-8")
    pmid = "11748933"
    year = parse_efetch(article)[pmid].year
    assert year is not None
    odd = parse_efetch(article.replace(f"<Year>{year}</Year>", "<Year>²</Year>"))  # int("²") would raise
    assert pmid in odd and odd[pmid].year != year
