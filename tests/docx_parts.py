"""Minimal hand-written DOCX packages for loader tests: exactly the XML a case needs, nothing else."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def package(body: str, *, numbering: str | None = None, styles: str | None = None,
            footnotes: str | None = None, endnotes: str | None = None) -> bytes:
    parts = {"word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body>'
                                  "</w:document>"}
    for name, xml, root in (("numbering", numbering, "numbering"), ("styles", styles, "styles"),
                            ("footnotes", footnotes, "footnotes"), ("endnotes", endnotes, "endnotes")):
        if xml is not None:
            parts[f"word/{name}.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><w:{root} {W}>{xml}</w:{root}>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return buffer.getvalue()


def run(text: str, *, sup: bool = False, italic: bool = False, style: str | None = None) -> str:
    props = ""
    if style:
        props += f'<w:rStyle w:val="{style}"/>'
    if italic:
        props += "<w:i/>"
    if sup:
        props += '<w:vertAlign w:val="superscript"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def para(*runs: str, num: tuple[int, int] | None = None, style: str | None = None) -> str:
    ppr = ""
    if style:
        ppr += f'<w:pStyle w:val="{style}"/>'
    if num:
        ppr += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{''.join(runs)}</w:p>"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def field(instr: str, result: str, *, pieces: int = 1, fld_data: str | None = None, sup: bool = False) -> str:
    """A complex field whose code is split over ``pieces`` instrText runs (as Word writes long codes)."""
    size = max(1, len(instr) // pieces + 1)
    chunks = [instr[i:i + size] for i in range(0, len(instr), size)] or [""]
    data = f"<w:fldData xml:space=\"preserve\">{fld_data}</w:fldData>" if fld_data else ""
    code = "".join(f'<w:r><w:instrText xml:space="preserve">{_esc(c)}</w:instrText></w:r>' for c in chunks)
    return (f'<w:r><w:fldChar w:fldCharType="begin">{data}</w:fldChar></w:r>{code}'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run(result, sup=sup)}'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def zotero_citation(items: list[dict[str, Any]]) -> str:
    payload = {"citationID": "abc", "properties": {"formattedCitation": "", "plainCitation": ""},
               "citationItems": [{"id": i.get("id", n), "uris": [f"http://zotero.org/users/1/items/{i.get('id', n)}"],
                                  "itemData": i} for n, i in enumerate(items)],
               "schema": "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"}
    return "ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(payload)


def endnote_cite(records: list[dict[str, str]]) -> str:
    cites = "".join(
        f"<Cite><Author>{r['surname']}</Author><Year>{r['year']}</Year><RecNum>{n + 1}</RecNum>"
        f"<DisplayText>{r.get('display', '')}</DisplayText><record><rec-number>{n + 1}</rec-number>"
        f"<contributors><authors><author>{r['author']}</author></authors></contributors>"
        f"<titles><title>{r['title']}</title><secondary-title>{r['journal']}</secondary-title></titles>"
        f"<pages>{r.get('pages', '')}</pages><volume>{r.get('volume', '')}</volume><dates><year>{r['year']}</year>"
        f"</dates><electronic-resource-num>{r.get('doi', '')}</electronic-resource-num></record></Cite>"
        for n, r in enumerate(records))
    return f"<EndNote>{cites}</EndNote>"


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
