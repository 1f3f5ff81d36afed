"""Issue 10, round 3: SciELO Harvard, APA-with-``and`` and ABNT lists that were left unparsed (REF404) are
read into the right fields, and judged correctly against their records (real strings from the bench data)."""

from __future__ import annotations

from auditor.judging.authors import compare_names, parse_vancouver, record_name
from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import judged, parsed


def _people(*pairs: tuple[str, str | None]) -> tuple[RecordAuthor, ...]:
    return tuple(RecordAuthor(family, initials=initials) for family, initials in pairs)


BAYRAKTAR = ("BAYRAKTAR, M., HAYTA-SMEDLEY, S., UNAL, S., VAROL, N. and GUREL, A., 2020. Micropropagation and "
             "prevention of hyperhydricity in olive (Olea europaea L.) cultivar ‘Gemlik’. South African Journal of "
             "Botany, vol. 128, pp. 264-273. http://dx.doi.org/10.1016/j.sajb.2019.11.022.")
BAYRAKTAR_REC = Record(
    source="crossref", doi="10.1016/j.sajb.2019.11.022",
    title="Micropropagation and prevention of hyperhydricity in olive (Olea europaea L.) cultivar ‘Gemlik’",
    journal="South African Journal of Botany", year=2020, volume="128", pages="264-273",
    authors=_people(("BAYRAKTAR", "M"), ("HAYTA-SMEDLEY", "S"), ("UNAL", "S"), ("VAROL", "N"), ("GUREL", "A")))
AHMED = ("Ahmed, S., Roberto, S. R., Shahab, M., Colombo, R. C., Silvestre, J. P., Koyama, R. and Souza, R. T. (2019). "
         "Proposal of double-cropping system for ‘BRS Isis’ seedless grape grown in subtropical area. Scientia "
         "Horticulturae, 251, 118-126. https://doi.org/10.1016/j.scienta.2019.03.022")
ALVARES = ("Alvares, C.A.; Starpe, J.L.; Sentelhas, P.C.; Gonçalves, J.L.M. & Sparovek, G. 2014. Köppen’s climate "
           "classification map for Brazil. Meteorologische Zeitschrift, Garmisch-Partenkirchen, 22(6): 711-728. "
           "https://doi.org/10.1127/0941-2948/2013/0507.")
ALVARES_REC = Record(source="crossref", doi="10.1127/0941-2948/2013/0507",
                     title="Köppen’s climate classification map for Brazil", journal="Meteorologische Zeitschrift",
                     year=2014, volume="22", issue="6", pages="711-728",
                     authors=_people(("Alvares", "CA"), ("Starpe", "JL"), ("Sentelhas", "PC"), ("Gonçalves", "JLM"),
                                     ("Sparovek", "G")))
ROSA = ("Rosa, A. R.; Alves, M. A. Pode o conhecimento em gestão e organização falar português? Revista de "
        "Administração de Empresas, v. 51, n. 3, p. 255-264, 2011. Disponível em: "
        "http://dx.doi.org/10.1590/S0034-75902011000300006 . Acesso em: 25 jun. 2021.")
ROSA_REC = Record(source="crossref", doi="10.1590/s0034-75902011000300006",
                  title="Pode o conhecimento em gestão e organização falar português?",
                  journal="Revista de Administração de Empresas", year=2011, volume="51", issue="3", pages="255-264",
                  authors=_people(("Rosa", "AR"), ("Alves", "MA")))
LEITE = ("LEITE, L. P.; CARDOSO, H. F.; OLIVEIRA, T. Escala intercultural de concepções de deficiência: construção e "
         "estudos psicométricos. Revista Brasileira de Educação Especial, Bauru, v. 27, e0208, 2021. "
         "https://doi.org/10.1590/1980-54702021v27e0208")
MENDES = ("Mendes, E. G., Tannús-Valadão, G., & Milanesi, J. B. (2016). Atendimento educacional especializado para "
          "estudante com deficiência intelectual: os diferentes discursos dos professores especializados sobre o que e "
          "como ensinar. Revista Linhas, 17(35), 45-67, 2016.")
PLETSCH = ("Pletsch, M. D., Batista, G. de F., & Avila, L. L. (2023). Constituição da Educação Especial no Brasil: "
           "contribuições de Sarah Couto Cesar e Olívia da Silva Pereira. Cadernos de História da Educação, 22, 1-21. "
           "https://doi.org/10.14393/che-v22-2023-159")
GHIZONI = ("Ghizoni-Jr., I.R. 2009. Composição de bandos mistos de aves no Parque Estadual das Araucárias, oeste de "
           "Santa Catarina, Brasil. Biotemas, 22(3): 143-148. https://doi.org/10.5007/2175-7925.2009v22n3p143.")
