"""Every report shows where the original file has each finding: page/paragraph/entry, not a line of
a rendering the reader never sees; text files keep their ``path:line:col:``."""

from __future__ import annotations

import json

import jsonschema

from auditor.documents.loader import load_bytes
from auditor.documents.positions import Locator
from auditor.model import AuditReport, Finding, ParsedDocument, ReferenceAudit
from auditor.parsing import parse_document
from auditor.reports.html import render_html
from auditor.reports.json_report import load_schema, render_json
from auditor.reports.sarif import sarif_dict
from auditor.reports.text import finding_lines
from bench.lib.render_formats import text_to_docx, text_to_pdf

TEXT = """# A short paper

Naltrexone was approved long ago [1].

## References

1. Anton RF. Naltrexone for the management of alcohol dependence. *N Engl J Med*. 2008;359(7):715-721.
"""


def _report(parsed: ParsedDocument) -> AuditReport:
    (ref,) = parsed.references
    finding = Finding(code="REF104", severity="major", message="year differs", field="year")
    return AuditReport(parsed=parsed, audits=(ReferenceAudit(reference=ref, verdict="major", findings=(finding,)),))


def _parsed(data: bytes, name: str) -> ParsedDocument:
    return parse_document(load_bytes(data, name))


def test_pdf_positions_in_text_html_sarif_and_json() -> None:
    parsed = _parsed(text_to_pdf(TEXT), "paper.pdf")
    ref = parsed.references[0]
    where = Locator(parsed.document).position(ref.line, ref.column)
    assert where.page == 1 and where.line
    label = f"page 1, line {where.line}"
    report = _report(parsed)
    assert finding_lines(report) == [f"paper.pdf:{label}: ref 1 (major): REF104 year differs"]
    assert f"<span class=\"meta\">{label}</span>" in render_html([report])
    (result,) = sarif_dict([report])["runs"][0]["results"]
    assert "region" not in result["locations"][0]["physicalLocation"]
    assert result["properties"]["position"] == label and result["message"]["text"].endswith(f"({label})")
    value = json.loads(render_json([report]))
    jsonschema.validate(value, load_schema())
    assert value["document"]["format"] == "pdf"
    assert value["references"][0]["position"]["page"] == 1
    assert value["references"][0]["findings"][0]["position"] == value["references"][0]["position"]


def test_docx_positions_are_paragraphs() -> None:
    parsed = _parsed(text_to_docx(TEXT), "paper.docx")
    assert finding_lines(_report(parsed)) == ["paper.docx:paragraph 4, line 1: ref 1 (major): REF104 year differs"]


def test_text_files_keep_line_and_column() -> None:
    parsed = _parsed(TEXT.encode("utf-8"), "paper.md")
    report = _report(parsed)
    assert finding_lines(report) == ["paper.md:7:4: ref 1 (major): REF104 year differs"]
    (result,) = sarif_dict([report])["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 4}
    assert "line 7:4" in render_html([report])
