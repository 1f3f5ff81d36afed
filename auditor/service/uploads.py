"""Uploaded documents: read within the size limit, decide the type by content, parse.

:func:`sniff` is the one place that decides what an upload *is* from its bytes (the name and the
client's ``Content-Type`` are not trusted). Today only text is audited (UTF-8, or UTF-16 with a
BOM: plain text and Markdown look alike and are loaded alike); recognisably binary formats get a
415 that names them. A loader for a new format (DOCX, PDF, JATS) adds its magic here and its
media type to ``SUPPORTED`` once ``auditor.documents.loader.load_bytes`` reads it.
"""

from __future__ import annotations

from typing import BinaryIO

from auditor.errors import InputError
from auditor.model import ParsedDocument

from .problems import ProblemError

SUPPORTED = frozenset({"text/plain"})

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),  # DOCX, ODT, EPUB are zip containers
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # legacy .doc
    (b"{\\rtf", "application/rtf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"\x1f\x8b", "application/gzip"),
)
NAME_MAX = 255


def sniff(data: bytes) -> str:
    """The media type the bytes are (``text/plain`` for decodable text); never trusts a name."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    from auditor.documents.loader import decode_text

    try:
        decode_text(data[: 64 * 1024] if len(data) > 64 * 1024 else data)
    except InputError:
        # A multi-byte character cut at the sample's end is still text: retry on the whole body.
        if len(data) <= 64 * 1024:
            return "application/octet-stream"
        try:
            decode_text(data)
        except InputError:
            return "application/octet-stream"
    return "text/plain"


def display_name(name: str | None) -> str:
    """The uploaded file name as reports show it: control characters dropped, length bounded."""
    cleaned = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    return cleaned[:NAME_MAX] or "upload.txt"


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """Read at most ``limit`` bytes; 413 as soon as one more is there."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(1024 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise ProblemError(413, f"the document is larger than the limit of {limit} bytes", slug="too-large",
                               title="Content Too Large")
        chunks.append(chunk)


def parse_upload(data: bytes, name: str, max_references: int) -> ParsedDocument:
    """415 unless the content is a supported type; 422 if unreadable, empty or over the reference limit."""
    from auditor.documents.detect import sniff as document_format
    from auditor.jobs.execute import parse_bytes

    # The loaders decide what they can read (text, DOCX, PDF, JATS, reference-manager libraries), by
    # content, exactly as ``auditor check`` does; the media type only names what was refused.
    kind, fmt = sniff(data), document_format(data)
    # An image or archive whose bytes happen to decode is still not text; an empty upload is 422 below.
    if (fmt is None and data.strip()) or (fmt == "text" and kind != "text/plain"):
        raise ProblemError(415, f"the upload's content is {kind}, not a format the loaders read (text, Markdown, "
                           "DOCX, PDF, JATS XML, BibTeX, RIS, CSL-JSON, MEDLINE, EndNote XML)",
                           slug="unsupported-type", title="Unsupported Media Type", detected=kind)
    try:
        parsed = parse_bytes(data, name)
    except InputError as exc:
        raise ProblemError(422, str(exc), slug="unreadable-document", title="Unreadable document") from None
    if len(parsed.references) > max_references:
        raise ProblemError(422, f"the document has {len(parsed.references)} references; the limit is "
                           f"{max_references}", slug="too-many-references", title="Too many references",
                           references=len(parsed.references), limit=max_references)
    return parsed
