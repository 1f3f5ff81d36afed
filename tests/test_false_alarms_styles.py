"""Issue 10, class 7: ABNT, IEEE and APA strings are parsed or left unparsed, never judged on wrong fields.

The strings are real (SciELO and PLOS reference lists in the bench data); the record is the work each
one cites. ``unchecked`` (REF404) is the honest answer when the fields cannot be read.
"""

from __future__ import annotations

import pytest

from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import codes, judged, parsed

RAMOS = ("RAMOS, M. D. Reflexões sobre o processo histórico-discursivo do uso da legítima defesa da honra no Brasil e "
         "a construção das mulheres. Revista de Estudos Feministas, v. 20, n. 1, p.53-73, 2012. Disponível em: "
         "https://doi.org/10.1590/S0104-026X2012000100004. Acesso: 10 maio. 2022.")
CAMARGO = ("Camargo F. D., Gokhale S., Johnnidis J. B., Fu D., Bell G. W., Jaenisch R., and Brummelkamp T. R., “YAP1 "
           "Increases Organ Size and Expands Undifferentiated Progenitor Cells,” Curr. Biol., vol. 17, no. 23, "
           "pp. 2054–2060, 2007. doi: 10.1016/j.cub.2007.10.039")
AHMED = ("Ahmed, S., Roberto, S. R., Shahab, M., Colombo, R. C., Silvestre, J. P., Koyama, R. and Souza, R. T. (2019). "
         "Proposal of double-cropping system for ‘BRS Isis’ seedless grape grown in subtropical area. Scientia "
         "Horticulturae, 251, 118-126. https://doi.org/10.1016/j.scienta.2019.03.022")

RECORDS = {
    RAMOS: Record(source="crossref", doi="10.1590/s0104-026x2012000100004",
                  title="Reflexões sobre o processo histórico-discursivo do uso da legítima defesa da honra no Brasil "
                        "e a construção das mulheres",
                  journal="Revista Estudos Feministas", year=2012, volume="20", issue="1", pages="53-73",
                  authors=(RecordAuthor("Ramos", "Margarita Danielle"),)),
    CAMARGO: Record(source="pubmed", pmid="17980593", doi="10.1016/j.cub.2007.10.039",
                    title="YAP1 increases organ size and expands undifferentiated progenitor cells.",
                    journal="Current biology : CB", journal_abbrevs=("Curr Biol",), year=2007, volume="17",
                    issue="23", pages="2054-60",
                    authors=(RecordAuthor("Camargo", initials="FD"), RecordAuthor("Gokhale", initials="S"))),
    AHMED: Record(source="crossref", doi="10.1016/j.scienta.2019.03.022",
                  title="Proposal of double-cropping system for ‘BRS Isis’ seedless grape grown in subtropical area",
                  journal="Scientia Horticulturae", year=2019, volume="251", pages="118-126",
                  authors=(RecordAuthor("Ahmed", "Saeed"), RecordAuthor("Roberto", "Sergio Ruffo"))),
}


@pytest.mark.parametrize("raw", [RAMOS, CAMARGO, AHMED])
def test_other_styles_are_never_a_false_major(raw: str) -> None:
    audit = judged(raw, RECORDS[raw])
    assert audit.verdict in ("verified", "minor", "unchecked"), audit.findings
    if audit.verdict == "unchecked":
        assert codes(audit) == {"REF404"}


def test_abnt_is_parsed_into_its_fields() -> None:
    ref = parsed(RAMOS)
    assert ref.parse_error is None
    fields = ref.parsed
    assert fields.authors == ("RAMOS MD",)
    assert fields.journal == "Revista de Estudos Feministas"
    assert (fields.year, fields.volume, fields.issue) == (2012, "20", "1")
    assert (fields.first_page, fields.last_page) == ("53", "73")


WALTHER = ("Walther GR (2010) Community and ecosystem responses to recent climate change. Philosophical "
           "transactions of the Royal Society of London. Series B, Biological Sciences. 365:2019–2204. "
           "doi: 10.1098/rstb.2010.0021")
BONEH = ("Boneh D and Franklin M. Identity-Based Encryption from the Weil Pairing. Advances in Cryptology—CRYPTO 2001, "
         "Lecture Notes in Computer Science Volume 2139, 2001, pp. 213–229. doi: 10.1007/3-540-44647-8_13")
DESQUESNES = ("DESQUESNES, M., HOLZMULLER, P., LAI, D.H., DARGANTES, A., LUN, Z.R. and JITTAPLAPONG, S., 2013. "
              "Trypanosoma evansi and surra: a review and perspectives on origin, history, distribution, taxonomy, "
              "morphology, hosts, and pathogenic effects. BioMed Research International, vol. 2013, 194176. "
              "PMid:24024184.")


def test_series_journal_split_by_a_full_stop_is_one_journal() -> None:
    fields = parsed(WALTHER).parsed
    assert fields.journal == "Philosophical transactions of the Royal Society of London. Series B, Biological Sciences"
    assert (fields.year, fields.volume, fields.first_page) == (2010, "365", "2019")


def test_volume_after_the_year_in_proceedings_is_left_unparsed() -> None:
    assert parsed(BONEH).parse_error is not None


def test_harvard_with_labelled_locators_is_parsed() -> None:
    """Left unparsed until round 3; now read as the SciELO Harvard form (``, 2013. ... vol. 2013, 194176.``)."""
    ref = parsed(DESQUESNES)
    assert ref.parse_error is None
    f = ref.parsed
    assert f.authors[0] == "DESQUESNES M" and f.authors[-1] == "JITTAPLAPONG S" and len(f.authors) == 6
    assert f.journal == "BioMed Research International"
    assert (f.year, f.volume, f.article_number, f.pmid) == (2013, "2013", "194176", "24024184")


def test_ieee_quoted_title_style_is_parsed_and_verifies() -> None:
    ref = parsed(CAMARGO)
    assert ref.parse_error is None
    assert ref.parsed.authors[:2] == ("Camargo FD", "Gokhale S")
    fields = ref.parsed
    assert (fields.journal, fields.year, fields.volume, fields.issue) == ("Curr. Biol", 2007, "17", "23")
    assert judged(CAMARGO, RECORDS[CAMARGO]).verdict in ("verified", "minor")
