"""NLM/Vancouver suggestions rebuilt from records."""

from __future__ import annotations

import dataclasses

from auditor.judging import suggest
from auditor.model import RecordAuthor
from tests.builders import CREE_2010, RAKNES_2019_PLOS, TOLJAN_2018, record


def test_cree_in_nlm_style() -> None:
    assert suggest(CREE_2010) == (
        "Cree BAC, Kornyeyeva E, Goodin DS. Pilot trial of low-dose naltrexone and quality of life in "
        "multiple sclerosis. Ann Neurol. 2010;68(2):145-50. doi:10.1002/ana.22006"
    )


def test_full_page_range_is_abbreviated() -> None:
    rec = record("Kreek MJ", "LaForge KS", title="Naltrexone pharmacotherapy for opioid dependence",
                 journal="Neuropsychopharmacology", year=2004, volume="29", issue="6", pages="1205-1213")
    assert "2004;29(6):1205-13." in suggest(rec)


def test_article_number_and_diacritics() -> None:
    text = suggest(RAKNES_2019_PLOS)
    assert text.startswith("Raknes G, Småbrekke L. Low dose naltrexone:")
    assert "PLoS One. 2019;14(2):e0212460. doi:10.1371/journal.pone.0212460" in text
    assert suggest(TOLJAN_2018).endswith("Med Sci (Basel). 2018;6(4):82. doi:10.3390/medsci6040082")


def test_more_than_six_authors_gives_et_al() -> None:
    rec = record(*[f"Author{i} A" for i in range(8)], title="T", journal="J", year=2000)
    text = suggest(rec)
    assert text.startswith("Author0 A, Author1 A, Author2 A, Author3 A, Author4 A, Author5 A, et al. T.")
    assert "Author6" not in text


def test_given_names_collectives_markup_and_full_journal_fallback() -> None:
    rec = dataclasses.replace(
        record(title="Effects of CO<sub>2</sub> on <i>E. coli</i>", journal="Journal of Things", year=2020),
        authors=(RecordAuthor(family="Smith", given="John Paul"), RecordAuthor(collective="The XYZ Group")),
    )
    assert suggest(rec) == "Smith JP, The XYZ Group. Effects of CO2 on E. coli. Journal of Things. 2020."
