"""Italics inside a title belong to the title (issue 9 item 9: keep text faithful).

The first italic span of a reference used to be taken for the journal (AMA italicises it). A
species name in the title (``<i>E. coli</i>``, ``*Staphylococcus aureus*``) then became the
journal and was cut out of the title, so a correct reference came back REF102 and REF103 major.
"""

from __future__ import annotations

import pytest

from auditor.parsing.references import parse_reference

CASES = [
    ("Smith J. Use of <i>E. coli</i> in studies. J Test. 2020;1(2):3-4.", "Use of E. coli in studies", "J Test"),
    ("Smith J. Killing of <i>Staphylococcus aureus</i> by neutrophils. J Infect Dis. 2020;1(2):3-4.",
     "Killing of Staphylococcus aureus by neutrophils", "J Infect Dis"),
    ("Smith J. Killing of *Staphylococcus aureus* by neutrophils. J Infect Dis. 2020;1(2):3-4.",
     "Killing of Staphylococcus aureus by neutrophils", "J Infect Dis"),
    ("Smith J. Killing of <i>Staphylococcus aureus</i> by neutrophils. <i>J Infect Dis</i>. 2020;1(2):3-4.",
     "Killing of Staphylococcus aureus by neutrophils", "J Infect Dis"),
    ("Smith J. The _Drosophila_ gene. Genetics. 2020;1(2):3-4.", "The Drosophila gene", "Genetics"),
    ("Smith J. A *starred* title. J Test. 2020;1(2):3-4.", "A starred title", "J Test"),
]


@pytest.mark.parametrize("raw, title, journal", CASES)
def test_an_italic_word_of_the_title_stays_in_the_title(raw: str, title: str, journal: str) -> None:
    fields, error = parse_reference(raw)
    assert error is None
    assert (fields.title, fields.journal) == (title, journal)


@pytest.mark.parametrize("raw", [
    "Lee K, Chan M. Title here. *J Clin Oncol*. 2018;36(15 suppl):e12345.",
    "Smith J, Doe A. Killing of bacteria by neutrophils *J Infect Dis* 2020;1(2):3-4.",
    "Smith J. Killing of bacteria by neutrophils. <i>J Infect Dis</i>. 2020;1(2):3-4.",
])
def test_an_italic_journal_is_still_the_journal(raw: str) -> None:
    fields, _ = parse_reference(raw)
    assert fields.journal in ("J Clin Oncol", "J Infect Dis")
    assert fields.journal not in (fields.title or "")
