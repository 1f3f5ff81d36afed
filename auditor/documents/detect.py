"""Which format an input is, decided by its content, and the limits that keep hostile files harmless.

The extension is a claim; the bytes are the evidence. A PDF starts with ``%PDF-``, a DOCX is a ZIP
holding ``word/document.xml``, JATS and EndNote XML are told apart by their root element, and the
text-based libraries by their first record line (``@article{``, ``TY  -``, ``PMID-``). The same
:func:`sniff` answers the service's 415 check, so CLI and service accept exactly the same inputs.

Every parser of untrusted structure goes through the guards here: :func:`parse_xml` (defusedxml: no
entity declarations, no external references, so no billion laughs and no XXE) and
:func:`read_zip` (entry-count and decompressed-size limits enforced while inflating, not from the
sizes the archive claims). Each refusal is one :class:`InputError` line.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from auditor.errors import InputError
from auditor.model import Document

FORMATS = ("text", "docx", "pdf", "jats", "bibtex", "ris", "csl-json", "medline", "endnote-xml")

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
"""Largest document read, in any format, before parsing starts (CLI files and service uploads alike;
``AUDITOR_MAX_UPLOAD_BYTES`` overrides it for both)."""
MAX_DOCUMENT_BYTES_ENV = "AUDITOR_MAX_UPLOAD_BYTES"
MAX_ZIP_ENTRIES = 2_000
"""A Word document has a few dozen parts; thousands means a crafted archive."""
MAX_ZIP_BYTES = 200 * 1024 * 1024
"""Decompressed bytes read from one DOCX, counted while inflating (zip bombs lie in their headers)."""
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_PDF_PAGES = 500
MAX_PDF_CHARS = 5_000_000

_XML_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_PROLOG_RE = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>|\s)*", re.DOTALL)
_BIBTEX_RE = re.compile(r"@[A-Za-z]+\s*[{(]")
_RIS_RE = re.compile(r"TY  - ")
_MEDLINE_RE = re.compile(r"PMID- ?\d")
_CSL_KEYS = frozenset({"type", "title", "author", "container-title", "DOI", "issued", "id"})


def _xml_root(data: bytes) -> str | None:
    head = data[:65536]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    prolog = _PROLOG_RE.match(head)
    m = _XML_ROOT_RE.match(head, prolog.end() if prolog else 0)
    if not m:
        return None
    return m.group(1).decode("ascii", "replace").rsplit(":", 1)[-1].lower()


_NOT_JSON = object()


def _json_value(text: str) -> Any:
    """The parsed JSON value of ``text``, or ``_NOT_JSON``; nesting beyond the recursion limit is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _is_csl_value(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(isinstance(i, dict) and _CSL_KEYS & set(i) for i in items)


def is_json(data: bytes) -> bool:
    """Whether the bytes (after an optional BOM and whitespace) are one JSON value, CSL or not."""
    from auditor.documents.loader import decode_text

    try:
        text = decode_text(data)
    except InputError:
        return False
    return text.lstrip()[:1] in ("[", "{") and _json_value(text) is not _NOT_JSON


def sniff(data: bytes) -> str | None:
    """The format name (one of :data:`FORMATS`) or ``None`` when the content is not supported."""
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist()[:MAX_ZIP_ENTRIES + 1])
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        return "docx" if "word/document.xml" in names else None
    from auditor.documents.loader import decode_text

    try:
        text = decode_text(data[:1 << 20] if len(data) > 1 << 20 else data)
    except InputError:
        return None
    stripped = text.lstrip()
    if stripped.startswith("<"):
        root = _xml_root(data if not data.startswith((b"\xff\xfe", b"\xfe\xff")) else stripped.encode())
        if root in ("article", "pmc-articleset"):
            return "jats"
        if root in ("xml", "records") and b"<record" in data[:1 << 20]:
            return "endnote-xml"
        return None if stripped.startswith("<?xml") else "text"
    if stripped.startswith(("[", "{")):
        value = _json_value(text if len(data) <= 1 << 20 else data.decode("utf-8", "replace"))
        if value is not _NOT_JSON:
            # JSON that is not CSL-JSON (a report, a config, ``[1,2,3]``) is not a document to audit
            return "csl-json" if _is_csl_value(value) else None
        if stripped.startswith(("[{", "{\"", "[[")):
            return None
        return "text"
    first = next((ln for ln in stripped.splitlines() if ln.strip() and not ln.startswith("%")), "")
    if _BIBTEX_RE.match(first):
        return "bibtex"
    if _RIS_RE.match(first):
        return "ris"
    if _MEDLINE_RE.match(first):
        return "medline"
    return "text"


