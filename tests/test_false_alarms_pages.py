"""Issue 10, class 8: e-locators and Elsevier's ``645.e1`` pages against the record's page (real string)."""

from __future__ import annotations

from auditor.judging.pages import locators_agree
from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import codes, judged

LANNEAU = ("Lanneau GS, Argenta PA, Lanneau MS, Riffenburgh RH, Gold MA, McMeekin DS, et al. Vulvar cancer in young "
           "women: demographic features and outcome evaluation. American journal of obstetrics and gynecology. "
           "2009;200(6):645.e1-5. doi: 10.1016/j.ajog.2009.01.014 .")


def test_elsevier_online_page_is_the_article_first_page() -> None:
    assert locators_agree(("645.e1",), ("645",)) is True
    assert locators_agree(("646.e1",), ("645",)) is False
    rec = Record(source="pubmed", pmid="19286150", doi="10.1016/j.ajog.2009.01.014",
                 title="Vulvar cancer in young women: demographic features and outcome evaluation.",
                 journal="American journal of obstetrics and gynecology", journal_abbrevs=("Am J Obstet Gynecol",),
                 year=2009, volume="200", issue="6", pages="645.e1-5",
                 first_page="645", authors=(RecordAuthor("Lanneau", initials="GS"),))
    assert "REF108" not in codes(judged(LANNEAU, rec))


def test_greek_letters_spelled_or_printed_are_one_title() -> None:
    from auditor.judging.titles import compare_titles

    # Real string (PLOS): "Ollis DL, ... (1992) The alpha/beta hydrolase fold. Protein Eng5: 197–211"
    assert compare_titles("The alpha/beta hydrolase fold", "The α/β hydrolase fold.") == "same"
    assert compare_titles("The alpha/beta hydrolase fold", "The γ/δ hydrolase fold.") != "same"
