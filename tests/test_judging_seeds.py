"""Realistic cases from the seed documents, judged against the real PubMed facts (copied in builders)."""

from __future__ import annotations

from auditor.judging import judge, same_work
from tests.builders import (
    ANSWERED,
    CREE_2010,
    RAKNES_2017_PDS_OPIOIDS,
    RAKNES_2017_PDS_PRESCRIBING,
    RAKNES_2017_PLOS,
    RAKNES_2019_PLOS,
    TOLJAN_2018,
    YOUNGER_2013,
    record,
    ref,
)


def test_cree_misspelled_coauthor_and_wrong_end_page_is_minor() -> None:
    # "Cree BAC, Korneyeva E, Goodin DS. Pilot trial ... Ann Neurol. 2010;68(2):145-152."
    cited = ref("Cree BAC", "Korneyeva E", "Goodin DS",
                title="Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis.",
                journal="Ann Neurol", year=2010, volume="68", issue="2", pages="145-152")
    audit = judge(cited, [CREE_2010], ANSWERED)
    assert audit.verdict == "minor"
    assert sorted(f.code for f in audit.findings) == ["REF109", "REF111"]
    misspelled = next(f for f in audit.findings if f.code == "REF111")
    assert (misspelled.document_value, misspelled.record_value) == ("Korneyeva E", "Kornyeyeva E")


def test_toljan_dash_versus_colon_is_verified() -> None:
    # The record's em dash and the reference's colon are punctuation; case and the trailing period
    # are ignored too, so nothing a reader would notice differs: verified, not minor.
    cited = ref("Toljan K", "Vrooman B", title="Low-dose naltrexone (LDN): review of therapeutic utilization",
                journal="Med Sci (Basel)", year=2018, volume="6", issue="4", pages="82")
    audit = judge(cited, [TOLJAN_2018], ANSWERED)
    assert audit.verdict == "verified", audit.findings
    assert audit.suggested is not None and "Med Sci (Basel). 2018;6(4):82." in audit.suggested


def test_younger_subtitle_dropped_is_minor() -> None:
    cited = ref("Younger J", "Noor N", "McCue R", "Mackey S",
                title="Low-dose naltrexone for the treatment of fibromyalgia", journal="Arthritis Rheum",
                year=2013, volume="65", issue="2", pages="529-538")
    audit = judge(cited, [YOUNGER_2013], ANSWERED)
    assert audit.verdict == "minor"
    assert [f.code for f in audit.findings] == ["REF101"]


RAKNES = ref("Raknes G", "Småbrekke L",
             title="Low-dose naltrexone and medication use in rheumatoid and seropositive arthritis: "
             "quasi-experimental before-after study",
             journal="Pharmacoepidemiol Drug Saf", year=2019, volume="28", issue="2", pages="321-327")


def test_raknes_against_2017_records_only_is_not_found() -> None:
    # Same authors and journal, but other years, volumes, pages and studies: none of them is the work.
    for rec in (RAKNES_2017_PDS_PRESCRIBING, RAKNES_2017_PDS_OPIOIDS, RAKNES_2017_PLOS):
        assert not same_work(RAKNES.parsed, rec)
    audit = judge(RAKNES, [RAKNES_2017_PDS_PRESCRIBING, RAKNES_2017_PDS_OPIOIDS, RAKNES_2017_PLOS], ANSWERED)
    assert audit.verdict == "not_found"


def test_raknes_matches_the_2019_plos_study_with_major_errors() -> None:
    # The cited study is the 2019 PLoS ONE one (same authors, year, population and design), cited under
    # another journal, volume and pages with a reworded title: a real work with wrong identifying fields.
    candidates = [RAKNES_2017_PDS_PRESCRIBING, RAKNES_2017_PDS_OPIOIDS, RAKNES_2017_PLOS, RAKNES_2019_PLOS]
    audit = judge(RAKNES, candidates, ANSWERED)
    assert audit.verdict == "major"
    assert audit.match is not None and audit.match.pmid == "30763385"
    assert {"REF102", "REF103", "REF106", "REF108"} <= {f.code for f in audit.findings}
    assert "REF110" not in {f.code for f in audit.findings}  # Småbrekke vs Smabrekke is not a difference


def test_lee_title_with_qualifier_cut_is_minor() -> None:
    # "Extended-release naltrexone to prevent opioid relapse" vs the record's "... in Criminal Justice
    # Offenders": the leading words are the paper's own title, so a reader finds it (minor, not major).
    lee = record("Lee JD", "Friedmann PD", "Kinlock TW", "Nunes EV", pmid="27028913",
                 doi="10.1056/NEJMoa1505409",
                 title="Extended-Release Naltrexone to Prevent Opioid Relapse in Criminal Justice Offenders.",
                 journal="The New England journal of medicine", abbrevs=("N Engl J Med",), year=2016,
                 volume="374", issue="13", pages="1232-42")
    cited = ref("Lee JD", "Friedmann PD", "Kinlock TW", et_al=True,
                title="Extended-release naltrexone to prevent opioid relapse", journal="N Engl J Med", year=2016,
                volume="374", issue="13", pages="1232-1242")
    audit = judge(cited, [lee], ANSWERED)
    assert audit.verdict == "minor"
    assert [f.code for f in audit.findings] == ["REF101"]
