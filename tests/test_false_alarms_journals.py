"""Issue 10, class 6: every name form the registries give a journal is the journal (real strings)."""

from __future__ import annotations

import pytest

from auditor.judging.journals import same_journal_name
from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import codes, judged

WANG = ("Wang J, Xu L, Wang E. Potential landscapes and flux framework of nonequilibrium networks: robustness, "
        "dissipation, and coherence of biochemical oscillations. Proc Natl Acad Sci USA. 2008;105: 12271–12276. "
        "doi: 10.1073/pnas.0800579105")
CARVALHO = ("Carvalho ALM, Leopoldino RWD, Silva JEG, Cunha CP. Adesão ao tratamento medicamentoso em usuários "
            "cadastrados no Programa Hiperdia no município de Teresina (PI). Cienc Saude Coletiva. "
            "2012;17(7):1885-92. DOI:10.1590/S1413-81232012000700028")


@pytest.mark.parametrize(("printed", "registry"), [
    ("Proc Natl Acad Sci USA", "Proc Natl Acad Sci U S A"),
    ("Cienc Saude Coletiva", "Ciência & Saúde Coletiva"),
    ("Cienc Saude Coletiva", "Ciência &amp; Saúde Coletiva"),
    ("Lancet", "The Lancet"),
    ("J Bone Joint Surg Am", "The Journal of bone and joint surgery. American volume"),
])
def test_registry_name_forms_of_one_journal(printed: str, registry: str) -> None:
    assert same_journal_name(printed, registry)


def test_other_journals_stay_other() -> None:
    assert not same_journal_name("Nature", "Nature Genetics")
    assert not same_journal_name("J Phys A", "J Phys B")


def test_pnas_usa_against_the_pubmed_record() -> None:
    rec = Record(source="pubmed", pmid="18719111", doi="10.1073/pnas.0800579105",
                 title="Potential landscapes and flux framework of nonequilibrium networks: robustness, dissipation, "
                       "and coherence of biochemical oscillations",
                 journal="Proceedings of the National Academy of Sciences of the United States of America",
                 journal_abbrevs=("Proc Natl Acad Sci U S A",), year=2008, volume="105", issue="34",
                 pages="12271-6", authors=(RecordAuthor("Wang", initials="J"), RecordAuthor("Xu", initials="L"),
                                           RecordAuthor("Wang", initials="E")))
    assert "REF103" not in codes(judged(WANG, rec))


def test_a_name_only_the_crossref_view_gives_counts() -> None:
    title = ("Adesão ao tratamento medicamentoso em usuários cadastrados no Programa Hiperdia no município de "
             "Teresina (PI)")
    people = tuple(RecordAuthor(f, initials=i) for f, i in
                   (("Carvalho", "ALM"), ("Leopoldino", "RWD"), ("Silva", "JEG"), ("Cunha", "CP")))
    pubmed = Record(source="pubmed", pmid="22899148", doi="10.1590/s1413-81232012000700028", title=title,
                    journal="Revista da Sociedade Brasileira de Saude Coletiva", year=2012, volume="17", issue="7",
                    pages="1885-92", authors=people)
    crossref = Record(source="crossref", doi="10.1590/s1413-81232012000700028", title=title,
                      journal="Ciência & Saúde Coletiva", year=2012, volume="17", issue="7", pages="1885-1892",
                      authors=people)
    audit = judged(CARVALHO, pubmed, crossref)
    assert audit.verdict == "verified", audit.findings


def test_acronym_titles() -> None:
    assert same_journal_name("Journal of the American Medical Association", "JAMA")
    assert same_journal_name("BMJ", "British Medical Journal")
    assert not same_journal_name("JAMA", "Journal of Applied Microbiology")
