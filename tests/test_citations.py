"""In-text citation markers and the CIT001..CIT005 findings, on small synthetic documents."""

from __future__ import annotations

import pytest

from auditor.model import Document, ParsedDocument
from auditor.parsing import parse_document
from auditor.parsing.citations import expand_numbers


def _doc(body: str, n_refs: int | None = None) -> ParsedDocument:
    text = body
    if n_refs:
        refs = "\n".join(
            f"{i}. Author{chr(64 + i)} A. Title {i}. J Test. 2020;{i}:{i}0-{i}9." for i in range(1, n_refs + 1)
        )
        text = f"{body}\n\nReferences\n\n{refs}\n"
    return parse_document(Document(path="t.txt", sha256="0" * 64, text=text))


def _numbers(parsed: ParsedDocument) -> list[tuple[int, ...]]:
    return [c.numbers for c in parsed.citations]


@pytest.mark.parametrize(
    ("marker", "numbers"),
    [
        ("¹²³", (123,)),
        ("¹˒²", (1, 2)),
        ("¹⁻³", (1, 2, 3)),
        ("¹,⁴", (1, 4)),
        ("^{1,2}", (1, 2)),
        ("^{1–3}", (1, 2, 3)),
        ("^{2, 3}", (2, 3)),
        ("<sup>1-3</sup>", (1, 2, 3)),
        ("[1]", (1,)),
        ("[1-3]", (1, 2, 3)),
        ("[1, 4–6]", (1, 4, 5, 6)),
        ("(1)", (1,)),
        ("(1, 2)", (1, 2)),
    ],
)
def test_marker_forms(marker: str, numbers: tuple[int, ...]) -> None:
    parsed = _doc(f"Some claim{marker} and more text.", n_refs=6 if max(numbers) < 7 else None)
    assert _numbers(parsed) == [numbers]
    (cit,) = parsed.citations
    assert cit.text == marker
    assert (cit.line, cit.column) == (1, len("Some claim") + 1)


@pytest.mark.parametrize(
    "body",
    [
        "Doses of 4.5 mg (n = 31) were used in 2019 and (2020).",
        "The area was 5 m² and the volume 3 cm³; counts reached 10⁹ cells.",
        "Powers such as 10^3 cells or 4 m^2 are not citations.",
        "(1) first list item at a line start",
        "Results [2019] are shown in (100) samples.",
    ],
)
def test_not_citations(body: str) -> None:
    assert _doc(body, n_refs=3).citations == ()


def test_paren_numbers_beyond_bibliography_are_ignored() -> None:
    parsed = _doc("As seen (2) and in group (7).", n_refs=3)
    assert _numbers(parsed) == [(2,)]


def test_bibliography_labels_are_not_citations() -> None:
    parsed = _doc("Text [1] and [2].", n_refs=2)
    assert _numbers(parsed) == [(1,), (2,)]
    assert parsed.citation_findings == ()


def test_cit001_cit002() -> None:
    parsed = _doc("Claim [1]. Another [5].", n_refs=3)
    codes = sorted((f.code, f.numbers) for f in parsed.citation_findings)
    assert ("CIT001", (5,)) in codes
    assert ("CIT002", (2,)) in codes and ("CIT002", (3,)) in codes


def test_cit002_points_at_the_reference() -> None:
    parsed = _doc("Claim [1].", n_refs=2)
    (finding,) = [f for f in parsed.citation_findings if f.code == "CIT002"]
    ref2 = parsed.references[1]
    assert (finding.line, finding.column) == (ref2.line, ref2.column)


def test_cit003_order() -> None:
    parsed = _doc("First [1]. Then [3]. Then [2].", n_refs=3)
    (finding,) = parsed.citation_findings
    assert finding.code == "CIT003"
    assert finding.numbers == (3, 2)
    assert finding.column == len("First [1]. Then ") + 1


def test_cit004_malformed_range() -> None:
    parsed = _doc("Claim [1-3]. Reversed [3-1].", n_refs=3)
    codes = [f.code for f in parsed.citation_findings]
    assert codes == ["CIT004"]


def test_cit005_no_bibliography() -> None:
    parsed = _doc("Claim (1). Another (2) and [3].")
    (finding,) = parsed.citation_findings
    assert finding.code == "CIT005"
    assert finding.numbers == (1, 2, 3)


def test_no_citations_no_findings() -> None:
    parsed = _doc("Author-year style (Smith 2019) only.", n_refs=2)
    assert parsed.citations == ()
    assert parsed.citation_findings == ()


def test_expand_numbers() -> None:
    assert expand_numbers("1, 4–6") == ((1, 4, 5, 6), False)
    assert expand_numbers("5-3") == ((5, 3), True)
    assert expand_numbers("1-900") == ((1, 900), True)  # a long range past the bibliography: malformed
    assert expand_numbers("1-900", limit=150) == ((*range(1, 151), 900), True)
    assert expand_numbers("1-900", limit=600) == ((*range(1, 202), 900), True)  # expansion is bounded
    assert expand_numbers("1-250", limit=300) == ((*range(1, 202), 250), True)
    assert expand_numbers("1-201", limit=300) == (tuple(range(1, 202)), False)
    assert expand_numbers("1990-2020") is None
    assert expand_numbers("2019") is None
    assert expand_numbers("0") is None


def test_long_digit_runs_are_not_citations_and_do_not_fail() -> None:
    parsed = _doc("x" + "¹" * 5000 + " [" + "1" * 5000 + "] " + "^{" + "2" * 5000 + "}", n_refs=2)
    assert parsed.citations == ()


def test_nested_markers_count_once_and_ieee_ranges_expand() -> None:
    parsed = _doc("Claim<sup>[1]</sup> and others [2]–[4].", n_refs=4)
    assert [(c.text, c.numbers) for c in parsed.citations] == [("<sup>[1]</sup>", (1,)), ("[2]–[4]", (2, 3, 4))]
    assert parsed.citation_findings == ()


def test_superscript_at_line_start_is_a_label_not_a_citation() -> None:
    parsed = _doc("A finding.²\n¹ Department of Pharmacology, Somewhere.", n_refs=2)
    assert _numbers(parsed) == [(2,)]


def test_author_byline_affiliation_numbers_are_not_citations() -> None:
    body = "John Smith¹, Jane Doe²˒³\n\nNaltrexone helps.¹ It was studied by Wang² and others.³"
    parsed = _doc(body, n_refs=3)
    assert [(c.line, c.numbers) for c in parsed.citations] == [(3, (1,)), (3, (2,)), (3, (3,))]


def test_a_huge_bracketed_range_is_a_citation_that_runs_past_the_bibliography() -> None:
    # Issue 9 item 9: ``[1-5000]`` was silently not a citation at all.
    parsed = _doc("Everything ever written [1-5000].", n_refs=30)
    (citation,) = parsed.citations
    assert citation.text == "[1-5000]"
    assert citation.numbers == (*range(1, 31), 5000)  # bounded by the bibliography, not by the claim
    codes = sorted((f.code, f.numbers) for f in parsed.citation_findings)
    assert codes == [("CIT001", (5000,)), ("CIT004", citation.numbers)]  # no CIT002: 1-30 are cited


def test_year_ranges_in_brackets_stay_text() -> None:
    parsed = _doc("During [1990-2020] and [2019].", n_refs=3)
    assert parsed.citations == ()
