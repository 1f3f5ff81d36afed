"""Verdicts, findings and flags of ``judge`` on hand-built references and records."""

from __future__ import annotations

import dataclasses

import pytest

from auditor.judging import judge, same_work, score_candidate
from auditor.model import RecordAuthor, Reference, ReferenceAudit, Update
from tests.builders import ANSWERED, CREE_2010, record, ref

TITLE = "Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis"


def cree(**changes: object) -> Reference:
    """The correct Cree 2010 reference, with ``changes`` applied to its parsed fields."""
    base = ref("Cree BAC", "Kornyeyeva E", "Goodin DS", title=TITLE, journal="Ann Neurol", year=2010,
               volume="68", issue="2", pages="145-150")
    parsed = dataclasses.replace(base.parsed, **changes)
    raw = f"{', '.join(parsed.authors)}. {parsed.title}. {parsed.journal}. {parsed.year};{parsed.volume}"
    return dataclasses.replace(base, raw=raw, parsed=parsed)


def codes(audit: ReferenceAudit) -> list[str]:
    return [f.code for f in audit.findings]


def test_verified_when_everything_agrees() -> None:
    audit = judge(cree(), [CREE_2010], ANSWERED)
    assert audit.verdict == "verified"
    assert audit.findings == ()
    assert audit.match is not None and audit.match.pmid == "20695007" and audit.match.score == 1.0
    assert audit.consulted == ANSWERED


def test_nlm_short_end_page_in_reference_is_expanded() -> None:
    assert judge(cree(last_page="50"), [CREE_2010], ANSWERED).verdict == "verified"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"issue": "3"}, "REF107"),
        ({"issue": None}, "REF107"),
        ({"last_page": "152"}, "REF109"),
        ({"last_page": None}, "REF109"),
        ({"authors": ("Cree BAC", "Korneyeva E", "Goodin DS")}, "REF111"),
        ({"authors": ("Cree BAC", "Kornyeyeva E", "Smith J")}, "REF115"),
        ({"authors": ("Cree BAC", "Kornyeyeva E")}, "REF112"),
        ({"title": TITLE + ": a randomized placebo-controlled crossover trial"}, "REF101"),
        ({"title": "Pilot trial of low dose naltrexone and the quality of life in multiple sclerosis"}, "REF101"),
    ],
)
def test_minor_kinds(changes: dict[str, object], code: str) -> None:
    audit = judge(cree(**changes), [CREE_2010], ANSWERED)
    assert audit.verdict == "minor"
    assert code in codes(audit)
    finding = next(f for f in audit.findings if f.code == code)
    assert finding.severity == "minor"
    assert finding.source == "pubmed" and finding.identifier == "PMID:20695007"
    assert (finding.line, finding.column) == (10, 3)


def test_prefix_compatible_initials_are_the_same_person() -> None:
    # Issue 10, class 4: more or fewer initials than the record is the same person, not a misspelling.
    assert judge(cree(authors=("Cree BA", "Kornyeyeva E", "Goodin DS")), [CREE_2010], ANSWERED).verdict == "verified"


def test_online_first_year_is_minor_not_major() -> None:
    online = dataclasses.replace(CREE_2010, online_year=2009)
    audit = judge(cree(year=2009), [online], ANSWERED)
    assert audit.verdict == "minor"
    assert codes(audit) == ["REF105"]
    # Without an online date, the same year is a plain wrong year.
    assert judge(cree(year=2009), [CREE_2010], ANSWERED).verdict == "major"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"journal": "Ann Neurosci"}, "REF103"),
        ({"year": 2012}, "REF104"),
        ({"volume": "69"}, "REF106"),
        ({"first_page": "146", "last_page": "150"}, "REF108"),
        ({"authors": ("Goodin DS", "Cree BAC")}, "REF110"),
        ({"authors": ("Cree BAC", "Smith J", "Jones K")}, "REF113"),
    ],
)
def test_major_kinds(changes: dict[str, object], code: str) -> None:
    audit = judge(cree(**changes), [CREE_2010], ANSWERED)
    assert audit.verdict == "major"
    assert code in codes(audit)
    assert next(f for f in audit.findings if f.code == code).severity == "major"


