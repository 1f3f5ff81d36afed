"""Issue 10, classes 3-5 and issue 9 item 8: name forms and records that cannot speak (real strings).

Each string is a correctly cited reference from the bench data (PLOS/SciELO JATS lists); the record
authors are the registry's for the same work. None may be ``major``.
"""

from __future__ import annotations

import pytest

from auditor.judging.authors import compare_names, parse_vancouver, record_name
from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import codes, judged


def people(*pairs: tuple[str, str]) -> tuple[RecordAuthor, ...]:
    return tuple(RecordAuthor(family=f, initials=i) for f, i in pairs)


GRONENSCHILD = ("Gronenschild EHBM, Habets P, Jacobs HIL, Mengelers R, Rozendaal N, van Os J, et al. The Effects of "
                "FreeSurfer Version, Workstation Type, and Macintosh Operating System Version on Anatomical Volume "
                "and Cortical Thickness Measurements. PLoS ONE. 2012;7(6):e38234. doi: 10.1371/journal.pone.0038234")
GENOMES = ("Genomes Project Consortium, Abecasis GR, Auton A, Brooks LD, DePristo MA, Durbin RM, et al. An integrated "
           "map of genetic variation from 1,092 human genomes. Nature. 2012;491(7422):56–65. doi: 10.1038/nature11632 "
           "; PubMed Central PMCID: PMC3498066.")
FODOR = ("Fodor Aa, DeSantis TZ, Wylie KM, Badger JH, Ye Y, et al. (2012) The “Most Wanted” Taxa from the Human "
         "Microbiome for Whole Genome Sequencing. PLoS One 7: e41294 doi:10.1371/journal.pone.0041294")
MAINOUS = ("Mainous AG3rd, Codd V, Diaz VA, Schoepf UJ, Everett CJ et al. (2010) Leukocyte telomere length and "
           "coronary "
           "artery calcification. Atherosclerosis 210: 262-267. doi:10.1016/j.atherosclerosis.2009.10.047. "
           "PubMed: 19945703.")


def test_particle_printed_in_the_surname_against_a_record_that_made_it_an_initial() -> None:
    rec = Record(source="pubmed", pmid="22675527", doi="10.1371/journal.pone.0038234",
                 title="The Effects of FreeSurfer Version, Workstation Type, and Macintosh Operating System Version "
                       "on Anatomical Volume and Cortical Thickness Measurements",
                 journal="PloS one", journal_abbrevs=("PLoS One",), year=2012, volume="7", issue="6",
                 article_number="e38234",
                 authors=people(("Gronenschild", "EHBM"), ("Habets", "P"), ("Jacobs", "HIL"), ("Mengelers", "R"),
                                ("Rozendaal", "N"), ("van", "OJ")))
    audit = judged(GRONENSCHILD, rec)
    assert audit.verdict == "verified", audit.findings


def test_group_name_leading_the_print_is_not_a_missing_person() -> None:
    rec = Record(source="pubmed", pmid="23128226", doi="10.1038/nature11632",
                 title="An integrated map of genetic variation from 1,092 human genomes", journal="Nature",
                 journal_abbrevs=("Nature",), year=2012, volume="491", issue="7422", pages="56-65",
                 authors=people(("Abecasis", "GR"), ("Auton", "A"), ("Brooks", "LD"), ("DePristo", "MA"),
                                ("Durbin", "RM"), ("Handsaker", "RE")))
    audit = judged(GENOMES, rec)
    assert audit.verdict == "verified", audit.findings
    assert not codes(audit) & {"REF110", "REF112", "REF113"}


@pytest.mark.parametrize(("raw", "family", "initials"), [
    (FODOR, "Fodor", "A"),  # mixed-case initials in the print
    (MAINOUS, "Mainous", "AG"),  # a generational suffix glued to the initials
])
def test_first_author_print_quirks_are_the_same_person(raw: str, family: str, initials: str) -> None:
    first = raw.split(",")[0]
    assert compare_names(parse_vancouver(first), record_name(RecordAuthor(family, initials=initials))) == "same"


