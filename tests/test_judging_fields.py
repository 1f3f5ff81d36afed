"""Unit tests of the normalising comparisons the verdicts are built from."""

from __future__ import annotations

import pytest

from auditor.identifiers import norm_doi
from auditor.judging.authors import compare_names, parse_vancouver, record_name
from auditor.judging.journals import journal_agrees, same_journal_name
from auditor.judging.normalize import norm_text
from auditor.judging.pages import abbreviate_range, expand_last, locators_agree, split_pages
from auditor.judging.titles import compare_titles
from auditor.model import RecordAuthor


@pytest.mark.parametrize(
    ("cited", "full"),
    [
        ("Pharmacoepidemiol Drug Saf", "Pharmacoepidemiology and Drug Safety"),
        ("Med Sci (Basel)", "Medical Sciences"),
        ("Med Sci (Basel)", "Medical Sciences (Basel, Switzerland)"),
        ("Exp Biol Med (Maywood)", "Experimental Biology and Medicine (Maywood, N.J.)"),
        ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the United States of America"),
        ("Arthritis Rheum", "Arthritis and Rheumatism"),
        ("N Engl J Med", "The New England Journal of Medicine"),
        ("Brain Behav Immun Health", "Brain, Behavior, & Immunity - Health"),
        ("PLoS ONE", "PloS one"),
        ("Ann. Neurol.", "Annals of Neurology"),
    ],
)
def test_journal_abbreviations_match(cited: str, full: str) -> None:
    assert same_journal_name(cited, full)
    assert same_journal_name(full, cited)


@pytest.mark.parametrize(
    ("cited", "other"),
    [
        ("Nature", "Nature Genetics"),
        ("Brain Behav Immun", "Brain Behav Immun Health"),
        ("Brain Behav Immun", "Brain, Behavior, & Immunity - Health"),
        ("J Med Chem", "Journal of Chemical Information and Modeling"),
        ("Ann Neurol", "Annals of Nutrition"),
        ("Clin Rheumatol", "Clinical Rehabilitation"),
    ],
)
def test_journal_non_matches(cited: str, other: str) -> None:
    assert not same_journal_name(cited, other)


def test_journal_agrees_checks_every_abbreviation_and_reports_unknown() -> None:
    assert journal_agrees("Pharmacol Rev", ("Pharmacological Reviews", "Pharmacol Rev")) is True
    assert journal_agrees("Pharmacol Rev", ("Pharmacological Research",)) is False
    assert journal_agrees(None, ("Pharmacological Reviews",)) is None
    assert journal_agrees("Pharmacol Rev", (None,)) is None


def test_normalisation_ignores_case_punctuation_diacritics_markup() -> None:
    assert norm_text("Småbrekke") == "smabrekke"
    assert norm_text("Søren Ærø") == "soren aero"
    assert norm_text("Naltrexone inhibits TNF<i>α</i> production.") == norm_text("naltrexone inhibits TNFα production")
    assert norm_text("<mml:math><mml:mi>CO</mml:mi><mml:mn>2</mml:mn></mml:math> levels") == "co2 levels"
    assert norm_doi("https://doi.org/10.1002/ANA.22006") == "10.1002/ana.22006"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Low-dose naltrexone (LDN): review of therapeutic utilization",
         "Low-Dose Naltrexone (LDN)—Review of Therapeutic Utilization.", "same"),
        ("Low-dose naltrexone for the treatment of fibromyalgia",
         "Low-dose naltrexone for the treatment of fibromyalgia: findings of a small trial", "minor"),
        ("The use of low-dose naltrexone as a novel anti-inflammatory treatment for chronic pain",
         # a parenthesised acronym restating the words before it counts like punctuation
         "The use of low-dose naltrexone (LDN) as a novel anti-inflammatory treatment for chronic pain", "same"),
        ("A review of the efficacy of low-dose naltrexone in multiple sclerosis",
         "A study of dietary modification: Perceptions and attitudes of patients with multiple sclerosis",
         "different"),
    ],
)
def test_title_grades(a: str, b: str, expected: str) -> None:
    assert compare_titles(a, b) == expected


def test_vancouver_names_against_record_names() -> None:
    assert parse_vancouver("Cree BAC").initials == "BAC"
    assert parse_vancouver("de Carvalho JF").surname == "decarvalho"
    given = record_name(RecordAuthor(family="Cree", given="Bruce A. C."))
    assert compare_names(parse_vancouver("Cree BAC"), given) == "same"
    def grade(cited: str, family: str, initials: str) -> str:
        return compare_names(parse_vancouver(cited), record_name(RecordAuthor(family, initials=initials)))

    assert grade("Smabrekke L", "Småbrekke", "L") == "same"
    assert grade("Korneyeva E", "Kornyeyeva", "E") == "misspelled"
    assert grade("Cree B", "Cree", "BAC") == "same"  # prefix-compatible initials: one person (issue 10, class 4)
    assert grade("Cree BD", "Cree", "BAC") == "misspelled"
    assert grade("Goodin DS", "Cree", "BAC") == "different"


def test_collective_author_is_kept_whole() -> None:
    name = parse_vancouver("WHO Study Group on Tobacco")
    assert name.collective
    group = record_name(RecordAuthor(collective="WHO study group on tobacco"))
    assert compare_names(name, group) == "same"


def test_pages_expand_split_abbreviate() -> None:
    assert expand_last("1205", "13") == "1213"
    assert split_pages("244-55") == ("244", "255")
    assert split_pages("e0212460") == ("e0212460", None)
    assert abbreviate_range("1205", "1213") == "1205-13"
    assert abbreviate_range("145", "150") == "145-50"
    assert abbreviate_range("99", "101") == "99-101"
    assert abbreviate_range("S12", "S18") == "S12-S18"


def test_article_number_and_e_prefix_are_equal_locators() -> None:
    assert locators_agree(("0212460", None), (None, "e0212460")) is True
    assert locators_agree((None, "e0212460"), ("e0212460", None)) is True
    assert locators_agree(("82", None), (None, "82")) is True
    assert locators_agree(("321", None), (None, "e0212460")) is False
    assert locators_agree((None, None), ("1", None)) is None


def test_titles_in_other_scripts_are_compared_not_erased() -> None:
    assert norm_text("Низкие дозы налтрексона.") == "низкие дозы налтрексона"
    assert compare_titles("低剂量纳曲酮治疗", "低剂量纳曲酮治疗。") == "same"
    assert compare_titles("Низкие дозы налтрексона", "Высокие дозы морфина у детей") == "different"


def test_numbered_parts_of_a_series_are_different_titles() -> None:
    one = "Short tandem repeat (STR) genotyping of keratinised hair. Part 1. Review of current status"
    two = "Short tandem repeat (STR) genotyping of keratinised hair. Part 2. An optimised extraction procedure"
    assert compare_titles(one, two) == "different"
    assert compare_titles(one, one.replace("Part 1", "part 1")) == "same"


def test_record_pages_are_shown_with_full_end_pages() -> None:
    from auditor.judging.pages import expand_ranges

    assert expand_ranges("10-9") == "10-19"
    assert expand_ranges("1205-13, 1220-5") == "1205-1213, 1220-1225"
    assert expand_ranges("R174-83") == "R174-R183"
    assert expand_ranges("e0212460") == "e0212460"
    assert expand_ranges(None) is None