def test_wrong_article_number_is_major() -> None:
    rec = record("Raknes G", "Småbrekke L", pmid="30763385", title="Low dose naltrexone in arthritis",
                 journal="PLoS One", year=2019, volume="14", issue="2", article_number="e0212460")
    good = ref("Raknes G", "Smabrekke L", title="Low dose naltrexone in arthritis", journal="PLoS One",
               year=2019, volume="14", issue="2", article_number="e0212460")
    assert judge(good, [rec], ANSWERED).verdict == "verified"
    bad = dataclasses.replace(good, parsed=dataclasses.replace(good.parsed, article_number="e0212461"))
    audit = judge(bad, [rec], ANSWERED)
    assert audit.verdict == "major" and codes(audit) == ["REF108"]


def test_article_number_cited_as_page_without_e_prefix() -> None:
    rec = record("Raknes G", pmid="1", title="Low dose naltrexone in arthritis", journal="PLoS One", year=2019,
                 volume="14", issue="2", article_number="e0212460")
    cited = ref("Raknes G", title="Low dose naltrexone in arthritis", journal="PLoS One", year=2019,
                volume="14", issue="2", pages="0212460")
    assert judge(cited, [rec], ANSWERED).verdict == "verified"


def test_different_title_with_full_locator_and_first_author_is_major_title() -> None:
    cited = cree(title="Naltrexone improves mood in relapsing multiple sclerosis")
    assert same_work(cited.parsed, CREE_2010)
    audit = judge(cited, [CREE_2010], ANSWERED)
    assert audit.verdict == "major" and codes(audit) == ["REF102"]


def test_et_al_truncation_is_fine_and_full_names_are_accepted() -> None:
    rec = dataclasses.replace(CREE_2010, authors=(
        RecordAuthor(family="Cree", given="Bruce A C"), RecordAuthor(family="Kornyeyeva", given="Elena"),
        RecordAuthor(family="Goodin", given="Douglas S")))
    assert judge(cree(authors=("Cree BAC",), et_al=True), [rec], ANSWERED).verdict == "verified"
    assert judge(cree(), [rec], ANSWERED).verdict == "verified"


def test_not_found_when_every_source_answered_and_nothing_credible() -> None:
    unrelated = record("Smith J", pmid="999", title="Vitamin D and fractures in the elderly",
                       journal="BMJ", year=2015, volume="350", pages="h100")
    audit = judge(cree(), [unrelated], ANSWERED)
    assert audit.verdict == "not_found"
    assert codes(audit) == ["REF401"]
    assert audit.match is None and audit.suggested is None


def test_locator_on_unrelated_article_is_not_found_with_what_it_lands_on() -> None:
    unrelated = record("Smith J", pmid="777", title="Seizure outcomes after temporal lobectomy",
                       journal="Annals of Neurology", abbrevs=("Ann Neurol",), year=2010, volume="68",
                       issue="2", pages="145-152")
    assert not same_work(cree().parsed, unrelated)
    audit = judge(cree(), [unrelated], ANSWERED)
    assert audit.verdict == "not_found"
    landing = next(f for f in audit.findings if f.code == "REF402")
    assert landing.identifier == "PMID:777"
    assert "Seizure outcomes" in landing.message and landing.record_value == unrelated.title


@pytest.mark.parametrize("state", ["failed"])
def test_source_failure_is_unchecked_never_not_found(state: str) -> None:
    unrelated = record("Smith J", pmid="777", title="Seizure outcomes", journal="Ann Neurol", year=2010,
                       volume="68", pages="145-152")
    for candidates in ([], [unrelated]):
        audit = judge(cree(), candidates, {"pubmed": "answered", "crossref": state})
        assert audit.verdict == "unchecked"
        assert audit.findings[0].code == "REF403" and "crossref" in audit.findings[0].message


def test_source_failure_does_not_hide_a_match_from_the_other_source() -> None:
    audit = judge(cree(), [CREE_2010], {"pubmed": "answered", "crossref": "failed"})
    assert audit.verdict == "verified"


def test_nothing_consulted_is_unchecked() -> None:
    audit = judge(cree(), [], {"pubmed": "not_asked", "crossref": "not_asked"})
    assert audit.verdict == "unchecked" and codes(audit) == ["REF405"]


