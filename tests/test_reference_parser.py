"""parse_reference on the styles we promise: Vancouver/NLM, AMA, title-first, identifiers, e-locators."""

from __future__ import annotations

import pytest

from auditor.parsing import parse_reference
from auditor.parsing.references import expand_last_page


def test_vancouver_with_month_ids_and_epub() -> None:
    fields, error = parse_reference(
        "Smith JA, Jones B. Effects of X on Y. Lancet. 2019 Mar 2;393(10175):883-95. "
        "doi: 10.1016/S0140-6736(18)32345-X. Epub 2019 Feb 1. PMID: 30827775; PMCID: PMC6789012."
    )
    assert error is None
    assert fields.authors == ("Smith JA", "Jones B")
    assert fields.title == "Effects of X on Y"
    assert fields.journal == "Lancet"
    assert (fields.year, fields.volume, fields.issue) == (2019, "393", "10175")
    assert (fields.first_page, fields.last_page, fields.article_number) == ("883", "895", None)
    assert fields.doi == "10.1016/s0140-6736(18)32345-x"
    assert (fields.pmid, fields.pmcid) == ("30827775", "PMC6789012")


def test_doi_url_prefix_removed_and_lower_cased() -> None:
    fields, _ = parse_reference("Doe J, Roe R, et al. A randomised trial. BMJ. 2020;368:m123. https://doi.org/10.1136/BMJ.M123")
    assert fields.doi == "10.1136/bmj.m123"
    assert fields.et_al is True
    assert fields.authors == ("Doe J", "Roe R")


def test_ama_italic_journal_is_unwrapped() -> None:
    fields, error = parse_reference("Lee K, Chan M. Title here. *J Clin Oncol*. 2018;36(15 suppl):e12345.")
    assert error is None
    assert fields.journal == "J Clin Oncol"
    assert fields.issue == "15 suppl"
    assert fields.article_number == "e12345"
    assert fields.first_page is None


def test_title_first_with_missing_space_after_period() -> None:
    fields, error = parse_reference(
        "Low-Dose Naltrexone as an Adjuvant in Combined Anticancer Therapy. Ciwun M, Tankiewicz-Kwedlo A, "
        "Pawlak D.Cancers. 2024;16(6):1240. doi:10.3390/cancers16061240."
    )
    assert error is None
    assert fields.title == "Low-Dose Naltrexone as an Adjuvant in Combined Anticancer Therapy"
    assert fields.authors == ("Ciwun M", "Tankiewicz-Kwedlo A", "Pawlak D")
    assert fields.journal == "Cancers"
    assert fields.doi == "10.3390/cancers16061240"


def test_collective_author_kept_verbatim() -> None:
    fields, _ = parse_reference(
        "WHO Study Group. Diet, nutrition and the prevention of chronic diseases. "
        "World Health Organ Tech Rep Ser. 2003;916:1-149."
    )
    assert fields.authors == ("WHO Study Group",)
    assert fields.title == "Diet, nutrition and the prevention of chronic diseases"
    assert fields.journal == "World Health Organ Tech Rep Ser"
    assert (fields.first_page, fields.last_page) == ("1", "149")


def test_supplement_pages_expand_with_prefix() -> None:
    fields, _ = parse_reference("Kim H, Park S. Supplementary paging. Clin Infect Dis. 2005;41 Suppl 2:S12-5.")
    assert (fields.volume, fields.issue) == ("41", "Suppl 2")  # the supplement is an issue, not part of the volume
    assert (fields.first_page, fields.last_page) == ("S12", "S15")


def test_colon_after_authors_and_space_before_year() -> None:
    fields, _ = parse_reference(
        'Varley JM, McGown G, Birch JM: "Germ-line mutations of TP53 in Li-Fraumeni families." '
        "Cancer Res 1997; 57:3245-3252."
    )
    assert fields.authors == ("Varley JM", "McGown G", "Birch JM")
    assert fields.title == "Germ-line mutations of TP53 in Li-Fraumeni families"
    assert fields.journal == "Cancer Res"
    assert (fields.year, fields.volume, fields.first_page, fields.last_page) == (1997, "57", "3245", "3252")


