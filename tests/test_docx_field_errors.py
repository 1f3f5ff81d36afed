"""One rule for malformed reference-manager fields: ignored with a REF602 note, never fatal.

Plain XML in the field code and base64 ``w:fldData`` used to disagree (the first refused the whole
document, the second was dropped silently); every field kind now follows the same rule.
"""

from __future__ import annotations

import pytest

from auditor.documents.loader import load_bytes
from auditor.errors import InputError
from auditor.parsing import parse_document
from tests.docx_parts import b64, field, package, para, run, zotero_citation
from tests.test_docx import ANTON, KREEK, _with_citations

BAD_XML = "<EndNote><Cite><record><titles><title>Unclosed</titles></record></Cite>"
ENTITY_XML = '<!DOCTYPE x [<!ENTITY e "boom">]><EndNote><Cite><record>&e;</record></Cite></EndNote>'


def _notes(body: str) -> list[list[tuple[str, str | None, str]]]:
    parsed = parse_document(load_bytes(_with_citations(body), "t.docx"))
    return [[(n.code, n.source, n.message) for n in ref.notes] for ref in parsed.references]


@pytest.mark.parametrize(("how", "reason"), [
    ("plain", "not well-formed"),
    ("base64", "not well-formed"),
    ("plain-entities", "entity declarations"),
    ("base64-entities", "entity declarations"),
    ("not-base64", "w:fldData is not base64"),
])
def test_a_malformed_endnote_field_is_ignored_with_a_note(how: str, reason: str) -> None:
    xml = ENTITY_XML if how.endswith("entities") else BAD_XML
    if how.startswith("plain"):
        cite = field("ADDIN EN.CITE " + xml, "2", sup=True)
    elif how == "not-base64":
        cite = field("ADDIN EN.CITE ", "2", fld_data="!!not base64!!", sup=True)
    else:
        cite = field("ADDIN EN.CITE ", "2", fld_data=b64(xml), sup=True)
    first, second = _notes(field(zotero_citation([KREEK]), "1", sup=True) + cite)
    assert first == []  # the good Zotero field still reads
    ((code, source, message),) = second
    assert (code, source) == ("REF602", "endnote")
    assert message.startswith("endnote field data ignored: its") and reason in message


def test_a_malformed_csl_field_follows_the_same_rule() -> None:
    body = field("ADDIN ZOTERO_ITEM CSL_CITATION {not json", "1", sup=True) + \
        field(zotero_citation([ANTON]).replace("ADDIN ZOTERO_ITEM", "ADDIN"), "2", sup=True)
    first, second = _notes(body)
    assert [(c, s) for c, s, _ in first] == [("REF602", "zotero")]
    assert all(code != "REF602" for code, _, _ in second)


def test_a_malformed_field_cited_twice_is_noted_once() -> None:
    cite = field("ADDIN EN.CITE " + BAD_XML, "2", sup=True)
    _, second = _notes(cite + run(" and ") + cite)
    assert [c for c, _, _ in second] == ["REF602"]


def test_the_documents_own_text_still_refuses_when_unreadable() -> None:
    broken = package(para(run("x")) + "<w:p>")  # word/document.xml itself is not well-formed
    with pytest.raises(InputError, match="not well-formed"):
        load_bytes(broken, "t.docx")