@pytest.mark.parametrize(("cited", "family", "initials"), [
    ("van Os J", "van", "OJ"),
    ("Van der Mast RC", "Mast", "RVD"),
    ("van Belle G", "Belle", "GV"),
    ("Vedovello-Filho M", "Vedovello", "M"),
    ("Lunardi Filho W", "Lunardi", "W"),
    ("Sabino Neto M", "Sabino", "M"),
    ("García-Pérez MA", "García", "MA"),
    ("de la Cruz P", "Cruz", "P"),
    ("Morse H D", "Morse", "HD"),
    ("Siqueira JS de", "Siqueira", "JS"),
    ("Campana ANNB", "Campana", "A"),
    ("Tavares MCGCF", "Tavares", "M"),
    ("Kouwe Avd", "Kouwe", "A"),
])
def test_surname_and_initials_forms_of_one_person(cited: str, family: str, initials: str) -> None:
    assert compare_names(parse_vancouver(cited), record_name(RecordAuthor(family, initials=initials))) == "same"


def test_different_people_stay_different() -> None:
    assert compare_names(parse_vancouver("Goodin DS"), record_name(RecordAuthor("Cree", initials="BAC"))) == "different"
    assert compare_names(parse_vancouver("van Os J"), record_name(RecordAuthor("van", initials="BJ"))) == "different"


KOPACEK = ("Kopáček J, Klementová S, Norton SA (2005) Photochemical Production of Ionic and Particulate Aluminum and "
           "Iron in Lakes. Environ Sci Technol 39: 3656–3662. doi:10.1021/es048101a. PubMed: 15952369.")
_KOPACEK_TITLE = "Photochemical production of ionic and particulate aluminum and iron in lakes"


def test_a_shorter_record_list_cannot_make_printed_authors_missing() -> None:
    rec = Record(source="crossref", doi="10.1021/es048101a", title=_KOPACEK_TITLE,
                 journal="Environmental Science & Technology", year=2005, volume="39", pages="3656-3662",
                 authors=people(("Kopáček", "J")))
    audit = judged(KOPACEK, rec)
    assert audit.verdict != "major", audit.findings
    assert "REF113" not in codes(audit)


def test_one_unmatched_author_is_minor_two_in_a_complete_list_are_major() -> None:
    base = dict(source="pubmed", pmid="15952369", doi="10.1021/es048101a", title=_KOPACEK_TITLE,
                journal="Environmental Science & Technology", journal_abbrevs=("Environ Sci Technol",), year=2005,
                volume="39", pages="3656-62")
    one = Record(**base, authors=people(("Kopáček", "J"), ("Hejzlar", "J"), ("Norton", "SA")))  # type: ignore[arg-type]
    audit = judged(KOPACEK, one)
    assert audit.verdict == "minor" and "REF115" in codes(audit)
    two = Record(**base, authors=people(("Kopáček", "J"), ("Hejzlar", "J"), ("Stuchlík", "E")))  # type: ignore[arg-type]
    audit = judged(KOPACEK, two)
    assert audit.verdict == "major" and "REF113" in codes(audit)


LE_ROCH = ("Le Roch, Zhou Y, Blair PL, Grainger M, Moch JK et al. (2003) Discovery of gene function by expression "
           "profiling of the malaria parasite life cycle. Science 301(5639): 1503–1508. doi:10.1126/science.1087025. "
           "PubMed: 12893887.")


def test_first_author_printed_without_initials_is_still_the_first_author() -> None:
    rec = Record(source="pubmed", pmid="12893887", doi="10.1126/science.1087025",
                 title="Discovery of gene function by expression profiling of the malaria parasite life cycle",
                 journal="Science (New York, N.Y.)", journal_abbrevs=("Science",), year=2003, volume="301",
                 issue="5639", pages="1503-8", authors=people(("Le", "RKG"), ("Zhou", "Y"), ("Blair", "PL"),
                                                              ("Grainger", "M"), ("Moch", "JK")))
    assert "REF110" not in codes(judged(LE_ROCH, rec))