def test_multi_sentence_title_keeps_all_sentences() -> None:
    fields, _ = parse_reference(
        "Lam TH, Hedley AJ. Passive smoking in Hong Kong. Child Health and Activity Research Group (CHARG). "
        "Hum Exp Toxicol 1999; 18:218-23."
    )
    assert fields.title == "Passive smoking in Hong Kong. Child Health and Activity Research Group (CHARG)"
    assert fields.journal == "Hum Exp Toxicol"
    assert fields.last_page == "223"


def test_online_first_without_volume() -> None:
    fields, error = parse_reference(
        "Brown T. Online first article. J Virol. 2021 Apr 7. doi:10.1128/JVI.00001-21. [Epub ahead of print]"
    )
    assert error is None
    assert (fields.journal, fields.year, fields.volume) == ("J Virol", 2021, None)
    assert fields.doi == "10.1128/jvi.00001-21"


@pytest.mark.parametrize(
    ("pages", "first", "last", "article"),
    [
        ("82", "82", None, None),
        ("1240", "1240", None, None),
        ("A312", "A312", None, None),
        ("106388", None, None, "106388"),
        ("e0212460", None, None, "e0212460"),
        ("065102", None, None, "065102"),
        ("1789-800", "1789", "1800", None),
        ("e1-e10", "e1", "e10", None),
    ],
)
def test_locator_rule(pages: str, first: str | None, last: str | None, article: str | None) -> None:
    fields, _ = parse_reference(f"Roe A. A title. J Test. 2018;6(4):{pages}.")
    assert (fields.first_page, fields.last_page, fields.article_number) == (first, last, article)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [("883", "95", "895"), ("1789", "800", "1800"), ("1205", "1213", "1213"), ("S12", "5", "S15"), ("9", "12", "12")],
)
def test_expand_last_page(first: str, last: str, expected: str) -> None:
    assert expand_last_page(first, last) == expected


@pytest.mark.parametrize("raw", ["", "   ", "This is just a sentence with no reference data."])
def test_unparseable_entries_report_why(raw: str) -> None:
    fields, error = parse_reference(raw)
    assert error
    assert fields.year is None


def test_identifier_alone_is_enough() -> None:
    fields, error = parse_reference("Available online. doi:10.5555/ABC.123")
    assert error is None
    assert fields.doi == "10.5555/abc.123"


def test_ama_published_online_without_volume() -> None:
    fields, error = parse_reference(
        "Smith JA, Doe B, et al. Some AMA title. *JAMA*. Published online March 2, 2020. doi:10.1001/jama.2020.1"
    )
    assert error is None
    assert (fields.title, fields.journal, fields.year, fields.volume) == ("Some AMA title", "JAMA", 2020, None)
    assert fields.et_al is True


def test_erratum_notice_does_not_replace_the_citation_locator() -> None:
    fields, _ = parse_reference(
        "Kaitin KI. Deconstructing drug development. Clin Pharmacol Ther. 2010 Mar;87(3):356-61. "
        "Erratum in: Clin Pharmacol Ther. 2011 Jan;89(1):148."
    )
    assert (fields.year, fields.volume, fields.issue, fields.first_page, fields.last_page) == (
        2010, "87", "3", "356", "361",
    )


def test_journal_glued_to_title_without_full_stop() -> None:
    fields, _ = parse_reference("Butcher EC, Picker LJ. Lymphocyte homing and homeostasis Science 1996; 272:60-66.")
    assert (fields.title, fields.journal) == ("Lymphocyte homing and homeostasis", "Science")


def test_collective_author_after_semicolon_kept() -> None:
    fields, _ = parse_reference(
        "Thomas DW, Greer FR; American Academy of Pediatrics Committee on Nutrition. Probiotics and prebiotics "
        "in pediatrics. Pediatrics. 2010;126(6):1217-31."
    )
    assert fields.authors == ("Thomas DW", "Greer FR", "American Academy of Pediatrics Committee on Nutrition")
    assert fields.title == "Probiotics and prebiotics in pediatrics"


