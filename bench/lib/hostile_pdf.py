"""Hostile PDFs built with pypdf: text-dense pages, stream bombs, nested and repeated form XObjects.

Shared by ``tests/test_pdf_limits.py`` (each limit of :mod:`auditor.documents.pdf_budget` refuses
its file) and ``bench/formats_bench.py`` (how fast and in how much memory the refusals happen).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject


def _font(writer: PdfWriter) -> DictionaryObject:
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    return DictionaryObject({NameObject("/F1"): writer._add_object(font)})


def stream(data: bytes, *, flate: bool = False, extra: dict[str, object] | None = None) -> StreamObject:
    """A stream object holding ``data`` (Flate-compressed when ``flate``), with extra dictionary keys."""
    out = StreamObject()
    out._data = zlib.compress(data, 9) if flate else data
    if flate:
        out[NameObject("/Filter")] = NameObject("/FlateDecode")
    for key, value in (extra or {}).items():
        out[NameObject(key)] = value  # type: ignore[assignment]
    return out


def pdf(content: bytes | StreamObject, xobjects: Callable[[PdfWriter], DictionaryObject] | None = None,
        pages: int = 1) -> bytes:
    """A PDF of ``pages`` pages drawing ``content`` with Helvetica as /F1 and ``xobjects`` as resources."""
    writer = PdfWriter()
    fonts = _font(writer)
    shared = xobjects(writer) if xobjects is not None else None
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        resources = DictionaryObject({NameObject("/Font"): fonts})
        if shared is not None:
            resources[NameObject("/XObject")] = shared
        page[NameObject("/Resources")] = resources
        body = content if isinstance(content, StreamObject) else stream(content)
        page[NameObject("/Contents")] = writer._add_object(body)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(10, 10)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_page(chars: int) -> bytes:
    """A content stream of ``chars`` characters in 2-point type, 400 to a line."""
    lines = [b"BT /F1 2 Tf 10 780 Td 2 TL"]
    per_line = 400
    for _ in range(chars // per_line):
        lines.append(b"(" + b"x" * per_line + b") '")
    lines.append(b"ET")
    return b"\n".join(lines)


def forms(depth: int, fanout: int, leaf: bytes) -> Callable[[PdfWriter], DictionaryObject]:
    """Form XObjects /X0 … /X{depth-1}: each draws the next ``fanout`` times; the last draws ``leaf``."""
    return lambda writer: _build_forms(writer, depth, fanout, leaf)


def _build_forms(writer: PdfWriter, depth: int, fanout: int, leaf: bytes) -> DictionaryObject:
    bbox = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(612), FloatObject(792)])
    form_extra = {"/Type": NameObject("/XObject"), "/Subtype": NameObject("/Form"), "/BBox": bbox}
    objects: list[StreamObject] = []
    for level in range(depth):
        body = leaf if level == depth - 1 else b"\n".join([f"/X{level + 1} Do".encode()] * fanout)
        objects.append(stream(body, extra=form_extra))
    refs = [writer._add_object(form) for form in objects]
    for level, form in enumerate(objects[:-1]):
        form[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject(f"/X{level + 1}"): refs[level + 1]})})
    return DictionaryObject({NameObject("/X0"): refs[0]})