def test_parse_error_is_unchecked() -> None:
    broken = ref(raw="garbled ;;; entry", parse_error="no year found")
    audit = judge(broken, [CREE_2010], ANSWERED)
    assert audit.verdict == "unchecked" and codes(audit) == ["REF404"]
    assert "no year found" in audit.findings[0].message


def test_retraction_flag_beside_the_verdict() -> None:
    retracted = dataclasses.replace(CREE_2010, updates=(Update(kind="retraction", pmid="31000000"),))
    audit = judge(cree(), [retracted], ANSWERED)
    assert audit.verdict == "verified"
    assert audit.flags == ("retracted",)
    finding = next(f for f in audit.findings if f.code == "REF301")
    assert finding.identifier == "PMID:31000000" and finding.severity == "error"


def test_flags_from_publication_types_and_other_updates() -> None:
    rec = dataclasses.replace(
        CREE_2010, publication_types=("Journal Article", "Retracted Publication"),
        updates=(Update(kind="correction", doi="10.1002/ana.999"), Update(kind="expression_of_concern")),
    )
    audit = judge(cree(), [rec], ANSWERED)
    assert audit.flags == ("retracted", "expression_of_concern", "corrected")
    assert {"REF301", "REF302", "REF303"} <= set(codes(audit))


def test_doi_of_another_work_is_major_and_real_work_still_matched() -> None:
    other = record("Doe J", source="crossref", doi="10.1000/other", title="Something else entirely",
                   journal="Cell", year=2001, volume="1", pages="1-2")
    audit = judge(cree(doi="10.1000/other"), [other, CREE_2010], ANSWERED)
    assert audit.verdict == "major"
    assert audit.match is not None and audit.match.pmid == "20695007"
    finding = next(f for f in audit.findings if f.code == "REF201")
    assert finding.identifier == "DOI:10.1000/other" and "Something else" in finding.message


def test_doi_of_another_work_alone_is_not_found() -> None:
    other = record("Doe J", source="crossref", doi="10.1000/other", title="Something else entirely",
                   journal="Cell", year=2001, volume="1", pages="1-2")
    audit = judge(cree(doi="10.1000/other"), [other], ANSWERED)
    assert audit.verdict == "not_found"
    assert "REF201" in codes(audit)


def test_wrong_doi_and_pmid_on_matched_work() -> None:
    audit = judge(cree(doi="10.1002/ana.22007", pmid="20695008"), [CREE_2010], ANSWERED)
    assert audit.verdict == "major"
    assert {"REF202", "REF203"} <= set(codes(audit))
    assert judge(cree(doi="https://doi.org/10.1002/ANA.22006"), [CREE_2010], ANSWERED).verdict == "verified"


def test_pubmed_primary_crossref_confirms_and_disagreement_is_info() -> None:
    crossref = dataclasses.replace(CREE_2010, source="crossref", pmid=None, issue="3", pages="145-150",
                                   journal="Annals of Neurology", journal_abbrevs=())
    audit = judge(cree(), [crossref, CREE_2010], ANSWERED)
    assert audit.match is not None and audit.match.source == "pubmed"
    assert audit.verdict == "verified"
    info = [f for f in audit.findings if f.code == "REF501"]
    assert len(info) == 1 and info[0].field == "issue" and info[0].severity == "info"
    assert info[0].document_value == "2" and info[0].record_value == "3"


def test_crossref_primary_when_pubmed_has_nothing() -> None:
    crossref = dataclasses.replace(CREE_2010, source="crossref", pmid=None)
    audit = judge(cree(), [crossref], {"pubmed": "answered", "crossref": "answered"})
    assert audit.match is not None and audit.match.source == "crossref" and audit.verdict == "verified"


def test_best_of_several_identity_candidates_wins() -> None:
    near = dataclasses.replace(CREE_2010, pmid="1", doi=None, volume="67")
    audit = judge(cree(), [near, CREE_2010], ANSWERED)
    assert audit.match is not None and audit.match.pmid == "20695007"


def test_score_ranks_the_right_record_first() -> None:
    wrong = dataclasses.replace(CREE_2010, title="Another trial of naltrexone", volume="70", pages="1-9")
    assert score_candidate(cree().parsed, CREE_2010) > score_candidate(cree().parsed, wrong)
    assert 0.0 <= score_candidate(cree().parsed, wrong) < 1.0
    assert score_candidate(ref().parsed, CREE_2010) == 0.0