def test_asm_author_year_with_elocator() -> None:
    fields, error = parse_reference(
        "Stewart A, Harris P, Henderson A, Paterson D. 2018. Treatment of infections by OXA-48-producing "
        "Enterobacteriaceae. Antimicrob Agents Chemother 62:e01195-18. 10.1128/AAC.01195-18"
    )
    assert error is None
    assert fields.authors == ("Stewart A", "Harris P", "Henderson A", "Paterson D")
    assert fields.title == "Treatment of infections by OXA-48-producing Enterobacteriaceae"
    assert (fields.journal, fields.year, fields.volume) == ("Antimicrob Agents Chemother", 2018, "62")
    assert (fields.first_page, fields.article_number) == (None, "e01195-18")
    assert fields.doi == "10.1128/aac.01195-18"


def test_parenthesised_year_author_year() -> None:
    fields, _ = parse_reference(
        "Lau HHC, Lau A, Watts JC (2018) Discriminating strains of protein aggregates. Methods Mol Biol 1777:339–354"
    )
    assert fields.authors == ("Lau HHC", "Lau A", "Watts JC")
    assert (fields.title, fields.journal) == ("Discriminating strains of protein aggregates", "Methods Mol Biol")
    assert (fields.year, fields.volume, fields.first_page, fields.last_page) == (2018, "1777", "339", "354")


def test_rsc_comma_style() -> None:
    fields, _ = parse_reference(
        "Repka LM, Hetrick KJ, Chee SH and van der Donk WA, Journal of the American Chemical Society, 2018, 140, "
        "4200–4203."
    )
    assert fields.authors == ("Repka LM", "Hetrick KJ", "Chee SH", "van der Donk WA")
    assert fields.journal == "Journal of the American Chemical Society"
    assert (fields.year, fields.volume, fields.first_page, fields.last_page) == (2018, "140", "4200", "4203")


def test_lancet_electronic_page_range_is_a_range() -> None:
    fields, _ = parse_reference("Roe A. A title. Lancet Digit Health. 2020;2(4):e179-91.")
    assert (fields.first_page, fields.last_page, fields.article_number) == ("e179", "e191", None)


def test_journal_only_citation() -> None:
    fields, error = parse_reference("Proc Natl Acad Sci U S A. 2015 Apr 14;112(15):4743-8")
    assert error is None
    assert (fields.authors, fields.title, fields.journal) == ((), None, "Proc Natl Acad Sci U S A")
    assert (fields.volume, fields.issue, fields.first_page, fields.last_page) == ("112", "15", "4743", "4748")


@pytest.mark.parametrize(
    ("raw", "title", "journal"),
    [
        ("Smith J. Obesity. Lancet. 2019;1:1.", "Obesity", "Lancet"),
        ("Smith J, et al. Title. Nature. 2019;570(7760):E1-E3.", "Title", "Nature"),
        ("Berg A. Surnames. J. Biol. Chem. 2001;276(3):1-10.", "Surnames", "J. Biol. Chem"),
    ],
)
def test_dotted_journal_abbreviations_vs_one_word_titles(raw: str, title: str, journal: str) -> None:
    fields, _ = parse_reference(raw)
    assert (fields.title, fields.journal) == (title, journal)


def test_apa_style() -> None:
    fields, error = parse_reference(
        "Younger, J., Parkitny, L., & McLain, D. (2014). The use of low-dose naltrexone (LDN) as a novel "
        "anti-inflammatory treatment for chronic pain. Clinical Rheumatology, 33(4), 451–459. "
        "https://doi.org/10.1007/s10067-014-2517-2"
    )
    assert error is None
    assert fields.authors == ("Younger J", "Parkitny L", "McLain D")
    assert fields.title is not None
    assert fields.title.startswith("The use of low-dose naltrexone (LDN) as a novel")
    assert fields.title.endswith("anti-inflammatory treatment for chronic pain")
    assert (fields.journal, fields.year, fields.volume, fields.issue) == ("Clinical Rheumatology", 2014, "33", "4")
    assert (fields.first_page, fields.last_page) == ("451", "459")
    assert fields.doi == "10.1007/s10067-014-2517-2"


def test_pubmed_labels_printed_by_plos_and_scielo_are_pmids() -> None:
    fields, _ = parse_reference(
        "Epel ES (2009) Psychological and metabolic stress: a recipe for accelerated cellular aging? "
        "Hormones (Athens) 8: 7-22. PubMed: 19269917."
    )
    assert fields.pmid == "19269917"
    assert (fields.journal, fields.volume, fields.first_page, fields.last_page) == ("Hormones (Athens)", "8", "7", "22")
    assert fields.title == "Psychological and metabolic stress: a recipe for accelerated cellular aging?"
    scielo, _ = parse_reference("Roe A. A title. Rev Bras. 2020;73(4):e20180812. PMid:32520094.")
    assert scielo.pmid == "32520094"


