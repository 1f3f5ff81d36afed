"""Regenerate the committed real-format fixtures in tests/fixtures/formats/ (provenance: its README).

- ``fields.docx``: a Word document built with python-docx whose citations are Zotero
  (``ADDIN ZOTERO_ITEM CSL_CITATION``, code split over runs), EndNote (``ADDIN EN.CITE`` with base64
  ``w:fldData``) and a Zotero bibliography field, written through python-docx's XML API.
- ``chromium_two_column.pdf``: an HTML manuscript in two CSS columns with ``<sup>`` citations,
  printed by headless Chromium (Skia/PDF), a real producer unrelated to our own PDF writer.

Run: ``python scripts/make_format_fixtures.py`` (needs python-docx and a ``chromium`` binary).
"""

from __future__ import annotations

import base64
import json
import subprocess
import tempfile
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "formats"

KREEK = {"id": "KREEK", "type": "article-journal", "title": "Naltrexone pharmacotherapy for opioid dependence",
         "container-title": "Neuropsychopharmacology", "container-title-short": "Neuropsychopharmacology",
         "author": [{"family": "Kreek", "given": "Mary Jeanne"}, {"family": "LaForge", "given": "K. Steven"}],
         "issued": {"date-parts": [[2004, 6]]}, "volume": "29", "issue": "6", "page": "1205-1213",
         "DOI": "10.1038/sj.npp.1300484", "PMID": "15122329"}
ANTON = {"id": "ANTON", "type": "article-journal", "title": "Naltrexone for the management of alcohol dependence",
         "container-title": "The New England Journal of Medicine", "container-title-short": "N Engl J Med",
         "author": [{"family": "Anton", "given": "Raymond F."}], "issued": {"date-parts": [[2008, 8, 14]]},
         "volume": "359", "issue": "7", "page": "715-721", "DOI": "10.1056/NEJMct0801733", "PMID": "18703471"}
ENDNOTE = ("<EndNote><Cite><Author>Younger</Author><Year>2014</Year><RecNum>3</RecNum><DisplayText>3</DisplayText>"
           "<record><rec-number>3</rec-number><ref-type name=\"Journal Article\">17</ref-type><contributors><authors>"
           "<author>Younger, J.</author><author>Parkitny, L.</author><author>McLain, D.</author></authors>"
           "</contributors><titles><title>The use of low-dose naltrexone (LDN) as a novel anti-inflammatory "
           "treatment for chronic pain</title><secondary-title>Clin Rheumatol</secondary-title></titles>"
           "<pages>451-9</pages><volume>33</volume><number>4</number><dates><year>2014</year></dates>"
           "<accession-num>24526250</accession-num><electronic-resource-num>10.1007/s10067-014-2517-2"
           "</electronic-resource-num></record></Cite></EndNote>")
BIBLIOGRAPHY = [
    "Kreek MJ, LaForge KS. Naltrexone pharmacotherapy for opioid dependence. Neuropsychopharmacology. "
    "2004;29(6):1205-13.",
    "Anton RF. Naltrexone for the management of alcohol dependence. N Engl J Med. 2008;359(7):715-21.",
    "Younger J, Parkitny L, McLain D. The use of low-dose naltrexone (LDN) as a novel anti-inflammatory treatment "
    "for chronic pain. Clin Rheumatol. 2015;33(4):451-9.",
]