def test_same_generic_title_by_other_authors_elsewhere_is_not_identity() -> None:
    cited = ref("Bruun KD", title="Low-dose naltrexone for the treatment of fibromyalgia: randomized protocol",
                journal="Trials", year=2021, volume="22", issue="1", pages="576")
    younger = record("Younger J", "Noor N", pmid="23359310",
                     title="Low-dose naltrexone for the treatment of fibromyalgia: findings of a small trial",
                     journal="Arthritis and Rheumatism", abbrevs=("Arthritis Rheum",), year=2013, volume="65",
                     pages="529-38")
    assert not same_work(cited.parsed, younger)


def test_overlapping_title_and_full_locator_when_record_lists_no_authors() -> None:
    no_authors = dataclasses.replace(CREE_2010, authors=(),
                                     title="Low-dose naltrexone and quality of life in multiple sclerosis patients")
    cited = cree(title="Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis")
    assert same_work(cited.parsed, no_authors)
    # Without the full locator the same overlap is not enough.
    assert not same_work(dataclasses.replace(cited.parsed, volume="70"), no_authors)


def test_matching_doi_corroborates_a_slightly_reworded_title() -> None:
    cited = ref(title="Pilot trial of low dose naltrexone and the quality of life in multiple sclerosis",
                journal="Neurology", year=2010)
    assert not same_work(cited.parsed, CREE_2010)  # a near title, right year, wrong journal: not enough
    with_doi = dataclasses.replace(cited, parsed=dataclasses.replace(cited.parsed, doi="10.1002/ana.22006"))
    audit = judge(with_doi, [CREE_2010], ANSWERED)
    assert audit.match is not None and audit.match.doi == "10.1002/ana.22006"
    assert audit.verdict == "major" and "REF103" in codes(audit)


def test_garbled_parse_with_title_in_raw_and_matching_doi_is_not_not_found() -> None:
    # A citation style the parser does not know: the fields are wrong, the raw text is right.
    raw = ("Cree BAC, Kornyeyeva E, Goodin DS (2010) Pilot trial of low-dose naltrexone and quality of life in "
           "multiple sclerosis. Ann Neurol 68: 145-150. doi:10.1002/ana.22006. PubMed: 20695007.")
    garbled = ref("Cree BAC", "Kornyeyeva E", "Goodin DS", raw=raw, year=2010, journal="PubMed",
                  volume="20695007", doi="10.1002/ana.22006",
                  title="Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis. Ann Neurol 68")
    audit = judge(garbled, [CREE_2010], ANSWERED)
    assert audit.verdict != "not_found"
    assert audit.match is not None and audit.match.pmid == "20695007"
    assert not {"REF201", "REF102"} & set(codes(audit))  # the raw text carries the exact title


def test_title_in_raw_alone_without_doi_or_author_is_not_identity() -> None:
    raw = "Smith J. Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis. Lancet 2020."
    other = ref("Smith J", raw=raw, title="Something else", journal="Lancet", year=2020)
    assert judge(other, [CREE_2010], ANSWERED).verdict == "not_found"


def test_same_author_journal_and_near_title_in_another_year_is_a_different_work() -> None:
    statement_2004 = record("Campbell MK", "Elbourne DR", "Altman DG", pmid="1",
                            title="CONSORT statement: extension to cluster randomised trials",
                            journal="BMJ", year=2004, volume="328", pages="702-8")
    cited_2010 = ref("Campbell MK", "Piaggio G", "Elbourne DR", et_al=True,
                     title="Consort 2010 statement: extension to cluster randomised trials", journal="BMJ",
                     year=2012, volume="345", article_number="e5661")
    assert not same_work(cited_2010.parsed, statement_2004)


def test_record_with_only_an_online_year() -> None:
    online_only = dataclasses.replace(CREE_2010, year=None, online_year=2010)
    assert judge(cree(), [online_only], ANSWERED).verdict == "verified"
    assert judge(cree(year=2011), [online_only], ANSWERED).verdict == "minor"
    assert judge(cree(year=2013), [online_only], ANSWERED).verdict == "major"