def test_et_al_comma_then_title() -> None:
    fields, _ = parse_reference(
        "Harms DW, Gurumurthy CB, et al., Nucleic acid reprogramming of limbal progenitors. PLoS One. 2012;7:e46734."
    )
    assert fields.authors == ("Harms DW", "Gurumurthy CB") and fields.et_al
    assert (fields.title, fields.journal) == ("Nucleic acid reprogramming of limbal progenitors", "PLoS One")


@pytest.mark.parametrize(
    ("raw", "journal"),
    [
        ("Soverini S, et al. Kinase domain resistance. Leukemia research. Jan 2014;38(1): 10-20.", "Leukemia research"),
        ("Garcia EF. Conus sauros, a new species from the Gulf of Mexico. Novapex. 2006; 7: 71–76.", "Novapex"),
    ],
)
def test_month_before_year_is_not_the_journal(raw: str, journal: str) -> None:
    fields, _ = parse_reference(raw)
    assert fields.journal == journal


def test_hyphen_list_labels_are_dropped() -> None:
    fields, _ = parse_reference("26-Vellin J-F, Achim V. Leptomeningeal spread. Auris Nasus Larynx. 2007;34(4):565-7.")
    assert fields.authors == ("Vellin J-F", "Achim V")


@pytest.mark.parametrize("date", ["November 10, 2011", "2010/06/01", "Jan"])
def test_print_date_before_the_anchor_is_not_the_journal(date: str) -> None:
    fields, _ = parse_reference(
        f"Parker WT, Ho M. Sensitive detection. Journal of Clinical Oncology. {date} 2011;29(32):4250-9."
    )
    assert (fields.title, fields.journal, fields.year, fields.volume) == (
        "Sensitive detection", "Journal of Clinical Oncology", 2011, "29",
    )


@pytest.mark.parametrize(
    "raw",
    [
        # Elsevier without titles (Crossref's rendering of 10.1002/kpm.353): initials first, no title.
        "S. Mclaughlin, Knowledge and Process Management 17 (2010) 155.",
        "A.B. Reitz, E. Sonveaux, R.P. Rosenkranz, M.S. Verlander, Chemischer Informationsdienst 16 (1985).",
        # Chicago author-date: the names run into the title slot.
        "Magilnick, Nathaniel, and Mark P. Boldin. 2018. “Molecular Moirai: Long Noncoding RNA Mediators of "
        "HSC Fate.” Current Stem Cell Reports 4 (4) (October 18): 276–286.",
    ],
)
def test_author_names_in_the_title_slot_make_the_entry_unparsed_not_searchable(raw: str) -> None:
    """A search with names for a title finds nothing, and that must not be reported as no such paper."""
    _, error = parse_reference(raw)
    assert error is not None and "author names" in error


@pytest.mark.parametrize(
    "raw",
    [
        "Holick MF. Vitamin D deficiency. N Engl J Med. 2007;357(3):266-81.",
        "Lok AS, McMahon BJ. Chronic hepatitis B. Hepatology. 2007;45(2):507-39.",
        "Smith JA. Pain. Lancet. 2019;393:1-2.",
        "Doe J. Hepatitis A and B vaccines, U.S. practice. Vaccine. 2010;28:1-9.",
        "Doe J. H. pylori and C. difficile coinfection. Gut. 2010;59:1-9.",
        "Doe J. Trends in U.S. and E.U. drug approvals. BMJ. 2012;344:e1-9.",
        "Doe J. Antioxidant vitamins A, C, and E. Nutrients. 2019;11:1-9.",
        "Doe J. Epidemiology of hepatitis B, C, and D. Lancet. 2015;386:1-9.",
        "Doe J. PD-1. Cell. 2015;160:1-9.",
        "Doe J. Comparison of R. and S. enantiomers. Chirality. 2001;13:1-9.",
    ],
)
def test_short_titles_and_titles_with_initials_are_still_titles(raw: str) -> None:
    fields, error = parse_reference(raw)
    assert error is None, error
    assert fields.title


