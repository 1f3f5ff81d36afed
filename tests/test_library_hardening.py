"""Libraries read as BibTeX means them (macros, ``#``), one PMID rule, and LaTeX errors that stay honest."""

from __future__ import annotations

import json

import pytest

from auditor.documents import libraries
from auditor.documents.bibtex_macros import MAX_EXPANDED_CHARS, tokens
from auditor.documents.loader import load_bytes
from auditor.errors import InputError
from auditor.identifiers import norm_pmid
from auditor.parsing import parse_document

BIB_MACROS = rb"""@string{med = {Medicine}}
@STRING{ jcm = "Journal of Clinical " # Med }
@article{k1,
  author = {Smith, John and Doe, Jane},
  title = "Opioid receptors: " # {Part Two} # " of " # jcm,
  journal = jcm,
  month = jan,
  year = 2004,
  note = "seen " # 12 # "~" # dec,
}
@article{k2, title = {Plain title}, journal = JAMA, year = {2005}}
"""


def test_string_macros_and_concatenation_are_expanded() -> None:
    doc = load_bytes(BIB_MACROS, "lib.bib")
    first, second = doc.references or ()
    assert first.parsed.journal == "Journal of Clinical Medicine"
    assert first.parsed.title == "Opioid receptors: Part Two of Journal of Clinical Medicine"
    assert first.parsed.year == 2004
    assert second.parsed.journal == "JAMA"  # an undefined macro keeps its name, as BibTeX's warning says
    assert "#" not in doc.text and '"' not in doc.text


def test_month_macros_and_numbers_concatenate() -> None:
    import bibtexparser

    from auditor.documents.bibtex_macros import expanding_parse_stack

    library = bibtexparser.parse_string(BIB_MACROS.decode(), parse_stack=expanding_parse_stack())
    fields = library.entries[0].fields_dict
    assert fields["month"].value == "January"
    assert fields["note"].value == "seen 12~December"


def test_self_referencing_macros_do_not_loop() -> None:
    bib = b'@string{a = b # "x"}\n@string{b = a # "y"}\n@article{k, title = a, journal = {J}, year = 2001}\n'
    (ref,) = load_bytes(bib, "cycle.bib").references or ()
    assert ref.parsed.title and "x" in ref.parsed.title


def test_macro_expansion_bomb_is_refused() -> None:
    lines = ['@string{m0 = "' + "x" * 100 + '"}']
    lines += [f"@string{{m{i} = m{i - 1} # m{i - 1}}}" for i in range(1, 40)]
    lines.append("@article{k, title = m39, journal = {J}, year = 2001}")
    with pytest.raises(InputError, match=f"expands beyond {MAX_EXPANDED_CHARS}"):
        load_bytes("\n".join(lines).encode(), "bomb.bib")


def test_tokens_leave_non_expressions_alone() -> None:
    assert tokens('"a" # b # {c {d}}') == [("literal", "a"), ("macro", "b"), ("literal", "c {d}")]
    assert tokens('"unterminated') is None
    assert tokens("a b") is None


@pytest.mark.parametrize(("value", "expected"), [
    ("12345678", "12345678"), ("123456789", "123456789"), (" 00042 ", "42"), (42, "42"),
    ("1234567890", None), ("0", None), ("12a", None), ("abc", None), ("", None), ("²", None), (True, None),
    ("-5", None), ("1e5", None),
])
def test_one_pmid_rule(value: object, expected: str | None) -> None:
    assert norm_pmid(value) == expected


MEDLINE = b"""PMID- 15082325
TI  - A good record.
TA  - Neuropsychopharmacology
DP  - 2004 Jun

PMID- 123456789012345
TI  - An oversized PMID.
TA  - J Med
DP  - 2001

PMID- 12ab
TI  - A non-numeric PMID.
TA  - J Med
DP  - 2002
"""


def test_medline_rejects_bad_pmids_per_entry() -> None:
    parsed = parse_document(load_bytes(MEDLINE, "lib.nbib"))
    good, oversized, letters = parsed.references
    assert good.parsed.pmid == "15082325" and not good.notes
    for ref, shown in ((oversized, "123456789012345"), (letters, "12ab")):
        assert ref.parsed.pmid is None
        assert ref.parse_error is None  # the entry is still checked by its title
        (note,) = ref.notes
        assert note.code == "REF602" and note.field == "pmid" and shown in note.message
        assert f"PMID: {shown}" not in ref.raw


def test_the_same_rule_holds_for_csl_json_and_bibtex() -> None:
    csl = json.dumps([{"type": "article-journal", "title": "T", "PMID": "99999999999"}]).encode()
    (ref,) = load_bytes(csl, "lib.json").references or ()
    assert ref.parsed.pmid is None and ref.notes[0].code == "REF602"
    bib = b"@article{k, title = {T}, journal = {J}, year = 2001, pmid = {PMID: 12345}}\n"
    (ref,) = load_bytes(bib, "lib.bib").references or ()
    assert ref.parsed.pmid == "12345" and not ref.notes


@pytest.mark.parametrize("latex", ["\\verb", "{" * 3000 + "x", "\\begin{", "\\frac{", "$$", "}{\\"])
def test_malformed_latex_keeps_the_entry(latex: str) -> None:
    bib = ("@article{k, title = {Good " + latex.replace("{", "\\{") + "}, journal = {J}, year = 2001}\n").encode()
    (ref,) = load_bytes(bib, "latex.bib").references or ()
    assert ref.parsed.title and ref.parsed.title.startswith("Good")
    assert libraries._latex("A " + latex).startswith("A")


def test_latex_decoding_still_decodes() -> None:
    assert libraries._latex('Gr{\\"o}{\\ss}e') == "Größe"


def test_programming_errors_in_latex_decoding_surface(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def latex_to_text(self, text: str) -> str:
            raise AttributeError("a bug, not bad input")

    monkeypatch.setattr(libraries, "_latex_converter", lambda: Broken())
    with pytest.raises(AttributeError, match="a bug"):
        libraries._latex("{\\em x}")