def parse_xml(data: bytes, name: str, what: str = "XML") -> Element:
    """Parse untrusted XML with defusedxml; entity declarations and external references are refused."""
    if len(data) > MAX_XML_BYTES:
        raise InputError(f"{name}: {what} part larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(f"{name}: {what} with entity declarations or external references is refused "
                         f"({type(exc).__name__})") from None
    except ParseError as exc:
        raise InputError(f"{name}: not well-formed {what} ({exc})") from None


def read_zip(data: bytes, name: str, wanted: Callable[[str], bool]) -> dict[str, bytes]:
    """The members of a ZIP whose names pass ``wanted``, inflated under the size and count limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(f"{name}: not a readable Word document (damaged or truncated ZIP archive)") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise InputError(f"{name}: archive has {len(infos)} entries (limit {MAX_ZIP_ENTRIES}); refused")
        budget = MAX_ZIP_BYTES
        out: dict[str, bytes] = {}
        for info in infos:
            if info.is_dir() or not wanted(info.filename):
                continue
            if info.file_size > budget:
                raise InputError(f"{name}: archive inflates beyond {MAX_ZIP_BYTES // (1024 * 1024)} MB; refused")
            chunks: list[bytes] = []
            try:
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        budget -= len(chunk)
                        if budget < 0:
                            raise InputError(
                                f"{name}: archive inflates beyond {MAX_ZIP_BYTES // (1024 * 1024)} MB; refused")
                        chunks.append(chunk)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error) as exc:
                raise InputError(f"{name}: damaged archive member {info.filename} ({exc})") from None
            out[info.filename] = b"".join(chunks)
        return out


def local(tag: Any) -> str:
    """``{namespace}name`` -> ``name``; comments and processing instructions have no string tag."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(elem: Element, name: str) -> Iterable[Element]:
    return (c for c in elem if local(c.tag) == name)


def child(elem: Element | None, name: str) -> Element | None:
    if elem is None:
        return None
    return next(iter(children(elem, name)), None)


def text_of(elem: Element | None) -> str:
    """All text inside ``elem``, whitespace collapsed."""
    if elem is None:
        return ""
    return " ".join("".join(elem.itertext()).split())


def load_format(kind: str, data: bytes, name: str) -> Document:
    """Run the loader for ``kind`` (not ``text``); hostile input ends as one InputError, never a traceback."""
    from auditor.documents import docx, jats, libraries, pdf

    loaders: dict[str, Callable[[bytes, str], Document]] = {
        "docx": docx.load_docx,
        "pdf": pdf.load_pdf,
        "jats": jats.load_jats,
        "bibtex": libraries.load_bibtex,
        "ris": libraries.load_ris,
        "csl-json": libraries.load_csl_json,
        "medline": libraries.load_medline,
        "endnote-xml": libraries.load_endnote_xml,
    }
    try:
        doc = loaders[kind](data, name)
    except InputError:
        raise
    except RecursionError:
        what = "XML" if kind in ("docx", "jats", "endnote-xml") else "data"
        raise InputError(f"{name}: cannot read this {kind} file ({what} nested too deeply)") from None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, OSError,
            zipfile.BadZipFile, UnicodeError, zlib.error, EOFError) as exc:
        raise InputError(f"{name}: cannot read this {kind} file ({type(exc).__name__}: {exc})") from None
    if not doc.text.strip() and not doc.references:
        raise InputError(f"{name}: the {kind} file holds no text")
    return doc