def _runs(paragraph: object, xml: str) -> None:
    for element in parse_xml(f"<w:p {nsdecls('w')}>{xml}</w:p>"):
        paragraph._p.append(element)  # type: ignore[attr-defined]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _field(code: str, shown: str, pieces: int = 1, data: str | None = None) -> str:
    size = len(code) // pieces + 1
    instr = "".join(f'<w:r><w:instrText xml:space="preserve">{_esc(code[i:i + size])}</w:instrText></w:r>'
                    for i in range(0, len(code), size))
    fld_data = f"<w:fldData xml:space=\"preserve\">{data}</w:fldData>" if data else ""
    sup = '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
    return (f'<w:r><w:fldChar w:fldCharType="begin">{fld_data}</w:fldChar></w:r>{instr}'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r>{sup}<w:t>{shown}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def make_docx() -> None:
    document = docx.Document()
    document.add_heading("Low-dose naltrexone: a field-coded manuscript", level=1)
    body = document.add_paragraph("Naltrexone is an opioid antagonist")
    citation = {"citationID": "a1", "properties": {"formattedCitation": "1,2", "plainCitation": "1,2"},
                "citationItems": [{"id": 1, "uris": ["http://zotero.org/users/1/items/KREEK"], "itemData": KREEK},
                                  {"id": 2, "uris": ["http://zotero.org/users/1/items/ANTON"], "itemData": ANTON}],
                "schema": "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"}
    _runs(body, _field(" ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(citation) + " ", "1,2", pieces=9))
    _runs(body, '<w:r><w:t xml:space="preserve"> and at low doses an anti-inflammatory agent</w:t></w:r>')
    _runs(body, _field(" ADDIN EN.CITE ", "3", data=base64.b64encode(ENDNOTE.encode()).decode()))
    _runs(body, "<w:r><w:t>.</w:t></w:r>")
    document.add_heading("References", level=2)
    first = document.add_paragraph()
    _runs(first, '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> ADDIN '
                 'ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY </w:instrText></w:r>'
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                 f'<w:r><w:t xml:space="preserve">1. {_esc(BIBLIOGRAPHY[0])}</w:t></w:r>')
    document.add_paragraph(f"2. {BIBLIOGRAPHY[1]}")
    last = document.add_paragraph()
    _runs(last, f'<w:r><w:t xml:space="preserve">3. {_esc(BIBLIOGRAPHY[2])}</w:t></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    document.core_properties.author = "reference-auditor fixtures"
    document.save(OUT / "fields.docx")


HTML = """<!doctype html><html><head><meta charset="utf-8"><title>fixture</title><style>
@page { size: A4; margin: 18mm; }
body { font: 10pt/1.35 "DejaVu Serif", serif; }
h1 { font-size: 15pt; column-span: all; }
.cols { column-count: 2; column-gap: 9mm; }
h2 { font-size: 11pt; margin: 8pt 0 4pt; }
p { margin: 0 0 6pt; text-align: left; }
ol { padding-left: 16pt; margin: 0; } li { margin-bottom: 4pt; }
</style></head><body>
<h1>Low-dose naltrexone in chronic inflammatory disease: a two-column fixture</h1>
<div class="cols">
<h2>Introduction</h2>
%BODY%
<h2>References</h2>
<ol>%REFS%</ol>
</div></body></html>"""

SENTENCES = [
    "Naltrexone was approved for opioid and alcohol dependence decades ago.<sup>1,2</sup>",
    "At low doses it appears to modulate glial activation and cytokine release.<sup>3</sup>",
    "Pilot trials reported less pain and fatigue in fibromyalgia.<sup>4</sup>",
    "Similar signals were seen in multiple sclerosis and Crohn's disease.<sup>5-7</sup>",
    "Adverse effects were mild and transient in most series.<sup>8</sup>",
]
REFS = [
    "Kreek MJ, LaForge KS. Naltrexone pharmacotherapy for opioid dependence. <i>Neuropsychopharmacology</i>. "
    "2004;29(6):1205-13.",
    "Anton RF. Naltrexone for the management of alcohol dependence. <i>N Engl J Med</i>. 2008;359(7):715-21.",
    "Younger J, Parkitny L, McLain D. The use of low-dose naltrexone (LDN) as a novel anti-inflammatory treatment "
    "for chronic pain. <i>Clin Rheumatol</i>. 2014;33(4):451-9.",
    "Younger J, Noor N, McCue R, Mackey S. Low-dose naltrexone for the treatment of fibromyalgia: findings of a "
    "small, randomized, double-blind, placebo-controlled, counterbalanced, crossover trial assessing daily pain "
    "levels. <i>Arthritis Rheum</i>. 2013;65(2):529-38.",
    "Cree BA, Kornyeyeva E, Goodin DS. Pilot trial of low-dose naltrexone and quality of life in multiple "
    "sclerosis. <i>Ann Neurol</i>. 2010;68(2):145-50.",
    "Smith JP, Bingaman SI, Ruggiero F, et al. Therapy with the opioid antagonist naltrexone promotes mucosal "
    "healing in active Crohn's disease: a randomized placebo-controlled trial. <i>Dig Dis Sci</i>. "
    "2011;56(7):2088-97.",
    "Raknes G, Småbrekke L. Low dose naltrexone in multiple sclerosis: effects on medication use. A "
    "quasi-experimental study. <i>PLoS One</i>. 2017;12(11):e0187423.",
    "Toljan K, Vrooman B. Low-dose naltrexone (LDN): review of therapeutic utilization. <i>Med Sci (Basel)</i>. "
    "2018;6(4):82.",
]


def make_pdf() -> None:
    paragraphs = "".join(f"<p>{' '.join(SENTENCES)} {' '.join(SENTENCES[::-1][:2])}</p>" for _ in range(9))
    html = HTML.replace("%BODY%", paragraphs).replace("%REFS%", "".join(f"<li>{r}</li>" for r in REFS))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "fixture.html"
        page.write_text(html, encoding="utf-8")
        out = Path(tmp) / "out.pdf"
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={out}", page.as_uri()], check=True, capture_output=True, timeout=120)
        (OUT / "chromium_two_column.pdf").write_bytes(out.read_bytes())


if __name__ == "__main__":
    make_docx()
    make_pdf()