@pytest.mark.parametrize(
    "raw",
    [
        "Smith J. A title here. J Biol Chem. 2019;12(3):45-50. Available from: https://x.org/some_path_name/x",
        "Smith J. A title here. J Biol Chem. 2019;12(3):45-50. doi:10.1002/abc_def_ghi",
    ],
)
def test_underscores_in_urls_and_dois_are_not_italics(raw: str) -> None:
    fields, _ = parse_reference(raw)
    assert (fields.title, fields.journal) == ("A title here", "J Biol Chem")


def test_stars_between_digits_are_not_markup() -> None:
    fields, _ = parse_reference("Smith J. On the 2*3 factor and 4*5 design. *Stat Med*. 2019;12(3):45-50.")
    assert (fields.title, fields.journal) == ("On the 2*3 factor and 4*5 design", "Stat Med")


@pytest.mark.parametrize(
    "tail, doi",
    [("doi:10.1002/abc(85).", "10.1002/abc(85)"), ("(doi:10.1002/abc).", "10.1002/abc")],
)
def test_a_doi_keeps_only_the_closing_bracket_it_opened(tail: str, doi: str) -> None:
    fields, _ = parse_reference(f"Smith J. A title. JAMA. 2019;12(3):45-50. {tail}")
    assert fields.doi == doi


# Issue 9 item 9: markup is stripped symmetrically (tags whole, emphasis only in pairs), text kept faithful.
_TAIL = " J Pain Res. 2021;14:911-923."


@pytest.mark.parametrize(
    ("title_text", "title"),
    [
        ('"Naltrexone for the management" of pain.', '"Naltrexone for the management" of pain'),
        ("“Naltrexone for the management” of pain.", "“Naltrexone for the management” of pain"),
        ('"Naltrexone for the management of pain."', "Naltrexone for the management of pain"),
        ('"Opioids" versus "naltrexone" in pain.', '"Opioids" versus "naltrexone" in pain'),
        ("Naltrexone in tumor* growth.", "Naltrexone in tumor* growth"),
        ("Naltrexone for the <b>management</b> of pain.", "Naltrexone for the management of pain"),
        ('Naltrexone for the <b class="x">management</b> of pain.', "Naltrexone for the management of pain"),
        ('Naltrexone for the <span style="a:b">management</span> of pain.', "Naltrexone for the management of pain"),
        ("Naltrexone for the [link=http://x]management[/link] of pain.", "Naltrexone for the management of pain"),
        ('Naltrexone for the <a href="http://x.org">management</a> of pain.', "Naltrexone for the management of pain"),
        ("Naltrexone for the [b]management[/b] of pain.", "Naltrexone for the management of pain"),
        ("Naltrexone for the **management** of pain.", "Naltrexone for the management of pain"),
        ("Naltrexone for the __management__ of pain.", "Naltrexone for the management of pain"),
    ],
)
def test_markup_stripped_symmetrically_and_text_kept(title_text: str, title: str) -> None:
    fields, error = parse_reference(f"Smith J, Doe A. {title_text}{_TAIL}")
    assert error is None
    assert (fields.title, fields.journal, fields.year) == (title, "J Pain Res", 2021)


@pytest.mark.parametrize(
    "journal_text", ['<i class="j">J Pain Res</i>.', "<em>J Pain Res</em>.", "[i]J Pain Res[/i].", "_J Pain Res_."]
)
def test_italic_journal_in_any_markup(journal_text: str) -> None:
    fields, _ = parse_reference(f"Smith J. Naltrexone for pain. {journal_text} 2021;14:911-923.")
    assert (fields.title, fields.journal) == ("Naltrexone for pain", "J Pain Res")


def test_linked_word_does_not_make_the_title_differ() -> None:
    from auditor.judging import judge
    from auditor.model import Reference
    from tests.builders import ANSWERED, CREE_2010

    raw = (
        "Cree BAC, Kornyeyeva E, Goodin DS. Pilot trial of [link=http://x]low-dose naltrexone[/link] and quality "
        "of life in multiple sclerosis. Ann Neurol. 2010;68(2):145-150."
    )
    fields, _ = parse_reference(raw)
    audit = judge(Reference(number=1, raw=raw, line=1, column=1, parsed=fields), [CREE_2010], ANSWERED)
    assert audit.verdict == "verified", [f.code for f in audit.findings]
