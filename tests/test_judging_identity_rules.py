"""Identity decisions on reworded titles, with the seed 000 cases that motivated each rule.

A reworded title is the same paper only with corroboration; these pairs pin both sides of each
rule: the case that must be accepted and the look-alike that must not.
"""

from __future__ import annotations

from auditor.judging import judge, same_work
from auditor.judging.titles import compare_titles, content_overlap
from tests.builders import ANSWERED, record, ref

PATTEN_2018 = record(
    "Patten DK", "Schultz BG", "Berlau DJ", source="crossref", doi="10.1002/phar.2086",
    title="The Safety and Efficacy of Low-Dose Naltrexone in the Management of Chronic Pain and Inflammation "
    "in Multiple Sclerosis, Fibromyalgia, Crohn's Disease, and Other Chronic Pain Disorders",
    journal="Pharmacotherapy", abbrevs=("Pharmacotherapy",), year=2018, volume="38", issue="3", pages="382-389",
)
BRENTON_2016 = record(
    "Brenton JN", "Goldman MD", pmid="27456874", doi="10.1016/j.msard.2016.04.009",
    title="A study of dietary modification: Perceptions and attitudes of patients with multiple sclerosis.",
    journal="Multiple Sclerosis and Related Disorders", abbrevs=("Mult Scler Relat Disord",), year=2016,
    volume="8", pages="54-57",
)
SELFRIDGE_2015 = record(  # the record lists no authors
    source="crossref", doi="10.1021/acs.jmedchem.5b00426",
    title="Structure-Activity Relationships of (+)-Naltrexone-Inspired Toll-like Receptor 4 (TLR4) Antagonists",
    journal="Journal of Medicinal Chemistry", abbrevs=("J Med Chem",), year=2015, volume="58", issue="12",
    pages="5038-5052",
)
CANT_2017 = record(
    "Cant R", "Dalgleish AG", "Allen RL", source="crossref", doi="10.3389/fimmu.2017.00809",
    title="Naltrexone Inhibits IL-6 and TNFα Production in Human Immune Cell Subsets following Stimulation "
    "with Ligands for Intracellular Toll-Like Receptors",
    journal="Frontiers in Immunology", abbrevs=("Front Immunol",), year=2017, volume="8", article_number="809",
)
RASSI_2024 = record(
    "Rassi-Mariani V", "Barreto ESR", pmid="39301937", doi="10.1080/17581869.2024.2401769",
    title="The use of naltrexone in the treatment of chronic pain: a systematic review.",
    journal="Pain Management", abbrevs=("Pain Manag",), year=2024, volume="14", issue="8", pages="453-463",
)


def test_all_authors_and_year_carry_a_reworded_title() -> None:
    patten = ref("Patten DK", "Schultz BG", "Berlau DJ",
                 title="The safety and tolerability of low-dose naltrexone in chronic conditions: a systematic review",
                 journal="J Clin Med", year=2018, volume="7", issue="11", pages="376")
    assert same_work(patten.parsed, PATTEN_2018)
    audit = judge(patten, [PATTEN_2018], ANSWERED)
    assert audit.verdict == "major"
    assert {"REF102", "REF103"} <= {f.code for f in audit.findings}


def test_same_authors_journal_and_year_do_not_make_a_different_title_the_same_paper() -> None:
    brenton = ref("Brenton JN", "Goldman MD",
                  title="A review of the efficacy of low-dose naltrexone in multiple sclerosis",
                  journal="Mult Scler Relat Disord", year=2016, volume="9", pages="23-29")
    assert content_overlap(brenton.parsed.title or "", BRENTON_2016.title or "") < 0.5
    assert not same_work(brenton.parsed, BRENTON_2016)
    assert judge(brenton, [BRENTON_2016], ANSWERED).verdict == "not_found"


def test_full_locator_carries_a_reworded_title_when_the_record_lists_no_authors() -> None:
    selfridge = ref("Selfridge BR", "Wang X", "Zhang Y", et_al=True,
                    title="Naltrexone-inspired TLR4 antagonists for neuroinflammatory diseases",
                    journal="J Med Chem", year=2015, volume="58", issue="12", pages="5038-5052")
    assert same_work(selfridge.parsed, SELFRIDGE_2015)
    assert judge(selfridge, [SELFRIDGE_2015], ANSWERED).verdict == "major"


def test_locator_on_a_paper_by_other_authors_is_not_found_and_says_where_it_lands() -> None:
    wang = ref("Wang X", "Loram LC", "Ramos K", et_al=True,
               title="Naltrexone inhibits pro-inflammatory cytokine production through TLR4 antagonism",
               journal="Front Immunol", year=2017, volume="8", pages="809")
    assert not same_work(wang.parsed, CANT_2017)
    audit = judge(wang, [CANT_2017], ANSWERED)
    assert audit.verdict == "not_found"
    landing = [f for f in audit.findings if f.code == "REF402"]
    assert landing and landing[0].identifier == "DOI:10.3389/fimmu.2017.00809"


