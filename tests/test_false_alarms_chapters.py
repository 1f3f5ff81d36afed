"""Issue 10, round 3: book chapters printed with ``In:`` are read (book in the journal slot), others stay
unparsed. Real strings from the bench data; records as the sandbox's Crossref view serves them."""

from __future__ import annotations

import pytest

from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import judged, parsed

BRONFENBRENNER = ("Bronfenbrenner U, Morris PA. The bioecological model of human development. In: Damon W, Lerner "
                  "RM, Pearson E, van der Veere CN, editors. Handbook of Child Psychology. 6. ed. Hoboken, NJ: John "
                  "Wiley & Sons; 2007. p. 793-828. https://doi.org/10.1002/9780470147658.chpsy0114")
ZIV = ("ZIV, M. (1991). Vitrification: morphological and physiological disorders of in vitro plants. In: P.C. DEBERGH "
       "and R.H. ZIMMERMAN, eds. Micropropagation: technology and application. Dordrecht: KluwerAcademic Publishers, "
       "pp. 45-69 http://dx.doi.org/10.1007/978-94-009-2075-0_4.")
GONZATTI = ("GONZATTI, M.I., GONZÁLEZ-BARADAT, B., ASO, P.M. and REYNA-BELLO, A., 2014 [viewed 29 April 2021]. "
            "Trypanosoma (Duttonella) vivax and Typanosomosis in Latin America: secadera/huequera/cacho hueco. In: S. "
            "MAGEZ and M. RADWANSKA, eds. Trypanosomes and Trypanosomiasis. Vienna: Springer, pp. 261-285. Available "
            "from: https://link.springer.com/chapter/10.1007/978-3-7091-1556-5_11")
CARVALHO = ("Carvalho, L. C.; Gallardo, D.; Nevado, M. T. Local municipalities’ involvement in promoting "
            "entrepreneurship: an analysis of web page orientation to the entrepreneurs in Portuguese municipalities. "
            "In: Carvalho, L. C. (ed.). Handbook of Research on Entrepreneurial Ecosystems and Social Dynamics in a "
            "Globalized World. Évora: IGI Global, 2018. p. 1-19. Doi: https://doi.org/10.4018/978-1-5225-3525-6.ch001.")
ALZOLA = ("Alzola, M. (2017). Virtues and their explanatory and predictive power in the workplace. In A. Sison, G. "
          "Beabout, & I. Ferrero (Eds.), Handbook of virtues ethics in business and management. Netherlands: Springer. "
          "https://doi.org/10.1007/978-94-007-6510-8")
COHEN = ("Cohen, S., Gottlieb, B., & Underwood, L. (2000). Social relationships and health. In S. Cohen, L. "
         "Underwood, & B. Gottlieb (Eds.), Social support measurement and intervention (pp. 3-28). New York: "
         "Oxford University Press.")


@pytest.mark.parametrize(("raw", "authors", "title", "book", "year", "pages"), [
    (BRONFENBRENNER, ("Bronfenbrenner U", "Morris PA"), "The bioecological model of human development",
     "Handbook of Child Psychology", 2007, ("793", "828")),
    (ZIV, ("ZIV M",), "Vitrification: morphological and physiological disorders of in vitro plants",
     "Micropropagation: technology and application", 1991, ("45", "69")),
    (GONZATTI, ("GONZATTI MI", "GONZÁLEZ-BARADAT B", "ASO PM", "REYNA-BELLO A"),
     "Trypanosoma (Duttonella) vivax and Typanosomosis in Latin America: secadera/huequera/cacho hueco",
     "Trypanosomes and Trypanosomiasis", 2014, ("261", "285")),
    (CARVALHO, ("Carvalho LC", "Gallardo D", "Nevado MT"), None,
     "Handbook of Research on Entrepreneurial Ecosystems and Social Dynamics in a Globalized World", 2018, ("1", "19")),
], ids=["vancouver", "apa-year-in", "harvard", "abnt"])
def test_chapters_printed_with_in_colon(raw: str, authors: tuple[str, ...], title: str | None, book: str, year: int,
                                        pages: tuple[str, str]) -> None:
    ref = parsed(raw)
    assert ref.parse_error is None
    f = ref.parsed
    assert f.authors == authors
    assert title is None or f.title == title
    assert (f.journal, f.year, (f.first_page, f.last_page)) == (book, year, pages)


def test_a_chapter_verifies_against_its_crossref_record() -> None:
    rec = Record(source="crossref", doi="10.1002/9780470147658.chpsy0114",
                 title="The bioecological model of human development", journal="Handbook of Child Psychology",
                 year=2007, pages="793-828",
                 authors=(RecordAuthor("Bronfenbrenner", initials="U"), RecordAuthor("Morris", initials="PA")))
    assert judged(BRONFENBRENNER, rec).verdict == "verified"


@pytest.mark.parametrize("raw", [ALZOLA, COHEN])
def test_chapters_without_pages_or_in_apa_form_stay_unparsed(raw: str) -> None:
    assert parsed(raw).parse_error is not None