CHITANGA = ("CHITANGA, S., MARCOTTY, T., NAMANGALA, B., VAN DEN BOSSCHE, P., VAN DEN ABBEELE, J. and DELESPAUX, V., "
            "2011. High prevalence of drug resistance in animal trypanosomes without a history of drug exposure. PLoS "
            "Neglected Tropical Diseases, vol. 5, no. 12, e1454. http://dx.doi.org/10.1371/journal.pntd.0001454.")


def test_harvard_with_labelled_locators() -> None:
    ref = parsed(BAYRAKTAR)
    assert ref.parse_error is None
    f = ref.parsed
    assert f.authors == ("BAYRAKTAR M", "HAYTA-SMEDLEY S", "UNAL S", "VAROL N", "GUREL A")
    assert f.title == "Micropropagation and prevention of hyperhydricity in olive (Olea europaea L.) cultivar ‘Gemlik’"
    assert (f.journal, f.year, f.volume, f.first_page, f.last_page) == (
        "South African Journal of Botany", 2020, "128", "264", "273")
    assert judged(BAYRAKTAR, BAYRAKTAR_REC).verdict == "verified"


def test_harvard_article_number_and_issue() -> None:
    f = parsed(CHITANGA).parsed
    assert (f.journal, f.volume, f.issue, f.article_number) == ("PLoS Neglected Tropical Diseases", "5", "12", "e1454")
    assert f.authors[3:5] == ("VAN DEN BOSSCHE P", "VAN DEN ABBEELE J")


def test_apa_list_joined_by_and() -> None:
    ref = parsed(AHMED)
    assert ref.parse_error is None
    assert ref.parsed.authors == ("Ahmed S", "Roberto SR", "Shahab M", "Colombo RC", "Silvestre JP", "Koyama R",
                                  "Souza RT")
    assert (ref.parsed.journal, ref.parsed.volume, ref.parsed.first_page) == ("Scientia Horticulturae", "251", "118")


def test_harvard_semicolons_ampersand_and_a_place_after_the_journal() -> None:
    ref = parsed(ALVARES)
    assert ref.parse_error is None
    assert ref.parsed.authors == ("Alvares CA", "Starpe JL", "Sentelhas PC", "Gonçalves JLM", "Sparovek G")
    assert judged(ALVARES, ALVARES_REC).verdict == "verified"


def test_harvard_last_initial_without_its_dot() -> None:
    ref = parsed(GHIZONI)
    assert ref.parse_error is None
    assert (ref.parsed.journal, ref.parsed.volume, ref.parsed.first_page) == ("Biotemas", "22", "143")


def test_apa_inner_particle_and_year_repeated_after_the_pages() -> None:
    assert parsed(PLETSCH).parsed.authors == ("Pletsch MD", "Batista GF", "Avila LL")
    f = parsed(MENDES).parsed
    assert (f.journal, f.volume, f.issue, f.first_page, f.last_page) == ("Revista Linhas", "17", "35", "45", "67")


def test_abnt_title_ending_in_a_question_mark() -> None:
    ref = parsed(ROSA)
    assert ref.parse_error is None and ref.parsed.journal == "Revista de Administração de Empresas"
    assert judged(ROSA, ROSA_REC).verdict == "verified"


def test_abnt_elocator_without_p() -> None:
    f = parsed(LEITE).parsed
    assert (f.journal, f.volume, f.article_number) == ("Revista Brasileira de Educação Especial", "27", "e0208")


def test_vancouver_lists_are_not_read_as_harvard() -> None:
    """Issue 10 class 2's comma slips stay one person each, read the Vancouver way."""
    from tests.test_false_alarms_punctuation import KIMMICK, MELLO

    assert parsed(MELLO).parsed.authors == ("Mello ED", "Luft VC", "Meyer F")
    assert parsed(KIMMICK).parsed.authors[3:5] == ("Bhosle M", "Hwang W")


def test_a_particle_only_family_takes_its_surname_from_the_given_name() -> None:
    # The record of CHITANGA's work files ``family: VAN, given: DEN BOSSCHE P.``.
    rec = record_name(RecordAuthor("VAN", given="DEN BOSSCHE P.", initials="DBP"))
    assert compare_names(parse_vancouver("VAN DEN BOSSCHE P"), rec) == "same"
    # ... and another's ``family: DE, initials: SOUSAVF`` (the rest of the surname glued to the initials).
    glued = record_name(RecordAuthor("DE", given="S.-O. U. S. A. V. F.", initials="SOUSAVF"))
    assert compare_names(parse_vancouver("DE SOUSA VF"), glued) == "same"
    assert compare_names(parse_vancouver("DE MOURA EO"), glued) == "different"
    # A person filed the usual way is untouched by the rule.
    assert compare_names(parse_vancouver("van Os J"), record_name(RecordAuthor("van Os", initials="J"))) == "same"