def test_same_first_author_and_year_with_an_overlapping_title_is_a_miscited_paper() -> None:
    rassi = ref("Rassi-Mariani V", "Gómez-Fernández J", "Armas-Bellón F",
                title="The use of naltrexone in chronic pain management: a narrative review",
                journal="Cureus", year=2024, volume="16", issue="6", article_number="e61690")
    assert same_work(rassi.parsed, RASSI_2024)
    assert judge(rassi, [RASSI_2024], ANSWERED).verdict == "major"
    other_year = ref("Rassi-Mariani V", title="The use of naltrexone in chronic pain management: a narrative review",
                     journal="Cureus", year=2021)
    assert not same_work(other_year.parsed, RASSI_2024)


def test_dropped_parenthesised_acronyms_do_not_change_a_title() -> None:
    assert compare_titles(
        "Treatment of complex regional pain syndrome using low-dose naltrexone",
        "Treatment of Complex Regional Pain Syndrome (CRPS) using low dose naltrexone (LDN)",
    ) == "same"
    assert compare_titles("Effects of drug X on pain", "Effects of drug X (phase 2) on pain") != "same"


def test_a_doi_crossref_does_not_know_is_reported_only_when_crossref_answered() -> None:
    fabricated = ref("Khan S", title="Long-term safety of low-dose naltrexone therapy", journal="Cureus",
                     year=2024, doi="10.7759/cureus.350289")
    audit = judge(fabricated, [], ANSWERED)
    assert audit.verdict == "not_found"
    assert [f.code for f in audit.findings] == ["REF401", "REF204"]
    down = judge(fabricated, [], {"pubmed": "answered", "crossref": "failed"})
    assert down.verdict == "unchecked" and "REF204" not in {f.code for f in down.findings}


LI_2018 = record(
    "Li Z", "You Y", "Griffin N", pmid="29885638", doi="10.1016/j.intimp.2018.05.020",
    title="Low-dose naltrexone (LDN): A promising treatment in immune-related diseases and cancer therapy.",
    journal="International Immunopharmacology", abbrevs=("Int Immunopharmacol",), year=2018, volume="61",
    pages="178-184",
)


def test_a_borrowed_title_is_not_found_but_names_the_work_it_was_borrowed_from() -> None:
    vicenzi = ref("Vicenzi M", "De Marco L", "Cova E", et_al=True,
                  title="Low-dose naltrexone: a promising treatment in immune-related diseases",
                  journal="Immunotherapy", year=2018, volume="10", issue="2", pages="138-157")
    audit = judge(vicenzi, [LI_2018], ANSWERED)
    assert audit.verdict == "not_found"
    borrowed = [f for f in audit.findings if f.code == "REF406"]
    assert borrowed and borrowed[0].identifier == "PMID:29885638"
    topic_only = ref("Bihari B", title="Low-dose naltrexone in the treatment of multiple sclerosis",
                     journal="Ann Neurol", year=1988)
    assert "REF406" not in {f.code for f in judge(topic_only, [PATTEN_2018], ANSWERED).findings}


def test_not_found_needs_every_source_to_have_answered() -> None:
    terse = ref("Smith J", title="AI in ED", journal="Lancet", year=2019)
    audit = judge(terse, [], {"pubmed": "not_asked", "crossref": "answered"})
    assert audit.verdict == "unchecked" and audit.findings[0].code == "REF405"
    assert judge(terse, [], ANSWERED).verdict == "not_found"


def test_a_reference_without_title_words_is_still_searched_in_pubmed() -> None:
    from auditor.audit import esearch_term

    term = esearch_term(ref("Smith J", title="AI in ED", journal="*Lancet*", year=2019).parsed)
    assert term == "Smith[1au] AND Lancet[ta] AND 2019[dp]"
    assert esearch_term(ref(title="AI in ED").parsed) is None


def test_an_identical_title_under_another_first_author_needs_two_agreeing_fields() -> None:
    """One coincident field (a common year) does not make a chimera the title's paper; two do."""
    chimera = ref("Seal A", "Gupta A", title=RASSI_2024.title, journal="Sci Adv", year=2024, volume="1",
                  article_number="e1500709")
    assert not same_work(chimera.parsed, RASSI_2024)
    audit = judge(chimera, [RASSI_2024], ANSWERED)
    assert audit.verdict == "not_found"
    assert "REF406" in {f.code for f in audit.findings}
    wrong_author = ref("Seal A", "Gupta A", title=RASSI_2024.title, journal="Pain Manag", year=2024, volume="15",
                       pages="1-9")
    assert same_work(wrong_author.parsed, RASSI_2024)
    assert judge(wrong_author, [RASSI_2024], ANSWERED).verdict == "major"
    with_doi = ref("Seal A", title=RASSI_2024.title, doi=RASSI_2024.doi)  # nothing else to compare
    assert same_work(with_doi.parsed, RASSI_2024)
