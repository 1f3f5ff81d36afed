"""Issue 10, class 2: author-list punctuation from real prints (strings from the SciELO/PLOS bench data)."""

from __future__ import annotations

import pytest

from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import judged, parsed

SALLIS = ("Sallis, JF, Cervero RB, Ascher W, Henderson KA, Kraft MH, Kerr J. An ecological approach to creating active "
          "living communities. Annu Rev Public Health. 2006;27:297-322.")
MELLO = ("Mello ED, Luft VC, Meyer, F. Obesidade infantil: como podemos ser eficazes? J Pediatr (Rio J). "
         "2004;80(3):173-82. DOI:10.2223/JPED.1180")
KIMMICK = ("Kimmick G, Anderson R, Camacho F, Bhosle, M, Hwang W, Balkrishnan R. Adjuvant hormonal therapy use among "
           "insured, low-income women with breast cancer. J Clin Oncol. 2009;27(21):3445-51.")
LIM = ("Lim S, Bae JH, Kwon, HS, Nauck MA. COVID-19 and diabetes mellitus: from pathophysiology to clinical "
       "management. Nat Rev Endocrinol. 2021;17:11-30")
SIQUEIRA = ("Siqueira JS de, Fernandes R de CP. Demanda psicossocial e demanda física no trabalho: iniquidades segundo "
            "raça/cor. Ciênc Saúde Coletiva. 2021;26(10):4737-48. doi: 10.1590/1413-812320212610.19982020")
AGUERA = ("Aguera y Arcas B, Fairhall AL (2003) What causes a neuron to spike? Neural Computation 15: 1789–1807. "
          "doi: 10.1162/08997660360675044")


@pytest.mark.parametrize(("raw", "authors"), [
    (SALLIS, ("Sallis JF", "Cervero RB", "Ascher W", "Henderson KA", "Kraft MH", "Kerr J")),
    (MELLO, ("Mello ED", "Luft VC", "Meyer F")),
    (KIMMICK, ("Kimmick G", "Anderson R", "Camacho F", "Bhosle M", "Hwang W", "Balkrishnan R")),
    (LIM, ("Lim S", "Bae JH", "Kwon HS", "Nauck MA")),
    (AGUERA, ("Aguera y Arcas B", "Fairhall AL")),
])
def test_one_person_per_name_whatever_the_comma(raw: str, authors: tuple[str, ...]) -> None:
    ref = parsed(raw)
    assert ref.parse_error is None
    assert ref.parsed.authors == authors


def test_particle_after_the_initials_keeps_two_people() -> None:
    assert parsed(SIQUEIRA).parsed.authors[0] == "Siqueira JS"
    assert len(parsed(SIQUEIRA).parsed.authors) == 2


def test_comma_between_surname_and_initials_is_not_a_false_major() -> None:
    names = [("Mello", "ED"), ("Luft", "VC"), ("Meyer", "F")]
    rec = Record(source="crossref", doi="10.2223/jped.1180", title="Obesidade infantil: como podemos ser eficazes?",
                 journal="Jornal de Pediatria", journal_abbrevs=("J. Pediatr. (Rio J.)",), year=2004, volume="80",
                 issue="3", pages="173-182", authors=tuple(RecordAuthor(f, initials=i) for f, i in names))
    audit = judged(MELLO, rec)
    assert audit.verdict == "verified", audit.findings
